"""Intake to plan, the whole story, with the keyboard only (issue 16, items 1 and 2).

alice signs in, searches for a new client with a typo, sees a possible duplicate, takes the
client in, does the strengths assessment starting from what the client wants, asks the three
engagement questions, scores the Self-Sufficiency Matrix, draws the ecomap, weighs options
with the client, writes two goals in the client's words with steps and GAS levels, records the
client's agreement, signs and so sends the plan for approval, and prints the take-home plan in
the client's language (Spanish).

No mouse: every move is Tab (Shift+Tab when the target is behind), Enter, Space, an arrow
key or typed text, counted; the focus must be visible wherever it lands. axe runs on every
page reached with every WCAG 2.1 A and AA rule (not only the serious ones), and each page is
screenshot for the user guide (test-artifacts/journey-intake-*.png).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import pytest
from pypdf import PdfReader

from strengthwise.accounts.testing import recovery_code_for
from strengthwise.core.testing_browser import ARTIFACTS, assert_wcag_clean, screenshot
from strengthwise.people.models import Client
from strengthwise.people.personas import DEMO_PASSWORD, create_personas
from strengthwise.plans.models import Plan

pytestmark = pytest.mark.browser

# Set on every page the context opens: counts real mouse presses (the test must make none).
MOUSE_WATCH = """
addEventListener("mousedown", () => {
  const n = Number(sessionStorage.getItem("sw-mouse") || "0");
  sessionStorage.setItem("sw-mouse", String(n + 1));
}, true);
"""

# Is the element behind the focus (Shift+Tab reaches it sooner)?
BEHIND = """(el) => {
  const a = document.activeElement;
  if (!a || a === document.body) return false;
  return Boolean(a.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING);
}"""

# At the top of a new page (the focus on nothing yet, and the page not opened at one of its
# parts), is the element inside the page's main part? A keyboard user then takes the skip link
# (WCAG 2.4.1) instead of tabbing through the site's and the client's menus.
PAST_THE_MENUS = """(el) => {
  const main = document.getElementById("main");
  const a = document.activeElement;
  return Boolean(main && main.contains(el) && (!a || a === document.body) && !location.hash);
}"""

FOCUS_SEEN = """(el) => {
  const s = getComputedStyle(el);
  return (s.outlineStyle !== "none" && s.outlineWidth !== "0px") || s.boxShadow !== "none";
}"""


class Keyboard:
    """alice's hands on the keyboard: keys pressed and characters typed, counted; axe (WCAG
    2.1 A/AA, every impact) and a screenshot on every page she reaches."""

    def __init__(self, page: Any, story: str):
        self.page, self.story = page, story
        self.presses: Counter[str] = Counter()
        self.typed = 0
        self.pages: list[str] = []
        self.stages: list[tuple[str, int, int]] = []  # (stage, keys, characters) at its end

    def stage(self, name: str) -> None:
        """The end of a part of the story: the counts so far are kept under its name."""
        self.stages.append((name, self.keys, self.typed))

    @property
    def keys(self) -> int:
        return sum(self.presses.values())

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.presses[key] += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.typed += len(text)

    def to(self, locator: Any, limit: int = 200) -> None:
        """Tab (or Shift+Tab, when it is behind) until `locator` has the focus, which must be
        visible; fails if the key never gets there."""
        locator.wait_for()
        target = locator.element_handle()
        if self.page.evaluate("(el) => document.activeElement === el", target):
            return  # the page put the focus there already
        if self.page.evaluate(PAST_THE_MENUS, target):
            self.press("Tab")
            assert self.page.evaluate(
                "() => document.activeElement.classList.contains('skip-link')"
            ), "the first Tab of a page does not reach the skip link"
            assert self.page.evaluate(
                FOCUS_SEEN, self.page.evaluate_handle("document.activeElement")
            )
            self.press("Enter")
            assert self.page.evaluate("() => document.activeElement.id === 'main'"), (
                "the skip link does not move the focus to the page's main part"
            )
            if self.page.evaluate("(el) => document.activeElement === el", target):
                return
        key = "Shift+Tab" if self.page.evaluate(BEHIND, target) else "Tab"
        for _ in range(limit):
            self.press(key)
            if self.page.evaluate("(el) => document.activeElement === el", target):
                assert self.page.evaluate(FOCUS_SEEN, target), (
                    f"the focus on {locator} cannot be seen"
                )
                return
        raise AssertionError(f"{locator} cannot be reached with the {key} key")

    def enter(self, locator: Any) -> None:
        self.to(locator)
        self.press("Enter")

    def write(self, locator: Any, text: str) -> None:
        self.to(locator)
        self.type(text)

    def choose(self, locator: Any, typed: str, value: str) -> None:
        """A select: focus it and type the start of the option's label."""
        self.to(locator)
        self.type(typed)
        assert locator.input_value() == value, f"typing {typed!r} chose {locator.input_value()!r}"

    def look(self, what: str) -> None:
        assert_wcag_clean(self.page, f"{self.story}: {what}")
        screenshot(self.page, f"journey-{self.story}-{what.replace(' ', '-')}")
        self.pages.append(what)

    def summary(self) -> str:
        keys = ", ".join(f"{k} {n}" for k, n in self.presses.most_common())
        lines = [
            f"{self.story}: {self.keys} keys pressed ({keys}) and {self.typed} characters "
            f"typed over {len(self.pages)} pages, no mouse"
        ]
        before = (0, 0)
        for name, keys_then, typed_then in self.stages:
            lines.append(
                f"  {name}: {keys_then - before[0]} keys, {typed_then - before[1]} characters"
            )
            before = (keys_then, typed_then)
        return "\n".join(lines)


def test_intake_to_plan_with_the_keyboard_only(new_page):
    personas = create_personas()
    rosa = personas.rosa  # on record already: Rosa Hernández, born 8 February 1974
    page = new_page()
    page.context.add_init_script(MOUSE_WATCH)
    alice = Keyboard(page, "intake")
    try:
        _the_story(page, alice, personas, rosa)
    except BaseException:
        screenshot(page, "journey-intake-FAILED")
        raise
    finally:
        print(alice.summary())
    assert page.evaluate("() => sessionStorage.getItem('sw-mouse')") is None, "the mouse was used"
    (ARTIFACTS / "journey-intake-counts.txt").write_text(alice.summary() + "\n")
    # The counts as measured (docs/guide/worker-intake.md); more means a step got longer.
    assert alice.keys <= 610, alice.summary()


def _the_story(page: Any, alice: Keyboard, personas: Any, rosa: Client) -> None:
    # Signing in: name, password, then a recovery code as the second factor.
    code = recovery_code_for("alice")
    page.goto("/accounts/sign-in/")
    alice.look("sign in")
    alice.write(page.locator("#id_username"), "alice")
    alice.write(page.locator("#id_password"), DEMO_PASSWORD)
    alice.press("Enter")
    page.wait_for_url(re.compile(r"/accounts/two-factor/"))
    alice.look("second factor")
    alice.write(page.locator("#id_code"), code)
    alice.press("Enter")
    page.wait_for_url(re.compile(r"/clients/$"))
    alice.look("caseload")
    alice.stage("sign in")

    # Is she known here already? A search, with a spelling mistake.
    alice.enter(page.get_by_role("navigation", name="Main").get_by_role("link", name="Search"))
    page.wait_for_url(re.compile(r"/clients/search/"))
    alice.write(page.get_by_label(re.compile("^Name, date of birth")), "rosa hernandes")
    alice.press("Enter")
    results = page.locator("#results")
    results.get_by_role("link", name=re.compile("Rosa Hernández")).wait_for()
    alice.look("search")
    # Born in 1974 like her, but on another day: this Rosa is someone else. New client.
    alice.enter(results.get_by_role("link", name="Take in a new client"))
    page.wait_for_url(re.compile(r"/clients/new/"))
    alice.look("new client")
    alice.write(page.get_by_label(re.compile("^Legal first name")), "Rosa")
    alice.write(page.get_by_label(re.compile("^Legal last name")), "Hernández")
    alice.to(page.get_by_label(re.compile("^Date of birth")))
    alice.type("02261974")  # month, day, year as the date field takes them
    alice.choose(page.get_by_label(re.compile("^Preferred language")), "Sp", "es")
    alice.enter(page.get_by_role("button", name="Save and open the face sheet"))
    duplicates = page.locator(".duplicates")
    duplicates.wait_for()
    assert "possibly the same person" in duplicates.inner_text()
    assert page.evaluate("() => document.activeElement.classList.contains('duplicates')")
    alice.look("possible duplicate")
    alice.enter(duplicates.get_by_role("button", name="This is a different person — save"))
    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    client = Client.objects.exclude(pk=rosa.pk).get(legal_last_name="Hernández")
    assert client.preferred_language == "es"
    alice.look("face sheet new")
    alice.stage("search and intake")

    # The strengths assessment, starting from what she wants.
    alice.enter(page.get_by_role("link", name="Strengths and assessment"))
    page.wait_for_url(re.compile(rf"/clients/{client.pk}/assessments/$"))
    alice.look("assessment overview")
    alice.enter(page.get_by_role("main").get_by_role("link", name="Strengths assessment"))
    page.wait_for_url(re.compile(r"/assessments/strengths/$"))
    alice.look("strengths empty")
    form = page.locator("form.conversation")
    first = form.locator("textarea").first
    assert (
        page.evaluate("(el) => el.labels[0].textContent.trim()", first.element_handle())
        == "What I want"
    ), "the assessment starts from what they want"
    # Whose words and whether they are exact show once something is written (an empty box is
    # one Tab stop); what she wants is hers, in her exact words, unless alice says otherwise.
    whose = form.get_by_label(re.compile("^Whose words — Daily living and home, What I want"))
    exact = form.get_by_label(re.compile("^Exact words — Daily living and home, What I want"))
    assert not whose.is_visible()
    alice.write(first, "Un lugar tranquilo para mis hijos, cerca de su escuela")
    assert whose.is_visible() and whose.input_value() == "client"
    assert exact.is_checked()
    assert not form.get_by_label(re.compile("^Whose words — Money and benefits")).first.is_visible()
    alice.write(
        form.get_by_label("What is going on now", exact=True).first,
        "Staying with her cousin; the lease ends in March",
    )
    alice.write(
        form.get_by_label("What has helped, then and now", exact=True).first,
        "Kept every rent receipt; her cousin Lupe; the parish food pantry",
    )
    alice.write(form.get_by_label("What I want", exact=True).nth(2), "Terminar el GED")
    alice.write(form.get_by_label("Priority 1", exact=True), "Una casa")
    alice.enter(form.get_by_role("button", name="Save as a new version"))
    page.get_by_text(re.compile(r"Version 1, saved")).first.wait_for()
    assert exact.is_checked(), "her words were saved as exact"
    alice.look("strengths saved")
    alice.stage("strengths assessment")

    # The three questions: dreams, what holds her back, how alice can support her.
    alice.enter(
        page.get_by_role("navigation", name="Assessment").get_by_role("link", name="Motivation")
    )
    page.wait_for_url(re.compile(r"/assessments/motivation/$"))
    alice.look("motivation")
    for question, words in (
        ("What are your dreams?", "Que mis hijos terminen la escuela en el mismo lugar"),
        ("What might be holding you back?", "No tengo depósito y mi inglés"),
        ("How can I support you?", "Ayúdame con las formas en inglés"),
    ):
        alice.write(page.get_by_label(question, exact=False).first, words)
    alice.enter(page.get_by_role("button", name="Save their answers"))
    page.get_by_role("heading", name=re.compile("In their words, on")).wait_for()
    alice.look("motivation saved")
    alice.stage("three questions")

    # The Self-Sufficiency Matrix, scored together: an arrow key per level.
    alice.enter(
        page.get_by_role("navigation", name="Assessment").get_by_role("link", name="Matrix")
    )
    page.wait_for_url(re.compile(r"/assessments/matrix/$"))
    alice.enter(page.get_by_role("link", name="Fill in a matrix together"))
    page.wait_for_url(re.compile(r"/assessments/matrix/new/$"))
    alice.look("matrix form")
    # Scoring alone: a note field shows when asked for ("Write a note for each domain").
    assert not page.get_by_label(re.compile("^Note — ")).first.is_visible()
    groups = page.locator("fieldset.ssm-domain")
    scored = 0
    for index in range(groups.count()):
        group = groups.nth(index)
        if "(optional)" in group.locator("legend").inner_text():
            continue
        level = 2 + index % 3  # 2, 3 or 4
        alice.to(group.locator("input[type=radio]").first)
        for _ in range(level):
            alice.press("ArrowDown")
        assert group.locator("input[type=radio]:checked").get_attribute("value") == str(level)
        scored += 1
    alice.enter(page.get_by_role("button", name="Save the matrix"))
    page.wait_for_url(re.compile(r"/assessments/matrix/$"))
    alice.look("matrix saved")
    alice.stage("matrix")

    # The ecomap: two people and places around her.
    alice.enter(
        page.get_by_role("navigation", name="Assessment").get_by_role("link", name="Ecomap")
    )
    page.wait_for_url(re.compile(r"/assessments/ecomap/$"))
    alice.look("ecomap empty")
    for label, kind in (("Lupe (cousin)", "Fa"), ("Parroquia San José", "Fai")):
        editor = page.locator("#ecomap-editor")
        alice.write(editor.get_by_label(re.compile("^Who or what")), label)
        kinds = editor.get_by_label(re.compile("^Kind"))
        alice.to(kinds)
        alice.type(kind)
        alice.enter(editor.get_by_role("button", name="Add to the ecomap"))
        editor.get_by_role("rowheader", name=re.compile(re.escape(label))).wait_for()
    alice.look("ecomap drawn")
    alice.stage("ecomap")

    # The plan: weigh the options with her first.
    alice.enter(page.get_by_role("navigation", name="Assessment").get_by_role("link", name="Plan"))
    page.wait_for_url(re.compile(rf"/clients/{client.pk}/plan/$"))
    alice.enter(page.get_by_role("button", name="Start the plan together"))
    page.get_by_role("link", name="Add a goal in their words").wait_for()
    alice.look("plan started")
    alice.enter(page.locator("summary", has_text="Weigh options with them"))
    options = page.locator("form[action$='/plan/options/']")
    alice.write(
        options.get_by_label(re.compile("What are they deciding")), "Cómo pagar el depósito"
    )
    alice.write(options.get_by_label("Option 1"), "Buscar un segundo trabajo")
    alice.write(options.locator("#id_pros_1"), "Más dinero")
    alice.write(options.locator("#id_cons_1"), "Menos tiempo con mis hijos")
    alice.write(options.get_by_label("Option 2"), "Pedir ayuda de depósito a la ciudad")
    alice.write(options.locator("#id_pros_2"), "Es rápido")
    alice.write(options.locator("#id_cons_2"), "Muchas formas")
    alice.enter(options.get_by_role("button", name="Save the options"))
    chosen = page.locator(".option-set").first
    chosen.wait_for()
    alice.to(chosen.get_by_role("radio").first)
    alice.press("ArrowDown")  # the second option: hers
    alice.enter(chosen.get_by_role("button", name="Record their choice"))
    chosen = page.locator(".option-set").first
    alice.choose(chosen.get_by_label("Life domain"), "Mon", "financial")
    alice.enter(chosen.get_by_role("button", name="Make this a goal"))
    page.get_by_text("Their choice is now a goal").wait_for()
    alice.look("options weighed")
    alice.stage("plan started, options weighed")

    # Goal one (her choice): its five levels, then a step.
    first_goal = page.locator("article.goal").filter(has_text="Pedir ayuda de depósito")
    alice.enter(first_goal.get_by_role("link", name=re.compile("^Edit this goal")))
    page.wait_for_url(re.compile(r"/plan/goals/\d+/$"))
    alice.look("goal levels")
    _gas_levels(
        page,
        alice,
        (
            "Depósito pagado y un mes de renta",
            "Depósito pagado",
            "La ciudad aprueba la ayuda",
            "La solicitud está entregada",
            "No entregué la solicitud",
        ),
    )
    alice.enter(page.get_by_role("button", name="Save the goal"))
    page.wait_for_url(re.compile(rf"/clients/{client.pk}/plan/#goal-\d+$"))
    _step(page, alice, "Pedir ayuda de depósito", "Llenar la solicitud con Alice")

    # Goal two, in her words from the start.
    alice.enter(page.get_by_role("link", name="Add a goal in their words"))
    page.wait_for_url(re.compile(r"/plan/goals/new/$"))
    alice.write(
        page.get_by_label(re.compile("the goal, in their words", re.I)), "Terminar mi GED este año"
    )
    assert page.get_by_label("Exact words", exact=True).first.is_checked()  # as she said it
    alice.choose(page.get_by_role("combobox", name="Life domain"), "Work", "vocational_education")
    _gas_levels(
        page,
        alice,
        (
            "Tengo el GED y me inscribo en el colegio",
            "Tengo el GED",
            "Pasé tres de los cuatro exámenes",
            "Pasé un examen",
            "No tomé ningún examen",
        ),
    )
    alice.enter(page.get_by_role("button", name="Save the goal"))
    page.wait_for_url(re.compile(rf"/clients/{client.pk}/plan/#goal-\d+$"))
    _step(page, alice, "Terminar mi GED", "Inscribirme en la clase de la biblioteca")
    alice.look("two goals")
    alice.stage("two goals, levels and steps")

    # She agrees (she types her own name); alice signs, which sends it for approval.
    alice.write(page.get_by_label("The client types their own name here"), "Rosa Hernández")
    alice.enter(page.get_by_role("button", name="Record the client's agreement"))
    page.get_by_role("button", name="Sign as the worker").wait_for()
    assert page.get_by_text("Signing sends the plan to a supervisor").is_visible()
    alice.enter(page.get_by_role("button", name="Sign as the worker"))
    page.get_by_text("Waiting for supervisor approval").first.wait_for()
    alice.look("plan sent")
    alice.stage("agreement and signature")
    plan = Plan.objects.get(client=client)
    assert plan.status == Plan.Status.AWAITING_APPROVAL
    goals = list(plan.goals.order_by("pk"))
    assert [g.author for g in goals] == ["client", "client"]
    assert all(g.gas_complete and g.steps.count() == 1 for g in goals)

    # The take-home plan, in Spanish: printed, and as the PDF she takes home.
    alice.enter(page.get_by_role("link", name="Take-home plan"))
    page.wait_for_url(re.compile(r"/plan/take-home/$"))
    assert page.locator("article.take-home").get_attribute("lang") == "es"
    page.get_by_role("heading", name=re.compile("^Mi plan")).wait_for()
    alice.look("take home")
    page.emulate_media(media="print")
    printed = _pdf_text(page.pdf(format="A4"))
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        alice.enter(page.locator("article.take-home").get_by_role("link", name=re.compile("PDF")))
    downloaded = _pdf_text(download.value.path().read_bytes())
    for text in (printed, downloaded):
        assert "Mi plan" in text
        assert "Terminar mi GED este año" in text
        assert "Llenar la solicitud con Alice" in text
        assert "Strengthwise" not in text.split("Mi plan")[0]  # no site header before it
    alice.stage("take-home plan")
    assert scored >= 17


def _gas_levels(page: Any, alice: Keyboard, levels: tuple[str, str, str, str, str]) -> None:
    for label, words in zip(("+2", "+1", "0 expected", "−1", "−2"), levels, strict=True):
        alice.write(page.get_by_label(re.compile("^" + re.escape(label))), words)
    baseline = page.get_by_label("Where they are now (baseline)")
    alice.to(baseline)
    for _ in range(4):  # —, +2, +1, 0, −1: a minus sign cannot be typed to choose
        alice.press("ArrowDown")
    assert baseline.input_value() == "-1"


def _step(page: Any, alice: Keyboard, goal_words: str, step: str) -> None:
    goal = page.locator("article.goal").filter(has_text=goal_words)
    alice.enter(goal.locator("summary", has_text="Add a step"))
    form = goal.locator("form[action$='/steps/']")
    alice.write(form.get_by_label(re.compile("^step", re.I)), step)
    alice.enter(form.get_by_role("button", name="Add the step"))
    page.locator("article.goal ol.steps").filter(has_text=step).wait_for()


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
