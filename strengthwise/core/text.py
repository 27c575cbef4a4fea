"""Small text helpers shared by search and duplicate detection."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")


def fold(value: str) -> str:
    """Case-fold, strip accents, keep letters and digits of any script, one space between words.

    'Hernández-Ruiz' -> 'hernandez ruiz'; 'Nguyễn Thị' -> 'nguyen thi'.
    """
    decomposed = unicodedata.normalize("NFKD", value or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(_WORD.findall(bare))


def digits(value: str) -> str:
    return "".join(ch for ch in value or "" if ch.isdigit())
