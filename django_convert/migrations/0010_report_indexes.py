# The experiment report's lookups on the first-exposure basis (issue 19, docs/report.rst):
# a conversion's visitor id -> the visitor's primary key, a guest id -> the account it was
# merged into, and the visitor's first exposure to the experience.
#
# On PostgreSQL the first two are covering indexes (INCLUDE), so 50,000 converting visitors
# are found by index-only scans (bench_report). They are made CONCURRENTLY: a deploy never
# locks the visitor or exposure table against the ingest's writes. On SQLite and MariaDB
# they are not needed: the unique visitor_id index already gives the primary key there
# (InnoDB's secondary indexes carry it), and the unique exposure index serves the lookup.

from django.db import migrations, models

POSTGRESQL_INDEXES = {
    "django_convert_visitor_key": (
        "django_convert_visitor",
        "(visitor_id) INCLUDE (id)",
    ),
    "django_convert_first_lookup": (
        "django_convert_exposure",
        "(visitor_id, experience_id) INCLUDE (is_first, first_seen, variation_id)",
    ),
}


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, columns) in POSTGRESQL_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {columns}"
        )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in POSTGRESQL_INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("django_convert", "0009_identity_key"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="mergedid",
            index=models.Index(fields=["merged_id"], name="django_convert_merged_guest"),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
