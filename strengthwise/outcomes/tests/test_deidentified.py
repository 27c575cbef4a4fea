"""Small counts on every de-identified figure (issue 10, item 2).

A program manager (priya) reads the agency's figures: no count from 1 to 4 anywhere — the
reports page, CSV, XLSX, PDF, the API and `strengthwise report` — complementary cells so that
no hidden count can be worked out from a total, means over fewer than 5 withheld, figures
under 5 in all withheld. Workers and supervisors reading their own scope see exact counts."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils.module_loading import import_string
from openpyxl import load_workbook
from pypdf import PdfReader

from strengthwise.accounts.models import User
from strengthwise.assessments import demo as assessments_demo
from strengthwise.outcomes import deidentify, measures, reports
from strengthwise.outcomes.suppression import SuppressedTable, Table
from strengthwise.outcomes.tests.test_suppression import recovered
from strengthwise.plans import demo as plans_demo
from strengthwise.plans.models import Goal, Plan

pytestmark = pytest.mark.django_db

L = "<5"
SMALL = re.compile(r"^[1-4]$")
# A whole number 1–4 standing alone in a sentence (not part of a date, a decimal or a share).
SMALL_IN_TEXT = re.compile(r"(?<![\d.,:\-–/])[1-4](?![\d.,%:\-–/])")
NOT_COUNTS = {"from", "to", "agency_id", "program_id", "team_id", "worker_id"}
NOT_COUNTS |= {"primary", "complementary"}  # how many cells the advocacy tables hid


def small_counts(value: Any, path: str = "") -> list[str]:
    """Where a JSON body holds a whole number from 1 to 4 (ids and bin edges aside)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in NOT_COUNTS:
                found += small_counts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for k, item in enumerate(value):
            found += small_counts(item, f"{path}[{k}]")
    elif isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4:
        found.append(f"{path}={value}")
    return found


def means_over_few(value: Any, path: str = "") -> list[str]:
    """Where a JSON body shows a mean, median or share over fewer than 5 (or a hidden number)."""
    found = []
    if isinstance(value, dict):
        n = value.get("denominator")
        small = n == L or (isinstance(n, int) and 0 < n < 5)
        for key in ("value", "median_days", "mean_days"):
            if small and value.get(key) is not None:
                found.append(f"{path}.{key} over {n}")
        for key, item in value.items():
            found += means_over_few(item, f"{path}.{key}")
    elif isinstance(value, list):
        for k, item in enumerate(value):
            found += means_over_few(item, f"{path}[{k}]")
    return found


@pytest.fixture
def whole_demo(db):
    """The demo agency as `strengthwise demo` loads it (fewer clients)."""
    for path in settings.STRENGTHWISE_DEMO_LOADERS:
        import_string(path)(**({"clients": 40} if path.startswith("strengthwise.people") else {}))
    return {u.username: u for u in User.objects.filter(username__in=["priya", "alice", "bob"])}


def test_priya_sees_no_small_count_anywhere_on_the_demo(whole_demo, web, api, capsys, tmp_path):
    priya = whole_demo["priya"]
    report = reports.report_for(priya, reports.Filters())
    tables = [*report.tables, *reports.advocacy_tables(report.figures)]
    # The tables every output is made of.
    for table in tables:
        for row in table.rows:
            assert not [v for v in row[1:] if isinstance(v, int) and 1 <= v <= 4], (table.key, row)
        assert not SMALL_IN_TEXT.findall(table.note.replace(str(measures_today(report)), "")), (
            table.key,
            table.note,
        )
    # The page.
    html = web(priya).get(reverse("outcomes:reports")).content.decode()
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert cells and not [c for c in cells if SMALL.match(c.strip())]
    assert "&lt;5" in html  # the demo is small: there is something to hide
    assert "Fewer than 5 in all" in html
    # Every CSV, the workbook and the summary PDF.
    browser = web(priya)
    for table in tables:
        body = browser.get(reverse("outcomes:export", args=["csv"]), {"table": table.key})
        rows = list(csv.reader(io.StringIO(body.content.decode())))
        assert not [c for row in rows[1:] for c in row[1:] if SMALL.match(c)], table.key
    book = load_workbook(io.BytesIO(browser.get(reverse("outcomes:export", args=["xlsx"])).content))
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        counts = [k for k, h in enumerate(header) if k and "Mean" not in str(h) and h != "Value"]
        for row in sheet.iter_rows(min_row=2, values_only=True):
            assert not [row[k] for k in counts if k < len(row) and row[k] in (1, 2, 3, 4)], (
                sheet.title,
                row,
            )
    pdf = PdfReader(io.BytesIO(browser.get(reverse("outcomes:export", args=["pdf"])).content))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "<5" in text and "Fewer than 5 in all" in text
    # The API.
    body = api(priya).get("/api/v1/reports/all").json()
    assert small_counts(body) == []
    assert means_over_few(body) == []
    assert body["goals"]["withheld"] is True
    # The command, in each format.
    call_command("report", "all", "--agency", "river-city")
    out = capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(out)))
    assert not [c for row in rows for c in row[1:] if SMALL.match(c)]
    call_command("report", "all", "--agency", "river-city", "--format", "json")
    body = json.loads(capsys.readouterr().out)
    assert small_counts(body) == [] and means_over_few(body) == []
    target = tmp_path / "all.xlsx"
    call_command(
        "report", "all", "--agency", "river-city", "--format", "xlsx", "--output", str(target)
    )
    sheet = load_workbook(target)["Data quality"]
    assert [c.value for c in sheet[2]] == [
        v for v in next(t for t in report.tables if t.key == "data_quality").rows[0]
    ]


def measures_today(report: reports.Report) -> str:
    return report.figures["data_quality"]["as_of"].isoformat()


def test_workers_and_supervisors_see_exact_counts(whole_demo, web, api):
    alice, bob = whole_demo["alice"], whole_demo["bob"]
    for user in (alice, bob):
        raw = measures.measure_all(reports.scope_for(user, reports.Filters()))
        body = api(user).get("/api/v1/reports/all").json()
        assert body["goals"]["total"] == raw["goals"]["total"]
        assert body["goals"]["active"] == raw["goals"]["active"]
        assert small_counts(body)  # the small counts are there, exact
        assert "withheld" not in body["goals"]
    html = web(alice).get(reverse("outcomes:reports")).content.decode()
    assert "Fewer than 5 in all" not in html
    assert "&lt;5" not in html


# --- a table whose hidden counts cannot be worked out ----------------------------------------


@pytest.fixture
def goals_19(personas):
    """Dana's plan with 1 achieved, 0 set aside, 6 revised and 12 active goals (19 in all)."""
    assessments_demo.load()
    plans_demo.load()
    plan = Plan.objects.filter(client=personas.dana).first()
    Goal.objects.filter(client__agency=personas.river_city).delete()
    for status, n in (
        (Goal.Status.ACHIEVED, 1),
        (Goal.Status.REVISED, 6),
        (Goal.Status.ACTIVE, 12),
    ):
        for k in range(n):
            Goal.objects.create(
                agency=personas.river_city,
                client=personas.dana,
                plan=plan,
                statement=f"Goal {status} {k}",
                author="client",
                status=status,
                domain="daily_living",
                recorded_by=personas.alice,
            )
    return personas


STATUSES = ("achieved", "set_aside", "revised", "active")


def test_no_hidden_goal_count_can_be_worked_out_from_the_total(goals_19, api, web):
    body = api(goals_19.priya).get("/api/v1/reports/goals").json()["goals"]
    shown = [body[k] for k in STATUSES]
    assert shown == [L, 0, L, 12]  # 1 is small; 6 is hidden so that 1 = 19 − 0 − 12 − 6 fails
    assert body["total"] == 19
    assert body["achieved_share"]["value"] is None  # a share of a hidden count gives it away
    truth = Table(rows=("goals",), columns=STATUSES, cells=((1, 0, 6, 12),))
    published = SuppressedTable(
        rows=truth.rows,
        columns=truth.columns,
        cells=(tuple(shown),),
        row_totals=(body["total"],),
        column_totals=tuple(shown),  # a one-row table: each column total is its cell
        total=body["total"],
        marker=L,
    )
    assert recovered(published, truth) == set()
    assert recovered(published, truth, upper=4) == set()
    # The page and the CSV show the same.
    csv_body = web(goals_19.priya).get(reverse("outcomes:export", args=["csv"]), {"table": "goals"})
    rows = list(csv.reader(io.StringIO(csv_body.content.decode())))
    assert [r[1] for r in rows[1:5]] == ["<5", "0", "<5", "12"]
    # alice, whose client it is, reads the exact numbers.
    exact = api(goals_19.alice).get("/api/v1/reports/goals").json()["goals"]
    assert [exact[k] for k in STATUSES] == [1, 0, 6, 12]


# --- the rules, on hand-made figures ---------------------------------------------------------


def _referrals(
    services: list[tuple[str, float, int]], categories: dict[str, tuple[float, int]]
) -> dict:
    return {
        "finished": 30,
        "completion": {"value": 0.5, "numerator": 15, "denominator": 30},
        "rejected": 10,
        "rejected_no_capacity": {"value": 0.1, "numerator": 3, "denominator": 30},
        "days_to_accept": {"median_days": 2.0, "mean_days": 3.0, "denominator": 3},
        "days_to_complete": {"median_days": 9.0, "mean_days": 9.5, "denominator": 15},
        "helpfulness_by_service": [
            {"service_id": sid, "service": sid.upper(), "value": mean, "denominator": n}
            for sid, mean, n in services
        ],
        "helpfulness_by_category": [
            {"category": name, "value": mean, "denominator": n}
            for name, (mean, n) in categories.items()
        ],
        "ratings": sum(n for _s, _m, n in services),
    }


def test_a_mean_of_fewer_than_five_ratings_is_withheld_with_its_count():
    ref = _referrals(
        [("a", 5.0, 1), ("b", 4.0, 7), ("c", 3.5, 9)],
        {"Food": (4.75, 8), "Shelter": (3.5, 9)},
    )
    out = deidentify.deidentify(
        {"referrals": ref}, {"a": {"Food"}, "b": {"Food"}, "c": {"Shelter"}}
    )["referrals"]
    by_service = {s["service_id"]: s for s in out["helpfulness_by_service"]}
    assert by_service["a"]["denominator"] == L and by_service["a"]["value"] is None
    # b's 7 is hidden too, or a = 17 − 7 − 9; with its count hidden its mean goes as well.
    assert by_service["b"]["denominator"] == L and by_service["b"]["value"] is None
    assert by_service["c"] == {"service_id": "c", "service": "C", "value": 3.5, "denominator": 9}
    assert out["ratings"] == 17
    # Food sums a and b: shown, it would give their total away.
    by_category = {c["category"]: c for c in out["helpfulness_by_category"]}
    assert by_category["Food"]["denominator"] == L and by_category["Food"]["value"] is None
    assert by_category["Shelter"]["denominator"] == 9
    # Withheld rows come last, so the order says nothing about their means.
    assert [s["service_id"] for s in out["helpfulness_by_service"]][0] == "c"
    # The finished referrals: 3 rejected for no capacity is small, so 7 (the other
    # rejections) goes too and so does a cell of the other rows.
    assert out["rejected_no_capacity"]["numerator"] == L
    assert out["rejected_no_capacity"]["value"] is None
    assert out["finished"] == 30
    assert out["days_to_accept"] == {"median_days": None, "mean_days": None, "denominator": L}
    assert out["days_to_complete"]["median_days"] == 9.0


def test_a_figure_under_five_in_all_is_withheld():
    voice = {
        "client_authored": {"value": 0.75, "numerator": 3, "denominator": 4},
        "together": 1,
        "worker": 0,
    }
    out = deidentify.deidentify({"client_voice": voice})["client_voice"]
    assert out == {
        "client_authored": {"value": None, "numerator": L, "denominator": L},
        "together": L,
        "worker": L,
        "withheld": True,
    }
    table = next(
        t
        for t in reports.tables({**_empty_figures(), "client_voice": out}, deidentified=True)
        if t.key == "client_voice"
    )
    assert table.rows == [] and "Fewer than 5 in all" in table.note


def test_the_rest_of_a_whole_is_protected_too():
    """41 of 42 open clients without a strengths assessment: the other 1 is a small count."""
    dq = {
        "as_of": None,
        "open_clients": 42,
        "missing_strengths": {"value": 0.98, "numerator": 41, "denominator": 42, "count": 41},
        "plans_without_client_goal": {"value": 0.5, "numerator": 6, "denominator": 12, "count": 6},
        "stale_referrals": {
            "value": 0.3,
            "numerator": 3,
            "denominator": 10,
            "count": 3,
            "clients": 2,
        },
        "overdue_reassessments": {"value": 0.0, "numerator": 0, "denominator": 40, "count": 0},
    }
    out = deidentify.deidentify({"data_quality": dq})["data_quality"]
    assert out["missing_strengths"]["count"] == L and out["missing_strengths"]["denominator"] == 42
    assert out["plans_without_client_goal"]["count"] == 6
    assert out["plans_without_client_goal"]["value"] == 0.5
    assert out["stale_referrals"]["count"] == L and out["stale_referrals"]["clients"] == L
    # 40 of 42 assessed would tell that 2 were never assessed.
    assert out["overdue_reassessments"]["denominator"] == L
    assert out["overdue_reassessments"]["count"] == 0


def test_gas_bins_and_the_share_at_or_above_50_are_one_table():
    counts = {10: 0, 20: 0, 30: 3, 40: 8, 50: 9, 60: 2, 70: 0, 80: 0}
    gas = {
        "scored_by": "client",
        "clients": 22,
        "left_out": 2,
        "goals": 40,
        "weighted_clients": 22,
        "mean": {"value": 47.1, "denominator": 22},
        "at_or_above_50": {"value": 0.5, "numerator": 11, "denominator": 22},
        "distribution": [{"from": k, "to": k + 10, "count": n} for k, n in counts.items()],
    }
    out = deidentify.deidentify({"gas": gas})["gas"]
    shown = {b["from"]: b["count"] for b in out["distribution"]}
    assert shown[30] == L and shown[60] == L
    # 3 is hidden below 50 and 2 above: each row hides a second cell, or a bin = total − rest.
    assert shown[40] == L and shown[50] == L
    assert out["clients"] == 22 and out["at_or_above_50"]["numerator"] == 11
    assert out["mean"]["value"] == 47.1
    assert out["left_out"] == L
    truth = Table(
        rows=("below", "above"),
        columns=tuple(str(k) for k in counts),
        cells=(
            tuple(n if k < 50 else 0 for k, n in counts.items()),
            tuple(n if k >= 50 else 0 for k, n in counts.items()),
        ),
    )
    cells = tuple(
        tuple(shown[k] if (k >= 50) == above else 0 for k in counts) for above in (False, True)
    )
    published = SuppressedTable(
        rows=truth.rows,
        columns=truth.columns,
        cells=cells,
        row_totals=(22 - 11, 11),
        column_totals=tuple(shown[k] for k in counts),
        total=22,
        marker=L,
    )
    assert recovered(published, truth) == set()


def _empty_figures() -> dict[str, Any]:
    bins = [{"from": k, "to": k + 10, "count": 0} for k in measures.GAS_BINS]
    gas = {
        "clients": 0,
        "left_out": 0,
        "mean": {"value": None, "denominator": 0},
        "at_or_above_50": {"value": None, "numerator": 0, "denominator": 0},
        "distribution": bins,
    }
    return {
        "gas": gas,
        "gas_worker": gas,
        "ssm": {"clients": 0, "left_out": 0, "domains": []},
        "goals": {
            "achieved": 0,
            "set_aside": 0,
            "revised": 0,
            "active": 0,
            "total": 0,
            "intake_to_plan": {
                "median_days": None,
                "mean_days": None,
                "denominator": 0,
                "left_out": 0,
            },
        },
        "referrals": _referrals([], {}),
        "client_voice": {},
        "data_quality": {
            "as_of": __import__("datetime").date(2026, 1, 1),
            **{
                k: {"count": 0, "denominator": 0}
                for k in (
                    "missing_strengths",
                    "plans_without_client_goal",
                    "stale_referrals",
                    "overdue_reassessments",
                )
            },
        },
    }
