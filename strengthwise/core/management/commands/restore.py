from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from strengthwise.core.backup import BackupError, restore
from strengthwise.core.management.commands.backup import report


class Command(BaseCommand):
    help = (
        "Restore the database from a backup made by `strengthwise backup`, then verify it "
        "(integrity, row counts, audit chain). Stop the app servers first. Refuses to replace "
        "a database that holds data unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the backup file")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the database even though it holds data (back it up first)",
        )
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcome = restore(options["path"], using=options["database"], force=options["force"])
        except (BackupError, DatabaseError) as error:
            raise CommandError(f"restore FAILED: {error}") from error
        self.stdout.write(f"restored from {outcome.path} and verified")
        report(self, outcome, options["verbosity"])
