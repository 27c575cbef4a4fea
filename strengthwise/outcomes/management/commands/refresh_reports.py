"""`strengthwise refresh-reports`: compute every stale report snapshot again and drop the ones
nobody has asked for lately (outcomes/snapshots.py). Run it from a timer after busy hours or
after a bulk load, so that the first reader of a large report need not wait.

With `--loop SECONDS` it is the report refresher: a process that computes, one at a time, the
reports readers are waiting for and the dear ones gone stale (`snapshots.refresh_next`),
looking again every SECONDS when there is nothing to do, and drops old snapshots hourly. A
database that goes away (a restart, a failover) does not end it: it waits, longer each time up
to a minute, and carries on.
`strengthwise serve` starts one beside its web workers, at the lowest CPU priority (`--nice`),
and the workers then leave dear reports to it (refresh mode "process")."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from strengthwise.outcomes import snapshots

PRUNE_EVERY = 3600.0  # seconds, in --loop
BACKOFF_MOST = 60.0  # seconds: the longest wait after a database error, in --loop

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Compute stale report snapshots again; drop those not computed for --days days."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=30,
            help="drop snapshots not computed for this many days (default 30)",
        )
        parser.add_argument(
            "--loop",
            type=float,
            default=0,
            metavar="SECONDS",
            help="keep refreshing what is wanted, looking again every SECONDS when idle",
        )
        parser.add_argument(
            "--nice", type=int, default=0, help="lower this process's CPU priority by N (Unix)"
        )
        parser.add_argument(
            "--parent",
            type=int,
            default=0,
            metavar="PID",
            help="with --loop: stop when the process PID (the server) is no longer the parent",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        if o["nice"]:
            os.nice(max(0, o["nice"]))
        if not o["loop"]:
            started = time.perf_counter()
            refreshed, deleted = snapshots.refresh_stale(older_than_days=max(0, o["days"]))
            self.stdout.write(
                f"Refreshed {refreshed} report snapshot(s), dropped {deleted}, "
                f"in {time.perf_counter() - started:.1f} s."
            )
            return
        # Stopped by the server (SIGTERM): leave through SystemExit, which gives back the claim
        # of a computation under way (`snapshots.refresh_next`).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        pruned_at = 0.0
        failures = 0
        while not o["parent"] or os.getppid() == o["parent"]:
            try:
                if time.monotonic() - pruned_at >= PRUNE_EVERY:
                    snapshots.prune(older_than_days=max(0, o["days"]))
                    pruned_at = time.monotonic()
                busy = snapshots.refresh_next()
            except DatabaseError:
                failures += 1
                log.exception("The report refresher lost the database (%d in a row)", failures)
                connections.close_all()  # a new connection next time
                time.sleep(min(BACKOFF_MOST, max(0.05, o["loop"]) * 2**failures))
                continue
            failures = 0
            if not busy:
                connections.close_all()  # idle: hold no connection (and no SQLite snapshot)
                time.sleep(max(0.05, o["loop"]))
