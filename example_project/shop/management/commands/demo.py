"""``manage.py demo``: migrate, seed products and the demo admin, and run the server."""

import os
from decimal import Decimal
from typing import Any

from convert_standin.seed import seed_project_config
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from django_convert.models import Bucketing
from shop.models import Product

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "demo-admin"  # a local demo account, printed for the user
PRODUCTS = [
    ("Espresso beans, 1 kg", Decimal("24.90")),
    ("Pour-over kettle", Decimal("59.00")),
    ("Ceramic mug", Decimal("12.50")),
]


class Command(BaseCommand):
    help = "Set up the demo database (products, admin account) and run the development server."
    # runserver runs the system checks itself (skip_checks=False below), in the process
    # that serves: checking here too would print every message twice.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-server", action="store_true", help="Set up only.")
        parser.add_argument("--noreload", action="store_true", help="Run without the autoreloader.")

    def handle(
        self, *args: Any, addrport: str, no_server: bool, noreload: bool, **options: Any
    ) -> None:
        # Under the autoreloader this command runs again in runserver's child process:
        # only the first run sets up and prints.
        if os.environ.get("RUN_MAIN") != "true":
            self.set_up(addrport)
        if not no_server:
            base = f"http://{addrport}"
            # runserver's autoreloader starts a child process: it reads this from the env.
            os.environ["DEMO_BASE_URL"] = base
            if settings.DEMO_MODE:  # this process too (--noreload): settings are loaded already
                settings.DJANGO_CONVERT["TRACKING_URL"] = f"{base}/demo-convert/v1/track"
                settings.DJANGO_CONVERT["CONFIG_URL"] = f"{base}/demo-convert"
            call_command("runserver", addrport, use_reloader=not noreload, skip_checks=False)

    def set_up(self, addrport: str) -> None:
        call_command("migrate", verbosity=0)
        seed_project_config()  # names in the admin from the first page view
        # A fresh demo database gets made-up traffic for the experiment report; a live
        # Convert account never does.
        if settings.DEMO_MODE and not Bucketing.objects.exists():
            call_command("seed_demo", stdout=self.stdout)
        for name, price in PRODUCTS:
            Product.objects.get_or_create(name=name, defaults={"price": price})
        User = get_user_model()
        if not User.objects.filter(username=ADMIN_USERNAME).exists():
            User.objects.create_superuser(ADMIN_USERNAME, password=ADMIN_PASSWORD)
        base = f"http://{addrport}"
        mode = "demo mode (local Convert stand-ins)" if settings.DEMO_MODE else "live Convert"
        self.stdout.write(
            f"django-convert demo shop, {mode}\n"
            f"  shop:  {base}/\n"
            f"  admin: {base}/admin/  user {ADMIN_USERNAME!r}, password {ADMIN_PASSWORD!r}\n"
            f"  experiment reports: {base}/admin/django_convert/bucketing/report/\n"
            "Visit the shop, buy something, then look at Convert > Conversions in the admin."
        )
