"""Duplicate scoring: table tests and properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strengthwise.people.duplicates import (
    LIKELY,
    POSSIBLE,
    PersonKey,
    dob_similarity,
    match_level,
    match_score,
)

DOB = dt.date(1985, 3, 2)


def score(a, b):
    return match_score(PersonKey(*a), PersonKey(*b))


def test_jon_smyth_is_flagged_against_john_smith_with_the_same_birth_date():
    s = score(("Jon", "Smyth", DOB), ("John", "Smith", DOB))
    assert s >= LIKELY
    assert match_level(s) == "likely"


def test_a_different_birth_date_lowers_the_match():
    same = score(("Jon", "Smyth", DOB), ("John", "Smith", DOB))
    different = score(("Jon", "Smyth", DOB), ("John", "Smith", dt.date(1961, 8, 19)))
    assert different < same
    assert match_level(different) != "likely"


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        (
            ("Dana", "Whitfield", dt.date(1992, 4, 17)),
            ("Dana", "Whitfeld", dt.date(1992, 4, 17)),
            "likely",
        ),
        (
            ("Rosa", "Hernández", dt.date(1974, 2, 8)),
            ("Rosa", "Hernandez", dt.date(1974, 2, 8)),
            "likely",
        ),
        (
            ("Rosa", "Hernandez", dt.date(1974, 2, 8)),
            ("Rosa", "Hernandez", dt.date(1974, 8, 2)),
            "likely",
        ),  # day/month swapped
        (
            ("Catherine", "Nguyen", dt.date(1990, 1, 5)),
            ("Katherine", "Nguyen", dt.date(1990, 1, 5)),
            "likely",
        ),
        (("Smith", "John", DOB), ("John", "Smith", DOB), "likely"),  # first and last swapped
        (
            ("Dana", "Whitfield", None),
            ("Dana", "Whitfield", dt.date(1992, 4, 17)),
            "possible",
        ),  # unknown dob
        (
            ("Dana", "Whitfield", DOB),
            ("Marcus", "Oyelaran", DOB),
            "",
        ),  # same birthday, different person
        (("Ana", "Lopez", dt.date(2001, 6, 6)), ("Tom", "Baker", dt.date(1950, 1, 1)), ""),
    ],
)
def test_match_levels(a, b, level):
    assert match_level(score(a, b)) == level


def test_preferred_name_counts_as_a_first_name():
    with_pref = match_score(
        PersonKey("Robert", "Jones", DOB, "Bobby"), PersonKey("Bobby", "Jones", DOB)
    )
    assert with_pref >= LIKELY


def test_dob_similarity_table():
    assert dob_similarity(DOB, DOB) == 1.0
    assert dob_similarity(DOB, dt.date(1985, 2, 3)) == 0.8
    assert dob_similarity(DOB, dt.date(1985, 3, 7)) == 0.7
    assert dob_similarity(DOB, None) == 0.5
    assert dob_similarity(DOB, dt.date(1999, 9, 9)) == 0.0


names = st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=20)
dates = st.one_of(st.none(), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 1, 1)))


@given(names, names, dates, names, names, dates)
def test_score_is_between_zero_and_one_and_symmetric(f1, l1, d1, f2, l2, d2):
    a, b = PersonKey(f1, l1, d1), PersonKey(f2, l2, d2)
    s = match_score(a, b)
    assert 0.0 <= s <= 1.0
    assert s == pytest.approx(match_score(b, a), abs=1e-3)


@given(names, names, st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 1, 1)))
def test_a_person_matches_themselves(first, last, dob):
    assert match_score(PersonKey(first, last, dob), PersonKey(first, last, dob)) >= POSSIBLE
