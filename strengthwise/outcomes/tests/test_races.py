"""Lost updates (issue 12 item 6): for every record two people may edit at once, 50 threads on
real connections save the same version together — exactly one save lands (one version step)
and the other 49 are refused as conflicts (409 in the page and the API), none fails otherwise.
Goals and the episode closure race through the service, the page and the API.
Runs in a child process on a database of its own: a SQLite file in WAL mode, or (when the
suite runs on PostgreSQL) a fresh PostgreSQL database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import dj_database_url
import psycopg
from django.conf import settings


def _run(env: dict[str, str]) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "strengthwise.outcomes.tests.races"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_fifty_writers_of_the_same_version_one_wins_the_rest_conflict(tmp_path):
    env = {**os.environ, "STRENGTHWISE_VAR_DIR": str(tmp_path), "STRENGTHWISE_TESTING": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    database = settings.DATABASES["default"]
    name = ""
    if database["ENGINE"].endswith("postgresql"):
        name = f"strengthwise_race_{uuid.uuid4().hex[:8]}"
        url = os.environ["DATABASE_URL"]
        admin = dj_database_url.parse(url)
        with psycopg.connect(
            host=admin["HOST"],
            port=admin["PORT"] or 5432,
            user=admin["USER"],
            password=admin["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    else:
        env.pop("DATABASE_URL", None)
    try:
        lines = _run(env)
    finally:
        if name:
            with psycopg.connect(
                host=admin["HOST"],
                port=admin["PORT"] or 5432,
                user=admin["USER"],
                password=admin["PASSWORD"] or None,
                dbname="postgres",
                autocommit=True,
            ) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    results = {line["kind"]: line for line in lines if "kind" in line}
    assert set(results) == {
        "client",
        "goal",
        "goal (page)",
        "goal (API)",
        "strengths assessment",
        "draft note",
        "referral",
        "closure",
        "closure (page)",
        "closure (API)",
    }
    for kind, result in results.items():
        assert not result.get("missing"), f"the demo has no {kind} to race on"
        assert result["errors"] == [], (kind, result["errors"][:3])
        assert result["saved"] == 1 and result["conflicts"] == 49, (kind, result)
        assert result["after"] == result["before"] + 1, (kind, result)
