"""Goal Attainment Scaling T-score: worked values from the reference, properties, bad input."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from strengthwise.plans.gas import LEVEL_LABELS, LEVEL_LOINC, LEVELS, t_score, weight

# --- worked values (/work/shared/reference/goal-attainment-scaling.md, rho = 0.3) -------------


@pytest.mark.parametrize(
    ("scores", "weights", "expected"),
    [
        ((0, 0, 0), None, 50.00),
        ((1, 1, 0), None, 59.13),
        ((-1, -1, -1), None, 36.31),
        ((-2, -2, -2), None, 22.61),
        ((2, 2, 2), None, 77.39),
        ((1, -1, 2), (3, 1, 2), 63.22),
    ],
)
def test_worked_values(scores, weights, expected):
    assert round(t_score(scores, weights), 2) == expected


def test_equal_weights_are_the_unweighted_score():
    assert t_score([1, 1, 0], [4, 4, 4]) == pytest.approx(t_score([1, 1, 0]))
    assert t_score([1, 1, 0], [1, 1, 1]) == t_score([1, 1, 0])


def test_unweighted_matches_the_closed_form():
    scores = [2, -1, 0, 1]
    n = len(scores)
    assert t_score(scores) == pytest.approx(50 + 10 * sum(scores) / math.sqrt(0.7 * n + 0.3 * n**2))


def test_rho_zero_and_custom_rho():
    assert t_score([1, 1], rho=0) == pytest.approx(50 + 10 * 2 / math.sqrt(2))
    assert t_score([1, 1], rho=0.5) == pytest.approx(50 + 10 * 2 / math.sqrt(0.5 * 2 + 0.5 * 4))


def test_returns_an_unrounded_float():
    value = t_score([1, 1, 0])
    assert isinstance(value, float)
    assert value != round(value, 2)


def test_a_zero_weight_drops_that_goal():
    assert t_score([2, -2], [1, 0]) == pytest.approx(t_score([2]))


def test_other_number_types_are_accepted_for_weights_and_rho():
    expected = t_score([1, -1, 2], [3, 1, 2])
    assert t_score([1, -1, 2], [3.0, Decimal(1), Fraction(2)]) == pytest.approx(expected)
    assert t_score((1, -1, 2), (3, 1, 2), rho=Decimal("0.3")) == pytest.approx(expected)


def test_extreme_weights_do_not_overflow_or_divide_by_zero():
    assert t_score([2, 2], [1e-320, 1e-320]) == pytest.approx(t_score([2, 2]))
    assert t_score([2, 2], [1e308, 1e308]) == pytest.approx(t_score([2, 2]))


# --- levels and weights -----------------------------------------------------------------------


def test_levels_labels_and_loinc_codes():
    assert LEVELS == (-2, -1, 0, 1, 2)
    assert set(LEVEL_LABELS) == set(LEVELS) == set(LEVEL_LOINC)
    assert LEVEL_LABELS[2] == "much better than expected"
    assert LEVEL_LABELS[1] == "better than expected"
    assert LEVEL_LABELS[0] == "expected outcome"
    assert LEVEL_LABELS[-1] == "less than expected"
    assert LEVEL_LABELS[-2] == "much less than expected"
    assert dict(LEVEL_LOINC) == {
        2: "LA34479-8",
        1: "LA34480-6",
        0: "LA34481-4",
        -1: "LA34483-0",
        -2: "LA34484-8",
    }


def test_level_tables_are_read_only():
    with pytest.raises(TypeError):
        LEVEL_LABELS[3] = "off the scale"  # type: ignore[index]


@pytest.mark.parametrize(
    ("importance", "difficulty", "expected"), [(0, 3, 0), (2, 3, 6), (3, 3, 9)]
)
def test_weight_is_importance_times_difficulty(importance, difficulty, expected):
    assert weight(importance, difficulty) == expected


@pytest.mark.parametrize(
    ("importance", "difficulty"),
    [
        (4, 1),
        (1, 4),
        (-1, 1),
        (1, -1),
        (1.0, 1),
        (1, 2.5),
        (True, 1),
        (1, False),
        ("2", 1),
        (None, 1),
    ],
)
def test_weight_rejects_ratings_outside_0_to_3(importance, difficulty):
    with pytest.raises(ValueError, match="whole number from 0 to 3"):
        weight(importance, difficulty)


# --- properties -------------------------------------------------------------------------------

levels = st.sampled_from(LEVELS)
rhos = st.floats(min_value=0, max_value=1, exclude_max=True)
# Realistic weights: Turner-Stokes whole numbers 0-9, or non-negative floats of sensible size.
weight_values = st.one_of(
    st.integers(min_value=0, max_value=9),
    st.floats(min_value=0, max_value=1000, allow_subnormal=False),
)


@st.composite
def scored_goals(draw, min_size=1, max_size=12):
    """(scores, weights) of equal length with at least one positive weight."""
    scores = draw(st.lists(levels, min_size=min_size, max_size=max_size))
    weights = draw(st.lists(weight_values, min_size=len(scores), max_size=len(scores)))
    assume(any(w > 0 for w in weights))
    return scores, weights


@given(n=st.integers(min_value=1, max_value=50), data=st.data(), rho=rhos)
def test_all_goals_as_expected_is_exactly_50(n, data, rho):
    weights = data.draw(st.lists(weight_values, min_size=n, max_size=n))
    assume(any(w > 0 for w in weights))
    assert t_score([0] * n, weights, rho) == 50
    assert t_score([0] * n, rho=rho) == 50


@given(goals=scored_goals(), rho=rhos)
def test_negating_every_score_mirrors_around_50(goals, rho):
    scores, weights = goals
    mirrored = t_score([-x for x in scores], weights, rho)
    assert mirrored == pytest.approx(100 - t_score(scores, weights, rho), abs=1e-9)


@given(goals=scored_goals(), rho=rhos, data=st.data())
def test_raising_one_score_never_lowers_t(goals, rho, data):
    scores, weights = goals
    i = data.draw(st.integers(min_value=0, max_value=len(scores) - 1))
    assume(scores[i] < 2)
    better = [*scores]
    better[i] += 1
    before, after = t_score(scores, weights, rho), t_score(better, weights, rho)
    assert after >= before
    if weights[i] >= 1e-6 * max(weights):  # a goal that counts: strictly better
        assert after > before
    if weights[i] == 0:  # a goal with no weight: no change
        assert after == before


@given(goals=scored_goals(), rho=rhos, data=st.data())
def test_order_of_goals_does_not_matter(goals, rho, data):
    scores, weights = goals
    order = data.draw(st.permutations(range(len(scores))))
    shuffled = t_score([scores[i] for i in order], [weights[i] for i in order], rho)
    assert shuffled == t_score(scores, weights, rho)


@given(goals=scored_goals(), rho=rhos)
def test_t_lies_between_all_worst_and_all_best(goals, rho):
    scores, weights = goals
    n = len(scores)
    worst = t_score([-2] * n, weights, rho)
    best = t_score([2] * n, weights, rho)
    assert worst <= t_score(scores, weights, rho) <= best
    assert worst < 50 < best


@given(scores=st.lists(levels, min_size=1, max_size=12), rho=rhos)
def test_unweighted_is_weights_of_one(scores, rho):
    assert t_score(scores, rho=rho) == t_score(scores, [1] * len(scores), rho)


# --- invalid input ----------------------------------------------------------------------------

NAN = float("nan")
INF = float("inf")


@pytest.mark.parametrize(
    ("scores", "weights", "rho", "message"),
    [
        pytest.param([], None, 0.3, "at least one", id="empty list"),
        pytest.param((), None, 0.3, "at least one", id="empty tuple"),
        pytest.param(None, None, 0.3, "sequence", id="scores None"),
        pytest.param("12", None, 0.3, "sequence", id="scores a string"),
        pytest.param(5, None, 0.3, "sequence", id="scores a number"),
        pytest.param([True], None, 0.3, r"-2 to \+2", id="score True"),
        pytest.param([1, False], None, 0.3, r"-2 to \+2", id="score False"),
        pytest.param([3], None, 0.3, r"-2 to \+2", id="score 3"),
        pytest.param([-3], None, 0.3, r"-2 to \+2", id="score -3"),
        pytest.param([1.5], None, 0.3, r"-2 to \+2", id="score 1.5"),
        pytest.param([1.0], None, 0.3, r"-2 to \+2", id="score 1.0"),
        pytest.param(["1"], None, 0.3, r"-2 to \+2", id="score '1'"),
        pytest.param([None], None, 0.3, r"-2 to \+2", id="score None"),
        pytest.param([0, NAN], None, 0.3, r"-2 to \+2", id="score nan"),
        pytest.param([1, 1], [0, 0], 0.3, "greater than 0", id="weights all zero"),
        pytest.param([1, 1], [-1, 1], 0.3, "0 or more", id="weight negative"),
        pytest.param([1], [NAN], 0.3, "finite", id="weight nan"),
        pytest.param([1], [INF], 0.3, "finite", id="weight inf"),
        pytest.param([1], [-INF], 0.3, "finite", id="weight -inf"),
        pytest.param([1], ["1"], 0.3, "finite number", id="weight a string"),
        pytest.param([1], [None], 0.3, "finite number", id="weight None"),
        pytest.param([1], [True], 0.3, "finite number", id="weight True"),
        pytest.param([1], [10**400], 0.3, "finite number", id="weight too large for a float"),
        pytest.param([1, 1], [1], 0.3, "one weight per score", id="fewer weights"),
        pytest.param([1], [1, 1], 0.3, "one weight per score", id="more weights"),
        pytest.param([1], [], 0.3, "one weight per score", id="empty weights"),
        pytest.param([1], "1", 0.3, "sequence", id="weights a string"),
        pytest.param([1], None, 1.0, "from 0 up to", id="rho 1.0"),
        pytest.param([1], None, 1, "from 0 up to", id="rho 1"),
        pytest.param([1], None, -0.1, "from 0 up to", id="rho -0.1"),
        pytest.param([1], None, NAN, "from 0 up to", id="rho nan"),
        pytest.param([1], None, INF, "from 0 up to", id="rho inf"),
        pytest.param([1], None, "0.3", "from 0 up to", id="rho a string"),
        pytest.param([1], None, None, "from 0 up to", id="rho None"),
        pytest.param([1], None, False, "from 0 up to", id="rho False"),
    ],
)
def test_invalid_input_raises_value_error(scores, weights, rho, message):
    with pytest.raises(ValueError, match=message):
        t_score(scores, weights, rho)


def test_error_messages_say_what_was_wrong_and_what_is_allowed():
    with pytest.raises(ValueError) as excinfo:
        t_score([0, 3])
    assert "scores[1] is 3" in str(excinfo.value)
    assert "whole number from -2 to +2" in str(excinfo.value)
