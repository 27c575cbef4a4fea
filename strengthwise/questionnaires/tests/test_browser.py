"""The questionnaire editor and the fill-in form in a real browser: the admin builds, previews in
both languages (360 px and 1280 px) and publishes; alice fills it in for Dana, a follow-up
question appearing only when the answer it depends on says so; WCAG 2.1 A/AA clean."""

from __future__ import annotations

import re

import pytest

from strengthwise.core.testing_browser import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    assert_wcag_clean,
    expect,
    screenshot,
)
from strengthwise.people.personas import create_personas
from strengthwise.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.browser


def _add_question(page, **fields) -> None:
    page.get_by_role("link", name="Add a question", exact=True).click()
    page.wait_for_url(re.compile(r"/items/new/$"))
    page.get_by_label("Link id").fill(fields["link_id"])
    page.get_by_label("Kind of answer").select_option(fields["type"])
    page.get_by_label("Question (English)").fill(fields["en"])
    page.get_by_label("Question (Spanish)").fill(fields["es"])
    if "options" in fields:
        page.get_by_label("Answers to choose from").fill(fields["options"])
    if "conditions" in fields:
        page.get_by_label("Ask only when").fill(fields["conditions"])
    if fields.get("required"):
        page.get_by_label("An answer is required").check()
    page.get_by_role("button", name="Save in the draft").click()
    page.wait_for_url(re.compile(r"/questionnaires/\d+/$"))


def test_an_admin_builds_and_publishes_and_alice_fills_it_in_for_dana(new_page, sign_in):
    personas = create_personas()
    dana = personas.dana
    page = new_page(DESKTOP)
    sign_in(page, "admin")
    page.get_by_role("link", name="Questionnaires").click()
    page.get_by_role("link", name="New questionnaire").click()
    page.get_by_label("Short name").fill("military")
    page.get_by_label("Used for").select_option("intake")
    page.get_by_label("Program").select_option(label="Housing Stability")
    page.get_by_label("Title (English)").fill("Service history")
    page.get_by_label("Title (Spanish)").fill("Servicio militar")
    page.get_by_role("button", name="Create, then add questions").click()
    page.wait_for_url(re.compile(r"/questionnaires/\d+/$"))
    assert_wcag_clean(page, "an empty draft")
    _add_question(
        page,
        link_id="served",
        type="choice",
        en="Have you ever served in the military?",
        es="¿Ha servido alguna vez en el ejército?",
        options="yes | Yes | Sí\nno | No | No",
        required=True,
    )
    _add_question(
        page,
        link_id="branch",
        type="string",
        en="Which branch?",
        es="",  # forgotten: publishing names it
        conditions="served = yes",
    )
    assert page.get_by_role("button", name="Publish a new version").count() == 0
    expect(page.locator(".q-todo")).to_contain_text("Question branch has no Spanish text.")
    assert_wcag_clean(page, "a draft with a missing translation")
    page.get_by_role("link", name="Edit branch").click()
    page.get_by_label("Question (Spanish)").fill("¿En qué rama?")
    page.get_by_role("button", name="Save in the draft").click()
    page.wait_for_url(re.compile(r"/questionnaires/\d+/$"))

    # Preview in Spanish on a phone: the follow-up appears only after "Sí".
    preview = new_page(PHONE)
    sign_in(preview, "admin")
    preview.goto(page.url + "preview/?lang=es")
    expect(preview.get_by_text("¿Ha servido alguna vez en el ejército?")).to_be_visible()
    expect(preview.get_by_text("¿En qué rama?")).to_be_hidden()
    preview.get_by_label("Sí").check()
    expect(preview.get_by_text("¿En qué rama?")).to_be_visible()
    assert_no_horizontal_scroll(preview, "the Spanish preview at 360 px")
    assert_wcag_clean(preview, "the Spanish preview at 360 px")
    screenshot(preview, "questionnaire-preview-es-360")

    page.get_by_role("button", name="Publish a new version").click()
    expect(page.get_by_text("Version 1 published.")).to_be_visible()
    screenshot(page, "questionnaire-editor-1280")

    # alice fills it in with Dana (in the Housing Stability program).
    worker = new_page(PHONE)
    sign_in(worker, "alice")
    worker.goto(f"/clients/{dana.pk}/questionnaires/")
    assert_wcag_clean(worker, "Dana's questionnaires, none answered")
    worker.get_by_role("link", name="Answer the questions").click()
    branch = worker.get_by_label("Which branch?")
    expect(branch).to_be_hidden()
    worker.get_by_label("Yes").check()
    expect(branch).to_be_visible()
    branch.fill("Army reserve")
    # Changing the answer hides the follow-up again, and nothing is sent for it.
    worker.get_by_label("No").check()
    expect(branch).to_be_hidden()
    assert_no_horizontal_scroll(worker, "the fill-in form at 360 px")
    assert_wcag_clean(worker, "the fill-in form at 360 px")
    worker.get_by_role("button", name="Save the answers").click()
    expect(worker.get_by_text("Answers saved.")).to_be_visible()
    response = QuestionnaireResponse.objects.get(client=dana)
    assert [i["linkId"] for i in response.items] == ["served"]
    expect(worker.locator(".q-answers")).to_contain_text("Have you ever served in the military?")
    assert_wcag_clean(worker, "Dana's answers")
    worker.goto(f"/clients/{dana.pk}/")
    expect(worker.get_by_role("heading", name="More about the client")).to_be_visible()
    screenshot(worker, "questionnaire-face-sheet-360")
