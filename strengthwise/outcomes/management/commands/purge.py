"""`strengthwise purge --dry-run | --yes [--agency SLUG]`: delete the client records whose
programs' retention periods have passed (outcomes/retention.py has the rule)."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from strengthwise.accounts.models import Agency
from strengthwise.outcomes.retention import DueRecord, due_for_purge, purge


def acting_label(command: str) -> str:
    """Who ran the command, as the audit trail names a command-line actor."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return f"{command} ({who})"[:150]


class Command(BaseCommand):
    help = (
        "Delete the records of clients whose every episode closed longer ago than its "
        "program's retention period (Program.retention_years). --dry-run lists them (ids, "
        "programs and dates; no names); a real run needs --yes and writes one 'client.purged' "
        "event per record to the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be deleted; change nothing"
        )
        parser.add_argument("--yes", action="store_true", help="really delete (no undo)")
        parser.add_argument("--agency", help="only this agency (its short name)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"] and options["yes"]:
            raise CommandError("choose --dry-run or --yes, not both")
        if not options["dry_run"] and not options["yes"]:
            raise CommandError(
                "purging deletes client records for good: run with --dry-run to see what would "
                "go, then with --yes to delete it"
            )
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(slug=options["agency"]).first()
            if agency is None:
                raise CommandError(f"no agency with the short name {options['agency']!r}")
        due = due_for_purge(agency=agency)
        slugs = dict(Agency.objects.values_list("pk", "slug"))
        verbosity = options["verbosity"]
        if options["dry_run"]:
            if verbosity:
                self.stdout.write(
                    f"{'client':>8}  {'agency':<16}  {'closed on':<10}  {'due since':<10}  "
                    "program (kept years)"
                )
                for record in due:
                    self.stdout.write(self._line(record, slugs))
            self.stdout.write(
                f"{len(due)} client record(s) due for purge (dry run: nothing was deleted)"
            )
            return
        outcomes = purge(clients=due, acting_label=acting_label("purge"), dry_run=False)
        purged = [o for o in outcomes if o.purged]
        for outcome in outcomes:
            if outcome.purged and outcome.record is not None:
                if verbosity:
                    self.stdout.write(
                        f"purged {self._line(outcome.record, slugs).strip()}  "
                        f"[{outcome.total} rows]"
                    )
                if verbosity > 1:
                    for label, count in outcome.rows.items():
                        self.stdout.write(f"    {label:<40} {count:>7}")
            else:
                self.stdout.write(f"skipped client {outcome.client_id}: {outcome.skipped}")
        self.stdout.write(
            f"{len(purged)} client record(s) purged, "
            f"{sum(o.total for o in purged)} rows removed; "
            f"{len(outcomes) - len(purged)} skipped"
        )

    @staticmethod
    def _line(record: DueRecord, slugs: dict[int, str]) -> str:
        deciding = record.deciding
        ordered = sorted(record.episodes, key=lambda e: e is not deciding)  # deciding first
        programs = "; ".join(dict.fromkeys(f"{e.program} ({e.retention_years})" for e in ordered))
        merged = f"  +merged {', '.join(map(str, record.merged_ids))}" if record.merged_ids else ""
        return (
            f"{record.client_id:>8}  {slugs.get(record.agency_id, '?'):<16}  "
            f"{deciding.closed_on.isoformat():<10}  {record.due_since.isoformat():<10}  "
            f"{programs}{merged}"
        )
