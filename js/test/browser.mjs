// A small browser for the unit tests: a cookie jar that follows RFC 6265's rules for host-only
// and domain cookies, Web Storage, Web Crypto, a fetch whose answers the test chooses (and
// whose Set-Cookie lands in the jar), DOM events, and a clock and timers the test advances.
// Each page runs the real minified scripts (django_convert/browser/js/dist/) in a fresh vm context.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { webcrypto } from "node:crypto";
import vm from "node:vm";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "django_convert", "browser", "js", "dist");
export const IDENTIFY = readFileSync(join(dist, "identify.min.js"), "utf8");
export const LISTENER = readFileSync(join(dist, "listener.min.js"), "utf8");
export const FORWARD_IDS = readFileSync(join(dist, "forward-ids.min.js"), "utf8");
export const adapter = (platform) => readFileSync(join(dist, `consent-${platform}.min.js`), "utf8");

export const COOKIE = { name: "convert_vid", maxAge: 34128000, path: "/", domain: null, sameSite: "Lax", secure: null };
export const CONSENT = { required: false, cookie: "convert_consent", maxAge: null, runExperiences: false };

/** Cookies of one host, e.g. "shop.example.com". */
export class CookieJar {
  constructor(host) {
    this.host = host;
    this.cookies = []; // {name, value, domain (null: host-only), path, session}, oldest first
    this.blocked = false; // cookies blocked by the user: every write is dropped
  }
  header() {
    return this.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  }
  set(line) {
    if (this.blocked) return;
    const [pair, ...attributes] = line.split(";").map((part) => part.trim());
    const eq = pair.indexOf("=");
    const cookie = { name: pair.slice(0, eq), value: pair.slice(eq + 1), domain: null, path: "/" };
    let maxAge = null;
    for (const attribute of attributes) {
      const [key, value = ""] = attribute.split("=");
      if (key.toLowerCase() === "domain") cookie.domain = value.replace(/^\./, "");
      if (key.toLowerCase() === "path") cookie.path = value;
      if (key.toLowerCase() === "max-age") maxAge = Number(value);
    }
    cookie.session = maxAge === null;
    if (cookie.domain && !(this.host === cookie.domain || this.host.endsWith("." + cookie.domain))) return;
    if (cookie.domain && !cookie.domain.includes(".")) return; // a public suffix ("com")
    const same = (c) => c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path;
    const index = this.cookies.findIndex(same);
    if (maxAge !== null && maxAge <= 0) {
      if (index >= 0) this.cookies.splice(index, 1);
    } else if (index >= 0) {
      this.cookies[index].value = cookie.value; // keeps its creation time, so its place
      this.cookies[index].session = cookie.session;
    } else {
      this.cookies.push(cookie);
    }
  }
  values(name) {
    return this.cookies.filter((c) => c.name === name).map((c) => c.value);
  }
  names() {
    return this.cookies.map((c) => c.name);
  }
}

class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  setItem(key, value) {
    this.items.set(key, String(value));
  }
  removeItem(key) {
    this.items.delete(key);
  }
}

/** One browser profile: cookies and localStorage last across pages, sessionStorage per tab. */
export class Browser {
  constructor({ host = "shop.example.com", protocol = "https:" } = {}) {
    this.host = host;
    this.jar = new CookieJar(host);
    this.protocol = protocol;
    this.localStorage = new MemoryStorage();
    this.sessionStorage = new MemoryStorage();
    this.posts = []; // {url, method, headers, body}
    // What the server answers a request: {status, fail, setCookie, wait (a promise), headers}.
    this.answer = () => ({ status: 204 });
    this.clock = 1_000_000;
    this.timers = [];
  }

  /** Advance the clock by `ms`, running the timers that fall due, then let promises settle. */
  async tick(ms = 0) {
    this.clock += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= this.clock);
      if (!due.length) break;
      this.timers = this.timers.filter((t) => t.at > this.clock);
      for (const timer of due) timer.fn();
    }
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Run the snippet as the tag inlines it; returns the page's window. */
  page({
    cookie = COOKIE,
    consent = CONSENT,
    url = "/convert/context/",
    listener = true,
    crypto = webcrypto,
    platform = null,
    category = "",
    forward = null,
    visibility = "visible",
    prerendering = false,
    webdriver = false,
    before = () => {},
  } = {}) {
    const browser = this;
    const listeners = { window: {}, document: {} };
    const on = (target) => (name, fn) => (listeners[target][name] = listeners[target][name] || []).push(fn);
    const window = {
      location: { protocol: this.protocol, hostname: this.host },
      navigator: { webdriver },
      crypto,
      localStorage: this.localStorage,
      sessionStorage: this.sessionStorage,
      Date: { now: () => browser.clock },
      setTimeout: (fn, ms) => browser.timers.push({ at: browser.clock + (ms || 0), fn }),
      addEventListener: on("window"),
      dispatch(name, detail) {
        for (const fn of listeners.window[name] || []) fn({ type: name, detail });
      },
      fetch(target, init) {
        browser.posts.push({ url: target, method: init.method, headers: init.headers, body: init.body, keepalive: init.keepalive });
        const { status, fail, setCookie, wait, headers = {} } = browser.answer(init);
        const answered = () => {
          if (fail) throw new TypeError("Failed to fetch");
          if (setCookie) browser.jar.set(setCookie);
          return { status, ok: status >= 200 && status < 300, headers: { get: (name) => headers[name] ?? null } };
        };
        return (wait || Promise.resolve()).then(answered);
      },
    };
    window.window = window;
    window.document = {
      prerendering,
      visibilityState: visibility,
      get cookie() {
        return browser.jar.header();
      },
      set cookie(line) {
        browser.jar.set(line);
      },
      addEventListener: on("document"),
      dispatch(name) {
        for (const fn of listeners.document[name] || []) fn({ type: name });
      },
    };
    const context = vm.createContext(window);
    before(window);
    const config = (value) => JSON.stringify(value);
    vm.runInContext(IDENTIFY.replace("DJANGO_CONVERT_IDENTIFY", config({ cookie, consent })), context);
    if (listener) {
      vm.runInContext(LISTENER.replace("DJANGO_CONVERT_LISTENER", config({ url, header: "X-Convert-Listener" })), context);
    }
    if (listener && forward) {
      vm.runInContext(FORWARD_IDS.replace("DJANGO_CONVERT_FORWARD", config(forward)), context);
    }
    if (platform) {
      vm.runInContext(adapter(platform).replace("DJANGO_CONVERT_CONSENT", config({ category })), context);
    }
    return window;
  }
}

/** Play Convert's script: drain _conv_q, then run commands pushed later at once, as the real
 * script does; `identify` then `run` (or `consentGiven`) evaluates again under the new id.
 * Fires snippet.experiences_evaluated with `data` (its visitorId follows identify). */
export function evaluate(window, data) {
  if (window.reevaluate) return window.reevaluate(data); // Convert already loaded: new data
  const handlers = [];
  // Convert honours identify; a test that gives data.visitorId plays a Convert that
  // bucketed under that id before the page identified anything.
  let visitorId = data.visitorId;
  const fixed = visitorId !== undefined;
  const current = () => ({ ...data, visitorId });
  window.convert = { getCurrentVisitorData: current };
  const fire = () => handlers.forEach((handler) => handler());
  const run = (command) => {
    if (command.what === "addListener") handlers.push(command.params.handler);
    if (command.what === "identify" && (loaded || !fixed)) visitorId = command.params.visitorId;
    if (loaded && (command.what === "run" || command.what === "consentGiven")) fire();
  };
  let loaded = false;
  const queued = window._conv_q || [];
  window.commands = [...queued];
  queued.forEach(run);
  window._conv_q = {
    push: (...commands) =>
      commands.forEach((command) => {
        window.commands.push(command);
        run(command);
      }),
  };
  loaded = true;
  window.reevaluate = (next) => {
    data = next;
    if (next.visitorId !== undefined) visitorId = next.visitorId;
    fire();
  };
  fire();
}

/** Values made in the page's realm, as plain values of this one (for deepStrictEqual). */
export const plain = (value) => JSON.parse(JSON.stringify(value));
