"""The take-home plan PDF: real, extractable text in the vendored font, one page when typical."""

from __future__ import annotations

import builtins
import dataclasses
import re
import unicodedata
from pathlib import Path

import pytest
from fpdf import FPDF

from strengthwise.core.testing_pdf import read, text_of
from strengthwise.plans import pdf as plan_pdf
from strengthwise.plans.pdf import (
    DONE_MARK,
    NOT_DONE_MARK,
    PlanGoal,
    PlanStep,
    TakeHomePlan,
    render_take_home_pdf,
)

PACKAGE_FONTS = Path(plan_pdf.__file__).resolve().parent / "fonts"

APARTMENT = "Move into an apartment Jayden and I can stay in"
COURSE = "Start the medical assistant course in the fall"

DANA_STEPS = [
    PlanStep("Call River City Rapid Re-housing to book the intake", "You", "14 March"),
    PlanStep(
        "Send the voucher application and pay stubs", "Alice (your worker)", "21 March", done=True
    ),
    PlanStep("Drive Dana to the intake appointment", "Marisol (your sister)", "25 March"),
    PlanStep(
        "Show three apartments near Jayden's school", "River City Rapid Re-housing", "30 April"
    ),
    PlanStep("Ask the college about the fall course and fees", "You", "4 April"),
    PlanStep("Help fill in the financial aid form", "Alice (your worker)", "18 April"),
    PlanStep("Look after Jayden on class evenings", "Marisol (your sister)", ""),
]


def dana_plan(**changes: object) -> TakeHomePlan:
    plan = TakeHomePlan(
        client_name="Dana Whitfield",
        title="My plan",
        dated="12 March 2025",
        intro="This is the plan we made together. It is in your words.",
        strengths_heading="What I am good at",
        strengths=[
            "I got myself sober six years ago",
            "I keep every letter in one folder",
            "I am calm and kind with scared people",
            "My sister Marisol has my back",
        ],
        goals_heading="What I want",
        goals=[
            PlanGoal(
                APARTMENT,
                own_words=True,
                why="A door that locks and a room for Jayden.",
                steps=DANA_STEPS[:4],
            ),
            PlanGoal(
                COURSE, own_words=True, why="I am good with scared people.", steps=DANA_STEPS[4:]
            ),
        ],
        steps_heading="Next steps",
        who_label="Who",
        when_label="By when",
        done_label="Done",
        contacts_heading="Who to call",
        contacts=[
            ("Alice Moreno, your worker", "(555) 201-4410, Monday to Friday"),
            ("River City Rapid Re-housing", "(555) 201-7700"),
            ("Crisis line, any time", "988"),
        ],
        footer="This plan belongs to you. Bring it to our next meeting.",
    )
    return dataclasses.replace(plan, **changes)  # type: ignore[arg-type]


def spanish_plan() -> TakeHomePlan:
    return TakeHomePlan(
        client_name="Rosa Hernández",
        title="Mi plan",
        dated="12 de marzo de 2025",
        intro="Este es el plan que hicimos juntas, con sus propias palabras.",
        strengths_heading="Lo que hago bien",
        strengths=["Coso a máquina y a mano", "Mi hija me ayuda con las cuentas"],
        goals_heading="Lo que quiero",
        goals=[
            PlanGoal(
                "Tener mi propio taller de costura",
                own_words=True,
                why="Quiero trabajar en lo que sé hacer.",
                steps=[
                    PlanStep("Averiguar cómo sacar la licencia", "Usted", "2 de abril"),
                    PlanStep(
                        "Buscar un curso de contabilidad básica", "Alice (su trabajadora)", ""
                    ),
                ],
            )
        ],
        steps_heading="Próximos pasos",
        who_label="Quién",
        when_label="¿Para cuándo?",
        done_label="Hecho",
        contacts_heading="A quién llamar",
        contacts=[("Alice, su trabajadora", "(555) 201-4410")],
        footer="Este plan es suyo. Tráigalo a nuestra próxima reunión.",
        language="es",
    )


def long_plan(goals: int = 10, steps: int = 8) -> TakeHomePlan:
    return dana_plan(
        goals=[
            PlanGoal(
                f"Goal number {g} in my own words, which can run a little long",
                own_words=True,
                why=f"Why goal {g} matters to me",
                steps=[
                    PlanStep(
                        f"Step {g}.{s}: do the next small thing that moves goal {g} along",
                        "You" if s % 2 else "River City Rapid Re-housing",
                        f"{s} May",
                        done=s == 1,
                    )
                    for s in range(1, steps + 1)
                ],
            )
            for g in range(1, goals + 1)
        ]
    )


def flat(text: str) -> str:
    """Text with line wraps and runs of spaces made single spaces."""
    return " ".join(text.split())


def baselines(data: bytes) -> list[tuple[int, float, float, str]]:
    """(page, baseline height from the bottom in points, font size, text) of every text run."""
    runs: list[tuple[int, float, float, str]] = []
    for number, page in enumerate(read(data).pages, start=1):

        def visit(text, cm, tm, font_dict, font_size, number=number):
            if text.strip():
                runs.append((number, tm[5] * cm[3] + cm[5], font_size, text))

        page.extract_text(visitor_text=visit)
    return runs


MM = 72 / 25.4  # points per millimetre


@pytest.fixture(autouse=True)
def _no_made_pdfs_kept():
    """Each test draws its PDF (the cache is tested on its own below)."""
    plan_pdf._made.clear()
    yield
    plan_pdf._made.clear()


def test_the_same_plan_is_drawn_once_and_a_changed_plan_again(monkeypatch):
    drawn = []
    real = plan_pdf._make
    monkeypatch.setattr(plan_pdf, "_make", lambda plan: drawn.append(plan) or real(plan))
    first = render_take_home_pdf(dana_plan())
    assert render_take_home_pdf(dana_plan()) == first
    assert len(drawn) == 1
    changed = dataclasses.replace(dana_plan(), dated="March 2, 2027")
    assert render_take_home_pdf(changed) != first
    spanish = dataclasses.replace(dana_plan(), language="es")
    render_take_home_pdf(spanish)
    assert len(drawn) == 3


def test_the_cache_keeps_only_the_latest_pdfs(monkeypatch):
    monkeypatch.setattr(plan_pdf, "PDF_CACHE_SIZE", 2)
    monkeypatch.setattr(plan_pdf, "_make", lambda plan: plan.dated.encode())
    for day in ("1", "2", "3"):
        render_take_home_pdf(dataclasses.replace(dana_plan(), dated=day))
    assert list(plan_pdf._made.values()) == [b"2", b"3"]


@pytest.fixture(scope="module")
def dana_pdf() -> bytes:
    return render_take_home_pdf(dana_plan())


def test_it_is_a_pdf(dana_pdf):
    assert isinstance(dana_pdf, bytes)
    assert dana_pdf.startswith(b"%PDF-")
    assert dana_pdf.rstrip().endswith(b"%%EOF")


def test_a_typical_plan_fits_on_one_us_letter_page(dana_pdf):
    reader = read(dana_pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # 8.5 x 11 in


def test_goals_appear_verbatim_in_the_clients_own_words(dana_pdf):
    text = text_of(dana_pdf)
    assert f"\u201c{APARTMENT}\u201d" in text  # quoted, on one line, exactly as written
    assert f"\u201c{COURSE}\u201d" in text
    assert "A door that locks and a room for Jayden." in text


def test_goal_not_in_the_clients_words_is_not_quoted():
    plan = dana_plan(goals=[PlanGoal("Keep the apartment for a year", own_words=False)])
    text = text_of(render_take_home_pdf(plan))
    assert "Keep the apartment for a year" in text
    assert "\u201cKeep the apartment" not in text


def test_steps_names_dates_and_contacts_are_all_there(dana_pdf):
    text = flat(text_of(dana_pdf))
    for step in DANA_STEPS:
        assert step.text in text
        assert step.who in text
        if step.target:
            assert step.target in text
    for name in ["Dana Whitfield", "Alice (your worker)", "Marisol (your sister)", "Jayden"]:
        assert name in text
    assert "River City Rapid Re-housing" in text
    for who, how in dana_plan().contacts:
        assert who in text
        assert how in text
    for heading in ["My plan", "What I want", "What I am good at", "Next steps", "Who to call"]:
        assert heading in text
    for label in ["Who", "By when", "Done"]:
        assert label in text
    for strength in dana_plan().strengths:
        assert strength in text
    assert "This plan belongs to you. Bring it to our next meeting." in text


def test_sections_come_in_order_with_the_clients_words_first(dana_pdf):
    text = flat(text_of(dana_pdf))
    order = [
        "My plan",
        "Dana Whitfield",
        APARTMENT,
        "I got myself sober",
        "Call River City Rapid Re-housing",
        "Who to call",
        "This plan belongs to you",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_done_steps_are_ticked_and_the_rest_have_a_box(dana_pdf):
    text = text_of(dana_pdf)
    assert text.count(DONE_MARK) == 1
    assert text.count(NOT_DONE_MARK) == len(DANA_STEPS) - 1
    assert "Alice (your worker) 21 March \u2713" in flat(text)


def test_metadata_title_language_and_creator(dana_pdf):
    reader = read(dana_pdf)
    assert reader.metadata is not None
    assert reader.metadata.title == "My plan \u2014 Dana Whitfield"
    assert reader.metadata.creator == "Strengthwise"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712 (a pypdf BooleanObject)


def test_headings_are_bookmarked_for_navigation(dana_pdf):
    titles = [item["/Title"] for item in read(dana_pdf).outline]
    assert titles == ["What I want", "What I am good at", "Next steps", "Who to call"]


def test_spanish_plan_keeps_its_accents_and_language():
    data = render_take_home_pdf(spanish_plan())
    text = text_of(data)
    flat_text = flat(text)
    assert text.startswith("Mi plan")
    assert "\u201cTener mi propio taller de costura\u201d" in text
    for part in [
        "Rosa Hernández",
        "Usted",
        "Próximos pasos",
        "¿Para cuándo?",
        "Quién",
        "Averiguar cómo sacar la licencia",
        "A quién llamar",
        "Este plan es suyo. Tráigalo a nuestra próxima reunión.",
    ]:
        assert part in flat_text
    reader = read(data)
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert reader.metadata is not None
    assert reader.metadata.title == "Mi plan \u2014 Rosa Hernández"


@pytest.mark.parametrize("name", ["Nguyễn Thị Đặng", "Zoë Ångström", "Đặng", "Σοφία Παπαδοπούλου"])
def test_names_in_other_scripts_round_trip_exactly(name):
    plan = dana_plan(
        client_name=name,
        goals=[
            PlanGoal(
                f"Help {name} find a flat",
                own_words=False,
                steps=[PlanStep("Phone the landlord", name, "")],
            )
        ],
        contacts=[(name, "(555) 201-0000")],
    )
    data = render_take_home_pdf(plan)
    text = text_of(data)
    lines = text.splitlines()
    assert unicodedata.is_normalized("NFC", text)
    assert f"{name}    12 March 2025" in lines  # the name line, exactly
    assert f"Help {name} find a flat" in text
    assert flat(text).count(name) >= 4  # name line, goal, step, contact
    assert read(data).metadata.title == f"My plan \u2014 {name}"  # type: ignore[union-attr]


def test_decomposed_accents_are_composed_so_they_print_and_extract_cleanly():
    decomposed = unicodedata.normalize("NFD", "Zoë Ångström")
    assert decomposed != "Zoë Ångström"
    text = text_of(render_take_home_pdf(dana_plan(client_name=decomposed)))
    assert "Zoë Ångström" in text


def test_the_font_is_embedded_dejavu_sans(dana_pdf):
    fonts = read(dana_pdf).pages[0]["/Resources"]["/Font"]
    base_fonts = set()
    for ref in fonts.values():
        font = ref.get_object()
        base_fonts.add(str(font["/BaseFont"]).split("+")[-1])
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # embedded (a subset), not referenced by name
    assert base_fonts == {"DejaVuSansBook", "DejaVuSansBold"}


def test_fonts_load_from_the_package_not_the_system(monkeypatch):
    loaded: list[Path] = []
    real_add_font = FPDF.add_font

    def spy_add_font(self, family=None, style="", fname=None, **kwargs):
        loaded.append(Path(fname).resolve())
        return real_add_font(self, family, style, fname, **kwargs)

    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if str(file).startswith("/usr/share/fonts"):
            raise AssertionError(f"opened a system font: {file}")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(FPDF, "add_font", spy_add_font)
    monkeypatch.setattr(builtins, "open", guarded_open)
    data = render_take_home_pdf(dana_plan())
    assert data.startswith(b"%PDF-")
    assert {path.name for path in loaded} == {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}
    for path in loaded:
        assert path.parent == PACKAGE_FONTS
        assert path.is_relative_to(Path(plan_pdf.__file__).resolve().parent)
        assert not str(path).startswith("/usr/share")


def test_vendored_fonts_and_licence_are_in_the_package():
    assert plan_pdf.FONT_DIR == PACKAGE_FONTS
    for name in ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]:
        assert (PACKAGE_FONTS / name).read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType
    licence = (PACKAGE_FONTS / "LICENSE-DejaVu.txt").read_text()
    assert "Bitstream Vera" in licence
    assert "Arev" in licence
    assert "DejaVu changes are in public domain" in licence


def test_a_long_plan_flows_onto_more_pages_without_losing_text():
    plan = long_plan()
    data = render_take_home_pdf(plan)
    reader = read(data)
    pages = len(reader.pages)
    assert pages > 1
    text = flat(text_of(data))
    for goal in plan.goals:
        assert goal.words in text
        for step in goal.steps:
            assert step.text in text
    assert "This plan belongs to you. Bring it to our next meeting." in text
    # Every page is numbered, with the client's name so loose pages find their way home.
    for number, page in enumerate(reader.pages, start=1):
        assert f"Dana Whitfield \u00b7 My plan \u00b7 {number} / {pages}" in page.extract_text()


def test_a_one_page_plan_has_no_page_number(dana_pdf):
    assert "1 / 1" not in text_of(dana_pdf)


def test_a_step_continued_on_the_next_page_repeats_the_labels_and_goal():
    plan = long_plan(goals=2, steps=20)
    reader = read(render_take_home_pdf(plan))
    assert len(reader.pages) > 1
    second = flat(reader.pages[1].extract_text())
    assert second.startswith("Who By when Done")
    assert "Goal number" in second.split("Step")[0]  # the goal band comes before the steps


def test_text_longer_than_a_page_flows_instead_of_failing():
    essay = " ".join(["I will keep going one small step at a time."] * 80)  # ~1.3 pages
    plan = dana_plan(
        strengths=[essay],
        goals=[PlanGoal(essay, own_words=True, why=essay, steps=[PlanStep(essay, "You", "")])],
        contacts=[("Alice", essay)],
        footer=essay,
    )
    data = render_take_home_pdf(plan)
    assert len(read(data).pages) >= 5
    # Every word survives: the essay is the goal (twice: with the goals and over its steps),
    # why, strength, step, contact and footer. Page numbers are left out so that text flowing
    # over a page break reads on.
    body = [
        line
        for line in text_of(data).splitlines()
        if not re.fullmatch(r"Dana Whitfield · My plan · \d+ / \d+", line)
    ]
    assert flat("\n".join(body)).count("I will keep going one small step at a time.") == 80 * 7


def test_sparse_plan_without_optional_sections_renders():
    plan = dana_plan(
        dated="",
        intro="",
        strengths=[],
        goals=[PlanGoal("Get my ID back", own_words=True)],
        contacts=[],
        footer="",
    )
    text = text_of(render_take_home_pdf(plan))
    assert "\u201cGet my ID back\u201d" in text
    assert "Next steps" not in text
    assert "Who to call" not in text
    assert "What I am good at" not in text


def test_line_breaks_tabs_and_control_characters_in_input_are_tidied():
    plan = dana_plan(
        goals=[PlanGoal("Line one\r\nline two\tand\x00 more", own_words=False)],
    )
    text = text_of(render_take_home_pdf(plan))
    assert "Line one\nline two and more" in text


@pytest.mark.parametrize(
    "plan",
    [
        pytest.param(dana_plan(), id="typical"),
        pytest.param(long_plan(), id="10 goals x 8 steps"),
        pytest.param(
            dana_plan(
                goals=[
                    PlanGoal(
                        "Goal",
                        own_words=True,
                        steps=[PlanStep(" ".join(["A very long step."] * 300), "You", "")],
                    )
                ]
            ),
            id="step longer than a page",
        ),
    ],
)
def test_text_stays_inside_the_top_and_bottom_margins(plan):
    bottom = plan_pdf.BOTTOM_MARGIN * MM
    top = 792 - plan_pdf.TOP_MARGIN * MM
    for page, baseline, size, text in baselines(render_take_home_pdf(plan)):
        if size == plan_pdf.PAGE_NUMBER_PT:
            assert baseline < bottom, text  # the page number sits in the bottom margin
            continue
        assert bottom < baseline - 0.25 * size, (page, text)  # descenders clear the margin
        assert baseline + 0.8 * size < top, (page, text)  # capitals clear the margin
