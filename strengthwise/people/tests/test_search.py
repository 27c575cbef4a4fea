"""Typo-tolerant client search, scoped by access (runs on SQLite FTS5 and PostgreSQL pg_trgm)."""

from __future__ import annotations

import pytest

from strengthwise.people.selectors import client_search


def names(results):
    return [c.legal_name for c in results]


@pytest.mark.parametrize(
    "query", ["Dana Whitfield", "whitfield", "Witfield", "Whitfeild", "dana whitfiled", "WHITFIELD"]
)
def test_typos_and_case_still_find_dana(personas, query):
    assert "Dana Whitfield" in names(client_search(visible_to=personas.alice, query=query))


def test_accents_do_not_matter(personas):
    assert names(client_search(visible_to=personas.alice, query="rosa hernandez")) == [
        "Rosa Hernández"
    ]
    assert names(client_search(visible_to=personas.alice, query="Hernández")) == ["Rosa Hernández"]


def test_best_match_first(personas):
    results = names(client_search(visible_to=personas.alice, query="Whitfield"))
    assert results[0] == "Dana Whitfield"


def test_unrelated_names_are_not_returned(personas):
    assert client_search(visible_to=personas.alice, query="Zyxwv") == []


def test_search_by_birth_date_phone_and_id(personas):
    assert "Dana Whitfield" in names(client_search(visible_to=personas.alice, query="1992-04-17"))
    assert "Dana Whitfield" in names(client_search(visible_to=personas.alice, query="04/17/1992"))
    assert "Dana Whitfield" in names(client_search(visible_to=personas.alice, query="555 201 4417"))
    assert names(client_search(visible_to=personas.alice, query=str(personas.rosa.pk))) == [
        "Rosa Hernández"
    ]


def test_search_is_scoped_to_what_the_user_may_see(personas):
    assert client_search(visible_to=personas.carol, query="Whitfield") == []
    mallory_sees = client_search(visible_to=personas.mallory, query="Whitfield")
    assert [c.pk for c in mallory_sees] == [personas.mallory_client.pk]
    assert client_search(visible_to=personas.priya, query="Whitfield") == []


def test_search_follows_a_name_change(personas, alice):
    from strengthwise.people.services import client_update

    client_update(
        acting_user=alice,
        client=personas.rosa,
        version=1,
        fields={"legal_last_name": "Castellanos"},
    )
    assert names(client_search(visible_to=alice, query="castelanos")) == ["Rosa Castellanos"]
    assert client_search(visible_to=alice, query="hernandez") == []


@pytest.mark.parametrize("query", ["", "   ", "a", "'\"*()", "x" * 500, "NEAR(", "OR AND"])
def test_odd_input_never_errors(personas, query):
    assert isinstance(client_search(visible_to=personas.alice, query=query), list)
