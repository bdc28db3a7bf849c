import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("testapp", "0002_order_created_at")]

    operations = [
        migrations.CreateModel(
            name="GiftOrder",
            fields=[
                (
                    "order_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to="testapp.order",
                    ),
                ),
                ("message", models.CharField(blank=True, max_length=64)),
            ],
            bases=("testapp.order",),
        ),
    ]
