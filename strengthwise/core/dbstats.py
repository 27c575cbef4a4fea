"""Planner statistics: what the query planner knows about the size and spread of each table.

Without them a database plans a query over 100,000 clients as if the tables were small:
SQLite has no statistics until `ANALYZE` runs (it never runs by itself), and PostgreSQL's
autovacuum gathers them some time after a bulk load. Measured at 100,000 clients, a report
query searched the wrong index for 17 s before `ANALYZE` and 0.12 s after. So `migrate` ends
with the cheap form (`PRAGMA optimize` on SQLite: only the tables whose statistics are
missing or stale; `ANALYZE` on PostgreSQL, which samples), and `strengthwise seed` with the
full one after a bulk load: on PostgreSQL `VACUUM (ANALYZE)`, which also sets the tables'
visibility map and hint bits. Autovacuum would do that some time later, or never where it is
turned off (as on the machine this project's CI runs on): until then every first read of a page also
writes it, and no index-only scan can skip the table. On 100,000 seeded clients it takes 17 s.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

# SQLite: rows sampled per index by ANALYZE (0 = every row; a few hundred is what SQLite's
# documentation suggests for planning, and keeps ANALYZE of a 10 GB database to seconds).
SQLITE_ANALYSIS_LIMIT = 1000


def update_statistics(alias: str = DEFAULT_DB_ALIAS, *, full: bool = False) -> None:
    """Refresh the planner's statistics of the database `alias`; `full` after a bulk load:
    every table on SQLite (where the cheap form skips tables it analysed before), and a
    VACUUM with it on PostgreSQL (outside a transaction only: VACUUM cannot run in one)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE" if full else "PRAGMA optimize")
        elif connection.vendor == "postgresql":
            vacuum = full and not connection.in_atomic_block
            cursor.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")


def after_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    update_statistics(using)
