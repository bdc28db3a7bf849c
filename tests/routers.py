"""A router for the second-database tests: the shop's models (the test app) in "shop".

Off unless a test sets ``TEST_SHOP_DATABASE``, ``TEST_OUTBOX_DATABASE`` or
``TEST_READ_DATABASE`` (override_settings): the rest of the suite
keeps one database. django_convert is never migrated into "shop", as in a project whose
router keeps the shop apart from everything else.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


class ShopRouter:
    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        shop = getattr(settings, "TEST_SHOP_DATABASE", None)
        if shop and model._meta.app_label == "testapp":
            return str(shop)
        outbox = getattr(settings, "TEST_OUTBOX_DATABASE", None)
        if outbox and model._meta.app_label == "django_convert":
            return str(outbox)
        return None

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        # TEST_READ_DATABASE plays a lagging replica for the shop's reads.
        replica = getattr(settings, "TEST_READ_DATABASE", None)
        if replica and model._meta.app_label == "testapp":
            return str(replica)
        return self.db_for_write(model, **hints)

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == "shop":
            return app_label != "django_convert"
        return None
