from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strengthwise.accounts.models import User
from strengthwise.accounts.services import api_token_create


class Command(BaseCommand):
    help = "API tokens: `token create USERNAME [--name NAME]` prints a new bearer token."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for USERNAME and print it once.")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        token = api_token_create(acting_user=None, user=user, name=options["name"])
        self.stdout.write(token)
