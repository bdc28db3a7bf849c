import test from "node:test";
import assert from "node:assert/strict";
import { Browser, CONSENT, evaluate, plain, settle } from "./browser.mjs";

const REQUIRED = { ...CONSENT, required: true };

/** Convert's data as its knowledge base shows it: numeric ids. */
function data(visitorId, bucketing = [{ experienceId: 100127238, variationId: 1001186427 }]) {
  return {
    visitorId,
    bucketing,
    segments: { browser: "CH", devices: ["DESK"], source: "direct", visitorType: "new", country: "US", customSegments: [] },
  };
}

test("posts the payload as same-origin JSON with the anti-CSRF header, ids as strings", async () => {
  const browser = new Browser();
  const window = browser.page();
  const id = window.djangoConvert.visitorId();
  evaluate(window, data(id));
  await settle();
  const [post] = browser.posts;
  assert.equal(post.url, "/convert/context/");
  assert.deepEqual(plain(post.headers), { "Content-Type": "application/json", "X-Convert-Listener": "1" });
  assert.equal(post.keepalive, true);
  assert.deepEqual(JSON.parse(post.body), {
    visitorId: id,
    experiences: [{ experienceId: "100127238", variationId: "1001186427" }],
    segments: { browser: "CH", devices: ["DESK"], source: "direct", visitorType: "new", country: "US", campaign: "", customSegments: [] },
  });
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
});

test("unchanged data is not posted again in the session; changed data is", async () => {
  const browser = new Browser();
  let window = browser.page();
  const id = window.djangoConvert.visitorId();
  evaluate(window, data(id));
  await settle();
  window = browser.page();
  evaluate(window, data(id));
  await settle();
  assert.equal(browser.posts.length, 1);
  window = browser.page();
  evaluate(window, data(id, [{ experienceId: "1", variationId: "2" }]));
  await settle();
  assert.equal(browser.posts.length, 2);
});

test("data Convert reports for another id is never posted", async () => {
  const browser = new Browser();
  const window = browser.page();
  evaluate(window, data("convert-own-id"));
  await settle();
  assert.equal(browser.posts.length, 0);
});

for (const [what, answer] of [
  ["a 503", { status: 503 }],
  ["a 429", { status: 429 }],
  ["a network error", { fail: true }],
]) {
  test(`a post answered with ${what} is sent again by the next page, until a 2xx`, async () => {
    const browser = new Browser();
    browser.answer = () => answer;
    const window = browser.page();
    const id = window.djangoConvert.visitorId();
    evaluate(window, data(id));
    await settle();
    assert.ok(browser.localStorage.getItem("django_convert:pending"));
    browser.answer = () => ({ status: 204 });
    browser.page(); // the next page: Convert need not even evaluate anything
    await settle();
    assert.equal(browser.posts.length, 2);
    assert.equal(browser.posts[1].body, browser.posts[0].body);
    assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
  });
}

test("a post cut off by navigation (no answer at all) is sent again by the next page", async () => {
  const browser = new Browser();
  browser.answer = () => ({ status: 204 });
  const window = browser.page();
  window.fetch = (url, init) => {
    browser.posts.push({ url, headers: init.headers, body: init.body });
    return new Promise(() => {}); // the page is gone before the answer
  };
  evaluate(window, data(window.djangoConvert.visitorId()));
  browser.page();
  await settle();
  assert.equal(browser.posts.length, 2);
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
});

test("a 4xx is final: not retried by the next page", async () => {
  const browser = new Browser();
  browser.answer = () => ({ status: 403 });
  const window = browser.page();
  evaluate(window, data(window.djangoConvert.visitorId()));
  await settle();
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
  browser.page();
  await settle();
  assert.equal(browser.posts.length, 1);
});

test("a pending post of another visitor id is dropped, not sent", async () => {
  const browser = new Browser();
  browser.localStorage.setItem("django_convert:pending", JSON.stringify({ visitorId: "someone-else", body: "{}" }));
  browser.page();
  await settle();
  assert.equal(browser.posts.length, 0);
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
});

test("without consent nothing is posted; consentGiven() reports at once", async () => {
  const browser = new Browser();
  const window = browser.page({ consent: REQUIRED });
  evaluate(window, data("convert-own-id"));
  await settle();
  assert.equal(browser.posts.length, 0);
  // Convert re-identifies synchronously when the queue gets identify (as the stand-in does).
  const id = window.djangoConvert.consentGiven();
  window.convert = { getCurrentVisitorData: () => data(id) };
  window.djangoConvert.consentGiven(); // a CMP may call it twice: one post only
  await settle();
  assert.equal(browser.posts.length, 0); // the id existed before the second call: no hook
  const fresh = new Browser();
  const page = fresh.page({ consent: REQUIRED });
  page.convert = { getCurrentVisitorData: () => data(page.djangoConvert.visitorId() || "x") };
  page.djangoConvert.onConsent(() => {});
  // The hook reads visitorId() after the id exists.
  page.convert = { getCurrentVisitorData: () => ({ ...data("?"), visitorId: page.djangoConvert.visitorId() }) };
  page.djangoConvert.consentGiven();
  await settle();
  assert.equal(fresh.posts.length, 1);
  assert.equal(JSON.parse(fresh.posts[0].body).visitorId, page.djangoConvert.visitorId());
});

test("after consentWithdrawn() nothing is posted and nothing waits", async () => {
  const browser = new Browser();
  browser.answer = () => ({ status: 503 });
  const window = browser.page();
  const id = window.djangoConvert.visitorId();
  evaluate(window, data(id));
  await settle();
  window.djangoConvert.consentWithdrawn();
  assert.equal(browser.localStorage.getItem("django_convert:pending"), null);
  evaluate(window, data(id));
  await settle();
  assert.equal(browser.posts.length, 1);
});

test("blocked storage and a missing window.convert never throw into the page", async () => {
  const browser = new Browser();
  const throwing = { getItem() { throw new Error("SecurityError"); }, setItem() { throw new Error("x"); }, removeItem() {} };
  browser.localStorage = throwing;
  browser.sessionStorage = throwing;
  const window = browser.page();
  evaluate(window, data(window.djangoConvert.visitorId()));
  await settle();
  assert.equal(browser.posts.length, 1);
  delete window.convert;
  for (const command of window._conv_q) if (command.what === "addListener") command.params.handler();
});
