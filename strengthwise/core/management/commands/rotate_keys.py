"""strengthwise rotate-keys [--dry-run] [--new-key]: re-seal sealed client data with the first
key of STRENGTHWISE_FIELD_KEYS (docs/operations.md "Field encryption")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strengthwise.core import crypto
from strengthwise.core.rotation import rotate


class Command(BaseCommand):
    help = "Re-seal every sealed value with the current field key and report which keys are used."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only report how many values each key sealed."
        )
        parser.add_argument(
            "--new-key",
            metavar="ID",
            help="Print a new key as ID:BASE64 to put first in STRENGTHWISE_FIELD_KEYS, and stop.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            try:
                crypto.parse_keys(crypto.new_key_spec(options["new_key"]))
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(crypto.new_key_spec(options["new_key"]))
            return
        try:
            current = crypto.current_key().id
        except ValueError as exc:
            raise CommandError(f"STRENGTHWISE_FIELD_KEYS: {exc}") from exc
        reports = rotate(dry_run=options["dry_run"])
        in_use: set[str] = set()
        for report in reports:
            found = ", ".join(f"{n} under {k}" for k, n in sorted(report.values_by_key.items()))
            line = f"{report.label}: {found or 'no values'}"
            if not options["dry_run"]:
                line += f"; {report.resealed_rows} rows re-sealed with key {current}"
            self.stdout.write(line)
            in_use |= set(report.values_by_key)
        if options["dry_run"]:
            old = sorted(in_use - {current})
            self.stdout.write(
                f"Values under other keys than {current}: {', '.join(old)}."
                if old
                else f"Every value is sealed with the current key {current}."
            )
            return
        left = sorted({k for report in reports for k in report.after} - {current})
        if left:
            # Written meanwhile by a process still sealing with an old key, pass after pass.
            raise CommandError(
                f"Values are still sealed with key(s) {', '.join(left)}: restart every app "
                "server and command with the new key first, then run rotate-keys again. Keep "
                "the old keys configured until then."
            )
        unused = [k.id for k in crypto.field_keys()[1:]]
        self.stdout.write(
            self.style.SUCCESS(
                f"Every value is now sealed with key {current}."
                + (f" Key(s) {', '.join(unused)} can be removed." if unused else "")
            )
        )
