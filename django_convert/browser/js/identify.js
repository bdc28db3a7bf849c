/* django-convert: the visitor id, cookie consent and BYOID `identify`, before Convert's script.
 *
 * Inlined by {% convert_head %} / {% convert_identify %} (minified: js/build.mjs writes
 * dist/identify.min.js). The page carries no per-visitor value, so cached pages stay correct
 * for everyone: the id lives in a first-party cookie that this script reads, and creates
 * (128 random bits) when it is missing and allowed. The server only refreshes that cookie on
 * responses no shared cache may store (the ingest POST, logged-in users' pages, login).
 *
 * DJANGO_CONVERT_IDENTIFY is replaced by the settings (JSON) when the tag renders:
 *   {cookie: {name, maxAge, path, domain, sameSite, secure},
 *    consent: {required, cookie, maxAge, runExperiences}}
 *
 * It defines window.djangoConvert:
 *   visitorId()        the id Convert was told, or null (no consent yet, cookies blocked, ...)
 *   collecting()       whether the listener may post
 *   automated()        navigator.webdriver without the shop's opt-in (posts are marked)
 *   settle()           ms until a freshly minted id can no longer lose to another tab's
 *   refresh()          re-read the cookie; an id that changed without a page load (a login
 *                      through htmx, Turbo or fetch, another tab) is identified to Convert
 *   consentGiven()     the consent platform reported consent on this page: identify, tell
 *                      Convert, let the listener post
 *   consentWithdrawn() deletes the id, the consent mirror and Convert's cookies, stops
 *                      collecting; the listener asks the server to forget the id
 *   restore()          makes the cookies match the page again (after a late answer)
 *   onId(fn)           runs fn after the id changed in the page (the listener re-reports)
 *   onWithdraw(fn)     runs fn(id) after consentWithdrawn()
 */
// @ts-check
(function (/** @type {ConvertWindow} */ win, /** @type {IdentifyConfig} */ config) {
  "use strict";
  var doc = win.document;
  var cookie = config.cookie;
  var consent = config.consent;
  // Ids are what the server accepts (django_convert.identity.pii): length first, then a
  // character class that cannot backtrack.
  var VALID = /^[A-Za-z0-9_.:-]+$/;
  // Two tabs of a first visit can both find no cookie and mint; the last write wins. A tab
  // that minted waits this long (ms) before its first post, then re-reads the cookie and
  // adopts the winner: by then both writes have landed (measured: the next task already).
  var SETTLE = 500;
  // Convert's cookies (its cookie article and developer docs): deleted on withdrawal.
  var CONVERT_COOKIES = "v s r sptest check_cookies t d g prevent_tracking".split(" ");
  /** @type {Array<() => void>} */
  var idHooks = [];
  /** @type {Array<(id: string | null) => void>} */
  var withdrawHooks = [];
  /** @type {string | null} */
  var visitorId = null;
  var mintedAt = 0;
  var stopped = false;
  // With consent required, nothing identifies until the consent platform reports consent on
  // this page: our own record (the mirror the server reads) never stands in for the platform's.
  var granted = !consent.required;

  /** Every value of cookie `name` in document.cookie, oldest first (RFC 6265 order). */
  function read(/** @type {string} */ name) {
    /** @type {string[]} */
    var values = [];
    var parts = doc.cookie ? doc.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i].replace(/^\s+/, "");
      if (part.slice(0, name.length + 1) === name + "=") {
        try {
          values.push(decodeURIComponent(part.slice(name.length + 1)));
        } catch (error) {
          // A value that is not valid percent-encoding is not ours: skip it.
        }
      }
    }
    return values;
  }

  /**
   * Set, or with maxAge 0 delete, a cookie; `domain` null is host-only, maxAge null a
   * session cookie. Secure follows the page's scheme unless COOKIE_SECURE says otherwise.
   * @param {string} name
   * @param {string} value
   * @param {number | null} maxAge
   * @param {string | null} domain
   * @param {string} [path]
   */
  function write(name, value, maxAge, domain, path) {
    var secure = cookie.secure === null ? win.location.protocol === "https:" : cookie.secure;
    doc.cookie =
      name + "=" + encodeURIComponent(value) +
      (maxAge === null ? "" : "; Max-Age=" + maxAge) +
      "; Path=" + (path || cookie.path) +
      (domain ? "; Domain=" + domain : "") +
      (cookie.sameSite ? "; SameSite=" + cookie.sameSite : "") +
      (secure ? "; Secure" : "");
  }

  function valid(/** @type {string | undefined} */ value) {
    return typeof value === "string" && value.length > 0 && value.length <= 128 && VALID.test(value);
  }

  /** The id in the cookie, if it is one. */
  function cookieId() {
    var value = read(cookie.name)[0];
    return valid(value) ? value : null;
  }

  /** 128 random bits as 32 hex characters, or null without Web Crypto. */
  function newId() {
    var crypto = win.crypto;
    if (!crypto || typeof crypto.getRandomValues !== "function") return null;
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    var hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] + 256).toString(16).slice(1);
    return hex;
  }

  /**
   * The visitor's id: the cookie's, else a new one. With COOKIE_DOMAIN set, a host-only
   * cookie left from before is replaced by a domain cookie holding the same id. Null when
   * the cookie cannot be kept (cookies blocked, a Secure or __Host- name on plain http): an
   * id that changes on every page is worth nothing, and the server could not accept it.
   */
  function ensureId() {
    var id = cookieId();
    if (id && cookie.domain) {
      // Deleting the host-only cookie is a no-op when the cookie already is a domain
      // cookie; if the id is gone afterwards, it was host-only: re-issue it on the domain.
      // (A server-set domain cookie is left alone: Safari caps script-set ones at 7 days.)
      write(cookie.name, "", 0, null);
      if (read(cookie.name)[0] !== id) write(cookie.name, id, cookie.maxAge, cookie.domain);
    }
    if (!id) {
      id = newId();
      if (!id) return null;
      write(cookie.name, id, cookie.maxAge, cookie.domain);
      mintedAt = Date.now();
      if (read(cookie.name)[0] !== id) {
        // Not kept: cookies are blocked, or an HttpOnly cookie of that name (set by an older
        // version) hides it. A probe with the same flags tells which: in the second case the
        // listener's post is refused and its answer re-issues that id readable.
        var probe = cookie.name + "_probe";
        write(probe, "1", 9, cookie.domain);
        if (read(probe)[0] !== "1") return null;
        write(probe, "", 0, cookie.domain);
      }
    }
    return id;
  }

  function push(/** @type {QueueCommand} */ command) {
    var queue = (win._conv_q = win._conv_q || []);
    /** @type {{push: (command: QueueCommand) => void}} */ (queue).push(command);
  }

  function identify(/** @type {string} */ id) {
    visitorId = id;
    push({ what: "identify", params: { visitorId: id } });
  }

  function changed() {
    for (var i = 0; i < idHooks.length; i++) {
      try {
        idHooks[i]();
      } catch (error) {
        // A failing hook must not break the caller (a CMP's callback, an htmx event).
      }
    }
  }

  /** Delete `name` on this host, on every parent domain, at "/" and at COOKIE_PATH:
   * wherever we or Convert's script may have set it. */
  function erase(/** @type {string} */ name) {
    var host = win.location.hostname.split(".");
    for (var i = 0; i < host.length; i++) {
      var domain = i ? host.slice(i).join(".") : null;
      write(name, "", 0, domain, "/");
      write(name, "", 0, domain);
    }
  }

  /** Make the cookies match the page: none after withdrawal, else the id Convert was told
   * (an answer that arrived late, or another tab, may have written something else). */
  function restore() {
    if (stopped) {
      erase(cookie.name);
      erase(consent.cookie);
      for (var n = 0; n < CONVERT_COOKIES.length; n++) erase("_conv_" + CONVERT_COOKIES[n]);
    } else if (visitorId && cookieId() !== visitorId) {
      write(cookie.name, visitorId, cookie.maxAge, cookie.domain);
    }
  }

  /** Stop and delete our state; `forget` runs the withdraw hooks (the server forgets). */
  function stop(/** @type {boolean} */ forget) {
    var id = visitorId || cookieId();
    stopped = true;
    granted = !consent.required && granted;
    visitorId = null;
    restore();
    if (forget) for (var i = 0; i < withdrawHooks.length; i++) withdrawHooks[i](id);
  }

  /** Follow the cookie: adopt an id another tab or an in-page login wrote. */
  function refresh() {
    if (stopped || !granted) return null;
    if (consent.required && read(consent.cookie)[0] !== "1") {
      stop(false); // another tab withdrew
      return null;
    }
    var id = cookieId();
    if (id && visitorId && id !== visitorId) {
      identify(id);
      // Re-evaluate under the new id (tracking-types: Run{resetData}); Convert does not
      // document what a late identify does on its own.
      push({ what: "run", params: { resetData: true } });
      changed();
    }
    return visitorId;
  }

  if (granted) {
    var id = ensureId();
    if (id) identify(id);
  } else {
    // Convert holds back its cookies and tracking until consentGiven.
    push({ what: "consentRequired", params: { runExperiences: consent.runExperiences } });
  }

  // In-page navigations that may have switched the cookie (a login through hx-boost or Turbo
  // Drive swaps the body; head scripts do not run again), a page restored from the
  // back-forward cache, and a tab coming back to the front after another tab logged in.
  var events = ["htmx:afterSettle", "htmx:after:settle", "turbo:load", "visibilitychange"];
  for (var e = 0; e < events.length; e++) doc.addEventListener(events[e], refresh);
  win.addEventListener("pageshow", refresh);

  /** @type {DjangoConvert} */
  var api = {
    visitorId: function () {
      return stopped ? null : visitorId;
    },
    collecting: function () {
      return !stopped && granted && visitorId !== null;
    },
    automated: function () {
      // A shop's own end-to-end tests opt in with this cookie (django_convert.testing).
      return !!win.navigator.webdriver && read("convert_automation")[0] !== "1";
    },
    settle: function () {
      return mintedAt ? Math.max(0, mintedAt + SETTLE - Date.now()) : 0;
    },
    refresh: refresh,
    restore: restore,
    consentGiven: function () {
      if (granted && !stopped) return visitorId;
      stopped = false;
      granted = true;
      // A mirror for the server (CONSENT["RESOLVER"] reads it); by default a session cookie,
      // rewritten on each page the platform reports consent on, and deleted when it does not.
      if (consent.required) write(consent.cookie, "1", consent.maxAge, cookie.domain);
      var id = ensureId();
      if (id) identify(id);
      push({ what: "consentGiven" });
      if (id) changed();
      return id;
    },
    consentWithdrawn: function () {
      stop(true);
    },
    onId: function (/** @type {() => void} */ hook) {
      idHooks.push(hook);
    },
    onWithdraw: function (/** @type {(id: string | null) => void} */ hook) {
      withdrawHooks.push(hook);
    },
  };
  /** @type {any} */ (win).djangoConvert = api;
})(window, DJANGO_CONVERT_IDENTIFY);
