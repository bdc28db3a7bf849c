"""Test-only pages: a layout with ``{% convert_head %}``, a login view, Convert's stand-in.

Included by tests/urls.py under ``pages/``. The page sends a real nonce-based
Content-Security-Policy, so a browser runs only the scripts that carry the nonce.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import authenticate, login
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseForbidden,
    HttpResponseRedirect,
)
from django.template import engines
from django.urls import path
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.csrf import csrf_exempt

STANDIN_JS = (
    Path(__file__).resolve().parents[1]
    / "django_convert/static/django_convert/testing/convert-standin.js"
)
TESTS = Path(__file__).resolve().parent
# htmx 2 and 4 and Turbo 8, from npm (tests/vendor/README.md).
LIBRARIES = {
    "htmx2": TESTS / "vendor/htmx-2.0.11.min.js",
    "htmx4": TESTS / "vendor/htmx-4.0.1.min.js",
    "turbo": TESTS / "vendor/turbo-8.0.23.min.js",
}

LAYOUT = """{% load convert %}<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>page</title>
{% convert_head %}</head>
<body><p id="visitor-id">{{ request.convert_visitor_id }}</p></body></html>"""


#: How many times each view really ran (a cached page is served without running it).
RENDERED: Counter[str] = Counter()


#: The Sec-Purpose header of each request for the page ("prefetch;prerender" for a prerender).
PURPOSES: list[str | None] = []


def page(request: HttpRequest) -> HttpResponse:
    RENDERED[request.path] += 1
    PURPOSES.append(request.headers.get("Sec-Purpose"))
    nonce = secrets.token_urlsafe(16)
    template = engines["django"].from_string(LAYOUT)
    response = HttpResponse(template.render({"csp_nonce": nonce}, request))
    response["Content-Security-Policy"] = f"script-src 'nonce-{nonce}'"
    return response


@cache_control(public=True, max_age=600)
def public_page(request: HttpRequest) -> HttpResponse:
    """A page a shared cache or CDN may store and hand to everyone."""
    return page(request)


def consent_page(request: HttpRequest) -> HttpResponse:
    """The page, plus the Cookiebot integration of docs/identity.rst and a stand-in for
    Cookiebot's script: ``window.fakeCookiebot.accept()`` / ``.decline()``."""
    RENDERED[request.path] += 1
    nonce = secrets.token_urlsafe(16)
    template = engines["django"].from_string(CONSENT_LAYOUT)
    context = {"csp_nonce": nonce, "cmp_callback": CMP_CALLBACK}
    response = HttpResponse(template.render(context, request))
    response["Content-Security-Policy"] = f"script-src 'nonce-{nonce}'"
    return response


CONSENT_LAYOUT = """{% load convert %}<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>page</title>
<script nonce="{{ csp_nonce }}">
// A stand-in for Cookiebot: its record lives in its own cookie, and once the visitor has
// chosen, CookiebotOnAccept / CookiebotOnDecline fire on every page load, as Cookiebot's do.
(function () {
  var record = (document.cookie.match(/(?:^|; )CookieConsent=([^;]*)/) || [])[1];
  function choose(statistics) {
    document.cookie = "CookieConsent=" + (statistics ? "statistics" : "declined") + "; Path=/";
    window.fakeCookiebot.consent.statistics = statistics;
    window.fakeCookiebot.hasResponse = true;
    window.dispatchEvent(new Event(statistics ? "CookiebotOnAccept" : "CookiebotOnDecline"));
  }
  window.fakeCookiebot = {
    consent: {statistics: record === "statistics"},
    hasResponse: !!record,
    accept: function () { choose(true); },
    decline: function () { choose(false); }
  };
  window.Cookiebot = window.fakeCookiebot;
  window.addEventListener("load", function () {
    if (record) choose(record === "statistics");
  });
})();
</script>
{% convert_head %}
<script nonce="{{ csp_nonce }}">{{ cmp_callback|safe }}</script>
</head><body><p id="visitor-id">{{ request.convert_visitor_id }}</p></body></html>"""


def _cmp_callback() -> str:
    """The JavaScript of docs/identity.rst's Cookiebot example, so the docs run in the test."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "identity.rst").read_text()
    start = text.index("// Cookiebot: begin")
    end = text.index("// Cookiebot: end")
    return "\n".join(line.strip() for line in text[start:end].splitlines())


CMP_CALLBACK = _cmp_callback() if (Path(__file__).resolve().parents[1] / "docs").exists() else ""


def plain_page(request: HttpRequest) -> HttpResponse:
    """The layout with only what the project's context processors and middleware add."""
    RENDERED[request.path] += 1
    return HttpResponse(engines["django"].from_string(LAYOUT).render({}, request))


def bare_page(request: HttpRequest) -> HttpResponse:
    """The layout without the tags: a site without the app (benchmarks compare them)."""
    RENDERED[request.path] += 1
    return HttpResponse(LAYOUT.replace("{% convert_head %}", ""))


def visitor_id(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.convert_visitor_id)  # type: ignore[attr-defined]


@csrf_exempt
def login_view(request: HttpRequest) -> HttpResponse:
    user = authenticate(
        request, username=request.POST.get("username"), password=request.POST.get("password")
    )
    if user is None:
        return HttpResponseForbidden("bad credentials")
    login(request, user)
    return HttpResponse(request.convert_visitor_id)  # type: ignore[attr-defined]


def convert_standin(request: HttpRequest) -> HttpResponse:
    """Convert's stand-in; ``?delay=S`` answers S seconds late (a slow CDN)."""
    time.sleep(float(request.GET.get("delay", 0)))
    return HttpResponse(STANDIN_JS.read_text(), content_type="text/javascript")


# Two tabs of a first visit: each request waits for the other, so both pages reach the
# browser at the same moment and their snippets race for the cookie.
_barriers: dict[str, threading.Barrier] = {}
_barriers_lock = threading.Lock()


def together_page(request: HttpRequest) -> HttpResponse:
    with _barriers_lock:
        barrier = _barriers.setdefault(request.GET["trial"], threading.Barrier(2, timeout=10))
    barrier.wait()
    return plain_page(request)


SPA_LAYOUT = """{% load convert %}<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>spa</title>
{% convert_head %}
<script src="/pages/vendor/{{ lib }}.js"></script>
{% if lib == "fetch" %}<script>{{ recipe|safe }}
document.addEventListener("submit", function (event) {
  event.preventDefault();
  logIn(event.target);
});</script>{% endif %}
</head>
<body {{ boost|safe }}>
<p id="who">{{ request.user.username|default:"anonymous" }}</p>
<form action="/pages/spa-login/?lib={{ lib }}" method="post">
<input name="username" value="ann"><input name="password" value="pw">
<button id="log-in">log in</button></form>
</body></html>"""


def _spa_recipe() -> str:
    """docs/identity.rst's single-page-app recipe, so the docs run in the test."""
    text = (TESTS.parent / "docs" / "identity.rst").read_text()
    start, end = text.index("// SPA login: begin"), text.index("// SPA login: end")
    return "\n".join(line.strip() for line in text[start:end].splitlines())


def spa_page(request: HttpRequest, lib: str) -> HttpResponse:
    """A page whose login never reloads it: htmx 2 / htmx 4 (hx-boost), Turbo Drive, or a
    fetch() login following the docs' recipe ("fetch")."""
    RENDERED[request.path] += 1
    boost = {"htmx2": 'hx-boost="true"', "htmx4": 'hx-boost:inherited="true"'}.get(lib, "")
    context = {"lib": lib, "recipe": _spa_recipe() if lib == "fetch" else "", "boost": boost}
    return HttpResponse(engines["django"].from_string(SPA_LAYOUT).render(context, request))


@csrf_exempt
def spa_login(request: HttpRequest) -> HttpResponseBase:
    """Log in, then 303 to the page again (Turbo wants a 303 after a form post)."""
    user = authenticate(
        request, username=request.POST.get("username"), password=request.POST.get("password")
    )
    if user is None:
        return HttpResponseForbidden("bad credentials")
    login(request, user)
    response = HttpResponseRedirect(f"/pages/spa/{request.GET['lib']}/?after=login")
    response.status_code = 303
    return response


def vendor_js(request: HttpRequest, lib: str) -> HttpResponse:
    return HttpResponse(LIBRARIES[lib].read_bytes(), content_type="text/javascript")


PRERENDER_PAGE = """<!doctype html><html><head><title>links</title>
<script type="speculationrules">{"prerender": [{"source": "list", "urls": ["/pages/"],
 "eagerness": "immediate"}]}</script>
{% if go %}<script>setTimeout(function () { location.href = "/pages/"; }, 2500);</script>{% endif %}
</head><body><a href="/pages/">the page</a></body></html>"""


def prerender_page(request: HttpRequest) -> HttpResponse:
    """Prerenders /pages/ with Chrome's speculation rules; with ?go=1 the visitor then goes
    there (the prerendered page is shown), else never."""
    context = {"go": request.GET.get("go") == "1"}
    return HttpResponse(engines["django"].from_string(PRERENDER_PAGE).render(context))


CMP_LAYOUT = """{% load convert %}<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>cmp</title>
<script>window.CMP_PLATFORM = "{{ platform }}";
{{ standins|safe }}</script>
{% convert_head %}
</head><body>{{ platform }}</body></html>"""


def cmp_page(request: HttpRequest, platform: str) -> HttpResponse:
    """The tags with CONSENT["PLATFORM"] and a stand-in for that platform's browser API
    (tests/cmp_standins.js), which loads after the head scripts as the real ones do."""
    RENDERED[request.path] += 1
    context = {"platform": platform, "standins": (TESTS / "cmp_standins.js").read_text()}
    return HttpResponse(engines["django"].from_string(CMP_LAYOUT).render(context, request))


#: Seconds the ingest answer waits after the view stored the post (0: none): a post in
#: flight while the visitor withdraws consent.
SLOW_INGEST = {"seconds": 0.0}


class SlowIngestMiddleware:
    """Delays the ingest POST's answer (after it was stored) by SLOW_INGEST["seconds"]."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method == "POST" and request.path == "/convert/context/":
            time.sleep(SLOW_INGEST["seconds"])
        return response


urlpatterns = [
    path("", page, name="page"),
    path("cached/", cache_page(600, key_prefix="pages-cached")(page), name="cached-page"),
    path("public/", public_page, name="public-page"),
    path("consent/", consent_page, name="consent-page"),
    path("plain/", plain_page, name="plain-page"),
    path("bare/", bare_page, name="bare-page"),
    path("together/", together_page, name="together-page"),
    path("spa/<str:lib>/", spa_page, name="spa-page"),
    path("spa-login/", spa_login, name="spa-login"),
    path("vendor/<str:lib>.js", vendor_js, name="vendor-js"),
    path("prerender/", prerender_page, name="prerender-page"),
    path("cmp/<str:platform>/", cmp_page, name="cmp-page"),
    path("visitor-id/", visitor_id, name="visitor-id"),
    path("login/", login_view, name="login"),
    path("convert-standin.js", convert_standin, name="convert-standin"),
]
