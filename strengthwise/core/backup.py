"""Backups and restores of the whole database, checked before anyone relies on them.

`backup(path)` writes one file (0600) and verifies what was written; `restore(path)` checks the
file, refuses to overwrite a database that holds data unless `force`, puts it in place and
verifies the result. docs/operations.md has the schedule and the restore drill.

- SQLite: the online backup API copies the live database page by page inside one read
  transaction, the same one the row counts are taken in, so the counts of the copy must equal
  them exactly; the copy is switched to a self-contained rollback journal, fsynced, checked
  (`PRAGMA integrity_check`, counts, the apps' verifiers) and only then renamed to PATH.
- PostgreSQL: `pg_dump -Fc` of the configured database, in a snapshot exported from a
  transaction that also takes the row counts (so they describe exactly what was dumped);
  verified with `pg_restore --list` (every table's data is in it). A restore runs `pg_restore
  --clean --if-exists --no-owner` in a single transaction, then the counts and verifiers. The
  password travels in PGPASSWORD, never on a command line.

Apps above core add their own checks of a copy with `register_verifier` (audit checks the
hash chain), so this module needs no import from them (docs/architecture.md, import order).
"""

from __future__ import annotations

import copy
import os
import secrets
import shutil
import sqlite3
import subprocess
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend

# A verifier takes a database alias and answers (ok, one line saying what it found).
Verifier = Callable[[str], tuple[bool, str]]
_VERIFIERS: dict[str, Verifier] = {}

# Rows a freshly migrated, empty database already has: not "data" a restore would overwrite.
FRESH_TABLES = {"django_migrations", "django_content_type", "auth_permission", "audit_audithead"}


class BackupError(Exception):
    pass


@dataclass
class Outcome:
    path: Path
    counts: dict[str, int]
    checks: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def register_verifier(name: str, verifier: Verifier) -> None:
    _VERIFIERS[name] = verifier


def backup(path: str | os.PathLike[str], *, using: str = DEFAULT_DB_ALIAS) -> Outcome:
    """Write a verified backup of database `using` to `path` (replaced if it exists)."""
    target = Path(path).absolute()
    connection = connections[using]
    _outside_transactions(using)
    if not target.parent.is_dir():
        raise BackupError(f"no such folder: {target.parent}")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}-{secrets.token_hex(3)}")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if connection.vendor == "sqlite":
            if _sqlite_file(using) == target.resolve():
                raise BackupError("the backup would overwrite the database itself")
            outcome = _sqlite_backup(partial, using)
        elif connection.vendor == "postgresql":
            outcome = _pg_backup(partial, using)
        else:
            raise BackupError(f"backups of {connection.vendor} databases are not supported")
        os.replace(partial, target)
        _fsync(target.parent)
    finally:
        with suppress(FileNotFoundError):
            partial.unlink()
    outcome.path = target
    return outcome


def restore(
    path: str | os.PathLike[str], *, using: str = DEFAULT_DB_ALIAS, force: bool = False
) -> Outcome:
    """Put the backup at `path` in place of database `using`, then verify the result."""
    source = Path(path).absolute()
    if not source.is_file():
        raise BackupError(f"no such backup file: {source}")
    _outside_transactions(using)
    vendor = connections[using].vendor
    if vendor == "sqlite":
        return _sqlite_restore(source, using, force=force)
    if vendor == "postgresql":
        return _pg_restore(source, using, force=force)
    raise BackupError(f"restores into {vendor} databases are not supported")


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_backup(partial: Path, using: str) -> Outcome:
    connection = connections[using]
    connection.ensure_connection()
    live = connection.connection
    copy_db = sqlite3.connect(partial)
    try:
        live.execute("BEGIN")  # deferred: a read snapshot from the first SELECT to the end
        try:
            counts = _sqlite_counts(live)
            live.backup(copy_db)  # all pages in one step, inside the same read transaction
        finally:
            live.execute("ROLLBACK")
        copy_db.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside
        copy_db.commit()
    finally:
        copy_db.close()
    _fsync(partial)
    outcome = Outcome(partial, counts)
    _sqlite_verify_file(partial, outcome, using, "the copy")
    copied = _sqlite_file_counts(partial)
    _compare_counts(counts, copied, "the database", "the copy")
    outcome.checks.append(
        f"row counts: the copy matches the database ({sum(counts.values())} rows)"
    )
    return outcome


def _sqlite_restore(source: Path, using: str, *, force: bool) -> Outcome:
    outcome = Outcome(source, _sqlite_file_counts(source))
    _sqlite_verify_file(source, outcome, using, "the backup")  # a bad one replaces nothing
    connection = connections[using]
    connection.ensure_connection()
    live = connection.connection
    _refuse_to_overwrite(_sqlite_counts(live), using, force=force)
    backup_db = sqlite3.connect(_sqlite_uri(source, read_only=True), uri=True)
    try:
        backup_db.backup(live)
    finally:
        backup_db.close()
    # Reopen, so the connection's own settings (WAL and the rest) apply to the restored file.
    connection.close()
    connection.ensure_connection()
    live = connection.connection
    found = _sqlite_integrity(live)
    if found != "ok":
        raise BackupError(f"the restored database fails PRAGMA integrity_check: {found}")
    outcome.checks.append("integrity_check of the restored database: ok")
    restored = _sqlite_counts(live)
    _compare_counts(outcome.counts, restored, "the backup", "the restored database")
    outcome.checks.append(
        f"row counts: the restored database matches the backup ({sum(restored.values())} rows)"
    )
    outcome.counts = restored
    _run_verifiers(using, outcome, "the restored database")
    return outcome


def _sqlite_verify_file(path: Path, outcome: Outcome, using: str, label: str) -> None:
    """integrity_check and the apps' verifiers on a database file, opened read-only."""
    with _open(path) as db:
        found = _sqlite_integrity(db)
    if found != "ok":
        raise BackupError(f"{label} fails PRAGMA integrity_check: {found}")
    outcome.checks.append(f"integrity_check of {label}: ok")
    read_only = _sqlite_uri(path, read_only=True)
    with temporary_alias(using, NAME=read_only, OPTIONS={}) as alias:
        _run_verifiers(alias, outcome, label)


@contextmanager
def _open(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(_sqlite_uri(path, read_only=True), uri=True)
    try:
        yield db
    finally:
        db.close()


def _sqlite_uri(path: Path, *, read_only: bool) -> str:
    return f"file:{urllib.parse.quote(str(path))}" + ("?mode=ro" if read_only else "")


def _sqlite_integrity(db: Any) -> str:
    try:
        rows = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as error:
        return str(error)
    return "ok" if rows == ["ok"] else "; ".join(str(row) for row in rows[:5])


def _sqlite_counts(db: Any) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    # Names come from the catalogue and are quoted as identifiers.
    return {
        name: db.execute(f"SELECT count(*) FROM {_ident(name)}").fetchone()[0]  # noqa: S608
        for name in names
    }


def _sqlite_file_counts(path: Path) -> dict[str, int]:
    with _open(path) as db:
        try:
            return _sqlite_counts(db)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a readable SQLite database: {error}") from error


def _sqlite_file(using: str) -> Path | None:
    name = str(connections[using].settings_dict["NAME"])
    if name in ("", ":memory:") or "mode=memory" in name:
        return None
    if name.startswith("file:"):
        name = urllib.parse.unquote(name[5:].split("?", 1)[0])
    return Path(name).resolve()


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_backup(partial: Path, using: str) -> Outcome:
    connection = connections[using]
    connection.ensure_connection()
    live = connection.connection  # autocommit: this BEGIN is ours, not Django's
    with live.cursor() as cursor:
        # The dump runs in this transaction's snapshot, so the counts describe what it holds.
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _pg_counts(cursor)
            _pg_run(
                "pg_dump", ["--format=custom", f"--file={partial}", f"--snapshot={snapshot}"], using
            )
        finally:
            cursor.execute("ROLLBACK")
    _fsync(partial)
    outcome = Outcome(partial, counts)
    _pg_check_listing(partial, counts, using, outcome)
    return outcome


def _pg_restore(source: Path, using: str, *, force: bool) -> Outcome:
    outcome = Outcome(source, {})
    _pg_check_listing(source, None, using, outcome)
    connection = connections[using]
    with connection.cursor() as cursor:
        _refuse_to_overwrite(_pg_counts(cursor), using, force=force)
    connection.close()  # pg_restore --clean drops the tables this connection may hold open
    _pg_run(
        "pg_restore",
        ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"],
        using,
        source=source,
    )
    with connection.cursor() as cursor:
        outcome.counts = _pg_counts(cursor)
    _run_verifiers(using, outcome, "the restored database")
    return outcome


def _pg_check_listing(
    path: Path, counts: dict[str, int] | None, using: str, outcome: Outcome
) -> None:
    """`pg_restore --list` reads the whole table of contents; every table's data must be in it."""
    listing = _pg_run("pg_restore", ["--list"], using, source=path, database=False)
    entries = [line.split() for line in listing.splitlines() if not line.startswith(";")]
    data = {f"{e[5]}.{e[6]}" for e in entries if len(e) > 6 and e[3:5] == ["TABLE", "DATA"]}
    if not data:
        raise BackupError(f"{path} holds no table data (pg_restore --list)")
    if counts is not None:
        missing = sorted(name for name in counts if _qualified(name) not in data)
        if missing:
            raise BackupError(f"the dump lacks the data of {', '.join(missing[:10])}")
    outcome.checks.append(f"pg_restore --list: readable, data of {len(data)} tables")


def _qualified(name: str) -> str:
    return name if "." in name else f"public.{name}"


def _pg_counts(cursor: Any) -> dict[str, int]:
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname = ANY(current_schemas(false)) ORDER BY schemaname, tablename"
    )
    counts = {}
    for schema, table in cursor.fetchall():
        name = table if schema == "public" else f"{schema}.{table}"
        cursor.execute(f"SELECT count(*) FROM {_ident(schema)}.{_ident(table)}")  # noqa: S608
        counts[name] = cursor.fetchone()[0]
    return counts


def _pg_run(
    program: str,
    arguments: list[str],
    using: str,
    *,
    source: Path | None = None,
    database: bool = True,
) -> str:
    """Run pg_dump / pg_restore against database `using`; the password goes in PGPASSWORD."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (PostgreSQL client tools)")
    db = connections[using].settings_dict
    env = dict(os.environ)
    command = [executable, *arguments, "--no-password"]
    if database:
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if db.get(key):
                command.append(f"{option}={db[key]}")
        command.append(f"--dbname={db['NAME']}")
        if db.get("PASSWORD"):
            env["PGPASSWORD"] = str(db["PASSWORD"])
        sslmode = (db.get("OPTIONS") or {}).get("sslmode")
        if sslmode:
            env["PGSSLMODE"] = str(sslmode)
    if source is not None:
        command.append(str(source))
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{program} failed ({result.returncode}): {result.stderr.strip()[:2000]}")
    return result.stdout


# --- shared ------------------------------------------------------------------------------------


def _outside_transactions(using: str) -> None:
    if connections[using].in_atomic_block:
        raise BackupError("backup and restore must run outside a transaction")


def _refuse_to_overwrite(counts: dict[str, int], using: str, *, force: bool) -> None:
    models = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    holding = sorted(t for t, n in counts.items() if n and t in models - FRESH_TABLES)
    if holding and not force:
        listed = ", ".join(f"{t} ({counts[t]})" for t in holding[:5])
        raise BackupError(
            f"the {using!r} database holds data ({listed}{', …' if len(holding) > 5 else ''}); "
            "restoring would replace all of it. Back it up first, then use --force."
        )


def _compare_counts(expected: dict[str, int], found: dict[str, int], a: str, b: str) -> None:
    differences = [
        f"{table}: {expected.get(table)} in {a}, {found.get(table)} in {b}"
        for table in sorted(set(expected) | set(found))
        if expected.get(table) != found.get(table)
    ]
    if differences:
        raise BackupError("row counts differ — " + "; ".join(differences[:10]))


def _run_verifiers(alias: str, outcome: Outcome, what: str) -> None:
    for name, verifier in _VERIFIERS.items():
        ok, summary = verifier(alias)
        if not ok:
            raise BackupError(f"{name} of {what}: {summary}")
        outcome.checks.append(f"{name} of {what}: {summary}")


@contextmanager
def temporary_alias(base: str, **changes: Any) -> Iterator[str]:
    """A database alias like `base` with some settings changed (NAME: another database).

    The connection is made here and handed to `connections` without a settings entry — a
    dynamically created connection, closed and forgotten on the way out."""
    alias = f"backup_{secrets.token_hex(4)}"
    settings_dict = copy.deepcopy(connections[base].settings_dict)
    settings_dict.update(changes)
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
