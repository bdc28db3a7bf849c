from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


# makemigrations checks the migration history of every database a router migrates to:
# all three of tests/settings.py (the shop's and the lagging replica's included).
@pytest.mark.django_db(databases=["default", "shop", "replica"])
def test_no_missing_migrations() -> None:
    out = StringIO()
    call_command("makemigrations", "django_convert", "--check", "--dry-run", stdout=out)
