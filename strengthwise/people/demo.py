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

# (name source, language the client prefers, share of clients). A Faker locale, or one of our
# own short lists of common names where Faker has none (Somali, Haitian).
LOCALES = [
    ("en_US", Language.ENGLISH, 0.55),
    ("es_MX", Language.SPANISH, 0.22),
    ("vi_VN", Language.VIETNAMESE, 0.08),
    ("haitian", Language.HAITIAN_CREOLE, 0.05),
    ("somali", Language.SOMALI, 0.05),
    ("fil_PH", Language.TAGALOG, 0.05),
]
SOURCE_OF_LANGUAGE: dict[str, str] = {str(language): source for source, language, _ in LOCALES}
# Common given and family names (public-record facts, listed by hand for the demo).
OWN_NAMES: dict[str, dict[str, list[str]]] = {
    "somali": {
        "female": ["Amina", "Hodan", "Faadumo", "Sahra", "Ifrah", "Hibo", "Nasra", "Ayaan"],
        "male": ["Abdirahman", "Mohamed", "Ahmed", "Liban", "Yusuf", "Abdi", "Hassan", "Omar"],
        "last": ["Warsame", "Hassan", "Abdi", "Farah", "Jama", "Osman", "Ali", "Yusuf", "Nur"],
    },
    "haitian": {
        "female": ["Marie", "Nadège", "Fabiola", "Roseline", "Guerline", "Wislande", "Mirlande"],
        "male": ["Jean", "Wilson", "Frantz", "Pierre", "Jacques", "Wesley", "Ricardo", "Emmanuel"],
        "last": ["Joseph", "Pierre", "Jean-Baptiste", "Louis", "Charles", "Desir", "Augustin"],
    },
}
# A short name a person may ask to be called (only where one is common).
NICKNAMES = {
    "Robert": "Bob",
    "William": "Will",
    "Elizabeth": "Liz",
    "Katherine": "Kate",
    "Jennifer": "Jen",
    "Michael": "Mike",
    "Christopher": "Chris",
    "Alejandro": "Alex",
    "Francisco": "Paco",
    "Guadalupe": "Lupe",
    "José": "Pepe",
    "Abdirahman": "Abdi",
    "Margaret": "Maggie",
}
# Pronouns follow the name given: (pronouns, which names, weight).
PRONOUN_CHOICES = [
    ("she/her", "female", 0.47),
    ("he/him", "male", 0.43),
    ("they/them", "any", 0.03),
    ("she/they", "female", 0.02),
    ("", "any", 0.05),
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
EXTRA_WORKERS = [
    ("jamal", "Jamal Reed", "housing"),
    ("mei", "Mei Chen", "housing"),
    ("tomas", "Tomás Álvarez", "family"),
    ("aisha", "Aisha Warsame", "family"),
]


def _name(source: str, fake: Faker, rng: random.Random, names: str) -> tuple[str, str]:
    """A given and a family name from one naming tradition; `names` is female, male or any."""
    kind = names if names != "any" else rng.choice(["female", "male"])
    own = OWN_NAMES.get(source)
    if own:
        return rng.choice(own[kind]), rng.choice(own["last"])
    first = fake.first_name_female() if kind == "female" else fake.first_name_male()
    return first, fake.last_name()


def _fake_client(
    fake: Faker,
    rng: random.Random,
    agency: Any,
    team: Team,
    worker: User,
    language: str,
    source: str = "en_US",
) -> Client:
    pronouns, names, _ = rng.choices(PRONOUN_CHOICES, weights=[w for *_, w in PRONOUN_CHOICES])[0]
    first, last = _name(source, fake, rng, names)
    confidential = rng.random() < 0.06
    client = Client(
        agency=agency,
        team=team,
        primary_worker=worker,
        legal_first_name=first[:100],
        legal_last_name=last[:100],
        preferred_name=(NICKNAMES.get(first, "") if rng.random() < 0.5 else ""),
        pronouns=pronouns,
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
    fakers = {loc: Faker(loc if loc not in OWN_NAMES else "en_US") for loc, _, _ in LOCALES}
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
                locale,
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
        # The record was opened with the person's first episode, not when the demo loaded.
        first_day = min(e.opened_on for e in episodes[-2:] if e.client is client)
        client.created_at = dt.datetime.combine(first_day, dt.time(10), tzinfo=dt.UTC)
        source = SOURCE_OF_LANGUAGE.get(client.preferred_language, "en_US")
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            fake = fakers[source]
            given, _family = _name(source, fake, rng, "any")
            members.append(
                HouseholdMember(
                    agency=client.agency,
                    client=client,
                    name=f"{given} {client.legal_last_name}",
                    relationship=rng.choice(RELATIONSHIPS),
                    date_of_birth=fake.date_of_birth(minimum_age=1, maximum_age=80)
                    if rng.random() < 0.7
                    else None,
                    lives_with_client=rng.random() < 0.8,
                )
            )
    Episode.objects.bulk_create(episodes, batch_size=500)
    Client.objects.bulk_update(new_clients, ["created_at"], batch_size=500)
    HouseholdMember.objects.bulk_create(members, batch_size=500)
    audit_record(
        actor=None,
        actor_label="demo",
        action="demo.loaded",
        agency_id=p.river_city.pk,
        changes={"clients": [None, len(new_clients) + 5]},
    )
    return {"personas": p, "clients": len(new_clients) + 5}
