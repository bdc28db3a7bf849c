"""The exit send under ASGI servers, through the ASGI lifespan protocol.

Under WSGI servers, daphne and one-shot processes, a process that exits sends the
conversions it recorded first (``EXIT_TIMEOUT``) and says how many it could not, from an
``atexit`` hook. uvicorn (alone, with ``--workers``, or as gunicorn's ``UvicornWorker``)
ends its process by raising the stop signal again after its graceful shutdown, with the
default handler: Python's exit hooks never run. What it does run before that is the
application's lifespan ``shutdown``, which Django's own ASGI handler does not take
(it accepts only HTTP). Wrap the application::

    # asgi.py
    from django.core.asgi import get_asgi_application
    from django_convert.asgi import with_lifespan

    application = with_lifespan(get_asgi_application())

``lifespan.startup`` starts the delivery thread (rows left by other processes go out
before the first request); ``lifespan.shutdown`` runs the exit send in a thread and
answers when it is done (at most ``EXIT_TIMEOUT`` plus a moment). Every other scope goes
to the wrapped application unchanged; an application that handles lifespan itself gets
the events after ours. Servers that send no lifespan events (daphne) are unaffected:
the ``atexit`` hook does the same there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from asgiref.sync import sync_to_async

logger = logging.getLogger("django_convert")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def with_lifespan(application: ASGIApp) -> ASGIApp:
    """``application`` (any ASGI app: Django's, Channels' router...) with django-convert's
    lifespan handling; see the module docstring."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await application(scope, receive, send)
            return
        await _lifespan(receive, send)

    return app


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await sync_to_async(_start, thread_sensitive=False)()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await sync_to_async(_exit_send, thread_sensitive=False)()
            await send({"type": "lifespan.shutdown.complete"})
            return


def _start() -> None:
    from django_convert.conf import get_setting
    from django_convert.delivery import worker
    from django_convert.delivery.worker import POLLING_MODES, get_worker

    worker.lifespan_seen = True  # the exit send will run here: no start-up warning
    if get_setting("DELIVERY") in POLLING_MODES and get_setting("ENABLED"):
        get_worker().ensure_started()


def _exit_send() -> None:
    from django_convert.delivery.worker import stop_and_send_own

    try:
        stop_and_send_own()
    except Exception:  # never fail the server's shutdown
        logger.exception("The exit send at ASGI lifespan shutdown failed.")
