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
