/* django-convert: consent from Didomi (developers.didomi.io, web SDK "API" and "Events").
 *
 * Inlined after the listener when CONSENT["PLATFORM"] is "didomi". It queues on
 * window.didomiOnReady (run once Didomi has read its record) and window.didomiEventListeners
 * (consent.changed), and reads Didomi.getUserStatus(): consent is the purpose `category`
 * in purposes.consent.enabled or purposes.global.enabled. Anything else (disabled, or in
 * neither list: not collected yet) withdraws. DJANGO_CONVERT_CONSENT: {category}: a Didomi
 * purpose id ("cookies": TCF purpose 1, store and/or access information on a device).
 */
// @ts-check
(function (/** @type {any} */ win, /** @type {ConsentAdapterConfig} */ config) {
  "use strict";
  /** @type {DjangoConvert} */
  var dc = win.djangoConvert;
  function report() {
    var didomi = win.Didomi;
    if (!dc || !didomi || typeof didomi.getUserStatus !== "function") return;
    var purposes = didomi.getUserStatus().purposes || {};
    var enabled = ((purposes.consent || {}).enabled || []).concat((purposes.global || {}).enabled || []);
    if (enabled.indexOf(config.category) >= 0) dc.consentGiven();
    else dc.consentWithdrawn();
  }
  (win.didomiOnReady = win.didomiOnReady || []).push(report);
  (win.didomiEventListeners = win.didomiEventListeners || []).push({ event: "consent.changed", listener: report });
})(window, DJANGO_CONVERT_CONSENT);
