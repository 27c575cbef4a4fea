from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from strengthwise.audit.keys import legacy_key, legacy_key_hint
from strengthwise.audit.verify import anchor_check, anchor_parse, audit_chain_verify


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain; exits non-zero naming the first broken entry. "
        "--anchor prints the head (SEQ:HASH) to keep elsewhere; --against SEQ:HASH also proves "
        "the trail up to that anchor was not rewritten."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            action="store_true",
            help="after verifying, print only the head as one line SEQ:HASH (keep it elsewhere)",
        )
        parser.add_argument(
            "--against",
            metavar="SEQ:HASH",
            help="an anchor printed earlier: the entry at SEQ must still have HASH",
        )
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        against = options["against"]
        if against is not None:
            try:
                anchor_parse(against)
            except ValueError as error:
                raise CommandError(str(error)) from error
        report = audit_chain_verify(using=using)
        if not report.ok:
            message = f"audit chain BROKEN after {report.entries} good entries: {report.problem}"
            if (
                report.entries == 0
                and audit_chain_verify(using=using, key=legacy_key().encode()).ok
            ):
                message += (
                    "\nThe whole trail verifies with the key derived from SECRET_KEY, which "
                    "Strengthwise used before the audit key was kept apart: this database was "
                    "made before that change. Keep using that key: " + legacy_key_hint()
                )
            raise CommandError(message)
        if against is not None:
            problem = anchor_check(against, using=using)
            if problem:
                raise CommandError(
                    f"audit chain does NOT match the anchor {against.strip()}: {problem}"
                )
        if options["anchor"]:
            self.stdout.write(report.anchor)
            return
        self.stdout.write(f"audit chain intact: {report.entries} entries")
        if against is not None:
            seq = anchor_parse(against)[0]
            self.stdout.write(f"and unchanged up to the anchor #{seq}")
