from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from strengthwise.core.backup import BackupError, Outcome, backup


def report(command: BaseCommand, outcome: Outcome, verbosity: int) -> None:
    """The checks that passed, then the row counts (non-empty tables; all with -v 2, only the
    total with -v 0)."""
    for line in outcome.checks:
        command.stdout.write(f"  ok  {line}")
    shown = {t: n for t, n in outcome.counts.items() if verbosity and (n or verbosity > 1)}
    width = max((len(t) for t in shown), default=0)
    for table, rows in shown.items():
        command.stdout.write(f"  {table:<{width}}  {rows:>9}")
    command.stdout.write(f"  {len(outcome.counts)} tables, {outcome.rows} rows")


class Command(BaseCommand):
    help = (
        "Back up the database to PATH (created 0600) and verify the copy: SQLite integrity, "
        "row counts and the audit chain; PostgreSQL pg_dump -Fc checked with pg_restore --list."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the backup file to write (replaced if it exists)")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcome = backup(options["path"], using=options["database"])
        except (BackupError, DatabaseError) as error:
            raise CommandError(f"backup FAILED: {error}") from error
        self.stdout.write(f"backup written and verified: {outcome.path}")
        report(self, outcome, options["verbosity"])
