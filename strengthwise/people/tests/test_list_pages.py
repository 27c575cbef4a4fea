"""The caseload page and the API client list: keyset pages in name order (last name, first
name, id) with no count of the scope, the same answer from both, a cursor only from inside the
scope, and query counts that do not grow with the scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strengthwise.accounts.access import client_scope_q, clients_visible_to
from strengthwise.people.models import Client
from strengthwise.people.views import PAGE_SIZE

from .helpers import add_clients

pytestmark = pytest.mark.django_db


def name_order(clients):
    return [
        c.pk for c in sorted(clients, key=lambda c: (c.legal_last_name, c.legal_first_name, c.pk))
    ]


def walk_api(api_client, scope="all", size=7):
    ids, cursor, pages = [], "", 0
    while True:
        url = f"/api/v1/clients?scope={scope}&page_size={size}"
        body = api_client.get(url + (f"&cursor={cursor}" if cursor else "")).json()
        assert body["count"] is None  # the list is never counted
        ids += [item["id"] for item in body["items"]]
        cursor, pages = body["next_cursor"], pages + 1
        if not cursor:
            return ids
        assert pages < 100


def walk_page(browser, scope):
    ids, after = [], None
    while True:
        response = browser.get(f"/clients/?scope={scope}" + (f"&after={after}" if after else ""))
        assert response.status_code == 200
        ids += [c.pk for c in response.context["clients"]]
        after = response.context["next_after"]
        if after is None:
            return ids


def twins(personas, n):
    """Clients with the same name, so pages break inside a run of equal names."""
    made = []
    for client in add_clients(personas, n, start=900):
        client.legal_first_name, client.legal_last_name = "Ana", "Garcia"
        client.save(update_fields=["legal_first_name", "legal_last_name"])
        made.append(client)
    return made


def test_the_api_list_walks_every_visible_client_once_in_name_order(personas, api):
    add_clients(personas, 16)
    twins(personas, 5)
    add_clients(personas, 6, worker=personas.carol, team=personas.family, start=100)
    for user in (personas.alice, personas.bob, personas.carol):
        expected = name_order(clients_visible_to(user))
        assert walk_api(api(user)) == expected, user.username
    # bob supervises both teams; his own caseload and his teams' are one list, each client once
    assert len(walk_api(api(personas.bob))) == clients_visible_to(personas.bob).count()
    assert walk_api(api(personas.mallory)) == [personas.mallory_client.pk]
    assert walk_api(api(personas.priya)) == []  # no individual records


@pytest.mark.parametrize(
    ("page_scope", "api_scope", "only"), [("mine", "mine", "mine"), ("team", "team", "teams")]
)
def test_the_page_and_the_api_give_the_same_answer(personas, api, web, page_scope, api_scope, only):
    add_clients(personas, PAGE_SIZE + 4)
    twins(personas, 3)
    expected = name_order(Client.objects.filter(client_scope_q(personas.alice, only=only)))
    assert len(expected) > PAGE_SIZE  # two pages at least
    assert walk_page(web(personas.alice), page_scope) == expected
    assert walk_api(api(personas.alice), api_scope, size=PAGE_SIZE) == expected


def test_a_cursor_from_outside_the_scope_is_refused(personas, api, web):
    add_clients(personas, 3)
    alice = api(personas.alice)
    outside = personas.carol_client.pk
    for cursor in (str(outside), "abc", "0", str(2**70)):
        response = alice.get(f"/api/v1/clients?cursor={cursor}")
        assert response.status_code == 400, cursor
        assert response.json()["detail"]
    assert alice.get("/api/v1/clients?page=2").status_code == 400  # pages are for searches
    assert alice.get("/api/v1/clients?q=dana&page=1").json()["count"] >= 1
    # The page starts again from the top rather than continue from someone else's name.
    response = web(personas.alice).get(f"/clients/?after={outside}")
    assert response.status_code == 200 and response.context["after"] is None
    assert [c.pk for c in response.context["clients"]] == walk_page(web(personas.alice), "mine")[
        :PAGE_SIZE
    ]


def queries(browser, path):
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(path).status_code == 200
    return len(ctx.captured_queries)


# The page: session and user (2), the user's teams (1: team scope, or a cursor), the cursor's
# client (1, next pages), the page's ids (1), its rows and their open episodes (2), the audit
# of the rows shown (5), the session save (3). The API: the token and its use (2), the teams
# (1), the cursor (1, next pages), ids (1), rows and episodes (2), the audit (5).
PINNED = {"/clients/": 13, "/clients/?scope=team": 14, "next": 15}
PINNED_API = {"first": 10, "next": 11}


def _counts(personas, web, api):
    browser, token = web(personas.alice), api(personas.alice)
    # (Any client in scope can be a cursor: the first one shown makes a next page at any size.)
    first = browser.get("/clients/").context["clients"][0].pk
    cursor = token.get("/api/v1/clients?page_size=10").json()["next_cursor"]
    return {
        "/clients/": queries(browser, "/clients/"),
        "/clients/?scope=team": queries(browser, "/clients/?scope=team"),
        "next": queries(browser, f"/clients/?after={first}"),
        "api first": queries(token, "/api/v1/clients?page_size=10"),
        "api next": queries(token, f"/api/v1/clients?page_size=10&cursor={cursor}"),
    }


def test_query_counts_are_pinned_and_the_same_at_20_and_200_clients(personas, web, api):
    add_clients(personas, 20)
    small = _counts(personas, web, api)
    add_clients(personas, 180, start=20)
    add_clients(personas, 20, worker=personas.bob, team=personas.family, start=300)
    large = _counts(personas, web, api)
    assert small == large
    assert small == {
        **PINNED,
        "api first": PINNED_API["first"],
        "api next": PINNED_API["next"],
    }
