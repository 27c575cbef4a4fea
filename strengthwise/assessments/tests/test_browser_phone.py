"""A home visit on a phone (issue 16, item 7): at 360 × 740 the site's header and the client's
menu fold away, so the client's name, the next action and the note editor are on the first
screen, and the ecomap's labels stay readable (the drawing keeps its size and scrolls sideways).
Wider screens keep the navigation bar and the row of tabs as they were."""

from __future__ import annotations

import re

import pytest

from strengthwise.core.testing_browser import (
    DESKTOP,
    assert_no_horizontal_scroll,
    assert_wcag_clean,
    expect,
    screenshot,
)

pytestmark = pytest.mark.browser

PHONE_360 = {"width": 360, "height": 740}
FIRST_SCREEN = PHONE_360["height"]

# Where an element ends, in pixels from the top of the page.
BOTTOM = "(selector) => { const e = document.querySelector(selector); return e ? e.getBoundingClientRect().bottom + window.scrollY : null; }"
# Every text of the ecomap as it is drawn on screen: its font size times the drawing's scale.
ECOMAP_TEXT_PX = """() => {
  const svg = document.querySelector('figure.ecomap svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(t => [t.textContent.trim(), parseFloat(getComputedStyle(t).fontSize) * scale]);
}"""


def chrome_bottom(page) -> float:
    """Where the site's header and the client's menu (when the page has one) end."""
    header = page.evaluate(BOTTOM, ".site-header")
    client = page.evaluate(BOTTOM, ".client-head")
    return max(header, client or 0)


def test_a_home_visit_on_a_phone(demo_agency, new_page, sign_in):
    dana = demo_agency.dana
    page = new_page(viewport=PHONE_360)
    sign_in(page, "alice")

    # The face sheet: the name and the primary action on the first screen, under a compact header.
    page.goto(f"/clients/{dana.pk}/")
    what = "Dana's face sheet at 360 px"
    assert_no_horizontal_scroll(page, what)
    assert chrome_bottom(page) < FIRST_SCREEN / 3, (
        f"{what}: the header takes {chrome_bottom(page)}px"
    )
    assert page.evaluate(BOTTOM, "main h1") <= FIRST_SCREEN
    expect(page.locator("main h1")).to_contain_text(dana.display_name)
    primary = page.locator(".face-head .button.primary")
    expect(primary).to_be_visible()
    assert page.evaluate(BOTTOM, ".face-head .button.primary") <= FIRST_SCREEN
    # The strengths start on the first screen too (the further actions are folded).
    assert page.evaluate(BOTTOM, "#h-strengths") <= FIRST_SCREEN
    more = page.locator(".more-actions > summary")
    expect(page.get_by_role("link", name="Edit record")).to_be_hidden()
    more.click()
    expect(page.get_by_role("link", name="Edit record")).to_be_visible()
    # The site's menu is folded, and opens.
    caseload = page.get_by_role("navigation", name="Main").get_by_role("link", name="Caseload")
    expect(caseload).to_be_hidden()
    page.locator(".site-menu > summary").click()
    expect(caseload).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_no_horizontal_scroll(page, f"{what}, menus open")
    assert_wcag_clean(page, f"{what}, menus open")
    screenshot(page, "phone-360-face-sheet")

    # The note editor: the client's name, then the note; the client's menu folded.
    page.goto(f"/clients/{dana.pk}/notes/")
    page.get_by_role("button", name="Write a note").click()
    page.wait_for_url(re.compile(r"/notes/\d+/$"))
    what = "a note draft at 360 px"
    assert_no_horizontal_scroll(page, what)
    assert chrome_bottom(page) < FIRST_SCREEN / 3, (
        f"{what}: the header takes {chrome_bottom(page)}px"
    )
    expect(page.locator(".client-name")).to_contain_text(dana.display_name)
    assert page.evaluate(BOTTOM, "#note-form .field") <= FIRST_SCREEN, "the note form starts below"
    plan_tab = page.locator(".client-tabs").get_by_role("link", name="Plan")
    expect(plan_tab).to_be_hidden()
    page.locator(".client-menu > summary").click()
    expect(plan_tab).to_be_visible()
    assert_wcag_clean(page, f"{what}, client menu open")
    screenshot(page, "phone-360-note-draft")

    # The ecomap: every label at 11 px or more; the drawing scrolls, the page does not.
    page.goto(f"/clients/{dana.pk}/assessments/ecomap/")
    what = "Dana's ecomap at 360 px"
    assert_no_horizontal_scroll(page, what)
    sizes = page.evaluate(ECOMAP_TEXT_PX)
    assert any("Marisol" in text for text, _ in sizes)
    small = [(text, round(px, 1)) for text, px in sizes if px < 11]
    assert small == [], f"{what}: text smaller than 11 px: {small}"
    assert_wcag_clean(page, what)
    screenshot(page, "phone-360-ecomap")


def test_wider_screens_keep_the_bar_and_the_tabs(demo_agency, new_page, sign_in):
    dana = demo_agency.dana
    for viewport in ({"width": 768, "height": 1024}, DESKTOP):
        page = new_page(viewport=viewport)
        sign_in(page, "alice")
        page.goto(f"/clients/{dana.pk}/assessments/ecomap/")
        where = f"the ecomap at {viewport['width']} px"
        for summary in (".site-menu > summary", ".client-menu > summary"):
            expect(page.locator(summary), where).to_be_hidden()
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Caseload"), where).to_be_visible()
        expect(page.get_by_role("button", name="Sign out"), where).to_be_visible()
        expect(page.locator(".client-tabs").get_by_role("link", name="Plan"), where).to_be_visible()
        # The drawing fits its column, as before.
        fits = page.evaluate(
            "() => { const f = document.querySelector('figure.ecomap'); return f.scrollWidth <= f.clientWidth; }"
        )
        assert fits, f"{where}: the drawing overflows its column"
        page.goto(f"/clients/{dana.pk}/")
        expect(page.get_by_role("link", name="Edit record"), where).to_be_visible()
        expect(page.locator(".more-actions > summary"), where).to_be_hidden()
        page.context.close()
