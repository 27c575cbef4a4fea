"""Make PostgreSQL's planner use the trigram index for client search when a scope is large.

pg_trgm's word-similarity operators (`search_name %> 'word'`, `'word' <% search_name`) are
declared with the default function cost of 1, as cheap as comparing two integers, while each
call computes the word similarity of the whole name. So the planner preferred reading the
user's whole scope (or the whole table) and testing every name over the GIN index
`client_search_name_trgm` (migration 0002): 26–50 ms for a 9,000-client scope at 10,000 clients,
about ten times that at 100,000. At cost 100 it takes the index when the scope is large (8 ms
there) and still reads a small caseload through its own index.

The functions belong to the pg_trgm extension: changing them needs their owner (whoever ran
migration 0002's CREATE EXTENSION, normally the app's own role). Where the app's role is not
the owner, the migration says so and changes nothing; a DBA can run the two statements.
"""

from django.db import migrations

COST = 100
FUNCTIONS = ("word_similarity_op(text, text)", "word_similarity_commutator_op(text, text)")


def _set_cost(cost):
    statements = " ".join(f"ALTER FUNCTION {f} COST {cost};" for f in FUNCTIONS)
    return (
        f"DO $$ BEGIN {statements} "
        "EXCEPTION WHEN insufficient_privilege THEN RAISE WARNING "
        "'pg_trgm functions are not owned by this role: client search may not use its "
        f"trigram index (run as their owner: {statements})'; END $$"
    )


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_set_cost(COST))


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_set_cost(1))


class Migration(migrations.Migration):
    dependencies = [("people", "0009_caseload_name_order_indexes")]

    operations = [migrations.RunPython(forward, backward)]
