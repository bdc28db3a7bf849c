"""The app's error hierarchy.

Errors about Convert's answer carry the HTTP status and body, so callers and the admin
can show exactly what Convert said.
"""

from __future__ import annotations


class ConvertError(Exception):
    """Base class for every django-convert error."""


class InvalidVisitorId(ConvertError, ValueError):
    """A visitor id is empty, too long, or looks like personal data."""


class ConversionError(ConvertError, ValueError):
    """A conversion cannot be recorded as given (bad goal id, amount, dimension...)."""


class ConvertAPIError(ConvertError):
    """Convert's tracking API did not accept a request."""

    #: Whether sending the same request again later may succeed.
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        response_body: str = "",
        retry_after: float | None = None,
        reason: str = "",
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.response_body = response_body
        self.retry_after = retry_after
        #: A short code for what went wrong (``django_convert.client.transport.REASONS``),
        #: counted by delivery health; empty when not known.
        self.reason = reason

    def __str__(self) -> str:
        base = super().__str__()
        if self.status_code is None:
            return base
        return f"{base} (HTTP {self.status_code}: {self.response_body[:500]})"


class ConvertTransientError(ConvertAPIError):
    """Retry with backoff: 5xx, 408, 425, 429, no complete answer within the deadline, a
    connection error, or an answer that is not Convert's (HTML, an empty or truncated
    body, a redirect, a 4xx that is not Convert's JSON)."""

    retryable = True


class ConvertRejectedError(ConvertAPIError):
    """Convert refused the request (a 4xx with Convert's JSON error body, or a 413): it
    will never succeed as it is."""


class ConvertConfigError(ConvertAPIError):
    """Convert's project-config answer is not JSON, not a project config at all, or another
    project's.

    The shape is ``ConfigResponseData`` in ``@convertcom/js-sdk`` 4.4.3
    (``lib/types/src/config/types.gen.d.ts``) and ``convert-python-sdk`` 2.1.0
    (``_generated/serving_config``). Every field of it is optional: an item that cannot be
    used is skipped and listed in the parsed config's ``warnings``, not raised.
    """
