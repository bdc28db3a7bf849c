"""``manage.py demo``: migrate, create the demo admin, and run the server."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "demo-admin"  # a local demo account, printed for the user


class Command(BaseCommand):
    help = "Set up the demo database and run the development server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-server", action="store_true", help="Set up only.")

    def handle(self, *args: Any, addrport: str, no_server: bool, **options: Any) -> None:
        call_command("migrate", verbosity=0)
        User = get_user_model()
        if not User.objects.filter(username=ADMIN_USERNAME).exists():
            User.objects.create_superuser(ADMIN_USERNAME, password=ADMIN_PASSWORD)
        self.stdout.write(
            f"Demo admin: http://{addrport}/admin/  user {ADMIN_USERNAME!r} "
            f"password {ADMIN_PASSWORD!r}"
        )
        if not no_server:
            call_command("runserver", addrport)
