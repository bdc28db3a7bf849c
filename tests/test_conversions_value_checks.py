"""Rules that resolve but can never fire or carry their amount (E120-E122, W122), and
DELIVERY="celery" without the project's Celery app (E125). Message, id and hint of each."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import weakref
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django.test.utils import isolate_apps

from django_convert.checks import check_conversion_rules, check_delivery
from django_convert.conversions import ConversionRule, register_rule, unregister_rule
from tests.fixtures_conversions import ORDER_RULE

GOAL = "100037225"


def messages_of(convert_settings: Any, rule: dict[str, Any]) -> dict[str, Any]:
    convert_settings(CONVERSIONS=[rule])
    return {message.id: message for message in check_conversion_rules()}


@pytest.fixture
def shop_order() -> Any:
    """An order model as shops write them: a status with choices, a text number."""
    with isolate_apps("tests.testapp"):

        class ShopOrder(models.Model):
            class Status(models.TextChoices):
                PENDING = "pending", "Pending"
                PAID = "paid", "Paid"
                SHIPPED = "shipped", "Shipped"

            number = models.CharField(max_length=32)
            status = models.CharField(max_length=16, choices=Status.choices)
            priority = models.IntegerField(choices=[(1, "low"), (2, "high")], default=1)
            paid = models.BooleanField(default=False)
            total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
            items = models.PositiveIntegerField(default=0)
            weight = models.FloatField(default=0)
            total_text = models.CharField(max_length=16, blank=True)
            placed_at = models.DateTimeField(null=True)
            user = models.ForeignKey(get_user_model(), null=True, on_delete=models.SET_NULL)

            class Meta:
                app_label = "testapp"

            @property
            def grand_total(self) -> Decimal:
                return self.total

        yield ShopOrder


def rule(model: Any, **changes: Any) -> dict[str, Any]:
    return {"model": model, "goal_id": GOAL, "visitor": "user", **changes}


def test_the_contract_rule_still_passes(convert_settings) -> None:
    assert messages_of(convert_settings, ORDER_RULE) == {}


def test_when_value_outside_the_fields_choices(convert_settings, shop_order) -> None:
    found = messages_of(convert_settings, rule(shop_order, when={"status": "payed"}))
    message = found["django_convert.E120"]
    assert message.msg == (
        "DJANGO_CONVERT['CONVERSIONS'][0]: when {'status': 'payed'} never matches: 'payed' is "
        "not one of the choices of testapp.ShopOrder.status ('pending', 'paid', 'shipped')."
    )
    assert message.hint == (
        "Did you mean 'paid'? Use the stored value of a choice (its first element), not its label."
    )


def test_a_choice_label_is_not_its_value(convert_settings, shop_order) -> None:
    found = messages_of(convert_settings, rule(shop_order, when={"status": "Paid"}))
    assert "not one of the choices" in found["django_convert.E120"].msg


def test_when_values_that_match(convert_settings, shop_order) -> None:
    when = {
        "status": shop_order.Status.PAID,
        "priority": 2,
        "paid": True,
        "total": Decimal("10.00"),
        "placed_at": None,
        "user.username": "anything",  # through a relation, a text field
    }
    assert messages_of(convert_settings, rule(shop_order, when=when)) == {}
    assert messages_of(convert_settings, rule(shop_order, when={"status": "paid"})) == {}


@pytest.mark.parametrize(
    ("when", "field_type"),
    [
        ({"priority": "2"}, "IntegerField"),
        ({"paid": "true"}, "BooleanField"),
        ({"number": 1234}, "CharField"),
        ({"total": "10.00"}, "DecimalField"),
    ],
)
def test_when_value_of_a_type_the_field_never_holds(
    convert_settings, shop_order, when, field_type
) -> None:
    [(path, value)] = when.items()
    message = messages_of(convert_settings, rule(shop_order, when=when))["django_convert.E121"]
    assert message.msg.startswith(
        f"DJANGO_CONVERT['CONVERSIONS'][0]: when {{{path!r}: {value!r}}} never matches: "
        f"testapp.ShopOrder.{path} is a {field_type}, "
    )
    assert message.hint.startswith("Write the value as the field holds it after a save: ")


def test_amount_on_a_text_field_warns(convert_settings, shop_order) -> None:
    message = messages_of(convert_settings, rule(shop_order, amount="number"))[
        "django_convert.W122"
    ]
    assert message.msg == (
        "DJANGO_CONVERT['CONVERSIONS'][0]: amount path 'number' leads to text "
        "(testapp.ShopOrder.number is a CharField): each conversion whose text is not a number "
        'such as "49.90" is recorded without its amount.'
    )
    assert "Point amount at a numeric field" in message.hint
    assert '"django_convert.W122" to SILENCED_SYSTEM_CHECKS' in message.hint


@pytest.mark.parametrize(
    ("key", "path", "field_type"),
    [
        ("amount", "placed_at", "DateTimeField"),
        ("amount", "paid", "BooleanField"),
        ("amount", "status", "CharField"),  # text with choices: never a number
        ("products_count", "total", "DecimalField"),
        ("products_count", "weight", "FloatField"),
    ],
)
def test_number_paths_to_fields_that_never_hold_one(
    convert_settings, shop_order, key, path, field_type
) -> None:
    message = messages_of(convert_settings, rule(shop_order, **{key: path}))["django_convert.E122"]
    kind = "a number" if key == "amount" else "a whole number"
    assert message.msg == (
        f"DJANGO_CONVERT['CONVERSIONS'][0]: {key} path {path!r} leads to "
        f"testapp.ShopOrder.{path}, a {field_type}, which never holds {kind}: every "
        f"conversion would be recorded without its {key}."
    )
    assert message.hint.startswith(f"Point {key} at a numeric field")


def test_number_paths_that_work(convert_settings, shop_order) -> None:
    for changes in (
        {"amount": "total", "products_count": "items"},
        {"amount": "weight"},
        {"amount": "grand_total"},  # a property: judged at save time
        {"amount": "user.id"},
    ):
        assert messages_of(convert_settings, rule(shop_order, **changes)) == {}


def test_code_rules_are_checked_too(convert_settings) -> None:
    class CountedByNumber(ConversionRule):
        model = "testapp.Order"
        goal_id = GOAL
        visitor = "user"
        amount = "total"
        products_count = "number"

    register_rule(CountedByNumber)
    try:
        convert_settings(CONVERSIONS=[])
        [message] = check_conversion_rules()
    finally:
        unregister_rule(CountedByNumber)
    assert message.id == "django_convert.W122"
    assert "products_count path 'number' leads to text (testapp.Order.number" in message.msg


# DELIVERY="celery" without the project's Celery app ----------------------------------------


def test_celery_delivery_without_a_celery_app(convert_settings, monkeypatch) -> None:
    pytest.importorskip("celery")
    from celery import _state

    # A process where only Celery's own fallback app exists (nothing created the project's).
    monkeypatch.setattr(_state, "default_app", None)
    monkeypatch.setattr(_state, "_apps", weakref.WeakSet())
    convert_settings(DELIVERY="celery")
    [message] = check_delivery()
    assert message.id == "django_convert.E125"
    assert message.msg == (
        "DJANGO_CONVERT['DELIVERY'] is 'celery' but no Celery app of this project is loaded "
        "with Django: the web process would publish deliveries to Celery's default broker "
        "(amqp://guest@localhost//), where no worker listens."
    )
    assert "proj/celery.py" in message.hint
    assert '"from .celery import app as celery_app"' in message.hint


def run_check(project: Path, settings_body: str) -> subprocess.CompletedProcess[str]:
    (project / "proj").mkdir(exist_ok=True)
    (project / "proj" / "settings.py").write_text(textwrap.dedent(settings_body))
    return subprocess.run(
        [sys.executable, "-m", "django", "check"],
        cwd=project,
        env={"DJANGO_SETTINGS_MODULE": "proj.settings", "PYTHONPATH": str(project), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )


SETTINGS = """
    SECRET_KEY = "x"
    INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes",
                      "rest_framework", "django_convert"]
    MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
                  "django.contrib.auth.middleware.AuthenticationMiddleware",
                  "django_convert.middleware.ConvertVisitorMiddleware"]
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    ROOT_URLCONF = "proj.urls"
    DJANGO_CONVERT = {"ACCOUNT_ID": "1", "PROJECT_ID": "2", "DELIVERY": "celery"}
    CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
"""


def test_manage_py_check_in_a_project_with_and_without_its_celery_app(tmp_path) -> None:
    pytest.importorskip("celery")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "urls.py").write_text(
        "from django.urls import include, path\n"
        'urlpatterns = [path("convert/", include("django_convert.urls"))]\n'
    )
    (tmp_path / "proj" / "__init__.py").write_text("")
    done = run_check(tmp_path, SETTINGS)
    assert done.returncode == 1
    assert "django_convert.E125" in done.stderr
    # Celery's Django guide: the app in proj/celery.py, imported by the package.
    (tmp_path / "proj" / "celery.py").write_text(
        "from celery import Celery\n"
        'app = Celery("proj")\n'
        'app.config_from_object("django.conf:settings", namespace="CELERY")\n'
    )
    (tmp_path / "proj" / "__init__.py").write_text("from .celery import app as celery_app\n")
    done = run_check(tmp_path, SETTINGS)
    assert "django_convert.E125" not in done.stderr + done.stdout
    assert done.returncode == 0, done.stderr
