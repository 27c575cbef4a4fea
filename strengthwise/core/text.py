"""Small text helpers shared by search and duplicate detection."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils import timezone
from django.utils.formats import date_format

_WORD = re.compile(r"[^\W_]+")


def fold(value: str) -> str:
    """Case-fold, strip accents, keep letters and digits of any script, one space between words.

    'Hernández-Ruiz' -> 'hernandez ruiz'; 'Nguyễn Thị' -> 'nguyen thi'.
    """
    value = value or ""
    if value.isascii():  # NFKD leaves ASCII as it is and it has no combining marks
        bare = value.casefold()
    else:
        decomposed = unicodedata.normalize("NFKD", value)
        bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(_WORD.findall(bare))


def digits(value: str) -> str:
    return "".join(ch for ch in value or "" if ch.isdigit())


def show_date(value: dt.date | dt.datetime | None) -> str:
    """A date as every page writes it in the active language (`SHORT_DATE_FORMAT`,
    strengthwise/formats); "" for none. Stored values and the API stay ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_format(value.date(), "SHORT_DATE_FORMAT")
    return date_format(value, "SHORT_DATE_FORMAT")


def spreadsheet_safe(value: str) -> str:
    """A text cell a spreadsheet will show as text, not run as a formula (CSV/XLSX exports):
    text starting with =, @, a tab or a carriage return, or with + or - followed by anything
    but a number ("+1 555 0100" and "-3" stay as written), gets a leading apostrophe."""
    if not value:
        return value
    first, rest = value[0], value[1:2]
    if first in "=@\t\r" or (first in "+-" and not (rest.isdigit() or rest in (" ", "(", "."))):
        return "'" + value
    return value
