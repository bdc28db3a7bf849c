"""One ``requests.Session`` per destination configuration, and one request within a
total deadline (``client.deadline``: the same watchdog as Convert's requests)."""

from __future__ import annotations

import threading

import requests

from django_convert import __version__
from django_convert.client.deadline import new_session
from django_convert.client.transport import Answer, exchange
from django_convert.exceptions import ConvertTransientError
from django_convert.forwarding.config import Destination
from django_convert.forwarding.wire import Request

LABELS = {"ga4": "GA4", "segment": "Segment", "mixpanel": "Mixpanel"}
MAX_ANSWER = 1024 * 1024  # bytes of an answer read (Mixpanel's failed_records for 2,000)
_sessions: dict[Destination, requests.Session] = {}
_lock = threading.Lock()


def session_for(destination: Destination) -> requests.Session:
    """The destination's session (connection pooling), made once per configuration."""
    with _lock:
        session = _sessions.get(destination)
        if session is None:
            session = _sessions[destination] = new_session()
            session.headers["User-Agent"] = f"django-convert/{__version__}"
        return session


def reset_sessions(*, close: bool = True) -> None:
    """Forget every session (in tests; ``close=False`` after a fork: the pooled sockets
    are the parent's)."""
    global _lock
    if not close:
        _lock = threading.Lock()  # the parent's may have been held at the fork
    with _lock:
        sessions = list(_sessions.values())
        _sessions.clear()
    if close:
        for session in sessions:
            session.close()


def send(destination: Destination, request: Request, timeout: float) -> Answer:
    """POST one request within ``timeout`` seconds in all; redirects are not followed.

    :raises ConvertTransientError: no answer (``unreachable``: nothing was sent;
        ``no_answer``: sent, no complete answer in time; ``truncated``), its message naming
        the destination.
    """
    session = session_for(destination)
    label = LABELS.get(destination.name, destination.name)
    headers = dict(request.headers)
    try:
        with _lock:  # the same values every time for one destination
            session.headers.update(headers)
        return exchange(
            session, "POST", request.url, timeout=timeout, data=request.body, max_body=MAX_ANSWER
        )
    except ConvertTransientError as error:
        raise ConvertTransientError(
            str(error).replace("Convert", label), reason=error.reason
        ) from error
