"""The conversions statement's plan: each converting visitor's first exposure is looked up
by visitor, never by scanning the experience's exposures once per visitor.

SQLite without ANALYZE statistics chose the experience's range index for the join (the
demo's report page took 4.3 s, 2.2 s per run of the statement; 41 ms once looked up by
visitor). PostgreSQL's plan is set by ``set_postgresql_session``; this test pins SQLite's
(EXPLAIN QUERY PLAN), and tests/test_reports_queries.py checks the figures on every backend.
"""

from __future__ import annotations

import pytest
from django.db import connection

from django_convert.reports import queries
from tests.test_reports_queries import END, EXPERIENCE, GOAL, START

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's")
def test_sqlite_looks_the_first_exposure_up_by_visitor() -> None:
    ctes, params = queries.per_visitor_sql(connection, EXPERIENCE, GOAL, START, END)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN WITH {ctes} SELECT * FROM per", params)
        plan = [row[3] for row in cursor.fetchall()]
    exposure = [step for step in plan if step.startswith("SEARCH e ")]
    assert exposure, plan
    assert "(visitor_id=?)" in exposure[0], plan
    assert "django_convert_exposed_range" not in exposure[0], plan
