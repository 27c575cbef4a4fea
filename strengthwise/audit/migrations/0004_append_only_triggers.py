"""The database itself refuses UPDATE and DELETE of audit events (INSERT still works).

PostgreSQL: a row trigger raises `restrict_violation` for every UPDATE and DELETE. TRUNCATE
fires no row trigger: it stays possible for the table's owner (Django's test flush uses it) and
a wiped trail is still caught by verify-audit (the sealed head) and by an anchor.

SQLite: every UPDATE is refused; a DELETE is refused unless the row is the oldest one left.
SQLite has no statement triggers and Django's flush (tests with transaction=True) empties a
table with `DELETE FROM`, which visits rows oldest first, so that must work; the exception
allows nothing verify-audit cannot see — removing the oldest events leaves entry #1 missing.
Both raise an IntegrityError whose message starts "audit events are append-only".
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    WHEN EXISTS (SELECT 1 FROM audit_auditevent WHERE id < OLD.id)
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
]
POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit events are append-only: ' || TG_OP || ' refused on audit_auditevent',
            ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_auditevent_append_only()",
]


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_create_head")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
