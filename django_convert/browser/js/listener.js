/* django-convert: post the visitor's bucketing and segments to the ingest endpoint.
 *
 * Inlined after identify.js by {% convert_head %} / {% convert_listener %} (minified:
 * js/build.mjs writes dist/listener.min.js). On `snippet.experiences_evaluated` it reads
 * window.convert.getCurrentVisitorData() (section 2 of Convert's integration guide) and posts
 * {visitorId, experiences, segments} as JSON.
 *
 * DJANGO_CONVERT_LISTENER is replaced by the settings (JSON) when the tag renders:
 *   {url, header}
 *
 * - Anti-CSRF without a token, so cached pages work: the post is same-origin JSON with the
 *   custom header `header`; a cross-site page cannot send that without a CORS preflight the
 *   endpoint never grants, and the server also checks the Origin header.
 * - Retry: the payload waits in localStorage until a 2xx answer. A post cut off by
 *   navigation, or answered 5xx/408/429 or not at all, is sent again by the next page; any
 *   other 4xx is final (the server stored nothing and never will).
 * - It posts only what changed since its last successful post in this browser session
 *   (sessionStorage), only for the id identify.js gave Convert, and never throws into the page.
 */
// @ts-check
/** @typedef {import('@convertcom/tracking-types').VisitorData} VisitorData */
/** @typedef {import('@convertcom/tracking-types').AddListener} AddListener */
/** @typedef {{url: string, header: string}} ListenerConfig */
/** @typedef {{visitorId: string, body: string}} Pending */
(function (/** @type {ConvertWindow} */ win, config) {
  "use strict";
  /** @type {any} */
  var dc = /** @type {any} */ (win).djangoConvert;
  if (!dc || !win.fetch) return;
  var PENDING = "django_convert:pending";
  var SENT = "django_convert:sent:";
  /** @type {string | null} */
  var inFlight = null;

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
    /** @type {any} */
    var segments =
      data.segments ||
      (convert && typeof convert.getVisitorSegments === "function" && convert.getVisitorSegments()) ||
      {};
    /** @type {Array<{experienceId: string, variationId: string}>} */
    var experiences = [];
    var bucketing = Array.isArray(data.bucketing) ? data.bucketing : [];
    for (var i = 0; i < bucketing.length; i++) {
      var entry = bucketing[i];
      if (entry && entry.experienceId && entry.variationId) {
        experiences.push({ experienceId: String(entry.experienceId), variationId: String(entry.variationId) });
      }
    }
    return JSON.stringify({
      visitorId: id,
      experiences: experiences,
      segments: {
        browser: segments.browser || "OTH",
        devices: segments.devices || ["OTHDEV"],
        source: segments.source || "direct",
        visitorType: segments.visitorType || "new",
        country: segments.country || "",
        campaign: segments.campaign || "",
        customSegments: segments.customSegments || [],
      },
    });
  }

  /** Forget `body` as pending; remember it as sent when the server stored it. */
  function settle(/** @type {Pending} */ item, /** @type {boolean} */ stored) {
    inFlight = null;
    var waiting = get(local, PENDING);
    if (waiting === JSON.stringify(item)) set(local, PENDING, null);
    if (stored) set(session, SENT + item.visitorId, item.body);
  }

  function send(/** @type {Pending} */ item) {
    if (inFlight === item.body) return;
    inFlight = item.body;
    /** @type {Record<string, string>} */
    var headers = { "Content-Type": "application/json" };
    headers[config.header] = "1";
    win
      .fetch(config.url, {
        method: "POST",
        headers: headers,
        body: item.body,
        credentials: "same-origin",
        keepalive: true,
      })
      .then(
        function (response) {
          var status = response.status;
          if (response.ok) settle(item, true);
          else if (status < 500 && status !== 408 && status !== 429) settle(item, false);
          else inFlight = null; // a server or network problem: the next page retries
        },
        function () {
          inFlight = null;
        }
      );
  }

  function report() {
    try {
      if (!dc.collecting()) return;
      var id = dc.visitorId();
      var body = id && payload(id);
      if (!body || get(session, SENT + id) === body) return;
      /** @type {Pending} */
      var item = { visitorId: id, body: body };
      set(local, PENDING, JSON.stringify(item));
      send(item);
    } catch (error) {
      // Never break the page over analytics.
    }
  }

  // A post an earlier page could not complete goes out first, if it is still this visitor's.
  try {
    var waiting = get(local, PENDING);
    /** @type {Pending | null} */
    var item = waiting ? JSON.parse(waiting) : null;
    if (item && typeof item.body === "string") {
      if (dc.collecting() && item.visitorId === dc.visitorId()) send(item);
      else set(local, PENDING, null);
    }
  } catch (error) {
    set(local, PENDING, null);
  }

  dc.onConsent(report);
  dc.onWithdraw(function () {
    set(local, PENDING, null);
  });
  /** @type {AddListener} */
  var listener = { what: "addListener", params: { event: "snippet.experiences_evaluated", handler: report } };
  var queue = (win._conv_q = win._conv_q || []);
  /** @type {any} */ (queue).push(listener);
})(window, DJANGO_CONVERT_LISTENER);
