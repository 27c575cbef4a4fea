"""The reports page, its exports and the advocacy report: who sees what, de-identification,
exports that match the page, suppression."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from strengthwise.assessments import demo as assessments_demo
from strengthwise.assessments.models import Factor
from strengthwise.outcomes import measures, reports
from strengthwise.plans import demo as plans_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(personas):
    assessments_demo.load()
    plans_demo.load()
    return personas


def test_scope_by_role(demo):
    alice_scope = reports.scope_for(demo.alice, reports.Filters())
    carol_scope = reports.scope_for(demo.carol, reports.Filters())
    alice = measures.measure_all(alice_scope)
    carol = measures.measure_all(carol_scope)
    assert alice["goals"]["total"] >= 2  # Dana's goals
    assert carol["goals"]["total"] == 0  # carol's caseload has none of them
    mallory = measures.measure_all(reports.scope_for(demo.mallory, reports.Filters()))
    assert mallory["goals"]["total"] == 0
    # A supervisor asking for a team that is not theirs gets nothing.
    other = reports.scope_for(demo.bob, reports.Filters(team_id=999_999))
    assert measures.measure_all(other)["goals"]["total"] == 0


def test_program_manager_sees_no_free_text(demo, web):
    strength = Factor.objects.filter(client=demo.dana, valence="strength").first()
    page = web(demo.priya).get(reverse("outcomes:reports"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "De-identified" in html
    assert demo.dana.legal_last_name not in html
    assert strength is None or strength.description not in html
    assert "Strengths in goals that progressed" not in html
    alice_page = web(demo.alice).get(reverse("outcomes:reports")).content.decode()
    assert "Strengths in goals that progressed" in alice_page


def test_exports_match_the_page(demo, web):
    browser = web(demo.priya)
    report = reports.report_for(demo.priya, reports.Filters())
    expected = {t.key: t for t in report.tables}
    response = browser.get(reverse("outcomes:export", args=["csv"]), {"table": "data_quality"})
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    table = expected["data_quality"]
    assert rows[0] == table.columns
    assert rows[1:5] == [["" if v is None else str(v) for v in row] for row in table.rows]
    book = load_workbook(io.BytesIO(browser.get(reverse("outcomes:export", args=["xlsx"])).content))
    assert "Data quality" in book.sheetnames
    sheet = book["Data quality"]
    assert [c.value for c in sheet[2]] == table.rows[0]
    pdf = PdfReader(io.BytesIO(browser.get(reverse("outcomes:export", args=["pdf"])).content))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Program summary" in text and "Goals" in text
    assert demo.dana.legal_last_name not in text
    assert (
        browser.get(reverse("outcomes:export", args=["csv"]), {"table": "nope"}).status_code == 404
    )
    assert browser.get(reverse("outcomes:export", args=["doc"])).status_code == 404


def test_advocacy_is_suppressed(demo, web):
    page = web(demo.priya).get(reverse("outcomes:advocacy"))
    html = page.content.decode()
    assert page.status_code == 200
    # Dana's demo data has a handful of macro barriers: far under 5, so hidden.
    assert "&lt;5" in html or "<5" in html
    assert demo.dana.legal_last_name not in html


def test_bad_filters_are_ignored_not_500(demo, web):
    response = web(demo.alice).get(
        reverse("outcomes:reports"), {"start": "2026-12-01", "end": "2026-01-01", "team": "x"}
    )
    assert response.status_code == 200


def test_reports_need_staff(demo, web):
    assert web().get(reverse("outcomes:reports")).status_code == 302


def test_reports_api_and_command(demo, api, tmp_path, capsys):
    from django.core.management import call_command

    body = api(demo.alice).get("/api/v1/reports/goals").json()
    assert body["goals"]["total"] >= 2
    everything = api(demo.priya).get("/api/v1/reports/all").json()
    assert "strengths" not in everything  # free text is not de-identified
    assert "client_ids" not in everything["data_quality"]["missing_strengths"]
    advocacy = api(demo.priya).get("/api/v1/reports/advocacy").json()["advocacy"]
    assert "marker" in advocacy["macro_barriers"] or advocacy["macro_barriers"]["rows"] == []
    assert api(demo.alice).get("/api/v1/reports/nope").status_code == 404
    assert (
        api(demo.alice).get("/api/v1/reports/goals?from=2026-12-01&to=2026-01-01").status_code
        == 400
    )
    assert api(demo.carol).get("/api/v1/reports/goals").json()["goals"]["total"] == 0
    call_command(
        "report", "goals", "--agency", "river-city", "--from", "2026-01-01", "--to", "2026-06-30"
    )
    out = capsys.readouterr().out
    assert out.startswith("Status,Goals")
    # Under the table, what it covers, as the page's exports say it.
    assert "Filters: Agency: River City Community Services; Program: All" in out
    assert "Period: 01/01/2026 to 06/30/2026" in out
    target = tmp_path / "all.xlsx"
    call_command(
        "report", "all", "--agency", "river-city", "--format", "xlsx", "--output", str(target)
    )
    assert "Goals" in load_workbook(target).sheetnames
    call_command("report", "referrals", "--agency", "river-city", "--format", "json")
    assert '"referrals"' in capsys.readouterr().out


def test_data_quality_links_to_the_list(demo, web):
    page = web(demo.alice).get(reverse("outcomes:reports")).content.decode()
    assert (
        reverse("outcomes:data-quality", args=["missing_strengths"]) in page
        or "Data quality" in page
    )
    listing = web(demo.alice).get(reverse("outcomes:data-quality", args=["stale_referrals"]))
    assert listing.status_code == 200
    assert (
        web(demo.priya)
        .get(reverse("outcomes:data-quality", args=["missing_strengths"]))
        .status_code
        == 404
    )
    assert web(demo.alice).get(reverse("outcomes:data-quality", args=["nope"])).status_code == 404
    carol = web(demo.carol).get(reverse("outcomes:data-quality", args=["missing_strengths"]))
    assert demo.dana.display_name not in carol.content.decode()


@pytest.mark.parametrize("when", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_dates_out_of_range_are_refused_with_a_reason_never_a_500(personas, web, api, when):
    """Issue 12 item 9: ?to=9999-12-31 crashed every report with OverflowError (500, HTML)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    for user in (personas.alice, personas.priya):
        answer = api(user).get(f"/api/v1/reports/gas?to={when}")
        assert answer.status_code == 400, answer.content
        assert "between 1900-01-01 and 2199-12-31" in answer.json()["detail"]
        page = web(user).get(f"/reports/?end={when}")
        assert page.status_code == 200
        assert "between 1900-01-01 and 2199-12-31" in page.content.decode()
    with pytest.raises(CommandError):
        call_command("report", "gas", "--agency", personas.river_city.slug, "--to", when)


def test_the_filters_offer_only_what_the_reader_can_cover(personas, web):
    """A worker's figures cover their own caseload, a supervisor's their teams: the page offers
    no filter that could only come back empty (an agency has thousands of workers)."""
    from strengthwise.outcomes.selectors import report_filter_choices

    p = personas

    def ids(user, name):
        return {pk for pk, _label in getattr(report_filter_choices(visible_to=user), name)}

    assert report_filter_choices(visible_to=p.alice).worker == [(p.alice.pk, p.alice.label)]
    assert ids(p.alice, "team") == {p.housing.pk}
    assert ids(p.bob, "team") == {p.housing.pk, p.family.pk}
    assert ids(p.bob, "worker") == {p.alice.pk, p.bob.pk, p.carol.pk}
    assert ids(p.priya, "team") == {p.housing.pk, p.family.pk}  # not Eastgate's
    assert ids(p.priya, "worker") == {p.alice.pk, p.bob.pk, p.carol.pk}  # no manager, no admin
    assert (
        ids(p.priya, "program")
        == ids(p.alice, "program")
        == {
            p.housing_program.pk,
            p.family_program.pk,
        }
    )
    page = web(p.alice).get(reverse("outcomes:reports")).content.decode()
    assert p.carol.label not in page
    chosen = web(p.priya).get(reverse("outcomes:reports"), {"worker": p.carol.pk})
    assert f'<option value="{p.carol.pk}" selected>' in chosen.content.decode()
    # A team the supervisor does not have is not on offer: the form says so.
    refused = web(p.bob).get(reverse("outcomes:reports"), {"team": p.eastgate_team.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()


def test_past_a_readable_list_a_team_narrows_the_workers(personas, web, monkeypatch):
    """An agency of 100,000 clients has thousands of workers: past `WORKERS_LISTED` the page
    lists a chosen team's members, keeps a chosen worker on offer, and the htmx results swap
    the narrowed list into the form (here the limit is 2 and priya's agency has 3)."""
    from strengthwise.outcomes import selectors
    from strengthwise.outcomes.selectors import report_filter_choices

    p = personas
    monkeypatch.setattr(selectors, "WORKERS_LISTED", 2)

    def workers(user, **ids):
        offered = report_filter_choices(visible_to=user, **ids)
        return {pk for pk, _label in offered.worker}, offered.workers_cut

    assert workers(p.priya) == (set(), True)
    assert workers(p.priya, team_id=p.housing.pk) == ({p.alice.pk, p.bob.pk}, False)
    assert workers(p.priya, team_id=p.family.pk) == ({p.bob.pk, p.carol.pk}, False)
    assert workers(p.priya, worker_id=p.carol.pk) == ({p.carol.pk}, True)
    # A worker chosen before the team changed stays on offer (the figures are of both).
    assert workers(p.priya, team_id=p.housing.pk, worker_id=p.carol.pk) == (
        {p.alice.pk, p.bob.pk, p.carol.pk},
        False,
    )
    assert workers(p.priya, worker_id=p.mallory.pk) == (set(), True)  # another agency's
    assert workers(p.priya, team_id=p.eastgate_team.pk) == (set(), True)  # not a team here
    assert workers(p.bob, team_id=p.family.pk) == ({p.bob.pk, p.carol.pk}, False)
    assert workers(p.alice, team_id=p.family.pk) == ({p.alice.pk}, False)  # only herself

    url = reverse("outcomes:reports")
    page = web(p.priya).get(url).content.decode()
    assert "Choose a team to list its workers." in page
    assert f'<option value="{p.alice.pk}"' not in page.split('id="report-worker"')[1]
    chosen = web(p.priya).get(url, {"worker": p.carol.pk}).content.decode()
    assert f'<option value="{p.carol.pk}" selected>' in chosen
    assert f"Worker: {p.carol.label}" in chosen  # the figures are carol's: the scope says so
    refused = web(p.priya).get(url, {"worker": p.mallory.pk}).content.decode()
    assert "Select a valid choice" in refused
    both = web(p.priya).get(url, {"team": p.housing.pk, "worker": p.carol.pk}).content.decode()
    assert "Select a valid choice" not in both
    assert f"Team: {p.housing.name}" in both and f"Worker: {p.carol.label}" in both

    # The form's own htmx request swaps the team's workers into the form; the pending
    # figures' poller (no trigger id) does not touch it.
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER": "report-filters"}
    swapped = web(p.priya).get(url, {"team": p.family.pk}, **htmx).content.decode()
    oob = swapped.split('<div id="report-worker" hx-swap-oob="true">')[1].split("</select>")[0]
    assert f'<option value="{p.carol.pk}">' in oob and f'<option value="{p.bob.pk}">' in oob
    assert f'value="{p.alice.pk}"' not in oob
    assert "Choose a team" not in oob
    polled = web(p.priya).get(url, {"team": p.family.pk}, HTTP_HX_REQUEST="true")
    assert "hx-swap-oob" not in polled.content.decode()
    assert "<form" not in polled.content.decode()  # the results alone
