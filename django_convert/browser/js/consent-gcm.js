/* django-convert: consent from Google Consent Mode v2 signals (developers.google.com,
 * "Set up consent mode": gtag('consent', 'default' | 'update', {...})).
 *
 * Inlined after the listener when CONSENT["PLATFORM"] is "gcm". Consent Mode keeps no
 * record of its own and has no documented read API: the consent platform issues an
 * `update` on every page once the visitor has chosen. So this reads the consent commands
 * already in window.dataLayer and those pushed later (gtag pushes its `arguments`); only an
 * `update` is a decision (a `default` is the site's setting, not the visitor's): "granted"
 * for the consent type `category` gives consent, "denied" withdraws. DJANGO_CONVERT_CONSENT:
 * {category} ("analytics_storage").
 */
// @ts-check
(function (/** @type {any} */ win, /** @type {ConsentAdapterConfig} */ config) {
  "use strict";
  /** @type {DjangoConvert} */
  var dc = win.djangoConvert;
  if (!dc) return;
  var layer = (win.dataLayer = win.dataLayer || []);
  function read(/** @type {any} */ entry) {
    var state = entry && entry[0] === "consent" && entry[1] === "update" && entry[2] && entry[2][config.category];
    if (state === "granted") dc.consentGiven();
    else if (state === "denied") dc.consentWithdrawn();
  }
  for (var i = 0; i < layer.length; i++) read(layer[i]);
  var push = layer.push;
  layer.push = function () {
    var result = push.apply(layer, arguments);
    for (var a = 0; a < arguments.length; a++) read(arguments[a]);
    return result;
  };
})(window, DJANGO_CONVERT_CONSENT);
