/* A local stand-in for Convert's tracking script, for browser tests and demos.
 *
 * Like the real script it drains window._conv_q when it loads (identify, addListener,
 * consentRequired, consentGiven, run), buckets the visitor under the id `identify` gave it
 * (or an id of its own without one), exposes window.convert.getCurrentVisitorData() and
 * fires snippet.experiences_evaluated. What it saw is recorded in window.__convertStandin
 * for assertions.
 *
 * Commands pushed after it loaded run at once. A later `identify` changes the id;
 * `{what: 'run'}` (tracking-types Run) evaluates again under it: how django-convert
 * re-identifies a visitor whose id changed without a page load (Convert does not document
 * what its script does with a late identify; this is the reading the app relies on).
 *
 * Consent, as Convert's types describe it (@convertcom/tracking-types, src/types/api.d.ts):
 * after `consentRequired` it writes no cookie of its own (`_conv_v`) until `consentGiven`,
 * and with `runExperiences: false` it evaluates nothing until then. `consentGiven` writes
 * the cookie and evaluates (again) under the current id, firing the listeners.
 *
 * Bucketing comes from the script URL's query: ?bucketing=EXP:VAR,EXP:VAR (default
 * 100127238:1001186427), segments from ?country=XX (default US), or none at all with
 * ?segments=none. Ids in Convert's data are numbers when ?numeric=1, as Convert's
 * knowledge-base examples show them. Once not held by consent, it writes its visitor cookie
 * and, with ?cookies=all, every cookie Convert documents (its cookie article), host-only.
 */
(function () {
  var params = new URL(document.currentScript.src).searchParams;
  var state = (window.__convertStandin = {
    identifiedAs: null,
    bucketedAs: null,
    consentRequired: null,
    consentGiven: false,
    evaluations: 0,
    listeners: [],
    log: [],
  });
  var visitorId = null;
  var loaded = false;
  var numeric = params.get("numeric") === "1";

  function run(command) {
    if (!command || typeof command !== "object") return;
    var p = command.params || {};
    if (command.what === "identify" && p.visitorId) {
      visitorId = String(p.visitorId);
      state.identifiedAs = visitorId;
      state.log.push("identify:" + visitorId);
    } else if (command.what === "addListener" && typeof p.handler === "function") {
      state.listeners.push(p);
      state.log.push("addListener:" + p.event);
    } else if (command.what === "consentRequired") {
      state.consentRequired = { runExperiences: !!p.runExperiences };
      state.log.push("consentRequired:" + !!p.runExperiences);
    } else if (command.what === "consentGiven") {
      state.consentGiven = true;
      state.log.push("consentGiven");
      if (loaded) evaluate();
    } else if (command.what === "run") {
      state.log.push("run");
      if (loaded) evaluate();
    }
  }

  function held() {
    return state.consentRequired && !state.consentGiven;
  }

  var bucketing = (params.get("bucketing") || "100127238:1001186427")
    .split(",")
    .filter(Boolean)
    .map(function (pair) {
      var ids = pair.split(":");
      return {
        experienceId: numeric ? Number(ids[0]) : ids[0],
        variationId: numeric ? Number(ids[1]) : ids[1],
        firstTime: true,
        goals: [],
      };
    });
  var data = {
    visitorId: null,
    bucketing: bucketing,
    segments:
      params.get("segments") === "none"
        ? {}
        : {
            browser: "CH",
            devices: ["DESK"],
            source: "direct",
            visitorType: "new",
            country: params.get("country") || "US",
            campaign: "",
            customSegments: ["seg-1"],
          },
  };
  var OWN_COOKIES = ["_conv_v", "_conv_s", "_conv_r", "_conv_sptest", "_conv_check_cookies",
    "_conv_t", "_conv_d", "_conv_g"];
  window.convert = {
    currentData: data,
    getCurrentVisitorData: function () {
      return data;
    },
    getVisitorSegments: function () {
      return data.segments;
    },
  };

  function evaluate() {
    if (held() && !state.consentRequired.runExperiences) {
      state.log.push("held");
      return;
    }
    if (!visitorId) visitorId = "convert-own-" + Math.random().toString(36).slice(2);
    data.visitorId = visitorId;
    state.bucketedAs = visitorId;
    state.log.push("bucket:" + visitorId);
    if (!held()) {
      document.cookie = "_conv_v=" + encodeURIComponent(visitorId) + "; Path=/";
      if (params.get("cookies") === "all") {
        OWN_COOKIES.forEach(function (name) {
          document.cookie = name + "=1; Path=/";
        });
      }
    }
    state.evaluations += 1;
    state.listeners.forEach(function (listener) {
      if (listener.event !== "snippet.experiences_evaluated") return;
      try {
        listener.handler();
      } catch (error) {
        state.log.push("listener threw: " + error);
      }
    });
    state.log.push("experiences_evaluated");
  }

  (window._conv_q || []).forEach(run);
  // After loading, the real script runs pushed commands at once.
  window._conv_q = {
    push: function () {
      Array.prototype.forEach.call(arguments, run);
    },
  };
  loaded = true;
  evaluate();
})();
