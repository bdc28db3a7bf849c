/* django-convert: post the visitor's bucketing and segments to the ingest endpoint.
 *
 * Inlined after identify.js by {% convert_head %} / {% convert_listener %} (minified:
 * js/build.mjs writes dist/listener.min.js). On `snippet.experiences_evaluated` it reads
 * window.convert.getCurrentVisitorData() (section 2 of Convert's integration guide) and posts
 * {visitorId, experiences, segments} as JSON, segments exactly as Convert reported them.
 *
 * DJANGO_CONVERT_LISTENER is replaced by the settings (JSON) when the tag renders:
 *   {url, header}
 *
 * With forwarding configured, forward-ids.js defines djangoConvert.destinationIds(), and the
 * post carries its answer as `destinationIds` (each analytics tool's own id for the browser).
 *
 * - Anti-CSRF without a token, so cached pages work: the post is same-origin JSON with the
 *   custom header `header`; a cross-site page cannot send that without a CORS preflight the
 *   endpoint never grants, and the server also checks the Origin header.
 * - Only for a page someone sees: nothing is posted while the page is prerendering, or hidden
 *   before it was first shown (a background tab); it goes out when the page is shown.
 * - Retry: the payload waits in localStorage until a 2xx answer. A post cut off by
 *   navigation, or answered 5xx/408/429 or not at all, is sent again by the next page; any
 *   other 4xx is final (the server stored nothing and never will).
 * - It posts only what changed since its last successful post in this browser session
 *   (sessionStorage), only for the id identify.js gave Convert, and never throws into the page.
 * - Withdrawal wins: after consentWithdrawn() nothing is posted, and once a post still in
 *   flight has its answer (which may set the id cookie again), the cookies are deleted again
 *   and the server is asked to forget the id (DELETE, answered by deleting its cookies).
 */
// @ts-check
(function (/** @type {ConvertWindow} */ win, /** @type {ListenerConfig} */ config) {
  "use strict";
  /** @type {DjangoConvert} */
  var dc = /** @type {any} */ (win).djangoConvert;
  if (!dc || !win.fetch) return;
  var doc = /** @type {Document & {prerendering?: boolean}} */ (win.document);
  var PENDING = "django_convert:pending";
  var SENT = "django_convert:sent:";
  /** @type {Promise<unknown> | null} */
  var inFlight = null;
  /** @type {string | null} */
  var inFlightBody = null;
  var shown = false;
  var held = false;

  /** localStorage / sessionStorage, or null where storage is blocked. */
  function storage(/** @type {"localStorage" | "sessionStorage"} */ kind) {
    try {
      var store = win[kind];
      store.getItem(PENDING);
      return store;
    } catch (error) {
      return null;
    }
  }
  var local = storage("localStorage");
  var session = storage("sessionStorage");

  function get(/** @type {Storage | null} */ store, /** @type {string} */ key) {
    try {
      return store ? store.getItem(key) : null;
    } catch (error) {
      return null;
    }
  }
  function set(/** @type {Storage | null} */ store, /** @type {string} */ key, /** @type {string | null} */ value) {
    try {
      if (!store) return;
      if (value === null) store.removeItem(key);
      else store.setItem(key, value);
    } catch (error) {
      // Full or blocked storage: the post still goes out, only the retry is lost.
    }
  }

  /** The ingest payload for `id` from Convert's data, ids coerced with String(). */
  function payload(/** @type {string} */ id) {
    var convert = win.convert;
    /** @type {Partial<VisitorData>} */
    var data = (convert && typeof convert.getCurrentVisitorData === "function" && convert.getCurrentVisitorData()) || {};
    // Convert's knowledge-base examples show numeric ids where the types say strings.
    if (data.visitorId === undefined || String(data.visitorId) !== id) return null;
    /** @type {Record<string, unknown>} */
    var reported =
      data.segments ||
      (convert && typeof convert.getVisitorSegments === "function" && convert.getVisitorSegments()) ||
      {};
    // What Convert reported, and only that: an absent or empty segment stays absent (the
    // guide's sample fills in OTH, OTHDEV, direct and new, which would overwrite what
    // Convert stored through enrichData).
    /** @type {Record<string, unknown>} */
    var segments = {};
    for (var key in reported) {
      var value = reported[key];
      if (value !== undefined && value !== null && value !== "") segments[key] = value;
    }
    /** @type {Array<{experienceId: string, variationId: string}>} */
    var experiences = [];
    var bucketing = Array.isArray(data.bucketing) ? data.bucketing : [];
    for (var i = 0; i < bucketing.length; i++) {
      var entry = bucketing[i];
      if (entry && entry.experienceId && entry.variationId) {
        experiences.push({ experienceId: String(entry.experienceId), variationId: String(entry.variationId) });
      }
    }
    var ids = dc.destinationIds && dc.destinationIds();
    return JSON.stringify({ visitorId: id, experiences: experiences, segments: segments, destinationIds: ids || undefined });
  }

  function request(/** @type {string} */ method, /** @type {string} */ body) {
    /** @type {Record<string, string>} */
    var headers = { "Content-Type": "application/json" };
    // An automated browser's posts are marked, and the server stores nothing (as for crawlers).
    headers[config.header] = dc.automated() ? "webdriver" : "1";
    return win.fetch(config.url, {
      method: method,
      headers: headers,
      body: body,
      credentials: "same-origin",
      keepalive: true,
    });
  }

  /** Forget `item` as pending; remember it as sent when the server stored it. */
  function settle(/** @type {Pending} */ item, /** @type {boolean} */ stored) {
    var waiting = get(local, PENDING);
    if (waiting === JSON.stringify(item)) set(local, PENDING, null);
    if (stored) set(session, SENT + item.visitorId, item.body);
  }

  /**
   * @param {Pending} item
   * @param {boolean} [again] a second try after a 403 unproven_id
   */
  function send(item, again) {
    if (inFlightBody === item.body) return;
    inFlightBody = item.body;
    inFlight = request("POST", item.body).then(
      function (response) {
        var status = response.status;
        if (response.ok) settle(item, true);
        else if (status === 403 && !again && response.headers.get("X-Convert-Reason") === "unproven_id") {
          // Another tab of this browser may have claimed this new id a moment ago: its
          // answer brings the id's key (HttpOnly, shared by the tabs). Once more, then final.
          setTimeout(function () {
            if (dc.collecting() && dc.visitorId() === item.visitorId) send(item, true);
          }, 1000);
        } else if (status < 500 && status !== 408 && status !== 429) settle(item, false);
        // else a server or network problem: the next page retries
      },
      function () {}
    );
    inFlight.then(function () {
      inFlight = inFlightBody = null;
    });
  }

  /** Post a pending item of this visitor, if the page may collect now. */
  function flush() {
    try {
      var waiting = get(local, PENDING);
      /** @type {Pending | null} */
      var item = waiting ? JSON.parse(waiting) : null;
      if (item && typeof item.body === "string" && dc.collecting()) {
        if (item.visitorId === dc.visitorId()) send(item);
        else set(local, PENDING, null);
      }
    } catch (error) {
      set(local, PENDING, null);
    }
  }

  function report() {
    try {
      // Hold everything for a page nobody has seen yet (prerendering, a background tab).
      if (!shown) {
        shown = !doc.prerendering && doc.visibilityState !== "hidden";
        if (!shown) {
          held = true;
          return;
        }
      }
      var wait = dc.settle();
      if (wait > 0) {
        setTimeout(report, wait);
        return;
      }
      // Another tab's id, or an in-page login's: adopting it re-runs Convert, whose next
      // experiences_evaluated reports under that id.
      dc.refresh();
      flush();
      if (!dc.collecting()) return;
      var id = dc.visitorId();
      var body = id && payload(id);
      if (!id || !body || get(session, SENT + id) === body) return;
      /** @type {Pending} */
      var item = { visitorId: id, body: body };
      set(local, PENDING, JSON.stringify(item));
      send(item);
    } catch (error) {
      // Never break the page over analytics.
    }
  }

  function shownNow() {
    if (held && !doc.prerendering && doc.visibilityState !== "hidden") {
      held = false;
      report();
    }
  }
  doc.addEventListener("prerenderingchange", shownNow);
  doc.addEventListener("visibilitychange", shownNow);

  // A post an earlier page could not complete goes out first, if it is still this visitor's.
  flush();
  dc.onId(report);
  dc.onWithdraw(function (id) {
    set(local, PENDING, null);
    if (!id) return;
    // After the answer of a post still in flight: its Set-Cookie may have brought the id
    // back. The server then forgets the id and deletes its cookies (the key is HttpOnly).
    Promise.resolve(inFlight).then(function () {
      dc.restore();
      try {
        request("DELETE", JSON.stringify({ visitorId: id })).then(dc.restore, dc.restore);
      } catch (error) {
        // Never break the page over analytics.
      }
    });
  });

  /** @type {AddListener} */
  var listener = { what: "addListener", params: { event: "snippet.experiences_evaluated", handler: report } };
  var queue = (win._conv_q = win._conv_q || []);
  /** @type {{push: (command: QueueCommand) => void}} */ (queue).push(listener);
})(window, DJANGO_CONVERT_LISTENER);
