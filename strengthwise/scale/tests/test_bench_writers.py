"""`strengthwise bench --writers N`: concurrent writers over real HTTP, and no database lock
that reaches a user."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import httpx
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from strengthwise.accounts.models import Role, User
from strengthwise.people.models import Client
from strengthwise.plans.models import Goal
from strengthwise.referrals import consent as consent_rules
from strengthwise.referrals.models import Consent
from strengthwise.scale import bench as writes
from strengthwise.scale.seed_agency import USERNAME_PREFIX
from strengthwise.scale.tests.test_seed_bench import _cli, _fresh_database

DAY = dt.date(2026, 3, 4)
FORM = (
    '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" '
    'value="tok-{client}"></form>'
)


def _writer(n: int, **extra: Any) -> writes.Writer:
    return writes.Writer(
        username=f"w{n}",
        cookies={"sessionid": f"s{n}"},
        token=f"t{n}",
        client_id=100 + n,
        goal_id=200 + n,
        service_id=f"svc-{n}",
        information=["contact", "goals"],
        signed_name=f"Client {n}",
        **extra,
    )


class FakeServer:
    """The answers of the real pages and API to the writers' requests, with one lock (a 500)
    on the first referral sent by client 101 and one "database is locked" shown in a 200."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, Any]]] = []
        self.next_id = 0

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        auth = request.headers.get("authorization", "")
        cookie = request.headers.get("cookie", "")
        body: dict[str, Any] = {}
        if request.content and request.headers.get("content-type", "").startswith(
            "application/json"
        ):
            body = json.loads(request.content)
        elif request.content:
            body = dict(httpx.QueryParams(request.content.decode()))
        self.seen.append((method, path, body))
        if path.startswith("/api/"):
            if not auth.startswith("Bearer t"):
                return httpx.Response(401, json={"detail": "Unauthorized"})
            if path.endswith("/consents"):
                return httpx.Response(201, json={"id": self._id()})
            if path.endswith("/notes"):
                return httpx.Response(201, json={"id": self._id()})
            if path.endswith("/sign"):
                return httpx.Response(200, json={"detail": "saved; database is locked? no"})
            if path.endswith("/referrals"):
                return httpx.Response(201, json={"id": 1000 + int(path.split("/")[4])})
            if path.endswith("/transition"):
                if path == "/api/v1/referrals/1101/transition" and body["status"] == "requested":
                    return httpx.Response(500, text="<h1>Server Error (500)</h1>")
                return httpx.Response(200, json={"status": body["status"]})
        client = path.split("/")[2]
        if "sessionid=s" not in cookie:
            return httpx.Response(302, headers={"location": "/accounts/login/?next=" + path})
        if method == "GET":
            return httpx.Response(200, text=FORM.format(client=client))
        if body.get("csrfmiddlewaretoken") != f"tok-{client}":
            return httpx.Response(403, text="CSRF verification failed.")
        return httpx.Response(302, headers={"location": path})


def test_a_lock_is_an_answer_that_fails_or_says_so():
    assert writes.shows_lock(500, "") and writes.shows_lock(503, "busy")
    assert writes.shows_lock(200, "OperationalError: Database is locked")
    assert not writes.shows_lock(409, '{"detail": "The referral changed"}')
    assert writes.csrf_token_in(FORM.format(client=7)) == "tok-7"
    assert writes.csrf_token_in('<input value="x" name="csrfmiddlewaretoken">') == "x"
    assert writes.csrf_token_in("<p>no form</p>") is None


def test_each_writer_runs_whole_cycles_and_every_lock_is_counted():
    server = FakeServer()
    samples: list[str] = []
    stats, elapsed = asyncio.run(
        writes.drive_writers(
            "http://bench.test",
            [_writer(1), _writer(2, organization_id="org-2")],
            seconds=0,  # one cycle each, whatever the clock says
            today=DAY,
            transport=httpx.MockTransport(server),
            samples=samples,
        )
    )
    assert elapsed >= 0
    counts = {k: (s.requests, len(s.latencies), s.errors, s.locks) for k, s in stats.items()}
    assert counts == {
        writes.CONSENT: (1, 1, {}, 0),
        writes.NOTE_DRAFT: (2, 2, {}, 0),
        writes.NOTE_SIGN: (2, 2, {}, 2),  # the words, even in a 200
        writes.CHECK_IN: (2, 2, {}, 0),
        writes.REFERRAL_CREATE: (2, 2, {}, 0),
        # client 101's referral: the 500 on sending it, so it is not cancelled
        writes.REFERRAL_MOVE: (3, 2, {"HTTP 500": 1}, 1),
    }
    assert any("HTTP 500" in s and "/referrals/1101/transition" in s for s in samples)
    # What the writers sent: the consent before anything else, the form with its token,
    # fresh referrals as drafts moved draft → requested → cancelled with a reason.
    posts = [(p, b) for m, p, b in server.seen if m == "POST"]
    assert posts[0] == (
        "/api/v1/clients/102/consents",
        {
            "information": ["contact", "goals"],
            "organization_id": "org-2",
            "purpose": "referral",
            "valid_from": "2026-03-04",
            "valid_until": "2027-03-04",
            "method": "e_signature",
            "signed_name": "Client 2",
            "right_to_revoke_explained": True,
        },
    )
    checkin = next(b for p, b in posts if p == "/clients/101/goals/201/progress/")
    assert checkin["csrfmiddlewaretoken"] == "tok-101" and checkin["checked_on"] == "2026-03-04"
    assert {b["send"] for p, b in posts if p.endswith("/referrals")} == {False}
    moved = [b for p, b in posts if p == "/api/v1/referrals/1102/transition"]
    assert moved == [
        {"status": "requested"},
        {"status": "cancelled", "reason": "The client found help elsewhere."},
    ]


def test_a_writer_sent_to_sign_in_counts_errors_not_writes():
    server = FakeServer()
    stranger = _writer(3)
    stranger.cookies = {}
    samples: list[str] = []
    stats, _elapsed = asyncio.run(
        writes.drive_writers(
            "http://bench.test",
            [stranger],
            seconds=0,
            today=DAY,
            transport=httpx.MockTransport(server),
            samples=samples,
        )
    )
    assert stats[writes.CHECK_IN].errors == {"no form": 1}
    assert not stats[writes.CHECK_IN].latencies
    assert samples and "→ 302" in samples[0]


@pytest.mark.django_db
def test_the_command_fails_on_a_lock(monkeypatch, tmp_path):
    from strengthwise.scale.management.commands import bench as command

    monkeypatch.setattr(
        writes, "writer_plans", lambda n, per_client=1: [_writer(i) for i in range(n)]
    )
    monkeypatch.setattr(command.Server, "start", lambda self: None)
    monkeypatch.setattr(command.Server, "stop", lambda self: None)

    async def locked(base: str, plans: list[writes.Writer], **kwargs: Any) -> Any:
        stats = {k: writes.WriteStats(k, latencies=[5.0, 7.0]) for k in writes.WRITE_KINDS}
        stats[writes.REFERRAL_MOVE].errors = {"HTTP 500": 1}
        stats[writes.REFERRAL_MOVE].locks = 1
        return stats, 1.0

    monkeypatch.setattr(writes, "drive_writers", locked)
    js = tmp_path / "w.json"
    with pytest.raises(CommandError, match="1 answers showing a lock"):
        call_command("bench", writers=2, seconds=1, workers=2, json_path=str(js))
    data = json.loads(js.read_text())
    assert data["mode"] == "writers" and data["writers"] == 2
    total = data["results"][-1]
    assert total["kind"] == "all writes" and total["requests"] == 11 and total["locks"] == 1


@pytest.mark.django_db
def test_writers_are_distinct_workers_on_their_own_open_clients(demo_agency):
    call_command("seed", clients=45, services=50, seed=5)
    users = [u.username for u in writes.writer_users(6)]
    seeded = [u for u in users if u.startswith(USERNAME_PREFIX)]
    assert seeded and users[: len(seeded)] == seeded  # the seeded workers first
    assert len(users) > len(seeded)  # then the demo's (alice)
    plans = writes.writer_plans(6)
    assert len(plans) == 6
    assert {p.username for p in plans} == set(users)  # all of them, when fewer than writers
    assert len({p.client_id for p in plans}) == 6  # each writer on a client of its own
    pairs = writes.writer_plans(4, per_client=2)  # two writers on each of two clients
    assert [p.client_id for p in pairs][::2] == [p.client_id for p in pairs][1::2]
    assert len({p.client_id for p in pairs}) == 2
    for plan in plans:
        client = Client.objects.get(pk=plan.client_id)
        user = User.objects.get(username=plan.username)
        assert user.role == Role.WORKER and client.primary_worker_id == user.pk
        assert client.episodes.filter(closed_on__isnull=True).exists()
        assert Goal.objects.get(pk=plan.goal_id).client_id == client.pk
        if plan.organization_id is None:
            assert any(
                consent_rules.status_on(c, timezone.localdate()) == "active"
                for c in Consent.objects.filter(client=client, purpose="referral")
            )


@pytest.mark.django_db
def test_writers_over_http_meet_no_lock(tmp_path):
    """The real thing, small: a few writers for a second against `strengthwise serve` with two
    gunicorn workers, on a database of its own (SQLite, or PostgreSQL beside the test one)."""
    env, drop = _fresh_database(tmp_path)
    try:
        _cli(env, "demo", "--no-serve", "--clients", "20")
        _cli(env, "seed", "--clients", "25", "--services", "0", "--notes-per-client", "2")
        js = tmp_path / "writers.json"
        run = _cli(
            env,
            "bench",
            "--writers",
            "4",
            "--per-client",
            "2",  # two writers on each client: the row locks meet
            "--seconds",
            "1",
            "--workers",
            "2",
            "--json",
            str(js),
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        data = json.loads(js.read_text())
        assert data["server_log_locks"] == 0 and data["server_log_tracebacks"] == 0
        assert data["clients"] == 2 and data["distinct_users"] == 2
        found = {r["kind"]: r for r in data["results"]}
        for kind in writes.WRITE_KINDS:
            each = 2 if kind == writes.REFERRAL_MOVE else 1
            assert found[kind]["requests"] >= each * 4, (kind, found[kind])
        assert all(r["errors"] == 0 and r["locks"] == 0 for r in data["results"])
        assert "all writes" in run.stdout and "in the server log: 0;" in run.stdout
    finally:
        drop()  # type: ignore[operator]
