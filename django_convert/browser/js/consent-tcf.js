/* django-convert: consent from any IAB TCF v2.2 CMP, through its __tcfapi (IAB Tech Lab,
 * "CMP API v2": addEventListener).
 *
 * Inlined after the listener when CONSENT["PLATFORM"] is "tcf". The CMP calls back at once
 * and on every change. A decision is eventStatus "tcloaded" (a valid stored choice) or
 * "useractioncomplete"; consent is every purpose in `category` having purpose.consents
 * true. "cmpuishown" means the CMP shows its UI because it holds no valid choice: that
 * withdraws, as does a decision without those consents. Where the GDPR does not apply
 * (gdprApplies false) there is nothing to wait for. DJANGO_CONVERT_CONSENT: {category}:
 * purpose ids, comma-separated ("1": store and/or access information on a device).
 */
// @ts-check
(function (/** @type {any} */ win, /** @type {ConsentAdapterConfig} */ config) {
  "use strict";
  /** @type {DjangoConvert} */
  var dc = win.djangoConvert;
  if (!dc || typeof win.__tcfapi !== "function") return;
  win.__tcfapi("addEventListener", 2, function (/** @type {any} */ data, /** @type {boolean} */ ok) {
    if (!ok || !data) return;
    var status = data.eventStatus;
    if (data.gdprApplies === false) return dc.consentGiven();
    if (status === "cmpuishown") return dc.consentWithdrawn();
    if (status !== "tcloaded" && status !== "useractioncomplete") return;
    var consents = (data.purpose || {}).consents || {};
    var purposes = config.category.split(",");
    for (var i = 0; i < purposes.length; i++) {
      if (consents[purposes[i]] !== true) return dc.consentWithdrawn();
    }
    dc.consentGiven();
  });
})(window, DJANGO_CONVERT_CONSENT);
