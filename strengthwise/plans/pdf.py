"""The take-home plan: a calm one-page PDF the client keeps (fpdf2, no Django).

The caller passes strings that are already translated and formatted, so this module needs no
Django and no database. Text is real text in an embedded DejaVu Sans (vendored in ``fonts/``,
never loaded from the system), so it can be searched, copied and read aloud by screen readers,
and names in any Latin, Greek or Cyrillic script come through exactly.

Layout (US Letter, portrait): title, the client's name and date, a one-line intro; their goals
in their own words; their strengths; the next steps for each goal (what / who / by when / done);
who to call; the footer. A typical plan fits on one page; a longer one continues cleanly on the
next page (with the goal repeated at the top of a continued step list, and page numbers).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, VAlign, XPos, YPos
from fpdf.prefs import ViewerPreferences

__all__ = [
    "FONT_DIR",
    "FONT_FILES",
    "PlanGoal",
    "PlanStep",
    "TakeHomePlan",
    "render_take_home_pdf",
]

#: The vendored fonts. Never /usr/share: the PDF must render where no system fonts exist.
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVuSans"
FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}

# Marks for the "done" column: a tick for done, an empty box the client can tick by hand.
DONE_MARK = "\u2713"  # ✓ CHECK MARK
NOT_DONE_MARK = "\u2610"  # ☐ BALLOT BOX

# Opening and closing quotation marks around the client's own words, by language.
_QUOTES = {"de": ("\u201e", "\u201c"), "fr": ("\u00ab\u00a0", "\u00a0\u00bb")}
_DEFAULT_QUOTES = ("\u201c", "\u201d")

# Sizes in points; lengths in millimetres.
TITLE_PT = 20
HEADING_PT = 14
GOAL_PT = 13
BODY_PT = 12
PAGE_NUMBER_PT = 9
LINE = 5.8  # line height for 12 pt text (about 1.35)
MARGIN = 20
TOP_MARGIN = 16
BOTTOM_MARGIN = 16

# Colours: dark ink on white, a quiet teal for headings, pale tints for bands and rules.
# Every text colour has a contrast ratio of at least 7:1 on white (WCAG AAA).
INK = (33, 37, 41)
MUTED = (73, 80, 87)
ACCENT = (22, 82, 94)
RULE = (196, 206, 210)
TINT = (236, 243, 244)
FOOTER_TINT = (244, 246, 247)


@dataclass(frozen=True)
class PlanStep:
    text: str
    who: str  # e.g. "You", "Alice (your worker)", "Marisol (your sister)", an agency
    target: str  # a date already formatted for the reader, or ""
    done: bool = False


@dataclass(frozen=True)
class PlanGoal:
    words: str  # the goal in the client's own words
    own_words: bool  # True when written by the client (shown as their quote)
    why: str = ""  # why it matters to them
    steps: Sequence[PlanStep] = ()


@dataclass(frozen=True)
class TakeHomePlan:
    client_name: str
    title: str  # already translated, e.g. "My plan" / "Mi plan"
    dated: str  # already formatted
    intro: str  # a one-line plain-language intro, translated
    strengths_heading: str
    strengths: Sequence[str]
    goals_heading: str
    goals: Sequence[PlanGoal]
    steps_heading: str  # e.g. "Next steps"
    who_label: str  # e.g. "Who"
    when_label: str  # e.g. "By when"
    done_label: str  # e.g. "Done"
    contacts_heading: str  # "Who to call"
    contacts: Sequence[tuple[str, str]]  # (name/role, phone or how to reach)
    footer: str  # e.g. "This plan belongs to you. Bring it to our next meeting."
    language: str = "en"


def _clean(text: str) -> str:
    """NFC-normalise (so accents use the font's precomposed glyphs) and tidy whitespace."""
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    # Drop other control characters; keep line breaks the writer meant.
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc").strip()


def _quoted(words: str, language: str) -> str:
    opening, closing = _QUOTES.get(language.split("-")[0].lower(), _DEFAULT_QUOTES)
    return f"{opening}{words}{closing}"


class _PlanPDF(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="letter")
        for style, path in FONT_FILES.items():
            self.add_font(FONT_FAMILY, style, str(path))
        self.set_margins(MARGIN, TOP_MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)

    def font(self, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def para(self, text: str, *, h: float = LINE, align: Align = Align.L, **kwargs: object) -> None:
        self.multi_cell(0, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT, **kwargs)  # type: ignore[arg-type]

    def heading(self, text: str) -> None:
        # Keep a heading with at least a couple of lines of what follows it.
        if self.will_page_break(8 + 3 * LINE):
            self.add_page()
        self.start_section(text)
        self.font(HEADING_PT, bold=True, color=ACCENT)
        self.para(text, h=7)
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.y + 0.8, self.w - self.r_margin, self.y + 0.8)
        self.ln(3.2)


def _title_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    pdf.font(TITLE_PT, bold=True, color=ACCENT)
    pdf.para(_clean(plan.title), h=9)
    pdf.ln(0.8)
    name, dated = _clean(plan.client_name), _clean(plan.dated)
    pdf.font(BODY_PT, bold=True)
    if dated:
        # Name in bold, then the date in the quieter colour, on one line when it fits.
        name_w = pdf.get_string_width(name + "   ")
        pdf.font(BODY_PT)
        if name_w + pdf.get_string_width(dated) <= pdf.epw:
            pdf.font(BODY_PT, bold=True)
            pdf.cell(name_w, LINE, name + "   ")
            pdf.font(BODY_PT, color=MUTED)
            pdf.para(dated)
        else:
            pdf.font(BODY_PT, bold=True)
            pdf.para(name)
            pdf.font(BODY_PT, color=MUTED)
            pdf.para(dated)
    else:
        pdf.para(name)
    intro = _clean(plan.intro)
    if intro:
        pdf.ln(1.5)
        pdf.font(BODY_PT)
        pdf.para(intro)
    pdf.ln(5)


def _goals_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    if not plan.goals:
        return
    pdf.heading(_clean(plan.goals_heading))
    number_w = 8
    for number, goal in enumerate(plan.goals, start=1):
        words = _clean(goal.words)
        if goal.own_words:
            words = _quoted(words, plan.language)
        why = _clean(goal.why)
        if pdf.will_page_break(7 + (LINE if why else 0)):
            pdf.add_page()
        top = pdf.y
        pdf.font(GOAL_PT, bold=True, color=ACCENT)
        pdf.cell(number_w, 6.6, f"{number}")
        pdf.font(GOAL_PT, bold=True)
        pdf.multi_cell(0, 6.6, words, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if why:
            pdf.set_x(pdf.l_margin + number_w)
            pdf.font(BODY_PT, color=MUTED)
            pdf.multi_cell(0, LINE, why, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        del top
        pdf.ln(2.6)
    pdf.ln(2.4)


def _strengths_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    strengths = [s for s in (_clean(s) for s in plan.strengths) if s]
    if not strengths:
        return
    pdf.heading(_clean(plan.strengths_heading))
    pdf.font(BODY_PT)
    bullet_w = 6
    # Two columns when every strength fits on one line of half the width; else one column.
    col_w = (pdf.epw - 6) / 2
    two_columns = len(strengths) > 2 and all(
        pdf.get_string_width(s) <= col_w - bullet_w - 2 for s in strengths
    )
    if two_columns:
        rows = (len(strengths) + 1) // 2
        # Read down the first column, then the second (the order the writer gave).
        for row in range(rows):
            if pdf.will_page_break(LINE + 0.8):
                pdf.add_page()
            for col in range(2):
                i = col * rows + row
                if i >= len(strengths):
                    continue
                pdf.set_x(pdf.l_margin + col * (col_w + 6))
                pdf.font(BODY_PT, color=ACCENT)
                pdf.cell(bullet_w, LINE, "\u2022")
                pdf.font(BODY_PT)
                pdf.cell(col_w - bullet_w, LINE, strengths[i])
            pdf.ln(LINE + 0.8)
    else:
        for strength in strengths:
            if pdf.will_page_break(LINE):
                pdf.add_page()
            pdf.font(BODY_PT, color=ACCENT)
            pdf.cell(bullet_w, LINE, "\u2022")
            pdf.font(BODY_PT)
            pdf.multi_cell(0, LINE, strength, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(0.8)
    pdf.ln(4.2)


def _steps_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    goals = [(n, g) for n, g in enumerate(plan.goals, start=1) if g.steps]
    if not goals:
        return
    pdf.heading(_clean(plan.steps_heading))
    heading_style = FontFace(
        family=FONT_FAMILY, emphasis="BOLD", size_pt=BODY_PT, color=INK, fill_color=TINT
    )
    label_style = FontFace(
        family=FONT_FAMILY, emphasis="BOLD", size_pt=BODY_PT, color=MUTED, fill_color=TINT
    )
    body_style = FontFace(family=FONT_FAMILY, emphasis="", size_pt=BODY_PT, color=INK)
    mark_style = FontFace(family=FONT_FAMILY, emphasis="", size_pt=BODY_PT + 2, color=ACCENT)
    labels = [_clean(plan.who_label), _clean(plan.when_label), _clean(plan.done_label)]
    for number, goal in goals:
        # The goal band and at least its first step start on the same page.
        if pdf.will_page_break(2 * (2 * LINE + 3)):
            pdf.add_page()
        pdf.font(BODY_PT)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.25)
        with pdf.table(
            col_widths=(50, 24, 17, 9),
            width=pdf.epw,
            align=Align.L,
            v_align=VAlign.T,
            text_align=(Align.L, Align.L, Align.L, Align.C),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            headings_style=heading_style,
            line_height=LINE,
            padding=(1.6, 2, 1.6, 2),
            first_row_as_headings=True,
            repeat_headings=1,
        ) as table:
            band = table.row()
            band.cell(f"{number}.  {_clean(goal.words)}", style=heading_style)
            for label in labels:
                band.cell(label, style=label_style)
            for step in goal.steps:
                row = table.row()
                row.cell(_clean(step.text), style=body_style)
                row.cell(_clean(step.who), style=body_style)
                row.cell(_clean(step.target), style=body_style)
                row.cell(DONE_MARK if step.done else NOT_DONE_MARK, style=mark_style)
        pdf.ln(4)
    pdf.ln(1.2)


def _contacts_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    contacts = [(_clean(who), _clean(how)) for who, how in plan.contacts]
    contacts = [(who, how) for who, how in contacts if who or how]
    if not contacts:
        return
    pdf.heading(_clean(plan.contacts_heading))
    who_w = pdf.epw * 0.5
    for who, how in contacts:
        pdf.font(BODY_PT, bold=True)
        lines = max(
            len(pdf.multi_cell(who_w - 4, LINE, who, dry_run=True, output="LINES")),  # type: ignore[arg-type]
            1,
        )
        pdf.font(BODY_PT)
        lines = max(
            lines,
            len(pdf.multi_cell(pdf.epw - who_w, LINE, how, dry_run=True, output="LINES")),  # type: ignore[arg-type]
        )
        if pdf.will_page_break(lines * LINE):
            pdf.add_page()
        top = pdf.y
        pdf.font(BODY_PT, bold=True)
        pdf.multi_cell(who_w - 4, LINE, who, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        bottom = pdf.y
        pdf.set_xy(pdf.l_margin + who_w, top)
        pdf.font(BODY_PT)
        pdf.multi_cell(
            pdf.epw - who_w, LINE, how, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.set_y(max(bottom, pdf.y) + 1.4)
    pdf.ln(4)


def _footer_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    footer = _clean(plan.footer)
    if not footer:
        return
    pdf.font(BODY_PT)
    lines = pdf.multi_cell(pdf.epw - 10, LINE, footer, dry_run=True, output="LINES")
    height = len(lines) * LINE + 7  # type: ignore[arg-type]
    if pdf.will_page_break(height):
        pdf.add_page()
    pdf.set_fill_color(*FOOTER_TINT)
    pdf.font(BODY_PT, color=INK)
    pdf.multi_cell(
        0,
        LINE,
        footer,
        align=Align.C,
        fill=True,
        padding=(3.5, 5, 3.5, 5),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def _number_pages(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    """On a plan of more than one page, put 'name · title · page / pages' at each page foot."""
    total = pdf.pages_count
    if total < 2:
        return
    pdf.set_auto_page_break(auto=False)
    label = " \u00b7 ".join(x for x in (_clean(plan.client_name), _clean(plan.title)) if x)
    for page in range(1, total + 1):
        pdf.page = page
        pdf.set_xy(pdf.l_margin, pdf.h - BOTTOM_MARGIN + 5)
        pdf.font(PAGE_NUMBER_PT, color=MUTED)
        pdf.cell(pdf.epw, 5, f"{label} \u00b7 {page} / {total}", align=Align.C)
    pdf.page = total


def render_take_home_pdf(plan: TakeHomePlan) -> bytes:
    """The take-home plan as PDF bytes (US Letter, one page for a typical plan)."""
    pdf = _PlanPDF()
    language = _clean(plan.language)
    title = _clean(plan.title)
    name = _clean(plan.client_name)
    pdf.set_title(f"{title} \u2014 {name}" if name else title)
    if language:
        pdf.set_lang(language)
    pdf.set_creator("Strengthwise")
    pdf.set_producer("Strengthwise")
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_page()
    _title_block(pdf, plan)
    _goals_block(pdf, plan)
    _strengths_block(pdf, plan)
    _steps_block(pdf, plan)
    _contacts_block(pdf, plan)
    _footer_block(pdf, plan)
    _number_pages(pdf, plan)
    return bytes(pdf.output())
