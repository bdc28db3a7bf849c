from __future__ import annotations

import json
import logging
import re

import django
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.test import override_settings

from django_convert.browser import js_value

pytestmark = pytest.mark.django_db

HOSTILE = [
    "</script><script>alert(1)</script>",
    "\"'};alert(1);//",
    "<!--<script>",
    "\u2028\u2029",
    "&lt;&amp;",
]


def render(source: str, request=None, **context) -> str:
    if request is not None:
        context["request"] = request
    return Template("{% load convert %}" + source).render(Context(context))


@pytest.fixture
def request_(make_request):
    request = make_request()
    request.convert_visitor_id = "3f2b9c1e8a7d4b6c9e0f1a2b3c4d5e6f"
    return request


def scripts(html: str) -> list[tuple[str, str]]:
    """(attributes, body) of each <script> element."""
    return re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)


def test_head_order_identify_listener_then_script(request_) -> None:
    html = render("{% convert_head %}", request_)
    [(_inline_attrs, inline), (src_attrs, src_body)] = scripts(html)
    assert inline.index('what:"identify"') < inline.index('"snippet.experiences_evaluated"')
    assert 'params:{visitorId:"3f2b9c1e8a7d4b6c9e0f1a2b3c4d5e6f"}' in inline
    assert src_attrs == ' src="//cdn-4.convertexperiments.com/v1/js/10012345-10056789.js"'
    assert src_body == ""
    assert "async" not in html
    assert "defer" not in html


def listener_config(html: str) -> dict:
    [(_, body)] = scripts(html)
    return json.loads(re.search(r"\}\)\((\{.*\})\);$", body).group(1))


def test_listener_config(request_) -> None:
    html = render("{% convert_listener %}", request_)
    config = listener_config(html)
    assert config["url"] == "/convert/context/"
    assert config["header"] == "X-CSRFTOKEN"
    assert config["visitorId"] == request_.convert_visitor_id
    # The token is read from the CSRF cookie when posting; a first visit gets the cookie.
    assert config["token"] is None
    assert config["cookie"] == "csrftoken"
    assert request_.META["CSRF_COOKIE_NEEDS_UPDATE"]
    assert "keepalive:true" in html
    assert "sessionStorage" in html


def test_returning_visitor_keeps_their_csrf_cookie(request_) -> None:
    request_.COOKIES["csrftoken"] = "k" * 32
    config = listener_config(render("{% convert_listener %}", request_))
    assert config["cookie"] == "csrftoken"
    assert "CSRF_COOKIE_NEEDS_UPDATE" not in request_.META


@pytest.mark.parametrize("setting", ["CSRF_COOKIE_HTTPONLY", "CSRF_USE_SESSIONS"])
def test_token_is_embedded_when_scripts_cannot_read_the_cookie(request_, setting) -> None:
    with override_settings(**{setting: True}):
        config = listener_config(render("{% convert_listener %}", request_))
    assert len(config["token"]) == 64  # a masked token
    assert config["cookie"] is None


@override_settings(CSRF_HEADER_NAME="HTTP_X_MY_CSRF")
def test_csrf_header_follows_the_setting(request_) -> None:
    assert listener_config(render("{% convert_listener %}", request_))["header"] == "X-MY-CSRF"


def test_fine_tags_emit_one_part_each(request_) -> None:
    identify = render("{% convert_identify %}", request_)
    assert 'what:"identify"' in identify
    assert "addListener" not in identify
    listener = render("{% convert_listener %}", request_)
    assert "addListener" in listener
    assert 'what:"identify"' not in listener
    script = render("{% convert_script %}", request_)
    assert scripts(script) == [
        (' src="//cdn-4.convertexperiments.com/v1/js/10012345-10056789.js"', "")
    ]


@pytest.mark.parametrize("tag", ["head", "identify", "listener", "script"])
def test_nothing_renders_when_disabled(request_, convert_settings, tag) -> None:
    convert_settings(ENABLED=False)
    assert render(f"{{% convert_{tag} %}}", request_) == ""


@pytest.mark.parametrize("tag", ["head", "identify", "listener", "script"])
def test_nothing_renders_without_a_valid_id(make_request, caplog, tag) -> None:
    request = make_request()  # no middleware ran
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        assert render(f"{{% convert_{tag} %}}", request) == ""
        request.convert_visitor_id = "ann@example.com"
        assert render(f"{{% convert_{tag} %}}", request) == ""
    assert "ann@example.com" not in caplog.text


def test_nothing_renders_without_the_request_and_the_log_says_why(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        assert render("{% convert_head %}") == ""
    assert "context_processors.request" in caplog.text


def test_settings_are_read_at_render_time(request_, convert_settings) -> None:
    template = Template("{% load convert %}{% convert_script %}")
    assert "10012345-10056789" in template.render(Context({"request": request_}))
    convert_settings(ACCOUNT_ID="111", SCRIPT_URL="https://cdn.test/{project_id}/{account_id}.js")
    assert 'src="https://cdn.test/10056789/111.js"' in template.render(
        Context({"request": request_})
    )
    convert_settings(ENABLED=False)
    assert template.render(Context({"request": request_})) == ""


@pytest.mark.parametrize("hostile", HOSTILE)
def test_js_value_cannot_close_the_script_or_the_string(hostile) -> None:
    literal = js_value({"v": hostile})
    assert json.loads(literal) == {"v": hostile}
    for forbidden in ("<", ">", "&", "\u2028", "\u2029"):
        assert forbidden not in literal


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_id_is_never_embedded(make_request, hostile) -> None:
    request = make_request()
    request.convert_visitor_id = hostile
    assert render("{% convert_head %}", request) == ""


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_script_url_stays_inside_its_attribute(request_, convert_settings, hostile):
    convert_settings(
        SCRIPT_URL="https://cdn.test/x.js?" + hostile.replace("{", "{{").replace("}", "}}")
    )
    html = render("{% convert_head %}", request_)
    [_, (src_attrs, src_body)] = scripts(html)
    assert src_body == ""
    assert src_attrs.count('"') == 2
    assert "<" not in src_attrs
    assert ">" not in src_attrs
    assert html.count("<script") == 2


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_account_id_is_url_quoted(request_, convert_settings, hostile) -> None:
    convert_settings(ACCOUNT_ID=hostile)
    [(src_attrs, _)] = scripts(render("{% convert_script %}", request_))
    assert src_attrs.count('"') == 2
    assert "<" not in src_attrs
    assert "'" not in src_attrs


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_csrf_header_and_url_stay_in_json(request_, hostile) -> None:
    with override_settings(CSRF_HEADER_NAME="HTTP_" + hostile):
        html = render("{% convert_head %}", request_)
    assert html.count("<script") == 2
    assert html.count("</script>") == 2


def test_hostile_nonce_is_attribute_escaped(request_) -> None:
    html = render("{% convert_head %}", request_, csp_nonce='"><script>alert(1)</script>')
    assert html.count("<script") == 2
    assert 'nonce="&quot;&gt;&lt;script&gt;' in html


def test_django_csp_nonce_on_every_script(request_) -> None:
    html = render("{% convert_head %}", request_, csp_nonce="n0nce-6")
    assert [attrs.count('nonce="n0nce-6"') for attrs, _ in scripts(html)] == [1, 1]
    for tag in ("identify", "listener", "script"):
        assert 'nonce="n0nce-6"' in render(f"{{% convert_{tag} %}}", request_, csp_nonce="n0nce-6")


def test_django_csp_request_nonce(request_) -> None:
    request_.csp_nonce = "from-django-csp"
    html = render("{% convert_head %}", request_)
    assert html.count('nonce="from-django-csp"') == 2


def test_no_nonce_attribute_without_a_nonce(request_) -> None:
    assert "nonce" not in render("{% convert_head %}", request_)


def test_script_url_with_unknown_placeholder_is_a_clear_error(request_, convert_settings):
    convert_settings(SCRIPT_URL="//cdn.test/{acount_id}.js")
    with pytest.raises(ImproperlyConfigured, match="SCRIPT_URL"):
        render("{% convert_script %}", request_)


def test_listener_without_the_urls_is_a_clear_error(request_) -> None:
    with (
        override_settings(ROOT_URLCONF="tests.pages"),
        pytest.raises(ImproperlyConfigured, match=r"django_convert\.urls"),
    ):
        render("{% convert_listener %}", request_)


def test_page_through_the_stack(client) -> None:
    response = client.get("/pages/")
    visitor_id = response.cookies["convert_vid"].value
    html = response.content.decode()
    assert f'params:{{visitorId:"{visitor_id}"}}' in html
    assert "'nonce-" in response["Content-Security-Policy"]
    assert response.cookies["csrftoken"].value  # the token the listener sends


@pytest.mark.skipif(django.VERSION < (6, 0), reason="Django 6 has built-in CSP; 5.2 does not")
def test_django_6_builtin_csp_nonce_end_to_end(client, settings) -> None:
    from django.utils.csp import CSP

    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.middleware.csp.ContentSecurityPolicyMiddleware",
    ]
    settings.SECURE_CSP = {"script-src": [CSP.SELF, CSP.NONCE]}
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.template.context_processors.csp",
                ]
            },
        }
    ]
    response = client.get("/pages/plain/")
    [nonce] = re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert response.content.decode().count(f'nonce="{nonce}"') == 2
