"""`strengthwise backup` / `restore`: a round trip brings the data and the audit chain back.

The tests commit their data (transaction=True): SQLite's backup API cannot write into a
connection inside a transaction, and pg_dump only sees committed rows. Serialized rollback puts
back what the migrations created (the audit head) after the flush.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from strengthwise.audit.services import audit_record
from strengthwise.audit.tests.tamper import append_only_lifted
from strengthwise.audit.verify import audit_chain_verify
from strengthwise.core.backup import BackupError, backup, restore, temporary_alias
from strengthwise.people.models import Client

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SQLITE = connection.vendor == "sqlite"
POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def agency(personas):
    for i in range(3):
        audit_record(
            actor=personas.alice,
            action="test.backup",
            target=personas.dana,
            changes={"i": [i, i + 1]},
        )
    return personas


def _counts(using: str = "default") -> dict[str, int]:
    with connections[using].cursor() as cursor:
        if connections[using].vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        else:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        names = [row[0] for row in cursor.fetchall()]
        counts = {}
        for name in names:
            cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 (catalogue names)
            counts[name] = cursor.fetchone()[0]
    return counts


def _change_everything(dana_pk: int, using: str = "default") -> None:
    """After the backup: rename a client, delete rows, add audit events."""
    Client.objects.using(using).filter(pk=dana_pk).update(preferred_name="Changed")
    with connections[using].cursor() as cursor:
        cursor.execute("DELETE FROM people_householdmember")
    if using == "default":
        audit_record(actor=None, action="test.after_backup", target_type="x", target_id="1")


# --- SQLite: back up the test database, change it, restore it in place ------------------------


@pytest.mark.skipif(not SQLITE, reason="SQLite round trip")
def test_sqlite_round_trip_brings_data_and_chain_back(agency, tmp_path):
    dana = agency.dana
    before, chain = _counts(), audit_chain_verify()
    assert chain.ok and chain.entries >= 3 and before["people_householdmember"] > 0

    path = tmp_path / "nightly.sqlite3"
    made = backup(path)
    assert made.counts == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["nightly.sqlite3"]  # no -wal, no partial
    assert any(line.startswith("integrity_check") for line in made.checks)
    assert any(f"anchor {chain.anchor}" in line for line in made.checks)

    _change_everything(dana.pk)
    assert _counts() != before

    with pytest.raises(BackupError, match="holds data"):
        restore(path)
    assert Client.objects.get(pk=dana.pk).preferred_name == "Changed"  # untouched

    restored = restore(path, force=True)
    assert _counts() == before == restored.counts
    assert Client.objects.get(pk=dana.pk).preferred_name == dana.preferred_name
    after = audit_chain_verify()
    assert after.ok and after.anchor == chain.anchor
    call_command("verify_audit", "--against", chain.anchor)
    # The restored database is writable and its guard is back.
    audit_record(actor=None, action="test.after_restore", target_type="x", target_id="2")
    assert audit_chain_verify().ok
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x'")


@pytest.mark.skipif(not SQLITE, reason="SQLite")
def test_sqlite_commands_print_checks_and_counts(agency, tmp_path, capsys):
    path = tmp_path / "b.sqlite3"
    call_command("backup", str(path))
    out = capsys.readouterr().out
    assert "backup written and verified" in out and "audit chain of" in out
    assert "people_client" in out and "rows" in out
    with pytest.raises(CommandError, match="restore FAILED: .*holds data"):
        call_command("restore", str(path))
    call_command("restore", str(path), "--force")
    out = capsys.readouterr().out
    assert "restored from" in out and "integrity_check of the restored database: ok" in out


@pytest.mark.skipif(not SQLITE, reason="SQLite")
def test_a_broken_chain_is_not_written_as_a_backup(agency, tmp_path):
    with append_only_lifted(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'test.forged' WHERE seq = 2")
    path = tmp_path / "b.sqlite3"
    with pytest.raises(BackupError, match="audit chain .*BROKEN"):
        backup(path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not SQLITE, reason="SQLite")
def test_a_damaged_backup_is_refused_and_replaces_nothing(agency, tmp_path):
    path = tmp_path / "b.sqlite3"
    backup(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = os.urandom(4096)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(bytes(data))
    before = _counts()
    with pytest.raises(BackupError):
        restore(damaged, force=True)
    assert _counts() == before and audit_chain_verify().ok
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("not a database")
    with pytest.raises(BackupError, match="not a readable SQLite database"):
        restore(not_sqlite, force=True)


def test_backup_refuses_a_missing_folder(agency, tmp_path):
    with pytest.raises(BackupError, match="no such folder"):
        backup(tmp_path / "missing" / "b.dump")


# --- PostgreSQL: dump the test database, restore into a second, temporary database ------------


@pytest.fixture
def second_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database beside the test database (dropped afterwards)."""
    import psycopg

    db = connection.settings_dict
    name = f"{db['NAME']}_restore_{secrets.token_hex(3)}"
    params = {
        "dbname": "postgres",
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with temporary_alias("default", NAME=name) as alias:
            yield alias
    finally:
        with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL round trip")
def test_postgresql_round_trip_into_a_second_database(agency, tmp_path, second_database):
    dana = agency.dana
    before, chain = _counts(), audit_chain_verify()
    assert chain.ok and chain.entries >= 3

    path = tmp_path / "nightly.dump"
    made = backup(path)
    assert made.counts == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes()[:5] == b"PGDMP"
    assert any(line.startswith("pg_restore --list: readable") for line in made.checks)

    restored = restore(path, using=second_database)
    assert restored.counts == before == _counts(second_database)
    copied = audit_chain_verify(using=second_database)
    assert copied.ok and copied.anchor == chain.anchor
    assert any("audit chain of the restored database: intact" in c for c in restored.checks)

    _change_everything(dana.pk, using=second_database)
    assert _counts(second_database) != before
    with pytest.raises(BackupError, match="holds data"):
        restore(path, using=second_database)

    again = restore(path, using=second_database, force=True)
    assert again.counts == before
    restored_dana = Client.objects.using(second_database).get(pk=dana.pk)
    assert restored_dana.preferred_name == dana.preferred_name
    assert audit_chain_verify(using=second_database).anchor == chain.anchor
    # The triggers came back with the dump.
    with (
        pytest.raises(Exception, match="append-only"),
        connections[second_database].cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET action = 'x'")


@pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL")
def test_postgresql_refuses_a_file_that_is_not_a_dump(agency, tmp_path, second_database):
    bogus = tmp_path / "bogus.dump"
    bogus.write_text("not a dump")
    with pytest.raises(BackupError, match="pg_restore failed"):
        restore(bogus, using=second_database)


@pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL")
def test_postgresql_password_travels_in_the_environment(agency, tmp_path, monkeypatch):
    import subprocess

    seen = {}
    real_run = subprocess.run

    def spy(command, **kwargs):
        seen.setdefault("commands", []).append(command)
        seen.setdefault("env", []).append(kwargs.get("env") or {})
        return real_run(command, **kwargs)

    monkeypatch.setattr("strengthwise.core.backup.subprocess.run", spy)
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-pass")
    backup(tmp_path / "b.dump")  # the local server trusts the connection: the password is unused
    assert all("s3cret-pass" not in " ".join(map(str, c)) for c in seen["commands"])
    assert seen["env"][0]["PGPASSWORD"] == "s3cret-pass"


def test_backup_files_are_never_group_or_world_readable(agency, tmp_path):
    old = os.umask(0)
    try:
        path = backup(tmp_path / "b.bak").path
    finally:
        os.umask(old)
    assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
