"""The read replica for reports (core/db_router.py): reads go to `replica` only inside
`reports_read()`, every write and every other read to `default`, and a report computed on the
replica is the report computed on default.

In the suite the `replica` alias is a mirror of the test database — a second connection to it
(settings.py) — and nothing is routed to it unless a test registers the router, as these do with
override_settings. The tests that read through the second connection commit their data
(transaction=True): a second connection does not see the first one's open transaction — which
the last test uses to play a replica that has not caught up yet (on PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from strengthwise.accounts.models import Agency
from strengthwise.core import db_router
from strengthwise.core.db_router import REPLICA, ReportsReplicaRouter, reports_read
from strengthwise.outcomes import measures, reports, snapshots
from strengthwise.outcomes.models import ReportSnapshot, ReportsVersion
from strengthwise.outcomes.tests import test_measures
from strengthwise.outcomes.tests.test_snapshots import normal
from strengthwise.people.models import Client
from strengthwise.plans.models import Goal

ROUTED = override_settings(DATABASE_ROUTERS=["strengthwise.core.db_router.ReportsReplicaRouter"])
TODAY = test_measures.TODAY
data = test_measures.data  # the measures' hand-checked data set, as a fixture here too


# --- the decisions (no database needed) ----------------------------------------------------------


@pytest.mark.parametrize("model", [Client, Goal, Agency, ReportsVersion, ReportSnapshot])
def test_reads_go_to_the_replica_only_inside_the_reports_context(model: Any) -> None:
    r = ReportsReplicaRouter()
    assert r.db_for_read(model) == DEFAULT_DB_ALIAS
    with reports_read():
        assert r.db_for_read(model) == REPLICA
        assert r.db_for_write(model) == DEFAULT_DB_ALIAS  # writes never
        with reports_read():
            assert r.db_for_read(model) == REPLICA
        assert r.db_for_read(model) == REPLICA  # the inner block left the outer one as it was
    assert r.db_for_read(model) == DEFAULT_DB_ALIAS
    assert r.db_for_write(model) == DEFAULT_DB_ALIAS


def test_an_instance_read_from_the_replica_is_written_and_read_on_default() -> None:
    r = ReportsReplicaRouter()
    from_replica = Client(pk=1)
    from_replica._state.db = REPLICA
    assert r.db_for_write(Client, instance=from_replica) == DEFAULT_DB_ALIAS
    assert r.db_for_read(Goal, instance=from_replica) == DEFAULT_DB_ALIAS
    from_default = Goal(pk=2)
    from_default._state.db = DEFAULT_DB_ALIAS
    assert r.allow_relation(from_replica, from_default) is True


def test_migrations_never_run_on_the_replica() -> None:
    r = ReportsReplicaRouter()
    assert r.allow_migrate(REPLICA, "people", "client") is False
    assert r.allow_migrate(DEFAULT_DB_ALIAS, "people", "client") is None  # Django's default: yes


def test_a_thread_started_inside_the_context_reads_from_default() -> None:
    """A background refresh enters the context itself (snapshots.compute); a thread does not
    inherit it."""
    seen: list[str] = []
    with reports_read():
        thread = threading.Thread(
            target=lambda: seen.append(ReportsReplicaRouter().db_for_read(Client))
        )
        thread.start()
        thread.join()
    assert seen == [DEFAULT_DB_ALIAS]


def test_the_orm_asks_the_router_only_when_it_is_registered() -> None:
    assert "replica" in connections.settings  # the suite's mirror (settings.py)
    with override_settings(DATABASE_ROUTERS=[]):  # the normal suite: no router
        with reports_read():
            assert Client.objects.all().db == DEFAULT_DB_ALIAS
        assert not db_router.replica_in_use()
    with ROUTED:
        assert db_router.replica_in_use()
        assert Client.objects.all().db == DEFAULT_DB_ALIAS
        assert router.db_for_write(Client) == DEFAULT_DB_ALIAS
        with reports_read():
            assert Client.objects.filter(agency_id=1).db == REPLICA
            assert Goal.objects.values("pk").db == REPLICA
            assert router.db_for_write(Client) == DEFAULT_DB_ALIAS
        assert Client.objects.all().db == DEFAULT_DB_ALIAS


_SHOW_SETTINGS = """
import json
from strengthwise import settings as s
print(json.dumps({
    "routers": s.DATABASE_ROUTERS,
    "databases": {
        alias: {key: db.get(key) for key in ("ENGINE", "NAME", "HOST", "OPTIONS", "TEST")}
        for alias, db in s.DATABASES.items()
    },
}))
"""


@pytest.mark.parametrize(
    "default, replica",
    [
        ("postgres://sw@db1.internal:5432/sw", ""),
        ("postgres://sw@db1.internal:5432/sw", "postgres://sw@db2.internal:5432/sw"),
        ("", ""),
        ("", "sqlite:///{var}/strengthwise.sqlite3"),
    ],
)
def test_a_deployment_has_the_replica_and_the_router_only_with_database_replica_url(
    tmp_path: Path, default: str, replica: str
) -> None:
    """settings.py as a server reads it (not under test): no DATABASE_REPLICA_URL, no second
    database and no router; with it, both, and the replica has the default's engine options
    (but no IMMEDIATE transactions: nothing writes there)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "STRENGTHWISE_TESTING"}
    }
    env["STRENGTHWISE_VAR_DIR"] = str(tmp_path)
    if default:
        env["DATABASE_URL"] = default
    if replica:
        env["DATABASE_REPLICA_URL"] = replica.format(var=tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", _SHOW_SETTINGS], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    databases = shown["databases"]
    if not replica:
        assert shown["routers"] == []
        assert list(databases) == ["default"]
        return
    assert shown["routers"] == ["strengthwise.core.db_router.ReportsReplicaRouter"]
    assert list(databases) == ["default", "replica"]
    first, second = databases["default"], databases["replica"]
    assert second["ENGINE"] == first["ENGINE"]
    assert second["TEST"] is None or "MIRROR" not in second["TEST"]
    if default:
        assert (first["HOST"], second["HOST"]) == ("db1.internal", "db2.internal")
        assert second["OPTIONS"] == first["OPTIONS"]
    else:
        assert second["NAME"] == first["NAME"]  # the same file
        assert first["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        assert second["OPTIONS"] == {
            k: v for k, v in first["OPTIONS"].items() if k != "transaction_mode"
        }


# --- through the second connection ---------------------------------------------------------------


def _selects(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"])
def test_reports_read_the_replica_and_give_the_same_figures(data: SimpleNamespace) -> None:
    p = data.p
    scopes = {
        "agency": measures.Scope(agency_id=data.river.pk),
        "alice": reports.scope_for(p.alice, reports.Filters()),  # a subquery of her clients
    }
    reference = {
        name: normal(snapshots.loads(snapshots.dumps(measures.measure_all(s, today=TODAY))))
        for name, s in scopes.items()
    }
    with ROUTED:
        for name, scope in scopes.items():
            with (
                CaptureQueriesContext(connections[REPLICA]) as on_replica,
                CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
                reports_read(),
            ):
                figures = snapshots.loads(snapshots.dumps(measures.measure_all(scope, today=TODAY)))
            assert normal(figures) == reference[name], name
            assert len(on_replica.captured_queries) > 20, name  # the whole computation ...
            assert on_default.captured_queries == [], name  # ... and nothing of it on default

        # Outside the context, and for writes inside it: default.
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
        ):
            assert Client.objects.filter(agency=data.river).exists()
            with reports_read():
                Agency.objects.filter(pk=data.river.pk).update(name="River City Services")
            assert Agency.objects.get(pk=data.river.pk).name == "River City Services"
        assert on_replica.captured_queries == []
        assert len(on_default.captured_queries) == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"])
def test_a_snapshot_is_stored_under_the_version_read_with_its_figures(
    data: SimpleNamespace,
) -> None:
    scope = measures.Scope(agency_id=data.river.pk)
    reference = normal(snapshots.loads(snapshots.dumps(measures.measure_all(scope, today=TODAY))))
    snapshots.flush()
    current = ReportsVersion.objects.get(agency=data.river).version

    def stored() -> int:
        return ReportSnapshot.objects.get(agency=data.river, key=snapshots.scope_key(scope)).version

    with ROUTED:
        # The replica has what the caller saw (or more): figures and version from the replica.
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            figures, _at = snapshots.compute(scope, today=TODAY, version=current - 1)
        assert normal(figures) == reference
        assert stored() == current  # the replica's version, not the older one passed in
        assert len(on_replica.captured_queries) > 20

        # The replica is behind what the caller has seen (here: a version the caller read on
        # default that the replica does not have yet): one look at the replica's version, then
        # the figures from default, stored under the caller's version.
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
        ):
            figures, _at = snapshots.compute(scope, today=TODAY, version=current + 1)
        assert normal(figures) == reference
        assert stored() == current + 1
        assert len(_selects(on_replica)) == 1
        assert len(_selects(on_default)) > 20

        # Through the page's path: a fresh snapshot, the same figures.
        ReportSnapshot.objects.all().delete()
        shown, as_of = snapshots.figures_for(scope, today=TODAY)
        assert as_of.fresh
        assert normal(shown) == reference
        assert stored() == current


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="SQLite: the mirror shares the in-memory test database's cache and fails to read "
    "tables that the test's open transaction wrote, instead of seeing older rows as a lagging "
    "replica does (and TestCase's teardown checks constraints on it too)",
)
@pytest.mark.django_db(databases=["default", "replica"])
def test_a_replica_that_cannot_see_the_latest_writes_is_not_used(data: SimpleNamespace) -> None:
    """Here the data is in this test's open transaction on default, which the second connection
    cannot see — as a replica that has not replayed it yet. The report is computed on default,
    with every row, and stored under default's version."""
    scope = measures.Scope(agency_id=data.river.pk)
    reference = normal(snapshots.loads(snapshots.dumps(measures.measure_all(scope, today=TODAY))))
    with ROUTED:
        figures, as_of = snapshots.figures_for(scope, today=TODAY)
    assert as_of.fresh
    assert normal(figures) == reference
    snap = ReportSnapshot.objects.get(agency=data.river)
    assert snap.version == ReportsVersion.objects.get(agency=data.river).version
