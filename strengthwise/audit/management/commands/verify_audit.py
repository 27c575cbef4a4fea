from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strengthwise.audit.verify import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exits non-zero naming the first broken entry."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(
                f"audit chain BROKEN after {report.entries} good entries: {report.problem}"
            )
        self.stdout.write(f"audit chain intact: {report.entries} entries")
