"""`strengthwise report NAME --program P --from D --to D --format csv|xlsx|json`: a report's
figures for an agency, de-identified (as a program manager sees them)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from strengthwise.accounts.models import Agency, Program
from strengthwise.outcomes import exports, measures, reports, serialize


class Command(BaseCommand):
    help = "Print or write one report (or 'all') as CSV, XLSX or JSON, de-identified."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help=f"one of: all, {', '.join(serialize.NAMES)}")
        parser.add_argument("--agency", help="agency short name (default: the only agency)")
        parser.add_argument("--program", help="program id or name")
        parser.add_argument("--from", dest="start", help="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="YYYY-MM-DD")
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        parser.add_argument(
            "--output", help="file to write (default: standard output; xlsx needs it)"
        )

    def handle(self, *args: Any, **o: Any) -> None:
        name = o["name"]
        if name != "all" and name not in serialize.NAMES:
            raise CommandError(
                f"unknown report {name!r}; choose all or one of {', '.join(serialize.NAMES)}"
            )
        agencies = Agency.objects.all()
        if o["agency"]:
            agencies = agencies.filter(slug=o["agency"])
        if agencies.count() != 1:
            raise CommandError("name the agency with --agency (its short name)")
        agency = agencies.get()
        program_id = None
        program_name = "All"
        if o["program"]:
            programs = Program.objects.filter(agency=agency)
            program = (
                programs.filter(pk=int(o["program"])).first()
                if str(o["program"]).isdigit()
                else programs.filter(name__iexact=o["program"]).first()
            )
            if program is None:
                raise CommandError(f"no program {o['program']!r} in {agency.name}")
            program_id = program.pk
            program_name = program.name
        try:
            start = dt.date.fromisoformat(o["start"]) if o["start"] else None
            end = dt.date.fromisoformat(o["end"]) if o["end"] else None
            scope = measures.Scope(agency_id=agency.pk, program_id=program_id, start=start, end=end)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        # As a program manager sees it: suppressed, no free text, no client ids.
        report = reports.build(scope, deidentified=True)
        result = report.figures
        if o["format"] == "json":
            body = serialize.report_body(result, name, deidentified=True)
            self._write(o["output"], json.dumps(body, indent=2, ensure_ascii=False).encode())
            return
        tables = [*report.tables, *reports.advocacy_tables(result)]
        wanted = (
            tables
            if name == "all"
            else [
                t
                for t in tables
                if t.key == name
                or (
                    name == "advocacy"
                    and t.key in ("macro_barriers", "capacity_gaps", "unmet_needs")
                )
            ]
        )
        if not wanted:
            raise CommandError(f"the {name} report has no table form; use --format json")
        # What the figures cover, under every table, as the page's exports say it.
        context = [
            *reports.coverage_lines(
                [("Agency", agency.name), ("Program", program_name)],
                start,
                end,
                timezone.localdate(),
            ),
            *[n for n in [reports.as_of_note(report.as_of)] if n],
        ]
        if o["format"] == "xlsx":
            if not o["output"]:
                raise CommandError("--format xlsx needs --output FILE")
            self._write(o["output"], exports.to_xlsx(wanted, context))
            return
        text = "\n".join(exports.to_csv(t, context) for t in wanted)
        # A file gets the byte-order mark Excel needs; a pipe gets plain UTF-8.
        self._write(o["output"], exports.csv_bytes(text) if o["output"] else text.encode())

    def _write(self, path: str | None, data: bytes) -> None:
        if path:
            Path(path).write_bytes(data)
            self.stdout.write(f"wrote {path} ({len(data)} bytes)")
        else:
            sys.stdout.buffer.write(data)
