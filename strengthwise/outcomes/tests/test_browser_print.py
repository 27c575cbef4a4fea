"""The pages people print, printed by Chromium to PDF (issue 16, item 8): the face sheet, the plan,
the ecomap, the take-home plan and the reports. Read back with a PDF text extraction: no site
navigation, the page's title and the client's name, the content that matters; on every page of
the reports the period and the filters; and no table row cut across two pages."""

from __future__ import annotations

import unicodedata

import pytest

from strengthwise.core.testing_browser import ARTIFACTS, screenshot, wait_until_loaded
from strengthwise.core.testing_pdf import page_texts

pytestmark = pytest.mark.browser

A4 = {"width": 794, "height": 1123}
# What only the site's header, footer, menus and buttons say: none of it belongs on paper.
CHROME = (
    "Skip to main content",
    "Caseload",
    "Sign out",
    "Account security",
    "Larger text",
    "Menu",
    "casework that starts from strengths",
)
CLIENT_MENU = ("Motivation", "Questionnaires", "Consent and referrals", "Episodes and closures")
STRENGTH = "sells small canvases at the Saturday market"
GOAL = "Move into an apartment Jayden and I can stay in"

# Every table row keeps whole, every table's head repeats, and each card or figure starts a new
# page rather than break, when it fits on one: the styles as printed.
PRINT_STYLES = """() => {
  const bad = [];
  const main = document.querySelector('main');
  for (const row of main.querySelectorAll('tr:not(.print-frame > * > tr)')) {
    if (getComputedStyle(row).breakInside !== 'avoid') bad.push('a table row may break: ' + row.textContent.trim().slice(0, 40));
  }
  for (const head of main.querySelectorAll('thead')) {
    if (getComputedStyle(head).display !== 'table-header-group') bad.push('a table head does not repeat');
  }
  for (const block of main.querySelectorAll('.card, figure')) {
    const style = getComputedStyle(block);
    if (style.display !== 'none' && style.breakInside !== 'avoid') bad.push('a section may break: ' + block.className);
  }
  return bad;
}"""


def flat(text: str) -> str:
    """Text with line wraps and runs of spaces made single spaces, and ligatures (the "fi" of
    "Whitfield", as the PDF holds it) as their letters."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def printed(page, name: str) -> list[str]:
    """The page printed to A4 by Chromium (kept in test-artifacts/) and read back: one flat text
    per printed page."""
    wait_until_loaded(page)
    page.emulate_media(media="print")
    problems = page.evaluate(PRINT_STYLES)
    assert problems == [], f"{name} printed: " + "; ".join(problems)
    screenshot(page, f"print-{name}")
    data = page.pdf(
        format="A4", margin={"top": "12mm", "bottom": "12mm", "left": "12mm", "right": "12mm"}
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"print-{name}.pdf").write_bytes(data)
    texts = [flat(text) for text in page_texts(data)]
    assert all(texts), f"{name} prints a blank page: {[len(text) for text in texts]} characters"
    return texts


def assert_no_chrome(text: str, what: str, also: tuple[str, ...] = ()) -> None:
    found = [words for words in (*CHROME, *also) if words in text]
    assert found == [], f"{what} prints the site's navigation or buttons: {found}"


def test_the_client_pages_print_their_content_only(demo_agency, new_page, sign_in):
    dana = demo_agency.dana
    name = dana.display_name
    page = new_page(viewport=A4)
    sign_in(page, "alice")
    pages = (
        ("face-sheet", f"/clients/{dana.pk}/", (STRENGTH, GOAL, "Household")),
        ("plan", f"/clients/{dana.pk}/plan/", (GOAL, "Start the medical assistant course")),
        ("ecomap", f"/clients/{dana.pk}/assessments/ecomap/", ("Marisol", "Tuesday meeting")),
        ("take-home", f"/clients/{dana.pk}/plan/take-home/", (GOAL,)),
    )
    for label, path, content in pages:
        page.emulate_media(media="screen")
        page.goto(path)
        title = flat(page.locator("main h1").first.inner_text())
        texts = printed(page, label)
        text = " ".join(texts)
        what = f"the {label} ({path})"
        assert title in text, f"{what}: its title {title!r} does not print"
        assert name in text, f"{what}: the client's name does not print"
        for words in content:
            assert words in text, f"{what}: {words!r} does not print"
        assert_no_chrome(text, what, also=CLIENT_MENU if label in ("plan", "ecomap") else ())


@pytest.mark.parametrize(
    ("name", "path", "title", "content"),
    [
        ("reports", "/reports/", "Reports", "GAS T-scores"),
        ("advocacy", "/reports/advocacy/", "Advocacy report", "What stands in people's way"),
    ],
)
def test_the_reports_print_their_period_and_filters_on_every_page(
    demo_agency, new_page, sign_in, name, path, title, content
):
    program = demo_agency.housing_program
    page = new_page(viewport=A4)
    sign_in(page, "priya")
    page.goto(f"{path}?program={program.pk}&start=2026-01-01")
    page.locator("section.report").first.wait_for()
    scope = [flat(line) for line in page.locator(".report-scope p").all_text_contents()]
    assert any(program.name in line for line in scope), scope
    assert any(line.startswith("Period:") for line in scope), scope
    texts = printed(page, name)
    if name == "reports":  # long enough to need several pages, so the repeat is tested
        assert len(texts) >= 2, "the reports fit one page: nothing shows the scope repeats"
    for number, text in enumerate(texts, start=1):
        for line in scope:
            assert line in text, f"page {number} of the printed {name} lacks {line!r}"
    text = " ".join(texts)
    assert title in text and content in text
    assert_no_chrome(text, f"the printed {name}", also=("Show", "Excel (every table)", "CSV"))
