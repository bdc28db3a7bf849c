"""Delivery with Django's primary/replica router: the outbox is read and written only on
``router.db_for_write(Conversion)``. The "replica" alias is a database that never sees
the primary's writes, as a replica lagging behind does."""

from __future__ import annotations

import time
from typing import Any

import pytest

from django_convert.delivery.deliver import deliver_conversions, deliver_due
from django_convert.delivery.health import delivery_health
from django_convert.delivery.worker import seconds_until_next_due
from django_convert.models import Conversion
from tests.fixtures_convert import make_conversions

pytestmark = pytest.mark.django_db(databases=["default", "replica"], transaction=True)


class LaggingReplicaRouter:
    """Django's documented primary/replica router, with a replica that lags forever."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return "replica"

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return True


@pytest.fixture
def replica_router(settings: Any) -> None:
    settings.DATABASE_ROUTERS = [f"{__name__}.LaggingReplicaRouter"]


def primary() -> Any:
    return Conversion.objects.using("default")


def test_deliver_due_claims_and_reads_back_on_the_primary(
    replica_router, convert_server, caplog
) -> None:
    make_conversions(3)
    assert not Conversion.objects.exists()  # plain reads go to the lagging replica
    report = deliver_due()
    assert (report.claimed, report.sent) == (3, 3)
    assert sorted(convert_server.accepted_transaction_ids()) == ["ORDER-0", "ORDER-1", "ORDER-2"]
    assert list(primary().order_by().values_list("status", "attempts").distinct()) == [("sent", 1)]
    assert "read back only" not in caplog.text


def test_immediate_delivery_and_retries_stay_on_the_primary(
    replica_router, convert_server, convert_settings
) -> None:
    convert_settings(RETRY_BASE_DELAY=0.01, RETRY_MAX_DELAY=0.01)
    convert_server.fail(503)
    [row] = make_conversions(1)
    report = deliver_conversions([row.pk])
    assert report.retried == 1
    time.sleep(0.05)
    report = deliver_due()
    assert report.sent == 1
    assert primary().get().status == "sent"


def test_failed_and_health_are_read_on_the_primary(
    replica_router, convert_server, convert_settings
) -> None:
    convert_server.reject(400, times=None)
    make_conversions(1)
    assert deliver_due().failed == 1
    health = delivery_health()
    assert health.failed_recently == 1  # not 0 from the replica
    assert not health.ok


def test_the_worker_sleeps_by_what_the_primary_holds(replica_router, convert_settings) -> None:
    convert_settings(POLL_SECONDS=30.0)
    make_conversions(1)  # due now, on the primary only
    assert seconds_until_next_due() < 1.0
