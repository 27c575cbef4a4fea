"""The take-home plan: a calm, usually one-page PDF the client keeps (fpdf2; no Django, no DB).

The caller passes strings that are already translated and formatted. Text is real text in an
embedded DejaVu Sans, vendored in ``fonts/`` and never loaded from the system, so it can be
searched, copied and read aloud by screen readers, and names with accents or in Greek or
Cyrillic script come through exactly.

Layout (US Letter, portrait): the title, the client's name and the date, a one-line intro; the
goals in the client's own words; their strengths; the next steps for each goal (step / who /
by when / done); who to call; the footer. A typical plan fits on one page. A longer plan carries
on to the next page between rows, never through one: the column labels and the goal are repeated
at the top of the new page, and every page is numbered.
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from fpdf.prefs import ViewerPreferences
from fpdf.util import Padding

from .fonts import FONT_DIR, FONT_FAMILY, FONT_FILES

__all__ = [
    "DONE_MARK",
    "FONT_DIR",
    "FONT_FILES",
    "NOT_DONE_MARK",
    "PlanGoal",
    "PlanStep",
    "TakeHomePlan",
    "render_take_home_pdf",
]


#: The "done" column: a tick when done, else an empty box the client can tick by hand.
DONE_MARK = "\u2713"  # ✓ CHECK MARK
NOT_DONE_MARK = "\u2610"  # ☐ BALLOT BOX

# Quotation marks around the client's own words, by language (“…” unless listed).
_QUOTES = {"de": ("\u201e", "\u201c"), "fr": ("\u00ab\u00a0", "\u00a0\u00bb")}
_DEFAULT_QUOTES = ("\u201c", "\u201d")

# Sizes in points, lengths in millimetres.
TITLE_PT = 20
HEADING_PT = 14
GOAL_PT = 13
BODY_PT = 12
LABEL_PT = 11
PAGE_NUMBER_PT = 9
LINE = 5.3  # line height of 12 pt text (x 1.25)
MARGIN = 19
TOP_MARGIN = 14
BOTTOM_MARGIN = 14
CELL_PAD = 1.25  # inside a table row, above and below the text
GAP = 4.0  # between sections

# Dark ink on white, a quiet teal for headings, pale tints for bands and rules.
# Every text colour has a contrast ratio of at least 7:1 (WCAG AAA) on white and on the tints:
# ink 15.4:1, muted 8.2:1, accent 8.7:1 on white.
RGB = tuple[int, int, int]
INK: RGB = (33, 37, 41)
MUTED: RGB = (73, 80, 87)
ACCENT: RGB = (22, 82, 94)
RULE: RGB = (196, 206, 210)
TINT: RGB = (234, 242, 243)
FOOTER_TINT: RGB = (243, 245, 246)


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
    """NFC-normalise (accents then use the font's precomposed glyphs) and tidy whitespace."""
    text = unicodedata.normalize("NFC", str(text or ""))  # str(): lazy translations too
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    # Drop other control characters; keep the line breaks the writer meant.
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc").strip()


def quoted(words: str, language: str) -> str:
    """The client's own words in the quotation marks of `language`."""
    opening, closing = _QUOTES.get(language.split("-")[0].lower(), _DEFAULT_QUOTES)
    return f"{opening}{words}{closing}"


_quoted = quoted


@dataclass(frozen=True)
class _Cell:
    """One cell of a table-like row: text in a column of the given width."""

    text: str
    width: float
    size: float = BODY_PT
    bold: bool = False
    color: RGB = INK
    align: Align = Align.L
    margin: float | None = None  # space left and right of the text (default: the PDF's)

    @property
    def line(self) -> float:
        return LINE * self.size / BODY_PT


class _PlanPDF(FPDF):
    def __init__(self, page_label: str | None = None, total_pages: int = 0) -> None:
        super().__init__(orientation="portrait", unit="mm", format="letter")
        # "Name · title" for the foot of every page, or None for no page numbers.
        self.page_label = page_label
        self.total_pages = total_pages
        # No "{nb}" substitution: it would also rewrite the client's own words.
        self.alias_nb_pages("")
        self._lines: dict[tuple[str, float, float, bool, float], int] = {}
        for style, path in FONT_FILES.items():
            self.add_font(FONT_FAMILY, style, str(path))
        self.set_margins(MARGIN, TOP_MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)
        self.c_margin = 1.6
        self.font(BODY_PT)
        self.set_draw_color(*RULE)

    def footer(self) -> None:
        if self.page_label is None:
            return
        self.set_xy(self.l_margin, self.h - BOTTOM_MARGIN + 4)
        self.font(PAGE_NUMBER_PT, color=MUTED)
        number = f"{self.page_no()} / {self.total_pages}"
        text = f"{self.page_label} \u00b7 {number}" if self.page_label else number
        self.cell(self.epw, 5, text, align=Align.C)

    # -- text ----------------------------------------------------------------------------------

    def font(self, size: float, bold: bool = False, color: RGB = INK) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def para(self, text: str, h: float = LINE, *, x: float | None = None) -> None:
        """A wrapped paragraph from ``x`` (default: the left margin) to the right margin."""
        if x is not None:
            self.set_x(x)
        self.multi_cell(0, h, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def width_of(self, text: str, size: float = BODY_PT, bold: bool = False) -> float:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        return max((self.get_string_width(line) for line in text.split("\n")), default=0.0)

    def lines(self, cell: _Cell) -> int:
        """How many lines the cell's text wraps to in its column (memoised)."""
        if not cell.text:
            return 1
        margin = self.c_margin if cell.margin is None else cell.margin
        key = (cell.text, cell.width, cell.size, cell.bold, margin)
        if key not in self._lines:
            self.set_font(FONT_FAMILY, "B" if cell.bold else "", cell.size)
            if "\n" not in cell.text and (
                self.get_string_width(cell.text) < cell.width - 2 * margin - 0.01
            ):
                self._lines[key] = 1  # fits on one line: no need to wrap it
            else:
                saved, self.c_margin = self.c_margin, margin
                wrapped = self.multi_cell(
                    cell.width, cell.line, cell.text, dry_run=True, output=MethodReturnValue.LINES
                )
                self.c_margin = saved
                self._lines[key] = max(len(wrapped), 1)  # type: ignore[arg-type]
        return self._lines[key]

    # -- page flow -----------------------------------------------------------------------------

    @property
    def room(self) -> float:
        """Height left on this page above the bottom margin."""
        return self.page_break_trigger - self.y

    @property
    def page_room(self) -> float:
        """Height of a whole page's writing area."""
        return self.page_break_trigger - self.t_margin

    @property
    def max_row(self) -> float:
        """The tallest block kept whole; anything taller flows over the page break."""
        return self.page_room * 0.6

    def keep_height(self, height: float) -> float:
        """How much of a block of ``height`` must fit for it to start on this page."""
        return height if height <= self.max_row else 3 * LINE

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` fits on this one."""
        if height > self.room and self.y > self.t_margin + 0.01:
            self.add_page()

    # -- rows ----------------------------------------------------------------------------------

    def row_height(self, cells: Sequence[_Cell], pad: float = CELL_PAD) -> float:
        return max(self.lines(c) * c.line for c in cells) + 2 * pad

    def row(
        self,
        cells: Sequence[_Cell],
        *,
        pad: float = CELL_PAD,
        fill: RGB | None = None,
        rule: bool = False,
        x: float | None = None,
    ) -> None:
        """Draw cells side by side from ``x`` on the current line; the caller made room."""
        x0 = self.l_margin if x is None else x
        y0 = self.y
        height = self.row_height(cells, pad)
        auto, bottom = self.auto_page_break, self.b_margin
        self.set_auto_page_break(auto=False)
        if fill is not None:
            self.set_fill_color(*fill)
            self.rect(x0, y0, sum(c.width for c in cells), height, style="F")
        cx = x0
        for cell in cells:
            self.set_xy(cx, y0 + pad)
            self.font(cell.size, cell.bold, cell.color)
            c_margin = self.c_margin
            if cell.margin is not None:
                self.c_margin = cell.margin
            self.multi_cell(cell.width, cell.line, cell.text, align=cell.align)
            self.c_margin = c_margin
            cx += cell.width
        if rule:
            self.set_draw_color(*RULE)
            self.set_line_width(0.25)
            self.line(x0, y0 + height, cx, y0 + height)
        self.set_auto_page_break(auto=auto, margin=bottom)
        self.set_xy(self.l_margin, y0 + height)

    def heading(self, text: str, keep_with: float = 3 * LINE, labels: Sequence[_Cell] = ()) -> None:
        """A section heading with a rule, kept on the page with what follows it.

        ``labels`` are column labels set on the heading's line, right of the heading; their
        first cell is the room the heading has there (the caller checked that it fits).
        """
        self.font(HEADING_PT, bold=True, color=ACCENT)
        height = self.lines(_Cell(text, self.epw, HEADING_PT, True)) * 6.2 + 3.0
        self.keep(height + min(keep_with, self.max_row))
        self.start_section(text.replace("\n", " "))
        y0 = self.y
        self.font(HEADING_PT, bold=True, color=ACCENT)
        self.para(text, 6.2)
        if labels:
            # Bottom-align the smaller labels with the heading's baseline.
            y1 = self.y
            self.set_y(y0 + 1.0)
            self.row(labels, pad=0)
            self.set_y(y1)
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.y + 0.6, self.w - self.r_margin, self.y + 0.6)
        self.ln(2.4)


# -- sections ----------------------------------------------------------------------------------


def _title_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    pdf.font(TITLE_PT, bold=True, color=ACCENT)
    pdf.para(_clean(plan.title), 9)
    pdf.ln(0.6)
    name, dated = _clean(plan.client_name), _clean(plan.dated)
    gap = "    "
    one_line = (
        name
        and dated
        and "\n" not in name
        and pdf.width_of(name + gap, bold=True) + pdf.width_of(dated) <= pdf.epw - 2 * pdf.c_margin
    )
    if one_line:
        pdf.font(BODY_PT, bold=True)
        pdf.cell(pdf.width_of(name + gap, bold=True), LINE, name + gap)
        pdf.font(BODY_PT, color=MUTED)
        pdf.para(dated)
    else:
        if name:
            pdf.font(BODY_PT, bold=True)
            pdf.para(name)
        if dated:
            pdf.font(BODY_PT, color=MUTED)
            pdf.para(dated)
    intro = _clean(plan.intro)
    if intro:
        pdf.ln(1.2)
        pdf.font(BODY_PT)
        pdf.para(intro)
    pdf.ln(GAP)


def _goals_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    if not plan.goals:
        return
    number_w = 7.5
    indent = pdf.l_margin + number_w
    text_w = pdf.epw - number_w
    goal_line = LINE * GOAL_PT / BODY_PT
    first = True
    for number, goal in enumerate(plan.goals, start=1):
        words = _clean(goal.words)
        if goal.own_words:
            words = _quoted(words, plan.language)
        why = _clean(goal.why)
        # Keep a goal's words and its "why" together (unless they are longer than a page).
        height = pdf.lines(_Cell(words, text_w, GOAL_PT, True)) * goal_line
        if why:
            height += 0.4 + pdf.lines(_Cell(why, text_w)) * LINE
        if first:
            pdf.heading(_clean(plan.goals_heading), keep_with=pdf.keep_height(height))
            first = False
        else:
            pdf.keep(pdf.keep_height(height))
        pdf.font(GOAL_PT, bold=True, color=ACCENT)
        pdf.cell(number_w, goal_line, str(number))
        pdf.font(GOAL_PT, bold=True)
        pdf.para(words, goal_line, x=indent)
        if why:
            pdf.ln(0.4)
            pdf.font(BODY_PT, color=MUTED)
            pdf.para(why, x=indent)
        pdf.ln(2.4)
    pdf.ln(GAP - 2.4)


def _bullet_cells(text: str, width: float) -> list[_Cell]:
    bullet_w = 4.6
    return [
        _Cell("\u2022", bullet_w, color=ACCENT, align=Align.R, margin=0),
        _Cell(text, width - bullet_w),
    ]


def _strengths_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    strengths = [s for s in (_clean(s) for s in plan.strengths) if s]
    if not strengths:
        return
    gutter = 5.0
    half = (pdf.epw - gutter) / 2
    # Two columns (read across, then down) when no strength needs more than two lines there.
    two_columns = len(strengths) > 1 and all(
        pdf.lines(_bullet_cells(s, half)[1]) <= 2 for s in strengths
    )
    per_row = 2 if two_columns else 1
    width = half if two_columns else pdf.epw
    rows = [strengths[i : i + per_row] for i in range(0, len(strengths), per_row)]
    first = True
    for items in rows:
        cells_by_item = [_bullet_cells(s, width) for s in items]
        height = max(pdf.row_height(c, pad=0) for c in cells_by_item) + 1.0
        if first:
            pdf.heading(_clean(plan.strengths_heading), keep_with=pdf.keep_height(height))
            first = False
        if height > pdf.max_row:  # a strength too long for a row: let it flow
            for item in items:
                pdf.font(BODY_PT)
                pdf.para(f"\u2022 {item}")
            continue
        pdf.keep(height)
        y0 = pdf.y
        for i, cells in enumerate(cells_by_item):
            pdf.set_y(y0)
            pdf.row(cells, pad=0, x=pdf.l_margin + i * (half + gutter))
        pdf.set_y(y0 + height)
    pdf.ln(GAP - 1.0)


def _step_columns(pdf: _PlanPDF, plan: TakeHomePlan, labels: Sequence[str]) -> list[float]:
    """Column widths (step, who, by when, done), chosen so the steps take the fewest lines."""
    steps = [s for g in plan.goals for s in g.steps]
    pad = 2 * pdf.c_margin + 0.4
    who_label, when_label, done_label = labels
    done_w = max(
        pdf.width_of(done_label, LABEL_PT, bold=True),
        pdf.width_of(DONE_MARK, BODY_PT + 2),
        pdf.width_of(NOT_DONE_MARK, BODY_PT + 2),
        8.0,
    )
    done_w = min(done_w + pad, pdf.epw * 0.14)
    when_w = max(
        [pdf.width_of(when_label, LABEL_PT, bold=True)]
        + [pdf.width_of(_clean(s.target)) for s in steps]
    )
    when_w = min(max(when_w + pad, 18.0), pdf.epw * 0.22)
    who_natural = max(
        [pdf.width_of(who_label, LABEL_PT, bold=True)]
        + [pdf.width_of(_clean(s.who)) for s in steps]
    )
    who_min = max(pdf.width_of(who_label, LABEL_PT, bold=True) + pad, pdf.epw * 0.16)
    who_max = max(min(who_natural + pad, pdf.epw * 0.34), who_min)

    texts = [(_clean(s.text), _clean(s.who), _clean(s.target)) for s in steps]
    when_lines = [pdf.lines(_Cell(when, when_w)) for _, _, when in texts]
    widths: dict[str, float] = {}

    def estimate(text: str, width: float) -> int:
        """Lines of greedy word-wrapping (close to fpdf2's, and much quicker to try)."""
        avail = width - 2 * pdf.c_margin
        count = 0
        for paragraph in text.split("\n"):
            count, used = count + 1, 0.0
            for word in paragraph.split(" "):
                if word not in widths:
                    widths[word] = pdf.width_of(word)
                if used and used + space + widths[word] > avail:
                    count, used = count + 1, widths[word]
                else:
                    used += (space if used else 0.0) + widths[word]
                while used > avail:  # a word longer than the column is broken
                    count, used = count + 1, used - avail
        return count

    space = pdf.width_of(" ")

    def total(who_w: float) -> tuple[float, float]:
        step_w = pdf.epw - who_w - when_w - done_w
        height = 0
        for (text, who, _), when in zip(texts, when_lines, strict=True):
            height += max(estimate(text, step_w), estimate(who, who_w), when)
        return height, -step_w  # fewest lines, then the widest step column

    candidates = [who_max]
    step = max((who_max - who_min) / 12, 2.0)
    width = who_max - step
    while width > who_min:
        candidates.append(width)
        width -= step
    candidates.append(who_min)
    who_w = min(candidates, key=total)
    return [pdf.epw - who_w - when_w - done_w, who_w, when_w, done_w]


def _steps_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    goals = [(n, g) for n, g in enumerate(plan.goals, start=1) if g.steps]
    if not goals:
        return
    labels = [_clean(plan.who_label), _clean(plan.when_label), _clean(plan.done_label)]
    step_w, who_w, when_w, done_w = _step_columns(pdf, plan, labels)

    label_row = [
        _Cell("", step_w),
        _Cell(labels[0], who_w, LABEL_PT, True, MUTED),
        _Cell(labels[1], when_w, LABEL_PT, True, MUTED),
        _Cell(labels[2], done_w, LABEL_PT, True, MUTED, Align.C),
    ]

    def band(number: int, goal: PlanGoal) -> list[_Cell]:
        return [_Cell(f"{number}.  {_clean(goal.words)}", pdf.epw, BODY_PT, True)]

    def step_row(step: PlanStep) -> list[_Cell]:
        return [
            _Cell(_clean(step.text), step_w),
            _Cell(_clean(step.who), who_w),
            _Cell(_clean(step.target), when_w),
            _Cell(
                DONE_MARK if step.done else NOT_DONE_MARK,
                done_w,
                BODY_PT + 2,
                False,
                ACCENT,
                Align.C,
            ),
        ]

    label_h = pdf.row_height(label_row, pad=1.0)

    def draw_band(number: int, goal: PlanGoal, continued: bool = False) -> None:
        cells = band(number, goal)
        height = pdf.row_height(cells)
        if height <= pdf.page_room / 4:
            pdf.row(cells, fill=TINT)
        elif not continued:  # a goal too long for a band: let it flow
            pdf.ln(CELL_PAD)
            pdf.font(BODY_PT, bold=True)
            pdf.para(cells[0].text)
            pdf.ln(CELL_PAD)

    def start(goal: PlanGoal, number: int) -> float:
        """Room to keep for a goal's band and its first step, so neither is left alone."""
        return pdf.keep_height(pdf.row_height(band(number, goal))) + pdf.keep_height(
            pdf.row_height(step_row(goal.steps[0]))
        )

    heading = _clean(plan.steps_heading)
    first_number, first_goal = goals[0]
    if pdf.lines(_Cell(heading, step_w, HEADING_PT, True)) == 1:
        # The column labels fit on the heading's line.
        pdf.heading(heading, keep_with=start(first_goal, first_number), labels=label_row)
    else:
        pdf.heading(heading, keep_with=label_h + start(first_goal, first_number))
        pdf.row(label_row, pad=1.0, rule=True)
    for number, goal in goals:
        if start(goal, number) > pdf.room:
            pdf.add_page()
            pdf.row(label_row, pad=1.0, rule=True)
        draw_band(number, goal)
        for step in goal.steps:
            cells = step_row(step)
            height = pdf.row_height(cells)
            if height > pdf.max_row:
                _stacked_step(pdf, step, labels)  # too long for a row: let it flow
                continue
            if height > pdf.room:
                # Carry on over the page, repeating the column labels and the goal.
                pdf.add_page()
                pdf.row(label_row, pad=1.0, rule=True)
                draw_band(number, goal, continued=True)
            pdf.row(cells, rule=True)
        pdf.ln(2.2)
    pdf.ln(GAP - 2.2)


def _stacked_step(pdf: _PlanPDF, step: PlanStep, labels: Sequence[str]) -> None:
    """A step too long for one page, as flowing text with its labels spelled out."""
    pdf.ln(CELL_PAD)
    pdf.font(BODY_PT)
    pdf.para(_clean(step.text))
    details = [f"{labels[0]}: {_clean(step.who)}"]
    if _clean(step.target):
        details.append(f"{labels[1]}: {_clean(step.target)}")
    details.append(f"{labels[2]}: {DONE_MARK if step.done else NOT_DONE_MARK}")
    pdf.font(BODY_PT, color=MUTED)
    pdf.para("   ".join(details))
    pdf.ln(CELL_PAD)


def _contacts_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    contacts = [(_clean(who), _clean(how)) for who, how in plan.contacts]
    contacts = [(who, how) for who, how in contacts if who or how]
    if not contacts:
        return
    pad = 2 * pdf.c_margin + 0.4
    who_w = min(max(pdf.width_of(who, bold=True) for who, _ in contacts) + pad + 6, pdf.epw * 0.5)
    first = True
    for who, how in contacts:
        cells = [_Cell(who, who_w, bold=True), _Cell(how, pdf.epw - who_w)]
        height = pdf.row_height(cells, pad=0.5)
        if first:
            pdf.heading(_clean(plan.contacts_heading), keep_with=pdf.keep_height(height))
            first = False
        if height > pdf.max_row:  # too long for a row: let it flow
            pdf.font(BODY_PT, bold=True)
            pdf.para(who)
            pdf.font(BODY_PT)
            pdf.para(how)
            continue
        pdf.keep(height)
        pdf.row(cells, pad=0.5)
    pdf.ln(GAP)


def _footer_block(pdf: _PlanPDF, plan: TakeHomePlan) -> None:
    footer = _clean(plan.footer)
    if not footer:
        return
    pad_v, pad_h = 2.7, 5.0
    lines = pdf.lines(_Cell(footer, pdf.epw - 2 * pad_h))
    height = lines * LINE + 2 * pad_v
    pdf.keep(pdf.keep_height(height))
    pdf.set_fill_color(*FOOTER_TINT)
    pdf.font(BODY_PT)
    pdf.multi_cell(
        0,
        LINE,
        footer,
        align=Align.C,
        fill=True,
        padding=Padding(pad_v, pad_h, pad_v, pad_h),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


# The last PDFs made by this process, by a digest of everything drawn on them. A PDF costs
# 0.1-0.3 s of CPU (fpdf2 parses and subsets the two embedded fonts for every document, and a
# plan of two pages is drawn twice); the same plan asked for again - printed, then downloaded,
# or opened by two people - is the same document. The key is the whole content, so a changed
# step, name, language or date ("dated" is today's date) makes a new PDF. Only bytes already
# given to someone allowed to read them are kept, in this process's memory, never on disk.
PDF_CACHE_SIZE = 64
_made: OrderedDict[str, bytes] = OrderedDict()
_made_lock = threading.Lock()


def render_take_home_pdf(plan: TakeHomePlan) -> bytes:
    """The take-home plan as PDF bytes: US Letter, one page for a typical plan.

    A plan that runs over a page is drawn again with "name · title · page / pages" at the foot
    of each page (the margin is kept free for it, so the layout does not move).
    """
    key = hashlib.sha256(repr(plan).encode()).hexdigest()
    with _made_lock:
        if key in _made:
            _made.move_to_end(key)
            return _made[key]
    made = _make(plan)
    with _made_lock:
        _made[key] = made
        while len(_made) > PDF_CACHE_SIZE:
            _made.popitem(last=False)
    return made


def _make(plan: TakeHomePlan) -> bytes:
    pdf = _render(plan)
    if pdf.pages_count > 1:
        label = " \u00b7 ".join(
            x for x in (_clean(plan.client_name), _clean(plan.title)) if x and "\n" not in x
        )
        pdf = _render(plan, page_label=label, total_pages=pdf.pages_count)
    return bytes(pdf.output())


def _render(plan: TakeHomePlan, page_label: str | None = None, total_pages: int = 0) -> _PlanPDF:
    pdf = _PlanPDF(page_label, total_pages)
    title, name = _clean(plan.title), _clean(plan.client_name)
    pdf.set_title(f"{title} \u2014 {name}" if name else title)
    language = _clean(plan.language)
    if language:
        pdf.set_lang(language)
    pdf.set_creator("Strengthwise")
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_page()
    _title_block(pdf, plan)
    _goals_block(pdf, plan)
    _strengths_block(pdf, plan)
    _steps_block(pdf, plan)
    _contacts_block(pdf, plan)
    _footer_block(pdf, plan)
    return pdf
