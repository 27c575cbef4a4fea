"""The report refresher (refresh mode "process": `strengthwise refresh-reports --loop`, which
`strengthwise serve` starts beside its workers): a web request never computes a dear report;
the refresher computes what a reader waits for first, then the dear reports gone stale, and
what it stores is the full computation's result."""

from __future__ import annotations

import datetime as dt
import os
import signal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from strengthwise import gunicorn_conf
from strengthwise.outcomes import reports, snapshots
from strengthwise.outcomes.measures import Scope
from strengthwise.outcomes.models import ReportSnapshot

from . import test_measures
from .test_measures import _add_clients
from .test_snapshots import Counting, _last_took, normal

data = test_measures.data

pytestmark = pytest.mark.django_db


@pytest.fixture
def process(settings: Any) -> Any:
    settings.STRENGTHWISE_REPORT_REFRESH = "process"
    settings.STRENGTHWISE_REPORT_EXACT_BELOW = 1
    settings.STRENGTHWISE_REPORT_WAIT_SECONDS = 0
    settings.STRENGTHWISE_REPORT_REFRESH_COST = 0  # every minute (the one test of it sets it)
    return settings


def _row(scope: Scope) -> ReportSnapshot:
    return ReportSnapshot.objects.get(agency_id=scope.agency_id, key=snapshots.scope_key(scope))


def _computed_ago(scope: Scope, seconds: int = 61) -> None:
    """Say the scope's snapshot was computed `seconds` ago (by default, just over a minute)."""
    ReportSnapshot.objects.filter(pk=_row(scope).pk).update(
        computed_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


def test_a_first_read_is_prepared_by_the_refresher_not_the_request(
    data: SimpleNamespace, process: Any, monkeypatch: Any, web: Any
) -> None:
    counting = Counting(monkeypatch)
    page = web(data.p.priya).get(reverse("outcomes:reports"))
    assert page.status_code == 200
    assert "These figures are being prepared" in page.content.decode()
    assert counting.calls == 0
    # The row it left says what to compute: the reader's scope, filters and language.
    waiting = ReportSnapshot.objects.get(agency=data.river, figures="")
    assert waiting.language == "en" and waiting.filters["program_id"] is None
    assert snapshots.refresh_next() is True and counting.calls == 1
    assert snapshots.refresh_next() is False  # nothing else is wanted
    page = web(data.p.priya).get(reverse("outcomes:reports"))
    assert "These figures are being prepared" not in page.content.decode()
    assert "Data quality" in page.content.decode() and counting.calls == 1
    scope = reports.scope_for(data.p.priya, reports.Filters())
    figures, as_of = snapshots.figures_for(scope, wait=0)
    assert as_of.fresh and normal(figures) == normal(counting.real(scope))


def test_a_dear_stale_report_is_shown_as_of_and_left_to_the_refresher(
    data: SimpleNamespace, process: Any, monkeypatch: Any
) -> None:
    scope = Scope(agency_id=data.river.pk)
    first, _as_of = snapshots.figures_for(scope)  # a command: computed on the spot
    _last_took(400)
    _add_clients(data, 1)
    counting = Counting(monkeypatch)
    shown, as_of = snapshots.figures_for(scope, wait=0)
    assert shown == first and not as_of.fresh and counting.calls == 0
    # Computed less than a minute ago: not yet (as a background refresh would not).
    assert snapshots.refresh_next() is False
    _computed_ago(scope)
    shown, as_of = snapshots.figures_for(scope, wait=0)
    assert not as_of.fresh and counting.calls == 0  # still nothing on the request
    assert snapshots.refresh_next() is True and counting.calls == 1
    figures, as_of = snapshots.figures_for(scope, wait=0)
    assert as_of.fresh and normal(figures) == normal(counting.real(scope))


def test_a_dear_report_is_computed_again_at_most_once_per_ten_times_its_cost(
    data: SimpleNamespace, process: Any, monkeypatch: Any
) -> None:
    process.STRENGTHWISE_REPORT_REFRESH_COST = 10
    scope = Scope(agency_id=data.river.pk)
    snapshots.figures_for(scope)
    _last_took(30)  # due 300 s after it began, not 60
    _add_clients(data, 1)
    counting = Counting(monkeypatch)
    _computed_ago(scope, seconds=299)
    assert snapshots.figures_for(scope, wait=0)[1].fresh is False
    assert snapshots.refresh_next() is False and counting.calls == 0
    _computed_ago(scope, seconds=301)
    assert snapshots.refresh_next() is True and counting.calls == 1
    assert snapshots.figures_for(scope, wait=0)[1].fresh
    assert snapshots.refresh_after(2) == 60 and snapshots.refresh_after(30) == 300


def test_a_cheap_report_is_computed_on_the_request_not_by_the_refresher(
    data: SimpleNamespace, process: Any, monkeypatch: Any
) -> None:
    process.STRENGTHWISE_REPORT_EXACT_BELOW = 1000
    scope = Scope(agency_id=data.river.pk)
    snapshots.figures_for(scope)
    _add_clients(data, 1)
    _computed_ago(scope)
    counting = Counting(monkeypatch)
    figures, as_of = snapshots.figures_for(scope, wait=0)
    assert as_of.fresh and counting.calls == 1
    assert normal(figures) == normal(counting.real(scope))
    _add_clients(data, 1)
    _computed_ago(scope)
    assert snapshots.refresh_next() is False


def test_a_waiting_reader_comes_before_a_dear_refresh(
    data: SimpleNamespace, process: Any, monkeypatch: Any
) -> None:
    agency = Scope(agency_id=data.river.pk)
    program = Scope(agency_id=data.river.pk, program_id=data.p.family_program.pk)
    snapshots.figures_for(agency)
    _last_took(400)
    _add_clients(data, 1)
    _computed_ago(agency)
    assert snapshots.figures_for(program, wait=0)[0] is None  # being prepared
    counting = Counting(monkeypatch)
    assert snapshots.refresh_next() is True
    assert _row(program).figures and _row(agency).seconds == 400  # the waiting one first
    assert snapshots.refresh_next() is True and counting.calls == 2
    assert _row(agency).seconds < 400
    for scope in (agency, program):
        figures, as_of = snapshots.figures_for(scope, wait=0)
        assert as_of.fresh and normal(figures) == normal(counting.real(scope))


def test_a_failed_refresh_is_not_retried_in_a_tight_loop(
    data: SimpleNamespace, process: Any, monkeypatch: Any
) -> None:
    scope = Scope(agency_id=data.river.pk)
    assert snapshots.figures_for(scope, wait=0)[0] is None

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(snapshots, "compute", broken)
    assert snapshots.refresh_next() is True  # tried, failed, logged
    assert snapshots.refresh_next() is False  # claimed until CLAIM_SECONDS have passed
    assert _row(scope).refreshing_since is not None and not _row(scope).figures


def test_a_stopped_refresh_gives_its_claim_back(
    data: SimpleNamespace, process: Any, monkeypatch: Any
) -> None:
    scope = Scope(agency_id=data.river.pk)
    assert snapshots.figures_for(scope, wait=0)[0] is None

    def stopped(*args: Any, **kwargs: Any) -> Any:
        assert _row(scope).refreshing_since is not None  # claimed while computing
        raise SystemExit(0)  # SIGTERM, as the refresh-reports loop turns it

    monkeypatch.setattr(snapshots, "compute", stopped)
    with pytest.raises(SystemExit):
        snapshots.refresh_next()
    assert _row(scope).refreshing_since is None
    monkeypatch.undo()
    assert snapshots.refresh_next() is True and _row(scope).figures  # the next one takes it


def test_the_loop_stops_when_the_server_is_gone(process: Any, monkeypatch: Any) -> None:
    passes = []
    monkeypatch.setattr(snapshots, "refresh_next", lambda: passes.append(1) or False)
    handler = signal.getsignal(signal.SIGTERM)
    try:
        call_command("refresh_reports", loop=0.01, parent=os.getppid() + 1)
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert passes == []  # not its parent: it stops before a pass


def test_the_loop_outlives_a_lost_database(monkeypatch: Any) -> None:
    """A database restart must not end the refresher: it waits, longer each time, and goes on."""
    from django.db import OperationalError

    from strengthwise.outcomes.management.commands import refresh_reports

    answers: list[Any] = [OperationalError("gone"), OperationalError("gone"), True, SystemExit]
    waits: list[float] = []

    def refresh_next() -> bool:
        answer = answers.pop(0)
        if answer is SystemExit or isinstance(answer, Exception):
            raise answer
        return bool(answer)

    monkeypatch.setattr(snapshots, "refresh_next", refresh_next)
    monkeypatch.setattr(snapshots, "prune", lambda **_: 0)
    monkeypatch.setattr(refresh_reports.time, "sleep", waits.append)
    handler = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit):
            call_command("refresh_reports", loop=1)
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert answers == [] and waits == [2, 4]  # two backoffs, then the pass that worked


class FakePopen:
    """A refresher process as `subprocess.Popen` gives it, without starting anything."""

    pid = 4242
    started: list[list[str]] = []

    def __init__(self, argv: list[str], start_new_session: bool = False) -> None:
        assert start_new_session  # a signal to the server's group reaches the master only
        self.started.append(argv)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode

    def terminate(self) -> None:
        self.started.append(["terminated"])

    def wait(self, timeout: float) -> int:
        return 0


def test_a_refresher_that_stops_is_started_again(monkeypatch: Any) -> None:
    import threading

    FakePopen.started = []
    warnings: list[tuple[Any, ...]] = []
    server = SimpleNamespace(
        log=SimpleNamespace(info=lambda *args: None, warning=lambda *a: warnings.append(a))
    )
    monkeypatch.setattr(gunicorn_conf.subprocess, "Popen", FakePopen)
    monkeypatch.setattr(gunicorn_conf, "_refresher", None)
    monkeypatch.setattr(gunicorn_conf, "_stopping", threading.Event())
    watchers: list[Any] = []
    monkeypatch.setattr(
        gunicorn_conf.threading,
        "Thread",
        lambda **kw: SimpleNamespace(start=lambda: watchers.append(kw)),
    )
    monkeypatch.setenv("STRENGTHWISE_REPORT_REFRESH", "process")
    gunicorn_conf._start_refresher(server)
    assert len(FakePopen.started) == 1 and watchers[0]["target"] is gunicorn_conf._watch_refresher
    assert gunicorn_conf.check_refresher(server) is False  # running: nothing to do
    first = gunicorn_conf._refresher
    assert first is not None
    first.returncode = -9  # killed
    assert gunicorn_conf.check_refresher(server) is False  # just started: not in a tight loop
    monkeypatch.setattr(gunicorn_conf, "_refresher_started", 0.0)
    assert gunicorn_conf.check_refresher(server) is True
    assert len(FakePopen.started) == 2 and FakePopen.started[1] == FakePopen.started[0]
    assert gunicorn_conf._refresher is not first and "4242" in str(warnings[0])
    gunicorn_conf.on_exit(server)  # the server stops: no more starts
    assert FakePopen.started[-1] == ["terminated"]
    gunicorn_conf._refresher.returncode = 0
    monkeypatch.setattr(gunicorn_conf, "_refresher_started", 0.0)
    assert gunicorn_conf.check_refresher(server) is False


def test_serve_starts_the_refresher_at_the_lowest_priority(monkeypatch: Any) -> None:
    import threading

    FakePopen.started = []
    started = FakePopen.started
    server = SimpleNamespace(log=SimpleNamespace(info=lambda *args: None))
    monkeypatch.setattr(gunicorn_conf.subprocess, "Popen", FakePopen)
    monkeypatch.setattr(gunicorn_conf, "_stopping", threading.Event())
    monkeypatch.delenv("STRENGTHWISE_REPORT_REFRESH", raising=False)
    gunicorn_conf._start_refresher(server)
    assert started == []  # workers refresh in their own thread: no refresher
    monkeypatch.setenv("STRENGTHWISE_REPORT_REFRESH", "process")
    monkeypatch.setattr(gunicorn_conf, "_refresher", None)
    gunicorn_conf._start_refresher(server)
    argv = started[0]
    assert argv[argv.index("refresh-reports") + 1 :] == [
        "--loop",
        "1",
        "--nice",
        "19",
        "--parent",
        str(os.getpid()),
    ]
    gunicorn_conf.on_exit(server)
    assert started[-1] == ["terminated"]
