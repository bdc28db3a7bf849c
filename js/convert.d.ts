// Convert's listener events and the _conv_q commands django-convert pushes, typed here.
//
// Convert's own @convertcom/tracking-types 1.6.1 types `addListener`'s `event` as
// `LifeCycleEvent`, from a file the package does not ship (src/enums/lifecycle-event), so
// there every event name resolves to `any` and a misspelt one passes tsc. Its commands also
// extend a catch-all `{what: string, params?: Record<string, any>}`, which hides a misspelt
// parameter, and it has no `identify` command at all. The names and shapes below are
// Convert's documented ones; `make js` fails on anything else (js/test/typecheck.test.mjs
// proves it).

/**
 * Convert's listener events. Sources: Convert's knowledge base, "JavaScript events"
 * (support.convert.com article 360056121112: experience.variation_decided,
 * experience.activated, goal.triggered, snippet.experiences_evaluated,
 * snippet.goals_evaluated, cookies.saved, location.triggered) and its developer docs
 * (docs.developers.convert.com/v1.0-web/docs/javascript-api: snippet.initialized,
 * snippet.segments_evaluated, location.activated, url.changed, render.complete).
 */
type ConvertEvent =
  | "snippet.initialized"
  | "snippet.experiences_evaluated"
  | "snippet.goals_evaluated"
  | "snippet.segments_evaluated"
  | "experience.variation_decided"
  | "experience.activated"
  | "goal.triggered"
  | "cookies.saved"
  | "location.triggered"
  | "location.activated"
  | "url.changed"
  | "render.complete";

/** `addListener` (tracking-types AddListener, with the event name typed). */
type AddListener = {
  what: "addListener";
  params: { event: ConvertEvent; handler: (event?: Record<string, unknown>) => void };
};
/** BYOID, as section 1 of Convert's integration guide queues it (no type in tracking-types;
 * its `Convert.identify(visitorId?)` method takes the same id). */
type Identify = { what: "identify"; params: { visitorId: string } };
/** tracking-types ConsentRequired / ConsentGiven, without the catch-all params. */
type ConsentRequired = { what: "consentRequired"; params: { runExperiences: boolean } };
type ConsentGiven = { what: "consentGiven" };
/** tracking-types Run: evaluate again (resetData: start from fresh visitor data). */
type Run = { what: "run"; params: { resetData: boolean } };
/** Every command django-convert pushes onto window._conv_q. */
type QueueCommand = AddListener | Identify | ConsentRequired | ConsentGiven | Run;
