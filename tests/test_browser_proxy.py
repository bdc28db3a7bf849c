"""Behind a TLS-ending proxy that Django was not told about (no SECURE_PROXY_SSL_HEADER,
only CSRF_TRUSTED_ORIGINS: common on Heroku, Render, Kubernetes ingress), in Chromium.

The browser is on https://shop.test (a self-signed certificate, a non-local name so that
Chromium applies its real rules), the proxy forwards plain HTTP to Django with
X-Forwarded-Proto. With a ``__Host-`` cookie name, a server refresh without ``Secure`` would
be refused outright, leaving the cookie script-written (Safari's 7-day cap) and the id
without its key. The refresh follows the browser-facing scheme instead.
"""

from __future__ import annotations

import http.client
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import override_settings

from django_convert.identity import cookie as cookie_module
from django_convert.models import Visitor
from tests.browser import CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, VISITOR_ARGS, VISITOR_USER_AGENT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.servers,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}"),
]
STANDIN = "/pages/convert-standin.js?account={account_id}&project={project_id}&numeric=1"
NAME = "__Host-convert_vid"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: Any) -> tuple[str, str]:
    """A self-signed certificate for shop.test (openssl)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=shop.test"),
            *("-addext", "subjectAltName=DNS:shop.test"),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@contextmanager
def tls_proxy(upstream: str, certificate: tuple[str, str]) -> Iterator[int]:
    """A TLS-ending proxy on 127.0.0.1:<free port> forwarding to ``upstream`` over HTTP,
    adding ``X-Forwarded-Proto: https`` (and nothing Django was configured to trust)."""
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["X-Forwarded-Proto"] = "https"
            headers["Connection"] = "close"
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            connection.request(self.command, self.path, body=body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            connection.close()

        do_GET = do_POST = do_DELETE = forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def shop_chromium(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    from tests.browser import launch_chromium

    with launch_chromium() as chromium:
        browser = chromium.browser_type.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, *VISITOR_ARGS, "--host-resolver-rules=MAP shop.test 127.0.0.1"],
        )
        try:
            yield browser
        finally:
            browser.close()


def test_secure_follows_the_browser_facing_scheme_behind_an_undeclared_proxy(
    shop_chromium, live_server, certificate, convert_settings, caplog
) -> None:
    user = get_user_model().objects.create_user("ann", password="pw")
    cache.clear()
    cookie_module._proxy_warned.clear()  # the warning is logged once per process
    with tls_proxy(live_server.url, certificate) as port:
        base = f"https://shop.test:{port}"
        convert_settings(SCRIPT_URL=STANDIN, COOKIE_NAME=NAME)
        with override_settings(CSRF_TRUSTED_ORIGINS=[base], SECURE_PROXY_SSL_HEADER=None):
            context = shop_chromium.new_context(
                base_url=base, user_agent=VISITOR_USER_AGENT, ignore_https_errors=True
            )
            try:
                page = context.new_page()
                page.set_default_timeout(15_000)
                with page.expect_response(lambda r: r.url.endswith("/convert/context/")) as post:
                    page.goto("/pages/plain/")
                assert post.value.status == 204
                assert "Secure" in (post.value.header_value("set-cookie") or "")
                jar = {c["name"]: c for c in context.cookies()}
                visitor_id = jar[NAME]["value"]
                # The server's refresh was kept: the id and its key (HttpOnly: only a server
                # can set it) are Secure __Host- cookies.
                key = jar[f"{NAME}_key"]
                assert (jar[NAME]["secure"], key["secure"], key["httpOnly"]) == (True,) * 3
                assert Visitor.objects.get(visitor_id=visitor_id).bucketing_data()
                assert page.evaluate("window.__convertStandin.identifiedAs") == visitor_id

                # The next post proves the id with that key.
                page.evaluate("sessionStorage.clear()")
                with page.expect_response(lambda r: r.url.endswith("/convert/context/")) as post:
                    page.goto("/pages/plain/")
                assert post.value.status == 204

                # A logged-in user's page refreshes their id on a GET, which carries no
                # Origin header: X-Forwarded-Proto still tells the scheme, and it is kept.
                status = page.evaluate(
                    "fetch('/pages/login/', {method: 'POST', body: new URLSearchParams("
                    "{username: 'ann', password: 'pw'})}).then(answer => answer.status)"
                )
                assert status == 200
                Visitor.objects.filter(user=user).update(visitor_id="f" * 32)  # another device
                page.goto("/pages/plain/")
                jar = {c["name"]: c for c in context.cookies()}
                assert (jar[NAME]["value"], jar[NAME]["secure"]) == ("f" * 32, True)
                assert jar[f"{NAME}_key"]["secure"]
            finally:
                context.close()
    # Said once, not per request: Django does not know it is behind a TLS proxy.
    said = [r for r in caplog.records if "request.is_secure() is False" in r.getMessage()]
    assert len(said) == 1
