"""`strengthwise refresh-due`: rebuild the maintained due dates (tasks/due.py) of every client,
in bulk. Run it after `strengthwise seed` or a restore; pages also fill a missing client's
rows the first time they read it, so it is never required for correctness."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from rich.progress import Progress

from strengthwise.people.models import Client
from strengthwise.tasks import due


class Command(BaseCommand):
    help = "Recompute every client's derived-task due dates (after seed, restore or import)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--agency", help="only this agency (its slug)")

    def handle(self, *args: Any, agency: str | None = None, **options: Any) -> None:
        clients = Client.objects.order_by("pk")
        if agency:
            clients = clients.filter(agency__slug=agency)
        ids = list(clients.values_list("pk", flat=True))
        started = time.monotonic()
        step = due.CHUNK * 4
        with Progress(disable=not self.stdout.isatty()) as progress:
            bar = progress.add_task("refreshing due dates", total=len(ids))
            for start in range(0, len(ids), step):
                with transaction.atomic():  # a batch at a time: writers are not held long
                    due.refresh_clients(ids[start : start + step])
                progress.advance(bar, len(ids[start : start + step]))
        self.stdout.write(f"refreshed {len(ids)} clients in {time.monotonic() - started:.1f} s")
