/* django-convert: consent from OneTrust (developer.onetrust.com, "Web CMP JavaScript
 * methods" and "events").
 *
 * Inlined after the listener when CONSENT["PLATFORM"] is "onetrust". OneTrust fires
 * OneTrustGroupsUpdated on window when its SDK loads and on every change;
 * window.OnetrustActiveGroups lists the groups with consent (",C0001,C0002,"). Consent is
 * the category's group being active once the visitor closed the banner
 * (OneTrust.IsAlertBoxClosed()), or where OneTrust shows no banner for the visitor's region
 * (GetDomainData().ShowAlertNotice false: the consent model decides). Anything else (no
 * record yet, declined) withdraws. DJANGO_CONVERT_CONSENT: {category} ("C0002", Performance).
 */
// @ts-check
(function (/** @type {any} */ win, /** @type {ConsentAdapterConfig} */ config) {
  "use strict";
  /** @type {DjangoConvert} */
  var dc = win.djangoConvert;
  function report() {
    var onetrust = win.OneTrust;
    // Before the SDK loads, window.OneTrust may hold geolocation data only.
    if (!dc || !onetrust || typeof onetrust.IsAlertBoxClosed !== "function") return;
    var decided = onetrust.IsAlertBoxClosed() || onetrust.GetDomainData().ShowAlertNotice === false;
    var active = "," + (win.OnetrustActiveGroups || "") + ",";
    if (decided && active.indexOf("," + config.category + ",") >= 0) dc.consentGiven();
    else dc.consentWithdrawn();
  }
  win.addEventListener("OneTrustGroupsUpdated", report);
  report();
})(window, DJANGO_CONVERT_CONSENT);
