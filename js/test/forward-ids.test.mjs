import test from "node:test";
import assert from "node:assert/strict";
import { Browser, evaluate, plain } from "./browser.mjs";

const ALL = { ga4: 1, segment: 1, mixpanel: "a1b2c3d4e5f6" };
const MP = "mp_a1b2c3d4e5f6_mixpanel";

function returning() {
  const browser = new Browser();
  browser.jar.set("convert_vid=0123456789abcdef0123456789abcdef; Max-Age=100; Path=/");
  return browser;
}

/** What the listener posts as destinationIds on a page with these cookies and storage. */
async function posted({ cookies = [], storage = {}, forward = ALL } = {}) {
  const browser = returning();
  for (const line of cookies) browser.jar.set(line);
  for (const [key, value] of Object.entries(storage)) browser.localStorage.setItem(key, value);
  const window = browser.page({ forward });
  evaluate(window, { visitorId: window.djangoConvert.visitorId(), bucketing: [{ experienceId: "1", variationId: "2" }] });
  await browser.tick();
  return plain(JSON.parse(browser.posts[0].body)).destinationIds;
}

const mixpanelCookie = (props) => `${MP}=${encodeURIComponent(JSON.stringify(props))}; Path=/`;

test("each tool's own browser id, in the shape each tool writes it", async () => {
  const ids = await posted({
    cookies: [
      "_ga=GA1.1.1234567890.1700000000; Path=/",
      "_ga_ABC123=GS1.1.1700000000.1.0.1700000000.0.0.0; Path=/",
      `ajs_anonymous_id=${encodeURIComponent('"a3c5e1f0-9d1b-4b7e-8f0a-6c2d5e4f3a21"')}; Path=/`,
      mixpanelCookie({ distinct_id: "$device:18c0-dev", $device_id: "18c0-dev", $initial_referrer: "$direct" }),
    ],
  });
  assert.deepEqual(ids, {
    ga4: "1234567890.1700000000",
    segment: "a3c5e1f0-9d1b-4b7e-8f0a-6c2d5e4f3a21",
    mixpanel: "18c0-dev",
  });
});

test("GA4: any GA1.<depth> prefix; the client id is the last two parts", async () => {
  assert.deepEqual(await posted({ cookies: ["_ga=GA1.2.987654321.1690000000; Path=/"] }), { ga4: "987654321.1690000000" });
  for (const value of ["GA1.1.abc.1700000000", "1234567890.1700000000", "GA1.1.123", "GA1.1.1.2.3", "", "GS1.1.1.2"]) {
    assert.equal(await posted({ cookies: [`_ga=${value}; Path=/`] }), undefined, value);
  }
});

test("Segment: cookie or localStorage, quoted or bare; malformed JSON is left out", async () => {
  assert.deepEqual(await posted({ cookies: ["ajs_anonymous_id=bare-id-1; Path=/"] }), { segment: "bare-id-1" });
  assert.deepEqual(await posted({ storage: { ajs_anonymous_id: '"stored-id"' } }), { segment: "stored-id" });
  // The cookie wins over localStorage, as analytics.js reads it.
  assert.deepEqual(
    await posted({ cookies: ["ajs_anonymous_id=%22from-cookie%22; Path=/"], storage: { ajs_anonymous_id: '"from-storage"' } }),
    { segment: "from-cookie" },
  );
  for (const value of ['"unterminated', "%E0%A4%A", '"' + "x".repeat(256) + '"', "%22%22"]) {
    assert.equal(await posted({ cookies: [`ajs_anonymous_id=${value}; Path=/`] }), undefined, value);
  }
});

test("Mixpanel: $device_id of the project's own cookie (the token names it), else localStorage", async () => {
  assert.equal(await posted({ cookies: [`mp_otherproject_mixpanel=${encodeURIComponent('{"$device_id":"x"}')}; Path=/`] }), undefined);
  assert.deepEqual(await posted({ storage: { [MP]: JSON.stringify({ $device_id: "dev-from-storage" }) } }), { mixpanel: "dev-from-storage" });
  for (const value of ["not-json", encodeURIComponent("{}"), encodeURIComponent('{"$device_id":42}'), encodeURIComponent("null"), encodeURIComponent('{"$device_id":"bad\\nline"}')]) {
    assert.equal(await posted({ cookies: [`${MP}=${value}; Path=/`] }), undefined, value);
  }
});

test("only the configured destinations are read", async () => {
  const cookies = ["_ga=GA1.1.1.2; Path=/", "ajs_anonymous_id=seg; Path=/", mixpanelCookie({ $device_id: "dev" })];
  assert.deepEqual(await posted({ cookies, forward: { segment: 1 } }), { segment: "seg" });
  assert.deepEqual(await posted({ cookies, forward: { ga4: 1, mixpanel: "a1b2c3d4e5f6" } }), { ga4: "1.2", mixpanel: "dev" });
  // Without forwarding the script is not on the page: nothing is read, the body is as before.
  assert.equal(await posted({ cookies, forward: null }), undefined);
});

test("a malformed id never costs the post: the rest of it goes out", async () => {
  const browser = returning();
  browser.jar.set("_ga=GA1.1.%ZZ; Path=/");
  browser.localStorage.getItem = () => {
    throw new Error("blocked");
  };
  const window = browser.page({ forward: ALL });
  evaluate(window, { visitorId: window.djangoConvert.visitorId(), bucketing: [{ experienceId: "1", variationId: "2" }] });
  await browser.tick();
  const body = JSON.parse(browser.posts[0].body);
  assert.deepEqual(plain(body.experiences), [{ experienceId: "1", variationId: "2" }]);
  assert.equal(body.destinationIds, undefined);
});
