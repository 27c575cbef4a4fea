"""Demo agency: the personas of PERSONAS.md plus a few hundred fictional clients (Faker)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from faker import Faker

from strengthwise.accounts.models import Membership, Role, Team, User

from .models import Client, ContactMethod, Episode, HouseholdMember, Language
from .personas import DEMO_PASSWORD, create_personas
from .services import client_refresh_search_fields

# (Faker locale, language the client prefers, share of clients)
LOCALES = [
    ("en_US", Language.ENGLISH, 0.55),
    ("es_MX", Language.SPANISH, 0.22),
    ("vi_VN", Language.VIETNAMESE, 0.08),
    ("fr_FR", Language.HAITIAN_CREOLE, 0.05),
    ("en_GB", Language.SOMALI, 0.05),
    ("fil_PH", Language.TAGALOG, 0.05),
]
RELATIONSHIPS = [
    "son",
    "daughter",
    "partner",
    "mother",
    "grandson",
    "granddaughter",
    "brother",
    "sister",
    "friend",
]
PRONOUNS = ["she/her", "he/him", "they/them", "", "she/they"]
EXTRA_WORKERS = [
    ("jamal", "Jamal Reed", "housing"),
    ("mei", "Mei Chen", "housing"),
    ("tomas", "Tomás Álvarez", "family"),
    ("aisha", "Aisha Warsame", "family"),
]


def _fake_client(
    fake: Faker, rng: random.Random, agency: Any, team: Team, worker: User, language: str
) -> Client:
    first, last = fake.first_name(), fake.last_name()
    confidential = rng.random() < 0.06
    client = Client(
        agency=agency,
        team=team,
        primary_worker=worker,
        legal_first_name=first[:100],
        legal_last_name=last[:100],
        preferred_name=(first[:3] if rng.random() < 0.05 else ""),
        pronouns=rng.choice(PRONOUNS),
        date_of_birth=fake.date_of_birth(minimum_age=18, maximum_age=82),
        preferred_language=language,
        other_languages="English" if language != Language.ENGLISH and rng.random() < 0.5 else "",
        interpreter_needed=language != Language.ENGLISH and rng.random() < 0.4,
        phone=f"(555) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
        email=f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@example.org"
        if rng.random() < 0.6
        else "",
        preferred_contact_method=rng.choice(ContactMethod.values),
        ok_to_leave_message=rng.random() < 0.6,
        do_not_contact=rng.random() < 0.03,
        address_line1=(fake.street_address()[:200] if rng.random() < 0.85 else ""),
        city="River City" if agency.slug == "river-city" else "Eastgate",
        region="IL" if agency.slug == "river-city" else "NY",
        postal_code=f"60{rng.randint(600, 699)}",
        address_confidential=confidential,
    )
    client_refresh_search_fields(client)
    return client


@transaction.atomic
def load(*, clients: int = 300, seed: int = 2026, **options: Any) -> dict[str, Any]:
    """Create the demo agency. Bulk inserts: this is seed data, not casework, so it writes one
    audit event for the load instead of one per row."""
    from strengthwise.audit.services import audit_record

    rng = random.Random(seed)
    Faker.seed(seed)
    fakers = {loc: Faker(loc) for loc, _, _ in LOCALES}
    p = create_personas()
    teams = {"housing": p.housing, "family": p.family}
    workers: dict[str, list[User]] = {"housing": [p.alice], "family": [p.carol]}
    for username, name, team_key in EXTRA_WORKERS:
        first, _, last = name.partition(" ")
        user = User(
            username=username,
            agency=p.river_city,
            role=Role.WORKER,
            first_name=first,
            last_name=last,
            display_name=name,
            email=f"{username}@example.org",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        Membership.objects.create(agency=p.river_city, user=user, team=teams[team_key])
        workers[team_key].append(user)

    weights = [w for _, _, w in LOCALES]
    new_clients: list[Client] = []
    for i in range(clients):
        locale, language, _ = rng.choices(LOCALES, weights=weights)[0]
        team_key = "housing" if i % 2 == 0 else "family"
        new_clients.append(
            _fake_client(
                fakers[locale],
                rng,
                p.river_city,
                teams[team_key],
                rng.choice(workers[team_key]),
                language,
            )
        )
    for _ in range(max(clients // 10, 5)):
        new_clients.append(
            _fake_client(
                fakers["en_US"], rng, p.eastgate, p.eastgate_team, p.mallory, Language.ENGLISH
            )
        )
    Client.objects.bulk_create(new_clients, batch_size=500)

    today = dt.date.today()
    episodes: list[Episode] = []
    members: list[HouseholdMember] = []
    for client in new_clients:
        program = client.team.program
        opened = today - dt.timedelta(days=rng.randint(3, 700))
        if rng.random() < 0.2:  # came back after an earlier episode
            old_open = opened - dt.timedelta(days=rng.randint(200, 600))
            episodes.append(
                Episode(
                    agency=client.agency,
                    client=client,
                    program=program,
                    opened_on=old_open,
                    closed_on=old_open + dt.timedelta(days=rng.randint(30, 180)),
                    close_reason=rng.choice(["goals achieved", "client chose to end", "moved"]),
                )
            )
        episodes.append(
            Episode(
                agency=client.agency,
                client=client,
                program=program,
                opened_on=opened,
                opened_by=client.primary_worker,
            )
        )
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            fake = fakers["en_US"]
            members.append(
                HouseholdMember(
                    agency=client.agency,
                    client=client,
                    name=f"{fake.first_name()} {client.legal_last_name}",
                    relationship=rng.choice(RELATIONSHIPS),
                    date_of_birth=fake.date_of_birth(minimum_age=1, maximum_age=80)
                    if rng.random() < 0.7
                    else None,
                    lives_with_client=rng.random() < 0.8,
                )
            )
    Episode.objects.bulk_create(episodes, batch_size=500)
    HouseholdMember.objects.bulk_create(members, batch_size=500)
    audit_record(
        actor=None,
        actor_label="demo",
        action="demo.loaded",
        agency_id=p.river_city.pk,
        changes={"clients": [None, len(new_clients) + 5]},
    )
    return {"personas": p, "clients": len(new_clients) + 5}
