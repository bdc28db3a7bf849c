"""Test-only pages: a layout with ``{% convert_head %}``, a login view, Convert's stand-in.

Included by tests/urls.py under ``pages/``. The page sends a real nonce-based
Content-Security-Policy, so a browser runs only the scripts that carry the nonce.
"""

from __future__ import annotations

import secrets
from collections import Counter
from pathlib import Path

from django.contrib.auth import authenticate, login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template import engines
from django.urls import path
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.csrf import csrf_exempt

STANDIN_JS = (
    Path(__file__).resolve().parents[1]
    / "django_convert/static/django_convert/testing/convert-standin.js"
)

LAYOUT = """{% load convert %}<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>page</title>
{% convert_head %}</head>
<body><p id="visitor-id">{{ request.convert_visitor_id }}</p></body></html>"""


#: How many times each view really ran (a cached page is served without running it).
RENDERED: Counter[str] = Counter()


def page(request: HttpRequest) -> HttpResponse:
    RENDERED[request.path] += 1
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
    return HttpResponse(STANDIN_JS.read_text(), content_type="text/javascript")


urlpatterns = [
    path("", page, name="page"),
    path("cached/", cache_page(600, key_prefix="pages-cached")(page), name="cached-page"),
    path("public/", public_page, name="public-page"),
    path("consent/", consent_page, name="consent-page"),
    path("plain/", plain_page, name="plain-page"),
    path("bare/", bare_page, name="bare-page"),
    path("visitor-id/", visitor_id, name="visitor-id"),
    path("login/", login_view, name="login"),
    path("convert-standin.js", convert_standin, name="convert-standin"),
]
