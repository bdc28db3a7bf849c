/* django-convert: consent from Cookiebot (www.cookiebot.com/en/developer/).
 *
 * Inlined after the listener when CONSENT["PLATFORM"] is "cookiebot". Cookiebot fires
 * CookiebotOnLoad when it has loaded, CookiebotOnConsentReady once its record is read,
 * CookiebotOnDialogDisplay when it shows its banner (no record) and CookiebotOnAccept /
 * CookiebotOnDecline on every change; each time, window.Cookiebot.consent[category] is the
 * answer. No consent (declined, or no record: the banner is shown) withdraws: our state
 * never outlives Cookiebot's record. DJANGO_CONVERT_CONSENT: {category} ("statistics").
 */
// @ts-check
(function (/** @type {any} */ win, /** @type {ConsentAdapterConfig} */ config) {
  "use strict";
  /** @type {DjangoConvert} */
  var dc = win.djangoConvert;
  function report() {
    var cookiebot = win.Cookiebot;
    if (!dc || !cookiebot || !cookiebot.consent) return;
    if (cookiebot.consent[config.category]) dc.consentGiven();
    else dc.consentWithdrawn();
  }
  var events = ["CookiebotOnLoad", "CookiebotOnConsentReady", "CookiebotOnDialogDisplay",
    "CookiebotOnAccept", "CookiebotOnDecline"];
  for (var i = 0; i < events.length; i++) win.addEventListener(events[i], report);
  // Cookiebot loaded before us (a blocking uc.js): its answer is already there.
  if (win.Cookiebot && win.Cookiebot.hasResponse) report();
})(window, DJANGO_CONVERT_CONSENT);
