"""For tests that play the attacker: lift the database's append-only guard for a moment.

Migration 0004 makes the database refuse UPDATE and DELETE of audit events; a test that proves
verify-audit catches a rewrite has to get past that first, as an attacker with the database
owner's rights would (PostgreSQL: disable the trigger; SQLite: drop and recreate it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

PG_TRIGGER = "audit_auditevent_append_only"


@contextmanager
def append_only_lifted(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {PG_TRIGGER}")
            try:
                yield
            finally:
                cursor.execute(f"ALTER TABLE audit_auditevent ENABLE TRIGGER {PG_TRIGGER}")
            return
        cursor.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND tbl_name = 'audit_auditevent'"
        )
        saved = cursor.fetchall()
        assert saved, "the append-only triggers are missing"
        for name, _sql in saved:
            cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            yield
        finally:
            for _name, sql in saved:
                cursor.execute(sql)
