# Delivery outcomes (issue 17): why the last attempt did not deliver, how many
# attempts of a conversion had an unknown outcome, and hourly tallies for health.
#
# Existing rows: "failed" used to mean "gave up after MAX_ATTEMPTS retryable errors" as
# well as "refused by Convert". Now only Convert's refusal ends a conversion early;
# retryable errors are retried for RETRY_DAYS. Rows that gave up on retryable errors
# within that time are pending again (due now); rows Convert refused get the reason
# "rejected".

from datetime import timedelta
from typing import Any

from django.db import migrations, models
from django.utils import timezone

GAVE_UP = "Gave up after "  # the old last_error of a row out of MAX_ATTEMPTS


def requeue_retryable_failures(apps: Any, schema_editor: Any) -> None:
    from django_convert.conf import get_setting

    Conversion = apps.get_model("django_convert", "Conversion")
    rows = Conversion.objects.using(schema_editor.connection.alias)
    since = timezone.now() - timedelta(days=float(get_setting("RETRY_DAYS")))
    gave_up = rows.filter(status="failed", last_error__startswith=GAVE_UP)
    gave_up.filter(created_at__gte=since).update(
        status="pending",
        next_attempt_at=timezone.now(),
        retry_reason="unavailable",
        failing_since=models.F("created_at"),
    )
    gave_up.update(retry_reason="expired")
    rows.filter(status="failed", retry_reason="").update(retry_reason="rejected")


def fail_requeued_again(apps: Any, schema_editor: Any) -> None:
    pass  # the rows stay pending: the old code sends them as it sends any pending row


class Migration(migrations.Migration):

    dependencies = [
        ('django_convert', '0007_conversion_source_object'),
    ]

    operations = [

        migrations.AddField(
            model_name='conversion',
            name='unknown_outcomes',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='conversion',
            name='failing_since',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='conversion',
            name='retry_reason',
            field=models.CharField(blank=True, default='', max_length=16),
        ),
        migrations.CreateModel(
            name='DeliveryTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('outbox', models.CharField(default='convert', max_length=32)),
                ('hour', models.DateTimeField()),
                ('event', models.CharField(max_length=48)),
                ('conversions', models.PositiveIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'delivery tally',
                'verbose_name_plural': 'delivery tallies',
                'constraints': [models.UniqueConstraint(fields=('outbox', 'hour', 'event'), name='django_convert_one_tally_per_hour')],
            },
        ),
        migrations.RunPython(requeue_retryable_failures, fail_requeued_again, elidable=True),
    ]
