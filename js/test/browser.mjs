// A small browser for the unit tests: a cookie jar that follows RFC 6265's rules for host-only
// and domain cookies, Web Storage, Web Crypto, and a fetch whose answers the test chooses.
// Each page runs the real minified scripts (django_convert/browser/js/dist/) in a fresh vm context.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { webcrypto } from "node:crypto";
import vm from "node:vm";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "django_convert", "browser", "js", "dist");
export const IDENTIFY = readFileSync(join(dist, "identify.min.js"), "utf8");
export const LISTENER = readFileSync(join(dist, "listener.min.js"), "utf8");

export const COOKIE = { name: "convert_vid", maxAge: 34128000, path: "/", domain: null, sameSite: "Lax", secure: null };
export const CONSENT = { required: false, cookie: "convert_consent", maxAge: 34128000, runExperiences: false };

/** Cookies of one host, e.g. "shop.example.com". */
export class CookieJar {
  constructor(host) {
    this.host = host;
    this.cookies = []; // {name, value, domain (null: host-only), path}, oldest first
  }
  header() {
    return this.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  }
  set(line) {
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
    if (cookie.domain && !(this.host === cookie.domain || this.host.endsWith("." + cookie.domain))) return;
    const same = (c) => c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path;
    const index = this.cookies.findIndex(same);
    if (maxAge !== null && maxAge <= 0) {
      if (index >= 0) this.cookies.splice(index, 1);
    } else if (index >= 0) {
      this.cookies[index].value = cookie.value; // keeps its creation time, so its place
    } else {
      this.cookies.push(cookie);
    }
  }
  values(name) {
    return this.cookies.filter((c) => c.name === name).map((c) => c.value);
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
    this.jar = new CookieJar(host);
    this.protocol = protocol;
    this.localStorage = new MemoryStorage();
    this.sessionStorage = new MemoryStorage();
    this.posts = []; // {url, headers, body}
    this.answer = () => ({ status: 204 }); // what the server answers a post
  }

  /** Run the snippet as the tag inlines it; returns the page's window. */
  page({ cookie = COOKIE, consent = CONSENT, url = "/convert/context/", listener = true, crypto = webcrypto } = {}) {
    const browser = this;
    const window = {
      location: { protocol: this.protocol },
      crypto,
      localStorage: this.localStorage,
      sessionStorage: this.sessionStorage,
      fetch(target, init) {
        browser.posts.push({ url: target, headers: init.headers, body: init.body, keepalive: init.keepalive });
        const { status, fail } = browser.answer(init);
        if (fail) return Promise.reject(new TypeError("Failed to fetch"));
        return Promise.resolve({ status, ok: status >= 200 && status < 300 });
      },
    };
    window.window = window;
    window.document = {
      get cookie() {
        return browser.jar.header();
      },
      set cookie(line) {
        browser.jar.set(line);
      },
    };
    const context = vm.createContext(window);
    const config = (value) => JSON.stringify(value);
    vm.runInContext(IDENTIFY.replace("DJANGO_CONVERT_IDENTIFY", config({ cookie, consent })), context);
    if (listener) {
      vm.runInContext(LISTENER.replace("DJANGO_CONVERT_LISTENER", config({ url, header: "X-Convert-Listener" })), context);
    }
    return window;
  }
}

/** Play Convert's script: drain _conv_q and fire snippet.experiences_evaluated with `data`. */
export function evaluate(window, data) {
  const handlers = [];
  for (const command of window._conv_q) {
    if (command.what === "addListener") handlers.push(command.params.handler);
  }
  window.convert = { getCurrentVisitorData: () => data };
  for (const handler of handlers) handler();
}

export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Values made in the page's realm, as plain values of this one (for deepStrictEqual). */
export const plain = (value) => JSON.parse(JSON.stringify(value));
