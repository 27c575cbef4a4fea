"""Helpers for tests that read PDFs: the take-home plan fpdf2 draws, and pages Chromium prints.

Nothing here is used at runtime; pypdf is a test dependency.
"""

from __future__ import annotations

import io

from pypdf import PdfReader


def read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def page_texts(data: bytes) -> list[str]:
    """The extracted text of each page, in order."""
    return [page.extract_text() for page in read(data).pages]


def text_of(data: bytes) -> str:
    """The extracted text of the whole document, a line break between pages."""
    return "\n".join(page_texts(data))
