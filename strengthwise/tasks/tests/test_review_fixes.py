"""Fixes from the security review of monitoring: scopes after a transfer or merge, undo with
many-to-many links across two records, no stranded drafts from the API, NUL in fields, drafts
are not contact, signing drops hidden sections, bad dates, writes onto a merged record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from strengthwise.core.errors import DomainError
from strengthwise.notes import selectors as note_selectors
from strengthwise.notes import services as note_services
from strengthwise.notes.models import Note
from strengthwise.notes.templatetags.notes_text import client_words
from strengthwise.people import caseload, merge
from strengthwise.people.models import Client
from strengthwise.plans import services as plan_services
from strengthwise.tasks import rules, selectors, services

pytestmark = pytest.mark.django_db


def test_manual_task_about_a_transferred_client_drops_out_of_sight(personas, api):
    task = services.task_add(
        acting_user=personas.alice,
        title="Call Dana about the lease",
        due_on=timezone.localdate(),
        client=personas.dana,
    )
    caseload.client_transfer(
        acting_user=personas.bob, client=personas.dana, to_worker=personas.carol, reason="move"
    )
    assert selectors.manual_tasks(personas.alice) == []
    assert all(t["id"] != task.pk for t in api(personas.alice).get("/api/v1/tasks").json())
    assert api(personas.alice).post(f"/api/v1/tasks/{task.pk}/done", {}).status_code == 404
    personas.alice.email = "alice@example.org"
    personas.alice.save()
    call_command("remind")
    assert not any("lease" in m.body for m in mail.outbox if m.to == ["alice@example.org"])


def test_undo_refused_when_a_note_links_a_goal_of_the_other_record(personas):
    dana, twin = personas.dana, personas.dana_duplicate
    plan = plan_services.plan_start(acting_user=personas.alice, client=dana)
    goal = plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "A home", "author": "client", "domain": "daily_living"},
    )
    merged = merge.clients_merge(
        acting_user=personas.bob, survivor=twin, duplicate=dana, choices={}, reason="same person"
    )
    goal.refresh_from_db()  # it moved to the surviving record
    note = note_services.note_start(acting_user=personas.bob, client=twin)
    note_services.note_save(
        acting_user=personas.bob, note=note, fields={}, sections={"goal": "x"}, goals=[goal]
    )
    assert list(note.goals.all()) == [goal]
    with pytest.raises(DomainError, match="split"):
        merge.merge_undo(acting_user=personas.bob, merge=merged)
    assert Client.objects.get(pk=dana.pk).merged_into_id == twin.pk


def test_api_note_with_a_bad_body_leaves_no_draft(personas, api):
    client = api(personas.alice)
    dana = personas.dana
    for body in [
        {"format": "zzz"},
        {"contact_date": "2999-01-01"},
        {"present": "a\u0000b"},
        {"goal_ids": [2**70]},
        {"sections": {"goal": "x" * 25_000}},
    ]:
        response = client.post(f"/api/v1/clients/{dana.pk}/notes", body)
        assert 400 <= response.status_code < 500, body
    assert not Note.objects.exists()


def test_nul_in_a_field_is_refused_even_with_a_same_named_section(personas):
    note = note_services.note_start(acting_user=personas.alice, client=personas.dana)
    with pytest.raises(DomainError):
        note_services.note_save(
            acting_user=personas.alice,
            note=note,
            fields={"present": "a\x00b"},
            sections={"present": "ok"},
        )


def test_a_draft_is_not_contact(personas):
    note = note_services.note_start(acting_user=personas.alice, client=personas.dana)
    assert "no_contact" in {
        t.kind for t in rules.derive(personas.alice) if t.client_id == personas.dana.pk
    }
    note_services.note_save(
        acting_user=personas.alice, note=note, fields={}, sections={"goal": "x"}
    )
    note_services.note_sign(acting_user=personas.alice, note=note)
    assert "no_contact" not in {
        t.kind for t in rules.derive(personas.alice) if t.client_id == personas.dana.pk
    }


def test_signing_drops_sections_of_another_format(personas):
    note = note_services.note_start(acting_user=personas.alice, client=personas.dana)
    note_services.note_save(
        acting_user=personas.alice,
        note=note,
        fields={"format": "soap"},
        sections={"subjective": "quokka"},
    )
    note = note_services.note_save(
        acting_user=personas.alice,
        note=note,
        fields={"format": "girp"},
        sections={"goal": "housing"},
    )
    signed = note_services.note_sign(acting_user=personas.alice, note=note)
    assert "subjective" not in signed.sections
    assert note_selectors.search(personas.alice, "quokka") == []  # nor in the word index
    assert note_selectors.search(personas.alice, "housing") == [signed]


def test_absurd_dates_refused(personas):
    note = note_services.note_start(acting_user=personas.alice, client=personas.dana)
    with pytest.raises(DomainError):
        note_services.note_save(
            acting_user=personas.alice,
            note=note,
            fields={"contact_date": dt.date(1, 1, 1)},
            sections={},
        )


def test_no_write_onto_a_record_merged_a_moment_ago(personas):
    stale = Client.objects.get(pk=personas.dana.pk)
    merge.clients_merge(
        acting_user=personas.bob,
        survivor=personas.dana_duplicate,
        duplicate=personas.dana,
        choices={},
        reason="same",
    )
    with pytest.raises(DomainError, match="merged into another"):
        note_services.note_start(acting_user=personas.alice, client=stale)
    with pytest.raises(DomainError, match="merged into another"):
        services.task_add(
            acting_user=personas.alice, title="x", due_on=timezone.localdate(), client=stale
        )


def test_signed_note_post_is_409(personas, web):
    note = note_services.note_start(acting_user=personas.alice, client=personas.dana)
    note_services.note_save(
        acting_user=personas.alice, note=note, fields={}, sections={"goal": "x"}
    )
    note_services.note_sign(acting_user=personas.alice, note=note)
    response = web(personas.alice).post(
        reverse("notes:note", args=[personas.dana.pk, note.pk]), {"s_goal": "changed"}
    )
    assert response.status_code == 409
    note.refresh_from_db()
    assert note.sections["goal"] == "x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'She said "I can do this"',
            'She said <span class="client-words">&quot;I can do this&quot;</span>',
        ),
        ("“mine”", '<span class="client-words">“mine”</span>'),
        (
            '<script>alert(1)</script> "x"',
            '&lt;script&gt;alert(1)&lt;/script&gt; <span class="client-words">&quot;x&quot;</span>',
        ),
        ('a " b', "a &quot; b"),
    ],
)
def test_client_words_escapes(text, expected):
    assert str(client_words(text)) == expected
