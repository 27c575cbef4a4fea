"""Outcome measures for the reports (SPEC §3.6): pure aggregation, no views.

Every measure takes a `Scope` and returns plain dicts (JSON-ready, except the data-quality
id querysets) in which every figure carries its denominator, e.g.
``{"value": 0.6, "numerator": 3, "denominator": 5}``; a share or mean over nobody is ``None``.
Shares are rounded to 4 decimals, means, medians and T-scores to 2.

The work is done in the database (annotate/aggregate, subqueries, conditional counts); Python
only loops over a handful of domain keys, over rows already grouped per client, service or
strength, or over one row per distinct value. The number of queries is fixed: it does not grow
with the number of clients (pinned in tests/test_measures.py).

Rules this module defines (each measure's docstring has the details)
--------------------------------------------------------------------
- **Scope.** Clients of the agency that were not merged into another record. ``team_id`` and
  ``worker_id`` filter on the client's *current* team and primary worker (work done before a
  transfer counts for the new worker). ``program_id`` keeps clients with an episode in that
  program overlapping the period, and narrows plan-based records (goals, GAS, intake to plan)
  to plans of that program's episodes. ``client_ids`` (a queryset of client ids, e.g. the
  ``values("pk")`` of what the user may see) narrows further.
- **Period.** ``start``/``end`` are dates in the agency's time zone, both included; either may
  be left open. Date-time fields are compared with the agency's local midnight.
- **Dates of events** the models do not store: a goal's status change is dated by the goal's
  ``updated_at`` (a finished goal is not edited again); a factor by its ``created_at``.
- **Days** between two moments are exact (hours count: 36 hours is 1.5 days); from a date to a
  date-time (intake to plan) whole days in the agency's time zone.
- **Medians** of an even number of values are the mean of the two middle ones.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from strengthwise.accounts.models import Agency, Program
from strengthwise.assessments.models import (
    Author,
    Factor,
    Kind,
    Level,
    StrengthsAssessmentVersion,
    Valence,
)
from strengthwise.assessments.templates_data import localized, shipped_template
from strengthwise.core.text import fold
from strengthwise.directory.hsds import CAPACITY_TAXONOMY_ID, DOMAIN_TAXONOMY_ID
from strengthwise.directory.models import Attribute, Service, ServiceDomain
from strengthwise.people.models import Client, Episode
from strengthwise.plans import gas as gas_formula
from strengthwise.plans import selectors as plan_selectors
from strengthwise.plans.models import GasFollowUp, Goal, Plan
from strengthwise.questionnaires import selectors as questionnaire_selectors
from strengthwise.questionnaires.models import AnswerValue, Questionnaire, QuestionnaireResponse
from strengthwise.referrals import workflow
from strengthwise.referrals.models import Referral

from .suppression import Table

__all__ = [
    "CAPACITY_WORD",
    "SCREENING_LIFE_DOMAINS",
    "Scope",
    "advocacy",
    "client_voice",
    "data_quality",
    "gas",
    "gas_scores",
    "goals",
    "measure_all",
    "referrals",
    "scope_clients",
    "ssm_change",
    "strengths",
]

#: A rejected referral counts as "no capacity" when its reason contains this word (any case):
#: "No capacity", "no-capacity" (the Gravity code), "at capacity", "over capacity".
CAPACITY_WORD = "capacity"

#: Which life domain (the strengths-assessment keys that directory services list as
#: ServiceDomain) each AHC HRSN screening domain is a need in.
SCREENING_LIFE_DOMAINS: Mapping[str, str] = {
    "living_situation": "daily_living",
    "food": "daily_living",
    "transportation": "daily_living",
    "utilities": "financial",
    "safety": "health",
}

#: GAS T-score bins: [10, 20), [20, 30) … [80, 90); a score outside goes to the nearest end bin.
GAS_BINS = tuple(range(10, 90, 10))
DEFAULT_FOLLOW_UP_DAYS = 5
DEFAULT_REASSESS_DAYS = 90
FINISHED = sorted(workflow.FINISHED)


# Reports cover days from 1900 to 2199: anything outside is a typing mistake (and a date near
# 9999-12-31 would overflow the day-after arithmetic).
PERIOD_FIRST = dt.date(1900, 1, 1)
PERIOD_LAST = dt.date(2199, 12, 31)


def period_problem(start: dt.date | None, end: dt.date | None) -> str | None:
    """Why a report period cannot be used, in words (None when it can) — the one rule for the
    reports page, the API and the command."""
    for day in (start, end):
        if day is not None and not PERIOD_FIRST <= day <= PERIOD_LAST:
            return _("Choose dates between %(first)s and %(last)s.") % {
                "first": PERIOD_FIRST.isoformat(),
                "last": PERIOD_LAST.isoformat(),
            }
    if start and end and start > end:
        return _("The end of the period is before its start.")
    return None


@dataclass(frozen=True)
class Scope:
    """Whose records and which period a report covers (see the module docstring)."""

    agency_id: int
    program_id: int | None = None
    team_id: int | None = None
    worker_id: int | None = None
    client_ids: QuerySet[Any] | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    def __post_init__(self) -> None:
        problem = period_problem(self.start, self.end)
        if problem:
            raise ValueError(problem)


# --- figures ------------------------------------------------------------------------------


def ratio(numerator: int, denominator: int, **extra: Any) -> dict[str, Any]:
    """A share with what it is a share of."""
    value = round(numerator / denominator, 4) if denominator else None
    return {"value": value, "numerator": numerator, "denominator": denominator, **extra}


def mean(total: float | None, n: int, **extra: Any) -> dict[str, Any]:
    value = round(total / n, 2) if n and total is not None else None
    return {"value": value, "denominator": n, **extra}


class DaysBetween(Func):
    """``later − earlier`` in days, as a float, for two date-times.

    SQLite: ``julianday(a) − julianday(b)`` — native, where Django's own duration arithmetic
    calls a Python function for every row (≈10× slower at 100,000 rows). PostgreSQL: the
    interval's seconds / 86,400."""

    arity = 2
    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)",
            arg_joiner=" - ",
            **extra,
        )


class DateDays(Func):
    """``later − earlier`` in whole days for two dates (julianday on SQLite; date
    subtraction, an integer, on PostgreSQL)."""

    arity = 2
    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra
        )


# --- scope and period ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    scope: Scope
    tz: zoneinfo.ZoneInfo
    clients: QuerySet[Client]

    def moment(self, day: dt.date) -> dt.datetime:
        """Local midnight at the start of `day`, as an aware date-time."""
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.tz)

    def period(self, field: str) -> Q:
        """The period on a date field (both ends included)."""
        q = Q()
        if self.scope.start:
            q &= Q(**{f"{field}__gte": self.scope.start})
        if self.scope.end:
            q &= Q(**{f"{field}__lte": self.scope.end})
        return q

    def period_at(self, field: str) -> Q:
        """The period on a date-time field: from local midnight of start to before local
        midnight of the day after end."""
        q = Q()
        if self.scope.start:
            q &= Q(**{f"{field}__gte": self.moment(self.scope.start)})
        if self.scope.end:
            q &= Q(**{f"{field}__lt": self.moment(self.scope.end + dt.timedelta(days=1))})
        return q

    def until_at(self, field: str) -> Q:
        """On or before the end of the period (a date-time field)."""
        if not self.scope.end:
            return Q()
        return Q(**{f"{field}__lt": self.moment(self.scope.end + dt.timedelta(days=1))})

    def until(self, field: str) -> Q:
        return Q(**{f"{field}__lte": self.scope.end}) if self.scope.end else Q()

    def program(self, path: str) -> Q:
        """Only records of the scope's program, through `path` to an episode's program id."""
        return Q(**{path: self.scope.program_id}) if self.scope.program_id else Q()

    def today(self) -> dt.date:
        return timezone.localtime(timezone.now(), self.tz).date()


def _program_episodes(scope: Scope) -> QuerySet[Episode]:
    """Episodes of the scope's program that overlap the period."""
    episodes = Episode.objects.filter(program_id=scope.program_id or 0)
    if scope.end:
        episodes = episodes.filter(opened_on__lte=scope.end)
    if scope.start:
        episodes = episodes.filter(Q(closed_on__isnull=True) | Q(closed_on__gte=scope.start))
    return episodes


def scope_clients(scope: Scope) -> QuerySet[Client]:
    """The clients a report covers (lazy): the agency's, not merged into another record, on
    the team, with the primary worker, among `client_ids`, with an episode of the program."""
    clients = Client.objects.filter(agency_id=scope.agency_id, merged_into__isnull=True)
    if scope.team_id:
        clients = clients.filter(team_id=scope.team_id)
    if scope.worker_id:
        clients = clients.filter(primary_worker_id=scope.worker_id)
    if scope.client_ids is not None:
        clients = clients.filter(pk__in=scope.client_ids)
    if scope.program_id:
        clients = clients.filter(Exists(_program_episodes(scope).filter(client_id=OuterRef("pk"))))
    return clients


def _context(scope: Scope) -> _Context:
    name = Agency.objects.filter(pk=scope.agency_id).values_list("timezone", flat=True).first()
    tz = zoneinfo.ZoneInfo(name or "UTC")
    return _Context(scope=scope, tz=tz, clients=scope_clients(scope))


def _of(ctx: _Context, client: str = "client", agency_field: str | None = "agency_id") -> Q:
    """The scope as a condition on records whose client is reached through `client`
    ("client" on a goal, "goal__client" on a GAS follow-up).

    The agency is taken from the record's own indexed ``agency_id`` and merged records are
    left out with a NOT IN over the (few) merged clients, so the common agency-wide report
    never joins the client table: on SQLite at 100,000 clients that join costs ~0.25 s per
    query, this ~0.05 s. Team, worker, program and id filters join the client as needed."""
    scope = ctx.scope
    merged = Client.objects.filter(agency_id=scope.agency_id, merged_into__isnull=False)
    q = (
        Q(**{agency_field: scope.agency_id})
        if agency_field
        else Q(**{f"{client}__agency_id": scope.agency_id})
    )
    q &= ~Q(**{f"{client}__in": merged.values("pk")})
    if scope.team_id:
        q &= Q(**{f"{client}__team_id": scope.team_id})
    if scope.worker_id:
        q &= Q(**{f"{client}__primary_worker_id": scope.worker_id})
    if scope.client_ids is not None:
        q &= Q(**{f"{client}__in": scope.client_ids})
    if scope.program_id:
        q &= Q(Exists(_program_episodes(scope).filter(client_id=OuterRef(client))))
    return q


# --- Goal Attainment Scaling --------------------------------------------------------------


def _t_from_sums(
    n: int, sum_x: int, sum_w: float, sum_wx: float, sum_w2: float, *, weighted: bool
) -> float:
    """`plans.gas.t_score` over sums the database already added up (same formula,
    rho = gas.DEFAULT_RHO): T = 50 + 10·Σwx / √((1−ρ)·Σw² + ρ·(Σw)²), w = 1 when unweighted.
    The tests check it against `gas.t_score` for every client of the data set."""
    rho = gas_formula.DEFAULT_RHO
    if weighted:
        numerator, s1, s2 = float(sum_wx), float(sum_w), float(sum_w2)
    else:
        numerator, s1, s2 = float(sum_x), float(n), float(n)
    return 50 + 10 * numerator / math.sqrt((1 - rho) * s2 + rho * s1 * s1)


def _gas_rows(ctx: _Context, scored_by: str) -> list[dict[str, Any]]:
    """One row per scored client: the sums the T-score needs (one query).

    The client's T-score is the plan page's latest point in the period: on the day of their
    last follow-up by `scored_by` in the period, over that follow-up's plan, by
    `plans.selectors.t_score_on`'s rule (goals in the plan that day, latest score on or before
    it, else the baseline) — the same rule, written for the database."""
    if scored_by not in (Author.CLIENT, Author.WORKER):
        raise ValueError(f"scored_by must be 'client' or 'worker', got {scored_by!r}")
    # Each scope client's last follow-up in the period (a subquery the database runs once:
    # one correlated lookup per client). Before, the same lookup was correlated with every
    # goal and written out ~10 times in the query (each reference to "day" repeated it): at
    # 100,000 clients that query took 17 s on SQLite per scorer (45-50 s under load).
    last = GasFollowUp.objects.filter(
        Q(scored_by=scored_by, goal__client_id=OuterRef("pk"))
        & ctx.period("scored_on")
        & ctx.program("goal__plan__episode__program_id")
    ).order_by("-scored_on", "-id")
    lasts = ctx.clients.annotate(last_id=Subquery(last.values("id")[:1])).values("last_id")
    # A goal counts when its plan holds the goal of its client's last follow-up: joined
    # through the plan's goals, that follow-up's date is a column ("day"), not a subquery.
    last_followup = "plan__goals__followups"
    goals = (
        Goal.objects.filter(
            _of(ctx)
            & ctx.program("plan__episode__program_id")
            & plan_selectors.gas_complete_q()
            & Q(**{f"{last_followup}__in": lasts, "plan__goals__client_id": F("client_id")})
        )
        .annotate(day=F(f"{last_followup}__scored_on"))
        .filter(plan_selectors.in_plan_on_q(OuterRef("day")))
        .annotate(level=plan_selectors.level_on(OuterRef("day"), scored_by))
        .filter(level__isnull=False)
    )
    weight = F("gas_importance") * F("gas_difficulty")
    rows = (
        goals.values("client_id")
        .annotate(
            n=Count("id"),
            unrated=Count(
                "id", filter=Q(gas_importance__isnull=True) | Q(gas_difficulty__isnull=True)
            ),
            sum_x=Sum("level"),
            sum_w=Sum(weight),
            sum_wx=Sum(weight * F("level")),
            sum_w2=Sum(weight * weight),
        )
        .order_by()
    )
    return [dict(row) for row in rows]


def _t_of(row: Mapping[str, Any]) -> tuple[float, bool]:
    """A client's T-score from their row, and whether it was weighted."""
    weighted = row["unrated"] == 0 and (row["sum_w"] or 0) > 0
    t = _t_from_sums(
        row["n"],
        row["sum_x"],
        row["sum_w"] or 0,
        row["sum_wx"] or 0,
        row["sum_w2"] or 0,
        weighted=weighted,
    )
    return t, weighted


def gas_scores(scope: Scope, *, scored_by: str = Author.CLIENT) -> dict[int, float]:
    """Each scored client's latest T-score in the period, unrounded, by client id (the rules
    are `gas`'s). For a drill-down the caller may show; `gas` gives the de-identified summary."""
    ctx = _context(scope)
    return {row["client_id"]: _t_of(row)[0] for row in _gas_rows(ctx, scored_by)}


def gas(scope: Scope, *, scored_by: str = Author.CLIENT) -> dict[str, Any]:
    """GAS T-scores, one per client: the latest T-score in the period.

    Rules: a client counts when they (``scored_by="client"``) or their worker
    (``"worker"``) scored at least one of their goals in the period. Their T-score is the plan
    page's point on the day of their last score in the period (`plans.selectors.t_score_on`):
    the goals that were in that plan on that day (not those added later, nor those set aside
    or revised before it), each at its latest level by that scorer on or before the day, else
    its baseline. Weights are importance × difficulty (`gas.weight`) when every counted goal
    has both ratings and at least one weight is above 0; otherwise they are unweighted.

    Returns the mean T, the share at or above 50 (denominator: clients with at least one
    scored goal), the distribution in bins of 10, and ``left_out``: clients with a goal (not
    revised) but no score by that scorer in the period.
    """
    ctx = _context(scope)
    scores: list[float] = []
    weighted_clients = 0
    goals_scored = 0
    for row in _gas_rows(ctx, scored_by):  # one row per scored client
        t, weighted = _t_of(row)
        scores.append(t)
        weighted_clients += weighted
        goals_scored += row["n"]
    # Every scored client has such a goal, so the rest are the clients left out.
    with_goals = (
        Goal.objects.filter(_of(ctx) & ctx.program("plan__episode__program_id"))
        .exclude(status=Goal.Status.REVISED)
        .aggregate(n=Count("client_id", distinct=True))["n"]
    )
    bins = dict.fromkeys(GAS_BINS, 0)
    for t in scores:
        bins[min(max(int(t // 10) * 10, GAS_BINS[0]), GAS_BINS[-1])] += 1
    n = len(scores)
    return {
        "scored_by": scored_by,
        "clients": n,
        "left_out": with_goals - n,
        "goals": goals_scored,
        "weighted_clients": weighted_clients,
        "mean": mean(math.fsum(scores), n),
        "at_or_above_50": ratio(sum(1 for t in scores if t >= 50), n),
        "distribution": [{"from": low, "to": low + 10, "count": c} for low, c in bins.items()],
    }


# --- Self-Sufficiency Matrix --------------------------------------------------------------


def _domain_order(kind: str) -> dict[str, tuple[int, str]]:
    """The shipped template's domain order and labels (agency domains sort after them)."""
    domains = shipped_template(kind).get("domains", [])
    return {d["key"]: (k, str(localized(d, "label") or d["key"])) for k, d in enumerate(domains)}


def _sorted_domains(keys: Iterable[str], kind: str) -> list[tuple[str, str]]:
    known = _domain_order(kind)
    return [
        (key, known.get(key, (0, key))[1])
        for key in sorted(set(keys), key=lambda k: (k not in known, known.get(k, (0, ""))[0], k))
    ]


def ssm_change(scope: Scope) -> dict[str, Any]:
    """Self-Sufficiency Matrix change from entry to the latest review or exit, per domain.

    Rules: only the client's own matrices (not other adults of the household). "Latest" is the
    last review or exit administered in the period; "entry" is the last entry matrix on or
    before that day (a client who came back is compared with their latest entry). Clients with
    both are compared; ``left_out`` counts clients with a matrix in the period but no such
    pair. In each domain, a 0 ("does not apply") at either end — or a domain not scored at
    entry — leaves that client out of that domain (``not_applicable``). Improved means a
    higher level at the latest matrix; the mean change is latest − entry.
    """
    ctx = _context(scope)
    # Matrices are responses to the agency's matrix questionnaire; their levels are the typed
    # answers (one per domain: link id = domain key, number = level).
    follow_up = [QuestionnaireResponse.Occasion.REVIEW, QuestionnaireResponse.Occasion.EXIT]
    entry_kind = QuestionnaireResponse.Occasion.ENTRY
    own = QuestionnaireResponse.objects.filter(
        _of(ctx) & Q(member__isnull=True, questionnaire__shipped=Kind.SSM)
    )
    reviews = own.filter(Q(occasion__in=follow_up) & ctx.period("answered_on"))
    # Every correlated lookup names agency, client and questionnaire, so that it is a search of
    # the (agency, client, questionnaire, answered_on) index even without planner statistics
    # (on the questionnaire's own index SQLite read every matrix of the agency per row).
    later = QuestionnaireResponse.objects.filter(
        Q(
            agency_id=OuterRef("agency_id"),
            client_id=OuterRef("client_id"),
            questionnaire_id=OuterRef("questionnaire_id"),
            member__isnull=True,
            occasion__in=follow_up,
        )
        & ctx.until("answered_on")
    ).filter(
        Q(answered_on__gt=OuterRef("answered_on"))
        | Q(answered_on=OuterRef("answered_on"), pk__gt=OuterRef("pk"))
    )

    def entry_before(day: str) -> Subquery:
        return Subquery(
            QuestionnaireResponse.objects.filter(
                agency_id=OuterRef("agency_id"),
                client_id=OuterRef("client_id"),
                questionnaire_id=OuterRef("questionnaire_id"),
                member__isnull=True,
                occasion=entry_kind,
                answered_on__lte=OuterRef(day),
            )
            .order_by("-answered_on", "-id")
            .values("id")[:1]
        )

    # One latest review or exit per client, with the entry it is compared with.
    latest = reviews.exclude(Exists(later)).annotate(entry_id=entry_before("answered_on"))
    pairs = latest.filter(entry_id__isnull=False)
    n_pairs = pairs.count()
    active = own.filter(ctx.period("answered_on")).aggregate(n=Count("client_id", distinct=True))[
        "n"
    ]
    # For each level of a latest matrix: the same domain's level at that client's entry. The
    # entry is joined through the client (found once per matrix, as above), so its id is a
    # column and each level costs one lookup of the (response, link id) index; before, the
    # entry was looked up again for every level, twice (select and group by): at 100,000
    # clients (1.7 million levels) that query took 13.5 s on SQLite (~40 s under load).
    entry = "client__questionnaire_responses"
    before = AnswerValue.objects.filter(
        response_id=OuterRef(f"{entry}__id"), link_id=OuterRef("values__link_id")
    ).values("number")[:1]
    grouped = (
        QuestionnaireResponse.objects.filter(
            Q(pk__in=pairs.values("pk"), values__number__isnull=False)
            & Q(**{f"{entry}__id": entry_before("answered_on")})
        )
        .annotate(link_id=F("values__link_id"), number=F("values__number"))
        .annotate(before=Subquery(before))
        .values("link_id", "number", "before")
        .annotate(n=Count("values__id"))
        .order_by()
    )
    tally: dict[str, dict[str, int]] = defaultdict(
        lambda: {"clients": 0, "na": 0, "up": 0, "same": 0, "down": 0, "change": 0}
    )
    for row in grouped:  # one row per (domain, latest level, entry level): at most 36 a domain
        t = tally[row["link_id"]]
        if not row["number"] or not row["before"]:
            t["na"] += row["n"]
            continue
        change = int(row["number"]) - int(row["before"])
        t["clients"] += row["n"]
        t["change"] += change * row["n"]
        t["up" if change > 0 else "down" if change < 0 else "same"] += row["n"]
    domains = []
    for key, label in _sorted_domains(tally, "ssm"):
        t = tally[key]
        n = t["clients"]
        domains.append(
            {
                "domain": key,
                "label": label,
                "clients": n,
                "not_applicable": t["na"],
                "improved": ratio(t["up"], n),
                "unchanged": ratio(t["same"], n),
                "worse": ratio(t["down"], n),
                "mean_change": mean(t["change"], n),
            }
        )
    return {"clients": n_pairs, "left_out": active - n_pairs, "domains": domains}


# --- goals and intake to plan -------------------------------------------------------------


def _day_stats(qs: QuerySet[Any], field: str) -> dict[str, Any]:
    """Median and mean of the days annotation `field` over `qs` (two queries: the count and
    mean, then the middle one or two rows with LIMIT/OFFSET — no rows come to Python)."""
    agg = qs.aggregate(n=Count("pk"), mean=Avg(field))
    n = agg["n"]
    median = None
    if n:
        ordered = qs.order_by(field, "pk").values_list(field, flat=True)
        middle = [ordered[n // 2]] if n % 2 else list(ordered[n // 2 - 1 : n // 2 + 1])
        median = round(math.fsum(float(v) for v in middle) / len(middle), 2)
    return {
        "median_days": median,
        "mean_days": round(float(agg["mean"]), 2) if agg["mean"] is not None else None,
        "denominator": n,
    }


def _whole_day_stats(qs: QuerySet[Any], field: str) -> dict[str, Any]:
    """Median and mean of a whole-number days annotation, from its histogram (one query: one
    row per distinct number of days)."""
    histogram = sorted(
        (round(float(row[field])), row["n"])
        for row in qs.values(field).annotate(n=Count("pk")).order_by()
    )
    n = sum(count for _days, count in histogram)
    if not n:
        return {"median_days": None, "mean_days": None, "denominator": 0}
    wanted = [n // 2] if n % 2 else [n // 2 - 1, n // 2]  # 0-based positions of the middle
    middle: list[int] = []
    seen = 0
    for days, count in histogram:
        middle += [days for position in wanted if seen <= position < seen + count]
        seen += count
    return {
        "median_days": round(sum(middle) / len(middle), 2),
        "mean_days": round(sum(d * c for d, c in histogram) / n, 2),
        "denominator": n,
    }


def goals(scope: Scope) -> dict[str, Any]:
    """Goals by status in the period, and the time from intake to the first plan.

    Rules: an achieved, set-aside or revised goal counts when its last change (``updated_at``,
    which dates the status change: finished goals are not edited again) falls in the period;
    an active goal counts when it was set on or before the end of the period and is still
    active. Intake to plan: for each episode opened in the period, the days from
    ``opened_on`` to its plan's ``created_at`` (a plan belongs to one episode, so it is that
    intake's first plan), in the agency's time zone; episodes without a plan yet are
    ``left_out``.
    """
    ctx = _context(scope)
    mine = Goal.objects.filter(_of(ctx) & ctx.program("plan__episode__program_id"))
    changed = ctx.period_at("updated_at")
    counts = mine.aggregate(
        achieved=Count("pk", filter=Q(status=Goal.Status.ACHIEVED) & changed),
        set_aside=Count("pk", filter=Q(status=Goal.Status.SET_ASIDE) & changed),
        revised=Count("pk", filter=Q(status=Goal.Status.REVISED) & changed),
        active=Count("pk", filter=Q(status=Goal.Status.ACTIVE) & ctx.until_at("created_at")),
    )
    total = sum(counts.values())
    episodes = Episode.objects.filter(
        _of(ctx) & ctx.period("opened_on") & ctx.program("program_id")
    )
    planned = episodes.filter(plan__isnull=False).annotate(
        wait=DateDays(TruncDate("plan__created_at", tzinfo=ctx.tz), F("opened_on"))
    )
    stats = _whole_day_stats(planned, "wait")
    stats["left_out"] = episodes.filter(plan__isnull=True).count()
    return {
        **counts,
        "total": total,
        "achieved_share": ratio(counts["achieved"], total),
        "intake_to_plan": stats,
    }


# --- referrals ----------------------------------------------------------------------------


def _categories(service_ids: QuerySet[Any]) -> dict[str, set[str]]:
    """Taxonomy term names per service (the local capacity and life-domain taxonomies are
    not categories), as {service id (str): {names}} — one query."""
    found: dict[str, set[str]] = defaultdict(set)
    for link_id, name in (
        Attribute.objects.filter(link_entity="service", link_id__in=service_ids)
        .exclude(taxonomy_term__taxonomy_id__in=[CAPACITY_TAXONOMY_ID, DOMAIN_TAXONOMY_ID])
        .values_list("link_id", "taxonomy_term__name")
        .distinct()
    ):
        found[str(link_id)].add(name)
    return found


def _no_capacity() -> Q:
    return Q(status=workflow.REJECTED, status_reason__icontains=CAPACITY_WORD)


def referrals(scope: Scope) -> dict[str, Any]:
    """Referral outcomes in the period.

    Rules: a referral is *finished* when completed, failed, rejected or cancelled, dated by
    ``finished_at``; the completion rate is completed / finished. Rejected for no capacity:
    status rejected and the reason contains "capacity" (`CAPACITY_WORD`, any case), as a share
    of finished referrals. Days to acceptance: referrals accepted in the period, from
    ``requested_at`` to ``accepted_at``; days to completion: referrals completed in the period,
    from ``requested_at`` to ``finished_at`` (exact days, hours count). Helpfulness: the
    client's 1–5 rating of referrals finished in the period, mean per service and per category
    (taxonomy term name; a service in two categories counts in both; unrated referrals are
    left out). Referrals entered in error are never counted.
    """
    ctx = _context(scope)
    mine = Referral.objects.filter(_of(ctx)).exclude(status=workflow.ENTERED_IN_ERROR)
    finished = mine.filter(Q(status__in=FINISHED) & ctx.period_at("finished_at"))
    counts = finished.aggregate(
        finished=Count("pk"),
        completed=Count("pk", filter=Q(status=workflow.COMPLETED)),
        rejected=Count("pk", filter=Q(status=workflow.REJECTED)),
        no_capacity=Count("pk", filter=_no_capacity()),
    )
    accepted = mine.filter(
        Q(accepted_at__isnull=False, requested_at__isnull=False) & ctx.period_at("accepted_at")
    ).annotate(wait=DaysBetween("accepted_at", "requested_at"))
    completed = finished.filter(status=workflow.COMPLETED, requested_at__isnull=False).annotate(
        wait=DaysBetween("finished_at", "requested_at")
    )
    rated = finished.filter(helpful__isnull=False)
    per_service = list(
        rated.values("service_id", "service__name")
        .annotate(n=Count("pk"), total=Sum("helpful"))
        .order_by("service__name", "service_id")
    )
    categories = _categories(rated.values("service_id"))
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in per_service:
        for name in categories.get(str(row["service_id"]), ()):
            per_category[name][0] += row["n"]
            per_category[name][1] += row["total"]
    return {
        "finished": counts["finished"],
        "completion": ratio(counts["completed"], counts["finished"]),
        "rejected": counts["rejected"],
        "rejected_no_capacity": ratio(counts["no_capacity"], counts["finished"]),
        "days_to_accept": _day_stats(accepted, "wait"),
        "days_to_complete": _day_stats(completed, "wait"),
        "helpfulness_by_service": sorted(
            (
                {
                    "service_id": str(row["service_id"]),
                    "service": row["service__name"],
                    **mean(row["total"], row["n"]),
                }
                for row in per_service
            ),
            key=lambda r: (-(r["value"] or 0), -r["denominator"], r["service"]),
        ),
        "helpfulness_by_category": sorted(
            ({"category": name, **mean(total, n)} for name, (n, total) in per_category.items()),
            key=lambda r: (-(r["value"] or 0), -r["denominator"], r["category"]),
        ),
        "ratings": sum(row["n"] for row in per_service),
    }


# --- client voice -------------------------------------------------------------------------


def client_voice(scope: Scope) -> dict[str, Any]:
    """Whose words the goals set in the period are in: the share written by the client
    (``author == "client"``), with the worker's and the together counts beside it."""
    ctx = _context(scope)
    counts = Goal.objects.filter(
        _of(ctx) & ctx.program("plan__episode__program_id") & ctx.period_at("created_at")
    ).aggregate(
        total=Count("pk"),
        client=Count("pk", filter=Q(author=Author.CLIENT)),
        together=Count("pk", filter=Q(author=Author.TOGETHER)),
        worker=Count("pk", filter=Q(author=Author.WORKER)),
    )
    return {
        "client_authored": ratio(counts["client"], counts["total"]),
        "together": counts["together"],
        "worker": counts["worker"],
    }


# --- strengths in goals that moved --------------------------------------------------------


def _progressed_goals(ctx: _Context, scored_by: str) -> QuerySet[Goal]:
    until = GasFollowUp.objects.filter(Q(scored_by=scored_by) & ctx.until("scored_on"))
    first = until.filter(goal=OuterRef("pk")).order_by("scored_on", "id")
    last = until.filter(goal=OuterRef("pk")).order_by("-scored_on", "-id")
    # A goal scored in the period has its latest score (up to the end) in the period too; the
    # cheap test first spares the two subqueries for every other goal. EXISTS by the goal's
    # index, not IN: inside this OR, PostgreSQL cannot hash an IN list larger than work_mem
    # and searched all 600,000 follow-ups once per goal (minutes at 100,000 clients).
    scored_in_period = GasFollowUp.objects.filter(
        Q(scored_by=scored_by) & ctx.period("scored_on"), goal=OuterRef("pk")
    )
    return (
        Goal.objects.filter(_of(ctx) & ctx.program("plan__episode__program_id"))
        .annotate(
            first_level=Subquery(first.values("level")[:1]),
            last_level=Subquery(last.values("level")[:1]),
        )
        .filter(
            (Q(Exists(scored_in_period)) & Q(last_level__gt=F("first_level")))
            | (Q(status=Goal.Status.ACHIEVED) & ctx.period_at("updated_at"))
        )
    )


def strengths(scope: Scope, *, top: int = 10, scored_by: str = Author.CLIENT) -> dict[str, Any]:
    """The strengths that carry goals that moved.

    Rules: a goal *progressed* in the period when its latest GAS level (by ``scored_by``),
    scored in the period, is above its first level, or when it was achieved in the period.
    Each strength linked to such a goal (``Goal.strengths``, factors of valence "strength")
    counts once per goal. Strengths are grouped by their folded description (case, accents
    and punctuation ignored: "Faith" = "faith."), overall and within each life domain; the
    label shown is the most common spelling. Top `top` of each, with counts.
    """
    ctx = _context(scope)
    progressed = _progressed_goals(ctx, scored_by)
    n_goals = progressed.count()
    # Descriptions are sealed at rest (no GROUP BY on them in SQL): one row per link between a
    # goal that moved and a strength, grouped here by the folded words, each goal once.
    rows = (
        Goal.strengths.through.objects.filter(
            goal_id__in=progressed.values("pk"), factor__valence=Valence.STRENGTH
        )
        .values_list("goal_id", "factor__domain", "factor__description")
        .order_by()
    )
    goals_of: dict[str, set[int]] = defaultdict(set)
    goals_by_domain: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    goals_by_spelling: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for goal_id, domain, description in rows:
        key = fold(description)
        if not key:
            continue
        goals_of[key].add(goal_id)
        goals_by_domain[domain][key].add(goal_id)
        goals_by_spelling[key][description.strip()].add(goal_id)
    overall = {key: len(ids) for key, ids in goals_of.items()}
    by_domain = {
        domain: {key: len(ids) for key, ids in keys.items()}
        for domain, keys in goals_by_domain.items()
    }
    spellings = {
        key: {text: len(ids) for text, ids in texts.items()}
        for key, texts in goals_by_spelling.items()
    }

    def label(key: str) -> str:
        return min(spellings[key].items(), key=lambda kv: (-kv[1], kv[0]))[0]

    def ranked(counts: Mapping[str, int]) -> list[dict[str, Any]]:
        order = sorted(counts.items(), key=lambda kv: (-kv[1], label(kv[0]), kv[0]))
        return [{"strength": label(k), "key": k, "goals": n} for k, n in order[:top]]

    return {
        "scored_by": scored_by,
        "progressed_goals": n_goals,
        "top": ranked(overall),
        "by_domain": [
            {"domain": key, "label": name, "strengths": ranked(by_domain[key])}
            for key, name in _sorted_domains(by_domain, "strengths")
        ],
    }


# --- advocacy -----------------------------------------------------------------------------


def _month(value: dt.datetime | dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def _months(ctx: _Context, seen: Iterable[str]) -> list[str]:
    """Every month of the period (or from the first to the last month seen), so that a month
    with no one in it is a 0 column rather than missing."""
    seen = sorted(set(seen))
    first = _month(ctx.scope.start) if ctx.scope.start else (seen[0] if seen else None)
    last = _month(ctx.scope.end) if ctx.scope.end else (seen[-1] if seen else None)
    if first is None or last is None:
        return []
    year, month = int(first[:4]), int(first[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def advocacy(scope: Scope) -> dict[str, Any]:
    """De-identified counts for the advocacy report, as `suppression.Table`s (raw counts:
    pass each through `suppression.suppress` before showing it to anyone).

    - ``macro_barriers``: life domain × month — clients with a macro-level barrier (level
      macro, valence barrier) recorded that month (``Factor.created_at``). A client counts once
      per cell; row and column totals are sums of cells (client-months).
    - ``capacity_gaps``: service category × month — referrals rejected for no capacity
      (`referrals` rule) finished that month, by the service's taxonomy term names; a service
      in two categories counts in both rows, one with none under "(no category)".
    - ``unmet_needs``: life domain × source — a *need* is a positive domain on the client's
      latest social-needs screening up to the end of the period (mapped to a life domain by
      `SCREENING_LIFE_DOMAINS`), or an active micro-level barrier recorded up to the end of the
      period (meso and macro barriers are context, never the client's needs); it is *unmet*
      when no active directory service lists that life
      domain (`ServiceDomain`). Cells count clients; columns "screening" and "barrier".
    """
    ctx = _context(scope)
    ids = _of(ctx)
    # Macro barriers by domain and month.
    macro = list(
        Factor.objects.filter(
            ids & Q(level=Level.MACRO, valence=Valence.BARRIER) & ctx.period_at("created_at")
        )
        .annotate(month=TruncMonth("created_at", tzinfo=ctx.tz))
        .values("domain", "month")
        .annotate(n=Count("client_id", distinct=True))
        .order_by()
    )
    macro_counts = {(r["domain"], _month(r["month"])): r["n"] for r in macro}
    macro_rows = [k for k, _label in _sorted_domains((d for d, _ in macro_counts), "strengths")]
    macro_table = Table.from_counts(
        macro_counts, rows=macro_rows, columns=_months(ctx, (m for _, m in macro_counts))
    )
    # Referrals rejected for no capacity, by category and month.
    refused = (
        Referral.objects.filter(ids & _no_capacity() & ctx.period_at("finished_at"))
        .annotate(month=TruncMonth("finished_at", tzinfo=ctx.tz))
        .values("service_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    refused_rows = list(refused)
    categories = _categories(
        Referral.objects.filter(ids & _no_capacity() & ctx.period_at("finished_at")).values(
            "service_id"
        )
    )
    no_category = _("(no category)")
    gap_counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in refused_rows:
        for name in categories.get(str(row["service_id"])) or {no_category}:
            gap_counts[(name, _month(row["month"]))] += row["n"]
    gap_table = Table.from_counts(
        gap_counts,
        rows=sorted({c for c, _ in gap_counts}),
        columns=_months(ctx, (m for _, m in gap_counts)),
    )
    # Needs no active service covers.
    covered = set(
        ServiceDomain.objects.filter(service__status=Service.Status.ACTIVE)
        .values_list("domain", flat=True)
        .distinct()
    )
    need_counts: dict[tuple[str, str], int] = {}
    for barrier in (
        Factor.objects.filter(
            ids
            & Q(
                valence=Valence.BARRIER,
                level=Level.MICRO,  # the client's own; meso and macro are context
                active=True,
            )
            & ctx.until_at("created_at")
        )
        .exclude(domain__in=covered)
        .values("domain")
        .annotate(n=Count("client_id", distinct=True))
        .order_by()
    ):
        need_counts[(barrier["domain"], "barrier")] = barrier["n"]
    uncovered: dict[str, list[str]] = defaultdict(list)
    for screen_key, life_domain in SCREENING_LIFE_DOMAINS.items():
        if life_domain not in covered:
            uncovered[life_domain].append(screen_key)
    if uncovered:
        screens = QuestionnaireResponse.objects.filter(questionnaire__shipped=Kind.SCREENING)
        later = screens.filter(
            Q(client_id=OuterRef("client_id")) & ctx.until("answered_on")
        ).filter(
            Q(answered_on__gt=OuterRef("answered_on"))
            | Q(answered_on=OuterRef("answered_on"), pk__gt=OuterRef("pk"))
        )
        latest = screens.filter(ids & ctx.until("answered_on")).exclude(Exists(later))
        positive = latest.aggregate(
            **{
                life_domain: Count(
                    "client_id",
                    distinct=True,
                    filter=_any_q(Q(**{f"derived__results__{k}__positive": True}) for k in keys),
                )
                for life_domain, keys in uncovered.items()
            }
        )
        for life_domain, n in positive.items():
            if n:
                need_counts[(life_domain, "screening")] = n
    need_rows = [k for k, _label in _sorted_domains((d for d, _ in need_counts), "strengths")]
    need_table = Table.from_counts(need_counts, rows=need_rows, columns=["screening", "barrier"])
    labels = dict(_domain_order("strengths"))
    return {
        "macro_barriers": macro_table,
        "capacity_gaps": gap_table,
        "unmet_needs": need_table,
        "domain_labels": {k: v[1] for k, v in labels.items()},
        "covered_domains": sorted(covered),
    }


def _any_q(parts: Iterable[Q]) -> Q:
    q = Q()
    for part in parts:
        q |= part
    return q


# --- data quality -------------------------------------------------------------------------


def _per_program(
    programs: Iterable[tuple[int, int | None]],
    default: int,
    path: str,
    rule: Any,
) -> Q:
    """One condition for every program's own number of days (clients whose team has no
    program use `default`): a handful of programs, one query."""
    q = Q(**{f"{path}__isnull": True}) & rule(default)
    for pk, days in programs:
        q |= Q(**{path: pk}) & rule(days or default)
    return q


def data_quality(scope: Scope, *, today: dt.date | None = None) -> dict[str, Any]:
    """What is missing or late, as of `today` (the period does not apply: it is about now).

    - ``missing_strengths``: clients with an open episode (in the scope's program, if any) and
      no saved strengths assessment; denominator: clients with an open episode.
    - ``plans_without_client_goal``: plans of open episodes with no goal in the client's own
      words (``author == "client"``, revised goals aside); denominator: those plans.
    - ``stale_referrals``: referrals still "requested" more than the program's
      ``referral_follow_up_days`` (default 5) after the day they were requested — the same rule
      as the tasks app; the program is the client's team's; denominator: referrals waiting.
    - ``overdue_reassessments``: clients with an open episode whose newer of (latest strengths
      assessment version, latest matrix) is older than the program's ``reassessment_days``
      (default 90); clients never assessed are under ``missing_strengths``; denominator:
      clients with an open episode and an assessment.

    Each item has ``count``, ``denominator`` and ``client_ids`` (a lazy queryset of client ids,
    for a link to the list; evaluating it is one more query).
    """
    ctx = _context(scope)
    today = today or ctx.today()
    programs = list(
        Program.objects.filter(agency_id=scope.agency_id).values_list(
            "pk", "referral_follow_up_days", "reassessment_days"
        )
    )
    open_episode = Episode.objects.filter(
        Q(client=OuterRef("pk"), closed_on__isnull=True) & ctx.program("program_id")
    )
    open_clients = ctx.clients.filter(Exists(open_episode)).annotate(
        last_strengths=Subquery(
            StrengthsAssessmentVersion.objects.filter(assessment__client=OuterRef("pk"))
            .order_by("-saved_at")
            .values("saved_at")[:1]
        ),
        last_ssm=Subquery(
            QuestionnaireResponse.objects.filter(
                client=OuterRef("pk"), questionnaire__shipped=Kind.SSM
            )
            .order_by("-answered_on")
            .values("answered_on")[:1]
        ),
    )
    missing = Q(last_strengths__isnull=True)
    assessed = ~Q(last_strengths__isnull=True, last_ssm__isnull=True)

    def stale_assessment(days: int) -> Q:
        cutoff = today - dt.timedelta(days=days)
        return (
            (Q(last_strengths__isnull=True) | Q(last_strengths__lt=ctx.moment(cutoff)))
            & (Q(last_ssm__isnull=True) | Q(last_ssm__lt=cutoff))
            & assessed
        )

    overdue = _per_program(
        [(pk, days) for pk, _f, days in programs],
        DEFAULT_REASSESS_DAYS,
        "team__program_id",
        stale_assessment,
    )
    # DISTINCT (each row is one client: no row is dropped) keeps the per-client query a
    # subquery of its own: flattened into the counts, SQLite looked both dates up again for
    # every condition that names them (~25 times a client: 3.8 s at 100,000 clients).
    client_counts = open_clients.distinct().aggregate(
        open=Count("pk"),
        missing=Count("pk", filter=missing),
        assessed=Count("pk", filter=assessed),
        overdue=Count("pk", filter=overdue),
    )

    plans = Plan.objects.filter(
        _of(ctx) & Q(episode__closed_on__isnull=True) & ctx.program("episode__program_id")
    ).annotate(
        client_goal=Exists(
            Goal.objects.filter(plan=OuterRef("pk"), author=Author.CLIENT).exclude(
                status=Goal.Status.REVISED
            )
        )
    )
    plan_counts = plans.aggregate(
        plans=Count("pk"), without=Count("pk", filter=Q(client_goal=False))
    )

    def waited_too_long(days: int) -> Q:
        return Q(requested_at__lt=ctx.moment(today - dt.timedelta(days=days)))

    waiting = Referral.objects.filter(
        _of(ctx) & Q(status=workflow.REQUESTED, requested_at__isnull=False)
    )
    stale = _per_program(
        [(pk, days) for pk, days, _r in programs],
        DEFAULT_FOLLOW_UP_DAYS,
        "client__team__program_id",
        waited_too_long,
    )
    referral_counts = waiting.aggregate(
        waiting=Count("pk"),
        stale=Count("pk", filter=stale),
        clients=Count("client_id", distinct=True, filter=stale),
    )
    return {
        "as_of": today,
        "open_clients": client_counts["open"],
        "missing_strengths": {
            **ratio(client_counts["missing"], client_counts["open"]),
            "count": client_counts["missing"],
            "client_ids": open_clients.filter(missing).values_list("pk", flat=True),
        },
        "plans_without_client_goal": {
            **ratio(plan_counts["without"], plan_counts["plans"]),
            "count": plan_counts["without"],
            "client_ids": plans.filter(client_goal=False)
            .values_list("client_id", flat=True)
            .distinct(),
        },
        "stale_referrals": {
            **ratio(referral_counts["stale"], referral_counts["waiting"]),
            "count": referral_counts["stale"],
            "clients": referral_counts["clients"],
            "client_ids": waiting.filter(stale).values_list("client_id", flat=True).distinct(),
        },
        "overdue_reassessments": {
            **ratio(client_counts["overdue"], client_counts["assessed"]),
            "count": client_counts["overdue"],
            "client_ids": open_clients.filter(overdue).values_list("pk", flat=True),
        },
    }


# --- everything ---------------------------------------------------------------------------


def measure_all(scope: Scope, *, today: dt.date | None = None) -> dict[str, Any]:
    """Every measure for one scope — what the reports page and the API will show. The
    advocacy tables are raw (`suppression.suppress` them before display); data-quality
    ``client_ids`` are lazy querysets."""
    return {
        "scope": {
            "agency_id": scope.agency_id,
            "program_id": scope.program_id,
            "team_id": scope.team_id,
            "worker_id": scope.worker_id,
            "start": scope.start,
            "end": scope.end,
        },
        "gas": gas(scope, scored_by=Author.CLIENT),
        "gas_worker": gas(scope, scored_by=Author.WORKER),
        "ssm": ssm_change(scope),
        "goals": goals(scope),
        "referrals": referrals(scope),
        "client_voice": client_voice(scope),
        "strengths": strengths(scope),
        "advocacy": advocacy(scope),
        "data_quality": data_quality(scope, today=today),
        "questionnaires": questionnaire_answers(scope),
    }


# --- the agency's own questionnaires --------------------------------------------------------


def questionnaire_answers(scope: Scope) -> list[dict[str, Any]]:
    """Every coded question of the agency's questionnaires as a dimension: per question, how many
    clients gave each answer in their newest response in the period (free text never: only the
    typed columns are read). Labels are the words of the newest version that has the question
    or answer (an answer given under older words counts under its code). For an instrument with
    scores, the change of the total from a client's entry to their latest review or exit.

    Rules: a client counts once per question (their newest response to that questionnaire in
    the period); a question retyped from choice to another kind counts its coded answers only;
    yes/no questions count as the codes "yes" and "no". The shipped instruments are left out."""
    ctx = _context(scope)
    responses: list[dict[str, Any]] = [
        dict(r)
        # The matrix and the screen run on the same mechanism but have measures of their own
        # (ssm_change, the needs table), which know about other adults' matrices.
        for r in QuestionnaireResponse.objects.filter(
            _of(ctx) & ctx.period("answered_on") & Q(questionnaire__shipped="")
        )
        .order_by("questionnaire_id", "client_id", "answered_on", "id")
        .values("id", "questionnaire_id", "client_id", "version_id", "occasion", "score")
    ]
    newest: dict[tuple[int, int], dict[str, Any]] = {}
    for r in responses:
        newest[(r["questionnaire_id"], r["client_id"])] = r
    counts: dict[tuple[int, str], dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    newest_ids = {r["id"]: r for r in newest.values()}
    for row in (
        AnswerValue.objects.filter(response_id__in=list(newest_ids))
        .exclude(code="")
        .values("response_id", "link_id", "code")
    ):
        r = newest_ids[row["response_id"]]
        counts[(r["questionnaire_id"], row["link_id"])][row["code"]].add(r["client_id"])
    labels = _questionnaire_labels({r["questionnaire_id"] for r in responses}, responses)
    out = []
    for q in Questionnaire.objects.filter(
        pk__in={k[0] for k in counts} | {r["questionnaire_id"] for r in responses}
    ).order_by("purpose", "key"):
        title, items = labels.get(q.pk, ({"en": q.key, "es": q.key}, {}))
        questions = []
        position = {link_id: n for n, link_id in enumerate(items)}
        asked = sorted(
            (link_id for (qid, link_id) in counts if qid == q.pk),
            key=lambda link_id: (position.get(link_id, len(position)), link_id),
        )
        for link_id in asked:
            by_code = counts[(q.pk, link_id)]
            text, options, order = items.get(link_id, ({"en": link_id, "es": link_id}, {}, []))
            # Every answer the question offers (none chosen is a count too), then old codes.
            codes = list(order) + sorted(set(by_code) - set(order))
            questions.append(
                {
                    "link_id": link_id,
                    "label": text,
                    # Clients who answered it (a question taking several codes counts each once).
                    "clients": len(set().union(*by_code.values())),
                    "answers": [
                        {
                            "code": code,
                            "label": options.get(code, {"en": code, "es": code}),
                            "clients": len(by_code.get(code, ())),
                        }
                        for code in codes
                    ],
                }
            )
        out.append(
            {
                "key": q.key,
                "title": title,
                "purpose": q.purpose,
                "questions": questions,
                "score_change": _score_change(q, responses)
                if q.purpose == Questionnaire.Purpose.INSTRUMENT
                else None,
            }
        )
    return out


def _questionnaire_labels(
    questionnaire_ids: set[int], responses: list[dict[str, Any]]
) -> dict[int, tuple[dict[str, str], dict[str, Any]]]:
    """Per questionnaire its title and, per link id, the text, the answers' labels and their
    order — from the newest version that has each (older versions fill what newer ones lack)."""
    from strengthwise.questionnaires.models import QuestionnaireVersion

    found: dict[int, tuple[dict[str, str], dict[str, Any]]] = {}
    versions = QuestionnaireVersion.objects.filter(questionnaire_id__in=questionnaire_ids).order_by(
        "questionnaire_id", "-number"
    )
    for version in versions:
        definition = questionnaire_selectors.definition_of(version)
        title, items = found.setdefault(
            version.questionnaire_id,
            ({"en": definition.title.en, "es": definition.title.get("es")}, {}),
        )
        for item in definition.questions():
            text, options, order = items.setdefault(
                item.link_id, ({"en": item.text.en, "es": item.text.get("es")}, {}, [])
            )
            if item.type == "boolean":
                pairs = [("yes", ("Yes", "Sí")), ("no", ("No", "No"))]
                for code, (en, es) in pairs:
                    options.setdefault(code, {"en": en, "es": es})
                    if code not in order:
                        order.append(code)
            for option in item.options:
                options.setdefault(option.code, {"en": option.text.en, "es": option.text.get("es")})
                if option.code not in order:
                    order.append(option.code)
    return found


def _score_change(q: Questionnaire, responses: list[dict[str, Any]]) -> dict[str, Any]:
    """Clients with an entry and a later review or exit of this instrument in the period: how
    many improved, stayed the same or went down in total score, and the mean change."""
    entry: dict[int, Any] = {}
    latest: dict[int, Any] = {}
    for r in responses:
        if r["questionnaire_id"] != q.pk or r["score"] is None:
            continue
        if r["occasion"] == QuestionnaireResponse.Occasion.ENTRY:
            entry[r["client_id"]] = r["score"]
            latest.pop(r["client_id"], None)
        elif r["client_id"] in entry:
            latest[r["client_id"]] = r["score"]
    changes = [float(latest[c] - entry[c]) for c in latest]
    n = len(changes)
    return {
        "clients": n,
        "improved": ratio(sum(1 for c in changes if c > 0), n),
        "unchanged": ratio(sum(1 for c in changes if c == 0), n),
        "worse": ratio(sum(1 for c in changes if c < 0), n),
        "mean_change": {"value": round(sum(changes) / n, 2) if n else None, "denominator": n},
    }
