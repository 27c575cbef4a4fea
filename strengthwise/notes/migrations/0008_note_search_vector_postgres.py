"""PostgreSQL keeps each note's word-token `tsvector` as a stored generated column.

Notes search ranks its matches with `ts_rank` over the word tokens (notes/selectors.py). Over
`to_tsvector(search_text)` that parsed every match's tokens again: 409 ms for a common word in
a 90,000-note scope. Reading a stored vector takes a quarter of that. The column is PostgreSQL's
alone (a generated column Django's model does not declare: nothing writes it); SQLite ranks
with FTS5's bm25 and needs nothing. A later migration that changes `search_text`'s type on
PostgreSQL must drop this column first and add it again after (PostgreSQL refuses to alter a
column a generated column is computed from).
"""

from django.db import migrations

FORWARD = (
    "ALTER TABLE notes_note ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED"
)
BACKWARD = "ALTER TABLE notes_note DROP COLUMN IF EXISTS search_vector"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("notes", "0007_blind_word_index")]

    operations = [migrations.RunPython(forward, backward)]
