"""`strengthwise bench`: time the everyday pages and API calls.

By default over real HTTP: the real server (`strengthwise serve`, gunicorn, several workers) is
started on a free loopback port with this process's environment (same database, same VAR_DIR),
and a small asyncio + httpx driver sends each scenario's requests at a steady rate, open loop:
request i is due at start + i / rate whatever the earlier ones are doing (at most
--concurrency in flight; a request that waits for a free slot counts the wait in its latency).
Every figure is set beside the p95 of /healthz measured in the same run. The server is started
with STRENGTHWISE_SERVER_TIMING, so each answer also says how long Django spent on it and how
many SQL queries it ran (`core.middleware.ServerTimingMiddleware`): the table gives the p95 of
that server time and the queries per request beside the latencies seen over the wire.

`--writers N` measures writes instead: N concurrent writers, closed loop, each a signed-in worker
(the seeded workers first) saving contact notes and signing them through the API, recording
check-ins through the goal page's form (with its CSRF token) and moving fresh referrals
draft → requested → cancelled through the API, for --seconds (default 60). It reports each kind
of write (count, p50/p95/p99, errors) and every answer that shows a database lock (a 5xx, or
"database is locked" in the body), reads the server's log for "database is locked", and exits
non-zero on any of them.

`--compare SMALL.json LARGE.json` sets two runs' JSON side by side (say, 1,000 and 100,000
clients): per scenario in both, the p95 of each and their ratio, and the queries per request of
each, marking where the larger run's p95 is more than 1.5 times the smaller's or the queries
differ (issue 11's targets). It starts nothing.

`--in-process` keeps the older mode: sequential requests through Django's test client in this
process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
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
from strengthwise.accounts.testing import verified_session
from strengthwise.people.bench import Scenario
from strengthwise.people.models import Client
from strengthwise.scale import bench as writes
from strengthwise.scale.bench import signed_in_cookie

HEALTH = "health check (/healthz)"


@dataclass
class Result:
    name: str
    path: str
    user: str
    requests: int
    p50: float
    p95: float
    p99: float
    throughput: float
    errors: int
    error_kinds: dict[str, int]
    vs_health: float | None = None
    server_p95: float | None = None  # Django's own time (Server-Timing "app"), ms
    queries: int | None = None  # SQL queries per request: the median …
    queries_max: int | None = None  # … and the most
    yardstick: float | None = None  # `yardstick_ms()` just before the scenario ran


YARDSTICK_LOOPS = 300_000


def yardstick_ms(loops: int = YARDSTICK_LOOPS) -> float:
    """How long this machine takes right now for a fixed piece of pure Python (the best of
    three), in ms. A shared host's speed varies — by up to 2× within the hour on the machine of
    the ninth 100,000-client run — so a p95 compares with another run's only beside it."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(loops):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


SERVER_TIMING = re.compile(r'app;dur=([0-9.]+).*queries;desc="([0-9]+)"')


def server_timing(header: str | None) -> tuple[float, int] | None:
    """(Django's time in ms, SQL queries) from a Server-Timing header, or None without one."""
    found = SERVER_TIMING.search(header or "")
    return (float(found.group(1)), int(found.group(2))) if found else None


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of `values` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def collect(only: str | None) -> list[Scenario]:
    found = [s for path in settings.STRENGTHWISE_BENCH_SCENARIOS for s in import_string(path)()]
    if only:
        wanted = [w.strip().lower() for w in only.split(",") if w.strip()]
        found = [s for s in found if any(w in s.name.lower() for w in wanted)]
    return found


def dataset() -> dict[str, Any]:
    from strengthwise.directory.models import Service
    from strengthwise.notes.models import Note

    return {
        "clients": Client.objects.count(),
        "notes": Note.objects.count(),
        "services": Service.objects.count(),
    }


class Server:
    """`strengthwise serve` as a child process on a free loopback port."""

    def __init__(self, workers: int, log_dir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / "server.log"
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait_seconds: float = 120) -> None:
        import httpx

        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "strengthwise.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "STRENGTHWISE_SERVER_TIMING": "1"},
            start_new_session=True,  # its own process group: stopped as a whole
        )
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"The server stopped while starting:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise CommandError(f"The server did not answer /healthz in time:\n{self.log_tail()}")

    def settle(self, quick: float = 0.1, max_seconds: float = 60) -> float:
        """Wait until /healthz answers within `quick` seconds again: the previous scenario's
        queue has drained, so it does not slow the next one. Returns the seconds waited."""
        import httpx

        began = time.monotonic()
        while time.monotonic() - began < max_seconds:
            started = time.monotonic()
            try:
                answered = httpx.get(f"{self.base}/healthz", timeout=5).status_code == 200
            except httpx.HTTPError:
                answered = False
            if answered and time.monotonic() - started < quick:
                break
            time.sleep(0.2)
        return time.monotonic() - began

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


async def drive(
    base: str,
    path: str,
    *,
    headers: dict[str, str],
    cookies: dict[str, str],
    rate: float,
    seconds: float,
    timeout: float,
    concurrency: int,
) -> tuple[list[float], dict[str, int], float, list[tuple[float, int]]]:
    """Send round(rate × seconds) GETs to `path`, request i due at start + i / rate (open
    loop). Returns the latencies of the 2xx answers (ms, from when each request was due), the
    errors by kind, the requests per second achieved, and the server's own (ms, queries) of
    each 2xx answer that said them."""
    import httpx

    count = max(1, round(rate * seconds))
    limit = asyncio.Semaphore(concurrency)
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    finished: list[float] = []
    served: list[tuple[float, int]] = []
    async with httpx.AsyncClient(
        base_url=base,
        cookies=cookies,
        headers=headers,
        timeout=timeout,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
    ) as client:
        start = loop.time() + 0.05

        async def one(i: int) -> None:
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            kind = ""
            async with limit:
                try:
                    response = await client.get(path)
                    if not 200 <= response.status_code < 300:
                        kind = f"HTTP {response.status_code}"
                    elif timing := server_timing(response.headers.get("Server-Timing")):
                        served.append(timing)
                except httpx.TimeoutException:
                    kind = "timeout"
                except httpx.HTTPError as error:
                    kind = type(error).__name__
            done = loop.time()
            finished.append(done)
            if kind:
                errors[kind] = errors.get(kind, 0) + 1
            else:
                latencies.append((done - due) * 1000)

        await asyncio.gather(*(one(i) for i in range(count)))
    elapsed = max(finished) - start if finished else 0.0
    return latencies, errors, (count / elapsed if elapsed > 0 else 0.0), served


SCALE_RATIO = 1.5  # the larger run's p95 at most this many times the smaller's


@dataclass
class Comparison:
    name: str
    small_p95: float
    large_p95: float
    ratio: float
    small_queries: int | None
    large_queries: int | None
    small_server: float | None = None  # Django's own p95 (Server-Timing), ms
    large_server: float | None = None

    @property
    def misses(self) -> list[str]:
        found = []
        if self.ratio > SCALE_RATIO:
            found.append(f"p95 × {self.ratio:.2f}")
        if self.small_queries != self.large_queries:
            found.append("queries differ")
        return found


def compare(small: dict[str, Any], large: dict[str, Any]) -> list[Comparison]:
    """The scenarios of two `--json` runs found in both, in the larger run's order."""
    before = {r["name"]: r for r in small["results"]}
    rows = []
    for r in large["results"]:
        b = before.get(r["name"])
        if b is None or not b["p95"]:
            continue
        rows.append(
            Comparison(
                name=r["name"],
                small_p95=b["p95"],
                large_p95=r["p95"],
                ratio=r["p95"] / b["p95"],
                small_queries=b.get("queries"),
                large_queries=r.get("queries"),
                small_server=b.get("server_p95"),
                large_server=r.get("server_p95"),
            )
        )
    return rows


class Command(BaseCommand):
    help = (
        "Time the everyday pages and API calls against the current database: over HTTP against "
        "the real server at a steady request rate (default; p50/p95/p99, throughput, errors, "
        "ratio to /healthz), or --in-process with queries per request. Each app lists its "
        "scenarios in settings.STRENGTHWISE_BENCH_SCENARIOS."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--in-process",
            action="store_true",
            dest="in_process",
            help="the older mode: sequential requests through Django's test client, with "
            "queries per request",
        )
        parser.add_argument(
            "--runs",
            type=int,
            default=None,
            help="requests per scenario in process (default 30); implies --in-process",
        )
        parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
        parser.add_argument(
            "--seconds",
            type=float,
            default=None,
            help="per scenario (default 15), or of the --writers run (default 60)",
        )
        parser.add_argument(
            "--writers",
            type=int,
            default=None,
            metavar="N",
            help="measure writes instead: N concurrent writers (notes, check-ins, referral "
            "transitions), closed loop; fails on any error or database lock",
        )
        parser.add_argument(
            "--per-client",
            type=int,
            default=1,
            metavar="K",
            dest="per_client",
            help="with --writers: K writers share each client (default 1: a client each)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=max(2, 2 * (os.cpu_count() or 1)),
            help="gunicorn workers (default 2 × cores)",
        )
        parser.add_argument("--concurrency", type=int, default=64, help="requests in flight")
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
        parser.add_argument(
            "--only", help="comma-separated parts of scenario names (e.g. 'caseload,search')"
        )
        parser.add_argument(
            "--write", metavar="PATH", help="also append the table, as Markdown, to PATH"
        )
        parser.add_argument("--json", metavar="PATH", dest="json_path", help="write JSON to PATH")
        parser.add_argument(
            "--compare",
            nargs=2,
            metavar=("SMALL", "LARGE"),
            help="set two --json runs side by side (p95 ratio, queries per request); runs nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("compare"):
            self.compared(*options["compare"], write=options.get("write"))
            return
        runs = options.get("runs")
        if options.get("in_process") or runs is not None:
            self.in_process(runs or 30, options.get("write"), options.get("only"))
            return
        if options.get("writers") is not None:
            writers = int(options["writers"])
            seconds = float(options.get("seconds") or 60.0)
            if writers < 1 or seconds <= 0:
                raise CommandError("--writers and --seconds must be positive.")
            self.over_http_writes(
                writers=writers,
                per_client=max(1, int(options.get("per_client") or 1)),
                seconds=seconds,
                workers=int(options.get("workers") or 2),
                timeout=max(float(options.get("timeout") or 10.0), 30.0),
                write=options.get("write"),
                json_path=options.get("json_path"),
            )
            return
        rate = float(options.get("rate") or 20.0)
        seconds = float(options.get("seconds") or 15.0)
        if rate <= 0 or seconds <= 0:
            raise CommandError("--rate and --seconds must be positive.")
        self.over_http(
            rate=rate,
            seconds=seconds,
            workers=int(options.get("workers") or 2),
            concurrency=max(1, int(options.get("concurrency") or 64)),
            timeout=float(options.get("timeout") or 10.0),
            only=options.get("only"),
            write=options.get("write"),
            json_path=options.get("json_path"),
        )

    # --- over HTTP ----------------------------------------------------------------------------

    def over_http(
        self,
        *,
        rate: float,
        seconds: float,
        workers: int,
        concurrency: int,
        timeout: float,
        only: str | None,
        write: str | None,
        json_path: str | None,
    ) -> None:
        try:
            import httpx  # noqa: F401
        except ImportError as error:  # pragma: no cover - a dependency
            raise CommandError("The HTTP bench needs httpx (pip install httpx).") from error
        scenarios = collect(only)
        if not scenarios:
            raise CommandError("No scenarios: load data first (`strengthwise demo --no-serve`).")
        cookies: dict[Any, dict[str, str]] = {}
        tokens: dict[Any, str] = {}
        for scenario in scenarios:
            if scenario.api and scenario.user.pk not in tokens:
                tokens[scenario.user.pk] = api_token_create(
                    acting_user=None, user=scenario.user, name="bench", days=1
                )
            elif not scenario.api and scenario.user.pk not in cookies:
                cookies[scenario.user.pk] = signed_in_cookie(scenario.user)
        size = dataset()
        vendor = connection.vendor
        connection.close()  # the server writes sessions; hold no connection meanwhile
        plan: list[tuple[str, str, str, dict[str, str], dict[str, str]]] = [
            (HEALTH, "/healthz", "—", {}, {})
        ]
        for s in scenarios:
            headers = {"Authorization": f"Bearer {tokens[s.user.pk]}"} if s.api else {}
            plan.append(
                (s.name, s.path, s.user.username, headers, {} if s.api else cookies[s.user.pk])
            )

        results: list[Result] = []
        console = Console(stderr=True)
        with tempfile.TemporaryDirectory(prefix="strengthwise-bench-") as tmp:
            server = Server(workers, Path(tmp))
            console.print(f"Starting the server ({workers} workers) on {server.base} …")
            server.start()
            try:
                for name, path, user, headers, jar in plan:
                    server.settle()  # the last scenario's backlog must not count against this one
                    # Warm up: each worker loads its templates and caches once.
                    asyncio.run(
                        drive(
                            server.base,
                            path,
                            headers=headers,
                            cookies=jar,
                            rate=max(rate, 10.0),
                            seconds=max(1.0, 2 * workers / max(rate, 10.0)),
                            timeout=timeout,
                            concurrency=concurrency,
                        )
                    )
                    stick = yardstick_ms()  # the server idle: the host's speed just now
                    console.print(f"  {name}: {round(rate * seconds)} requests at {rate:g}/s …")
                    latencies, errors, achieved, served = asyncio.run(
                        drive(
                            server.base,
                            path,
                            headers=headers,
                            cookies=jar,
                            rate=rate,
                            seconds=seconds,
                            timeout=timeout,
                            concurrency=concurrency,
                        )
                    )
                    results.append(
                        Result(
                            name=name,
                            path=path,
                            user=user,
                            requests=len(latencies) + sum(errors.values()),
                            p50=statistics.median(latencies) if latencies else 0.0,
                            p95=percentile(latencies, 0.95),
                            p99=percentile(latencies, 0.99),
                            throughput=achieved,
                            errors=sum(errors.values()),
                            error_kinds=errors,
                            server_p95=percentile([ms for ms, _ in served], 0.95)
                            if served
                            else None,
                            queries=round(statistics.median(q for _, q in served))
                            if served
                            else None,
                            queries_max=max(q for _, q in served) if served else None,
                            yardstick=stick,
                        )
                    )
            finally:
                server.stop()
                if any(r.errors for r in results):
                    console.print(f"[dim]Server log (last lines):\n{server.log_tail()}[/dim]")
        health = results[0].p95 if results and results[0].p95 > 0 else None
        for r in results:
            r.vs_health = r.p95 / health if health else None

        cores = os.cpu_count() or 1
        load = [round(x, 2) for x in os.getloadavg()]
        sticks = sorted(r.yardstick for r in results if r.yardstick is not None)
        stick_note = (
            f"CPU yardstick {sticks[0]:g}–{sticks[-1]:g} ms, median "
            f"{statistics.median(sticks):g} ({YARDSTICK_LOOPS:,} additions in Python)"
            if sticks
            else ""
        )
        meta: dict[str, Any] = {
            "date": timezone.now().isoformat(timespec="seconds"),
            "machine": f"{cores} cores, {platform.system()} {platform.machine()}",
            "cores": cores,
            "database": vendor,
            "dataset": size,
            "load_average": load,
            "mode": "http",
            "server_workers": workers,
            "rate": rate,
            "seconds": seconds,
            "concurrency": concurrency,
            "server_time": "Django's own time per request (Server-Timing), p95 ms",
            "yardstick": {
                "loops": YARDSTICK_LOOPS,
                "median_ms": statistics.median(sticks) if sticks else None,
                "what": "a fixed Python loop timed before each scenario, the best of three",
            },
        }
        title = (
            f"{dt.date.today():%Y-%m-%d} · HTTP · {vendor} · {size['clients']:,} clients, "
            f"{size['notes']:,} notes, {size['services']:,} services"
        )
        table = Table(title=title)
        columns = ("scenario", "user", "requests", "p50 ms", "p95 ms", "p99 ms", "req/s")
        extra = ("errors", "p95 ÷ healthz p95", "server p95 ms", "queries", "yardstick ms")
        for column in (*columns, *extra):
            table.add_column(column, justify="left" if column in ("scenario", "user") else "right")
        for r in results:
            table.add_row(*self._cells(r))
        Console(width=None if sys.stdout.isatty() else 180).print(table)
        self.stdout.write(
            f"{meta['machine']}; gunicorn {workers} workers; {rate:g} req/s for {seconds:g} s "
            f"per scenario, open loop; load average {' '.join(map(str, load))}; {stick_note}"
        )
        if write:
            lines = [
                f"\n### {title}\n",
                f"Machine: {meta['machine']}. Server: `strengthwise serve`, gunicorn with "
                f"{workers} workers, over loopback. Load: {rate:g} requests/s per scenario for "
                f"{seconds:g} s, open loop, at most {concurrency} in flight. Load average after "
                f"the run: {' / '.join(map(str, load))}. Server p95: Django's own time per "
                "request (its Server-Timing header), without the queue and the wire. Queries: "
                "SQL queries per request (median; the most after a dash when they vary). "
                "Yardstick: a fixed Python loop timed just before the scenario (the host's "
                f"speed then; higher is slower): {stick_note}.\n",
                "| scenario | user | requests | p50 ms | p95 ms | p99 ms | req/s | errors "
                "| p95 ÷ healthz p95 | server p95 ms | queries | yardstick ms |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            lines += ["| " + " | ".join(self._cells(r)) + " |" for r in results]
            with Path(write).open("a") as out:
                out.write("\n".join(lines) + "\n")
        if json_path:
            Path(json_path).write_text(
                json.dumps({**meta, "results": [asdict(r) for r in results]}, indent=2) + "\n"
            )
        failed = [r for r in results if r.errors]
        if failed:
            raise CommandError(
                "Errors in " + "; ".join(f"{r.name}: {r.errors} ({r.error_kinds})" for r in failed)
            )

    @staticmethod
    def _cells(r: Result) -> list[str]:
        return [
            r.name,
            r.user,
            str(r.requests),
            f"{r.p50:.1f}",
            f"{r.p95:.1f}",
            f"{r.p99:.1f}",
            f"{r.throughput:.1f}",
            str(r.errors),
            f"{r.vs_health:.1f}×" if r.vs_health is not None else "—",
            f"{r.server_p95:.1f}" if r.server_p95 is not None else "—",
            "—"
            if r.queries is None
            else str(r.queries)
            if r.queries == r.queries_max
            else f"{r.queries}–{r.queries_max}",
            f"{r.yardstick:g}" if r.yardstick is not None else "—",
        ]

    # --- two runs side by side ------------------------------------------------------------------

    def compared(self, small_path: str, large_path: str, *, write: str | None) -> None:
        try:
            small, large = (json.loads(Path(p).read_text()) for p in (small_path, large_path))
            rows = compare(small, large)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(f"Cannot compare {small_path} and {large_path}: {error}") from error

        def size(run: dict[str, Any]) -> str:
            return f"{run['dataset']['clients']:,}"

        head = [
            "scenario",
            f"p95 ms at {size(small)}",
            f"p95 ms at {size(large)}",
            "ratio",
            f"server p95 ms at {size(small)}",
            f"server p95 ms at {size(large)}",
            f"queries at {size(small)}",
            f"queries at {size(large)}",
            "within target",
        ]
        cells = [
            [
                c.name,
                f"{c.small_p95:.1f}",
                f"{c.large_p95:.1f}",
                f"{c.ratio:.2f}×",
                "—" if c.small_server is None else f"{c.small_server:.1f}",
                "—" if c.large_server is None else f"{c.large_server:.1f}",
                "—" if c.small_queries is None else str(c.small_queries),
                "—" if c.large_queries is None else str(c.large_queries),
                "; ".join(c.misses) or "yes",
            ]
            for c in rows
        ]
        table = Table(title=f"{small['database']} · {size(small)} → {size(large)} clients")
        for column in head:
            table.add_column(column, justify="left" if column == "scenario" else "right")
        for row in cells:
            table.add_row(*row)
        Console(width=None if sys.stdout.isatty() else 180).print(table)
        missed = [c for c in rows if c.misses]
        summary = (
            f"{len(rows)} scenarios in both runs; {len(rows) - len(missed)} within "
            f"{SCALE_RATIO:g}× of the smaller run's p95 with the same queries per request."
        )
        sticks = [run.get("yardstick", {}).get("median_ms") for run in (small, large)]
        if None not in sticks:  # runs before the yardstick have none
            summary += f" CPU yardstick (median): {sticks[0]:g} ms and {sticks[1]:g} ms."
        self.stdout.write(summary)
        if write:
            lines = [
                f"\n### {small['database']}: {size(small)} → {size(large)} clients\n",
                f"Runs of {small['date']} and {large['date']}. {summary}\n",
                "| " + " | ".join(head) + " |",
                "|---|" + "---:|" * (len(head) - 1),
            ]
            lines += ["| " + " | ".join(row) + " |" for row in cells]
            with Path(write).open("a") as out:
                out.write("\n".join(lines) + "\n")

    # --- writes under load --------------------------------------------------------------------

    def over_http_writes(
        self,
        *,
        writers: int,
        per_client: int,
        seconds: float,
        workers: int,
        timeout: float,
        write: str | None,
        json_path: str | None,
    ) -> None:
        try:
            import httpx  # noqa: F401
        except ImportError as error:  # pragma: no cover - a dependency
            raise CommandError("The HTTP bench needs httpx (pip install httpx).") from error
        try:
            plans = writes.writer_plans(writers, per_client)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not plans:
            raise CommandError(
                "No worker with an open client and an active goal: load data first "
                "(`strengthwise demo --no-serve`, `strengthwise seed`)."
            )
        users = len({p.username for p in plans})
        clients = len({p.client_id for p in plans})
        size = dataset()
        vendor = connection.vendor
        today = timezone.localdate()
        connection.close()  # the server writes; hold no connection meanwhile
        console = Console(stderr=True)
        load_before = [round(x, 2) for x in os.getloadavg()]
        samples: list[str] = []
        with tempfile.TemporaryDirectory(prefix="strengthwise-bench-") as tmp:
            server = Server(workers, Path(tmp))
            console.print(f"Starting the server ({workers} workers) on {server.base} …")
            server.start()
            try:
                console.print(
                    f"  {writers} writers ({users} workers, {clients} clients) for {seconds:g} s, "
                    "closed loop …"
                )
                stats, elapsed = asyncio.run(
                    writes.drive_writers(
                        server.base,
                        plans,
                        seconds=seconds,
                        timeout=timeout,
                        today=today,
                        samples=samples,
                    )
                )
            finally:
                server.stop()
            log = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
            server_locks = log.lower().count(writes.LOCKED) + log.count(writes.DEADLOCK)
            tracebacks = log.count("Traceback (most recent call last)")
            tail = server.log_tail()
        load = [round(x, 2) for x in os.getloadavg()]
        every = writes.WriteStats("all writes")
        for kind in writes.WRITE_KINDS:
            s = stats[kind]
            every.latencies += s.latencies
            every.locks += s.locks
            for k, n in s.errors.items():
                every.errors[k] = every.errors.get(k, 0) + n
        rows = [*stats.values(), every]
        cores = os.cpu_count() or 1
        meta: dict[str, Any] = {
            "date": timezone.now().isoformat(timespec="seconds"),
            "machine": f"{cores} cores, {platform.system()} {platform.machine()}",
            "cores": cores,
            "database": vendor,
            "dataset": size,
            "load_average_before": load_before,
            "load_average": load,
            "mode": "writers",
            "server_workers": workers,
            "writers": writers,
            "distinct_users": users,
            "clients": clients,
            "seconds": seconds,
            "elapsed": round(elapsed, 1),
            "server_log_locks": server_locks,
            "server_log_tracebacks": tracebacks,
        }
        title = (
            f"{dt.date.today():%Y-%m-%d} · writes · {vendor} · {writers} writers · "
            f"{size['clients']:,} clients, {size['notes']:,} notes"
        )
        table = Table(title=title)
        columns = ("write", "requests", "p50 ms", "p95 ms", "p99 ms", "writes/s", "errors")
        for column in (*columns, "locks"):
            table.add_column(column, justify="left" if column == "write" else "right")
        for s in rows:
            table.add_row(*self._write_cells(s, elapsed))
        Console(width=None if sys.stdout.isatty() else 180).print(table)
        self.stdout.write(
            f"{meta['machine']}; {vendor}; gunicorn {workers} workers; {writers} writers "
            f"({users} distinct workers, {clients} clients), closed loop, {seconds:g} s "
            f"({elapsed:.1f} s "
            f"from the common start to the last answer); load average before {' '.join(map(str, load_before))}, "
            f"after {' '.join(map(str, load))}; '{writes.LOCKED}' or '{writes.DEADLOCK}' in "
            f"the server log: {server_locks}; tracebacks there: {tracebacks}"
        )
        for sample in samples:
            self.stdout.write(f"  {sample}")
        if write:
            lines = [
                f"\n### {title}\n",
                f"Machine: {meta['machine']}. Server: `strengthwise serve`, gunicorn with "
                f"{workers} workers, over loopback. {writers} writers ({users} distinct "
                f"workers, {clients} clients), closed loop, for {seconds:g} s. Load average "
                f"before / after: {' / '.join(map(str, load_before))} → "
                f"{' / '.join(map(str, load))}. "
                f'"{writes.LOCKED}" or "{writes.DEADLOCK}" in the server log: {server_locks}; '
                f"tracebacks: {tracebacks}.\n",
                "| write | requests | p50 ms | p95 ms | p99 ms | writes/s | errors | locks |",
                "|---|---:|---:|---:|---:|---:|---:|---:|",
            ]
            lines += ["| " + " | ".join(self._write_cells(s, elapsed)) + " |" for s in rows]
            with Path(write).open("a") as out:
                out.write("\n".join(lines) + "\n")
        if json_path:
            results = [
                {
                    "kind": s.kind,
                    "requests": s.requests,
                    "p50": statistics.median(s.latencies) if s.latencies else 0.0,
                    "p95": percentile(s.latencies, 0.95),
                    "p99": percentile(s.latencies, 0.99),
                    "errors": sum(s.errors.values()),
                    "error_kinds": s.errors,
                    "locks": s.locks,
                }
                for s in rows
            ]
            Path(json_path).write_text(
                json.dumps({**meta, "samples": samples, "results": results}, indent=2) + "\n"
            )
        if server_locks or any(s.errors or s.locks for s in rows):
            if server_locks:
                console.print(f"[dim]Server log (last lines):\n{tail}[/dim]")
            raise CommandError(
                f"Writes failed: {sum(every.errors.values())} errors {every.errors}, "
                f"{every.locks} answers showing a lock, {server_locks} "
                f"'{writes.LOCKED}' or '{writes.DEADLOCK}' in the server log."
            )

    @staticmethod
    def _write_cells(s: Any, elapsed: float) -> list[str]:
        return [
            s.kind,
            str(s.requests),
            f"{statistics.median(s.latencies) if s.latencies else 0.0:.1f}",
            f"{percentile(s.latencies, 0.95):.1f}",
            f"{percentile(s.latencies, 0.99):.1f}",
            f"{len(s.latencies) / elapsed if elapsed > 0 else 0.0:.1f}",
            str(sum(s.errors.values())),
            str(s.locks),
        ]

    # --- in process ---------------------------------------------------------------------------

    def in_process(self, runs: int, write: str | None, only: str | None) -> None:
        scenarios = collect(only)
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
                verified_session(browser, scenario.user)  # as after the second step
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
