"""Opening hours: open during hours and closed outside, hours past midnight, date ranges, time
zones, daylight-saving days, the local clock, and the human-readable description."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from strengthwise.directory.hours import (
    DAY_CODES,
    describe,
    is_open,
    local_clock,
    parse_byday,
    rule_is_open,
)

CHICAGO = ZoneInfo("America/Chicago")
TOKYO = ZoneInfo("Asia/Tokyo")
UTC = dt.UTC


def rule(byday="MO,TU,WE,TH,FR", opens="09:00", closes="17:00", **fields):
    """A schedule rule as a plain dict (is_open also reads model instances)."""
    return {
        "byday": byday,
        "opens_at": dt.time.fromisoformat(opens) if opens else None,
        "closes_at": dt.time.fromisoformat(closes) if closes else None,
        "valid_from": fields.get("valid_from"),
        "valid_to": fields.get("valid_to"),
        "freq": fields.get("freq", "WEEKLY"),
        "description": fields.get("description", ""),
    }


def local(*args: int, tz: ZoneInfo = CHICAGO) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


# 2026-03-06 is a Friday; 2026-03-08 is the spring-forward Sunday in the US.
FRI, SAT, SUN = (2026, 3, 6), (2026, 3, 7), (2026, 3, 8)


# --- a brute-force oracle ---------------------------------------------------------------------


def oracle(r: dict, at: dt.datetime, tz: ZoneInfo) -> bool:
    """Open if the local wall-clock time falls in any concrete interval [start, end) built
    from the rule for yesterday and today. Written differently from hours.py on purpose."""
    if not (r["opens_at"] and r["closes_at"]) or (r["freq"] or "WEEKLY") != "WEEKLY":
        return False
    wall = at.astimezone(tz).replace(tzinfo=None)
    for back in (1, 0):
        day = wall.date() - dt.timedelta(days=back)
        if DAY_CODES[day.weekday()] not in (r["byday"] or "").split(","):
            continue
        if r["valid_from"] and day < r["valid_from"]:
            continue
        if r["valid_to"] and day > r["valid_to"]:
            continue
        start = dt.datetime.combine(day, r["opens_at"])
        end_day = day if r["closes_at"] > r["opens_at"] else day + dt.timedelta(days=1)
        end = dt.datetime.combine(end_day, r["closes_at"])
        if start <= wall < end:
            return True
    return False


times = st.times().map(lambda t: t.replace(microsecond=0))
quarter_hours = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
day_sets = st.sets(st.sampled_from(DAY_CODES), min_size=1).map(
    lambda days: ",".join(d for d in DAY_CODES if d in days)
)
instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from([CHICAGO, TOKYO, ZoneInfo("Europe/London"), ZoneInfo("Australia/Sydney")])
dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31))


@given(
    byday=day_sets,
    opens=quarter_hours,
    closes=quarter_hours,
    at=instants,
    tz=zones,
    valid_from=st.none() | dates,
    valid_to=st.none() | dates,
)
def test_agrees_with_the_brute_force_oracle(byday, opens, closes, at, tz, valid_from, valid_to):
    r = rule(byday, opens.isoformat(), closes.isoformat(), valid_from=valid_from, valid_to=valid_to)
    assert is_open([r], at, tz) == oracle(r, at, tz)


def _wall(day: dt.date, t: dt.time, tz: ZoneInfo) -> dt.datetime:
    """An aware datetime showing `t` on the clock that day; skips times a DST jump removes."""
    at = dt.datetime.combine(day, t, tzinfo=tz)
    assume(at.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == at.replace(tzinfo=None))
    return at


@given(day=dates, t=times)
def test_office_hours_open_during_and_closed_outside(day, t):
    weekday_rule = rule("MO,TU,WE,TH,FR", "09:00", "17:00")
    at = _wall(day, t, CHICAGO)
    expected = day.weekday() < 5 and dt.time(9) <= t < dt.time(17)
    assert is_open([weekday_rule], at, CHICAGO) is expected


@given(day=dates, t=times)
def test_overnight_hours_count_after_midnight(day, t):
    shelter = rule("FR", "20:00", "08:00")  # Friday night into Saturday morning
    at = _wall(day, t, CHICAGO)
    friday_evening = day.weekday() == 4 and t >= dt.time(20)
    saturday_morning = day.weekday() == 5 and t < dt.time(8)
    assert is_open([shelter], at, CHICAGO) is (friday_evening or saturday_morning)


@given(at=instants, tz=zones)
def test_equal_times_mean_open_around_the_clock(at, tz):
    assert is_open([rule("MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00")], at, tz)


def test_friday_night_shelter_examples():
    shelter = [rule("FR", "20:00", "08:00")]
    assert not is_open(shelter, local(*FRI, 19, 59), CHICAGO)
    assert is_open(shelter, local(*FRI, 20, 0), CHICAGO)
    assert is_open(shelter, local(*FRI, 23, 59), CHICAGO)
    assert is_open(shelter, local(*SAT, 3, 0), CHICAGO)  # the previous day's rule
    assert is_open(shelter, local(*SAT, 7, 59), CHICAGO)
    assert not is_open(shelter, local(*SAT, 8, 0), CHICAGO)
    assert not is_open(shelter, local(2026, 3, 5, 3, 0), CHICAGO)  # Thursday 3 am
    # Closing at midnight exactly: open until 23:59:59, closed at 00:00.
    late = [rule("SA", "18:00", "00:00")]
    assert is_open(late, local(*SAT, 23, 59, 59), CHICAGO)
    assert not is_open(late, local(*SUN, 0, 0), CHICAGO)


def test_a_rule_is_valid_only_in_its_date_range():
    winter = [
        rule(
            "MO,TU,WE,TH,FR,SA,SU",
            "18:00",
            "08:00",
            valid_from=dt.date(2026, 11, 1),
            valid_to=dt.date(2027, 3, 31),
        )
    ]
    assert not is_open(winter, local(2026, 10, 31, 22, 0), CHICAGO)
    assert is_open(winter, local(2026, 11, 1, 22, 0), CHICAGO)
    assert is_open(winter, local(2027, 1, 15, 2, 0), CHICAGO)
    assert is_open(winter, local(2027, 3, 31, 22, 0), CHICAGO)
    # The last night started on the 31st, so it still counts on the morning of April 1st…
    assert is_open(winter, local(2027, 4, 1, 7, 0), CHICAGO)
    # …but no new night starts on April 1st.
    assert not is_open(winter, local(2027, 4, 1, 22, 0), CHICAGO)
    # And the first morning (Nov 1, before 8 am) belongs to October 31st's night: closed.
    assert not is_open(winter, local(2026, 11, 1, 3, 0), CHICAGO)


def test_the_same_instant_is_open_in_chicago_and_closed_in_tokyo():
    office = [rule("MO,TU,WE,TH,FR", "09:00", "17:00")]
    instant = dt.datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tue 10:00 Chicago, Wed 00:00 Tokyo
    assert is_open(office, instant, CHICAGO)
    assert not is_open(office, instant, TOKYO)
    # And the other way round, eight hours later: 18:00 Chicago, 08:00 Tokyo… then 09:00.
    assert not is_open(office, instant + dt.timedelta(hours=8), CHICAGO)
    assert is_open(office, instant + dt.timedelta(hours=9), TOKYO)


def test_spring_forward_day_uses_the_clock_on_the_wall():
    sunday = [rule("SU", "09:00", "17:00")]
    # 14:00 UTC is 08:00 CST the Sunday before, but 09:00 CDT on the spring-forward Sunday.
    assert not is_open(sunday, dt.datetime(2026, 3, 1, 14, 0, tzinfo=UTC), CHICAGO)
    assert is_open(sunday, dt.datetime(2026, 3, 8, 14, 0, tzinfo=UTC), CHICAGO)
    # Overnight hours through the missing hour (02:00–03:00 does not exist that night).
    saturday_night = [rule("SA", "23:00", "03:00")]
    assert is_open(saturday_night, dt.datetime(2026, 3, 8, 7, 59, tzinfo=UTC), CHICAGO)  # 1:59
    assert not is_open(saturday_night, dt.datetime(2026, 3, 8, 8, 0, tzinfo=UTC), CHICAGO)  # 3:00
    # A 22:00–06:00 shelter closes at 06:00 local, which came an hour "early" in UTC terms.
    shelter = [rule("SA", "22:00", "06:00")]
    assert is_open(shelter, dt.datetime(2026, 3, 8, 10, 59, tzinfo=UTC), CHICAGO)  # 5:59 CDT
    assert not is_open(shelter, dt.datetime(2026, 3, 8, 11, 0, tzinfo=UTC), CHICAGO)  # 6:00


def test_fall_back_day_repeats_the_hour_and_stays_open():
    night = [rule("SA", "23:00", "02:00")]
    # 2026-11-01: 01:30 happens twice in Chicago (CDT, then CST). Both are before 02:00.
    first = dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    second = dt.datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    assert first.astimezone(CHICAGO).hour == second.astimezone(CHICAGO).hour == 1
    assert is_open(night, first, CHICAGO) and is_open(night, second, CHICAGO)
    assert not is_open(night, dt.datetime(2026, 11, 1, 8, 0, tzinfo=UTC), CHICAGO)  # 02:00 CST


def test_rules_that_cannot_say_are_never_open():
    at = local(2026, 3, 10, 12, 0)  # Tuesday noon
    assert not is_open([rule("TU", None, None)], at, CHICAGO)
    assert not is_open([rule("TU", "09:00", None)], at, CHICAGO)
    assert not is_open([rule("", "09:00", "17:00")], at, CHICAGO)
    assert not is_open([rule("TU", "09:00", "17:00", freq="MONTHLY")], at, CHICAGO)
    assert not is_open([], at, CHICAGO)
    # Blank freq means weekly; lower case and spaces in byday are tolerated.
    assert is_open([rule("mo, tu", "09:00", "17:00", freq="")], at, CHICAGO)
    assert parse_byday("MO,1TU,-1FR,XX,SU") == frozenset({0, 6})


def test_reads_model_like_objects_and_iso_strings():
    as_object = SimpleNamespace(
        byday="TU", opens_at="09:00", closes_at="17:00", valid_from=None, valid_to="2026-12-31"
    )
    at = local(2026, 3, 10, 12, 0)
    assert rule_is_open(as_object, at, CHICAGO)
    assert not rule_is_open(as_object, local(2027, 3, 9, 12, 0), CHICAGO)


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="aware datetime"):
        is_open([rule()], dt.datetime(2026, 3, 10, 12, 0), CHICAGO)
    with pytest.raises(ValueError, match="aware datetime"):
        local_clock(dt.datetime(2026, 3, 10, 12, 0), CHICAGO)


# --- the local clock ------------------------------------------------------------------------


def test_the_local_clock_gives_the_local_day_and_time():
    assert local_clock(dt.datetime(2026, 3, 7, 9, 30, tzinfo=UTC), CHICAGO) == (
        dt.date(2026, 3, 7),
        dt.time(3, 30),
    )
    # Tokyo is already on Tuesday for the same instant.
    assert local_clock(dt.datetime(2026, 3, 9, 15, 0, tzinfo=UTC), TOKYO)[0].weekday() == 1


# --- describing hours ---------------------------------------------------------------------------


def test_describe_groups_days_and_marks_the_next_day():
    assert describe([rule("MO,TU,WE,TH,FR", "09:00", "17:00")], "en") == ["Mon–Fri 9:00–17:00"]
    assert describe([rule("FR", "20:00", "08:00")], "en") == ["Fri 20:00–8:00 (next day)"]
    assert describe([rule("MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00")], "en") == [
        "Every day, 24 hours"
    ]
    assert describe(
        [
            rule("SA", "10:00", "14:00"),
            rule("MO,WE,FR", "09:00", "12:00"),
            rule("SU", "10:00", "14:00"),
            rule("SA", "18:00", "00:00"),
        ],
        "en",
    ) == ["Mon, Wed, Fri 9:00–12:00", "Sat, Sun 10:00–14:00", "Sat 18:00–24:00"]
    assert describe([rule("TU", None, None)], "en") == ["Tue, hours not listed"]
    assert describe([rule("", None, None, description="First Saturday of the month")], "en") == [
        "First Saturday of the month"
    ]
    dated = describe([rule("TU,TH", "18:00", "20:00", valid_from=dt.date(2026, 9, 1))], "en")
    assert dated[0].startswith("Tue, Thu 18:00–20:00, from ") and "2026" in dated[0]


def test_describe_translates_day_names():
    lines = describe([rule("MO,TU,WE,TH,FR", "09:00", "17:00"), rule("SA", "10:00", "12:00")], "es")
    assert lines == ["lun–vie 9:00–17:00", "sáb 10:00–12:00"]
