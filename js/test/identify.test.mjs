import test from "node:test";
import assert from "node:assert/strict";
import { Browser, COOKIE, CONSENT, evaluate, plain } from "./browser.mjs";

const HEX_128 = /^[0-9a-f]{32}$/;
const REQUIRED = { ...CONSENT, required: true, runExperiences: true };
const CONVERT_COOKIES = ["_conv_v", "_conv_s", "_conv_r", "_conv_sptest", "_conv_check_cookies",
  "_conv_t", "_conv_d", "_conv_g", "_conv_prevent_tracking"];

test("a first visit creates 128 random bits and identifies them before anything else", () => {
  const browser = new Browser();
  const window = browser.page();
  const [id] = browser.jar.values("convert_vid");
  assert.match(id, HEX_128);
  assert.deepEqual(plain(window._conv_q[0]), { what: "identify", params: { visitorId: id } });
  assert.equal(window.djangoConvert.visitorId(), id);
  assert.notEqual(new Browser().page().djangoConvert.visitorId(), id);
});

test("a returning visitor keeps the cookie's id and the cookie is not rewritten", () => {
  const browser = new Browser();
  browser.jar.set("convert_vid=server-set-id-1; Max-Age=100; Path=/");
  let writes = 0;
  const set = browser.jar.set.bind(browser.jar);
  browser.jar.set = (line) => {
    writes += 1;
    set(line);
  };
  assert.equal(browser.page().djangoConvert.visitorId(), "server-set-id-1");
  assert.equal(writes, 0); // a server-set cookie keeps its lifetime (Safari ITP)
});

test("an unusable or over-long cookie is replaced by a new id", () => {
  for (const bad of ["ann@example.com", "</script>", "a".repeat(129), "a@" + "a".repeat(65536)]) {
    const browser = new Browser();
    browser.jar.set(`convert_vid=${bad}; Path=/`);
    const id = browser.page().djangoConvert.visitorId();
    assert.match(id, HEX_128);
    assert.deepEqual(browser.jar.values("convert_vid"), [id]);
  }
});

test("cookie flags: Max-Age, Path, SameSite, Secure on https only", () => {
  const lines = [];
  for (const protocol of ["https:", "http:"]) {
    const browser = new Browser({ protocol });
    const set = browser.jar.set.bind(browser.jar);
    browser.jar.set = (line) => {
      lines.push(line);
      set(line);
    };
    browser.page();
  }
  assert.match(lines[0], /^convert_vid=[0-9a-f]{32}; Max-Age=34128000; Path=\/; SameSite=Lax; Secure$/);
  assert.match(lines[1], /^convert_vid=[0-9a-f]{32}; Max-Age=34128000; Path=\/; SameSite=Lax$/);
});

test("a cookie that cannot be kept (cookies blocked): no id, nothing identified, nothing posted", async () => {
  const browser = new Browser();
  browser.jar.blocked = true;
  const window = browser.page();
  assert.equal(window.djangoConvert.visitorId(), null);
  assert.equal(window.djangoConvert.collecting(), false);
  evaluate(window, { bucketing: [{ experienceId: "1", variationId: "2" }], segments: {} });
  await browser.tick(1000);
  assert.ok(!window.commands.some((c) => c.what === "identify"));
  assert.deepEqual(browser.posts, []);
});

test("without consent: consentRequired first, no cookie, no identify, no id", () => {
  const browser = new Browser();
  const window = browser.page({ consent: REQUIRED });
  assert.deepEqual(plain(window._conv_q), [
    { what: "consentRequired", params: { runExperiences: true } },
    { what: "addListener", params: { event: "snippet.experiences_evaluated" } },
  ]);
  assert.deepEqual(browser.jar.cookies, []);
  assert.equal(window.djangoConvert.visitorId(), null);
  assert.equal(window.djangoConvert.collecting(), false);
});

test("consentGiven() mirrors consent in a session cookie, identifies the id, then tells Convert", () => {
  const browser = new Browser();
  const window = browser.page({ consent: REQUIRED });
  let hooks = 0;
  window.djangoConvert.onId(() => (hooks += 1));
  const id = window.djangoConvert.consentGiven();
  assert.match(id, HEX_128);
  assert.deepEqual(browser.jar.values("convert_consent"), ["1"]);
  assert.equal(browser.jar.cookies.find((c) => c.name === "convert_consent").session, true);
  assert.deepEqual(browser.jar.values("convert_vid"), [id]);
  const commands = window._conv_q.map((c) => c.what);
  assert.deepEqual(plain(commands.slice(-2)), ["identify", "consentGiven"]);
  assert.equal(hooks, 1);
  assert.equal(window.djangoConvert.collecting(), true);
  assert.equal(window.djangoConvert.consentGiven(), id); // CMPs report again and again
  assert.equal(hooks, 1);
});

test("the next page waits for the platform again: our mirror never stands in for its record", () => {
  const browser = new Browser();
  const id = browser.page({ consent: REQUIRED }).djangoConvert.consentGiven();
  const next = browser.page({ consent: REQUIRED });
  assert.equal(next._conv_q[0].what, "consentRequired");
  assert.equal(next.djangoConvert.visitorId(), null);
  // Once the platform reports consent on this page, the visitor keeps their id.
  assert.equal(next.djangoConvert.consentGiven(), id);
});

test("consentWithdrawn() deletes every cookie of ours and Convert's, on every domain and path", () => {
  const browser = new Browser({ host: "www.shop.example.com" });
  const cookie = { ...COOKIE, path: "/shop/" };
  const window = browser.page({ cookie, consent: REQUIRED });
  window.djangoConvert.consentGiven();
  for (const name of CONVERT_COOKIES) {
    browser.jar.set(`${name}=x; Path=/`); // host-only, as Convert's script may set them
    browser.jar.set(`${name}=x; Path=/; Domain=shop.example.com`); // or on the site's domain
    browser.jar.set(`${name}=x; Path=/; Domain=example.com`);
  }
  browser.jar.set("convert_vid=old; Path=/; Domain=example.com"); // an earlier COOKIE_DOMAIN
  window.djangoConvert.consentWithdrawn();
  assert.deepEqual(browser.jar.names(), []);
  assert.equal(window.djangoConvert.collecting(), false);
  assert.equal(window.djangoConvert.visitorId(), null);
  const next = browser.page({ consent: REQUIRED });
  assert.equal(next._conv_q[0].what, "consentRequired");
});

test("a later consent never reuses the withdrawn id", () => {
  const browser = new Browser();
  const window = browser.page({ consent: REQUIRED });
  const first = window.djangoConvert.consentGiven();
  window.djangoConvert.consentWithdrawn();
  const second = window.djangoConvert.consentGiven();
  assert.match(second, HEX_128);
  assert.notEqual(second, first);
});

test("COOKIE_DOMAIN: a host-only cookie is re-issued on the domain with the same id", () => {
  const browser = new Browser();
  browser.jar.set("convert_vid=old-id-1; Max-Age=100; Path=/");
  const cookie = { ...COOKIE, domain: "example.com" };
  assert.equal(browser.page({ cookie }).djangoConvert.visitorId(), "old-id-1");
  assert.deepEqual(plain(browser.jar.cookies), [
    { name: "convert_vid", value: "old-id-1", domain: "example.com", path: "/", session: false },
  ]);
});

test("COOKIE_DOMAIN: with a host-only and a newer domain cookie, the older id wins", () => {
  const browser = new Browser();
  browser.jar.set("convert_vid=old-id-1; Max-Age=100; Path=/");
  browser.jar.set("convert_vid=split-id-2; Max-Age=100; Path=/; Domain=example.com");
  const cookie = { ...COOKIE, domain: "example.com" };
  assert.equal(browser.page({ cookie }).djangoConvert.visitorId(), "old-id-1");
  assert.deepEqual(browser.jar.cookies.map((c) => [c.value, c.domain]), [["old-id-1", "example.com"]]);
});

test("COOKIE_DOMAIN: a domain cookie is left as it is", () => {
  const browser = new Browser();
  browser.jar.set("convert_vid=id-3; Max-Age=100; Path=/; Domain=example.com");
  let writes = 0;
  const set = browser.jar.set.bind(browser.jar);
  browser.jar.set = (line) => {
    if (!/Max-Age=0/.test(line)) writes += 1;
    set(line);
  };
  browser.page({ cookie: { ...COOKIE, domain: "example.com" } });
  assert.equal(writes, 0);
});

test("without Web Crypto there is no id and nothing is identified", () => {
  const browser = new Browser();
  const window = browser.page({ crypto: null });
  assert.equal(window.djangoConvert.visitorId(), null);
  assert.deepEqual(browser.jar.cookies, []);
  assert.ok(!window._conv_q.some((c) => c.what === "identify"));
});

test("refresh(): an id switched without a page load is identified to Convert and re-run", () => {
  const browser = new Browser();
  const window = browser.page();
  const anonymous = window.djangoConvert.visitorId();
  evaluate(window, { bucketing: [], segments: {} });
  assert.equal(window.djangoConvert.refresh(), anonymous); // nothing changed: nothing pushed
  const pushed = window.commands.length;
  browser.jar.set("convert_vid=users-id-1; Max-Age=100; Path=/"); // a login answer (htmx, fetch)
  assert.equal(window.djangoConvert.refresh(), "users-id-1");
  assert.deepEqual(plain(window.commands.slice(pushed)), [
    { what: "identify", params: { visitorId: "users-id-1" } },
    { what: "run", params: { resetData: true } },
  ]);
  assert.equal(window.convert.getCurrentVisitorData().visitorId, "users-id-1");
});

test("htmx, Turbo, a page shown again and a tab coming back all re-read the cookie", () => {
  for (const [target, name] of [
    ["document", "htmx:afterSettle"],
    ["document", "htmx:after:settle"],
    ["document", "turbo:load"],
    ["document", "visibilitychange"],
    ["window", "pageshow"],
  ]) {
    const browser = new Browser();
    const window = browser.page();
    evaluate(window, { bucketing: [], segments: {} });
    browser.jar.set("convert_vid=users-id-2; Max-Age=100; Path=/");
    window[target].dispatch(name);
    assert.equal(window.djangoConvert.visitorId(), "users-id-2", name);
  }
});

test("another tab's withdrawal stops this one when it re-reads the cookies", () => {
  const browser = new Browser();
  const one = browser.page({ consent: REQUIRED });
  const two = browser.page({ consent: REQUIRED });
  one.djangoConvert.consentGiven();
  two.djangoConvert.consentGiven();
  one.djangoConvert.consentWithdrawn();
  two.document.dispatch("visibilitychange");
  assert.equal(two.djangoConvert.collecting(), false);
  assert.equal(two.djangoConvert.visitorId(), null);
});

test("automated(): navigator.webdriver, unless the shop's tests opt in with a cookie", () => {
  const browser = new Browser();
  assert.equal(browser.page({ webdriver: true }).djangoConvert.automated(), true);
  assert.equal(browser.page().djangoConvert.automated(), false);
  browser.jar.set("convert_automation=1; Path=/");
  assert.equal(browser.page({ webdriver: true }).djangoConvert.automated(), false);
});
