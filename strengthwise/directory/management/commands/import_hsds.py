"""`strengthwise import-hsds PATH`: import an Open Referral HSDS 3.0 file into the directory."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import Progress

from strengthwise.directory.hsds import Problem, import_path, validate
from strengthwise.directory.hsds import Progress as ProgressFn

# From this size on, show progress even when stdout is not a terminal (a log then gets the
# final state of each stage).
LARGE = 5 * 1024 * 1024


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    return path.stat().st_size


class Command(BaseCommand):
    help = (
        "Import an HSDS 3.0 JSON file or CSV data package folder into the directory. Every "
        "record is checked first; if anything is wrong, nothing is written and the problems are "
        "listed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="an HSDS JSON file, or a folder holding the CSV files")
        parser.add_argument(
            "--check", action="store_true", help="only validate and report; write nothing"
        )

    def handle(self, *args: Any, path: str, check: bool, **options: Any) -> None:
        target = Path(path)
        if not target.exists():
            raise CommandError(f"No such file or folder: {path}")
        with self._progress(self.stdout.isatty() or _size(target) >= LARGE) as progress:
            if check:
                records, problems = validate(target, progress=progress)
                warnings, ignored = records.warnings, records.ignored()
            else:
                result = import_path(target, progress=progress)
                problems, warnings, ignored = result.problems, result.warnings, result.ignored
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")
        if problems:
            self._report(problems)
            raise CommandError(
                f"{target.name}: {len(problems)} problem{'s' if len(problems) != 1 else ''}; "
                "nothing was imported."
            )
        if ignored:
            kept_out = ", ".join(f"{n} {table}" for table, n in ignored.items())
            self.stdout.write(f"not kept (the directory has no table for them): {kept_out}")
        if check:
            self.stdout.write(f"{target.name}: valid, {records.count()} records")
        else:
            self.stdout.write(
                f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}"
            )

    def _report(self, problems: list[Problem]) -> None:
        """One line per problem (where, field, reason), then the total, on stderr."""
        for problem in problems:
            self.stderr.write(f"{problem.where}\t{problem.field or '-'}\t{problem.reason}")
        self.stderr.write(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in total")

    @contextmanager
    def _progress(self, show: bool) -> Iterator[ProgressFn | None]:
        if not show:
            yield None
            return
        # Rich writes partial lines and cursor moves: give it the real stream, not Django's
        # line-based wrapper.
        console = Console(file=getattr(self.stdout, "_out", sys.stdout))
        tasks: dict[str, Any] = {}
        with Progress(console=console, transient=False) as bar:

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage.capitalize(), total=total)
                bar.update(tasks[stage], completed=done, total=total)

            yield report
