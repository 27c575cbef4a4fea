"""Client search on PostgreSQL uses the trigram index (people migration 0010): the planner is
told what a word-similarity test costs, so a large scope is not read name by name."""

from __future__ import annotations

import pytest
from django.db import connection

from strengthwise.people.models import Client

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def test_the_word_similarity_operators_are_costed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, procost FROM pg_proc "
            "WHERE proname IN ('word_similarity_op', 'word_similarity_commutator_op')"
        )
        costs = dict(cursor.fetchall())
    assert costs == {"word_similarity_op": 100, "word_similarity_commutator_op": 100}


def test_the_search_condition_is_one_the_trigram_index_answers(personas):
    # Whether the planner takes the index depends on the table's size; that it can, for the
    # lookup client search uses, does not.
    query = Client.objects.filter(search_name__trigram_word_similar="garcia").values("id")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "client_search_name_trgm" in plan
