"""`strengthwise legal-hold place ID --reason TEXT | release ID | list`: keep a client's record
from being purged while a court case, an audit or a records request needs it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from strengthwise.accounts.models import Agency
from strengthwise.core.errors import DomainError
from strengthwise.outcomes.retention import (
    retention_hold_place,
    retention_hold_release,
    retention_holds,
)

from .purge import acting_label


class Command(BaseCommand):
    help = (
        "Legal holds: `legal-hold place CLIENT_ID --reason TEXT` keeps the record from "
        "`strengthwise purge` whatever the retention periods say; `legal-hold release "
        "CLIENT_ID` lifts it; `legal-hold list [--agency SLUG]` shows the holds in force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        place = sub.add_parser("place", help="Hold a client's record.")
        place.add_argument("client_id", type=int)
        place.add_argument("--reason", required=True, help="e.g. the case or request reference")
        release = sub.add_parser("release", help="Lift the hold on a client's record.")
        release.add_argument("client_id", type=int)
        listing = sub.add_parser("list", help="Holds in force.")
        listing.add_argument("--agency", help="only this agency (its short name)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        label = acting_label("legal-hold")
        try:
            if action == "place":
                hold = retention_hold_place(
                    client_id=options["client_id"], reason=options["reason"], acting_label=label
                )
                self.stdout.write(f"Client record {hold.client_id} is on legal hold.")
            elif action == "release":
                count = retention_hold_release(client_id=options["client_id"], acting_label=label)
                self.stdout.write(
                    f"Lifted {count} hold(s) on client record {options['client_id']}."
                )
            else:
                agency = None
                if options.get("agency"):
                    agency = Agency.objects.filter(slug=options["agency"]).first()
                    if agency is None:
                        raise CommandError(f"no agency with the short name {options['agency']!r}")
                self.stdout.write(f"{'client':>8}  {'since':<10}  {'placed by':<24}  reason")
                for hold in retention_holds(agency=agency):
                    self.stdout.write(
                        f"{hold.client_id:>8}  {hold.placed_at:%Y-%m-%d}  "
                        f"{hold.placed_by[:24]:<24}  {hold.reason}"
                    )
        except DomainError as error:
            raise CommandError(error.message) from error
