"""Delivered means Convert said so, within one total deadline per request.

Against the stand-in (a real HTTP server): an answer trickled a byte at a time ends at
the deadline, not after each byte; HTML, truncated JSON, other 2xx and redirects are not
Convert's answer (and a redirect is never followed); a 4xx is Convert refusing only with
Convert's JSON error body (or a 413).
"""

from __future__ import annotations

import time

import pytest
import requests
import responses

from django_convert.client import ClientConfig, ConfigClient, ConfigSource, ConvertClient, transport
from django_convert.client.deadline import deadline, new_session
from django_convert.exceptions import ConvertRejectedError, ConvertTransientError
from django_convert.testing.tracking_server import LANDING, ConvertStandIn
from tests.test_client import build_body, config, event


@pytest.fixture
def stand_in():
    with ConvertStandIn(account_id="10012345", project_id="10056789") as server:
        yield server


def client_for(server: ConvertStandIn, timeout: float = 2.0) -> tuple[ClientConfig, ConvertClient]:
    cfg = config(tracking_url=server.url, timeout=timeout)
    return cfg, ConvertClient(cfg)


def send(server: ConvertStandIn, timeout: float = 2.0):
    cfg, client = client_for(server, timeout)
    return client.track(build_body(cfg, [event()]))


def test_a_trickled_answer_ends_at_the_deadline_not_per_byte(stand_in) -> None:
    # Headers at once, then a byte every 0.2 s: each read is far under the timeout, the
    # whole answer (27 bytes, 5.4 s) far over it.
    stand_in.trickle(0.2)
    started = time.monotonic()
    with pytest.raises(ConvertTransientError) as caught:
        send(stand_in, timeout=1.0)
    took = time.monotonic() - started
    assert 0.9 < took < 1.8, took
    assert caught.value.reason == transport.NO_ANSWER
    assert "within TIMEOUT (1 s)" in str(caught.value)
    time.sleep(0.3)  # the stand-in notices the client left
    assert stand_in.accepted() == []  # the client never read Convert's answer
    assert send(stand_in).status_code == 200  # the session works on


def test_a_trickle_that_ends_in_time_is_delivered(stand_in) -> None:
    stand_in.trickle(0.01)
    assert send(stand_in, timeout=3.0).status_code == 200
    assert len(stand_in.accepted()) == 1


@pytest.mark.parametrize(
    ("fault", "reason", "words"),
    [
        ("answer_html", transport.FOREIGN_ANSWER, "text/html"),
        ("truncate", transport.TRUNCATED, "cut short"),
    ],
)
def test_a_200_that_is_not_converts_json_is_not_delivery(stand_in, fault, reason, words) -> None:
    getattr(stand_in, fault)()
    with pytest.raises(ConvertTransientError) as caught:
        send(stand_in)
    assert caught.value.reason == reason
    assert caught.value.status_code == 200
    assert words in str(caught.value)
    assert stand_in.accepted() == []


@pytest.mark.parametrize("status", [302, 307, 301, 308])
def test_a_redirect_is_never_followed(stand_in, status) -> None:
    stand_in.redirect(status)
    with pytest.raises(ConvertTransientError) as caught:
        send(stand_in)
    assert caught.value.reason == transport.REDIRECT
    assert LANDING in str(caught.value)
    assert [r.path for r in stand_in.received] == ["/v1/track/10012345/10056789"]  # no GET


def test_a_proxy_page_with_a_4xx_is_not_convert_refusing(stand_in) -> None:
    stand_in.answer_html(403)
    with pytest.raises(ConvertTransientError) as caught:
        send(stand_in)
    assert (caught.value.reason, caught.value.status_code) == (transport.FOREIGN_ANSWER, 403)


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "content_type", "error", "reason"),
    [
        (200, "", "application/json", ConvertTransientError, transport.FOREIGN_ANSWER),
        (200, "[1, 2]", "application/json", ConvertTransientError, transport.FOREIGN_ANSWER),
        (200, '"OK"', "application/json", ConvertTransientError, transport.FOREIGN_ANSWER),
        (204, "", "application/json", ConvertTransientError, transport.FOREIGN_ANSWER),
        (202, '{"code": 202}', "application/json", ConvertTransientError, transport.FOREIGN_ANSWER),
        (413, "<h1>413</h1>", "text/html", ConvertRejectedError, transport.REJECTED),
        (404, "Not Found", "text/plain", ConvertTransientError, transport.FOREIGN_ANSWER),
        (400, '{"code": 400, "message": "m", "fields": "goalId"}', "application/json",
         ConvertRejectedError, transport.REJECTED),
        (429, "", "text/plain", ConvertTransientError, transport.RATE_LIMITED),
        (503, "<html>", "text/html", ConvertTransientError, transport.UNAVAILABLE),
    ],
)  # fmt: skip
def test_answers_mapped(status, body, content_type, error, reason) -> None:
    responses.post(config().endpoint, status=status, body=body, content_type=content_type)
    with pytest.raises(error) as caught:
        ConvertClient(config()).track(build_body(config(), [event()]))
    assert caught.value.reason == reason


@responses.activate
def test_converts_answer_is_delivery() -> None:
    responses.post(config().endpoint, status=200, json={"code": 200, "message": "OK"})
    result = ConvertClient(config()).track(build_body(config(), [event()]))
    assert (result.status_code, result.body) == (200, '{"code": 200, "message": "OK"}')


def test_nothing_sent_is_unreachable_and_a_reset_after_sending_is_no_answer(stand_in) -> None:
    server = ConvertStandIn().start()
    url = server.url
    server.stop()
    cfg = config(tracking_url=url, timeout=1.0)
    with pytest.raises(ConvertTransientError) as caught:
        ConvertClient(cfg).track(build_body(cfg, [event()]))
    assert caught.value.reason == transport.UNREACHABLE
    stand_in.reset()
    with pytest.raises(ConvertTransientError) as caught:
        send(stand_in)
    assert caught.value.reason == transport.NO_ANSWER  # Convert may have it


def test_a_trickled_config_ends_at_its_deadline(stand_in) -> None:
    stand_in.trickle_config(0.05)  # a config of a few KB: minutes at this pace
    source = ConfigSource(
        config_url=stand_in.config_url, account_id="10012345", project_id="10056789", timeout=1.0
    )
    started = time.monotonic()
    with pytest.raises(ConvertTransientError) as caught:
        ConfigClient(source).fetch()
    assert time.monotonic() - started < 1.8
    assert caught.value.reason == transport.NO_ANSWER


def test_the_deadline_covers_every_request_of_a_session_in_its_thread(stand_in) -> None:
    session = new_session()
    stand_in.slow(3.0)
    started = time.monotonic()
    with deadline(0.5) as watch, pytest.raises(requests.RequestException):
        session.post(stand_in.url, data=b"{}", timeout=10)
    assert watch.expired
    assert watch.sent
    assert time.monotonic() - started < 1.2
