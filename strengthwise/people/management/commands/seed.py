from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from faker import Faker
from rich.progress import Progress

from strengthwise.accounts.models import Agency, Team, User
from strengthwise.people.demo import LOCALES, OWN_NAMES, _fake_client
from strengthwise.people.models import Client, Episode

BATCH = 2000


class Command(BaseCommand):
    help = "Add N realistic fictional clients to an agency in bulk (for benchmarks and load tests)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--clients", type=int, required=True)
        parser.add_argument(
            "--agency", default="river-city", help="agency slug (default river-city)"
        )
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, clients: int, agency: str, seed: int, **options: Any) -> None:
        if clients < 1 or clients > 5_000_000:
            raise CommandError("--clients must be between 1 and 5,000,000.")
        target = Agency.objects.filter(slug=agency).first()
        if target is None:
            raise CommandError(f"No agency {agency!r}: run `strengthwise demo --no-serve` first.")
        teams = list(Team.objects.filter(agency=target).select_related("program"))
        workers = {
            t.pk: list(User.objects.filter(memberships__team=t, role="worker")) for t in teams
        }
        teams = [t for t in teams if workers[t.pk] and t.program]
        if not teams:
            raise CommandError("The agency needs a team with a program and a worker.")
        rng = random.Random(seed)
        Faker.seed(seed)
        fakers = {loc: Faker(loc if loc not in OWN_NAMES else "en_US") for loc, _, _ in LOCALES}
        weights = [w for _, _, w in LOCALES]
        made = 0
        today = timezone.localdate()
        with Progress() as progress:
            task = progress.add_task(f"Seeding {clients:,} clients", total=clients)
            while made < clients:
                size = min(BATCH, clients - made)
                batch = []
                for _ in range(size):
                    locale, language, _ = rng.choices(LOCALES, weights=weights)[0]
                    team = rng.choice(teams)
                    batch.append(
                        _fake_client(
                            fakers[locale],
                            rng,
                            target,
                            team,
                            rng.choice(workers[team.pk]),
                            language,
                            locale,
                        )
                    )
                with transaction.atomic():
                    Client.objects.bulk_create(batch, batch_size=500)
                    Episode.objects.bulk_create(
                        [
                            Episode(
                                agency=target,
                                client=c,
                                program=c.team.program,
                                opened_on=today - dt.timedelta(days=rng.randint(1, 700)),
                            )
                            for c in batch
                        ],
                        batch_size=500,
                    )
                made += size
                progress.update(task, advance=size)
        self.stdout.write(f"Added {made:,} clients to {target.name}.")
