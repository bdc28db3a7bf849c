"""A quick, honest self-test of the configured resolver for the W020 and W023 system checks.

The resolver is called with a made-up, unsaved user whose username, e-mail address and
names are personal data. If what comes back looks like personal data, the resolver copies
it from the user. Database access is blocked during the test (system checks must not
write), so a resolver that needs the database cannot be judged and passes silently: the
run-time guard still refuses its PII.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.test import RequestFactory

from django_convert.conf import get_setting
from django_convert.identity.pii import looks_like_pii
from django_convert.identity.visitor import get_resolver

TEST_EMAIL = "jane.doe@example.com"
TEST_PHONE = "+44 20 7946 0958"


class _DatabaseBlocked(Exception):
    pass


def _block(*args: Any, **kwargs: Any) -> Any:
    raise _DatabaseBlocked


def _test_user(pk: int = 42) -> Any:
    user_model = get_user_model()
    user = user_model()
    user.pk = pk
    field_names = {field.name for field in user_model._meta.get_fields()}
    values = {
        user_model.USERNAME_FIELD: TEST_EMAIL,
        user_model.get_email_field_name(): TEST_EMAIL,
        "first_name": "Jane",
        "last_name": "Doe",
        "phone": TEST_PHONE,
        "phone_number": TEST_PHONE,
        "mobile": TEST_PHONE,
    }
    for name, value in values.items():
        if name in field_names:
            setattr(user, name, value)
    return user


def _request(user: Any, cookie: str | None = None) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}  # type: ignore[assignment]
    if cookie is not None:
        request.COOKIES[get_setting("COOKIE_NAME")] = cookie
    return request


def _answers(requests: list[Any]) -> list[object]:
    """The resolver's answer for each request, with the database blocked; an answer it
    could not give here is ``_DatabaseBlocked`` (or the exception's class)."""
    resolver = get_resolver()
    answers: list[object] = []
    with ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(_block))
        for request in requests:
            try:
                answers.append(resolver(request))
            except Exception as error:  # a resolver that cannot run here is not judged
                answers.append(type(error))
    return answers


def resolver_leaks_pii() -> str | None:
    """A description of the personal data the resolver returned, or None."""
    for value in _answers([_request(_test_user()), _request(AnonymousUser())]):
        if isinstance(value, str) and looks_like_pii(value):
            return "an e-mail address" if "@" in value else "a phone number"
    return None


def resolver_cannot_stitch() -> str | None:
    """Why login stitching cannot work with the resolver, or None.

    Stitching needs one id per person: a resolver that gives two users the same id, or two
    anonymous browsers (with different cookies) the same id, merges different people.
    Returning None ("the cookie's id") is fine: the browser's visitor is linked at login.
    """
    first, second, anonymous_a, anonymous_b = _answers(
        [
            _request(_test_user(42), "0" * 32),
            _request(_test_user(43), "1" * 32),
            _request(AnonymousUser(), "2" * 32),
            _request(AnonymousUser(), "3" * 32),
        ]
    )
    if isinstance(first, str) and first == second:
        return "two different users"
    if isinstance(anonymous_a, str) and anonymous_a == anonymous_b:
        return "two anonymous browsers with different cookies"
    return None
