"""Reading a report snapshot (outcomes/snapshots.py, "Reading a fresh snapshot"): the figures a
process has decoded once are served again without unsealing or decoding — never after the
snapshot changed, never to another agency, scope, language or to the other of raw and
de-identified — and what is laid out from them is the same as laying it out afresh."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from strengthwise.audit.models import AuditEvent
from strengthwise.outcomes import exports, measures, reports, serialize, snapshots, suppression
from strengthwise.outcomes.measures import Scope
from strengthwise.outcomes.models import ReportSnapshot

from . import test_measures
from .test_measures import END, START, TODAY, _add_clients
from .test_snapshots import normal

data = test_measures.data  # the measures' hand-checked data set, as a fixture here too

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    snapshots._decoded.clear()
    yield
    snapshots._decoded.clear()


class Decoding:
    """Counts the snapshot texts opened and decoded."""

    def __init__(self, monkeypatch: Any) -> None:
        self.calls = 0
        real = snapshots.loads

        def counted(text: str) -> dict[str, Any]:
            self.calls += 1
            return real(text)

        monkeypatch.setattr(snapshots, "loads", counted)


def test_a_repeated_read_of_an_unchanged_snapshot_is_not_decoded_again(
    data: SimpleNamespace, monkeypatch: Any
) -> None:
    scope = Scope(agency_id=data.river.pk, start=START, end=END)
    snapshots.figures_for(scope, today=TODAY)  # computed and stored
    decoding = Decoding(monkeypatch)
    first, _as_of = snapshots.figures_for(scope, today=TODAY)
    assert decoding.calls == 1
    again, as_of = snapshots.figures_for(scope, today=TODAY)
    assert decoding.calls == 1 and again is first and as_of.fresh
    assert normal(again) == normal(measures.measure_all(scope, today=TODAY))


def test_a_changed_snapshot_is_never_served_from_the_cache(
    data: SimpleNamespace, monkeypatch: Any
) -> None:
    scope = Scope(agency_id=data.river.pk)
    snapshots.figures_for(scope, today=TODAY)
    old, _as_of = snapshots.figures_for(scope, today=TODAY)
    assert snapshots.figures_for(scope, today=TODAY)[0] is old
    # A write: the version moves, the figures are computed again and stored.
    _add_clients(data, 2)
    snapshots.figures_for(scope, today=TODAY)
    new, as_of = snapshots.figures_for(scope, today=TODAY)
    assert new is not old and as_of.fresh
    assert normal(new) == normal(measures.measure_all(scope, today=TODAY))
    assert normal(new) != normal(old)
    # Stored again by another process at the same version and day (a refresh): a new store.
    snapshots.compute(scope, today=TODAY)
    assert snapshots.figures_for(scope, today=TODAY)[0] is not new
    # Even a store that kept version, day and time of computation is seen: the key holds the
    # stored text's own nonce.
    row = ReportSnapshot.objects.get(agency=data.river, key=snapshots.scope_key(scope))
    current, _as_of = snapshots.figures_for(scope, today=TODAY)
    changed = dict(current, goals=dict(current["goals"], total=-1))
    ReportSnapshot.objects.filter(pk=row.pk).update(figures=snapshots.dumps(changed))
    assert snapshots.figures_for(scope, today=TODAY)[0]["goals"]["total"] == -1


def test_figures_stored_in_clear_are_known_by_their_whole_text(data: SimpleNamespace) -> None:
    """A row from before the column was sealed: no nonce in its head, so the cache knows it by
    a digest of the whole text — a change of one digit (same length) is seen."""
    scope = Scope(agency_id=data.river.pk)
    current, _as_of = snapshots.figures_for(scope, today=TODAY)
    row = ReportSnapshot.objects.get(agency=data.river, key=snapshots.scope_key(scope))

    def store_in_clear(figures: dict[str, Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE outcomes_reportsnapshot SET figures = %s WHERE id = %s",
                [snapshots.dumps(figures), row.pk],
            )

    store_in_clear(dict(current, goals=dict(current["goals"], total=11)))
    assert snapshots.figures_for(scope, today=TODAY)[0]["goals"]["total"] == 11
    assert snapshots.figures_for(scope, today=TODAY)[0]["goals"]["total"] == 11  # kept
    store_in_clear(dict(current, goals=dict(current["goals"], total=12)))
    assert snapshots.figures_for(scope, today=TODAY)[0]["goals"]["total"] == 12


def test_a_text_stored_again_after_its_head_was_read_gives_the_newer_figures(
    data: SimpleNamespace,
) -> None:
    scope = Scope(agency_id=data.river.pk)
    current, _as_of = snapshots.figures_for(scope, today=TODAY)
    key = snapshots.scope_key(scope)
    snapshots._decoded.clear()
    snap = snapshots._snapshot(data.river.pk, key)  # a reader read the head…
    assert snap is not None
    changed = dict(current, goals=dict(current["goals"], total=-5))
    ReportSnapshot.objects.filter(pk=snap.pk).update(figures=snapshots.dumps(changed))
    # …a refresh stored again meanwhile: the reader opens the newer text, never an older one.
    assert snapshots._pick(snap, False)["goals"]["total"] == -5


def test_scopes_agencies_and_raw_or_deidentified_never_share(data: SimpleNamespace) -> None:
    p = data.p
    chosen = {
        "agency": Scope(agency_id=data.river.pk),
        "team": Scope(agency_id=data.river.pk, team_id=p.housing.pk),
        "alice": reports.scope_for(p.alice, reports.Filters()),
        "bob": reports.scope_for(p.bob, reports.Filters()),
        "other agency": Scope(agency_id=p.eastgate.pk),
    }
    for _round in range(2):  # the second round reads what the first kept
        # Each object is kept alive here: an id() is only unique among live objects.
        seen: dict[int, tuple[str, object]] = {}
        for name, scope in chosen.items():
            raw, _as_of = snapshots.figures_for(scope, today=TODAY)
            hidden, _as_of = snapshots.figures_for(scope, today=TODAY, deidentified=True)
            for what, figures in ((f"{name}, raw", raw), (f"{name}, de-identified", hidden)):
                assert id(figures) not in seen, f"{what} is {seen[id(figures)][0]}'s"
                seen[id(figures)] = (what, figures)
            expected = measures.measure_all(scope, today=TODAY)
            assert normal(raw) == normal(expected), name
            assert normal(hidden) == normal(snapshots.deidentify_figures(expected)), name
            assert "strengths" in raw and "strengths" not in hidden
    assert len(snapshots._decoded) == 2 * len(chosen)


def test_each_language_is_decoded_and_laid_out_apart(data: SimpleNamespace) -> None:
    scope = Scope(agency_id=data.river.pk)
    with translation.override("en"):
        reports.build(scope, deidentified=True, today=TODAY)  # computed and stored
        english = reports.build(scope, deidentified=True, today=TODAY)
        assert reports.build(scope, deidentified=True, today=TODAY).tables is english.tables
    with translation.override("es"):
        reports.build(scope, deidentified=True, today=TODAY)
        spanish = reports.build(scope, deidentified=True, today=TODAY)
        assert spanish.figures is not english.figures
        assert [t.title for t in spanish.tables] != [t.title for t in english.tables]
        assert spanish.tables == reports.tables(
            snapshots.deidentify_figures(measures.measure_all(scope, today=TODAY)),
            deidentified=True,
        )


@pytest.mark.parametrize("hidden", [False, True])
def test_kept_tables_are_the_tables_laid_out_afresh(data: SimpleNamespace, hidden: bool) -> None:
    scope = reports.scope_for(data.p.bob, reports.Filters())
    reports.build(scope, deidentified=hidden, today=TODAY)  # computed and stored
    first = reports.build(scope, deidentified=hidden, today=TODAY)
    again = reports.build(scope, deidentified=hidden, today=TODAY)
    assert again.figures is first.figures and again.tables is first.tables
    expected = measures.measure_all(scope, today=TODAY)
    if hidden:
        expected = snapshots.deidentify_figures(expected)
    assert again.tables == reports.tables(
        snapshots.loads(snapshots.dumps(expected)), deidentified=hidden
    )
    advocacy = reports.advocacy_tables(again.figures)
    assert reports.advocacy_tables(again.figures) is advocacy
    assert advocacy == reports._advocacy_tables(snapshots.loads(snapshots.dumps(expected)))


def test_advocacy_suppression_is_the_same_as_suppressing_afresh() -> None:
    table = suppression.Table(
        rows=("a", "b", "c"), columns=("x", "y"), cells=((3, 1), (10, 1), (0, 7))
    )
    assert suppression.suppress_kept(table) == suppression.suppress(table)
    same = suppression.Table(rows=("a", "b", "c"), columns=("x", "y"), cells=table.cells)
    assert suppression.suppress_kept(same) is suppression.suppress_kept(table)
    other = suppression.Table(
        rows=("a", "b", "c"), columns=("x", "y"), cells=((3, 1), (10, 1), (0, 8))
    )
    assert suppression.suppress_kept(other) == suppression.suppress(other)


def test_the_cache_is_bounded_and_can_be_turned_off(
    data: SimpleNamespace, settings: Any, monkeypatch: Any
) -> None:
    scopes = [
        Scope(agency_id=data.river.pk),
        Scope(agency_id=data.river.pk, start=START, end=END),
        Scope(agency_id=data.river.pk, team_id=data.p.housing.pk),
    ]
    for scope in scopes:
        snapshots.figures_for(scope, today=TODAY)
    sizes = [
        len(ReportSnapshot.objects.get(agency=data.river, key=snapshots.scope_key(s)).figures)
        for s in scopes
    ]
    settings.STRENGTHWISE_REPORT_CACHE_CHARS = sizes[1] + sizes[2]  # room for the last two
    for scope in scopes:
        snapshots.figures_for(scope, today=TODAY)
    assert len(snapshots._decoded) == 2  # the oldest was dropped
    settings.STRENGTHWISE_REPORT_CACHE_CHARS = 0
    snapshots._decoded.clear()
    decoding = Decoding(monkeypatch)
    first, _as_of = snapshots.figures_for(scopes[0], today=TODAY)
    again, _as_of = snapshots.figures_for(scopes[0], today=TODAY)
    assert decoding.calls == 2 and again is not first and again == first
    assert len(snapshots._decoded) == 0


def test_forgetting_an_agency_drops_its_decoded_figures(data: SimpleNamespace) -> None:
    river = Scope(agency_id=data.river.pk)
    other = Scope(agency_id=data.p.eastgate.pk)
    snapshots.figures_for(river, today=TODAY)
    snapshots.figures_for(river, today=TODAY)
    snapshots.figures_for(other, today=TODAY)
    snapshots.figures_for(other, today=TODAY)
    assert len(snapshots._decoded) == 2
    snapshots.forget(data.river.pk)
    assert len(snapshots._decoded) == 1


@pytest.mark.parametrize("who", ["priya", "bob", "alice"])
def test_a_read_decoded_before_fetches_only_the_head_of_the_figures(
    data: SimpleNamespace, web: Any, who: str
) -> None:
    browser = web(getattr(data.p, who))
    url = reverse("outcomes:reports")
    assert browser.get(url).status_code == 200  # computed

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get(url).status_code == 200
        return len(ctx.captured_queries)

    snapshots._decoded.clear()
    opened = count()  # decoded from the row
    kept = count()  # from this process's cache
    assert opened == kept + 1  # the whole text, fetched only to be opened
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(url).status_code == 200
    read = [q["sql"] for q in ctx.captured_queries if "outcomes_reportsnapshot" in q["sql"]]
    assert len(read) == 1 and "SUBSTR" in read[0].upper()


def test_a_page_from_kept_figures_shows_what_it_showed(data: SimpleNamespace, web: Any) -> None:
    browser = web(data.p.priya)
    url = reverse("outcomes:reports")
    browser.get(url)
    snapshots._decoded.clear()

    def results() -> str:  # the figures' part of the page (no per-request token)
        html = browser.get(url).content.decode()
        return html[html.index('id="results"') :]

    opened = results()
    assert "Data quality" in opened
    assert results() == opened
    assert browser.get(reverse("outcomes:export", args=["xlsx"])).status_code == 200
    csv = browser.get(reverse("outcomes:export", args=["csv"]) + "?table=macro_barriers")
    assert csv.status_code == 200


def test_a_new_day_is_not_served_yesterdays_figures(data: SimpleNamespace) -> None:
    scope = Scope(agency_id=data.river.pk)
    snapshots.figures_for(scope, today=TODAY)
    today, _as_of = snapshots.figures_for(scope, today=TODAY)
    tomorrow, _as_of = snapshots.figures_for(scope, today=TODAY + dt.timedelta(days=1))
    assert tomorrow is not today
    assert normal(tomorrow) == normal(
        measures.measure_all(scope, today=TODAY + dt.timedelta(days=1))
    )


# --- export files and the API's suppression, from kept figures ----------------------------------


class Making:
    """Counts the export files made (XLSX, CSV, PDF)."""

    def __init__(self, monkeypatch: Any) -> None:
        self.calls: list[str] = []
        for name in ("to_xlsx", "to_csv", "summary_pdf"):
            real = getattr(exports, name)

            def counted(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
                self.calls.append(_name)
                return _real(*args, **kwargs)

            monkeypatch.setattr(exports, name, counted)


def _held(user: Any) -> reports.Report:
    """`user`'s report from figures this process holds decoded (computed, then read)."""
    reports.report_for(user, reports.Filters())
    report = reports.report_for(user, reports.Filters())
    assert snapshots._decoded.entry_of(report.figures) is not None
    return report


@pytest.mark.parametrize("who", ["priya", "alice"])
def test_an_export_file_is_made_once_per_snapshot_and_what_it_says(
    data: SimpleNamespace, monkeypatch: Any, who: str
) -> None:
    reader = getattr(data.p, who)
    report = _held(reader)
    making = Making(monkeypatch)
    context = ["Filters: Program: All", "Period: the first record to today"]

    def export(fmt: str, **kwargs: Any) -> bytes:
        kwargs = {"context": context, "today": TODAY, **kwargs}
        made = reports.export_file(report, fmt, reader=reader, **kwargs)
        assert made is not None
        return made.content

    xlsx = export("xlsx")
    assert export("xlsx") is xlsx and making.calls == ["to_xlsx"]
    pdf = export("pdf")
    assert export("pdf") is pdf and making.calls.count("summary_pdf") == 1
    gas = export("csv", table="gas")
    assert export("csv", table="gas") is gas and making.calls.count("to_csv") == 1
    # The same bytes as making the file afresh.
    table = next(t for t in report.tables if t.key == "gas")
    assert gas == exports.csv_bytes(exports.to_csv(table, context))
    # Everything else the bytes depend on is a file of its own: another table, other context
    # lines (a filter, an "as of"), another day in the PDF's subtitle, another language.
    assert export("csv", table="macro_barriers") != gas
    assert report.as_of is not None
    later = [*context, reports.as_of_note(snapshots.AsOf(report.as_of.at, False))]
    assert export("csv", table="gas", context=later) != gas
    assert export("xlsx", context=later) is not xlsx
    assert export("pdf", today=TODAY + dt.timedelta(days=1)) is not pdf
    assert making.calls.count("to_csv") == 4  # gas, afresh just above, macro_barriers, later
    with translation.override("es"):
        spanish = _held(reader)
        made = reports.export_file(
            spanish, "csv", reader=reader, context=context, today=TODAY, table="gas"
        )
        assert made is not None and made.content != gas
    assert making.calls.count("to_csv") == 5
    # None for what does not exist.
    assert reports.export_file(report, "csv", reader=reader, context=context, today=TODAY) is None
    assert reports.export_file(report, "doc", reader=reader, context=context, today=TODAY) is None


def test_new_figures_make_a_new_export_file(data: SimpleNamespace, monkeypatch: Any) -> None:
    reader = data.p.priya
    report = _held(reader)
    made = reports.export_file(report, "xlsx", reader=reader, context=[], today=TODAY)
    _add_clients(data, 2)
    newer = _held(reader)
    assert newer.figures is not report.figures
    again = reports.export_file(newer, "xlsx", reader=reader, context=[], today=TODAY)
    assert made is not None and again is not None and again.content is not made.content


def test_every_export_download_is_gated_and_recorded(
    data: SimpleNamespace, web: Any, monkeypatch: Any
) -> None:
    browser = web(data.p.priya)
    browser.get(reverse("outcomes:reports"))  # computed
    making = Making(monkeypatch)
    url = reverse("outcomes:export", args=["xlsx"])
    before = AuditEvent.objects.filter(action="report.viewed", target_id="export.xlsx").count()
    bodies = [browser.get(url) for _ in range(3)]
    assert all(b.status_code == 200 for b in bodies)
    assert bodies[0]["Content-Disposition"].startswith('attachment; filename="strengthwise-report-')
    assert bodies[1].content == bodies[2].content
    assert making.calls.count("to_xlsx") == 1  # made from the figures once, then kept
    after = AuditEvent.objects.filter(action="report.viewed", target_id="export.xlsx").count()
    assert after - before == 3
    # Another agency's reader gets their own agency's file, never this one.
    other = web(data.p.mallory).get(url)
    assert other.status_code == 200 and other.content != bodies[0].content
    assert making.calls.count("to_xlsx") == 2
    missing = browser.get(reverse("outcomes:export", args=["csv"]), {"table": "nope"})
    assert missing.status_code == 404


def test_the_api_reads_suppressed_tables_solved_once(
    data: SimpleNamespace, api: Any, monkeypatch: Any
) -> None:
    suppression.suppress_kept.cache_clear()
    real = suppression.suppress
    solved: list[suppression.Table] = []

    def counted(table: suppression.Table, **kwargs: Any) -> suppression.SuppressedTable:
        solved.append(table)
        return real(table, **kwargs)

    monkeypatch.setattr(suppression, "suppress", counted)
    client = api(data.p.priya)
    first = client.get("/api/v1/reports/advocacy")
    assert first.status_code == 200
    assert solved  # the first read solves each advocacy table
    seen = len(solved)
    again = client.get("/api/v1/reports/all")
    assert again.status_code == 200 and len(solved) == seen  # kept: not solved again
    assert again.json()["advocacy"] == first.json()["advocacy"]
    # What the API says is what suppressing afresh says.
    figures = reports.report_for(data.p.priya, reports.Filters()).figures
    for key in ("macro_barriers", "capacity_gaps", "unmet_needs"):
        table = figures["advocacy"][key]
        assert first.json()["advocacy"][key] == real(table).as_dict()
        assert serialize.plain(table, deidentified=True) == real(table).as_dict()


@pytest.mark.parametrize("name", ["all", "referrals"])
def test_the_api_encodes_kept_figures_once_and_as_they_are(
    data: SimpleNamespace, api: Any, monkeypatch: Any, name: str
) -> None:
    client = api(data.p.priya)
    url = f"/api/v1/reports/{name}"
    assert client.get(url).status_code == 200  # computed
    encoded: list[Any] = []

    class Counted:  # serialize's json module, counting what it encodes
        @staticmethod
        def dumps(value: Any, **kwargs: Any) -> str:
            encoded.append(value)
            return json.dumps(value, **kwargs)

    monkeypatch.setattr(serialize, "json", Counted)
    first = client.get(url)  # opened from the row and encoded
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert len(encoded) == 1  # the bytes are kept with the figures
    assert again.content == first.content
    assert first["Content-Type"] == "application/json; charset=utf-8"
    assert first["X-Report-As-Of"] and first["X-Report-Up-To-Date"] == "true"
    figures = reports.report_for(data.p.priya, reports.Filters()).figures
    assert first.json() == serialize.report_body(figures, name, deidentified=True)


def test_a_derived_value_may_ask_for_another_of_the_same_figures(data: SimpleNamespace) -> None:
    report = _held(data.p.alice)
    made: list[str] = []

    def inner() -> str:
        made.append("inner")
        return "inner"

    def outer() -> str:
        made.append("outer")
        return "outer of " + snapshots.derived(report.figures, "inner", inner)

    assert snapshots.derived(report.figures, "outer", outer) == "outer of inner"
    assert snapshots.derived(report.figures, "outer", outer) == "outer of inner"
    assert snapshots.derived(report.figures, "inner", inner) == "inner"
    assert made == ["outer", "inner"]
