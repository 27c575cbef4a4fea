"""The Spanish screening, matrix and take-home plan in a real browser: in Spanish, accessible,
no sideways scroll on a phone (screenshots in test-artifacts/ for people to look at)."""

from __future__ import annotations

import pytest

from strengthwise.assessments import demo
from strengthwise.core.testing_browser import (
    PHONE,
    assert_no_horizontal_scroll,
    assert_wcag_clean,
    screenshot,
)
from strengthwise.people.personas import create_personas
from strengthwise.plans import demo as plans_demo

pytestmark = pytest.mark.browser


def test_spanish_screening_matrix_and_take_home(new_page, sign_in, live_server):
    personas = create_personas()
    demo.load()
    plans_demo.load()
    personas.dana.preferred_language = "es"
    personas.dana.save(update_fields=["preferred_language"])
    page = new_page(PHONE)
    sign_in(page, "alice")
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    base = f"/clients/{personas.dana.pk}"

    page.goto(f"{base}/assessments/screening/")
    page.get_by_text("Ofrecer la evaluación").click()  # the questions, folded under the result
    body = page.locator("main").inner_text()
    assert "¿Cuál es su situación de vivienda hoy?" in body
    assert "no es la versión oficial en español" in body
    assert "What is your living situation" not in body
    assert_wcag_clean(page, "Spanish screening")
    assert_no_horizontal_scroll(page, "Spanish screening")
    screenshot(page, "spanish-screening")

    page.goto(f"{base}/assessments/matrix/")
    body = page.locator("main").inner_text()
    assert "Vivienda" in body and "Housing" not in body
    assert page.locator("main svg").first.inner_html().count("Desarrollando capacidades") >= 1
    assert_wcag_clean(page, "Spanish matrix")
    screenshot(page, "spanish-matrix")

    page.goto(f"{base}/assessments/matrix/new/")
    assert "Sin vivienda o ante un desalojo" in page.locator("main").inner_text()
    screenshot(page, "spanish-matrix-form")

    page.goto(f"{base}/plan/take-home/")
    body = page.locator("main").inner_text()
    assert "Mis fortalezas" in body and "your worker" not in body
    assert "escrito por la persona encargada de su caso" in body
    assert_wcag_clean(page, "Spanish take-home plan")
    screenshot(page, "spanish-take-home")
