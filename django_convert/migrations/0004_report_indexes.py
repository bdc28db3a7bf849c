# The experiment report's index: visitors per variation of an experience over a date range.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("django_convert", "0003_project_config"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="bucketing",
            index=models.Index(
                fields=["experience_id", "first_seen", "variation_id"],
                name="django_convert_bucketed_range",
            ),
        ),
    ]
