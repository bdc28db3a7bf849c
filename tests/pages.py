"""Test-only pages: a layout with ``{% convert_head %}``, a login view, Convert's stand-in.

Included by tests/urls.py under ``pages/``. The page sends a real nonce-based
Content-Security-Policy, so a browser runs only the scripts that carry the nonce.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.contrib.auth import authenticate, login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template import engines
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

STANDIN_JS = (
    Path(__file__).resolve().parents[1]
    / "django_convert/static/django_convert/testing/convert-standin.js"
)

LAYOUT = """{% load convert %}<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>page</title>
{% convert_head %}</head>
<body><p id="visitor-id">{{ request.convert_visitor_id }}</p></body></html>"""


def page(request: HttpRequest) -> HttpResponse:
    nonce = secrets.token_urlsafe(16)
    template = engines["django"].from_string(LAYOUT)
    response = HttpResponse(template.render({"csp_nonce": nonce}, request))
    response["Content-Security-Policy"] = f"script-src 'nonce-{nonce}'"
    return response


def plain_page(request: HttpRequest) -> HttpResponse:
    """The layout with only what the project's context processors and middleware add."""
    return HttpResponse(engines["django"].from_string(LAYOUT).render({}, request))


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
    path("plain/", plain_page, name="plain-page"),
    path("visitor-id/", visitor_id, name="visitor-id"),
    path("login/", login_view, name="login"),
    path("convert-standin.js", convert_standin, name="convert-standin"),
]
