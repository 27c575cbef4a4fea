"""AHC HRSN core screening: the YAML template and the scoring rules (reference/screening.md)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strengthwise.assessments.screening import (
    DomainResult,
    ScreeningResult,
    hrsn_template,
    score_hrsn,
)

SAFETY_ITEMS = ("safety_hurt", "safety_insult", "safety_threaten", "safety_scream")
SAFETY_VALUES = {"never": 1, "rarely": 2, "sometimes": 3, "fairly_often": 4, "frequently": 5}

ALL_CLEAR = {
    "living_situation": "steady",
    "housing_problems": ["none"],
    "food_worry": "never",
    "food_ran_out": "never",
    "transportation": "no",
    "utilities": "no",
    **dict.fromkeys(SAFETY_ITEMS, "never"),
}


def domain(result: ScreeningResult, key: str) -> DomainResult:
    return result.domain(key)


def with_answers(**changes) -> dict:
    return {**ALL_CLEAR, **changes}


# --- the template ---------------------------------------------------------------------------


def test_template_has_ten_core_items_in_five_domains():
    t = hrsn_template()
    assert t["version"] == 1
    assert str(t["loinc"]) == "96777-8"
    assert len(t["items"]) == 10
    assert [d["key"] for d in t["domains"]] == [
        "living_situation",
        "food",
        "transportation",
        "utilities",
        "safety",
    ]
    counts = {d["key"]: 0 for d in t["domains"]}
    for item in t["items"]:
        counts[item["domain"]] += 1
    assert counts == {
        "living_situation": 2,
        "food": 2,
        "transportation": 1,
        "utilities": 1,
        "safety": 4,
    }


def test_template_items_and_options_are_well_formed():
    t = hrsn_template()
    assert t["declined_option"]["key"] == "declined"
    assert t["declined_option"]["label"].strip()
    item_keys = [item["key"] for item in t["items"]]
    assert len(set(item_keys)) == len(item_keys)
    for d in t["domains"]:
        assert d["label"].strip() and d["suggestion"].strip()
    for item in t["items"]:
        assert item["question"].strip() and item["short"].strip()
        option_keys = [o["key"] for o in item["options"]]
        assert len(set(option_keys)) == len(option_keys), item["key"]
        assert "declined" not in option_keys
        for option in item["options"]:
            assert isinstance(option["key"], str) and option["key"], item["key"]
            assert isinstance(option["label"], str) and option["label"].strip()
            if item["domain"] == "safety":
                assert "positive" not in option
                assert isinstance(option["value"], int) and 1 <= option["value"] <= 5
            else:
                assert "value" not in option
                assert isinstance(option["positive"], bool)
        if item["domain"] == "safety":
            assert [(o["key"], o["value"]) for o in item["options"]] == list(SAFETY_VALUES.items())
        else:
            # Every non-safety item can be answered without flagging a need, and can flag one.
            assert {o["positive"] for o in item["options"]} == {True, False}


def test_template_is_a_copy():
    hrsn_template()["items"].clear()
    assert len(hrsn_template()["items"]) == 10


def test_unknown_version():
    with pytest.raises(ValueError, match="version 99"):
        hrsn_template(99)


# --- domain rules ---------------------------------------------------------------------------


def test_all_clear_is_negative_everywhere():
    result = score_hrsn(ALL_CLEAR)
    assert [d.positive for d in result.domains] == [False] * 5
    assert result.positive_domains == ()
    assert result.safety_total == 4
    assert [d.domain for d in result.domains] == [
        "living_situation",
        "food",
        "transportation",
        "utilities",
        "safety",
    ]
    assert all(d.suggestion and d.label for d in result.domains)


@pytest.mark.parametrize(
    ("situation", "problems", "positive"),
    [
        ("steady", ["none"], False),
        ("worried", ["none"], True),
        ("not_steady", ["none"], True),
        ("steady", ["mold"], True),
        ("steady", ["pests", "water_leaks"], True),
        ("steady", ["lead"], True),
        ("steady", ["heat"], True),
        ("steady", ["stove"], True),
        ("steady", ["smoke_detectors"], True),
        ("steady", [], False),  # nothing ticked: unanswered, the other item decides
        ("steady", None, False),
        ("steady", "declined", False),
        ("declined", ["mold"], True),
        (None, ["none"], False),
        ("declined", "declined", None),
        (None, None, None),
    ],
)
def test_living_situation(situation, problems, positive):
    result = score_hrsn(with_answers(living_situation=situation, housing_problems=problems))
    assert domain(result, "living_situation").positive is positive


def test_living_situation_detail_names_what_was_flagged():
    result = score_hrsn(with_answers(living_situation="worried", housing_problems=["mold", "none"]))
    detail = domain(result, "living_situation").detail
    assert "worried about losing it" in detail and "mold" in detail and "none" not in detail


@pytest.mark.parametrize(
    ("worry", "ran_out", "positive"),
    [
        ("never", "never", False),
        ("often", "never", True),
        ("sometimes", "never", True),
        ("never", "often", True),
        ("never", "sometimes", True),
        ("often", "often", True),
        ("declined", "never", False),
        ("declined", "sometimes", True),
        (None, "often", True),
        ("declined", "declined", None),
        (None, None, None),
    ],
)
def test_food(worry, ran_out, positive):
    result = score_hrsn(with_answers(food_worry=worry, food_ran_out=ran_out))
    assert domain(result, "food").positive is positive


@pytest.mark.parametrize(
    ("answer", "positive"), [("yes", True), ("no", False), ("declined", None), (None, None)]
)
def test_transportation(answer, positive):
    assert domain(score_hrsn(with_answers(transportation=answer)), "transportation").positive is (
        positive
    )


@pytest.mark.parametrize(
    ("answer", "positive"),
    [("yes", True), ("no", False), ("already_shut_off", True), ("declined", None), (None, None)],
)
def test_utilities(answer, positive):
    assert domain(score_hrsn(with_answers(utilities=answer)), "utilities").positive is positive


@pytest.mark.parametrize(
    ("answers", "total", "positive"),
    [
        (("never", "never", "never", "never"), 4, False),
        (("sometimes", "sometimes", "rarely", "rarely"), 10, False),
        (("sometimes", "sometimes", "sometimes", "rarely"), 11, True),
        (("frequently", "never", "never", "never"), 8, False),
        (("fairly_often", "never", "fairly_often", "rarely"), 11, True),
        (("frequently",) * 4, 20, True),
    ],
)
def test_safety_scores(answers, total, positive):
    result = score_hrsn(with_answers(**dict(zip(SAFETY_ITEMS, answers, strict=True))))
    safety = domain(result, "safety")
    assert result.safety_total == total
    assert safety.positive is positive
    assert f"safety score {total}" in safety.detail
    assert ("more than 10" in safety.detail) is positive


def test_safety_detail_wording():
    result = score_hrsn(
        with_answers(safety_hurt="sometimes", safety_insult="frequently", safety_threaten="rarely")
    )
    assert domain(result, "safety").detail == "safety score 11 (more than 10)"
    assert result.positive_domains == ("safety",)


@pytest.mark.parametrize(
    ("answers", "positive"),
    [
        # Three answered, one declined: the partial sum already exceeds 10 -> positive.
        (("frequently", "frequently", "rarely", "declined"), True),
        (("frequently", "frequently", "never", None), True),
        # Partial sum of 10 or less: the fourth answer could tip it either way -> undecided.
        (("frequently", "rarely", "never", "declined"), None),
        (("frequently", "frequently", "declined", "declined"), None),
        (("never", "never", "never", "declined"), None),
        (("declined", "declined", "declined", "declined"), None),
        ((None, None, None, None), None),
    ],
)
def test_safety_with_declined_items(answers, positive):
    result = score_hrsn(with_answers(**dict(zip(SAFETY_ITEMS, answers, strict=True))))
    assert domain(result, "safety").positive is positive
    assert result.safety_total is None


def test_declined_and_unanswered_details():
    declined = score_hrsn({key: "declined" for key in ALL_CLEAR})
    assert all(d.positive is None for d in declined.domains)
    assert all(d.detail == "chose not to answer" for d in declined.domains)
    assert declined.positive_domains == ()
    assert declined.safety_total is None
    empty = score_hrsn({})
    assert all(d.positive is None and d.detail == "not answered" for d in empty.domains)


def test_partial_answers_are_noted():
    result = score_hrsn({"food_worry": "never"})
    food = domain(result, "food")
    assert food.positive is False
    assert "1 of 2 items answered" in food.detail
    partial_safety = domain(score_hrsn({"safety_hurt": "rarely"}), "safety")
    assert partial_safety.positive is None
    assert "1 of 4 items answered" in partial_safety.detail


def test_declined_as_a_single_item_list():
    result = score_hrsn({"housing_problems": ["declined"], "living_situation": "declined"})
    assert domain(result, "living_situation").positive is None


# --- invalid input --------------------------------------------------------------------------


def test_unknown_item_keys_are_named():
    with pytest.raises(ValueError, match="bogus_item") as excinfo:
        score_hrsn({**ALL_CLEAR, "bogus_item": "yes", "another": "no"})
    assert "another" in str(excinfo.value)


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ({"transportation": "maybe"}, "maybe"),
        ({"food_worry": "always"}, "always"),
        ({"housing_problems": ["mold", "asbestos"]}, "asbestos"),
        ({"safety_hurt": "1"}, "'1'"),
        ({"utilities": ["yes"]}, "utilities"),  # single-choice item given a list
        ({"housing_problems": ["mold", "declined"]}, "declined"),
        ({"transportation": 1}, "transportation"),
    ],
)
def test_unknown_option_keys_are_named(answers, named):
    with pytest.raises(ValueError, match=named):
        score_hrsn(answers)


def test_every_bad_answer_is_reported_at_once():
    with pytest.raises(ValueError) as excinfo:
        score_hrsn({"transportation": "maybe", "utilities": "perhaps"})
    assert "maybe" in str(excinfo.value) and "perhaps" in str(excinfo.value)


# --- property -------------------------------------------------------------------------------


@given(st.tuples(*[st.sampled_from(sorted(SAFETY_VALUES))] * 4))
def test_safety_positive_iff_sum_over_ten(answers):
    result = score_hrsn(dict(zip(SAFETY_ITEMS, answers, strict=True)))
    total = sum(SAFETY_VALUES[a] for a in answers)
    assert result.safety_total == total
    assert domain(result, "safety").positive is (total > 10)
    assert ("safety" in result.positive_domains) is (total > 10)


@given(
    st.tuples(*[st.sampled_from([*sorted(SAFETY_VALUES), "declined", None])] * 4).filter(
        lambda answers: any(a in SAFETY_VALUES for a in answers)
    )
)
def test_safety_partial_answers_never_contradict_a_complete_score(answers):
    """Positive on partial answers only when every completion would be positive too."""
    positive = domain(score_hrsn(dict(zip(SAFETY_ITEMS, answers, strict=True))), "safety").positive
    partial = sum(SAFETY_VALUES.get(a, 0) for a in answers)
    missing = sum(a not in SAFETY_VALUES for a in answers)
    if missing == 0:
        assert positive is (partial > 10)
    elif partial > 10:
        assert positive is True
    else:
        assert positive is None
