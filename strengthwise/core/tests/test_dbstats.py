"""Planner statistics are refreshed after a migrate and after a bulk load; the planner's
settings of every PostgreSQL connection."""

from __future__ import annotations

import pytest
from django.db import connection

from strengthwise.core.dbstats import update_statistics


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_full_statistics_cover_the_client_table(demo_agency):
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ran:
        update_statistics(full=True)
    if connection.vendor == "postgresql":
        # After a bulk load: vacuumed too (visibility map, hint bits); in a transaction,
        # where VACUUM cannot run, analysed only.
        assert [q["sql"] for q in ran.captured_queries] == ["VACUUM (ANALYZE)"]
        with transaction.atomic(), CaptureQueriesContext(connection) as ran:
            update_statistics(full=True)
        assert [q["sql"] for q in ran.captured_queries] == ["ANALYZE"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'people_client'")
            assert cursor.fetchone()[0] > 0
        else:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'people_client'")
            assert cursor.fetchone()[0] > 0  # -1 until the table is analysed


@pytest.mark.django_db
def test_migrate_refreshes_statistics(monkeypatch):
    from django.core.management import call_command

    calls = []
    monkeypatch.setattr(
        "strengthwise.core.dbstats.update_statistics",
        lambda alias="default", **kw: calls.append(alias),
    )
    call_command("migrate", verbosity=0)
    assert calls == ["default"]  # once, not once per app


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's settings")
@pytest.mark.django_db
def test_postgres_connections_plan_without_parallel_workers():
    """A page's short queries stay on one process (settings, docs/operations.md); typo search
    keeps its word-similarity threshold beside it."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW pg_trgm.word_similarity_threshold")
        assert cursor.fetchone()[0] == "0.3"
