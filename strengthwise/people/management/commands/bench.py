from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.module_loading import import_string
from rich.console import Console
from rich.table import Table

from strengthwise.accounts.services import api_token_create
from strengthwise.people.models import Client


class Command(BaseCommand):
    help = (
        "Time the everyday pages and API calls against the current database (p50/p95 and "
        "queries per request). Each app lists its scenarios in settings.STRENGTHWISE_BENCH_SCENARIOS."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument(
            "--write", metavar="PATH", help="also append the table, as Markdown, to PATH"
        )

    def handle(self, *args: Any, runs: int, write: str | None, **options: Any) -> None:
        scenarios = [
            s for path in settings.STRENGTHWISE_BENCH_SCENARIOS for s in import_string(path)()
        ]
        if not scenarios:
            raise CommandError("No scenarios: load data first (`strengthwise demo --no-serve`).")
        clients: dict[Any, HttpClient] = {}
        tokens: dict[Any, str] = {}
        rows = []
        for scenario in scenarios:
            browser = clients.setdefault(scenario.user.pk, HttpClient(HTTP_HOST="localhost"))
            headers = {}
            if scenario.api:
                if scenario.user.pk not in tokens:
                    tokens[scenario.user.pk] = api_token_create(
                        acting_user=None, user=scenario.user, name="bench"
                    )
                headers = {"Authorization": f"Bearer {tokens[scenario.user.pk]}"}
            else:
                browser.force_login(scenario.user)
            browser.get(scenario.path, headers=headers)  # warm caches
            timings = []
            for _ in range(runs):
                start = time.perf_counter()
                response = browser.get(scenario.path, headers=headers)
                timings.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise CommandError(
                        f"{scenario.name}: {scenario.path} answered {response.status_code}"
                    )
            with CaptureQueriesContext(connection) as ctx:
                browser.get(scenario.path, headers=headers)
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
            rows.append((scenario.name, statistics.median(timings), p95, len(ctx.captured_queries)))

        title = (
            f"{timezone.now():%Y-%m-%d} · {connection.vendor} · "
            f"{Client.objects.count():,} clients · {runs} runs each"
        )
        table = Table(title=title)
        for column in ("scenario", "p50 ms", "p95 ms", "queries"):
            table.add_column(column, justify="left" if column == "scenario" else "right")
        for name, p50, p95, queries in rows:
            table.add_row(name, f"{p50:.1f}", f"{p95:.1f}", str(queries))
        Console().print(table)
        if write:
            lines = [
                f"\n### {title}\n",
                "| scenario | p50 ms | p95 ms | queries |",
                "|---|---:|---:|---:|",
            ]
            lines += [f"| {n} | {a:.1f} | {b:.1f} | {q} |" for n, a, b, q in rows]
            with Path(write).open("a") as out:
                out.write("\n".join(lines) + "\n")
