"""Report exports a spreadsheet reads right (issue 10): CSV in UTF-8 with a byte-order mark,
percentages stored as numbers in XLSX, and the program PDF stating its filters and period."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from strengthwise.assessments import demo as assessments_demo
from strengthwise.outcomes import exports
from strengthwise.plans import demo as plans_demo


@pytest.fixture
def demo(personas):
    assessments_demo.load()
    plans_demo.load()
    return personas


def test_csv_download_is_utf8_with_a_byte_order_mark(demo, web):
    response = web(demo.alice).get(reverse("outcomes:export", args=["csv"]), {"table": "gas"})
    assert response.status_code == 200
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    # Decoded as Excel does with the mark: the en dash of "10–19" survives.
    assert "10–19" in body.decode("utf-8-sig").splitlines()[1]
    assert body.count(b"\xef\xbb\xbf") == 1


def test_csv_bytes_and_share_text():
    table = exports.Table(
        key="t", title="T", columns=["Band", "Share"], rows=[["10–19", exports.Share(0.416)]]
    )
    assert exports.to_csv(table).splitlines()[1] == "10–19,42%"
    assert exports.csv_bytes("a") == b"\xef\xbb\xbfa"


def test_xlsx_stores_percentages_as_numbers(demo, web):
    content = web(demo.alice).get(reverse("outcomes:export", args=["xlsx"])).content
    book = load_workbook(io.BytesIO(content))
    ssm = next(s for s in book.worksheets if s["A1"].value == "Domain" and s["C1"].value)
    assert [c.value for c in ssm[1]][:6] == [
        "Domain",
        "Clients",
        "Improved",
        "Unchanged",
        "Worse",
        "Mean change",
    ]
    shares = [ssm.cell(row=r, column=c) for r in range(2, ssm.max_row + 1) for c in (3, 4, 5)]
    numbers = [c for c in shares if c.value is not None and c.value != ""]
    assert numbers, "the demo has SSM change for alice's caseload"
    for cell in numbers:
        assert isinstance(cell.value, int | float), cell.value
        assert 0 <= cell.value <= 1
        assert cell.number_format == "0%"


def test_xlsx_share_cell_unit():
    table = exports.Table(
        key="t",
        title="T",
        columns=["Band", "Share"],
        rows=[["x", exports.Share(0.25)], ["y", "<5"]],
    )
    sheet = load_workbook(io.BytesIO(exports.to_xlsx([table]))).active
    assert sheet["B2"].value == 0.25 and sheet["B2"].number_format == "0%"
    assert sheet["B3"].value == "<5"  # a suppressed share stays the mark


def test_program_pdf_states_its_filters_and_period(demo, web):
    program = demo.housing_program
    response = web(demo.priya).get(
        reverse("outcomes:export", args=["pdf"]),
        {"program": program.pk, "start": "2026-01-01", "end": "2026-06-30"},
    )
    assert response.status_code == 200
    first = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    head = first[: first.index("GAS T-scores")]
    assert f"Program: {program.name}" in head
    assert "Team: All" in head and "Worker: All" in head
    assert "Period: 01/01/2026 to 06/30/2026" in head  # the locale's date format


def test_program_pdf_without_filters_says_all_and_open_period(demo, web):
    response = web(demo.priya).get(reverse("outcomes:export", args=["pdf"]))
    first = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Program: All" in first
    assert "Period: the first record to today" in first


def test_csv_and_xlsx_say_what_they_cover_as_the_pdf_does(demo, web):
    program = demo.housing_program
    filters = {"program": program.pk, "start": "2026-01-01", "end": "2026-06-30"}
    page = web(demo.priya)
    csv_text = (
        page.get(reverse("outcomes:export", args=["csv"]), {**filters, "table": "gas"})
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert f"Filters: Program: {program.name}; Team: All; Worker: All" in csv_text
    assert "Period: 01/01/2026 to 06/30/2026" in csv_text
    book = load_workbook(
        io.BytesIO(page.get(reverse("outcomes:export", args=["xlsx"]), filters).content)
    )
    for sheet in book.worksheets:
        column = [row[0] for row in sheet.iter_rows(values_only=True)]
        assert "Period: 01/01/2026 to 06/30/2026" in column, sheet.title
        assert f"Filters: Program: {program.name}; Team: All; Worker: All" in column


def test_an_export_of_figures_behind_the_records_says_as_of_when():

    table = exports.Table(key="t", title="T", columns=["A"], rows=[["1"]], note="Of 12 clients.")
    lines = ["Period: the first record to today", "These figures are as of 12/04/2026 9:00 a.m."]
    assert exports.to_csv(table, lines).splitlines()[-3:] == ["Of 12 clients.", *lines]
    sheet = load_workbook(io.BytesIO(exports.to_xlsx([table], lines))).active
    assert [r[0] for r in sheet.iter_rows(values_only=True)][-2:] == lines


def test_a_long_table_shows_its_most_rated_rows_and_exports_every_row(demo):
    """An agency's directory can hold thousands of rated services: the page lists the 25
    rated most often (in the table's own order) and every category; CSV and XLSX have all,
    each percentage cell still a percentage."""
    from django.template.loader import render_to_string

    from strengthwise.outcomes import measures, reports
    from strengthwise.outcomes.measures import Scope

    result = measures.measure_all(Scope(agency_id=demo.river_city.pk))
    services = [
        {"service_id": str(i), "service": f"Service {i:03}", "value": 5.0 - i / 100, "n": i}
        for i in range(1, 101)
    ]
    for row in services:
        row["denominator"] = row.pop("n")
    result["referrals"]["helpfulness_by_service"] = services
    result["referrals"]["helpfulness_by_category"] = [
        {"category": "Food", "value": 4.0, "denominator": 12}
    ]
    table = next(t for t in reports.tables(result, deidentified=False) if t.key == "helpfulness")
    assert len(table.rows) == 101
    names = [row[0] for row in table.shown]
    # Services 76..100 were rated most often; shown in the table's order (by mean), then
    # the category.
    assert names[:25] == [f"Service {i:03}" for i in range(76, 101)]
    assert names[25] == "Category: Food" and len(names) == 26
    assert "25" in table.page_note and "100" in table.page_note
    assert table.chart.count("<rect") < 40  # a bar per shown row, not per service
    html = render_to_string("outcomes/_report_table.html", {"table": table})
    assert "Service 076" in html and "Service 075" not in html and table.page_note in html
    csv = exports.to_csv(table)
    assert "Service 001" in csv and "Service 100" in csv
    book = load_workbook(io.BytesIO(exports.to_xlsx([table], ["As of today"])))
    sheet = book.worksheets[0]
    assert sheet.max_row == 1 + 101 + 1 + 1 + 1  # header, rows, gap, note, context
    every = reports.tables(result, deidentified=False)
    shares = [
        (table, number, column)
        for table in every
        for number, row in enumerate(table.rows, start=2)
        for column, value in enumerate(row, start=1)
        if isinstance(value, exports.Share)
    ]
    assert shares, "some table has percentages"
    sheets = load_workbook(io.BytesIO(exports.to_xlsx(every)))
    for table, number, column in shares:
        sheet = sheets.worksheets[every.index(table)]
        assert sheet.cell(row=number, column=column).number_format == exports.PERCENT_FORMAT


def test_the_api_body_is_made_once_per_snapshot_held(personas, api, settings):
    """`serialize.report_body` is `plain` of the figures, kept with a snapshot this process
    holds: the second read of the same figures gets the same object back."""
    from strengthwise.outcomes import reports, serialize, snapshots

    settings.STRENGTHWISE_REPORT_CACHE_CHARS = 10_000_000
    first = api(personas.priya).get("/api/v1/reports/all").json()
    report = reports.report_for(personas.priya, reports.Filters())
    assert snapshots._decoded.entry_of(report.figures) is not None, "the figures are held"
    body = serialize.report_body(report.figures, "all", deidentified=True)
    assert body == serialize.plain(report.figures, deidentified=True) == first
    assert serialize.report_body(report.figures, "all", deidentified=True) is body
    goals = serialize.report_body(report.figures, "goals", deidentified=True)
    assert goals == {"goals": body["goals"]}
