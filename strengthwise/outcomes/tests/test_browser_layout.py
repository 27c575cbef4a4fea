"""Every staff page at a desktop's and a tablet's width (issue 16, item 3): nothing scrolls
sideways at 1280 or 768 pixels, and axe finds nothing at 768 (WCAG 2.1 A/AA); and the pages
people print, printed. Walked with the whole demo agency, as each role that uses the pages."""

from __future__ import annotations

import pytest

from strengthwise.core.testing_browser import (
    DESKTOP,
    assert_no_horizontal_scroll,
    assert_wcag_clean,
    screenshot,
)
from strengthwise.core.tests.test_i18n import STAFF_PAGES

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
PRINTED = (
    "/clients/{dana}/",
    "/clients/{dana}/plan/",
    "/clients/{dana}/assessments/ecomap/",
    "/reports/",
)


def test_every_staff_page_fits_a_tablet_and_a_desktop(demo_agency, new_page, sign_in):
    from strengthwise.questionnaires.models import Questionnaire

    dana = demo_agency.dana
    tenancy = Questionnaire.objects.get(key="tenancy-readiness")
    problems = []
    for username, paths in STAFF_PAGES.items():
        for viewport, label in ((TABLET, "768"), (DESKTOP, "1280")):
            page = new_page(viewport=viewport)
            sign_in(page, username)
            for path in paths:
                url = path.format(dana=dana.pk, tenancy=tenancy.pk)
                response = page.goto(url)
                where = f"{path} as {username} at {label}px"
                if response is None or response.status != 200 or not page.url.endswith(url):
                    problems.append(f"{where}: not shown ({page.url})")
                    continue
                name = (
                    path.strip("/")
                    .replace("/", "-")
                    .replace("?", "-")
                    .format(dana="dana", tenancy="tenancy")
                    or "home"
                )
                try:
                    assert_no_horizontal_scroll(page, where)
                    if label == "768":
                        assert_wcag_clean(page, where)
                except (AssertionError, pytest.fail.Exception) as problem:
                    # axe's report names each rule and element: keep it whole.
                    problems.append(str(problem))
                    screenshot(page, f"layout-{label}-{username}-{name}")
                else:
                    if label == "768":  # for people to look at
                        screenshot(page, f"layout-768-{username}-{name}")
            page.context.close()
    # Printed (A4 width): the face sheet, the plan, the ecomap and the reports print their
    # content without the site's header, navigation or forms, and nothing runs off the page.
    page = new_page(viewport={"width": 794, "height": 1123})
    sign_in(page, "alice")
    page.emulate_media(media="print")
    for path in PRINTED:
        page.goto(path.format(dana=dana.pk))
        where = f"{path} printed"
        if page.locator(".site-header").is_visible():
            problems.append(f"{where}: the site header prints")
        if not page.locator("main h1").first.is_visible():
            problems.append(f"{where}: the page's title does not print")
        try:
            assert_no_horizontal_scroll(page, where)
        except AssertionError as problem:
            problems.append(str(problem).splitlines()[0])
        screenshot(page, "print-" + path.strip("/").replace("/", "-").replace("{dana}", "dana"))
    assert problems == [], "\n".join(problems)
