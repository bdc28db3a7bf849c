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
 *   visitorId()        the id, or null (no consent yet, cookies blocked, no crypto)
 *   collecting()       whether the listener may post
 *   consentGiven()     records consent, creates and identifies the id, tells Convert
 *   consentWithdrawn() deletes the id, the consent record and Convert's cookies, stops
 *                      collecting
 *   onConsent(fn)      runs fn after consentGiven() (the listener re-reports)
 */
// @ts-check
/** @typedef {import('@convertcom/tracking-types').ConsentRequired} ConsentRequired */
/** @typedef {import('@convertcom/tracking-types').ConsentGiven} ConsentGiven */
/**
 * @typedef {{name: string, maxAge: number, path: string, domain: string | null,
 *   sameSite: string | null, secure: boolean | null}} CookieConfig
 * @typedef {{required: boolean, cookie: string, maxAge: number, runExperiences: boolean}} ConsentConfig
 * @typedef {{cookie: CookieConfig, consent: ConsentConfig}} IdentifyConfig
 */
(function (/** @type {ConvertWindow} */ win, config) {
  "use strict";
  var doc = win.document;
  var cookie = config.cookie;
  var consent = config.consent;
  // Ids are what the server accepts (django_convert.identity.pii): length first, then a
  // character class that cannot backtrack.
  var VALID = /^[A-Za-z0-9_.:-]+$/;
  /** @type {Array<() => void>} */
  var consentHooks = [];
  /** @type {Array<() => void>} */
  var withdrawHooks = [];
  /** @type {string | null} */
  var visitorId = null;
  var stopped = false;

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

  /** Set (or, with maxAge 0, delete) a cookie; `domain` null means host-only. */
  function write(
    /** @type {string} */ name,
    /** @type {string} */ value,
    /** @type {number} */ maxAge,
    /** @type {string | null} */ domain
  ) {
    var secure = cookie.secure === null ? win.location.protocol === "https:" : cookie.secure;
    doc.cookie =
      name + "=" + encodeURIComponent(value) +
      "; Max-Age=" + maxAge +
      "; Path=" + cookie.path +
      (domain ? "; Domain=" + domain : "") +
      (cookie.sameSite ? "; SameSite=" + cookie.sameSite : "") +
      (secure ? "; Secure" : "");
  }

  function valid(/** @type {string | undefined} */ value) {
    return typeof value === "string" && value.length > 0 && value.length <= 128 && VALID.test(value);
  }

  function hasConsent() {
    return !consent.required || read(consent.cookie)[0] === "1";
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
   * The visitor's id: the cookie's, else a new one when allowed. With COOKIE_DOMAIN set, a
   * host-only cookie left from before is replaced by a domain cookie holding the same id.
   */
  function ensureId() {
    var values = read(cookie.name);
    var id = valid(values[0]) ? values[0] : null;
    if (id && cookie.domain) {
      // Deleting the host-only cookie is a no-op when the cookie already is a domain
      // cookie; if the id is gone afterwards, it was host-only: re-issue it on the domain.
      // (A server-set domain cookie is left alone: Safari caps script-set ones at 7 days.)
      write(cookie.name, "", 0, null);
      if (read(cookie.name)[0] !== id) write(cookie.name, id, cookie.maxAge, cookie.domain);
    }
    if (!id) {
      id = newId();
      if (id) write(cookie.name, id, cookie.maxAge, cookie.domain);
    }
    return id;
  }

  function push(/** @type {any} */ command) {
    var queue = (win._conv_q = win._conv_q || []);
    /** @type {any} */ (queue).push(command);
  }

  function identify() {
    visitorId = ensureId();
    if (visitorId) push({ what: "identify", params: { visitorId: visitorId } });
  }

  if (hasConsent()) {
    identify();
  } else {
    // Convert holds back its cookies and tracking until consentGiven.
    // Pick<>: ConsentRequired's params also allow any key, which would hide a typo here.
    /** @type {Pick<NonNullable<ConsentRequired["params"]>, "runExperiences">} */
    var params = { runExperiences: consent.runExperiences };
    /** @type {ConsentRequired} */
    var required = { what: "consentRequired", params: params };
    push(required);
  }

  /** @type {any} */ (win).djangoConvert = {
    visitorId: function () {
      return stopped ? null : visitorId;
    },
    collecting: function () {
      return !stopped && visitorId !== null && hasConsent();
    },
    consentGiven: function () {
      stopped = false;
      if (consent.required) write(consent.cookie, "1", consent.maxAge, cookie.domain);
      var before = visitorId;
      identify();
      /** @type {ConsentGiven} */
      var given = { what: "consentGiven" };
      push(given);
      if (visitorId && visitorId !== before) {
        for (var i = 0; i < consentHooks.length; i++) {
          try {
            consentHooks[i]();
          } catch (error) {
            // A failing hook must not break the CMP's callback.
          }
        }
      }
      return visitorId;
    },
    consentWithdrawn: function () {
      stopped = true;
      visitorId = null;
      // Ours and Convert's own identifiers (its first-party cookies), host-only and on
      // COOKIE_DOMAIN, whichever exist.
      var names = [cookie.name, consent.cookie, "_conv_v", "_conv_r", "_conv_s"];
      for (var n = 0; n < names.length; n++) {
        write(names[n], "", 0, null);
        if (cookie.domain) write(names[n], "", 0, cookie.domain);
      }
      for (var i = 0; i < withdrawHooks.length; i++) withdrawHooks[i]();
    },
    onConsent: function (/** @type {() => void} */ hook) {
      consentHooks.push(hook);
    },
    onWithdraw: function (/** @type {() => void} */ hook) {
      withdrawHooks.push(hook);
    },
  };
})(window, DJANGO_CONVERT_IDENTIFY);
