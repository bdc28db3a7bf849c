"""Values from outside, made safe for a log line or a terminal: the one helper for it.

Transaction ids, visitor ids, synced names and Convert's answers come from customers, shop
code or the network. Written raw, a newline in one forges a log line
(``... INFO django_convert: Delivered 5000 conversion(s)``), and an escape sequence
(``ESC [ ... m``, ``ESC ] ...``) reaches the terminal of whoever reads ``convert_doctor``
or ``convert_deliver --check``. :func:`printable` escapes what could do either;
:class:`EscapeLogValues`, installed on the ``django_convert`` logger when the app is
ready, applies it to every argument of every log record, and to the message of a
logged exception.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

LOGGER_NAME = "django_convert"

# C0 controls (newline, carriage return, ESC...), DEL and C1 controls (0x9b is a one-byte
# CSI in some terminals); Unicode line and paragraph separators, which some log viewers
# break lines on; and the bidirectional controls, which reorder what a reader sees
# ("Trojan source"). Backslashes are left alone, so escaping twice changes nothing.
_UNSAFE = {
    **{code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7F, 0xA0)]},
    0x09: "\\t",
    0x0A: "\\n",
    0x0D: "\\r",
    **{code: f"\\u{code:04x}" for code in (0x2028, 0x2029, 0x061C, 0x200E, 0x200F)},
    **{code: f"\\u{code:04x}" for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]},
}


# A credential in a URL's query string: GA4's Measurement Protocol takes its API secret
# there (``/mp/collect?measurement_id=...&api_secret=...``), and requests names the URL in
# every connection error it raises.
_SECRET_IN_URL = re.compile(
    r"(?i)([?&](?:api_secret|secret|token|access_token|api_key|key|password|write_key)=)"
    r"[^&#\s'\"]+"
)


def redact_secrets(text: str) -> str:
    """``text`` with the values of secret-named query parameters (``api_secret``,
    ``token``, ``key``, ``password``...) replaced by ``[redacted]``: for error messages
    that repeat a URL (stored in ``last_error``, shown in the admin and the commands)."""
    if "=" not in text:  # the common case (C speed)
        return text
    return _SECRET_IN_URL.sub(r"\1[redacted]", text)


def printable(value: object) -> str:
    """``str(value)`` with control characters escaped (``\\n``, ``\\x1b``, ``\\u2028``...)
    and secrets in URLs redacted (:func:`redact_secrets`).

    Safe to put on one log line or print to a terminal; ordinary text, accents and emoji
    are kept as they are. Idempotent: ``printable(printable(x)) == printable(x)``.
    """
    text = redact_secrets(value if isinstance(value, str) else str(value))
    if text.isprintable():  # the common case: nothing to do (C speed)
        return text
    return text.translate(_UNSAFE)


class _Printable:
    """A log argument whose ``%s`` and ``%r`` are escaped (numbers are left as they are)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __str__(self) -> str:
        return printable(self.value)

    def __repr__(self) -> str:
        return printable(repr(self.value))


def _safe_arg(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value  # %d, %g and %.1f need the number itself
    if isinstance(value, str) and value.isprintable() and redact_secrets(value) == value:
        return value
    return _Printable(value)


class EscapeLogValues(logging.Filter):
    """Escapes the arguments of a record (``logger.info("... %s", value)``) and the message
    of its exception; the format string is the app's own and is left alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, dict):
            record.args = {key: _safe_arg(value) for key, value in args.items()}
        elif args:
            record.args = tuple(_safe_arg(value) for value in args)
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = _escaped_traceback(record.exc_info)
        return True


def _escaped_traceback(exc_info: Any) -> str:
    """The usual traceback text, with each exception's own message escaped (a message may
    carry an id or an answer from outside; the frames are the code's own)."""
    text = "".join(traceback.format_exception(*exc_info)).rstrip("\n")
    seen: set[int] = set()
    error: BaseException | None = exc_info[1]
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        try:
            message = str(error)
        except Exception:  # a broken __str__: the traceback module said so already
            message = ""
        if message and printable(message) != message:
            text = text.replace(message, printable(message))
        error = error.__cause__ or error.__context__
    return text


def install() -> None:
    """Put :class:`EscapeLogValues` on the ``django_convert`` logger (once)."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(existing, EscapeLogValues) for existing in logger.filters):
        logger.addFilter(EscapeLogValues())
