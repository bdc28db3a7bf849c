import test from "node:test";
import assert from "node:assert/strict";
import { Browser, CONSENT, evaluate, plain } from "./browser.mjs";

const REQUIRED = { ...CONSENT, required: true };
const SETTLE = 500; // a freshly minted id's wait for another tab's (identify.js)

/** Convert's data as its knowledge base shows it: numeric ids. */
function data(visitorId, bucketing = [{ experienceId: 100127238, variationId: 1001186427 }]) {
  return {
    visitorId,
    bucketing,
    segments: { browser: "CH", devices: ["DESK"], source: "direct", visitorType: "new", country: "US", customSegments: [] },
  };
}

/** A returning visitor's browser: its id cookie exists, so nothing waits for other tabs. */
function returning(id = "0123456789abcdef0123456789abcdef") {
  const browser = new Browser();
  browser.jar.set(`convert_vid=${id}; Max-Age=100; Path=/`);
  return browser;
}

const posts = (browser, method = "POST") => browser.posts.filter((p) => p.method === method);

test("posts the payload as same-origin JSON with the anti-CSRF header, ids as strings", async () => {
  const browser = returning();
  const window = browser.page();
  const id = window.djangoConvert.visitorId();
  evaluate(window, data(id));
  await browser.tick();
  const [post] = browser.posts;
  assert.equal(post.url, "/convert/context/");
  assert.equal(post.method, "POST");
  assert.deepEqual(plain(post.headers), { "Content-Type": "application/json", "X-Convert-Listener": "1" });
  assert.equal(post.keepalive, true);
  assert.deepEqual(JSON.parse(post.body), {
    visitorId: id,
    experiences: [{ experienceId: "100127238", variationId: "1001186427" }],
    segments: { browser: "CH", devices: ["DESK"], source: "direct", visitorType: "new", country: "US", customSegments: [] },
  });
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
});

test("segments are sent as Convert reported them: nothing absent is made up", async () => {
  for (const [reported, sent] of [
    [{}, {}],
    [{ browser: "FF" }, { browser: "FF" }],
    [{ browser: "", devices: null, source: undefined, country: "DE", campaign: "" }, { country: "DE" }],
    [{ visitorType: "returning", customSegments: ["s1"] }, { visitorType: "returning", customSegments: ["s1"] }],
  ]) {
    const browser = returning();
    const window = browser.page();
    evaluate(window, { ...data(window.djangoConvert.visitorId()), segments: reported });
    await browser.tick();
    assert.deepEqual(JSON.parse(browser.posts[0].body).segments, sent);
  }
  // No segments at all, and none from getVisitorSegments() either.
  const browser = returning();
  const window = browser.page();
  evaluate(window, { visitorId: window.djangoConvert.visitorId(), bucketing: [] });
  await browser.tick();
  assert.deepEqual(JSON.parse(browser.posts[0].body).segments, {});
});

test("unchanged data is not posted again in the session; changed data is", async () => {
  const browser = returning();
  let window = browser.page();
  const id = window.djangoConvert.visitorId();
  evaluate(window, data(id));
  await browser.tick();
  window = browser.page();
  evaluate(window, data(id));
  await browser.tick();
  assert.equal(browser.posts.length, 1);
  window = browser.page();
  evaluate(window, data(id, [{ experienceId: "1", variationId: "2" }]));
  await browser.tick();
  assert.equal(browser.posts.length, 2);
});

test("data Convert reports for another id is never posted", async () => {
  const browser = returning();
  const window = browser.page();
  evaluate(window, data("convert-own-id"));
  await browser.tick(SETTLE);
  assert.equal(browser.posts.length, 0);
});

test("a freshly minted id waits for other tabs; the id that won the cookie is the one posted", async () => {
  const browser = new Browser();
  const one = browser.page(); // two tabs of a first visit: both find no cookie and mint
  browser.jar.cookies = [];
  const two = browser.page();
  const [winner] = browser.jar.values("convert_vid"); // the last write won
  assert.notEqual(one.djangoConvert.visitorId(), winner);
  evaluate(one, {});
  evaluate(two, {});
  await browser.tick();
  assert.equal(browser.posts.length, 0); // nothing before the race is settled
  await browser.tick(SETTLE);
  // The loser adopted the winner's id (identify + run: Convert evaluated again) and posted it.
  assert.equal(one.djangoConvert.visitorId(), winner);
  assert.equal(one.convert.getCurrentVisitorData().visitorId, winner);
  assert.deepEqual(new Set(browser.posts.map((p) => JSON.parse(p.body).visitorId)), new Set([winner]));
});

for (const [what, answer] of [
  ["a 503", { status: 503 }],
  ["a 429", { status: 429 }],
  ["a network error", { fail: true }],
]) {
  test(`a post answered with ${what} is sent again by the next page, until a 2xx`, async () => {
    const browser = returning();
    browser.answer = () => answer;
    const window = browser.page();
    const id = window.djangoConvert.visitorId();
    evaluate(window, data(id));
    await browser.tick();
    assert.ok(browser.localStorage.getItem("django_convert:pending"));
    browser.answer = () => ({ status: 204 });
    browser.page(); // the next page: Convert need not even evaluate anything
    await browser.tick();
    assert.equal(browser.posts.length, 2);
    assert.equal(browser.posts[1].body, browser.posts[0].body);
    assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
  });
}

test("a post cut off by navigation (no answer at all) is sent again by the next page", async () => {
  const browser = returning();
  browser.answer = () => ({ status: 204, wait: new Promise(() => {}) }); // the page is gone first
  const window = browser.page();
  evaluate(window, data(window.djangoConvert.visitorId()));
  await browser.tick();
  browser.answer = () => ({ status: 204 });
  browser.page();
  await browser.tick();
  assert.equal(browser.posts.length, 2);
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
});

test("a 4xx is final: not retried by the next page", async () => {
  const browser = returning();
  browser.answer = () => ({ status: 403 });
  const window = browser.page();
  evaluate(window, data(window.djangoConvert.visitorId()));
  await browser.tick();
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
  browser.page();
  await browser.tick();
  assert.equal(browser.posts.length, 1);
});

test("a 403 unproven_id is tried once more after a second (another tab's claim brings the key)", async () => {
  const browser = returning();
  const refused = { status: 403, headers: { "X-Convert-Reason": "unproven_id" } };
  browser.answer = () => refused;
  const window = browser.page();
  evaluate(window, data(window.djangoConvert.visitorId()));
  await browser.tick();
  assert.equal(browser.posts.length, 1);
  browser.answer = () => ({ status: 204 });
  await browser.tick(1000);
  assert.equal(browser.posts.length, 2);
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
  // Refused again: final, not a third time.
  browser.answer = () => refused;
  browser.sessionStorage.items.clear();
  const next = browser.page();
  evaluate(next, data(next.djangoConvert.visitorId(), []));
  await browser.tick(1000);
  await browser.tick(1000);
  assert.equal(browser.posts.length, 4);
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
});

test("no second try after a withdrawal", async () => {
  const browser = returning();
  browser.answer = () => ({ status: 403, headers: { "X-Convert-Reason": "unproven_id" } });
  const window = browser.page();
  evaluate(window, data(window.djangoConvert.visitorId()));
  await browser.tick();
  window.djangoConvert.consentWithdrawn();
  await browser.tick(1000);
  assert.equal(posts(browser).length, 1);
});

test("a pending post of another visitor id is dropped, not sent", async () => {
  const browser = returning();
  browser.localStorage.setItem("django_convert:pending", JSON.stringify({ visitorId: "someone-else", body: "{}" }));
  browser.page();
  await browser.tick();
  assert.equal(browser.posts.length, 0);
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
});

test("with consent required, a pending post waits for the platform's report on the next page", async () => {
  const browser = new Browser();
  browser.answer = () => ({ status: 503 });
  const window = browser.page({ consent: REQUIRED });
  const id = window.djangoConvert.consentGiven();
  evaluate(window, data(id));
  await browser.tick(SETTLE);
  assert.equal(browser.posts.length, 1);
  browser.answer = () => ({ status: 204 });
  const next = browser.page({ consent: REQUIRED });
  await browser.tick();
  assert.equal(browser.posts.length, 1); // not before the platform reports
  next.djangoConvert.consentGiven();
  await browser.tick();
  assert.equal(browser.posts.length, 2);
  assert.equal(browser.posts[1].body, browser.posts[0].body);
});

test("without consent nothing is posted; consentGiven() reports at once", async () => {
  const browser = new Browser();
  const window = browser.page({ consent: REQUIRED });
  evaluate(window, {});
  await browser.tick(SETTLE);
  assert.equal(browser.posts.length, 0);
  const id = window.djangoConvert.consentGiven(); // identify + consentGiven: Convert evaluates
  window.djangoConvert.consentGiven(); // a CMP may call it twice: one post only
  await browser.tick(SETTLE);
  assert.equal(browser.posts.length, 1);
  assert.equal(JSON.parse(browser.posts[0].body).visitorId, id);
});

test("nothing is posted while the page prerenders; it goes out once the page is shown", async () => {
  const browser = returning();
  const window = browser.page({ prerendering: true, visibility: "hidden" });
  evaluate(window, data(window.djangoConvert.visitorId()));
  await browser.tick(SETTLE);
  assert.equal(browser.posts.length, 0);
  window.document.prerendering = false;
  window.document.visibilityState = "visible";
  window.document.dispatch("prerenderingchange");
  await browser.tick();
  assert.equal(browser.posts.length, 1);
});

test("a page hidden before it was first shown (a background tab) posts when it is shown", async () => {
  const browser = returning();
  const window = browser.page({ visibility: "hidden" });
  evaluate(window, data(window.djangoConvert.visitorId()));
  await browser.tick(SETTLE);
  assert.equal(browser.posts.length, 0);
  window.document.visibilityState = "visible";
  window.document.dispatch("visibilitychange");
  await browser.tick();
  assert.equal(browser.posts.length, 1);
  // Hidden again later (the visitor switched tabs): a change still goes out.
  window.document.visibilityState = "hidden";
  window.convert = { getCurrentVisitorData: () => data(window.djangoConvert.visitorId(), []) };
  window.djangoConvert.onId(() => {});
  for (const command of window.commands) if (command.what === "addListener") command.params.handler();
  await browser.tick();
  assert.equal(browser.posts.length, 2);
});

test("an automated browser's posts are marked for the server; the opt-in cookie unmarks them", async () => {
  const browser = returning();
  let window = browser.page({ webdriver: true });
  evaluate(window, data(window.djangoConvert.visitorId()));
  await browser.tick();
  assert.equal(browser.posts[0].headers["X-Convert-Listener"], "webdriver");
  browser.jar.set("convert_automation=1; Path=/");
  browser.sessionStorage.items.clear();
  window = browser.page({ webdriver: true });
  evaluate(window, data(window.djangoConvert.visitorId(), []));
  await browser.tick();
  assert.equal(browser.posts[1].headers["X-Convert-Listener"], "1");
});

test("after consentWithdrawn() nothing is posted, nothing waits, and the server forgets the id", async () => {
  const browser = returning();
  browser.answer = () => ({ status: 503 });
  const window = browser.page();
  const id = window.djangoConvert.visitorId();
  evaluate(window, data(id));
  await browser.tick();
  browser.answer = () => ({ status: 204 });
  window.djangoConvert.consentWithdrawn();
  await browser.tick();
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
  assert.deepEqual(posts(browser, "DELETE").map((p) => JSON.parse(p.body)), [{ visitorId: id }]);
  evaluate(window, data(id, []));
  await browser.tick();
  assert.equal(posts(browser).length, 1);
});

test("withdrawal wins over a post in flight whose answer sets the id cookie again", async () => {
  const browser = returning();
  let answer;
  const late = new Promise((resolve) => (answer = resolve));
  const id = browser.jar.values("convert_vid")[0];
  browser.answer = (init) =>
    init.method === "POST" ? { status: 204, wait: late, setCookie: `convert_vid=${id}; Max-Age=34128000; Path=/` } : { status: 204 };
  const window = browser.page();
  evaluate(window, data(id));
  await browser.tick();
  window.djangoConvert.consentWithdrawn(); // while the post is in flight
  await browser.tick();
  assert.deepEqual(browser.jar.names(), []);
  assert.deepEqual(posts(browser, "DELETE"), []); // the forget waits for the post's answer
  answer(); // the answer lands: its Set-Cookie brings the id back...
  await browser.tick();
  assert.deepEqual(browser.jar.names(), []); // ...and it is deleted again at once
  assert.deepEqual(posts(browser, "DELETE").map((p) => JSON.parse(p.body)), [{ visitorId: id }]);
});

test("a consent given again while a withdrawn post was in flight keeps the new id", async () => {
  const browser = new Browser();
  let answer;
  const late = new Promise((resolve) => (answer = resolve));
  const window = browser.page({ consent: REQUIRED });
  const first = window.djangoConvert.consentGiven();
  browser.answer = (init) =>
    init.method === "POST" ? { status: 204, wait: late, setCookie: `convert_vid=${first}; Path=/` } : { status: 204 };
  evaluate(window, {});
  await browser.tick(SETTLE);
  window.djangoConvert.consentWithdrawn();
  const second = window.djangoConvert.consentGiven();
  answer();
  await browser.tick();
  assert.notEqual(second, first);
  assert.deepEqual(browser.jar.values("convert_vid"), [second]);
});

test("blocked storage and a missing window.convert never throw into the page", async () => {
  const browser = returning();
  const throwing = { getItem() { throw new Error("SecurityError"); }, setItem() { throw new Error("x"); }, removeItem() {} };
  browser.localStorage = throwing;
  browser.sessionStorage = throwing;
  const window = browser.page();
  evaluate(window, data(window.djangoConvert.visitorId()));
  await browser.tick();
  assert.equal(browser.posts.length, 1);
  delete window.convert;
  for (const command of window.commands) if (command.what === "addListener") command.params.handler();
});
