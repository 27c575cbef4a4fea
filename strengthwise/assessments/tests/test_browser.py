"""The assessment pages in a real browser: the strengths conversation, the ecomap drawn with the
client (htmx, no reload), the face sheet's strengths-first sections, and that each is accessible.

Fixtures (browser, new_page, sign_in) are in the root conftest.py, helpers in
strengthwise/core/testing_browser.py; like the people module, this is skipped without
Chromium unless STRENGTHWISE_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from strengthwise.assessments import demo
from strengthwise.assessments.models import EcomapNode
from strengthwise.core.testing_browser import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    assert_page_assets_loaded,
    assert_wcag_clean,
    expect,
    screenshot,
)
from strengthwise.people.personas import create_personas

pytestmark = pytest.mark.browser

DAILY = "Daily living and home"
HEALTH = "Health and wellbeing"
DANA_SAYS = "A kitchen where Jayden and I can cook together."


def _domain(page: Any, legend: str) -> Any:
    return page.locator("fieldset.domain").filter(
        has=page.locator("legend", has_text=re.compile(f"^{re.escape(legend)}$"))
    )


def _mark_document(page: Any) -> None:
    """Tag the current document; a full page load would lose the tag (see _still_same_document)."""
    page.evaluate("() => { window.__swSameDocument = true; }")


def _still_same_document(page: Any) -> bool:
    return page.evaluate("() => window.__swSameDocument === true")


def test_strengths_conversation_is_saved_as_versions_and_compared(new_page, sign_in):
    personas = create_personas()
    dana = personas.dana
    page = new_page()
    sign_in(page, "alice")

    # From the face sheet, the way a worker gets there.
    page.goto(f"/clients/{dana.pk}/")
    page.get_by_role("link", name="Strengths and assessment").click()
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/assessments/$"))
    tabs = page.get_by_role("navigation", name="Assessment")
    tabs.get_by_role("link", name="Strengths", exact=True).click()
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/assessments/strengths/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Strengths assessment"
    expect(tabs.get_by_role("link", name="Strengths", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    # Strengths-first: in every life domain the person's wishes come before anything else.
    first_columns = page.locator("fieldset.domain:not(.priorities)").evaluate_all(
        "sets => sets.map(s => s.querySelector('.cell label').textContent.trim())"
    )
    assert len(first_columns) == 7
    assert first_columns == ["What I want"] * 7, first_columns
    assert_wcag_clean(page, "the empty strengths assessment")

    daily = _domain(page, DAILY)
    daily.get_by_role("textbox", name="What I want").fill(DANA_SAYS)
    whose = page.get_by_role("combobox", name=f"Whose words — {DAILY}, What I want")
    whose.select_option(label="The worker")  # a slip of the mouse, put right at once
    whose.select_option(label="The client")
    page.get_by_role("checkbox", name=f"Exact words — {DAILY}, What I want").check()
    daily.get_by_role("textbox", name="What has helped, then and now").fill(
        "Keeps every letter in one folder."
    )
    page.get_by_role("textbox", name="Priority 1", exact=True).fill("Move into an apartment")
    page.get_by_role("button", name="Save as a new version").click()

    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/assessments/strengths/$"))
    expect(page.locator(".messages")).to_contain_text("Saved as a new version")
    expect(page.get_by_text("Version 1, saved by Alice Moreno")).to_be_visible()
    # The form reopens on what was saved, whose words and exact quote included.
    daily = _domain(page, DAILY)
    expect(daily.get_by_role("textbox", name="What I want")).to_have_value(DANA_SAYS)
    expect(whose).to_have_value("client")
    expect(page.get_by_role("checkbox", name=f"Exact words — {DAILY}, What I want")).to_be_checked()
    expect(page.get_by_role("textbox", name="Priority 1", exact=True)).to_have_value(
        "Move into an apartment"
    )
    assert_wcag_clean(page, "the strengths assessment after a save")

    # A second conversation, weeks later: one more wish.
    _domain(page, HEALTH).get_by_role("textbox", name="What I want").fill(
        "Sleep through the night."
    )
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Version 2, saved by Alice Moreno")).to_be_visible()

    page.get_by_role("link", name="Versions and changes").click()
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/assessments/strengths/versions/$"))
    table = page.locator("table.compare")
    expect(table.locator("caption")).to_contain_text("Version 1 beside version 2")
    changed = table.locator("tbody tr.changed")
    expect(changed).to_have_count(1)
    expect(changed.get_by_role("rowheader")).to_contain_text(f"{HEALTH} · What I want")
    expect(changed.get_by_role("rowheader")).to_contain_text("changed")
    expect(changed.locator("td").nth(1)).to_contain_text("Sleep through the night.")
    unchanged = table.locator("tbody tr").filter(has_text=f"{DAILY} · What I want")
    expect(unchanged).not_to_have_class(re.compile(r"\bchanged\b"))
    # The exact quote stays marked as the client's words.
    expect(unchanged.locator("td").first).to_contain_text(f"“{DANA_SAYS}”")
    expect(unchanged.locator("td").first).to_contain_text("in their words")
    expect(page.locator("h2:text-is('All versions') + ul > li")).to_have_count(2)
    assert_wcag_clean(page, "the strengths versions comparison")

    # On a phone the form stacks and does not scroll sideways.
    page.set_viewport_size(PHONE)
    page.goto(f"/clients/{dana.pk}/assessments/strengths/")
    assert_no_horizontal_scroll(page, "the strengths assessment (phone)")
    screenshot(page, "strengths-form-phone")


def _add(
    page: Any, label: str, kind: str, level: str, strength: str, quality: str, flow: str
) -> None:
    form = page.locator("form").filter(has=page.get_by_role("button", name="Add to the ecomap"))
    form.get_by_label("Who or what").fill(label)
    form.get_by_label("Kind").select_option(label=kind)
    form.get_by_label("Level").select_option(level)
    form.get_by_label("Tie").select_option(strength)
    form.get_by_label("Quality").select_option(quality)
    form.get_by_label("Flow of energy").select_option(flow)
    with page.expect_response(lambda r: r.request.method == "POST" and "/ecomap/" in r.url):
        form.get_by_role("button", name="Add to the ecomap").click()


def _ties(page: Any) -> dict[str, dict[str, str]]:
    """What the drawing says about each tie, read from the SVG in the page."""
    return page.locator("figure.ecomap svg g.tie").evaluate_all(
        """gs => Object.fromEntries(gs.map(g => [g.dataset.node, {
            strength: g.dataset.strength, quality: g.dataset.quality, flow: g.dataset.flow,
        }]))"""
    )


def test_ecomap_is_drawn_with_the_client_without_reloading_the_page(new_page, sign_in):
    personas = create_personas()
    dana = personas.dana
    page = new_page()
    sign_in(page, "alice")
    page.goto(f"/clients/{dana.pk}/assessments/ecomap/")
    expect(page.locator("figure.ecomap")).to_contain_text("Nothing drawn yet")
    assert_wcag_clean(page, "the empty ecomap")
    _mark_document(page)

    people = [
        ("Marisol (sister)", "Family", "meso", "strong", "positive", "both"),
        ("Grocery store job", "Work", "meso", "tenuous", "neutral", "from_client"),
        ("Housing voucher office", "Services", "macro", "moderate", "stressful", "to_client"),
    ]
    for count, person in enumerate(people, start=1):
        _add(page, *person)
        expect(page.locator("figure.ecomap svg g.tie")).to_have_count(count)
        # The add form is fresh again, ready for the next one.
        expect(page.get_by_label("Who or what")).to_have_value("")
    assert _still_same_document(page), "adding to the ecomap should not reload the page"

    ids = {
        node.label: str(node.pk) for node in EcomapNode.objects.filter(client=dana).order_by("pk")
    }
    assert list(ids) == [p[0] for p in people]
    assert _ties(page) == {
        ids[label]: {"strength": strength, "quality": quality, "flow": flow}
        for label, _kind, _level, strength, quality, flow in people
    }
    voucher_node = f'figure.ecomap svg g.node[data-node="{ids["Housing voucher office"]}"]'
    expect(page.locator(voucher_node)).to_have_attribute("data-level", "macro")
    expect(page.locator(voucher_node)).to_have_attribute("data-kind", "services")
    expect(page.locator("figure.ecomap svg title").first).to_contain_text("Dana")

    # The tie to the job grows stronger: the select alone saves it (hx-trigger="change").
    job = ids["Grocery store job"]
    with page.expect_response(lambda r: f"/ecomap/nodes/{job}/" in r.url and r.status == 200):
        page.get_by_role("combobox", name="Tie — Grocery store job").select_option("strong")
    expect(page.locator(f'figure.ecomap svg g.tie[data-node="{job}"]')).to_have_attribute(
        "data-strength", "strong"
    )
    expect(page.get_by_role("combobox", name="Tie — Grocery store job")).to_have_value("strong")
    assert _ties(page)[ids["Marisol (sister)"]]["strength"] == "strong"
    assert _ties(page)[ids["Housing voucher office"]]["strength"] == "moderate"
    assert _still_same_document(page), "changing a tie should not reload the page"
    assert EcomapNode.objects.get(pk=job).strength == "strong"

    assert_wcag_clean(page, "the ecomap with three ties")
    screenshot(page, "ecomap-desktop")
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page, "the ecomap (phone)")
    screenshot(page, "ecomap-phone")
    page.set_viewport_size(DESKTOP)

    # A dated copy, then today beside it.
    page.get_by_role("button", name="Keep a dated copy").click()
    expect(page.locator(".messages")).to_contain_text("A dated copy of the ecomap was kept")
    page.get_by_role("link", name="Compare over time").click()
    page.wait_for_url(re.compile(rf"/clients/{dana.pk}/assessments/ecomap/compare/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Ecomap over time"
    drawings = page.locator(".side-by-side figure.ecomap")
    expect(drawings).to_have_count(2)
    expect(drawings.locator("svg")).to_have_count(2)
    expect(drawings.nth(1).locator("figcaption")).to_have_text("Today")
    for side in range(2):
        expect(drawings.nth(side).locator("svg g.tie")).to_have_count(3)
    boxes = [drawings.nth(side).bounding_box() for side in range(2)]
    assert boxes[0] and boxes[1]
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"] + 1, "side by side on a desktop"
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2
    assert_wcag_clean(page, "the ecomap comparison")


def test_ecomap_entry_the_server_refuses_shows_its_error_next_to_the_field(new_page, sign_in):
    """Blanks pass the browser's own "required" check; the server refuses them (400) and htmx,
    which swaps only 2xx answers unless told otherwise, used to show nothing at all."""
    personas = create_personas()
    dana = personas.dana
    page = new_page()
    sign_in(page, "alice")
    page.goto(f"/clients/{dana.pk}/assessments/ecomap/")
    _mark_document(page)
    form = page.locator("form.ecomap-add")
    form.get_by_label("Who or what").fill("   ")  # spaces: the browser lets them through
    form.get_by_label("Kind").select_option(label="Family")
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/ecomap/" in r.url
    ) as answer:
        form.get_by_role("button", name="Add to the ecomap").click()
    assert answer.value.status == 400

    field = page.locator("form.ecomap-add .field.has-error")
    expect(field).to_have_count(1)
    expect(field.locator("p.error")).to_contain_text("This field is required.")
    label_input = page.get_by_label("Who or what")
    expect(label_input).to_have_attribute("aria-invalid", "true")
    expect(label_input).to_be_focused()  # straight to what needs putting right
    # The error is tied to the field (read out with it), and listed in the summary.
    described = label_input.get_attribute("aria-describedby") or ""
    error_id = field.locator("p.error").get_attribute("id")
    assert error_id and error_id in described.split(), (error_id, described)
    help_id = field.locator("p.help").get_attribute("id")  # "Up to 60 characters…"
    assert help_id and help_id in described.split(), (help_id, described)
    expect(page.locator("#ecomap-editor .error-summary")).to_contain_text("Who or what")
    expect(page.locator("figure.ecomap")).to_contain_text("Nothing drawn yet")
    assert _still_same_document(page), "a refusal should not reload the page"
    assert not EcomapNode.objects.filter(client=dana).exists()
    assert_wcag_clean(page, "the ecomap with a refused entry")

    # Put right, it is added and the error goes.
    label_input.fill("Marisol (sister)")
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 200):
        form.get_by_role("button", name="Add to the ecomap").click()
    expect(page.locator("figure.ecomap svg g.tie")).to_have_count(1)
    expect(page.locator("form.ecomap-add .has-error")).to_have_count(0)
    assert EcomapNode.objects.filter(client=dana).count() == 1


def test_whose_words_show_for_words_written_and_matrix_notes_when_asked(new_page, sign_in):
    """Fewer Tab stops for what is left empty: a strengths box's "whose words" and "exact
    words" show once something is written in it; the matrix's note fields when asked for."""
    personas = create_personas()
    dana = personas.dana
    page = new_page()
    sign_in(page, "alice")
    page.goto(f"/clients/{dana.pk}/assessments/strengths/")
    daily = _domain(page, DAILY)
    whose = page.get_by_role("combobox", name=f"Whose words — {DAILY}, What I want")
    exact = page.get_by_role("checkbox", name=f"Exact words — {DAILY}, What I want")
    expect(whose).to_be_hidden()
    daily.get_by_role("textbox", name="What I want").fill(DANA_SAYS)
    expect(whose).to_be_visible()
    expect(whose).to_have_value("client")
    expect(exact).to_be_checked()  # what they want is written as they say it
    now = daily.get_by_role("textbox", name="What is going on now")
    expect(now).to_have_attribute("aria-describedby", re.compile(r"_helptext\b"))
    now.fill("Staying with her sister.")
    expect(
        page.get_by_role("checkbox", name=f"Exact words — {DAILY}, What is going on now")
    ).not_to_be_checked()  # written together: not a quotation unless ticked
    expect(page.get_by_role("combobox", name=f"Whose words — {HEALTH}, What I want")).to_be_hidden()
    assert_wcag_clean(page, "the strengths assessment being written")
    daily.get_by_role("textbox", name="What I want").fill("")
    expect(whose).to_be_hidden()

    page.goto(f"/clients/{dana.pk}/assessments/matrix/new/")
    notes = page.locator(".ssm-note")
    toggle = page.get_by_role("checkbox", name="Write a note for each domain")
    expect(notes.first).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Space")
    expect(notes.first).to_be_visible()
    expect(notes.nth(1)).to_be_visible()
    notes.first.locator("input").fill("Staying with her sister")
    assert_wcag_clean(page, "the matrix form with its notes")
    toggle.focus()  # unticked again: a note with words in it stays in view
    page.keyboard.press("Space")
    expect(notes.first).to_be_visible()
    expect(notes.nth(1)).to_be_hidden()


def test_face_sheet_puts_strengths_and_dreams_first_and_keeps_macro_context_apart(
    new_page, sign_in
):
    personas = create_personas()
    demo.load()
    dana = personas.dana
    page = new_page()
    sign_in(page, "alice")

    page.goto(f"/clients/{dana.pk}/")
    dreams = page.get_by_role("region", name="Dreams, in their words")
    expect(dreams.locator("blockquote.client-words")).to_contain_text(
        "A place with a door that locks"
    )
    expect(page.get_by_role("region", name="Strengths", exact=True)).to_contain_text("A painter")
    voucher = "Landlords who turn away applicants with housing vouchers"
    father = "Tense relationship with Jayden's father"
    context = page.get_by_role("region", name="Context: relationships and the wider world")
    expect(context).to_contain_text(voucher)  # macro: the wider world
    expect(context).to_contain_text(father)  # meso: a relationship
    needs = page.get_by_role("region", name="Needs: what they want help with")
    expect(needs).to_contain_text("No car")  # the client's own barrier is a need …
    expect(needs).not_to_contain_text(voucher)  # … the landlords' practice is not
    expect(needs).not_to_contain_text(father)  # … nor a relationship
    order = page.locator(".face-grid > section h2").all_inner_texts()
    assert order[:2] == ["Strengths", "Dreams, in their words"], order
    assert_wcag_clean(page, "Dana's face sheet with her assessments")

    for path, heading, what in [
        ("motivation/", "Dreams and motivation", "the motivation page"),
        ("matrix/", "Self-Sufficiency Matrix", "the Self-Sufficiency Matrix"),
        ("matrix/new/", "Self-Sufficiency Matrix", "the new matrix form"),
        ("screening/", "Social-needs screening", "the social-needs screening"),
    ]:
        response = page.goto(f"/clients/{dana.pk}/assessments/{path}")
        assert response is not None and response.status == 200, path
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert_wcag_clean(page, what)


def test_larger_text_button_toggles_and_is_remembered(new_page, sign_in):
    personas = create_personas()
    page = new_page()
    sign_in(page, "alice")
    page.goto(f"/clients/{personas.dana.pk}/assessments/strengths/")
    assert_page_assets_loaded(page, "the strengths assessment")
    button = page.get_by_role("button", name="Larger text")
    body = page.locator("body")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(body).not_to_have_class(re.compile(r"\blarge-text\b"))

    def size() -> float:
        return page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")

    normal = size()

    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(body).to_have_class(re.compile(r"\blarge-text\b"))
    assert size() > normal

    page.reload()  # remembered on this device
    expect(page.get_by_role("button", name="Larger text")).to_have_attribute("aria-pressed", "true")
    expect(body).to_have_class(re.compile(r"\blarge-text\b"))
    assert_wcag_clean(page, "the strengths assessment in larger text")

    page.get_by_role("button", name="Larger text").click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(body).not_to_have_class(re.compile(r"\blarge-text\b"))
    assert size() == normal
