from __future__ import annotations

from io import StringIO
from types import ModuleType

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.urls import include, path

from django_convert import checks

AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_configured_project_passes() -> None:
    assert checks.check_ids() == []
    assert checks.check_installed() == []
    assert checks.check_settings() == []


def test_missing_account_id_says_what_to_set(convert_settings) -> None:
    convert_settings(ACCOUNT_ID=None)
    [error] = checks.check_ids()
    assert error.id == "django_convert.E001"
    assert "ACCOUNT_ID" in error.msg
    assert "ACCOUNT_ID" in error.hint


@pytest.mark.django_db  # Django 6's check command also runs database checks
def test_missing_ids_fail_manage_py_check(convert_settings) -> None:
    convert_settings(ACCOUNT_ID=None, PROJECT_ID="")
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", stdout=StringIO(), stderr=StringIO())
    assert "django_convert.E001" in str(raised.value)


def test_missing_ids_are_one_error_naming_both(convert_settings) -> None:
    convert_settings(ACCOUNT_ID=None, PROJECT_ID="")
    [error] = checks.check_ids()
    assert error.id == "django_convert.E001"
    assert error.msg == "DJANGO_CONVERT['ACCOUNT_ID'] and ['PROJECT_ID'] are not set."


@pytest.mark.django_db
def test_disabled_needs_no_ids(settings) -> None:
    settings.DJANGO_CONVERT = {"ENABLED": False}
    assert checks.check_ids() == []
    # check and migrate (which refuses to run on check errors) both pass.
    call_command("check", "--fail-level", "WARNING", stdout=StringIO(), stderr=StringIO())
    call_command("migrate", verbosity=0, stdout=StringIO())


def test_disabled_still_reports_malformed_ids(convert_settings) -> None:
    convert_settings(ENABLED=False, ACCOUNT_ID="acme")
    assert ids(checks.check_ids()) == ["django_convert.E002"]


def test_sdk_key_replaces_account_and_project(convert_settings) -> None:
    convert_settings(ACCOUNT_ID=None, PROJECT_ID=None, SDK_KEY="10012345/10056789")
    assert checks.check_ids() == []


@pytest.mark.parametrize("value", ["abc", "1001-2", "100 12", 12.5, "1" * 33])
def test_malformed_id(convert_settings, value) -> None:
    convert_settings(PROJECT_ID=value)
    assert ids(checks.check_ids()) == ["django_convert.E002"]


def test_integer_ids_are_accepted(convert_settings) -> None:
    convert_settings(ACCOUNT_ID=10012345)
    assert checks.check_ids() == []


def test_rest_framework_missing() -> None:
    apps = [app for app in settings.INSTALLED_APPS if app != "rest_framework"]
    with override_settings(INSTALLED_APPS=apps):
        assert "django_convert.E003" in ids(checks.check_installed())


def test_middleware_missing() -> None:
    middleware = [m for m in settings.MIDDLEWARE if m != checks.MIDDLEWARE_PATH]
    with override_settings(MIDDLEWARE=middleware):
        assert ids(checks.check_installed()) == ["django_convert.E004"]


def test_middleware_before_authentication() -> None:
    middleware = [m for m in settings.MIDDLEWARE if m != checks.MIDDLEWARE_PATH]
    middleware.insert(middleware.index(AUTH), checks.MIDDLEWARE_PATH)
    with override_settings(MIDDLEWARE=middleware):
        assert ids(checks.check_installed()) == ["django_convert.E005"]


def test_unknown_delivery_mode(convert_settings) -> None:
    convert_settings(DELIVERY="kafka")
    assert ids(checks.check_settings()) == ["django_convert.E006"]


def test_unknown_setting_key_warns(convert_settings) -> None:
    convert_settings(TRACKNG_URL="x")
    [warning] = checks.check_settings()
    assert warning.id == "django_convert.W001"
    assert "TRACKNG_URL" in warning.msg


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("ACOUNT_ID", "ACCOUNT_ID"),
        ("account_id", "ACCOUNT_ID"),
        ("TRACKNG_URL", "TRACKING_URL"),
        ("DELIVER", "DELIVERY"),
        ("COOKIE_MAXAGE", "COOKIE_MAX_AGE"),
    ],
)
def test_unknown_setting_key_suggests_the_closest_setting(convert_settings, key, suggestion):
    convert_settings(**{key: "x"})
    [warning] = checks.check_settings()
    assert warning.msg.endswith(f"is ignored. Did you mean {suggestion!r}?")


@pytest.mark.parametrize("key", ["SHOP_NAME", 42, None])
def test_unknown_setting_key_without_a_close_setting(settings, key) -> None:
    settings.DJANGO_CONVERT = {**settings.DJANGO_CONVERT, key: "x"}
    [warning] = checks.check_settings()
    assert warning.id == "django_convert.W001"
    assert "Did you mean" not in warning.msg
    assert repr(key) in warning.msg


def urlconf(*urlpatterns) -> ModuleType:
    module = ModuleType("a_project_urls")
    module.urlpatterns = list(urlpatterns)  # type: ignore[attr-defined]
    return module


def test_urls_included_pass() -> None:
    assert checks.check_urls() == []


def test_urls_included_under_an_instance_namespace_pass() -> None:
    # reverse("django_convert:context") finds the app's namespace through any instance.
    patterns = [path("c/", include("django_convert.urls", namespace="convert"))]
    with override_settings(ROOT_URLCONF=urlconf(*patterns)):
        assert checks.check_urls() == []


def test_urls_not_included() -> None:
    with override_settings(ROOT_URLCONF=urlconf(path("admin/", include([])))):
        [error] = checks.check_urls()
    assert error.id == "django_convert.E007"
    assert 'path("convert/", include("django_convert.urls"))' in error.hint


@pytest.mark.django_db  # Django 6's check command also runs database checks
def test_urls_not_included_fail_manage_py_check(convert_settings) -> None:
    convert_settings(ENABLED=False)  # the URLconf is the same in every environment
    with override_settings(ROOT_URLCONF=urlconf()), pytest.raises(SystemCheckError) as raised:
        call_command("check", stdout=StringIO(), stderr=StringIO())
    assert "django_convert.E007" in str(raised.value)


# Identity: the visitor-id resolver (E020, W020).
def test_default_resolver_passes_the_identity_checks() -> None:
    assert checks.check_resolver_importable() == []
    assert checks.check_resolver_pii() == []


@pytest.mark.parametrize(
    "path",
    ["tests.fixtures_identity.no_such_resolver", "no.such.module.resolver", "nodots", ""],
)
def test_unimportable_resolver(convert_settings, path) -> None:
    convert_settings(VISITOR_ID_RESOLVER=path)
    [error] = checks.check_resolver_importable()
    assert error.id == "django_convert.E020"
    assert checks.check_resolver_pii() == []  # reported once, by E020


def test_resolver_that_is_not_callable(convert_settings) -> None:
    convert_settings(VISITOR_ID_RESOLVER="tests.fixtures_identity.not_callable")
    assert ids(checks.check_resolver_importable()) == ["django_convert.E020"]


@pytest.mark.parametrize(
    ("resolver", "what"),
    [("email_resolver", "an e-mail address"), ("username_resolver", "an e-mail address")],
)
def test_resolver_returning_personal_data_warns(convert_settings, resolver, what) -> None:
    convert_settings(VISITOR_ID_RESOLVER=f"tests.fixtures_identity.{resolver}")
    [warning] = checks.check_resolver_pii()
    assert warning.id == "django_convert.W020"
    assert what in warning.msg
    assert "jane.doe@example.com" not in warning.msg
    assert "security" in checks.check_resolver_pii.tags


@pytest.mark.django_db  # Django 6's check command also runs database checks
def test_pii_warning_shows_in_manage_py_check(convert_settings) -> None:
    convert_settings(VISITOR_ID_RESOLVER="tests.fixtures_identity.email_resolver")
    out = StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "django_convert.W020" in out.getvalue()


@pytest.mark.parametrize(
    "resolver",
    [
        "tests.fixtures_identity.constant_resolver",
        "tests.fixtures_identity.none_resolver",
        "tests.fixtures_identity.script_resolver",
        "django_convert.identity.resolvers.hmac_resolver",
    ],
)
def test_opaque_or_malformed_resolvers_do_not_warn(convert_settings, resolver) -> None:
    # script_resolver's output is refused at run time too, but it is not personal data.
    convert_settings(VISITOR_ID_RESOLVER=resolver)
    assert checks.check_resolver_pii() == []


@pytest.mark.django_db
def test_self_test_never_touches_the_database(convert_settings) -> None:
    from django_convert.models import Visitor

    # What database_resolver would return if its query ran: the check would then warn.
    Visitor.objects.create(visitor_id="ann@example.com")
    for resolver in ("tests.fixtures_identity.database_resolver", checks.DEFAULT_RESOLVER):
        convert_settings(VISITOR_ID_RESOLVER=resolver)
        assert checks.check_resolver_pii() == []
    assert list(Visitor.objects.values_list("visitor_id", flat=True)) == ["ann@example.com"]


# DELIVERY="task" / "celery" (E030-E032).
def test_task_and_celery_delivery_pass_when_installed(convert_settings, monkeypatch) -> None:
    pytest.importorskip("celery")
    from celery import _state

    import tests.celery_app  # the project's Celery app, as its package __init__ imports it

    # What Celery's Django fix-up makes of it in a fresh process (this test process may
    # have made Celery's fallback app first: see tests/test_conversions_value_checks.py).
    monkeypatch.setattr(_state, "default_app", tests.celery_app.app)
    convert_settings(DELIVERY="celery")
    assert checks.check_delivery() == []
    convert_settings(DELIVERY="task", TASK_QUEUE="default")
    if checks_tasks_missing():
        assert ids(checks.check_delivery()) == ["django_convert.E030"]
    else:
        assert checks.check_delivery() == []


def checks_tasks_missing() -> bool:
    from tests.fixtures_dispatch import tasks_framework_missing

    return tasks_framework_missing() is not None


def test_task_delivery_without_the_tasks_framework(convert_settings, monkeypatch) -> None:
    import sys

    for module in ("django.tasks", "django_tasks"):
        monkeypatch.setitem(sys.modules, module, None)
    convert_settings(DELIVERY="task")
    [error] = checks.check_delivery()
    assert error.id == "django_convert.E030"
    assert "django-convert[tasks]" in error.hint


def test_task_queue_must_be_one_of_the_backends_queues(convert_settings) -> None:
    if checks_tasks_missing():
        pytest.skip("needs django.tasks (Django 6) or the django-tasks backport")
    convert_settings(DELIVERY="task", TASK_QUEUE="no-such-queue")
    [error] = checks.check_delivery()
    assert error.id == "django_convert.E031"
    assert "'no-such-queue'" in error.msg


def test_celery_delivery_without_celery(convert_settings, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "celery", None)
    convert_settings(DELIVERY="celery")
    assert ids(checks.check_delivery()) == ["django_convert.E032"]


@pytest.mark.parametrize("currency", ["euro", "EU", 978, "€UR"])
def test_currency_must_be_an_iso_code(convert_settings, currency) -> None:
    convert_settings(CURRENCY=currency)
    [message] = [m for m in checks.check_settings() if m.id == "django_convert.E010"]
    assert f"CURRENCY'] is {currency!r}, not a three-letter ISO 4217 code" in message.msg


@pytest.mark.parametrize("currency", ["EUR", "usd", None])
def test_currency_codes_pass(convert_settings, currency) -> None:
    convert_settings(CURRENCY=currency)
    assert not [m for m in checks.check_settings() if m.id == "django_convert.E010"]
