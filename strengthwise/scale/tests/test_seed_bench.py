"""`strengthwise seed` shaped like an agency, and `strengthwise bench` over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from strengthwise.accounts.models import Membership, Role, Team, User
from strengthwise.audit.verify import audit_chain_verify
from strengthwise.core.text import fold
from strengthwise.notes.models import Note
from strengthwise.notes.selectors import search as notes_search
from strengthwise.notes.word_index import tokens_for
from strengthwise.people.models import Client, Episode
from strengthwise.people.search import client_search_ids
from strengthwise.plans.models import GasFollowUp, Goal, Plan, Step
from strengthwise.referrals.models import Referral
from strengthwise.scale.seed_agency import USERNAME_PREFIX, caseload_sizes, team_sizes

SEEDED = 40


@pytest.fixture
def seeded(demo_agency):
    """The demo agency plus SEEDED clients (and a small directory top-up)."""
    before = set(Client.objects.values_list("id", flat=True))
    call_command("seed", clients=SEEDED, services=400, seed=3)
    new = Client.objects.exclude(id__in=before)
    return demo_agency, new


def test_caseload_and_team_sizes_stay_in_range():
    import random

    rng = random.Random(1)
    for clients in (1, 19, 40, 41, 100, 1_000, 12_345):
        sizes = caseload_sizes(clients, rng)
        assert sum(sizes) == clients
        if len(sizes) > 1:
            assert all(20 <= s <= 60 for s in sizes), (clients, sizes)
        teams = team_sizes(len(sizes), rng)
        assert sum(teams) == len(sizes)
        if len(teams) > 1:
            assert all(6 <= t <= 10 for t in teams), (len(sizes), teams)


def test_seed_shapes_an_agency_and_keeps_the_demo(seeded):
    personas, new = seeded
    assert new.count() == SEEDED
    # The demo's people are untouched and still carry their cases.
    assert Client.objects.filter(pk=personas.dana.pk, primary_worker=personas.alice).exists()
    assert Membership.objects.filter(user=personas.bob, kind="supervisor").count() == 2

    workers = User.objects.filter(username__startswith=USERNAME_PREFIX, role=Role.WORKER)
    caseloads = Counter(new.values_list("primary_worker_id", flat=True))
    assert set(caseloads) == set(workers.values_list("id", flat=True))
    assert sum(caseloads.values()) == SEEDED
    if len(caseloads) > 1:
        assert all(20 <= n <= 60 for n in caseloads.values())

    for team in Team.objects.filter(memberships__user__in=workers).distinct():
        supervisors = Membership.objects.filter(team=team, kind="supervisor")
        assert supervisors.count() == 1
        assert supervisors.get().user.role == Role.SUPERVISOR
        assert team.program is not None
        # Each seeded client sits in their worker's team.
    for client in new.select_related("team"):
        assert Membership.objects.filter(
            user_id=client.primary_worker_id, team=client.team
        ).exists()

    # Casework for every seeded client.
    assert Episode.objects.filter(client__in=new, closed_on__isnull=True).count() == SEEDED
    assert Plan.objects.filter(client__in=new).count() == SEEDED
    assert Goal.objects.filter(client__in=new).count() >= 2 * SEEDED
    assert Step.objects.filter(goal__client__in=new).exists()
    assert GasFollowUp.objects.filter(goal__client__in=new).exists()
    assert Note.objects.filter(client__in=new).count() >= 5 * SEEDED
    referrals = Referral.objects.filter(client__in=new)
    assert referrals.count() == 2 * SEEDED
    assert not referrals.filter(consent__isnull=True).exists()
    assert all(r.consent.organization_id == r.organization_id for r in referrals)


def test_seeded_rows_are_searchable_and_the_audit_chain_holds(seeded):
    _personas, new = seeded
    client = new.exclude(legal_last_name="").select_related("primary_worker").first()
    worker = client.primary_worker
    assert client.pk in client_search_ids(worker, client.legal_last_name)
    note = Note.objects.filter(client=client, status="signed").first()
    assert note.search_text and (note.search_text, note.search_starts) == tokens_for(
        note.agency_id, note.present, *note.sections.values()
    )  # keyed tokens, as the services write them, never the words
    word = next(w for w in fold(" ".join(note.sections.values())).split() if len(w) > 5)
    assert any(n.client_id == client.pk for n in notes_search(worker, word, client=client))
    report = audit_chain_verify()
    assert report.ok, report.problem
    call_command("verify_audit")


def _fresh_database(tmp_path: Path) -> tuple[dict[str, str], object]:
    """An environment for child processes with a database of their own (the test database is
    invisible to another process): a SQLite file under tmp_path, or a new PostgreSQL database
    beside the test one. Returns the environment and a clean-up function."""
    env = {**os.environ, "STRENGTHWISE_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    if connection.vendor != "postgresql":
        return env, lambda: None
    import psycopg

    params = connection.settings_dict
    name = f"sw_bench_{uuid.uuid4().hex[:10]}"
    dsn = {
        "host": params.get("HOST") or "127.0.0.1",
        "port": params.get("PORT") or 5432,
        "user": params.get("USER") or "postgres",
        "password": params.get("PASSWORD") or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = dsn["user"] + (f":{dsn['password']}" if dsn["password"] else "")
    env["DATABASE_URL"] = f"postgres://{auth}@{dsn['host']}:{dsn['port']}/{name}"

    def drop() -> None:
        with psycopg.connect(**dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return env, drop


def _cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "strengthwise.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=check,
    )


@pytest.mark.django_db
def test_http_bench_reports_no_errors_and_writes_markdown_and_json(tmp_path):
    env, drop = _fresh_database(tmp_path)
    try:
        _cli(env, "demo", "--no-serve", "--clients", "20")
        _cli(env, "seed", "--clients", "25", "--services", "0", "--notes-per-client", "3")
        md, js = tmp_path / "perf.md", tmp_path / "perf.json"
        run = _cli(
            env,
            "bench",
            "--only",
            "caseload page,API client list",
            "--seconds",
            "2",
            "--rate",
            "4",
            "--workers",
            "2",
            "--write",
            str(md),
            "--json",
            str(js),
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        data = json.loads(js.read_text())
        names = [r["name"] for r in data["results"]]
        assert names[0].startswith("health check")
        assert "caseload page" in names and "API client list" in names
        assert all(r["errors"] == 0 and r["requests"] == 8 for r in data["results"])
        # The server said its own time and queries for every answer (Server-Timing).
        by_name = {r["name"]: r for r in data["results"]}
        assert all(r["server_p95"] > 0 for r in data["results"])
        assert by_name["caseload page"]["queries"] >= 3
        assert by_name["caseload page"]["server_p95"] <= by_name["caseload page"]["p95"]
        assert data["dataset"]["clients"] >= 45 and data["cores"] >= 1
        text = md.read_text()
        assert "| caseload page | alice |" in text
        assert "p95 ÷ healthz p95" in text and "Load average" in text
        assert "| server p95 ms | queries | yardstick ms |" in text
        # Each scenario carries the host's speed just before it ran (a shared host's varies).
        assert all(r["yardstick"] > 0 for r in data["results"])
        assert data["yardstick"]["median_ms"] > 0 and "CPU yardstick" in text
        assert "CPU yardstick" in run.stdout
    finally:
        drop()  # type: ignore[operator]


def test_the_bench_signs_in_as_seeded_users_who_carry_clients(seeded):
    """The first seeded worker by name may carry nobody (a new hire, sw-000000 sorts first
    everywhere): the bench picks the
    first with a caseload, and a supervisor whose teams hold clients."""
    from strengthwise.accounts.models import Role, User
    from strengthwise.people.models import Client
    from strengthwise.scale.bench import seeded_scenarios
    from strengthwise.scale.seed_agency import USERNAME_PREFIX

    some = User.objects.filter(username__startswith=USERNAME_PREFIX).first()
    new_hire = User.objects.create(
        username=f"{USERNAME_PREFIX}000000", role=Role.WORKER, agency_id=some.agency_id
    )
    scenarios = seeded_scenarios()
    workers = {s.user for s in scenarios if s.name.startswith("seeded worker")}
    assert len(workers) == 1 and new_hire not in workers
    assert Client.objects.filter(primary_worker__in=workers).exists()
    assert any(s.name == "seeded worker: face sheet" for s in scenarios)
    assert any(s.name.startswith("seeded supervisor") for s in scenarios)


def test_compare_sets_two_runs_side_by_side_and_marks_the_misses(tmp_path):
    """`bench --compare`: the scenarios of both runs, the p95 ratio and the queries of each;
    a scenario of one run only is left out; a ratio over 1.5 or other queries is a miss."""
    from io import StringIO

    from strengthwise.scale.management.commands.bench import compare

    def run(clients: int, *results: tuple[str, float, int | None]) -> dict:
        return {
            "database": "postgresql",
            "date": "2026-12-06T08:00:00+00:00",
            "dataset": {"clients": clients},
            "results": [
                {"name": n, "p95": p95, "queries": q, "server_p95": p95 * 0.8}
                for n, p95, q in results
            ],
        }

    small = run(1_000, ("face sheet", 40.0, 30), ("today", 20.0, 12), ("only here", 5.0, 3))
    large = run(100_000, ("face sheet", 50.0, 30), ("today", 31.0, 12), ("search", 9.0, 4))
    rows = {c.name: c for c in compare(small, large)}
    assert set(rows) == {"face sheet", "today"}
    assert rows["face sheet"].ratio == 1.25 and rows["face sheet"].misses == []
    assert rows["today"].misses == ["p95 × 1.55"]
    large["results"][0]["queries"] = 31
    assert compare(small, large)[0].misses == ["queries differ"]

    paths = []
    for name, data in (("small", small), ("large", large)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(data))
    md, out = tmp_path / "perf.md", StringIO()
    call_command("bench", "--compare", *map(str, paths), "--write", str(md), stdout=out)
    assert "2 scenarios in both runs; 0 within 1.5×" in out.getvalue()
    assert "yardstick" not in out.getvalue()  # runs from before it was measured
    small["yardstick"], large["yardstick"] = {"median_ms": 80.5}, {"median_ms": 121.0}
    paths[0].write_text(json.dumps(small))
    paths[1].write_text(json.dumps(large))
    out = StringIO()
    call_command("bench", "--compare", *map(str, paths), stdout=out)
    assert "CPU yardstick (median): 80.5 ms and 121 ms." in out.getvalue()
    text = md.read_text()
    assert "| face sheet | 40.0 | 50.0 | 1.25× | 32.0 | 40.0 | 30 | 31 | queries differ |" in text
    with pytest.raises(CommandError, match="Cannot compare"):
        call_command("bench", "--compare", str(paths[0]), str(tmp_path / "missing.json"))
