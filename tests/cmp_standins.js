/* Stand-ins for consent platforms' browser APIs, for tests/test_browser_consent.py.
 *
 * Each follows the platform's documented API (sources in django_convert/browser/js/
 * consent-<platform>.js and /work/research/browser/facts.md section 1): the globals, methods
 * and events its adapter reads. Like the real platforms, each keeps its record in storage of
 * its own (here the cookie `cmp_record`: "granted" or "denied"; the test deletes it to play
 * an expired record), loads after the page's head scripts (asynchronously), reports what the
 * record says on every page, and shows its banner when there is none. The test decides with
 * window.cmp.accept() / window.cmp.decline().
 *
 * window.CMP_PLATFORM picks one: cookiebot, onetrust, usercentrics-v2, usercentrics-v3,
 * didomi, tcf, gcm.
 */
(function () {
  "use strict";
  var platform = window.CMP_PLATFORM;
  var match = document.cookie.match(/(?:^|; )cmp_record=([^;]*)/);
  var record = match ? match[1] : null; // "granted", "denied", or null: undecided
  var listeners = []; // callbacks a platform calls on every change

  function save(value) {
    record = value;
    document.cookie = "cmp_record=" + value + "; Path=/; Max-Age=3600";
  }
  function fire(name, detail) {
    window.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }
  var granted = function () {
    return record === "granted";
  };

  var setups = {
    cookiebot: function () {
      var api = {
        consent: { necessary: true, statistics: granted() },
        hasResponse: record !== null,
      };
      return {
        load: function () {
          window.Cookiebot = api;
          fire("CookiebotOnLoad");
          if (api.hasResponse) fire("CookiebotOnConsentReady");
          else fire("CookiebotOnDialogDisplay");
        },
        choose: function () {
          api.consent.statistics = granted();
          api.hasResponse = true;
          fire(granted() ? "CookiebotOnAccept" : "CookiebotOnDecline");
          fire("CookiebotOnConsentReady");
        },
      };
    },
    onetrust: function () {
      function groups() {
        return granted() ? ",C0001,C0002," : ",C0001,";
      }
      return {
        load: function () {
          window.OnetrustActiveGroups = window.OptanonActiveGroups = groups();
          window.OneTrust = {
            IsAlertBoxClosed: function () {
              return record !== null;
            },
            GetDomainData: function () {
              return { ShowAlertNotice: true, ConsentModel: { Name: "opt-in" } };
            },
            OnConsentChanged: function (fn) {
              listeners.push(fn);
            },
          };
          fire("OneTrustGroupsUpdated", groups().split(",").filter(Boolean));
        },
        choose: function () {
          window.OnetrustActiveGroups = window.OptanonActiveGroups = groups();
          fire("OneTrustGroupsUpdated", groups().split(",").filter(Boolean));
        },
      };
    },
    "usercentrics-v2": function () {
      function services() {
        var explicit = record !== null;
        return [
          { id: "essential-1", name: "Usercentrics Consent Management Platform", consent: { status: true, history: [] } },
          {
            id: "Hk2dX9ZJb",
            name: "Convert",
            categorySlug: "marketing",
            consent: {
              status: granted(),
              history: explicit ? [{ action: "onAcceptAllServices", status: granted(), type: "explicit" }] : [],
            },
          },
        ];
      }
      return {
        load: function () {
          window.UC_UI = {
            isInitialized: function () {
              return true;
            },
            getServicesBaseInfo: services,
          };
          fire("UC_UI_INITIALIZED");
        },
        choose: function () {
          fire("UC_UI_CMP_EVENT", { type: granted() ? "ACCEPT_ALL" : "DENY_ALL", source: "first" });
        },
      };
    },
    "usercentrics-v3": function () {
      function details() {
        return {
          consent: { type: record === null ? "IMPLICIT" : "EXPLICIT" },
          services: {
            Hk2dX9ZJb: { name: "Convert", consent: { given: granted(), type: record === null ? "IMPLICIT" : "EXPLICIT" } },
          },
          categories: { marketing: { state: granted() ? "ALL_ACCEPTED" : "ALL_DENIED" } },
        };
      }
      return {
        load: function () {
          window.__ucCmp = {
            isInitialized: function () {
              return Promise.resolve(true);
            },
            getConsentDetails: function () {
              return Promise.resolve(details());
            },
          };
          fire("UC_UI_INITIALIZED");
        },
        choose: function () {
          fire("UC_UI_CMP_EVENT", { type: granted() ? "ACCEPT_ALL" : "DENY_ALL", source: "first" });
          fire("UC_CONSENT", details());
        },
      };
    },
    didomi: function () {
      function status() {
        var purpose = "cookies";
        var decided = record !== null;
        return {
          purposes: {
            consent: { enabled: granted() ? [purpose] : [], disabled: decided && !granted() ? [purpose] : [] },
            legitimate_interest: { enabled: [], disabled: [] },
            global: { enabled: granted() ? [purpose] : [], disabled: decided && !granted() ? [purpose] : [] },
            essential: [],
          },
          vendors: {},
        };
      }
      return {
        load: function () {
          window.Didomi = {
            getUserStatus: status,
            shouldConsentBeCollected: function () {
              return record === null;
            },
            on: function (event, fn) {
              listeners.push(fn);
            },
          };
          (window.didomiEventListeners || []).forEach(function (entry) {
            if (entry.event === "consent.changed") listeners.push(entry.listener);
          });
          (window.didomiOnReady || []).forEach(function (fn) {
            fn(window.Didomi);
          });
        },
        choose: function () {
          listeners.forEach(function (fn) {
            fn({ action: "click" });
          });
        },
      };
    },
    tcf: function () {
      var status = record === null ? "cmpuishown" : "tcloaded";
      function data(id) {
        return {
          tcString: record === null ? "" : "CP-standin",
          tcfPolicyVersion: 4,
          cmpId: 300,
          cmpStatus: "loaded",
          gdprApplies: true,
          eventStatus: status,
          listenerId: id,
          purpose: { consents: granted() ? { 1: true, 7: true } : {}, legitimateInterests: { 7: true } },
          vendor: { consents: {}, legitimateInterests: {} },
        };
      }
      // The stub every TCF CMP puts in the page first: it queues calls until the CMP loads.
      var queue = [];
      window.__tcfapi = function () {
        queue.push(arguments);
      };
      return {
        load: function () {
          window.__tcfapi = function (command, version, callback) {
            if (command === "addEventListener") {
              var id = listeners.push(callback) - 1;
              callback(data(id), true);
            } else if (command === "ping") {
              callback({ gdprApplies: true, cmpLoaded: true, cmpStatus: "loaded", apiVersion: "2.2" }, true);
            }
          };
          queue.forEach(function (args) {
            window.__tcfapi.apply(null, args);
          });
        },
        choose: function () {
          status = "useractioncomplete";
          listeners.forEach(function (callback, id) {
            callback(data(id), true);
          });
        },
      };
    },
    gcm: function () {
      window.dataLayer = window.dataLayer || [];
      var gtag = (window.gtag = function () {
        window.dataLayer.push(arguments);
      });
      // The site's default, before any tag: no decision.
      gtag("consent", "default", { ad_storage: "denied", analytics_storage: "denied", wait_for_update: 500 });
      function update() {
        var state = granted() ? "granted" : "denied";
        gtag("consent", "update", { ad_storage: state, analytics_storage: state });
      }
      return {
        load: function () {
          // The consent platform re-issues its update on every page once the visitor chose.
          if (record !== null) update();
        },
        choose: update,
      };
    },
  };

  var cmp = setups[platform]();
  window.cmp = {
    accept: function () {
      save("granted");
      cmp.choose();
    },
    decline: function () {
      save("denied");
      cmp.choose();
    },
    loaded: false,
  };
  // Loads asynchronously, after the page's head scripts (as every platform's script does).
  setTimeout(function () {
    cmp.load();
    window.cmp.loaded = true;
  }, 50);
})();
