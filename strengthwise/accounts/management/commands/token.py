from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strengthwise.accounts.models import User
from strengthwise.accounts.services import (
    TOKEN_DAYS,
    api_token_create,
    api_token_revoke,
    api_tokens,
)
from strengthwise.core.errors import DomainError


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = (
        "API tokens: `token create USERNAME [--name NAME] [--days N]` prints a new bearer token "
        "once; `token list [USERNAME]` shows tokens (never their secrets); `token revoke PREFIX` "
        "stops one at once."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for USERNAME and print it once.")
        create.add_argument("username")
        create.add_argument("--name", default="cli")
        create.add_argument("--days", type=int, default=TOKEN_DAYS, help="1 to 365 (default 90)")
        listing = sub.add_parser("list", help="Tokens of USERNAME, or of everyone.")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Revoke the token with this prefix (see list).")
        revoke.add_argument("prefix")

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        return user

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "create":
                user = self._user(options["username"])
                token = api_token_create(
                    acting_user=None, user=user, name=options["name"], days=options["days"]
                )
                self.stdout.write(token)
            elif action == "list":
                owner = self._user(options["username"]) if options.get("username") else None
                self.stdout.write(
                    "prefix      user          name          created           "
                    "last used         expires           revoked"
                )
                for row in api_tokens(user=owner):
                    self.stdout.write(
                        f"{row.prefix:<11} {row.user.username:<13} {row.name[:13]:<13} "
                        f"{_when(row.created_at):<17} {_when(row.last_used_at):<17} "
                        f"{_when(row.expires_at):<17} {_when(row.revoked_at)}"
                    )
            else:
                row = api_token_revoke(acting_user=None, prefix=options["prefix"])
                self.stdout.write(f"Revoked {row.prefix}… of {row.user.username}.")
        except DomainError as error:
            raise CommandError(error.message) from error
