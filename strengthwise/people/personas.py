"""The people of PERSONAS.md, in one place, for the tests and the demo agency.

alice (worker, owns Dana), bob (alice's supervisor), carol (same agency, other team),
mallory (another agency), priya (program manager), admin (agency admin); clients Dana
Whitfield, Rosa Hernández and the old duplicate record "Dana Whitfeld".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from strengthwise.accounts.models import Agency, Membership, Program, Role, Team, User

from .models import Client, ContactMethod, Episode, HouseholdMember, Language
from .services import client_refresh_search_fields

DEMO_PASSWORD = "strengths-first"


@dataclass
class Personas:
    river_city: Agency
    eastgate: Agency
    housing_program: Program
    family_program: Program
    housing: Team
    family: Team
    eastgate_team: Team
    alice: User
    bob: User
    carol: User
    mallory: User
    priya: User
    admin: User
    dana: Client
    rosa: Client
    dana_duplicate: Client
    carol_client: Client
    mallory_client: Client


def _user(username: str, agency: Agency, role: str, name: str, *, staff: bool = False) -> User:
    first, _, last = name.partition(" ")
    user = User(
        username=username,
        agency=agency,
        role=role,
        first_name=first,
        last_name=last,
        display_name=name,
        email=f"{username}@example.org",
        is_staff=staff,
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _client(agency: Agency, team: Team, worker: User | None, **fields: object) -> Client:
    client = Client(agency=agency, team=team, primary_worker=worker, **fields)
    client_refresh_search_fields(client)
    client.save()
    return client


@transaction.atomic
def create_personas() -> Personas:
    river = Agency.objects.create(
        name="River City Community Services", slug="river-city", timezone="America/Chicago"
    )
    east = Agency.objects.create(
        name="Eastgate Outreach", slug="eastgate", timezone="America/New_York"
    )
    housing_program = Program.objects.create(
        agency=river, name="Housing Stability", requires_plan_approval=True
    )
    family_program = Program.objects.create(
        agency=river, name="Family Support", requires_plan_approval=False
    )
    east_program = Program.objects.create(agency=east, name="Street Outreach")
    housing = Team.objects.create(agency=river, program=housing_program, name="Housing Stability")
    family = Team.objects.create(agency=river, program=family_program, name="Family Support")
    east_team = Team.objects.create(agency=east, program=east_program, name="Outreach")

    alice = _user("alice", river, Role.WORKER, "Alice Moreno")
    bob = _user("bob", river, Role.SUPERVISOR, "Bob Okafor")
    carol = _user("carol", river, Role.WORKER, "Carol Lindqvist")
    priya = _user("priya", river, Role.PROGRAM_MANAGER, "Priya Raman")
    admin = _user("admin", river, Role.ADMIN, "Agency Admin", staff=True)
    mallory = _user("mallory", east, Role.WORKER, "Mallory Quinn")
    Membership.objects.bulk_create(
        [
            Membership(agency=river, user=alice, team=housing),
            Membership(agency=river, user=bob, team=housing, kind=Membership.Kind.SUPERVISOR),
            Membership(agency=river, user=bob, team=family, kind=Membership.Kind.SUPERVISOR),
            Membership(agency=river, user=carol, team=family),
            Membership(agency=east, user=mallory, team=east_team),
        ]
    )

    dana = _client(
        river,
        housing,
        alice,
        legal_first_name="Dana",
        legal_last_name="Whitfield",
        pronouns="she/her",
        date_of_birth=dt.date(1992, 4, 17),
        preferred_language=Language.ENGLISH,
        phone="(555) 201-4417",
        email="dana.whitfield@example.org",
        preferred_contact_method=ContactMethod.TEXT,
        ok_to_leave_message=True,
        address_line1="Riverside Motor Inn, room 14",
        city="River City",
        region="IL",
        postal_code="60601",
        contact_notes="Works afternoons at the grocery store; text before noon.",
    )
    HouseholdMember.objects.create(
        agency=river,
        client=dana,
        name="Jayden Whitfield",
        relationship="son",
        date_of_birth=dt.date(2017, 9, 3),
    )
    HouseholdMember.objects.create(
        agency=river,
        client=dana,
        name="Marisol Whitfield",
        relationship="sister",
        lives_with_client=False,
        notes="Drives Dana to appointments.",
    )
    rosa = _client(
        river,
        housing,
        alice,
        legal_first_name="Rosa",
        legal_last_name="Hernández",
        pronouns="she/her",
        date_of_birth=dt.date(1974, 2, 8),
        preferred_language=Language.SPANISH,
        other_languages="some English",
        phone="(555) 330-0874",
        preferred_contact_method=ContactMethod.PHONE,
        address_line1="412 Alder Street",
        city="River City",
        region="IL",
        postal_code="60612",
    )
    HouseholdMember.objects.create(
        agency=river,
        client=rosa,
        name="Mateo Hernández",
        relationship="grandson",
        date_of_birth=dt.date(2014, 6, 21),
    )
    dana_duplicate = _client(
        river,
        housing,
        None,
        legal_first_name="Dana",
        legal_last_name="Whitfeld",
        date_of_birth=dt.date(1992, 4, 17),
        phone="555-201-4417",
        contact_notes="Old intake record (2021).",
    )
    carol_client = _client(
        river,
        family,
        carol,
        legal_first_name="Keisha",
        legal_last_name="Brown",
        pronouns="she/her",
        date_of_birth=dt.date(1988, 11, 30),
        address_confidential=True,
        address_line1="(shelter address)",
        city="River City",
        region="IL",
    )
    mallory_client = _client(
        east,
        east_team,
        mallory,
        legal_first_name="Dana",
        legal_last_name="Whitfield",
        date_of_birth=dt.date(1992, 4, 17),
        contact_notes="Another agency's record: never visible to River City.",
    )
    today = dt.date.today()
    Episode.objects.bulk_create(
        [
            Episode(
                agency=river,
                client=dana,
                program=housing_program,
                opened_on=today - dt.timedelta(days=120),
                opened_by=alice,
            ),
            Episode(
                agency=river,
                client=rosa,
                program=housing_program,
                opened_on=today - dt.timedelta(days=45),
                opened_by=alice,
            ),
            Episode(
                agency=river,
                client=dana_duplicate,
                program=housing_program,
                opened_on=dt.date(2021, 3, 2),
                closed_on=dt.date(2021, 6, 30),
                close_reason="no contact",
            ),
            Episode(
                agency=river,
                client=carol_client,
                program=family_program,
                opened_on=today - dt.timedelta(days=60),
                opened_by=carol,
            ),
            Episode(
                agency=east,
                client=mallory_client,
                program=east_program,
                opened_on=today - dt.timedelta(days=10),
                opened_by=mallory,
            ),
        ]
    )
    return Personas(
        river_city=river,
        eastgate=east,
        housing_program=housing_program,
        family_program=family_program,
        housing=housing,
        family=family,
        eastgate_team=east_team,
        alice=alice,
        bob=bob,
        carol=carol,
        mallory=mallory,
        priya=priya,
        admin=admin,
        dana=dana,
        rosa=rosa,
        dana_duplicate=dana_duplicate,
        carol_client=carol_client,
        mallory_client=mallory_client,
    )
