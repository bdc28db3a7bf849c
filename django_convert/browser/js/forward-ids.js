/* django-convert: read each analytics tool's own id for this browser, for forwarding.
 *
 * Inlined after the listener only when DJANGO_CONVERT["FORWARD"] configures destinations
 * (docs/forwarding/). It defines djangoConvert.destinationIds(), which the listener calls
 * to add `destinationIds` to its post, so a forwarded impression joins the session the tool
 * already has. DJANGO_CONVERT_FORWARD: {ga4?: 1, segment?: 1, mixpanel?: project token}.
 *
 * - GA4: the client id from the `_ga` cookie "GA1.<n>.<random>.<timestamp>": the last two
 *   parts, "<random>.<timestamp>", what gtag('get', '<measurement id>', 'client_id')
 *   answers (developers.google.com/analytics/devguides/collection/ga4/reference/config
 *   client_id; support.google.com/analytics/answer/11397207, cookie usage).
 * - Segment: the anonymous id analytics.js keeps in the `ajs_anonymous_id` cookie, else in
 *   localStorage, a JSON-quoted string or a bare one (segment.com/docs/connections/sources/
 *   catalog/libraries/website/javascript/identity/).
 * - Mixpanel: `$device_id` of the JSON that mixpanel-js keeps in the `mp_<token>_mixpanel`
 *   cookie, else in localStorage (docs.mixpanel.com/docs/tracking-methods/id-management;
 *   mixpanel-js persistence name "mp_" + token + "_mixpanel").
 *
 * A value missing, malformed, or not 1 to 255 printable ASCII characters is left out (the
 * ingest endpoint refuses longer ones, which would lose the whole post).
 */
// @ts-check
(function (/** @type {any} */ win, /** @type {ForwardConfig} */ ids) {
  "use strict";
  /** @type {DjangoConvert} */
  var dc = win.djangoConvert;
  if (!dc) return;

  /** Cookie `name` URL-decoded, else localStorage item `name`, else null. */
  function read(/** @type {string} */ name) {
    var parts = win.document.cookie.split(/; */);
    for (var i = 0; i < parts.length; i++) {
      var at = parts[i].indexOf("=");
      if (parts[i].slice(0, at) === name) return decodeURIComponent(parts[i].slice(at + 1));
    }
    return win.localStorage.getItem(name);
  }

  dc.destinationIds = function () {
    /** @type {Record<string, string> | null} */
    var found = null;
    function keep(/** @type {string} */ name, /** @type {() => unknown} */ value) {
      try {
        var id = value();
        if (typeof id === "string" && /^[ -~]{1,255}$/.test(id)) {
          /** @type {Record<string, string>} */
          var all = found || {};
          all[name] = id;
          found = all;
        }
      } catch (error) {
        // Malformed (or blocked storage): left out.
      }
    }
    if (ids.ga4) {
      keep("ga4", function () {
        return (/^GA\d+\.\d+\.(\d+\.\d+)$/.exec(read("_ga") || "") || [])[1];
      });
    }
    if (ids.segment) {
      keep("segment", function () {
        var id = read("ajs_anonymous_id");
        return id && id.charAt(0) === '"' ? JSON.parse(id) : id;
      });
    }
    if (ids.mixpanel) {
      keep("mixpanel", function () {
        return JSON.parse(read("mp_" + ids.mixpanel + "_mixpanel") || "{}").$device_id;
      });
    }
    return found;
  };
})(window, DJANGO_CONVERT_FORWARD);
