from __future__ import annotations

import json
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
    assert src_attrs == ' src="//cdn-4.convertexperiments.com/v1/js/10012345-10056789.js"'
    assert src_body == ""
    assert "async" not in html
    assert "defer" not in html


def configs(html: str) -> list[dict]:
    """The settings JSON each minified script is called with."""
    return [json.loads(found) for found in re.findall(r"\}\(window,(\{.*?\})\);", html)]


def test_the_page_carries_no_per_visitor_value(request_, make_request) -> None:
    """The same bytes for every visitor: cacheable (no id, no CSRF token, no cookie)."""
    other = make_request(cookie="someone-else-1")
    other.convert_visitor_id = "someone-else-1"
    html = render("{% convert_head %}", request_)
    assert html == render("{% convert_head %}", other) == render("{% convert_head %}")
    assert request_.convert_visitor_id not in html
    assert "CSRF_COOKIE_NEEDS_UPDATE" not in request_.META
    assert "csrf" not in html.lower()


def test_snippet_settings(request_) -> None:
    identify, listener = configs(render("{% convert_head %}", request_))
    assert identify == {
        "cookie": {
            "name": "convert_vid",
            "maxAge": 60 * 60 * 24 * 395,
            "path": "/",
            "domain": None,
            "sameSite": "Lax",
            "secure": None,
        },
        "consent": {
            "required": False,
            "cookie": "convert_consent",
            # A session cookie: it never outlives the consent platform's record.
            "maxAge": None,
            "runExperiences": False,
        },
    }
    assert listener == {"url": "/convert/context/", "header": "X-Convert-Listener"}


def test_consent_settings_reach_the_snippet(request_, convert_settings) -> None:
    convert_settings(
        CONSENT={"REQUIRED": True, "RUN_EXPERIENCES": True}, COOKIE_DOMAIN=".shop.test"
    )
    identify, _ = configs(render("{% convert_head %}", request_))
    assert identify["consent"]["required"] is True
    assert identify["consent"]["runExperiences"] is True
    assert identify["cookie"]["domain"] == ".shop.test"


def test_inlined_code_is_the_committed_terser_output() -> None:
    from django_convert.browser import DIST

    html = render("{% convert_head %}")
    for name in ("identify", "listener"):
        code = (DIST / f"{name}.min.js").read_text().strip()
        before, _, after = code.partition(f"DJANGO_CONVERT_{name.upper()}")
        assert before in html
        assert after in html


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


def test_renders_without_the_request_or_an_id(make_request) -> None:
    """The tags need neither: a first visit has no id until the snippet makes one."""
    assert "identify" in render("{% convert_head %}")
    assert "identify" in render("{% convert_head %}", make_request())


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
def test_hostile_settings_stay_in_json(request_, convert_settings, hostile) -> None:
    convert_settings(COOKIE_NAME=hostile, COOKIE_DOMAIN=hostile, CONSENT={"COOKIE_NAME": hostile})
    html = render("{% convert_head %}", request_)
    assert html.count("<script") == 2
    assert html.count("</script>") == 2
    assert configs(html)[0]["cookie"]["name"] == hostile


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
    html = response.content.decode()
    assert 'what:"identify"' in html
    assert "'nonce-" in response["Content-Security-Policy"]
    assert not response.cookies  # no id, no CSRF cookie: the page can be cached
    assert not response.has_header("Vary")


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


def test_browser_id_reader_only_with_forwarding(request_, convert_settings) -> None:
    """forward-ids.js (issue 22) is inlined after the listener only when FORWARD configures
    a destination, carrying which ids to read: never a secret, only Mixpanel's public
    project token (its cookie's name)."""
    assert "destinationIds=" not in render("{% convert_head %}", request_)
    convert_settings(
        FORWARD={
            "ga4": {"MEASUREMENT_ID": "G-ABC", "API_SECRET": "ga-secret"},
            "mixpanel": {"PROJECT_TOKEN": "tok123", "API_SECRET": "mp-secret"},
            "segment": {"WRITE_KEY": ""},  # not configured: no key
        }
    )
    html = render("{% convert_listener %}", request_)
    assert "destinationIds=" in html
    assert js_value({"ga4": 1, "mixpanel": "tok123"}) in html
    for secret in ("ga-secret", "mp-secret", "G-ABC"):
        assert secret not in html
    assert html.index("addListener") < html.index("destinationIds=")
