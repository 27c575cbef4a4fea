"""Typo-tolerant name search: FTS5 trigram on SQLite, pg_trgm GIN index on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE people_client_fts USING fts5("
    "search_name, content='people_client', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER people_client_fts_ai AFTER INSERT ON people_client BEGIN "
    "INSERT INTO people_client_fts(rowid, search_name) VALUES (new.id, new.search_name); END",
    "CREATE TRIGGER people_client_fts_ad AFTER DELETE ON people_client BEGIN "
    "INSERT INTO people_client_fts(people_client_fts, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); END",
    "CREATE TRIGGER people_client_fts_au AFTER UPDATE OF search_name ON people_client BEGIN "
    "INSERT INTO people_client_fts(people_client_fts, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); "
    "INSERT INTO people_client_fts(rowid, search_name) VALUES (new.id, new.search_name); END",
    "INSERT INTO people_client_fts(people_client_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS people_client_fts_au",
    "DROP TRIGGER IF EXISTS people_client_fts_ad",
    "DROP TRIGGER IF EXISTS people_client_fts_ai",
    "DROP TABLE IF EXISTS people_client_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS client_search_name_trgm ON people_client "
    "USING gin (search_name gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS client_search_name_trgm"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
