"""Reports read from a PostgreSQL read replica, and nothing else does (docs/operations.md).

`DATABASE_REPLICA_URL` adds the `replica` database and registers `ReportsReplicaRouter`
(settings.py). The router sends a read to the replica only inside `reports_read()` — the
computation of a report's figures (`outcomes/snapshots.compute`) — and everything else to
`default`: every write, and every read outside that context, so a page that has just saved
something reads it back (read-your-writes) wherever it is not computing a report. A replica lags
behind; how a report stays correct anyway (the version it is computed at is read on the replica
too) is explained in `outcomes/snapshots.compute`.

The choice is a context variable, so it holds for the thread (or task) that entered it, and a
background refresh thread enters it itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, router

REPLICA = "replica"

_reports_read: ContextVar[bool] = ContextVar("strengthwise_reports_read", default=False)


@contextmanager
def reports_read() -> Iterator[None]:
    """Within this block the ORM's reads go to the replica (when one is configured)."""
    token = _reports_read.set(True)
    try:
        yield
    finally:
        _reports_read.reset(token)


def in_reports_read() -> bool:
    return _reports_read.get()


def replica_in_use() -> bool:
    """Whether reads inside `reports_read()` go to a replica: it is configured and the router
    is registered (tests switch the router on with override_settings)."""
    return REPLICA in settings.DATABASES and any(
        isinstance(r, ReportsReplicaRouter) for r in router.routers
    )


class ReportsReplicaRouter:
    """Reads inside `reports_read()` → `replica`; every other read and every write → `default`.

    Outside the context it answers `default` rather than None: Django would otherwise send a
    related read (`obj.related_set.all()`) or a save to the database the instance was read
    from, which for an instance read from the replica is the replica."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        return REPLICA if _reports_read.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as default: an instance read from one may be
        # related to one read from the other.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        # The replica receives the schema from its primary; migrate only ever writes to
        # default (or to an alias that is not the replica: backup's temporary ones).
        return False if db == REPLICA else None
