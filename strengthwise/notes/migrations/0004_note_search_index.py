"""Notes search through the database's full-text index (notes/selectors.py `search`):

- SQLite: an FTS5 table over the folded `search_text` (unicode61 words, prefix indexes for
  two to four letters), kept in step with `notes_note` by triggers;
- PostgreSQL: a GIN index on `to_tsvector('simple', search_text)` (no stemming: the words
  are already folded by the services, and a query word matches as a prefix).

A later migration that makes Django rebuild `notes_note` on SQLite (adding a NOT NULL column,
altering a field) drops these triggers with the old table: it must create them again, as
people/migrations/0005 does for the client search triggers. A test checks that the index
follows inserts, edits and deletes.
"""

from django.db import migrations

SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS notes_note_fts_ai AFTER INSERT ON notes_note BEGIN "
    "INSERT INTO notes_note_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS notes_note_fts_ad AFTER DELETE ON notes_note BEGIN "
    "INSERT INTO notes_note_fts(notes_note_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS notes_note_fts_au AFTER UPDATE OF search_text ON notes_note "
    "BEGIN "
    "INSERT INTO notes_note_fts(notes_note_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO notes_note_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS notes_note_fts USING fts5("
    "search_text, content='notes_note', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')",
    *SQLITE_TRIGGERS,
    "INSERT INTO notes_note_fts(notes_note_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS notes_note_fts_au",
    "DROP TRIGGER IF EXISTS notes_note_fts_ad",
    "DROP TRIGGER IF EXISTS notes_note_fts_ai",
    "DROP TABLE IF EXISTS notes_note_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS note_search_text_fts ON notes_note "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS note_search_text_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("notes", "0003_checkin_comment_whose_words")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
