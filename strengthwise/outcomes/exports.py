"""Report tables and their exports: CSV, Excel (XLSX) and a program summary PDF.

A `Table` carries its denominator note, so every export says what each figure is out of.
Cells that a spreadsheet would run as a formula (starting with = + - @, tab or carriage return)
are prefixed with an apostrophe (CSV/formula injection). CSV is UTF-8 with a byte-order mark, so
Excel on Windows reads "10–19" and accented names right; a share is a `Share`, shown as "42%"
and stored in a spreadsheet as the number 0.42 with a percentage format."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from strengthwise.core.text import spreadsheet_safe
from strengthwise.plans.fonts import FONT_FAMILY, FONT_FILES

# openpyxl and fpdf are imported where a file is made, not with this module: every report page
# imports it, and a new server process should not pay for them before it needs them
# (strengthwise/warmup.py loads them in the server's master process instead).


@dataclass(frozen=True)
class Share:
    """A share between 0 and 1: "42%" on the page, in CSV and PDF; a number in XLSX."""

    value: float

    def __str__(self) -> str:
        return f"{round(self.value * 100)}%"


Cell = str | int | float | Share | None
BOM = "\ufeff"
PERCENT_FORMAT = "0%"


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""  # the denominator, what was left out, suppression
    chart: str = field(default="", repr=False)  # inline SVG for the page (not exported)
    # (list key, label, count): links from the page to the records behind a figure.
    links: list[tuple[str, str, int]] = field(default_factory=list, repr=False)
    # What the page shows of a long table, and says of the rest (the exports have every row).
    page_rows: list[list[Cell]] | None = field(default=None, repr=False)
    page_note: str = field(default="", repr=False)

    @property
    def shown(self) -> list[list[Cell]]:
        """The rows the page shows."""
        return self.rows if self.page_rows is None else self.page_rows


def _safe(value: Cell) -> Cell:
    if isinstance(value, str):
        return spreadsheet_safe(value)
    if isinstance(value, float):
        return round(value, 4)
    return value


def to_csv(table: Table, context: Sequence[str] = ()) -> str:
    """The table, its note, then `context` (what the figures cover: filters, period, "as of"),
    each line a row of its own, so a file read away from the page still says what it counts."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_safe(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if v is None else _safe(v) for v in row])
    if table.note or context:
        writer.writerow([])
    if table.note:
        writer.writerow([_safe(table.note)])
    for line in context:
        writer.writerow([_safe(line)])
    return out.getvalue()


def csv_bytes(text: str) -> bytes:
    """CSV text as a download: UTF-8 with a byte-order mark (Excel on Windows otherwise reads
    it as a legacy code page and garbles "10–19")."""
    return (BOM + text).encode("utf-8")


def to_xlsx(tables: Sequence[Table], context: Sequence[str] = ()) -> bytes:
    """One sheet per table (names cut to Excel's 31 characters), header in bold, the note and
    `context` (filters, period, "as of") under the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for table in tables:
        name = "".join(ch for ch in table.title if ch not in "[]:*?/\\")[:31] or table.key[:31]
        base, n = name, 2
        while name in used:
            name = f"{base[:28]}~{n}"
            n += 1
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([_safe(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        # Rows counted here: asking the sheet for its last row scans every cell (a table of
        # thousands of rows took seconds).
        for number, row in enumerate(table.rows, start=2):
            sheet.append([v.value if isinstance(v, Share) else _safe(v) for v in row])
            for column, value in enumerate(row, start=1):
                if isinstance(value, Share):
                    sheet.cell(row=number, column=column).number_format = PERCENT_FORMAT
        if table.note or context:
            sheet.append([])
        if table.note:
            sheet.append([_safe(table.note)])
        for line in context:
            sheet.append([_safe(line)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def summary_pdf(
    *, title: str, subtitle: str, tables: Sequence[Table], filters: Sequence[str] = ()
) -> bytes:
    """The program summary: the filters and period it covers at the top (`filters`, one line
    each), then every table with its note, in DejaVu Sans (vendored)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="letter")
    for style, path in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, str(path))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.multi_cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
    if filters:
        pdf.ln(1)
        pdf.set_font(FONT_FAMILY, "B", 10)
        for stated in filters:
            pdf.multi_cell(0, 5, stated, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for table in tables:
        pdf.set_font(FONT_FAMILY, "B", 12)
        pdf.multi_cell(0, 6, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, "", 9)
        if table.rows:
            with pdf.table(
                col_widths=tuple(2 if i == 0 else 1 for i in range(len(table.columns))),
                text_align="LEFT",
                line_height=5,
            ) as grid:
                head = grid.row()
                for column in table.columns:
                    head.cell(str(column))
                for row in table.shown[:60]:
                    line = grid.row()
                    for value in row:
                        line.cell(_text(value))
        if table.page_note:
            pdf.set_font(FONT_FAMILY, "", 8)
            pdf.multi_cell(0, 4, table.page_note, new_x="LMARGIN", new_y="NEXT")
        if table.note:
            pdf.set_font(FONT_FAMILY, "", 8)
            pdf.multi_cell(0, 4, table.note, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
