"""Field encryption (core/crypto.py, core/fields.py): sealed values, keys and their rotation,
and the raw database — an SQLite copy of the file and a `pg_dump` — holding none of the
plaintexts a records thief would look for."""

from __future__ import annotations

import base64
import datetime as dt
import os
import shutil
import stat
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from strengthwise.accounts.models import StaffAuthenticator
from strengthwise.accounts.testing import authenticator_for
from strengthwise.assessments import services as assessment_services
from strengthwise.assessments.models import Factor
from strengthwise.audit.models import AuditEvent
from strengthwise.core import crypto
from strengthwise.core.apps import _private_sqlite_files
from strengthwise.core.checks import field_keys_check
from strengthwise.core.fields import SealedLookupError
from strengthwise.core.files import write_private
from strengthwise.notes import services as note_services
from strengthwise.people import services as people_services
from strengthwise.people.models import Client, HouseholdMember
from strengthwise.plans import services as plan_services
from strengthwise.plans.models import Goal, Plan

KEY_A = crypto.new_key_spec("a")
KEY_B = crypto.new_key_spec("b")

ADDRESS = "14 Quillhaven Passage"
DOB = dt.date(1961, 7, 29)
NOTE_WORDS = "Talked through how she stayed sober at the Quillhaven wedding"
ADDENDUM = "Quillhaven sponsor phoned back"
STRENGTH = "Got herself sober six years ago and keeps her Tuesday meeting"
GOAL = "Stay sober through the custody hearing in March"
GOAL_REWORDED = "Stay sober and keep Jayden with me after the hearing"
WHY = "Jayden needs me clear-headed at the Brackenfold school"
GAS_ZERO = "Thirty days without a drink by the Brackenfold review"


def test_a_sealed_value_opens_only_in_its_column_and_unaltered():
    sealed = crypto.seal("12 Elm St", context="people.client.address_line1")
    assert sealed.startswith("sw1:") and "Elm" not in sealed
    assert crypto.unseal(sealed, context="people.client.address_line1") == "12 Elm St"
    # The same text seals differently each time (a fresh nonce).
    assert crypto.seal("12 Elm St", context="x") != crypto.seal("12 Elm St", context="x")
    with pytest.raises(crypto.SealError, match="altered"):
        crypto.unseal(sealed, context="people.client.address_line2")
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(crypto.SealError):
        crypto.unseal(tampered, context="people.client.address_line1")
    # A value stored before its column was sealed reads as it is.
    assert crypto.unseal("12 Elm St", context="people.client.address_line1") == "12 Elm St"


def test_keys_are_parsed_strictly_and_never_echoed():
    assert [k.id for k in crypto.parse_keys(f"{KEY_B},{KEY_A}")] == ["b", "a"]
    for bad, message in [
        ("", "no field key"),
        ("nokey", "ID:BASE64"),
        ("a:not-base64!", "not valid base64"),
        ("a:" + "QUJD", "must be 32 bytes"),
        (f"{KEY_A},{KEY_A}", "used twice"),
    ]:
        with pytest.raises(ValueError, match=message) as caught:
            crypto.parse_keys(bad)
        assert KEY_A.split(":")[1] not in str(caught.value)


def test_a_value_sealed_with_a_removed_key_says_which_key_is_missing():
    with override_settings(STRENGTHWISE_FIELD_KEYS=KEY_A):
        sealed = crypto.seal("x", context="c")
    with (
        override_settings(STRENGTHWISE_FIELD_KEYS=KEY_B),
        pytest.raises(crypto.SealError, match="'a'.*not configured"),
    ):
        crypto.unseal(sealed, context="c")


def test_production_needs_field_keys_from_the_environment():
    with override_settings(DEBUG=False, STRENGTHWISE_DEMO=False, STRENGTHWISE_FIELD_KEYS=""):
        assert [e.id for e in field_keys_check()] == ["core.E001"]
    with override_settings(DEBUG=False, STRENGTHWISE_DEMO=False, STRENGTHWISE_FIELD_KEYS="a:x"):
        assert [e.id for e in field_keys_check()] == ["core.E002"]
    with override_settings(DEBUG=False, STRENGTHWISE_DEMO=False, STRENGTHWISE_FIELD_KEYS=KEY_A):
        assert field_keys_check() == []


def test_key_files_and_sqlite_databases_are_private(tmp_path: Path):
    key_file = tmp_path / "var" / "field_keys"
    write_private(key_file, KEY_A)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with override_settings(STRENGTHWISE_FIELD_KEYS="", STRENGTHWISE_FIELD_KEYS_FILE=tmp_path / "k"):
        crypto.field_keys()  # made on first use
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o600
    db = tmp_path / "db.sqlite3"
    db.write_bytes(b"")
    db.chmod(0o644)
    wal = tmp_path / "db.sqlite3-wal"
    wal.write_bytes(b"")
    wal.chmod(0o664)
    fake = SimpleNamespace(vendor="sqlite", settings_dict={"NAME": str(db)})
    _private_sqlite_files(None, fake)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(wal.stat().st_mode) == 0o600


def _sensitive_record(personas) -> Client:
    alice = personas.alice
    dana = personas.dana
    people_services.client_update(
        acting_user=alice,
        client=dana,
        version=dana.version,
        fields={
            "address_line1": ADDRESS,
            "address_confidential": True,
            "date_of_birth": DOB,
            "home_latitude": 38.581234,
            "home_longitude": -121.494321,
        },
    )
    people_services.household_member_add(
        acting_user=alice,
        client=dana,
        fields={"name": "Quill", "relationship": "son", "date_of_birth": dt.date(2011, 2, 3)},
    )
    note = note_services.note_start(acting_user=alice, client=dana)
    note = note_services.note_save(
        acting_user=alice, note=note, fields={}, sections={"goal": NOTE_WORDS}
    )
    note = note_services.note_sign(acting_user=alice, note=note)
    note_services.addendum_add(acting_user=alice, note=note, text=ADDENDUM)
    # A strength and a goal in a protected category (substance use), the goal reworded once.
    assessment_services.factor_add(
        acting_user=alice,
        client=dana,
        fields={
            "description": STRENGTH,
            "level": "micro",
            "valence": "strength",
            "domain": "health",
        },
    )
    plan = Plan.objects.filter(client=dana).first() or plan_services.plan_start(
        acting_user=alice, client=dana
    )
    goal = plan_services.goal_add(
        acting_user=alice,
        plan=plan,
        fields={"statement": GOAL, "why_it_matters": WHY, "gas_zero": GAS_ZERO, "domain": "health"},
    )
    plan_services.goal_update(
        acting_user=alice, goal=goal, version=goal.version, fields={"statement": GOAL_REWORDED}
    )
    authenticator_for(alice)
    return Client.objects.get(pk=dana.pk)


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_sensitive_fields_are_sealed_in_the_database_and_read_back(personas, api):
    dana = _sensitive_record(personas)
    assert dana.address_line1 == ADDRESS
    assert dana.date_of_birth == DOB
    assert dana.home_latitude == pytest.approx(38.581234)
    for column in ("address_line1", "date_of_birth", "home_latitude", "home_longitude"):
        assert _raw("people_client", column, dana.pk).startswith("sw1:")
    note = dana.notes.get()
    assert note.sections["goal"] == NOTE_WORDS
    assert _raw("notes_note", "sections", note.pk).startswith("sw1:")
    # A note in a protected category stays out of the word index.
    assert note.categories == ["substance_use"] and note.search_text == ""
    assert note.addenda.get().text == ADDENDUM
    assert HouseholdMember.objects.get(client=dana, name="Quill").date_of_birth == dt.date(
        2011, 2, 3
    )
    # Search by date of birth still finds her, through the blind index.
    found = api(personas.alice).get("/api/v1/clients?q=1961-07-29").json()["items"]
    assert [c["id"] for c in found] == [dana.pk]
    # Comparing a sealed column in SQL is refused, never silently empty.
    with pytest.raises(SealedLookupError):
        Client.objects.filter(date_of_birth=DOB).exists()
    # The strength and the goal read back as written, sealed in their rows, and the goal's
    # earlier words too; the audit trail says they were written, never what they say.
    factor = Factor.objects.get(client=dana)
    assert factor.description == STRENGTH and factor.categories == ["substance_use"]
    assert _raw("assessments_factor", "description", factor.pk).startswith("sw1:")
    goal = Goal.objects.get(client=dana)
    assert (goal.statement, goal.why_it_matters, goal.gas_zero) == (GOAL_REWORDED, WHY, GAS_ZERO)
    assert goal.categories == ["substance_use"]
    for column in ("statement", "why_it_matters", "gas_zero"):
        assert _raw("plans_goal", column, goal.pk).startswith("sw1:")
    wording = goal.wordings.get()
    assert (wording.before, wording.after) == (GOAL, GOAL_REWORDED)
    assert _raw("plans_goalwording", "before", wording.pk).startswith("sw1:")
    events = AuditEvent.objects.filter(action__in=["factor.added", "goal.added", "goal.updated"])
    assert events.count() == 3 and "sober" not in str([e.changes for e in events])


def _plaintexts() -> list[bytes]:
    texts = [ADDRESS, "Quillhaven", "stayed sober", DOB.isoformat(), "2011-02-03", "38.581234"]
    texts += ["herself sober", "custody hearing", "Brackenfold", "Jayden with me"]
    # The staff authenticator's key, in hex as django-otp would keep it.
    texts += [d.key for d in StaffAuthenticator.objects.all()]
    return [t.encode() for t in texts]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_raw_database_holds_none_of_the_sealed_plaintexts(personas, tmp_path: Path):
    _sensitive_record(personas)
    if connection.vendor == "sqlite":
        copy = tmp_path / "copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(copy)])
        raw = copy.read_bytes()
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.skip("pg_dump is not installed")
        settings = connection.settings_dict
        env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        raw = subprocess.run(
            [
                pg_dump,
                "--data-only",
                "-h",
                settings.get("HOST") or "127.0.0.1",
                "-p",
                str(settings.get("PORT") or 5432),
                "-U",
                settings.get("USER") or "postgres",
                settings["NAME"],
            ],
            check=True,
            capture_output=True,
            env=env,
        ).stdout
    assert b"Dana" in raw  # the copy is real: unsealed fields are in it
    assert StaffAuthenticator.objects.exists() and Goal.objects.exists()
    for text in _plaintexts():
        assert text not in raw, text


@pytest.mark.django_db
def test_rotation_reseals_everything_under_the_new_key(personas, api, capsys):
    # The personas were sealed with the machine's own key: it stays configured until rotated.
    machine = ",".join(f"{k.id}:{base64.b64encode(k.secret).decode()}" for k in crypto.field_keys())
    with override_settings(STRENGTHWISE_FIELD_KEYS=f"{KEY_A},{machine}"):
        dana = _sensitive_record(personas)
        assert crypto.key_id_of(_raw("people_client", "date_of_birth", dana.pk)) == "a"
    with override_settings(STRENGTHWISE_FIELD_KEYS=f"{KEY_B},{KEY_A},{machine}"):
        # Before the rotation, search still finds her under the old key's index.
        found = api(personas.alice).get("/api/v1/clients?q=1961-07-29").json()["items"]
        assert [c["id"] for c in found] == [dana.pk]
        call_command("rotate_keys", "--dry-run")
        assert "Values under other keys than b: 1, a." in capsys.readouterr().out
        call_command("rotate_keys")
        assert "can be removed" in capsys.readouterr().out
    with override_settings(STRENGTHWISE_FIELD_KEYS=KEY_B):
        for column in ("address_line1", "date_of_birth"):
            assert crypto.key_id_of(_raw("people_client", column, dana.pk)) == "b"
        note = Client.objects.get(pk=dana.pk).notes.get()
        assert crypto.key_id_of(_raw("notes_note", "sections", note.pk)) == "b"
        assert note.sections["goal"] == NOTE_WORDS
        found = api(personas.alice).get("/api/v1/clients?q=1961-07-29").json()["items"]
        assert [c["id"] for c in found] == [dana.pk]
        call_command("rotate_keys", "--dry-run")
        assert "Every value is sealed with the current key b." in capsys.readouterr().out


@pytest.mark.django_db
def test_sql_on_a_sealed_column_is_refused_loudly(personas):
    """Sealed values sort and compare by their random nonce: every such query fails loudly
    instead of answering wrongly. Only "is empty" may be asked."""
    from django.core.exceptions import FieldError
    from django.db.models import Case, F, When
    from django.db.models.functions import Coalesce, Lower

    refused = [
        lambda: Client.objects.order_by("date_of_birth"),
        lambda: Client.objects.order_by("-address_line1"),
        lambda: Client.objects.order_by(F("home_latitude").desc(nulls_last=True)),
        lambda: Goal.objects.order_by("statement"),
        lambda: Factor.objects.order_by("client__date_of_birth"),
        lambda: Goal.objects.filter(statement="Stay sober"),
        # Through an annotation or a function: the same meaningless order.
        lambda: Client.objects.annotate(born=F("date_of_birth")).order_by("born"),
        lambda: Client.objects.order_by(Lower("address_line1")),
        lambda: Client.objects.order_by(Coalesce("address_line1", "legal_last_name")),
    ]
    for query in refused:
        with pytest.raises(SealedLookupError):
            list(query())
    for lookup in ("statement__icontains", "statement__startswith", "statement__in"):
        with pytest.raises(FieldError, match="Unsupported lookup"):
            list(Goal.objects.filter(**{lookup: ["x"] if lookup.endswith("in") else "x"}))
    # Still allowed: "is empty", and ordering by the columns that are not sealed, or by
    # whether a sealed one is empty.
    assert list(Client.objects.filter(address_line2="").order_by("legal_last_name"))
    list(Client.objects.filter(date_of_birth__isnull=True))  # no error
    empty_first = Case(When(address_line1="", then=0), default=1)
    assert list(Client.objects.order_by(empty_first, "legal_last_name"))


def _machine_keys() -> str:
    return ",".join(f"{k.id}:{base64.b64encode(k.secret).decode()}" for k in crypto.field_keys())


def _goals(personas, words: list[str]) -> list[Goal]:
    alice, dana = personas.alice, personas.dana
    plan = Plan.objects.filter(client=dana).first() or plan_services.plan_start(
        acting_user=alice, client=dana
    )
    return [
        plan_services.goal_add(
            acting_user=alice, plan=plan, fields={"statement": w, "domain": "health"}
        )
        for w in words
    ]


@pytest.mark.django_db
def test_writes_during_a_rotation_are_kept_and_end_under_the_new_key(personas, capsys):
    """A save between two batches — by a server still sealing with the old key — is neither
    lost nor left under the old key: the batch that reaches a row reads what is stored then,
    and a second pass re-seals what was written behind the first."""
    from strengthwise.core.rotation import rotate

    machine = _machine_keys()
    with override_settings(STRENGTHWISE_FIELD_KEYS=f"{KEY_A},{machine}"):
        first, second, third = _goals(personas, ["Goal one", "Goal two", "Goal three"])
    calls: list[list[int]] = []

    def meanwhile(locked: list) -> None:
        calls.append([row.pk for row in locked])
        if locked[0].pk != second.pk or len([c for c in calls if c == [second.pk]]) > 1:
            return
        # The first goal's batch is done; a server still sealing with the old key a (it opens
        # b too) saves the goal behind the rotation and the one ahead of it.
        with override_settings(STRENGTHWISE_FIELD_KEYS=f"{KEY_A},{KEY_B},{machine}"):
            for goal, words in ((first, "Goal one, reworded"), (third, "Goal three, reworded")):
                goal = Goal.objects.get(pk=goal.pk)
                plan_services.goal_update(
                    acting_user=personas.alice,
                    goal=goal,
                    version=goal.version,
                    fields={"statement": words},
                )

    with override_settings(STRENGTHWISE_FIELD_KEYS=f"{KEY_B},{KEY_A},{machine}"):
        reports = rotate(batch=1, in_batch=meanwhile)
        goal_report = next(r for r in reports if r.label == "plans.Goal")
        assert goal_report.after == {"b": 3}
        assert all(set(r.after) <= {"b"} for r in reports), [(r.label, r.after) for r in reports]
    with override_settings(STRENGTHWISE_FIELD_KEYS=KEY_B):  # the old keys are gone
        statements = [
            g.statement for g in Goal.objects.filter(pk__in=[first.pk, second.pk, third.pk])
        ]
        assert sorted(statements) == ["Goal one, reworded", "Goal three, reworded", "Goal two"]
        for goal in (first, second, third):
            assert crypto.key_id_of(_raw("plans_goal", "statement", goal.pk)) == "b"
        call_command("rotate_keys", "--dry-run")
        assert "Every value is sealed with the current key b." in capsys.readouterr().out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rotation_batch_locks_its_rows_on_postgresql(personas):
    """While a batch re-seals its rows, another connection cannot take them (it would wait):
    NOWAIT makes the wait visible without timing anything."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's IMMEDIATE transactions serialise every writer already")
    import threading

    from django.db import DatabaseError, connections, transaction

    from strengthwise.core.rotation import rotate

    machine = _machine_keys()
    with override_settings(STRENGTHWISE_FIELD_KEYS=f"{KEY_A},{machine}"):
        (goal,) = _goals(personas, ["Goal one"])
    outcome: list[str] = []

    def other_connection() -> None:
        try:
            with transaction.atomic():
                Goal.objects.select_for_update(nowait=True).get(pk=goal.pk)
            outcome.append("took the row")
        except DatabaseError:
            outcome.append("locked")
        finally:
            connections.close_all()

    def meanwhile(locked: list) -> None:
        if goal.pk in [row.pk for row in locked] and not outcome:
            thread = threading.Thread(target=other_connection)
            thread.start()
            thread.join()

    with override_settings(STRENGTHWISE_FIELD_KEYS=f"{KEY_B},{KEY_A},{machine}"):
        rotate(batch=10, in_batch=meanwhile)
    assert outcome == ["locked"]
    with override_settings(STRENGTHWISE_FIELD_KEYS=KEY_B):
        assert Goal.objects.get(pk=goal.pk).statement == "Goal one"


def test_nothing_sorts_by_a_sealed_field_behind_our_back():
    """The system check: no model's Meta.ordering, admin ordering or sortable admin column
    names a sealed field (the admin's column header would otherwise answer 500)."""
    from django.contrib import admin

    from strengthwise.core.checks import sealed_ordering_check

    assert sealed_ordering_check() == []

    class Listing(admin.ModelAdmin):
        list_display = ("legal_last_name", "date_of_birth")

    admin.site.register(Client, Listing)
    try:
        problems = sealed_ordering_check()
    finally:
        admin.site.unregister(Client)
    assert [p.id for p in problems] == ["core.E003"]
    assert "date_of_birth" in problems[0].msg
