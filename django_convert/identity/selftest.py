"""A quick, honest self-test of the configured resolver for the W020 system check.

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

from django_convert.identity.pii import looks_like_pii
from django_convert.identity.visitor import get_resolver

TEST_EMAIL = "jane.doe@example.com"
TEST_PHONE = "+44 20 7946 0958"


class _DatabaseBlocked(Exception):
    pass


def _block(*args: Any, **kwargs: Any) -> Any:
    raise _DatabaseBlocked


def _test_user() -> Any:
    user_model = get_user_model()
    user = user_model()
    user.pk = 42
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


def resolver_leaks_pii() -> str | None:
    """A description of the personal data the resolver returned, or None."""
    resolver = get_resolver()
    requests = []
    for user in (_test_user(), AnonymousUser()):
        request = RequestFactory().get("/")
        request.user = user
        request.session = {}  # type: ignore[assignment]
        requests.append(request)
    with ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(_block))
        for request in requests:
            try:
                value = resolver(request)
            except Exception:  # noqa: S112 - a resolver that cannot run here is not judged
                continue
            if isinstance(value, str) and looks_like_pii(value):
                return "an e-mail address" if "@" in value else "a phone number"
    return None
