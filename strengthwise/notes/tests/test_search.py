"""Notes search through the full-text index over keyed tokens (migrations 0004 and 0007,
notes/word_index.py): every word as a word or the start of one, accents folded, the access rule
applied to the matches, best match first, then newest, and a constant number of queries; the
column and the index hold no word of a note. The same expectations hold on SQLite and
PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from strengthwise.core import crypto
from strengthwise.core.text import fold
from strengthwise.notes import selectors, services, word_index
from strengthwise.notes.models import Note

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 1, 10)


@pytest.fixture(autouse=True, params=["each note in scope", "the index's matches"])
def matching(request, monkeypatch):
    """Every test holds for both ways the database matches the notes in scope: each note on
    its own start tokens (a small scope), or against the full-text index's matches (a large
    one)."""
    few = 10**9 if request.param == "each note in scope" else 0
    monkeypatch.setattr(selectors, "FEW_IN_SCOPE", few)
    return request.param


def write(user, client, text, *, day=DAY, sign=True):
    note = services.note_start(acting_user=user, client=client)
    note = services.note_save(
        acting_user=user,
        note=note,
        fields={"contact_date": day},
        sections={"goal": "", "intervention": text, "response": "", "plan": ""},
    )
    return services.note_sign(acting_user=user, note=note) if sign else note


def found(user, query, **kwargs):
    return [n.pk for n in selectors.search(user, query, **kwargs)]


def fresh(user):
    """The user as a new request sees them (no cached team ids)."""
    return type(user).objects.get(pk=user.pk)


def test_every_word_matches_as_a_word_or_its_start(personas):
    alice, dana = personas.alice, personas.dana
    note = write(alice, dana, "Called two landlords about the lease on Maple Street")
    assert found(alice, "landlords") == [note.pk]
    assert found(alice, "land") == [note.pk]
    assert found(alice, "LANDL lea") == [note.pk]
    assert found(alice, "maple street called") == [note.pk]  # any order
    assert found(alice, "lords") == []  # inside a word, not its start
    assert found(alice, "landlords parking") == []  # every word must match
    assert found(alice, "  ") == []
    assert found(alice, "!!") == []


def test_accents_and_case_are_folded_both_ways(personas):
    alice, dana = personas.alice, personas.dana
    accented = write(alice, dana, "Met José at the café near the École")
    plain = write(alice, dana, "Met Jose at the cafe near the park", day=DAY - dt.timedelta(1))
    assert found(alice, "jose cafe") == [accented.pk, plain.pk]  # equal matches: newest first
    assert found(alice, "JOSÉ Café") == [accented.pk, plain.pk]
    assert found(alice, "ecole") == [accented.pk]
    assert found(alice, "École") == [accented.pk]


def test_words_of_other_scripts(personas):
    alice, dana = personas.alice, personas.dana
    note = write(alice, dana, "Говорили о квартире; Nguyễn Thị will call")
    assert found(alice, "квартире") == [note.pk]
    assert found(alice, "КВАРТ") == [note.pk]
    assert found(alice, "nguyen thi") == [note.pk]


def test_another_teams_or_agencys_signed_notes_never_appear(personas):
    alice, bob, carol, mallory = personas.alice, personas.bob, personas.carol, personas.mallory
    own = write(alice, personas.dana, "Called the landlords")
    carols = write(carol, personas.carol_client, "Called the landlords")
    mallorys = write(mallory, personas.mallory_client, "Called the landlords")
    assert found(alice, "landlords") == [own.pk]
    assert set(found(bob, "landlords")) == {own.pk, carols.pk}  # he supervises both teams
    assert found(carol, "landlords") == [carols.pk]
    assert found(mallory, "landlords") == [mallorys.pk]
    assert found(personas.priya, "landlords") == []  # no individual records
    assert found(personas.admin, "landlords") == []


def test_someone_elses_draft_never_appears(personas):
    alice, bob = personas.alice, personas.bob
    draft = write(alice, personas.dana, "Draft about the landlords", sign=False)
    signed = write(alice, personas.dana, "Signed about the landlords", day=DAY - dt.timedelta(1))
    bobs_draft = write(bob, personas.dana, "Bob's draft about the landlords", sign=False)
    assert set(found(alice, "landlords")) == {draft.pk, signed.pk}
    assert set(found(bob, "landlords")) == {signed.pk, bobs_draft.pk}


def test_best_match_first_then_newest(personas):
    alice, dana = personas.alice, personas.dana
    filler = "we talked about the week, the bus, the children and the garden plans " * 3
    old_once = write(alice, dana, f"{filler} one landlord", day=DAY - dt.timedelta(days=30))
    new_once = write(alice, dana, f"{filler} one landlord", day=DAY)
    best = write(alice, dana, "landlord landlord landlord", day=DAY - dt.timedelta(days=60))
    write(alice, dana, "nothing to do with it", day=DAY)
    assert found(alice, "landlord") == [best.pk, new_once.pk, old_once.pk]


def test_one_clients_notes(personas):
    alice = personas.alice
    dana = write(alice, personas.dana, "Called the landlords")
    rosa = write(alice, personas.rosa, "Called the landlords")
    assert found(alice, "landlords", client=personas.dana) == [dana.pk]
    assert found(alice, "landlords", client=personas.rosa) == [rosa.pk]


def test_the_index_follows_edits_and_deletes(personas):
    alice = personas.alice
    note = write(alice, personas.dana, "Called the landlords", sign=False)
    services.note_save(
        acting_user=alice, note=note, fields={}, sections={"intervention": "Visited the clinic"}
    )
    assert found(alice, "landlords") == []
    assert found(alice, "clinic") == [note.pk]
    Note.objects.filter(pk=note.pk).delete()
    assert found(alice, "clinic") == []


def test_limited_to_the_best_fifty(personas):
    alice, dana = personas.alice, personas.dana
    notes = [
        write(alice, dana, "Called the landlords", day=DAY - dt.timedelta(days=i))
        for i in range(selectors.SEARCH_LIMIT + 3)
    ]
    assert found(alice, "landlords") == [n.pk for n in notes[: selectors.SEARCH_LIMIT]]


def queries(run):
    with CaptureQueriesContext(connection) as ctx:
        run()
    return len(ctx.captured_queries)


def test_search_uses_a_constant_number_of_queries(personas, web):
    alice, dana, rosa = personas.alice, personas.dana, personas.rosa
    write(alice, dana, "Called the landlords")
    browser = web(alice)
    small_selector = queries(lambda: selectors.search(fresh(alice), "landlords"))
    # (fresh: the user is read again, as each request does; the teams are cached on it)
    small_page = queries(lambda: browser.get("/notes/search/?q=landlords"))
    small_client = queries(lambda: browser.get(f"/clients/{dana.pk}/notes/?q=landlords"))
    for i in range(12):
        write(alice, dana if i % 2 else rosa, "Called the landlords", day=DAY - dt.timedelta(i))
    # The user, their teams, how many notes are in scope, the ranked ids, the page's notes
    # with client and author.
    assert small_selector == queries(lambda: selectors.search(fresh(alice), "landlords"))
    assert small_selector == 5
    assert small_page == queries(lambda: browser.get("/notes/search/?q=landlords"))
    assert small_client == queries(lambda: browser.get(f"/clients/{dana.pk}/notes/?q=landlords"))
    assert queries(lambda: selectors.search(fresh(alice), "nowhere")) == 4


def _raw_index_text(note):
    """What the database holds for the note's words: the column, and on SQLite the terms the
    FTS5 index itself stores for the note."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_text FROM notes_note WHERE id = %s", [note.pk])
        held = [cursor.fetchone()[0]]
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.notes_terms "
                "USING fts5vocab(main, notes_note_fts, instance)"
            )
            cursor.execute("SELECT term FROM temp.notes_terms WHERE doc = %s", [note.pk])
            held.extend(row[0] for row in cursor.fetchall())
        else:
            cursor.execute(
                "SELECT to_tsvector('simple', search_text)::text FROM notes_note WHERE id = %s",
                [note.pk],
            )
            held.append(cursor.fetchone()[0])
    return " ".join(held)


def test_the_index_holds_keyed_tokens_never_words(personas):
    alice, mallory = personas.alice, personas.mallory
    text = "Called Quillhaven Housing about the eviction hearing"
    note = write(alice, personas.dana, text)
    theirs = write(mallory, personas.mallory_client, text)
    held = _raw_index_text(note)
    assert held.strip()
    for word in fold(text).split():
        for start in (word, word[:4]):
            assert start not in held.split(), start
    assert "quillhaven" not in held and "eviction" not in held
    # The same words give other tokens in another agency.
    assert not set(note.search_text.split()) & set(theirs.search_text.split())
    assert found(alice, "quillhaven evict") == [note.pk]
    assert found(mallory, "quillhaven evict") == [theirs.pk]


def test_a_long_query_word_matches_on_its_first_letters(personas):
    alice, dana = personas.alice, personas.dana
    note = write(alice, dana, "Talked about interdisciplinary support")
    assert len("interdisciplinary") > word_index.MAX_PREFIX
    assert found(alice, "interdisciplinary") == [note.pk]
    assert found(alice, "interdiscipl") == [note.pk]
    assert found(alice, "interdisciplinarity") == [note.pk]  # its first 12 letters match
    assert found(alice, "interdisco") == []


def test_search_follows_a_key_rotation(personas):
    alice = personas.alice
    machine = ",".join(f"{k.id}:{base64.b64encode(k.secret).decode()}" for k in crypto.field_keys())
    old = write(alice, personas.dana, "Called the landlords")
    new_key = crypto.new_key_spec("n")
    with override_settings(STRENGTHWISE_FIELD_KEYS=f"{new_key},{machine}"):
        new = write(alice, personas.dana, "Visited the landlords", day=DAY - dt.timedelta(1))
        # Before the rotation: tokens under either key are asked for.
        assert found(alice, "landlords") == [old.pk, new.pk]
        call_command("rotate_keys")
    with override_settings(STRENGTHWISE_FIELD_KEYS=new_key):
        assert found(alice, "landlords") == [old.pk, new.pk]
        assert found(alice, "visit") == [new.pk]
