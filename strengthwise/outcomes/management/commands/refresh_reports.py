"""`strengthwise refresh-reports`: compute every stale report snapshot again and drop the ones
nobody has asked for lately (outcomes/snapshots.py). Run it from a timer after busy hours or
after a bulk load, so that the first reader of a large report need not wait."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from strengthwise.outcomes import snapshots


class Command(BaseCommand):
    help = "Compute stale report snapshots again; drop those not computed for --days days."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=30,
            help="drop snapshots not computed for this many days (default 30)",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        started = time.perf_counter()
        refreshed, deleted = snapshots.refresh_stale(older_than_days=max(0, o["days"]))
        self.stdout.write(
            f"Refreshed {refreshed} report snapshot(s), dropped {deleted}, "
            f"in {time.perf_counter() - started:.1f} s."
        )
