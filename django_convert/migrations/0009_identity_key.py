"""Visitor.key_issued: whether a browser proved it holds the id (identity.proof).

Existing rows stay False, which is what they are: no browser holds a key for them yet. The
next post of the browser that holds such an id claims it once and gets its key.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("django_convert", "0008_delivery_outcomes"),
    ]

    operations = [
        migrations.AddField(
            model_name="visitor",
            name="key_issued",
            field=models.BooleanField(default=False, editable=False, verbose_name="key issued"),
        ),
    ]
