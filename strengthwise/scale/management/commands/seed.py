from __future__ import annotations

import gc
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from faker import Faker
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from strengthwise.accounts.models import Agency
from strengthwise.core.dbstats import update_statistics
from strengthwise.directory.services import reindex
from strengthwise.outcomes import snapshots
from strengthwise.scale import seed_agency
from strengthwise.scale.bulk import defer, write_behind
from strengthwise.scale.seed_agency import AuditChain, deal, own_timestamps

BATCH = 500  # clients per transaction (with ~100 rows of casework each)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """While the clients are seeded, leave what is already in memory (Django, Faker, the
    context) out of the garbage collector's full collections, and collect once per batch (call
    `gc.collect()`) rather than every few thousand allocations: the automatic full collections
    walked every object the process holds, a sixth of the seed's time. Nothing written depends
    on it."""
    enabled = gc.isenabled()
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()


class Command(BaseCommand):
    help = (
        "Add N clients with two years of casework to an agency, shaped like a real agency: new "
        "workers (caseloads of 20–60) in teams of 6–10 with a supervisor, notes, plans, "
        "assessments, referrals, closures; the directory topped up to --services. Bulk, "
        "deterministic with --seed. Load the demo first (`strengthwise demo --no-serve`)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--clients", type=int, required=True)
        parser.add_argument("--notes-per-client", type=int, default=10, dest="notes_per_client")
        parser.add_argument(
            "--services",
            type=int,
            default=10_000,
            help="top the directory up to this many services (default 10,000)",
        )
        parser.add_argument(
            "--agency", default="river-city", help="agency slug (default river-city)"
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--batch", type=int, default=BATCH, help="clients per transaction")

    def handle(
        self,
        *args: Any,
        clients: int,
        notes_per_client: int = 10,
        services: int = 10_000,
        agency: str,
        seed: int,
        batch: int = BATCH,
        **options: Any,
    ) -> None:
        if clients < 1 or clients > 5_000_000:
            raise CommandError("--clients must be between 1 and 5,000,000.")
        if not 0 <= notes_per_client <= 200:
            raise CommandError("--notes-per-client must be between 0 and 200.")
        if not 0 <= services <= 1_000_000:
            raise CommandError("--services must be between 0 and 1,000,000.")
        target = Agency.objects.filter(slug=agency).first()
        if target is None:
            raise CommandError(f"No agency {agency!r}: run `strengthwise demo --no-serve` first.")
        if not target.programs.exists():
            raise CommandError("The agency needs a program: run `strengthwise demo --no-serve`.")
        rng = random.Random(seed)
        Faker.seed(seed)
        fake = Faker("en_US")
        started = time.perf_counter()
        totals: dict[str, int] = {}
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=None, transient=False) as progress:
            new_services: list[Any] = []
            if services:
                task = progress.add_task("Directory services", total=None)
                new_services = seed_agency.top_up_services(
                    services, rng, fake, lambda n: progress.update(task, advance=n)
                )
                if new_services:
                    progress.update(task, description="Directory search text")
                    reindex(new_services)
                    with transaction.atomic():
                        chain = AuditChain()
                        chain.add(
                            action="seed.directory",
                            changes={"services": [None, len(new_services)]},
                        )
                        chain.flush()
                        snapshots.mark_changed(None)  # the directory is every agency's
                progress.update(task, total=len(new_services), completed=len(new_services))
            totals["services"] = len(new_services)

            with transaction.atomic():
                staff = seed_agency.make_staff(target, clients, rng, fake)
                chain = AuditChain()
                chain.add(
                    action="seed.staff",
                    agency_id=target.pk,
                    changes={
                        "workers": [None, len(staff.workers)],
                        "supervisors": [None, len(staff.supervisors)],
                        "teams": [None, len(staff.supervisors)],
                    },
                )
                chain.flush()
            totals["workers"] = len(staff.workers)
            totals["supervisors"] = len(staff.supervisors)

            ctx = seed_agency.make_context(target, rng, notes_per_client, staff, seed)
            assignments = deal(staff)
            task = progress.add_task(f"Seeding {clients:,} clients", total=clients)
            # On PostgreSQL a second connection writes each batch while the next is built.
            with (
                own_timestamps(seed_agency.OWN_TIMESTAMPS),
                frozen_heap(),
                write_behind() as writer,
            ):
                for start in range(0, len(assignments), batch):
                    with writer.batch():
                        counts = seed_agency.seed_batch(
                            ctx, assignments[start : start + batch], staff.team_of
                        )
                        # Bulk inserts send no signals: the reports' snapshots go stale here.
                        defer(snapshots.mark_changed, target.pk)
                    gc.collect()  # the batch's own garbage (see frozen_heap)
                    for name, n in counts.values.items():
                        totals[name] = totals.get(name, 0) + n
                    progress.update(task, advance=counts.values.get("clients", 0))
            task = progress.add_task("Planner statistics (ANALYZE)", total=None)
            update_statistics(full=True)
            progress.update(task, total=1, completed=1)
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in totals.items())
        self.stdout.write(f"Added {totals.get('clients', 0):,} clients to {target.name}.")
        self.stdout.write(f"Created {summary} in {elapsed:.1f} s.")
