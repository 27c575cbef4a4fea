"""The demo agency loads, tells PERSONAS.md's story and leaves an intact audit chain."""

from __future__ import annotations

from django.core.management import call_command

from strengthwise.accounts.models import User
from strengthwise.audit.verify import audit_chain_verify
from strengthwise.people.demo import load
from strengthwise.people.models import Client
from strengthwise.people.selectors import client_search


def test_demo_agency_has_the_personas_and_realistic_clients(db):
    result = load(clients=60)
    assert result["clients"] >= 60
    assert set(User.objects.values_list("username", flat=True)) >= {
        "alice",
        "bob",
        "carol",
        "mallory",
        "priya",
        "admin",
    }
    dana = Client.objects.get(
        legal_first_name="Dana", legal_last_name="Whitfield", agency__slug="river-city"
    )
    assert dana.primary_worker.username == "alice"
    assert {m.name for m in dana.household.all()} == {"Jayden Whitfield", "Marisol Whitfield"}
    assert Client.objects.filter(preferred_language="es").count() > 3
    alice = User.objects.get(username="alice")
    assert client_search(visible_to=alice, query="whitfeld")[0].legal_last_name in {
        "Whitfield",
        "Whitfeld",
    }
    assert audit_chain_verify().ok


def test_demo_command_does_not_load_twice(db, capsys):
    call_command("demo", no_serve=True, clients=20)
    first = Client.objects.count()
    call_command("demo", no_serve=True, clients=20)
    assert Client.objects.count() == first
    out = capsys.readouterr().out
    assert "alice" in out and "strengths-first" in out and "already holds data" in out


def test_demo_names_pronouns_and_dates_are_plausible(db):
    """Issue 10: pronouns consistent with names, plausible names for each language, and
    records dated over the case's history rather than at load time."""
    from faker import Faker

    from strengthwise.people.demo import NICKNAMES, OWN_NAMES

    p = load(clients=200)["personas"]
    personas = {p.dana.pk, p.rosa.pk, p.carol_client.pk, p.dana_duplicate.pk, p.mallory_client.pk}
    clients = list(Client.objects.exclude(pk__in=personas))
    female = {n for own in OWN_NAMES.values() for n in own["female"]}
    male = {n for own in OWN_NAMES.values() for n in own["male"]}
    for locale in ("en_US", "es_MX", "vi_VN", "fil_PH"):
        for provider in Faker(locale).providers:
            if "person" in type(provider).__module__:
                female |= set(provider.first_names_female)
                male |= set(provider.first_names_male)
    for c in clients:
        if c.pronouns == "he/him":
            assert c.legal_first_name in male, c.legal_first_name
        if c.pronouns in ("she/her", "she/they"):
            assert c.legal_first_name in female, c.legal_first_name
        # A preferred name is a common short form of their name ("Bob" for Robert), never
        # the first three letters of any name ("Mar" for Maria).
        assert c.preferred_name in ("", NICKNAMES.get(c.legal_first_name)), c
    somali = [c for c in clients if c.preferred_language == "so"]
    assert somali and all(c.legal_last_name in OWN_NAMES["somali"]["last"] for c in somali)
    # The record was opened with the first episode, over two years, not all at load time.
    days = {c.created_at.date() for c in clients}
    assert len(days) > 50
    for c in clients[:50]:
        first = min(e.opened_on for e in c.episodes.all())
        assert c.created_at.date() == first
