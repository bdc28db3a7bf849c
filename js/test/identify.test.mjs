import test from "node:test";
import assert from "node:assert/strict";
import { Browser, COOKIE, CONSENT, plain } from "./browser.mjs";

const HEX_128 = /^[0-9a-f]{32}$/;
const REQUIRED = { ...CONSENT, required: true, runExperiences: true };

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

test("consentGiven() records consent, creates and identifies the id, then tells Convert", () => {
  const browser = new Browser();
  const window = browser.page({ consent: REQUIRED });
  let hooks = 0;
  window.djangoConvert.onConsent(() => (hooks += 1));
  const id = window.djangoConvert.consentGiven();
  assert.match(id, HEX_128);
  assert.deepEqual(browser.jar.values("convert_consent"), ["1"]);
  assert.deepEqual(browser.jar.values("convert_vid"), [id]);
  const commands = window._conv_q.map((c) => c.what);
  assert.deepEqual(plain(commands.slice(-2)), ["identify", "consentGiven"]);
  assert.equal(hooks, 1);
  assert.equal(window.djangoConvert.collecting(), true);
  // The next page: consent is known, no consentRequired.
  const next = browser.page({ consent: REQUIRED });
  assert.deepEqual(plain(next._conv_q[0]), { what: "identify", params: { visitorId: id } });
});

test("consentWithdrawn() deletes the id and the consent record and stops collecting", () => {
  const browser = new Browser();
  const window = browser.page({ consent: REQUIRED });
  window.djangoConvert.consentGiven();
  browser.jar.set("_conv_v=convert-own; Path=/"); // Convert's own cookies go too
  browser.jar.set("_conv_s=session; Path=/");
  window.djangoConvert.consentWithdrawn();
  assert.deepEqual(browser.jar.cookies, []);
  assert.equal(window.djangoConvert.collecting(), false);
  assert.equal(window.djangoConvert.visitorId(), null);
  const next = browser.page({ consent: REQUIRED });
  assert.equal(next._conv_q[0].what, "consentRequired");
});

test("withdrawal also deletes a domain cookie", () => {
  const browser = new Browser();
  const cookie = { ...COOKIE, domain: "example.com" };
  const window = browser.page({ cookie, consent: REQUIRED });
  window.djangoConvert.consentGiven();
  assert.equal(browser.jar.cookies[0].domain, "example.com");
  window.djangoConvert.consentWithdrawn();
  assert.deepEqual(browser.jar.cookies, []);
});

test("COOKIE_DOMAIN: a host-only cookie is re-issued on the domain with the same id", () => {
  const browser = new Browser();
  browser.jar.set("convert_vid=old-id-1; Max-Age=100; Path=/");
  const cookie = { ...COOKIE, domain: "example.com" };
  assert.equal(browser.page({ cookie }).djangoConvert.visitorId(), "old-id-1");
  assert.deepEqual(browser.jar.cookies, [
    { name: "convert_vid", value: "old-id-1", domain: "example.com", path: "/" },
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
