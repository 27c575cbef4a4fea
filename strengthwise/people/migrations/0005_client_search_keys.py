"""Name keys for typo search (people/search.py): a column computed by the services, indexed by
an FTS5 table on SQLite (kept in step by triggers) or a GIN index on PostgreSQL; existing
clients are backfilled."""

from django.db import migrations, models

BATCH = 2000

# Adding a NOT NULL column makes Django rebuild people_client on SQLite, which drops every
# trigger on it, including the trigram index's (migration 0002): they are created again here.
SQLITE_TRIGRAM_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS people_client_fts_ai AFTER INSERT ON people_client BEGIN "
    "INSERT INTO people_client_fts(rowid, search_name) VALUES (new.id, new.search_name); END",
    "CREATE TRIGGER IF NOT EXISTS people_client_fts_ad AFTER DELETE ON people_client BEGIN "
    "INSERT INTO people_client_fts(people_client_fts, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); END",
    "CREATE TRIGGER IF NOT EXISTS people_client_fts_au AFTER UPDATE OF search_name "
    "ON people_client BEGIN "
    "INSERT INTO people_client_fts(people_client_fts, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); "
    "INSERT INTO people_client_fts(rowid, search_name) VALUES (new.id, new.search_name); END",
    "INSERT INTO people_client_fts(people_client_fts) VALUES ('rebuild')",
]
SQLITE_FORWARD = [
    *SQLITE_TRIGRAM_TRIGGERS,
    # unicode61 keeps "_" inside a token so that a Metaphone key ("_tn") stays one token.
    "CREATE VIRTUAL TABLE people_client_keys USING fts5("
    "search_keys, content='people_client', content_rowid='id', "
    "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")",
    "CREATE TRIGGER people_client_keys_ai AFTER INSERT ON people_client BEGIN "
    "INSERT INTO people_client_keys(rowid, search_keys) VALUES (new.id, new.search_keys); END",
    "CREATE TRIGGER people_client_keys_ad AFTER DELETE ON people_client BEGIN "
    "INSERT INTO people_client_keys(people_client_keys, rowid, search_keys) "
    "VALUES ('delete', old.id, old.search_keys); END",
    "CREATE TRIGGER people_client_keys_au AFTER UPDATE OF search_keys ON people_client BEGIN "
    "INSERT INTO people_client_keys(people_client_keys, rowid, search_keys) "
    "VALUES ('delete', old.id, old.search_keys); "
    "INSERT INTO people_client_keys(rowid, search_keys) VALUES (new.id, new.search_keys); END",
    "INSERT INTO people_client_keys(people_client_keys) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS people_client_keys_au",
    "DROP TRIGGER IF EXISTS people_client_keys_ad",
    "DROP TRIGGER IF EXISTS people_client_keys_ai",
    "DROP TABLE IF EXISTS people_client_keys",
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS client_search_keys_gin ON people_client "
    "USING gin (string_to_array(search_keys, ' '))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS client_search_keys_gin"]


def backfill(apps, schema_editor):
    """Compute the keys of every existing client (before the index exists: one rebuild)."""
    from strengthwise.people.search import search_keys_for

    client_model = apps.get_model("people", "Client")
    last = 0
    while True:
        batch = list(
            client_model.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "search_name")[:BATCH]
        )
        if not batch:
            return
        for client in batch:
            client.search_keys = search_keys_for(client.search_name)
        client_model.objects.bulk_update(batch, ["search_keys"])
        last = batch[-1].pk


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("people", "0004_client_merged_into_clientmerge")]

    operations = [
        # Undoing this migration drops the column (another rebuild): restore the triggers last.
        migrations.RunPython(migrations.RunPython.noop, _run({"sqlite": SQLITE_TRIGRAM_TRIGGERS})),
        migrations.AddField(
            model_name="client",
            name="search_keys",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
