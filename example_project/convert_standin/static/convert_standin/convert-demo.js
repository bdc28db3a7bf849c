/* A local stand-in for Convert's tracking script, for the demo shop (no network needed).
 * Like the real script it drains window._conv_q when it loads (identify, addListener),
 * buckets the visitor, exposes window.convert.getCurrentVisitorData(), and fires
 * snippet.experiences_evaluated. The bucketing is stable per visitor id. */
(function () {
  "use strict";
  var EXPERIENCE = "100127238";
  var VARIATIONS = ["1001186427", "1001186428"]; // A: blue button, B: green button
  var queue = window._conv_q || [];
  var visitorId = null;
  var listeners = {};

  function run(command) {
    if (!command || typeof command !== "object") return;
    if (command.what === "identify") visitorId = String(command.params.visitorId);
    if (command.what === "addListener") {
      (listeners[command.params.event] = listeners[command.params.event] || []).push(
        command.params.handler);
    }
  }
  for (var i = 0; i < queue.length; i++) run(queue[i]);
  window._conv_q = { push: run };

  if (!visitorId) { // Convert would make its own id; the demo makes a random one.
    visitorId = "convert-" + Math.random().toString(16).slice(2);
  }
  var hash = 0;
  for (var j = 0; j < visitorId.length; j++) hash = (hash * 31 + visitorId.charCodeAt(j)) >>> 0;
  var variation = VARIATIONS[hash % VARIATIONS.length];

  var ua = navigator.userAgent;
  var browser = /Edg\//.test(ua) ? "IE" : /Firefox\//.test(ua) ? "FF" : /OPR\//.test(ua) ? "OP"
    : /Chrome\//.test(ua) ? "CH" : /Safari\//.test(ua) ? "SF" : "OTH";
  var phone = /iPhone|Android.+Mobile/.test(ua);
  var returning = false;
  try {
    returning = localStorage.getItem("convert_demo_seen") === "1";
    localStorage.setItem("convert_demo_seen", "1");
  } catch (e) { /* storage may be blocked */ }
  var segments = {
    browser: browser,
    devices: phone ? ["ALLPH", /iPhone/.test(ua) ? "IPH" : "OTHPH"] : ["DESK"],
    source: document.referrer ? "referral" : "direct",
    visitorType: returning ? "returning" : "new",
    country: "US",
    campaign: "",
    customSegments: []
  };
  var data = {
    visitorId: visitorId,
    segments: segments,
    bucketing: [{ experienceId: EXPERIENCE, variationId: variation, firstTime: !returning, goals: {} }]
  };
  window.convert = {
    currentData: data,
    getCurrentVisitorData: function () { return data; },
    getVisitorSegments: function () { return segments; }
  };

  function fire(name) {
    (listeners[name] || []).forEach(function (handler) {
      try { handler(); } catch (e) { if (window.console) console.error(e); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (variation === VARIATIONS[1]) document.body.classList.add("variation-b");
    fire("snippet.experiences_evaluated");
  });
})();
