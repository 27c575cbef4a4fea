from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from strengthwise.accounts.models import Agency
from strengthwise.people.personas import DEMO_PASSWORD

SIGN_INS = [
    ("alice", "case worker, Housing Stability — owns Dana Whitfield's case"),
    ("bob", "supervisor of Housing Stability and Family Support"),
    ("carol", "case worker, Family Support — cannot see Dana"),
    ("priya", "program manager — de-identified reports"),
    ("admin", "agency admin — /admin/"),
    ("mallory", "case worker at Eastgate Outreach, another agency"),
]
# The client portal (/portal/): a client's own sign-in, never a staff account.
PORTAL_SIGN_INS = [
    ("dana", "Dana Whitfield, in the portal at /portal/ (English)"),
    ("rosa", "Rosa Hernández, in the portal at /portal/ (Spanish)"),
]


class Command(BaseCommand):
    help = "Migrate, load the demo agency if the database is empty, print the sign-ins and serve."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Load and print, then stop.")
        parser.add_argument("--clients", type=int, default=300)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(
        self, *args: Any, no_serve: bool, clients: int, host: str, port: int, **options: Any
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if Agency.objects.exists():
            self.stdout.write(
                "The database already holds data; the demo agency was not loaded again."
            )
        else:
            self.stdout.write("Loading the demo agency (River City Community Services)…")
            for path in settings.STRENGTHWISE_DEMO_LOADERS:
                import_string(path)(clients=clients)  # each app's loader takes the same options
            self.stdout.write(self.style.SUCCESS("Demo agency loaded."))
        self.stdout.write("")
        self.stdout.write(
            f"Sign in at http://{host}:{port}/ — every demo password is: {DEMO_PASSWORD}"
        )
        for username, what in SIGN_INS:
            self.stdout.write(f"  {username:<8} {what}")
        for username, what in PORTAL_SIGN_INS:
            self.stdout.write(f"  {username:<8} {what}")
        self.stdout.write("")
        if not no_serve:
            # The demo's sign-ins are the printed password alone; a real server asks every
            # staff member for a second factor (settings.STRENGTHWISE_REQUIRE_SECOND_FACTOR).
            os.environ["STRENGTHWISE_DEMO"] = "1"
            self.stdout.write(
                "Second factor: optional in the demo (Account security sets one up); "
                "a real server requires it."
            )
            call_command("serve", host=host, port=port)
