"""The reports: whose figures a user may see (scope by role), and the measures laid out as
tables (each saying its denominator) with a chart, for the page and every export.

`build(scope, deidentified=...)` is the one way to the figures: the reports page, CSV, XLSX,
the PDF, `/api/v1/reports/{name}` and `strengthwise report` all take them from there, so each
shows the same numbers. Program managers and admins (`access.reads_deidentified`) get them
de-identified (`deidentify.py`): counts under 5 shown as "<5" with complementary cells, means
and shares over fewer than 5 withheld, figures under 5 in all withheld, no client lists and no
free text (the strengths table, written in clients' and workers' words, is left out). Workers
see their own caseload's exact figures; supervisors their teams'. The advocacy tables are
always suppressed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from strengthwise.accounts.access import client_scope_q, reads_deidentified, team_ids_for
from strengthwise.accounts.models import Role, User
from strengthwise.core import svg
from strengthwise.core.text import show_date
from strengthwise.directory.labels import term_label
from strengthwise.people.models import Client

from . import deidentify, exports, measures, snapshots, suppression
from .exports import Cell, Share, Table

MARK = deidentify.MARK
PAGE_SERVICES = 25  # rated services the reports page lists (the exports: all)


@dataclass
class Filters:
    program_id: int | None = None
    team_id: int | None = None
    worker_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def deidentified(user: User) -> bool:
    """Whether this user reads the reports de-identified (the rule is in accounts.access)."""
    return reads_deidentified(user)


@dataclass
class Report:
    figures: dict[str, Any]  # measure_all's shape; de-identified when `deidentified`
    tables: list[Table]
    deidentified: bool
    as_of: snapshots.AsOf | None = None  # when computed; fresh: nothing changed since
    pending: bool = False  # the first figures of this choice are still being computed


def build(
    scope: measures.Scope,
    *,
    deidentified: bool,
    today: dt.date | None = None,
    reader_id: int | None = None,
    wait: float | None = None,
) -> Report:
    """Every figure for `scope` and its tables — suppressed and without free text or client
    ids for a de-identified reader. The one place the page, the exports, the API and the
    command get their numbers from. The figures are `measures.measure_all`'s, read from the
    scope's snapshot where that is allowed (`snapshots.figures_for`), de-identified by
    `deidentify.deidentify` for a de-identified reader (solved once per computation and kept
    beside the raw figures); the role gate is `report_read`'s, on every read. With `wait` (a
    web request), a report whose figures take longer than that to compute the first time comes
    back `pending`. The figures and tables of a snapshot this process has read before are the
    ones laid out then (`snapshots.derived`): shared, so read-only."""
    figures, as_of = snapshots.figures_for(
        scope, today=today, reader_id=reader_id, wait=wait, deidentified=deidentified
    )
    if figures is None:
        return Report(figures={}, tables=[], deidentified=deidentified, as_of=as_of, pending=True)
    return Report(
        figures=figures,
        tables=snapshots.derived(
            figures,
            ("tables", deidentified, get_language()),
            lambda: tables(figures, deidentified=deidentified),
        ),
        deidentified=deidentified,
        as_of=as_of,
    )


def report_for(user: User, filters: Filters) -> Report:
    """`build` for what this user may see, as they may see it."""
    return build(
        scope_for(user, filters),
        deidentified=deidentified(user),
        reader_id=user.pk,
        wait=snapshots.wait_seconds(),
    )


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class ExportFile:
    """A report as a download."""

    content: bytes
    content_type: str
    filename: str


def export_file(
    report: Report,
    fmt: str,
    *,
    reader: User,
    context: Sequence[str],
    today: dt.date,
    table: str = "",
) -> ExportFile | None:
    """`report` (read and gated by `selectors.report_read`, not pending) as a download: CSV
    (the one table keyed `table`, advocacy tables included), XLSX (every table) or the program
    summary PDF (titled with `reader`'s agency and `today`); `context` (what the figures
    cover: the filters, the period, "as of") goes under every table and at the top of the
    PDF. None for an unknown format or table.

    The bytes are made once per decoded snapshot held in this process (`snapshots.derived`:
    at 100,000 clients an agency's XLSX takes seconds) and given to every later reader of the
    same figures; the key holds everything else they depend on: the format, the table, the
    language, raw or de-identified, the `context` lines and the PDF's title and subtitle.
    New figures (a refresh, a write) are new bytes; the file name says `today`."""
    if fmt not in EXPORT_TYPES:
        return None
    tables_ = [*report.tables, *advocacy_tables(report.figures)]
    lines = tuple(context)
    stamp = today.isoformat()
    key: tuple[Any, ...] = ("export", fmt, get_language(), report.deidentified, lines)
    if fmt == "csv":
        chosen = next((t for t in tables_ if t.key == table), None)
        if chosen is None:
            return None
        content = snapshots.derived(
            report.figures,
            (*key, table),
            lambda: exports.csv_bytes(exports.to_csv(chosen, lines)),
        )
        filename = f"strengthwise-{table}-{stamp}.csv"
    elif fmt == "xlsx":
        content = snapshots.derived(report.figures, key, lambda: exports.to_xlsx(tables_, lines))
        filename = f"strengthwise-report-{stamp}.xlsx"
    else:
        agency = reader.agency
        title = _("Program summary — %(agency)s") % {"agency": agency.name if agency else ""}
        subtitle = _("Generated on %(day)s. Each figure gives the total it is calculated from.") % {
            "day": show_date(today)
        }
        content = snapshots.derived(
            report.figures,
            (*key, title, subtitle),
            lambda: exports.summary_pdf(
                title=title, subtitle=subtitle, tables=tables_, filters=lines
            ),
        )
        filename = f"strengthwise-summary-{stamp}.pdf"
    return ExportFile(content=content, content_type=EXPORT_TYPES[fmt], filename=filename)


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


def _pct(figure: dict[str, Any]) -> str | Share:
    """A share as a `Share` (a number in a spreadsheet), or the mark of a hidden figure."""
    value = figure.get("value")
    if value is None:
        # A share of a hidden count is withheld: say it is a small count, not that it is missing.
        return MARK if figure.get("numerator") == MARK else "—"
    return Share(value)


def _num(value: Any) -> float | None:
    """A number for a chart: None for a hidden or withheld figure (drawn as "—")."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def coverage_lines(
    filters: list[tuple[str, str]], start: dt.date | None, end: dt.date | None, today: dt.date
) -> list[str]:
    """What a report's figures cover, in words: the filters ((label, value) pairs) and the
    period — said on the page, in the PDF and under every exported table."""
    period = _("Period: %(start)s to %(end)s") % {
        "start": show_date(start) if start else _("the first record"),
        "end": show_date(end) if end else _("today (%(day)s)") % {"day": show_date(today)},
    }
    named = "; ".join(f"{label}: {value}" for label, value in filters)
    return [_("Filters: %(filters)s") % {"filters": named}, period]


def as_of_note(as_of: snapshots.AsOf | None) -> str:
    """Said above the figures when they may be behind the records ("" when they are not)."""
    if as_of is None or as_of.fresh:
        return ""
    moment = date_format(timezone.localtime(as_of.at), "DATETIME_FORMAT", use_l10n=True)
    return _(
        "These figures are as of %(moment)s. Changes made since then are not counted yet; "
        "they will be within a few minutes."
    ) % {"moment": moment}


def status_note(report: Report) -> str:
    """What to say above the figures about when they are from ("" when they are current)."""
    return pending_note() if report.pending else as_of_note(report.as_of)


def pending_note() -> str:
    return _(
        "These figures are being prepared: for a whole agency that takes a little while. "
        "They will appear here when they are ready."
    )


def withheld_note() -> str:
    return _("Fewer than 5 in all: not shown, so that no one can be singled out.")


def suppression_note() -> str:
    return _(
        "De-identified. Counts under 5 are shown as “<5”, and so is any other count that would "
        "let a reader work one out from a total; means and shares over fewer than 5 are not shown."
    )


def _count(value: Cell) -> int:
    """A count as a number to order by (a suppressed one, shown as a mark: 0)."""
    return value if isinstance(value, int) else 0


def _withheld(key: str, title: str, columns: list[str], extra: str = "") -> Table:
    return Table(
        key=key,
        title=title,
        columns=columns,
        rows=[],
        note=" ".join(n for n in (withheld_note(), extra) if n),
    )


def _n(value: Any) -> int:
    """The number that picks a plural form: a count as it is; a hidden count ("<5") or a
    decimal reads as plural unless it is exactly 1."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return 1 if value == 1 else 2


def _intake_to_plan(itp: dict[str, Any]) -> str:
    """Intake to first plan, each count and number of days in its plural form."""

    def days(value: Any) -> str:
        if value is None:
            return "—"
        return ngettext("%(n)s day", "%(n)s days", _n(value)) % {"n": value}

    return " ".join(
        [
            _("Intake to first plan: median %(median)s, mean %(mean)s.")
            % {"median": days(itp["median_days"]), "mean": days(itp["mean_days"])},
            ngettext(
                "%(n)s client with a plan;",
                "%(n)s clients with a plan;",
                _n(itp["denominator"]),
            )
            % {"n": itp["denominator"]},
            ngettext("%(n)s without one yet.", "%(n)s without one yet.", _n(itp["left_out"]))
            % {"n": itp["left_out"]},
        ]
    )


def _of(figure: dict[str, Any]) -> str:
    return _("%(n)s of %(d)s") % {
        "n": figure.get("numerator", 0),
        "d": figure.get("denominator", 0),
    }


def tables(result: dict[str, Any], *, deidentified: bool) -> list[Table]:
    """The figures as tables. `result` is `build`'s figures: for a de-identified reader its
    counts are already suppressed; here a withheld figure becomes a table with a note only."""
    found: list[Table] = []
    for key, heading in (
        ("gas", _("GAS T-scores, as the clients scored their goals")),
        ("gas_worker", _("GAS T-scores, as the workers scored the goals")),
    ):
        g = result[key]
        if g.get("withheld"):
            found.append(_withheld(key, heading, [_("T-score"), _("Clients")]))
            continue
        rows: list[list[Any]] = [
            [f"{b['from']}–{b['to'] - 1}", b["count"]] for b in g["distribution"]
        ]
        table = Table(
            key=key,
            title=heading,
            columns=[_("T-score"), _("Clients")],
            rows=rows,
            note=" ".join(
                [
                    ngettext(
                        "Mean T %(mean)s; at or above 50: %(share)s (%(k)s of %(n)s client "
                        "with a scored goal).",
                        "Mean T %(mean)s; at or above 50: %(share)s (%(k)s of %(n)s clients "
                        "with a scored goal).",
                        _n(g["at_or_above_50"].get("denominator", 0)),
                    )
                    % {
                        "mean": g["mean"]["value"] if g["mean"]["value"] is not None else "—",
                        "share": _pct(g["at_or_above_50"]),
                        "k": g["at_or_above_50"].get("numerator", 0),
                        "n": g["at_or_above_50"].get("denominator", 0),
                    },
                    ngettext(
                        "%(n)s client with goals but no score in the period is left out.",
                        "%(n)s clients with goals but no score in the period are left out.",
                        _n(g["left_out"]),
                    )
                    % {"n": g["left_out"]},
                ]
            ),
        )
        if any(_num(r[1]) for r in rows):
            table.chart = svg.bar_chart(
                title=table.title,
                labels=[r[0] for r in rows],
                values=[_num(r[1]) for r in rows],
                id_prefix=f"chart-{key}",
            )
        found.append(table)
    ssm = result["ssm"]
    ssm_columns = [
        _("Domain"),
        _("Clients"),
        _("Improved"),
        _("Unchanged"),
        _("Worse"),
        _("Mean change"),
    ]
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
    ssm_title = _("Self-Sufficiency Matrix: change from entry to the latest review or exit")
    ssm_table = Table(
        key="ssm",
        title=ssm_title,
        columns=ssm_columns,
        rows=ssm_rows,
        note=" ".join(
            [
                ngettext(
                    "%(n)s client with an entry and a later matrix.",
                    "%(n)s clients with an entry and a later matrix.",
                    _n(ssm["clients"]),
                )
                % {"n": ssm["clients"]},
                ngettext(
                    "%(n)s with only one is left out.",
                    "%(n)s with only one are left out.",
                    _n(ssm["left_out"]),
                )
                % {"n": ssm["left_out"]},
                _("Scores of 0 (not applicable) are not counted in that domain."),
            ]
        ),
    )
    improved = [_num(d["improved"]["value"]) for d in ssm["domains"]]
    if ssm["clients"] and any(v is not None for v in improved):
        ssm_table.chart = svg.bar_chart(
            title=_("Share of clients who improved, by domain"),
            labels=[d["label"] for d in ssm["domains"]],
            values=[None if v is None else round(v * 100, 1) for v in improved],
            value_max=100,
            unit="%",
            id_prefix="chart-ssm",
        )
    found.append(_withheld("ssm", ssm_title, ssm_columns) if ssm.get("withheld") else ssm_table)
    goals = result["goals"]
    itp = goals["intake_to_plan"]
    if goals.get("withheld"):
        found.append(
            _withheld(
                "goals",
                _("Goals"),
                [_("Status"), _("Goals")],
                _intake_to_plan(itp),
            )
        )
    else:
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
                note=ngettext("Out of %(n)s goal.", "Out of %(n)s goals.", _n(goals["total"]))
                % {"n": goals["total"]}
                + " "
                + _intake_to_plan(itp),
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
    help_title = _("Did it help? Client ratings by service")
    help_columns = [_("Service"), _("Mean (1–5)"), _("Ratings")]
    if ref.get("helpfulness_withheld"):
        found.append(_withheld("helpfulness", help_title, help_columns))
    else:
        services = [
            [s["service"], s["value"], s["denominator"]] for s in ref["helpfulness_by_service"]
        ]
        categories: list[list[Cell]] = [
            [_("Category: %(c)s") % {"c": term_label(c["category"])}, c["value"], c["denominator"]]
            for c in ref["helpfulness_by_category"]
        ]
        table = Table(
            key="helpfulness",
            title=help_title,
            columns=help_columns,
            rows=services + categories,
            note=_("Each mean says how many ratings it is out of."),
        )
        if len(services) > PAGE_SERVICES:
            # An agency's directory can hold thousands of rated services: the page shows the
            # ones rated most often (in the table's order) and every category.
            most = sorted(range(len(services)), key=lambda i: -_count(services[i][2]))
            table.page_rows = [services[i] for i in sorted(most[:PAGE_SERVICES])] + categories
            table.page_note = _(
                "The %(shown)s services rated most often are shown here; the CSV has all %(all)s."
            ) % {"shown": PAGE_SERVICES, "all": len(services)}
        found.append(table)
    voice = result["client_voice"]["client_authored"]
    voice_title, voice_columns = _("Client voice"), [_("Measure"), _("Value"), _("Out of")]
    if result["client_voice"].get("withheld"):
        found.append(_withheld("client_voice", voice_title, voice_columns))
    else:
        found.append(
            Table(
                key="client_voice",
                title=voice_title,
                columns=voice_columns,
                rows=[[_("Goals in the client's own words"), _pct(voice), voice["denominator"]]],
                note=_of(voice),
            )
        )
    if not deidentified and "strengths" in result:
        st = result["strengths"]
        found.append(
            Table(
                key="strengths",
                title=_("Strengths in goals that progressed"),
                columns=[_("Strength"), _("Goals")],
                rows=[[s["strength"], s["goals"]] for s in st["top"]],
                note=ngettext(
                    "%(n)s goal progressed (latest score above the first, or achieved).",
                    "%(n)s goals progressed (latest score above the first, or achieved).",
                    _n(st["progressed_goals"]),
                )
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
            note=_("As of %(day)s.") % {"day": show_date(dq["as_of"])},
            links=[]
            if deidentified
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
    found.extend(_questionnaire_tables(result.get("questionnaires") or []))
    for table in found:
        _chart(table)
        if deidentified and table.rows:
            table.note = " ".join(n for n in (table.note, suppression_note()) if n)
    return found


def _questionnaire_tables(questionnaires: list[dict[str, Any]]) -> list[Table]:
    """Per coded question of the agency's questionnaires, the clients by answer (their newest
    response in the period); per scored instrument, the change of its total."""
    language = "es" if (get_language() or "").startswith("es") else "en"
    found = []
    for q in questionnaires:
        title = q["title"].get(language) or q["title"]["en"]
        change = q.get("score_change")
        if change is not None and (change.get("withheld") or change["clients"]):
            key = f"q.{q['key']}"
            heading = _("%(title)s: change of the total score") % {"title": title}
            columns = [_("Clients"), _("Improved"), _("Unchanged"), _("Worse"), _("Mean change")]
            if change.get("withheld"):
                found.append(_withheld(key, heading, columns))
            else:
                found.append(
                    Table(
                        key=key,
                        title=heading,
                        columns=columns,
                        rows=[
                            [
                                change["clients"],
                                _pct(change["improved"]),
                                _pct(change["unchanged"]),
                                _pct(change["worse"]),
                                change["mean_change"]["value"],
                            ]
                        ],
                        note=_(
                            "Clients with an entry and a later review or exit in the period: "
                            "their latest total against their entry's."
                        ),
                    )
                )
        for question in q["questions"]:
            key = f"q.{q['key']}.{question['link_id']}"
            label = question["label"].get(language) or question["label"]["en"]
            heading = f"{title}: {label}"
            if question.get("withheld"):
                found.append(_withheld(key, heading, [_("Answer"), _("Clients")]))
                continue
            found.append(
                Table(
                    key=key,
                    title=heading,
                    columns=[_("Answer"), _("Clients")],
                    rows=[
                        [a["label"].get(language) or a["label"]["en"], a["clients"]]
                        for a in question["answers"]
                    ],
                    note=_("Each client's newest answers in the period."),
                )
            )
    return found


# Tables whose chart is a plain bar per row: (value column, scale maximum or None, unit).
_BARS: dict[str, tuple[int, float | None, str]] = {
    "goals": (1, None, ""),
    "helpfulness": (1, 5.0, ""),
    "strengths": (1, None, ""),
}


def _chart(table: Table) -> None:
    spec = _BARS.get(table.key)
    if spec is None or table.chart or not table.shown:
        return
    column, top, unit = spec
    values = [
        float(cell) if isinstance(cell := row[column], int | float) else None for row in table.shown
    ]
    if not any(v for v in values):
        return
    table.chart = svg.bar_chart(
        title=table.title,
        labels=[str(row[0]) for row in table.shown],
        values=values,
        value_max=top,
        unit=unit,
        id_prefix=f"chart-{table.key}",
    )


def advocacy_tables(result: dict[str, Any]) -> list[Table]:
    """The advocacy tables, suppressed: counts under 5 become "<5", and so does any cell that
    would let a reader recover one from a total. Laid out once per snapshot held decoded in
    this process (`snapshots.derived`; shared, so read-only)."""
    return snapshots.derived(  # type: ignore[no-any-return]
        result, ("advocacy", get_language()), lambda: _advocacy_tables(result)
    )


def _advocacy_tables(result: dict[str, Any]) -> list[Table]:
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
        hidden = suppression.suppress_kept(raw)
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
            [labels.get(r, r) if name_rows else term_label(r), *cells, total]
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
