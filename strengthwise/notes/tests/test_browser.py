"""Notes in a real browser: alice writes a note; the draft autosaves while she types; her
session ends; the page keeps her words and says they were not saved; she signs in again and
the autosaved draft is there; the language helper points out a term (not the client's quoted
words); she signs; the day page and bob's team view pass axe."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session

from strengthwise.core.testing_browser import (
    PHONE,
    assert_page_assets_loaded,
    assert_wcag_clean,
    screenshot,
)
from strengthwise.notes.models import Note
from strengthwise.people.personas import create_personas

pytestmark = pytest.mark.browser


def test_autosave_survives_the_session_ending(new_page, sign_in):
    personas = create_personas()
    dana = personas.dana
    page = new_page()
    sign_in(page, "alice")
    page.goto(f"/clients/{dana.pk}/notes/")
    assert_wcag_clean(page, "notes list (empty)")
    page.get_by_role("button", name="Write a note").click()
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/notes/\d+/$"))
    assert_page_assets_loaded(page, "note draft")
    note_id = int(page.url.rstrip("/").split("/")[-1])

    response = page.get_by_label("Response")
    response.fill('Dana was non-compliant with the form. "I refused a bad lease."')
    page.get_by_text(re.compile(r"Saved at \d")).wait_for()
    page.locator("#findings-response").get_by_text("“non-compliant”", exact=True).wait_for()
    assert "refused" not in page.locator("#findings-response").inner_text().lower()
    assert_wcag_clean(page, "note draft with a language suggestion")
    screenshot(page, "note-draft-language")
    assert Note.objects.get(pk=note_id).sections["response"].startswith("Dana was non-compliant")

    # Marking her words: select them and press the button; they are wrapped in quotes.
    intervention = page.get_by_label("Intervention")
    intervention.fill("Asked what helped. She said it was her sister.")
    intervention.evaluate("el => el.setSelectionRange(35, 45)")
    page.get_by_role(
        "button", name=re.compile("Mark the selected words as theirs.*Intervention")
    ).click()
    assert intervention.input_value() == "Asked what helped. She said it was “her sister”."

    # The session ends (timeout, or signed out elsewhere) while she keeps typing.
    Session.objects.all().delete()
    page.get_by_label("Plan").fill("Viewing on Sunday with Marisol")
    page.get_by_text(re.compile("Not saved: your session has ended")).wait_for()
    assert page.get_by_label("Plan").input_value() == "Viewing on Sunday with Marisol"

    # She signs in again in another tab; what was autosaved is there, and she finishes.
    other = new_page()
    sign_in(other, "alice")
    other.goto(f"/clients/{dana.pk}/notes/{note_id}/")
    assert "Dana was non-compliant" in other.get_by_label("Response").input_value()
    other.get_by_label("Plan").fill("Viewing on Sunday with Marisol")
    other.get_by_label("Goal", exact=True).fill("Move into an apartment")
    other.get_by_role("button", name="Sign the note").click()
    other.get_by_text("Note signed.").wait_for()
    note = Note.objects.get(pk=note_id)
    assert note.status == "signed" and note.sections["plan"] == "Viewing on Sunday with Marisol"
    assert_wcag_clean(other, "signed note")


def test_day_and_team_pages(new_page, sign_in):
    create_personas()
    page = new_page()
    sign_in(page, "alice")
    page.goto("/today/")
    assert "Who needs attention" in page.content()
    assert_wcag_clean(page, "today")
    phone = new_page(viewport=PHONE)
    sign_in(phone, "bob")
    phone.goto("/team/")
    assert "What is working" in phone.content()
    assert_wcag_clean(phone, "team view on a phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1
    screenshot(phone, "team-phone")
