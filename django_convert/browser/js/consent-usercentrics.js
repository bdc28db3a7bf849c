/* django-convert: consent from Usercentrics, its V3 browser API (window.__ucCmp, whose
 * methods return promises) or V2 (window.UC_UI).
 *
 * Inlined after the listener when CONSENT["PLATFORM"] is "usercentrics". Usercentrics fires
 * UC_UI_INITIALIZED when it has read its record, UC_UI_CMP_EVENT for the visitor's
 * decisions (V2 and V3) and UC_CONSENT (V3); each time, the consent of the service named
 * `category` is read again: V3 getConsentDetails().services[*].consent.given, V2
 * getServicesBaseInfo()[*].consent.status. No consent (declined, or only the implicit
 * default before any decision) withdraws. DJANGO_CONVERT_CONSENT: {category}: the service's
 * name in the Usercentrics admin ("Convert").
 */
// @ts-check
(function (/** @type {any} */ win, /** @type {ConsentAdapterConfig} */ config) {
  "use strict";
  /** @type {DjangoConvert} */
  var dc = win.djangoConvert;
  function apply(/** @type {boolean} */ given) {
    if (given) dc.consentGiven();
    else dc.consentWithdrawn();
  }
  function report() {
    if (!dc) return;
    var v3 = win.__ucCmp;
    var v2 = win.UC_UI;
    if (v3 && typeof v3.getConsentDetails === "function") {
      v3.getConsentDetails().then(function (/** @type {any} */ details) {
        var services = (details && details.services) || {};
        var given = false;
        for (var id in services) {
          if (services[id].name === config.category) given = !!(services[id].consent || {}).given;
        }
        apply(given);
      }, function () {});
    } else if (v2 && typeof v2.isInitialized === "function" && v2.isInitialized()) {
      var list = v2.getServicesBaseInfo() || [];
      var status = false;
      for (var i = 0; i < list.length; i++) {
        if (list[i].name === config.category) status = !!(list[i].consent || {}).status;
      }
      apply(status);
    }
  }
  var events = ["UC_UI_INITIALIZED", "UC_UI_CMP_EVENT", "UC_CONSENT"];
  for (var e = 0; e < events.length; e++) win.addEventListener(events[e], report);
  report();
})(window, DJANGO_CONVERT_CONSENT);
