"""The vendored fonts of every PDF the app makes (the take-home plan, the record copy, the
report summary). Never /usr/share: a PDF must render where no system fonts exist. Apart from
plans/pdf.py so that whoever names the fonts does not import fpdf with it."""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVuSans"
FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
