"""`strengthwise export-hsds DIR`: write the directory as Open Referral HSDS 3.0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strengthwise.directory.hsds import export, validate


class Command(BaseCommand):
    help = (
        "Write the directory to DIR as an HSDS 3.0 data package (datapackage.json and one CSV "
        "per table) and as services.json (every service, fully nested), then check both "
        "against the official schemas."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("dir", help="folder to write (created if missing)")
        parser.add_argument(
            "--no-check", action="store_true", help="do not validate what was written"
        )

    def handle(self, *args: Any, dir: str, no_check: bool, **options: Any) -> None:
        out = Path(dir)
        if out.exists() and not out.is_dir():
            raise CommandError(f"{dir} exists and is not a folder")
        result = export(out)
        for name, count in result.files.items():
            unit = "tables" if name == "datapackage.json" else "records"
            self.stdout.write(f"wrote {out / name}: {count} {unit}")
        if no_check:
            return
        problems = [p for target in (out, out / "services.json") for p in validate(target)[1]]
        if problems:
            for problem in problems:
                self.stderr.write(f"{problem.where}\t{problem.field or '-'}\t{problem.reason}")
            raise CommandError(
                f"the export does not validate: {len(problems)} problems (the files are written; "
                "fix the directory data and export again)"
            )
        self.stdout.write("both validate against the HSDS 3.0 schemas")
