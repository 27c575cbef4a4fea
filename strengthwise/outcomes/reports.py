"""The reports: whose figures a user may see (scope by role), and the measures laid out as
tables (each saying its denominator) with a chart, for the page and every export.

Program managers and admins see agency figures, de-identified: no client lists, no free text
(the strengths table, written in clients' and workers' words, is left out for them). Workers
see their own caseload's figures; supervisors their teams'. The advocacy tables are always
suppressed (counts under 5 shown as "<5", with complementary cells)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from strengthwise.accounts.access import client_scope_q, team_ids_for
from strengthwise.accounts.models import Role, User
from strengthwise.core import svg
from strengthwise.people.models import Client

from . import measures, suppression
from .exports import Table

DEIDENTIFIED_ROLES = (Role.PROGRAM_MANAGER, Role.ADMIN)


@dataclass
class Filters:
    program_id: int | None = None
    team_id: int | None = None
    worker_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def deidentified(user: User) -> bool:
    return user.role in DEIDENTIFIED_ROLES


def scope_for(user: User, filters: Filters) -> measures.Scope:
    """The scope a user may report on, narrowed by the filters they chose. Workers and
    supervisors are held to the clients they may see; a team or worker filter outside that
    simply yields nothing."""
    if user.agency_id is None:
        raise PermissionError("no agency")
    client_ids = None
    worker_id, team_id = filters.worker_id, filters.team_id
    if user.role == Role.WORKER:
        client_ids = Client.objects.filter(client_scope_q(user, only="mine")).values("pk")
    elif user.role == Role.SUPERVISOR:
        client_ids = Client.objects.filter(client_scope_q(user, only="teams")).values("pk")
        if team_id and team_id not in team_ids_for(user):
            client_ids = Client.objects.none().values("pk")
    return measures.Scope(
        agency_id=user.agency_id,
        program_id=filters.program_id,
        team_id=team_id,
        worker_id=worker_id,
        client_ids=client_ids,
        start=filters.start,
        end=filters.end,
    )


def _pct(figure: dict[str, Any]) -> str:
    value = figure.get("value")
    if value is None:
        return "—"
    return f"{round(value * 100)}%"


def _of(figure: dict[str, Any]) -> str:
    return _("%(n)s of %(d)s") % {
        "n": figure.get("numerator", 0),
        "d": figure.get("denominator", 0),
    }


def tables(result: dict[str, Any], *, hide_free_text: bool) -> list[Table]:
    found: list[Table] = []
    for key, heading in (
        ("gas", _("GAS T-scores, as the clients scored their goals")),
        ("gas_worker", _("GAS T-scores, as the workers scored the goals")),
    ):
        g = result[key]
        rows: list[list[Any]] = [
            [f"{b['from']}–{b['to'] - 1}", b["count"]] for b in g["distribution"]
        ]
        table = Table(
            key=key,
            title=heading,
            columns=[_("T-score"), _("Clients")],
            rows=rows,
            note=_(
                "Mean T %(mean)s; at or above 50: %(share)s (%(of)s clients with a scored goal); "
                "%(left)s clients with goals but no score in the period are left out."
            )
            % {
                "mean": g["mean"]["value"] if g["mean"]["value"] is not None else "—",
                "share": _pct(g["at_or_above_50"]),
                "of": _of(g["at_or_above_50"]),
                "left": g["left_out"],
            },
        )
        if g["clients"]:
            table.chart = svg.bar_chart(
                title=table.title,
                labels=[r[0] for r in rows],
                values=[float(r[1]) for r in rows],
                id_prefix=f"chart-{key}",
            )
        found.append(table)
    ssm = result["ssm"]
    ssm_rows = [
        [
            d["label"],
            d["clients"],
            _pct(d["improved"]),
            _pct(d["unchanged"]),
            _pct(d["worse"]),
            d["mean_change"]["value"],
        ]
        for d in ssm["domains"]
    ]
    ssm_table = Table(
        key="ssm",
        title=_("Self-Sufficiency Matrix: change from entry to the latest review or exit"),
        columns=[
            _("Domain"),
            _("Clients"),
            _("Improved"),
            _("Unchanged"),
            _("Worse"),
            _("Mean change"),
        ],
        rows=ssm_rows,
        note=_(
            "%(n)s clients with an entry and a later matrix; %(left)s with only one are left out. "
            "Scores of 0 (not applicable) are not counted in that domain."
        )
        % {"n": ssm["clients"], "left": ssm["left_out"]},
    )
    if ssm["clients"]:
        ssm_table.chart = svg.bar_chart(
            title=_("Share of clients who improved, by domain"),
            labels=[d["label"] for d in ssm["domains"]],
            values=[round((d["improved"]["value"] or 0) * 100, 1) for d in ssm["domains"]],
            value_max=100,
            unit="%",
            id_prefix="chart-ssm",
        )
    found.append(ssm_table)
    goals = result["goals"]
    itp = goals["intake_to_plan"]
    found.append(
        Table(
            key="goals",
            title=_("Goals"),
            columns=[_("Status"), _("Goals")],
            rows=[
                [_("Achieved"), goals["achieved"]],
                [_("Set aside by the client"), goals["set_aside"]],
                [_("Revised"), goals["revised"]],
                [_("Active"), goals["active"]],
            ],
            note=_(
                "Out of %(total)s goals. Intake to first plan: median %(median)s days, mean "
                "%(mean)s days (%(n)s clients with a plan; %(left)s without one yet)."
            )
            % {
                "total": goals["total"],
                "median": itp["median_days"] if itp["median_days"] is not None else "—",
                "mean": itp["mean_days"] if itp["mean_days"] is not None else "—",
                "n": itp["denominator"],
                "left": itp["left_out"],
            },
        )
    )
    ref = result["referrals"]
    found.append(
        Table(
            key="referrals",
            title=_("Referrals"),
            columns=[_("Measure"), _("Value"), _("Out of")],
            rows=[
                [
                    _("Completed (of finished referrals)"),
                    _pct(ref["completion"]),
                    ref["completion"]["denominator"],
                ],
                [
                    _("Rejected for no capacity"),
                    _pct(ref["rejected_no_capacity"]),
                    ref["rejected_no_capacity"]["denominator"],
                ],
                [
                    _("Median days from requested to accepted"),
                    ref["days_to_accept"]["median_days"],
                    ref["days_to_accept"]["denominator"],
                ],
                [
                    _("Median days from requested to completed"),
                    ref["days_to_complete"]["median_days"],
                    ref["days_to_complete"]["denominator"],
                ],
            ],
            note=_("%(n)s finished referrals; %(r)s rated by clients.")
            % {"n": ref["finished"], "r": ref["ratings"]},
        )
    )
    found.append(
        Table(
            key="helpfulness",
            title=_("Did it help? Client ratings by service"),
            columns=[_("Service"), _("Mean (1–5)"), _("Ratings")],
            rows=[
                [s["service"], s["value"], s["denominator"]] for s in ref["helpfulness_by_service"]
            ]
            + [
                [_("Category: %(c)s") % {"c": c["category"]}, c["value"], c["denominator"]]
                for c in ref["helpfulness_by_category"]
            ],
            note=_("Each mean says how many ratings it is out of."),
        )
    )
    voice = result["client_voice"]["client_authored"]
    found.append(
        Table(
            key="client_voice",
            title=_("Client voice"),
            columns=[_("Measure"), _("Value"), _("Out of")],
            rows=[[_("Goals in the client's own words"), _pct(voice), voice["denominator"]]],
            note=_of(voice),
        )
    )
    if not hide_free_text:
        st = result["strengths"]
        found.append(
            Table(
                key="strengths",
                title=_("Strengths in goals that progressed"),
                columns=[_("Strength"), _("Goals")],
                rows=[[s["strength"], s["goals"]] for s in st["top"]],
                note=_("%(n)s goals progressed (latest score above the first, or achieved).")
                % {"n": st["progressed_goals"]},
            )
        )
    dq = result["data_quality"]
    found.append(
        Table(
            key="data_quality",
            title=_("Data quality"),
            columns=[_("Check"), _("Clients or records"), _("Out of")],
            rows=[
                [
                    _("Open clients without a strengths assessment"),
                    dq["missing_strengths"]["count"],
                    dq["missing_strengths"]["denominator"],
                ],
                [
                    _("Plans without a goal in the client's words"),
                    dq["plans_without_client_goal"]["count"],
                    dq["plans_without_client_goal"]["denominator"],
                ],
                [
                    _("Referrals still waiting for an answer"),
                    dq["stale_referrals"]["count"],
                    dq["stale_referrals"]["denominator"],
                ],
                [
                    _("Reassessments overdue"),
                    dq["overdue_reassessments"]["count"],
                    dq["overdue_reassessments"]["denominator"],
                ],
            ],
            note=_("As of %(day)s.") % {"day": dq["as_of"].isoformat()},
            links=[]
            if hide_free_text
            else [
                (key, label, dq[key]["count"])
                for key, label in (
                    ("missing_strengths", _("Clients without a strengths assessment")),
                    ("plans_without_client_goal", _("Plans to look at")),
                    ("stale_referrals", _("Referrals to follow up")),
                    ("overdue_reassessments", _("Reassessments due")),
                )
            ],
        )
    )
    for table in found:
        _chart(table)
    return found


# Tables whose chart is a plain bar per row: (value column, scale maximum or None, unit).
_BARS: dict[str, tuple[int, float | None, str]] = {
    "goals": (1, None, ""),
    "helpfulness": (1, 5.0, ""),
    "strengths": (1, None, ""),
}


def _chart(table: Table) -> None:
    spec = _BARS.get(table.key)
    if spec is None or table.chart or not table.rows:
        return
    column, top, unit = spec
    values = [row[column] if isinstance(row[column], int | float) else None for row in table.rows]
    if not any(v for v in values):
        return
    table.chart = svg.bar_chart(
        title=table.title,
        labels=[str(row[0]) for row in table.rows],
        values=[float(v) if v is not None else None for v in values],
        value_max=top,
        unit=unit,
        id_prefix=f"chart-{table.key}",
    )


def advocacy_tables(result: dict[str, Any]) -> list[Table]:
    """The advocacy tables, suppressed: counts under 5 become "<5", and so does any cell that
    would let a reader recover one from a total."""
    adv = result["advocacy"]
    labels = adv["domain_labels"]
    found = []
    for key, title, name_rows in (
        ("macro_barriers", _("Macro-level barriers recorded, by life domain and month"), True),
        (
            "capacity_gaps",
            _("Referrals refused for no capacity, by kind of service and month"),
            False,
        ),
        ("unmet_needs", _("Needs with no matching service in the directory, by domain"), True),
    ):
        raw = adv[key]
        if not raw.rows:
            found.append(
                Table(
                    key=key, title=title, columns=[_("Domain")], rows=[], note=_("None recorded.")
                )
            )
            continue
        hidden = suppression.suppress(raw)
        if hidden.withheld:
            # So few that even with every cell hidden the counts could be worked out.
            found.append(
                Table(
                    key=key,
                    title=title,
                    columns=[_("Domain")],
                    rows=[],
                    note=_("Fewer than 5 in all: not shown, so that no one can be singled out."),
                )
            )
            continue
        rows = [
            [labels.get(r, r) if name_rows else r, *cells, total]
            for r, cells, total in zip(hidden.rows, hidden.cells, hidden.row_totals, strict=True)
        ]
        totals = [t if isinstance(t, int) else None for t in hidden.row_totals]
        chart = (
            svg.bar_chart(
                title=title,
                labels=[str(r[0]) for r in rows],
                values=[float(t) if t is not None else None for t in totals],
                id_prefix=f"chart-{key}",
            )
            if any(t for t in totals)
            else ""
        )
        rows.append([_("Total"), *hidden.column_totals, hidden.total])
        found.append(
            Table(
                key=key,
                title=title,
                columns=[
                    _("Domain") if name_rows else _("Kind of service"),
                    *hidden.columns,
                    _("Total"),
                ],
                rows=rows,
                chart=chart,
                note=_(
                    "De-identified. Counts under 5 are shown as “<5”, and so is any other cell "
                    "that would let a reader work one out from a total."
                ),
            )
        )
    return found
