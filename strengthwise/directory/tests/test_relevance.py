"""The goal-words ranking: stemming, stop words, related words and BM25 (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strengthwise.directory.relevance import (
    Document,
    bm25,
    fetch_prefix,
    query_terms,
    stem,
    terms,
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("apartments", "apartment"),
        ("apartment", "apartment"),
        ("housing", "hous"),
        ("house", "hous"),
        ("houses", "hous"),
        ("families", "famili"),
        ("family", "famili"),
        ("moving", "mov"),
        ("moved", "mov"),
        ("classes", "class"),
        ("class", "class"),
        ("shopping", "shop"),
        ("churches", "church"),
        ("groceries", "groceri"),
        ("grocery", "groceri"),
        ("stay", "stay"),
        ("bus", "bus"),
        ("needed", "need"),
        ("id", "id"),
    ],
)
def test_stem_table(word, expected):
    assert stem(word) == expected


@given(st.from_regex(r"[a-z]{1,14}", fullmatch=True))
def test_fetch_prefix_is_a_prefix_of_the_word(word):
    # The database fetches candidates by this prefix: it must never miss a word with the stem.
    assert word.startswith(fetch_prefix(stem(word)))


def test_stop_words_and_goal_verbs_are_not_the_goals_words():
    assert terms("Move into an apartment Jayden and I can stay in") == [
        "mov",
        "apartment",
        "jayden",
        "stay",
    ]
    own = {
        t
        for t, weight in query_terms("Move into an apartment Jayden and I can stay in").items()
        if weight == 1.0
    }
    assert own == {"apartment", "jayden"}  # "move" and "stay" say what she will do, not where


def test_related_words_join_at_half_weight():
    weights = query_terms("Move into an apartment")
    assert weights["apartment"] == 1.0
    assert weights["hous"] == weights["rent"] == weights["landlord"] == 0.5
    assert "food" not in weights
    assert query_terms("") == {}
    assert query_terms("the and of") == {}


def _docs(**texts):
    return {key: Document(name=name, terms="", text=text) for key, (name, text) in texts.items()}


def test_bm25_prefers_the_documents_with_the_goals_words():
    docs = _docs(
        rehousing=("Rapid re-housing", "Rent help to find and keep an apartment."),
        meal=("Community meal", "A hot meal, no questions asked."),
    )
    scores = bm25(
        query_terms("Move into an apartment"),
        docs,
        total_docs=10,
        lengths={"rehousing": 50, "meal": 40},
        average_length=45,
    )
    assert set(scores) == {"rehousing"}


def test_bm25_weighs_the_name_above_the_description_and_rare_words_above_common_ones():
    docs = _docs(
        in_name=("Apartment search", "Lists of vacant units."),
        in_text=("Housing help", "Lists of vacant units and apartment viewings."),
    )
    scores = bm25({"apartment": 1.0}, docs, total_docs=10, lengths={}, average_length=40)
    assert scores["in_name"] > scores["in_text"]
    rare = bm25(
        query_terms("rare"), _docs(a=("x", "rare")), total_docs=100, lengths={}, average_length=4
    )
    common = bm25(
        query_terms("common"),
        _docs(**{f"d{i}": ("x", "common") for i in range(60)}),
        total_docs=100,
        lengths={},
        average_length=4,
    )
    assert rare["a"] > common["d0"]


@given(st.text(max_size=200), st.text(max_size=200))
def test_bm25_never_fails_and_never_scores_below_zero(goal, text):
    scores = bm25(
        query_terms(goal),
        _docs(a=("name", text)),
        total_docs=1,
        lengths={"a": len(text)},
        average_length=len(text) or 1,
    )
    assert all(value > 0 for value in scores.values())
