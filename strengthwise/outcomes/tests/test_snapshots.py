"""Report snapshots (outcomes/snapshots.py) give exactly what the full computation
(`measures.measure_all`) gives, for every scope, after every kind of write — checked on
randomised data against that computation as the independent reference — and say "as of"
when they may be behind."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from strengthwise.assessments.models import Level, Valence
from strengthwise.audit.services import audit_record
from strengthwise.directory.models import Service
from strengthwise.outcomes import measures, reports, snapshots, suppression
from strengthwise.outcomes.measures import Scope
from strengthwise.outcomes.models import ReportSnapshot, ReportsVersion
from strengthwise.people.models import Client, Episode
from strengthwise.plans.models import Goal, Plan
from strengthwise.referrals.models import Referral

from . import test_measures
from .test_measures import (
    END,
    START,
    TODAY,
    _add_clients,
    _factor,
    _goal,
    _matrix,
    _referral,
    _score,
    _screen,
    at,
)

data = test_measures.data  # the measures' hand-checked data set, as a fixture here too

pytestmark = pytest.mark.django_db


def normal(value: Any, key: str = "") -> Any:
    """The reference's lazy client-id querysets as sorted lists (a snapshot keeps them as the
    list they were when computed); everything else as it is, types included."""
    if isinstance(value, QuerySet):
        return sorted(value)
    if key == "client_ids":
        return sorted(value)
    if isinstance(value, dict):
        return {k: normal(v, k if isinstance(k, str) else "") for k, v in value.items()}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


class Counting:
    """Counts the full computations the snapshot layer asks for."""

    def __init__(self, monkeypatch: Any) -> None:
        self.calls = 0
        real = measures.measure_all

        def counted(scope: Scope, *, today: dt.date | None = None) -> dict[str, Any]:
            self.calls += 1
            return real(scope, today=today)

        monkeypatch.setattr(measures, "measure_all", counted)
        self.real = real


def scopes(d: SimpleNamespace) -> dict[str, Scope]:
    p = d.p
    agency = d.river.pk
    return {
        "agency": Scope(agency_id=agency),
        "agency, period": Scope(agency_id=agency, start=START, end=END),
        "team": Scope(agency_id=agency, team_id=p.housing.pk),
        "worker, period": Scope(agency_id=agency, worker_id=p.alice.pk, start=START, end=END),
        "program": Scope(agency_id=agency, program_id=p.family_program.pk),
        "alice": reports.scope_for(p.alice, reports.Filters()),
        "bob": reports.scope_for(p.bob, reports.Filters()),
        "bob, second quarter": reports.scope_for(
            p.bob, reports.Filters(start=dt.date(2025, 4, 1), end=END)
        ),
        "carol": reports.scope_for(p.carol, reports.Filters()),
        "other agency": Scope(agency_id=p.eastgate.pk),
    }


# --- the writes the randomised test draws from ---------------------------------------------------


def _day(rng: random.Random) -> dt.date:
    return dt.date(2024, 12, 1) + dt.timedelta(days=rng.randrange(280))


def _moment(rng: random.Random) -> dt.datetime:
    day = _day(rng)
    return at(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60))


def _clients(d: SimpleNamespace) -> list[Client]:
    return list(Client.objects.filter(agency=d.river, merged_into__isnull=True).order_by("pk"))


def _goals(d: SimpleNamespace) -> list[Goal]:
    return list(Goal.objects.filter(agency=d.river).order_by("pk"))


def w_goal(d: SimpleNamespace, rng: random.Random) -> str:
    plan = rng.choice(list(Plan.objects.filter(agency=d.river).order_by("pk")))
    created = _moment(rng)
    status = rng.choice(list(Goal.Status.values))
    goal = _goal(
        plan,
        f"Goal {rng.randrange(10_000)}",
        author=rng.choice(["client", "worker", "together"]),
        status=status,
        weights=rng.choice([(None, None), (1, 2), (3, 3), (2, None)]),
        created=created,
        updated=created + dt.timedelta(days=rng.randrange(90)),
    )
    for _ in range(rng.randrange(3)):
        _score(goal, _day(rng), rng.randrange(-2, 3), by=rng.choice(["client", "worker"]))
    return f"goal {status}"


def w_score(d: SimpleNamespace, rng: random.Random) -> str:
    goal = rng.choice(_goals(d))
    _score(goal, _day(rng), rng.randrange(-2, 3), by=rng.choice(["client", "worker"]))
    return "GAS follow-up"


def w_goal_status(d: SimpleNamespace, rng: random.Random) -> str:
    goal = rng.choice(_goals(d))
    goal.status = rng.choice(list(Goal.Status.values))
    goal.save()
    return "goal status saved"


def w_goal_status_by_update(d: SimpleNamespace, rng: random.Random) -> str:
    """As `plans.services.goal_update` writes: QuerySet.update (no signal), then its audit."""
    goal = rng.choice(_goals(d))
    Goal.objects.filter(pk=goal.pk).update(status=Goal.Status.ACHIEVED, updated_at=_moment(rng))
    audit_record(actor=d.p.alice, action="goal.updated", target=goal, client_id=goal.client_id)
    return "goal status by update + audit"


def w_matrix(d: SimpleNamespace, rng: random.Random) -> str:
    client = rng.choice(_clients(d))
    domains = rng.sample(["income", "housing", "employment", "food", "childcare"], 3)
    _matrix(
        client,
        rng.choice(["entry", "review", "exit"]),
        _day(rng),
        {k: rng.randrange(0, 6) for k in domains},
        user=d.p.alice,
    )
    return "matrix"


def w_factor(d: SimpleNamespace, rng: random.Random) -> str:
    client = rng.choice(_clients(d))
    factor = _factor(
        client,
        rng.choice(["Family", "faith", "Humour", "Rent rules", "No bus"]),
        valence=rng.choice([Valence.STRENGTH, Valence.BARRIER]),
        level=rng.choice([Level.MICRO, Level.MESO, Level.MACRO]),
        domain=rng.choice(["health", "financial", "daily_living", "leisure"]),
        created=_moment(rng),
        user=d.p.alice,
    )
    goals = list(Goal.objects.filter(client=client))
    if goals and rng.random() < 0.7:
        rng.choice(goals).strengths.add(factor)  # m2m: no post_save
        return "factor linked to a goal"
    return "factor"


def w_link(d: SimpleNamespace, rng: random.Random) -> str:
    """Only a strengths link changes (m2m_changed, no post_save)."""
    goal = rng.choice(_goals(d))
    factors = list(goal.client.factors.filter(valence=Valence.STRENGTH).order_by("pk"))
    if not factors:
        return "nothing to link"
    factor = rng.choice(factors)
    if goal.strengths.filter(pk=factor.pk).exists():
        goal.strengths.remove(factor)
        return "strength unlinked"
    goal.strengths.add(factor)
    return "strength linked"


def w_referral(d: SimpleNamespace, rng: random.Random) -> str:
    client = rng.choice(_clients(d))
    status = rng.choice(["requested", "accepted", "completed", "rejected", "cancelled"])
    requested = _moment(rng)
    finished = requested + dt.timedelta(hours=rng.randrange(1, 900))
    _referral(
        client,
        rng.choice([d.s1, d.s2, d.s3, d.s4]),
        status,
        requested,
        accepted=requested + dt.timedelta(hours=5) if status != "requested" else None,
        finished=finished if status in ("completed", "rejected", "cancelled") else None,
        reason="no capacity" if status == "rejected" and rng.random() < 0.6 else "",
        helpful=rng.choice([None, 1, 3, 5]) if status == "completed" else None,
        user=d.p.alice,
    )
    return f"referral {status}"


def w_referral_deleted(d: SimpleNamespace, rng: random.Random) -> str:
    rows = list(Referral.objects.filter(agency=d.river).order_by("pk"))
    rng.choice(rows).delete()
    return "referral deleted"


def w_screening(d: SimpleNamespace, rng: random.Random) -> str:
    client = rng.choice(_clients(d))
    keys = ["safety", "food", "utilities", "transportation", "living_situation"]
    _screen(client, _day(rng), {k: rng.random() < 0.5 for k in keys}, d.p.alice)
    return "screening"


def w_program_days(d: SimpleNamespace, rng: random.Random) -> str:
    program = rng.choice([d.p.family_program, d.p.housing_program])
    program.reassessment_days = rng.choice([30, 60, 90, 200])
    program.referral_follow_up_days = rng.choice([3, 5, 14, 30])
    program.save()
    return "program settings"


def w_transfer(d: SimpleNamespace, rng: random.Random) -> str:
    client = rng.choice(_clients(d))
    client.team = rng.choice([d.p.housing, d.p.family])
    client.primary_worker = rng.choice([d.p.alice, d.p.carol, None])
    client.save()
    return "client moved"


def w_episode(d: SimpleNamespace, rng: random.Random) -> str:
    client = rng.choice(_clients(d))
    episode = Episode.objects.filter(client=client).order_by("-opened_on").first()
    if episode is None or episode.closed_on is not None:
        Episode.objects.create(
            agency=d.river,
            client=client,
            program=rng.choice([d.p.family_program, d.p.housing_program]),
            opened_on=_day(rng),
        )
        return "episode opened"
    episode.closed_on = max(episode.opened_on, _day(rng))
    episode.close_reason = "moved"
    episode.save()
    return "episode closed"


def w_directory(d: SimpleNamespace, rng: random.Random) -> str:
    service = rng.choice([d.s1, d.s2, d.s3, d.s4])
    service.refresh_from_db()
    service.status = rng.choice([Service.Status.ACTIVE, Service.Status.INACTIVE])
    service.save()
    return "directory service status"


WRITES = [
    w_goal,
    w_score,
    w_goal_status,
    w_goal_status_by_update,
    w_matrix,
    w_factor,
    w_link,
    w_referral,
    w_referral_deleted,
    w_screening,
    w_program_days,
    w_transfer,
    w_episode,
    w_directory,
]


ROUNDS = 9


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_snapshots_equal_the_full_computation_after_random_writes(
    data: SimpleNamespace, monkeypatch: Any, seed: int
) -> None:
    rng = random.Random(seed)
    counting = Counting(monkeypatch)
    reference = counting.real
    chosen = scopes(data)
    served_from_snapshot = 0
    for round_ in range(ROUNDS):
        what = "nothing" if round_ == 0 else rng.choice(WRITES)(data, rng)
        for name, scope in chosen.items():
            today = rng.choice([TODAY, None])
            expected = normal(reference(scope, today=today))
            got, as_of = snapshots.figures_for(scope, today=today)
            assert normal(got) == expected, f"seed {seed}, after {what}: {name} differs"
            assert as_of.fresh
            # And read again: from the snapshot, no computation, the same figures.
            before = counting.calls
            again, as_of = snapshots.figures_for(scope, today=today)
            assert counting.calls == before, f"{name} was computed again without a write"
            assert normal(again) == expected
            # De-identified, as a program manager reads it: the same as de-identifying the
            # full computation (suppression solved once per computation, not per read).
            hidden, _as_of = snapshots.figures_for(scope, today=today, deidentified=True)
            assert counting.calls == before
            assert normal(hidden) == normal(
                snapshots.deidentify_figures(reference(scope, today=today))
            ), f"seed {seed}, after {what}: {name} de-identified differs"
            served_from_snapshot += 1
    assert served_from_snapshot == ROUNDS * len(chosen)


def test_a_read_without_a_write_in_between_is_not_computed_again(
    data: SimpleNamespace, monkeypatch: Any
) -> None:
    counting = Counting(monkeypatch)
    scope = Scope(agency_id=data.river.pk, start=START, end=END)
    snapshots.figures_for(scope, today=TODAY)
    snapshots.figures_for(scope, today=TODAY)
    assert counting.calls == 1
    # Reads are audited; an audited read changes no figure.
    audit_record(actor=data.p.priya, action="report.viewed", target_type="report", target_id="all")
    audit_record(actor=data.p.alice, action="client.viewed", target=data.dana)
    snapshots.figures_for(scope, today=TODAY)
    assert counting.calls == 1
    # Another agency's write leaves this agency's figures alone; a directory write does not.
    _score(Goal.objects.filter(agency=data.p.eastgate).first(), dt.date(2025, 3, 3), 2)
    snapshots.figures_for(scope, today=TODAY)
    assert counting.calls == 1
    data.s1.save()
    snapshots.figures_for(scope, today=TODAY)
    assert counting.calls == 2
    # A new day is a new "as of" for the data-quality figures.
    snapshots.figures_for(scope, today=TODAY + dt.timedelta(days=1))
    assert counting.calls == 3


def test_each_language_has_its_own_snapshot(data: SimpleNamespace) -> None:
    scope = Scope(agency_id=data.river.pk)
    with translation.override("en"):
        english, _ = snapshots.figures_for(scope, today=TODAY)
    with translation.override("es"):
        spanish, _ = snapshots.figures_for(scope, today=TODAY)
        assert normal(spanish) == normal(measures.measure_all(scope, today=TODAY))
    labels = {d["domain"]: d["label"] for d in english["ssm"]["domains"]}
    assert labels != {d["domain"]: d["label"] for d in spanish["ssm"]["domains"]}
    assert ReportSnapshot.objects.filter(agency=data.river).count() == 2


def test_scopes_get_their_own_keys(data: SimpleNamespace) -> None:
    chosen = scopes(data)
    keys = {name: snapshots.scope_key(scope) for name, scope in chosen.items()}
    assert len(set(keys.values())) == len(keys)
    # The same set of clients read by another supervisor of the same teams is the same key;
    # the key does not depend on who asked, only on which clients.
    again = reports.scope_for(data.p.bob, reports.Filters())
    assert snapshots.scope_key(again) == keys["bob"]


def test_the_encoding_gives_back_the_same_values_and_types() -> None:
    value = {
        "table": suppression.Table(rows=("a", "b"), columns=("x",), cells=((1,), (0,))),
        "day": dt.date(2025, 1, 2),
        "at": dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "pair": (1, "two", 3.25),
        "numbers": {10: 1, 20: 2},
        "tricky": {"__sw": "not a tag"},
        "float": 46.4583,
        "none": None,
        "list": [1, [2, {"a": True}]],
    }
    assert snapshots.loads(snapshots.dumps(value)) == value
    assert type(snapshots.loads(snapshots.dumps(value))["pair"]) is tuple


def test_snapshots_are_sealed_at_rest(data: SimpleNamespace) -> None:
    snapshots.figures_for(reports.scope_for(data.p.alice, reports.Filters()), today=TODAY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT figures FROM outcomes_reportsnapshot")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all(s.startswith("sw1:") for s in stored)
    assert not any("Persistence" in s or "Family" in s for s in stored)


# --- stale snapshots: "as of" ----------------------------------------------------------------


@pytest.fixture
def dear(settings: Any) -> Any:
    """Every report counts as dear to compute, and refreshes wait for the command."""
    settings.STRENGTHWISE_REPORT_EXACT_BELOW = 0
    settings.STRENGTHWISE_REPORT_REFRESH = "off"
    return settings


def test_a_dear_report_is_shown_as_of_its_computation_until_refreshed(
    data: SimpleNamespace, dear: Any
) -> None:
    scope = Scope(agency_id=data.river.pk, start=START, end=END)
    first, as_of = snapshots.figures_for(scope)
    computed = as_of.at
    _add_clients(data, 2)
    stale, as_of = snapshots.figures_for(scope)
    assert not as_of.fresh and as_of.at == computed
    assert stale == first  # what it was, said to be as of then
    assert normal(stale) != normal(measures.measure_all(scope))
    # An explicit day asks for exact figures.
    exact, as_of = snapshots.figures_for(scope, today=timezone.localdate())
    assert as_of.fresh
    # The command brings every stale snapshot up to date.
    _add_clients(data, 1)
    refreshed, _dropped = snapshots.refresh_stale()
    assert refreshed >= 1
    now, as_of = snapshots.figures_for(scope)
    assert as_of.fresh and normal(now) == normal(measures.measure_all(scope))


def test_past_the_stale_limit_a_command_or_a_report_within_the_wait_is_computed_again(
    data: SimpleNamespace, dear: Any
) -> None:
    scope = Scope(agency_id=data.river.pk)
    snapshots.figures_for(scope)
    ReportSnapshot.objects.update(computed_at=timezone.now() - dt.timedelta(minutes=16))
    _add_clients(data, 1)
    figures, as_of = snapshots.figures_for(scope)  # a command: no wait
    assert as_of.fresh and normal(figures) == normal(measures.measure_all(scope))
    # A web request, for a report whose last computation took less than it may wait.
    ReportSnapshot.objects.update(computed_at=timezone.now() - dt.timedelta(minutes=16), seconds=4)
    _add_clients(data, 1)
    figures, as_of = snapshots.figures_for(scope, wait=5)
    assert as_of.fresh and normal(figures) == normal(measures.measure_all(scope))


class _Waited:
    """A background computation that does not finish here; records every wait for it."""

    def __init__(self) -> None:
        self.waits: list[float | None] = []

    def join(self, timeout: float | None = None) -> None:
        self.waits.append(timeout)

    def is_alive(self) -> bool:
        return True


@pytest.fixture
def behind(settings: Any, monkeypatch: Any) -> SimpleNamespace:
    """Every report dear; refreshes started in the background (pretended: they never finish
    here), each start recorded."""
    settings.STRENGTHWISE_REPORT_EXACT_BELOW = 0
    settings.STRENGTHWISE_REPORT_REFRESH = "background"
    settings.STRENGTHWISE_REPORT_WAIT_SECONDS = 5
    found = SimpleNamespace(started=[], thread=_Waited())

    def start(snap: Any, scope: Scope, today: dt.date, reader_id: Any) -> _Waited:
        found.started.append(snap.key)
        return found.thread

    monkeypatch.setattr(snapshots, "_start_refresh", start)
    return found


def _last_took(seconds: float, **fields: Any) -> None:
    """The stored snapshots' last computation took `seconds` (and `fields` as given)."""
    ReportSnapshot.objects.update(seconds=seconds, **fields)


def test_past_the_stale_limit_a_report_dearer_than_the_wait_is_shown_at_once(
    data: SimpleNamespace, behind: SimpleNamespace, monkeypatch: Any
) -> None:
    scope = Scope(agency_id=data.river.pk)
    first, as_of = snapshots.figures_for(scope)  # computed on the spot (no wait)
    computed = as_of.at
    _last_took(400, computed_at=computed - dt.timedelta(minutes=16))
    _add_clients(data, 2)
    counting = Counting(monkeypatch)
    shown, as_of = snapshots.figures_for(scope, wait=5)
    # The old figures at once, said to be as of their computation, and nobody waited for a
    # computation that took 400 s last time; the refresh was started behind them.
    assert normal(shown) == normal(first) != normal(counting.real(scope))
    assert not as_of.fresh and as_of.at == computed - dt.timedelta(minutes=16)
    assert behind.thread.waits == []
    assert behind.started == [snapshots.scope_key(scope)]
    assert counting.calls == 0
    # De-identified alike.
    _hidden, as_of = snapshots.figures_for(scope, wait=5, deidentified=True)
    assert not as_of.fresh and behind.thread.waits == [] and counting.calls == 0


def test_on_a_new_day_a_report_dearer_than_the_wait_is_shown_at_once(
    data: SimpleNamespace, behind: SimpleNamespace, monkeypatch: Any
) -> None:
    scope = Scope(agency_id=data.river.pk)
    first, as_of = snapshots.figures_for(scope)
    stored = ReportSnapshot.objects.get(agency=data.river, key=snapshots.scope_key(scope))
    _last_took(400, today=stored.today - dt.timedelta(days=1))  # computed yesterday
    counting = Counting(monkeypatch)
    shown, as_of = snapshots.figures_for(scope, wait=5)
    assert shown == first and not as_of.fresh and as_of.at == stored.computed_at
    assert behind.thread.waits == [] and len(behind.started) == 1 and counting.calls == 0


def test_a_report_within_the_wait_is_still_waited_for(
    data: SimpleNamespace, behind: SimpleNamespace
) -> None:
    scope = Scope(agency_id=data.river.pk)
    snapshots.figures_for(scope)
    _last_took(4, computed_at=timezone.now() - dt.timedelta(minutes=16))
    _add_clients(data, 1)
    _shown, as_of = snapshots.figures_for(scope, wait=5)
    # Its refresh may well finish within the wait: the reader waits (here it never finishes,
    # so the old figures come, as of then).
    assert behind.thread.waits == [5] and not as_of.fresh


def test_exact_and_cheap_reports_are_still_computed_when_the_last_took_long(
    data: SimpleNamespace, dear: Any, monkeypatch: Any
) -> None:
    scope = Scope(agency_id=data.river.pk)
    snapshots.figures_for(scope)
    _last_took(400, computed_at=timezone.now() - dt.timedelta(minutes=16))
    _add_clients(data, 1)
    counting = Counting(monkeypatch)
    # An explicit day (a command's exact figures) is computed on the spot, wait or none.
    figures, as_of = snapshots.figures_for(scope, today=timezone.localdate(), wait=5)
    assert as_of.fresh and counting.calls == 1
    assert normal(figures) == normal(counting.real(scope, today=timezone.localdate()))
    # Under the exact limit a report is never shown stale.
    dear.STRENGTHWISE_REPORT_EXACT_BELOW = 1000
    _last_took(400, computed_at=timezone.now() - dt.timedelta(minutes=16))
    _add_clients(data, 1)
    figures, as_of = snapshots.figures_for(scope, wait=5)
    assert as_of.fresh and counting.calls == 2


def test_with_refreshes_off_a_dear_report_past_the_limit_is_shown_as_of_on_every_read(
    data: SimpleNamespace, dear: Any, web: Any, api: Any, monkeypatch: Any
) -> None:
    browser = web(data.p.priya)
    assert "Data quality" in browser.get(reverse("outcomes:reports")).content.decode()
    _last_took(400, computed_at=timezone.now() - dt.timedelta(hours=2))
    _add_clients(data, 1)
    counting = Counting(monkeypatch)
    note = "Changes made since then are not counted yet"
    page = browser.get(reverse("outcomes:reports")).content.decode()
    assert note in page and "Data quality" in page
    xlsx = browser.get(reverse("outcomes:export", args=["xlsx"]))
    assert xlsx.status_code == 200
    csv = browser.get(reverse("outcomes:export", args=["csv"]), {"table": "goals"})
    assert note in csv.content.decode("utf-8-sig")
    response = api(data.p.priya).get("/api/v1/reports/goals")
    assert response.status_code == 200 and response["X-Report-Up-To-Date"] == "false"
    assert counting.calls == 0  # nobody computed on the request; the command will refresh
    refreshed, _dropped = snapshots.refresh_stale()
    assert refreshed >= 1
    assert note not in browser.get(reverse("outcomes:reports")).content.decode()


def test_a_stale_read_refreshes_once_its_minute_is_up(
    data: SimpleNamespace, dear: Any, monkeypatch: Any
) -> None:
    dear.STRENGTHWISE_REPORT_REFRESH = "inline"
    counting = Counting(monkeypatch)
    scope = Scope(agency_id=data.river.pk)
    snapshots.figures_for(scope)
    _add_clients(data, 1)
    _figures, as_of = snapshots.figures_for(scope)  # under a minute old: shown, no refresh
    assert not as_of.fresh and counting.calls == 1
    ReportSnapshot.objects.update(computed_at=timezone.now() - dt.timedelta(seconds=61))
    _figures, as_of = snapshots.figures_for(scope)  # shown as it was, refreshed behind it
    assert not as_of.fresh and counting.calls == 2
    figures, as_of = snapshots.figures_for(scope)
    assert as_of.fresh and counting.calls == 2
    assert normal(figures) == normal(counting.real(scope))


def test_the_page_and_the_api_say_as_of_when_stale(
    data: SimpleNamespace, dear: Any, web: Any, api: Any
) -> None:
    page = web(data.p.priya).get(reverse("outcomes:reports"))
    assert "Changes made since then are not counted yet" not in page.content.decode()
    response = api(data.p.priya).get("/api/v1/reports/goals")
    assert response["X-Report-Up-To-Date"] == "true"
    _add_clients(data, 1)
    page = web(data.p.priya).get(reverse("outcomes:reports"))
    assert "Changes made since then are not counted yet" in page.content.decode()
    advocacy = web(data.p.priya).get(reverse("outcomes:advocacy"))
    assert "Changes made since then are not counted yet" in advocacy.content.decode()
    response = api(data.p.priya).get("/api/v1/reports/goals")
    assert response.status_code == 200
    assert response["X-Report-Up-To-Date"] == "false"
    assert dt.datetime.fromisoformat(response["X-Report-As-Of"]) <= timezone.now()


# --- the version ---------------------------------------------------------------------------------


def test_every_agency_has_a_version_row_and_writes_raise_it(data: SimpleNamespace) -> None:
    def version(agency: Any) -> int:
        snapshots.flush()
        return ReportsVersion.objects.get(agency=agency).version

    river, eastgate = version(data.river), version(data.p.eastgate)
    _score(Goal.objects.filter(agency=data.river).first(), dt.date(2025, 3, 3), 1)
    assert version(data.river) > river and version(data.p.eastgate) == eastgate
    data.s2.save()  # the directory is shared
    assert version(data.p.eastgate) > eastgate


# --- queries ---------------------------------------------------------------------------------------

PINNED = {"priya": 15, "bob": 16, "alice": 16}  # session, user, form choices, scope, 2 reads, audit


@pytest.mark.parametrize(("who", "pinned"), PINNED.items())
def test_a_fresh_report_page_uses_a_constant_number_of_queries(
    data: SimpleNamespace, web: Any, who: str, pinned: int
) -> None:
    browser = web(getattr(data.p, who))
    url = reverse("outcomes:reports")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get(url).status_code == 200
        return len(ctx.captured_queries)

    assert count() > 40  # the first read computes every figure
    opened = count()  # the stored figures opened: their whole text fetched once more
    small = count()  # decoded before, in this process
    _add_clients(data, 5)
    browser.get(url)  # computed again after the writes
    assert count() == opened == pinned + 1
    assert count() == small == pinned


class _Busy:
    """A background computation that has not finished within the wait."""

    def join(self, timeout: float | None = None) -> None:
        return None

    def is_alive(self) -> bool:
        return True


def test_the_first_figures_of_a_dear_report_are_prepared_behind_the_page(
    data: SimpleNamespace, settings: Any, monkeypatch: Any, web: Any, api: Any
) -> None:
    settings.STRENGTHWISE_REPORT_REFRESH = "background"
    settings.STRENGTHWISE_REPORT_WAIT_SECONDS = 0
    started = []

    def start(snap: Any, scope: Scope, today: dt.date, reader_id: Any) -> _Busy:
        started.append(snap.key)
        return _Busy()

    monkeypatch.setattr(snapshots, "_start_refresh", start)
    page = web(data.p.priya).get(reverse("outcomes:reports"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "These figures are being prepared" in html and 'hx-trigger="every 10s"' in html
    assert "Data quality" not in html
    advocacy = web(data.p.priya).get(reverse("outcomes:advocacy"))
    assert "These figures are being prepared" in advocacy.content.decode()
    export = web(data.p.priya).get(reverse("outcomes:export", args=["xlsx"]))
    assert export.status_code == 503 and export["Retry-After"] == "15"
    response = api(data.p.priya).get("/api/v1/reports/all")
    assert response.status_code == 503 and response["Retry-After"] == "15"
    assert started  # the computation was started (here: pretended), one row claimed for it
    assert ReportSnapshot.objects.filter(agency=data.river, figures="").count() == 1
    # Once computed, the page shows the figures.
    monkeypatch.undo()
    settings.STRENGTHWISE_REPORT_REFRESH = "inline"
    page = web(data.p.priya).get(reverse("outcomes:reports"))
    assert "Data quality" in page.content.decode()
    assert "These figures are being prepared" not in page.content.decode()
