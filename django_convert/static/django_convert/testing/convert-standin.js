/* A local stand-in for Convert's tracking script, for browser tests and demos.
 *
 * Like the real script it drains window._conv_q when it loads (identify, addListener),
 * buckets the visitor under the id `identify` gave it (or an id of its own without one),
 * exposes window.convert.getCurrentVisitorData() and fires snippet.experiences_evaluated.
 * What it saw is recorded in window.__convertStandin for assertions.
 *
 * Bucketing comes from the script URL's query: ?bucketing=EXP:VAR,EXP:VAR (default
 * 100127238:1001186427), segments from ?country=XX (default US).
 */
(function () {
  var params = new URL(document.currentScript.src).searchParams;
  var state = (window.__convertStandin = {
    identifiedAs: null,
    bucketedAs: null,
    listeners: [],
    log: [],
  });
  var visitorId = null;

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
    }
  }

  (window._conv_q || []).forEach(run);
  // After loading, the real script runs pushed commands at once.
  window._conv_q = { push: function () { Array.prototype.forEach.call(arguments, run); } };

  if (!visitorId) visitorId = "convert-own-" + Math.random().toString(36).slice(2);
  state.bucketedAs = visitorId;
  state.log.push("bucket:" + visitorId);

  var bucketing = (params.get("bucketing") || "100127238:1001186427")
    .split(",")
    .filter(Boolean)
    .map(function (pair) {
      var ids = pair.split(":");
      return { experienceId: ids[0], variationId: ids[1], firstTime: true, goals: {} };
    });
  var data = {
    visitorId: visitorId,
    bucketing: bucketing,
    segments: {
      browser: "CH",
      devices: ["DESK"],
      source: "direct",
      visitorType: "new",
      country: params.get("country") || "US",
      campaign: "",
      customSegments: ["seg-1"],
    },
  };
  window.convert = {
    currentData: data,
    getCurrentVisitorData: function () { return data; },
    getVisitorSegments: function () { return data.segments; },
  };

  state.listeners.forEach(function (listener) {
    if (listener.event !== "snippet.experiences_evaluated") return;
    try {
      listener.handler();
    } catch (error) {
      state.log.push("listener threw: " + error);
    }
  });
  state.log.push("experiences_evaluated");
})();
