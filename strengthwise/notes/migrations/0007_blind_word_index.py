"""The notes' word index holds keyed tokens, not words (notes/word_index.py).

Until now `search_text` kept each note's folded words in clear, and the full-text index over
it too, although the note's sections are sealed: the index gave back what sealing hides. Now
`search_text` holds the note's word tokens and the new `search_starts` the tokens of the
starts of its words; both are blind (keyed HMAC).

- SQLite: `notes_note_fts` is made again over the word tokens without prefix indexes (a token
  is matched whole), and `notes_note_starts` indexes the start tokens; triggers keep both in
  step with `notes_note`.
- PostgreSQL: the GIN index moves from `to_tsvector('simple', search_text)` to
  `to_tsvector('simple', search_starts)` (matching); the word tokens only rank the matches.

A later migration that makes Django rebuild `notes_note` on SQLite must create the triggers
again (`SQLITE_TRIGGERS` below). Going back writes the folded words in clear again (from the
sealed sections) and restores migration 0004's index.
"""

from importlib import import_module

from django.db import migrations, models

_0004 = import_module("strengthwise.notes.migrations.0004_note_search_index")

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS notes_note_starts_au",
    "DROP TRIGGER IF EXISTS notes_note_starts_ad",
    "DROP TRIGGER IF EXISTS notes_note_starts_ai",
    "DROP TABLE IF EXISTS notes_note_starts",
    "DROP TRIGGER IF EXISTS notes_note_fts_au",
    "DROP TRIGGER IF EXISTS notes_note_fts_ad",
    "DROP TRIGGER IF EXISTS notes_note_fts_ai",
    "DROP TABLE IF EXISTS notes_note_fts",
]
SQLITE_TABLES = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS notes_note_fts USING fts5("
    "search_text, content='notes_note', content_rowid='id', tokenize='ascii')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS notes_note_starts USING fts5("
    "search_starts, content='notes_note', content_rowid='id', tokenize='ascii')",
]
SQLITE_TRIGGERS = [
    *_0004.SQLITE_TRIGGERS,
    "CREATE TRIGGER IF NOT EXISTS notes_note_starts_ai AFTER INSERT ON notes_note BEGIN "
    "INSERT INTO notes_note_starts(rowid, search_starts) VALUES (new.id, new.search_starts); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS notes_note_starts_ad AFTER DELETE ON notes_note BEGIN "
    "INSERT INTO notes_note_starts(notes_note_starts, rowid, search_starts) "
    "VALUES ('delete', old.id, old.search_starts); END",
    "CREATE TRIGGER IF NOT EXISTS notes_note_starts_au AFTER UPDATE OF search_starts "
    "ON notes_note BEGIN "
    "INSERT INTO notes_note_starts(notes_note_starts, rowid, search_starts) "
    "VALUES ('delete', old.id, old.search_starts); "
    "INSERT INTO notes_note_starts(rowid, search_starts) VALUES (new.id, new.search_starts); "
    "END",
]
SQLITE_REBUILD = [
    "INSERT INTO notes_note_fts(notes_note_fts) VALUES ('rebuild')",
    "INSERT INTO notes_note_starts(notes_note_starts) VALUES ('rebuild')",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS note_search_starts_fts",
    *_0004.POSTGRES_BACKWARD,
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS note_search_starts_fts ON notes_note "
    "USING gin (to_tsvector('simple'::regconfig, search_starts))",
]
BATCH = 1000


def _run(schema_editor, statements_by_vendor):
    for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def _words(note):
    return [note.present, *(str(v) for v in note.sections.values())]


def _rewrite(apps, schema_editor, texts_of):
    """Set every note's (`search_text`, `search_starts`) to `texts_of(note)`, with the indexes
    out of the way (dropped, made again by the caller)."""
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})
    Note = apps.get_model("notes", "Note")
    batch = []
    fields = ("pk", "agency", "present", "sections", "categories", "search_text")
    for note in Note.objects.only(*fields).order_by("pk").iterator(chunk_size=BATCH):
        note.search_text, note.search_starts = ("", "") if note.categories else texts_of(note)
        batch.append(note)
        if len(batch) == BATCH:
            Note.objects.bulk_update(batch, ["search_text", "search_starts"])
            batch = []
    Note.objects.bulk_update(batch, ["search_text", "search_starts"])


def to_tokens(apps, schema_editor):
    from strengthwise.notes.word_index import tokens_for

    _rewrite(apps, schema_editor, lambda note: tokens_for(note.agency_id, *_words(note)))
    _run(
        schema_editor,
        {
            "sqlite": [*SQLITE_TABLES, *SQLITE_TRIGGERS, *SQLITE_REBUILD],
            "postgresql": POSTGRES_FORWARD,
        },
    )


def to_words(apps, schema_editor):
    from strengthwise.core.text import fold

    _rewrite(apps, schema_editor, lambda note: (fold(" ".join(_words(note))), ""))
    # Migration 0004's table with its prefix indexes, its triggers and a rebuild.
    _run(schema_editor, {"sqlite": _0004.SQLITE_FORWARD, "postgresql": _0004.POSTGRES_FORWARD})


def restore_0004_triggers(apps, schema_editor):
    """Going back, removing the column rebuilds `notes_note` on SQLite: its triggers again."""
    _run(schema_editor, {"sqlite": _0004.SQLITE_TRIGGERS})


class Migration(migrations.Migration):
    dependencies = [("notes", "0006_recorded_in_portal")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_0004_triggers),
        migrations.AddField(
            model_name="note",
            name="search_starts",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(to_tokens, to_words),
    ]
