"""Opening hours from HSDS schedules: "is it open now?" and "when is it open?".

Pure functions, no database: a rule is anything with the Schedule fields `byday`, `opens_at`,
`closes_at`, `valid_from`, `valid_to` and `freq` (a model instance, a dict, a namedtuple…).

How we read a rule (see also `models.Schedule`):
- Only weekly rules (`freq` "WEEKLY" or blank). Other frequencies are never "open now".
- `byday` lists two-letter day codes ("MO,TU,WE"). A rule without days, or without an opening
  or closing time, says nothing about the hours, so it is never "open now".
- Times are wall-clock times in the agency's time zone. A closing time at or before the opening
  time means the hours run past midnight: FR 20:00–08:00 is open from Friday 20:00 to Saturday
  08:00, and 00:00–00:00 is open all day (24 hours from midnight).
- `valid_from` / `valid_to` (inclusive) bound the day the hours *start*: a FR 20:00–08:00 rule
  valid to Friday the 5th is still open at 03:00 on Saturday the 6th.

Comparing wall-clock times in the local zone makes daylight-saving days work without special
cases: an instant is converted to the local time it actually shows on the clock that day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats, translation
from django.utils.translation import gettext as _

# ISO weekday order (Monday = 0), as datetime.weekday() counts.
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MIDNIGHT = dt.time(0, 0)


def _day_names() -> tuple[str, ...]:
    # Literal gettext calls so makemessages finds them; Django's own catalog already translates
    # these abbreviations (django.utils.dates.WEEKDAYS_ABBR), so they work before ours does.
    return (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))


# --- reading a rule --------------------------------------------------------------------------


def _field(rule: Any, name: str) -> Any:
    if isinstance(rule, Mapping):
        return rule.get(name)
    return getattr(rule, name, None)


def _as_time(value: Any) -> dt.time | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):  # a datetime is also a date: check it first
        return value.time().replace(tzinfo=None)
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)  # wall-clock time: any tzinfo would be meaningless
    return dt.time.fromisoformat(str(value))


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def parse_byday(value: str | None) -> frozenset[int]:
    """'MO,TU,WE' -> {0, 1, 2} (weekday numbers). Unknown tokens and positional monthly
    tokens such as '1MO' or '-1FR' are ignored: they do not describe a weekly rule."""
    days = set()
    for token in (value or "").replace(" ", "").upper().split(","):
        if token in DAY_CODES:
            days.add(DAY_CODES.index(token))
    return frozenset(days)


@dataclass(frozen=True)
class Rule:
    days: frozenset[int]
    opens: dt.time
    closes: dt.time
    valid_from: dt.date | None
    valid_to: dt.date | None

    @property
    def overnight(self) -> bool:
        """Runs past midnight (closing at or before opening; equal times mean 24 hours)."""
        return self.closes <= self.opens

    def starts_on(self, day: dt.date) -> bool:
        """Do this rule's hours start on `day` (right weekday, within the valid dates)?"""
        if day.weekday() not in self.days:
            return False
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to


def _weekly(rule: Any) -> bool:
    freq = (_field(rule, "freq") or "WEEKLY").strip().upper()
    return freq == "WEEKLY"


def read_rule(rule: Any) -> Rule | None:
    """The rule as we use it for "open now", or None when it cannot say."""
    if not _weekly(rule):
        return None
    opens, closes = _as_time(_field(rule, "opens_at")), _as_time(_field(rule, "closes_at"))
    days = parse_byday(_field(rule, "byday"))
    if opens is None or closes is None or not days:
        return None
    return Rule(
        days=days,
        opens=opens,
        closes=closes,
        valid_from=_as_date(_field(rule, "valid_from")),
        valid_to=_as_date(_field(rule, "valid_to")),
    )


# --- open now ----------------------------------------------------------------------------------


def _local(at: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("is_open needs an aware datetime (with a time zone), not a naive one")
    return at.astimezone(tz)


def rule_is_open(rule: Any, at: dt.datetime, tz: ZoneInfo) -> bool:
    """Is this one rule open at the instant `at`, read in the time zone `tz`?"""
    parsed = read_rule(rule)
    if parsed is None:
        return False
    return open_at(parsed, *local_clock(at, tz))


def open_at(rule: Rule, today: dt.date, now: dt.time) -> bool:
    """Is a rule read by `read_rule` open at the local wall-clock time `now` on `today`?"""
    # Opened today: open until closing, or until midnight when the hours run past it.
    if rule.starts_on(today) and rule.opens <= now and (rule.overnight or now < rule.closes):
        return True
    # Hours that started yesterday and run past midnight count until today's closing time.
    return rule.overnight and now < rule.closes and rule.starts_on(today - dt.timedelta(days=1))


def is_open(rules: Iterable[Any], at: dt.datetime, tz: ZoneInfo) -> bool:
    """Is any of `rules` open at the aware instant `at`, with times read in `tz`?

    Raises ValueError for a naive `at`: without a zone the instant is ambiguous.
    """
    _local(at, tz)  # validate even when there are no rules
    return any(rule_is_open(rule, at, tz) for rule in rules)


def local_clock(at: dt.datetime, tz: ZoneInfo) -> tuple[dt.date, dt.time]:
    """The local date and wall-clock time (naive) of the aware instant `at` in `tz`, as
    `open_at` takes them: worked out once for a search over many services."""
    local = _local(at, tz)
    return local.date(), local.time().replace(tzinfo=None)


# --- describing hours --------------------------------------------------------------------------


def _clock(value: dt.time) -> str:
    # 24-hour clock without a leading zero on the hour: "9:00", "17:30", "0:00".
    return f"{value.hour}:{value.minute:02d}"


def _day_ranges(days: Iterable[int]) -> str:
    """{0,1,2,3,4} -> "Mon–Fri"; {0,2,4} -> "Mon, Wed, Fri"; all seven -> "Every day".

    Runs of three or more days become a range; two adjacent days are listed ("Sat, Sun").
    """
    ordered = sorted(set(days))
    if len(ordered) == 7:
        return _("Every day")
    names = _day_names()
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{names[run[0]]}–{names[run[-1]]}")
        else:
            parts.extend(names[d] for d in run)
    return ", ".join(parts)


def _hours_text(opens: dt.time | None, closes: dt.time | None) -> str:
    if opens is None or closes is None:
        return _("hours not listed")
    if opens == closes == MIDNIGHT:
        return _("24 hours")
    if closes == MIDNIGHT:
        # Closing at midnight ends the same day: "18:00–24:00" (ISO 8601's end of day).
        return f"{_clock(opens)}–24:00"
    text = f"{_clock(opens)}–{_clock(closes)}"
    if closes <= opens:
        text = _("%(hours)s (next day)") % {"hours": text}
    return text


def _dates_text(valid_from: dt.date | None, valid_to: dt.date | None) -> str:
    def show(day: dt.date) -> str:
        return formats.date_format(day, "DATE_FORMAT")

    if valid_from and valid_to:
        return _("%(start)s to %(end)s") % {"start": show(valid_from), "end": show(valid_to)}
    if valid_from:
        return _("from %(date)s") % {"date": show(valid_from)}
    if valid_to:
        return _("until %(date)s") % {"date": show(valid_to)}
    return ""


def describe(rules: Iterable[Any], language: str | None = None) -> list[str]:
    """Human-readable lines for the weekly hours, in `language` (default: the active one).

    Days with the same hours and dates share a line, in week order:
    ["Mon–Fri 9:00–17:00", "Sat 10:00–14:00"], ["Fri 20:00–8:00 (next day)"],
    ["Every day, 24 hours"], ["Sat 18:00–24:00"]. Dated rules add their range:
    "Tue, Thu 18:00–20:00, from Sept. 1, 2026". A rule without times reads "Tue, hours not
    listed"; one without days falls back to its `description`, and non-weekly rules are shown
    by their description only. Times use the 24-hour clock without a leading zero.
    """
    with translation.override(language) if language else contextlib.nullcontext():
        groups: dict[tuple[Any, ...], set[int]] = {}
        extra: list[str] = []
        for rule in rules:
            description = (_field(rule, "description") or "").strip()
            days = parse_byday(_field(rule, "byday"))
            if not _weekly(rule) or not days:
                if description:
                    extra.append(description)
                continue
            key = (
                _as_time(_field(rule, "opens_at")),
                _as_time(_field(rule, "closes_at")),
                _as_date(_field(rule, "valid_from")),
                _as_date(_field(rule, "valid_to")),
            )
            groups.setdefault(key, set()).update(days)
        # Sort by first day, then opening time, so the week reads top to bottom.
        ordered = sorted(
            groups.items(), key=lambda item: (min(item[1]), item[0][0] or MIDNIGHT, str(item[0]))
        )
        lines = []
        for (opens, closes, valid_from, valid_to), group_days in ordered:
            # "Mon–Fri 9:00–17:00", but "Every day, 24 hours" when there are no clock times.
            separator = " " if opens is not None and closes is not None else ", "
            if opens == closes == MIDNIGHT:
                separator = ", "
            line = f"{_day_ranges(group_days)}{separator}{_hours_text(opens, closes)}"
            dates = _dates_text(valid_from, valid_to)
            if dates:
                line = f"{line}, {dates}"
            lines.append(line)
        return lines + extra
