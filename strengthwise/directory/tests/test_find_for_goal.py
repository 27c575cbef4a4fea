"""Find help from a goal reads the goal's words (issue 10, item 6), and pages through every result
with a cursor: the same ranking on the page and in the API, over the demo directory."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from strengthwise.directory import demo, selectors
from strengthwise.directory.models import Service
from strengthwise.plans import services as plan_services

CHICAGO = ZoneInfo("America/Chicago")
# Which sites are open moves the order within a band of equal match, so ranking tests name the
# instant: a weekday morning, a weekday evening, a Saturday night.
INSTANTS = [
    dt.datetime(2026, 12, 1, 10, 0, tzinfo=CHICAGO),
    dt.datetime(2026, 11, 30, 17, 30, tzinfo=CHICAGO),
    dt.datetime(2026, 12, 5, 23, 0, tzinfo=CHICAGO),
]
HOUSING_GOAL = "Move into an apartment Jayden and I can stay in"


@pytest.fixture
def directory(personas):
    demo.load()  # also places Dana's home in the demo city
    personas.dana.refresh_from_db()
    return personas


def _goal(personas, statement=HOUSING_GOAL, domain="daily_living"):
    plan = plan_services.plan_start(acting_user=personas.alice, client=personas.dana)
    return plan_services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": statement, "author": "client", "domain": domain},
    )


# Goal sentences -> the service that should come first in the demo directory. Where the demo
# offers one service at several sites (pantries, after-school programs) any site will do.
GOAL_TABLE = [
    ("housing", HOUSING_GOAL, "daily_living", "River City Rapid Re-housing"),
    ("food", "Get groceries for the kids every week", "daily_living", "Food pantry"),
    (
        "ID documents",
        "Get a new state ID and my birth certificate",
        "daily_living",
        "ID and birth certificate help",
    ),
    (
        "employment",
        "Get a job in a warehouse",
        "vocational_education",
        "Warehouse and forklift certification",
    ),
    (
        "training",
        "Start the medical assistant course in the fall",
        "vocational_education",
        "Medical assistant certificate (evening)",
    ),
    (
        "childcare",
        "Find childcare for Jayden after school so I can work",
        "daily_living",
        "After-school program",
    ),
    ("mental health", "Talk to someone about my anxiety", "health", "Individual counselling"),
    ("debt", "Pay off my debts and build my credit", "financial", "Credit repair clinic"),
    ("in Spanish", "Aprender a manejar mi dinero", "financial", "Taller de finanzas familiares"),
]


@pytest.mark.parametrize(
    ("kind", "statement", "domain", "first"), GOAL_TABLE, ids=[row[0] for row in GOAL_TABLE]
)
@pytest.mark.parametrize("at", INSTANTS, ids=[at.strftime("%a-%H%M") for at in INSTANTS])
def test_goal_table_puts_the_right_service_first(directory, kind, statement, domain, first, at):
    hits, total = selectors.search(
        selectors.Filters(),
        tz=CHICAGO,
        at=at,
        rank_domain=domain,
        rank_language="en",
        rank_words=statement,
    )
    assert total > 25
    assert hits[0].service.name.startswith(first), [h.service.name for h in hits[:5]]
    # Ranking reads the match in tenths of the best: within the best tenth, a site open now
    # comes before a closed one with a slightly better match.
    assert round(hits[0].relevance, 1) == 1.0


def test_within_the_best_tenth_an_open_site_comes_first(directory):
    def first(at):
        hits, _total = selectors.search(
            selectors.Filters(),
            tz=CHICAGO,
            at=at,
            rank_domain="daily_living",
            rank_language="en",
            rank_words="Get groceries for the kids every week",
        )
        return hits[0]

    closed = first(dt.datetime(2026, 11, 30, 3, 30, tzinfo=CHICAGO))  # Monday night: all closed
    assert closed.relevance == 1.0 and not closed.open_now
    open_site = first(dt.datetime(2026, 11, 30, 17, 30, tzinfo=CHICAGO))  # Monday evening
    assert open_site.open_now and 0.95 <= open_site.relevance < 1.0
    assert open_site.service.name.startswith("Food pantry")


def _result_names(html):
    return re.findall(r'<h2 class="result-title"><a href="[^"]+">([^<]+)</a>', html)


def _result_ids(html):
    return re.findall(r'<h2 class="result-title"><a href="/directory/services/([0-9a-f-]+)/', html)


def test_danas_housing_goal_lists_rapid_rehousing_first(directory, web):
    goal = _goal(directory)
    url = reverse("directory:find-for-client", args=[directory.dana.pk])
    html = web(directory.alice).get(url, {"goal": goal.pk}).content.decode()
    shown = _result_names(html)
    assert shown[0] == "River City Rapid Re-housing"
    for unrelated in ("Community meal", "Emergency overnight shelter", "ID and birth certificate"):
        assert not any(name.startswith(unrelated) for name in shown[:5]), shown[:5]
    assert "described in the goal’s words first" in html


def test_paging_walks_every_result_once_in_the_ranking_order(directory):
    ranking = {"rank_domain": "daily_living", "rank_language": "en", "rank_words": HOUSING_GOAL}
    everything, total = selectors.search(selectors.Filters(), tz=CHICAGO, limit=1000, **ranking)
    assert len(everything) == total > 100
    walked, cursor, pages = [], "", 0
    while True:
        page = selectors.search_page(
            selectors.Filters(), tz=CHICAGO, limit=25, cursor=cursor, **ranking
        )
        assert page.first == len(walked) + 1
        walked += [h.service.pk for h in page.hits]
        pages += 1
        cursor = page.next_cursor
        if not cursor:
            break
    assert walked == [h.service.pk for h in everything]
    assert pages == -(-total // 25)
    # Without ranking (by name) the cursor walks the same way.
    first = selectors.search_page(selectors.Filters(), tz=CHICAGO, limit=25)
    second = selectors.search_page(
        selectors.Filters(), tz=CHICAGO, limit=25, cursor=first.next_cursor
    )
    names = [h.service.name.casefold() for h in first.hits + second.hits]
    assert names == sorted(names) and second.first == 26


def test_a_cursor_keeps_its_place_when_a_service_is_added_before_it(directory):
    first = selectors.search_page(selectors.Filters(), tz=CHICAGO, limit=25)
    from strengthwise.directory.testing import make_service

    make_service("AAA new service at the top")  # sorts before everything by name
    second = selectors.search_page(selectors.Filters(), tz=CHICAGO, cursor=first.next_cursor)
    assert second.hits[0].service.name.casefold() > first.hits[-1].service.name.casefold()
    assert not {h.service.pk for h in first.hits} & {h.service.pk for h in second.hits}


@pytest.mark.parametrize("cursor", ["garbage", "x" * 400, "W10:1abc:bad"])
def test_a_bad_cursor_is_refused_by_the_selector(directory, cursor):
    with pytest.raises(selectors.InvalidCursor):
        selectors.search_page(selectors.Filters(), tz=CHICAGO, cursor=cursor)


def test_a_cursor_of_another_ranking_is_refused(directory):
    by_name = selectors.search_page(selectors.Filters(), tz=CHICAGO)
    with pytest.raises(selectors.InvalidCursor):
        selectors.search_page(
            selectors.Filters(), tz=CHICAGO, rank_words=HOUSING_GOAL, cursor=by_name.next_cursor
        )


def test_the_page_offers_more_results_and_htmx_gets_only_the_next_rows(directory, web):
    alice = web(directory.alice)
    url = reverse("directory:find")
    html = alice.get(url).content.decode()
    total = Service.objects.filter(status=Service.Status.ACTIVE).count()
    assert len(_result_names(html)) == 25
    assert f"{total} services found" in html and "showing the first 25" in html
    more = re.search(
        r'<p class="more-results"><a class="button button-quiet" href="\?([^"]+)"', html
    )
    assert more and "cursor=" in more.group(1)
    query = more.group(1).replace("&amp;", "&")
    fragment = alice.get(f"{url}?{query}", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "services found" not in fragment
    assert '<ol class="results" start="26">' in fragment
    assert not set(_result_ids(fragment)) & set(_result_ids(html))
    assert len(_result_ids(fragment)) == 25 and 'class="more-results"' in fragment
    # Without JavaScript the link opens the next page in full.
    page_two = alice.get(f"{url}?{query}").content.decode()
    assert "<html" in page_two and '<ol class="results" start="26">' in page_two
    assert "showing 26 to 50" in page_two
    assert _result_ids(page_two) == _result_ids(fragment)


def test_a_stale_or_forged_cursor_on_the_page_shows_the_first_page(directory, web):
    response = web(directory.alice).get(reverse("directory:find"), {"cursor": "forged"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "here it is again from the start" in html and "showing the first 25" in html


def test_page_and_api_give_the_same_ranking_and_pages(directory, web, api):
    goal = _goal(directory)
    dana = directory.dana
    page_url = reverse("directory:find-for-client", args=[dana.pk])
    html = web(directory.alice).get(page_url, {"goal": goal.pk}).content.decode()
    client = api(directory.alice)
    body = client.get(f"/api/v1/directory/services?goal={goal.pk}").json()
    assert [r["id"] for r in body["results"]] == _result_ids(html)
    assert body["results"][0]["name"] == "River City Rapid Re-housing"
    assert body["count"] > 25 and body["next_cursor"]
    following = client.get(
        "/api/v1/directory/services", data={"goal": goal.pk, "cursor": body["next_cursor"]}
    ).json()
    more = re.search(
        r'<p class="more-results"><a class="button button-quiet" href="\?([^"]+)"', html
    )
    fragment = (
        web(directory.alice)
        .get(f"{page_url}?{more.group(1).replace('&amp;', '&')}", headers={"HX-Request": "true"})
        .content.decode()
    )
    assert [r["id"] for r in following["results"]] == _result_ids(fragment)
    # The same goal given with its client answers the same.
    both = client.get(f"/api/v1/directory/services?goal={goal.pk}&client={dana.pk}").json()
    assert both["results"] == body["results"]


def test_api_refuses_a_bad_cursor_and_goals_it_may_not_read(directory, api):
    goal = _goal(directory)
    alice = api(directory.alice)
    bad = alice.get("/api/v1/directory/services", data={"cursor": "forged"})
    assert bad.status_code == 400
    assert bad.json()["detail"]
    assert alice.get("/api/v1/directory/services", data={"cursor": "x" * 600}).status_code == 422
    for outsider in (directory.carol, directory.mallory):
        assert api(outsider).get(f"/api/v1/directory/services?goal={goal.pk}").status_code == 404
    rosa = directory.rosa
    mismatch = alice.get(f"/api/v1/directory/services?goal={goal.pk}&client={rosa.pk}")
    assert mismatch.status_code == 404
    assert alice.get("/api/v1/directory/services?goal=abc").status_code == 422


def test_every_page_of_a_goal_costs_the_same_queries(directory, web):
    goal = _goal(directory)
    alice = web(directory.alice)
    url = reverse("directory:find-for-client", args=[directory.dana.pk])
    html = alice.get(url, {"goal": goal.pk}).content.decode()
    with CaptureQueriesContext(connection) as first:
        alice.get(url, {"goal": goal.pk})
    query = re.search(r'class="more-results"><a class="button button-quiet" href="\?([^"]+)"', html)
    next_url = f"{url}?{query.group(1).replace('&amp;', '&')}"
    with CaptureQueriesContext(connection) as second:
        alice.get(next_url)
    assert len(first) == len(second)


def _goal_page_queries(alice, url, goal) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert alice.get(url, {"goal": goal.pk}).status_code == 200
    return len(ctx.captured_queries)


def test_a_goals_queries_are_pinned_and_do_not_grow_with_the_directory(directory, web):
    """Filtering and ranking run over the directory kept in memory (index.py): a page costs
    the same with a directory four times larger. After the directory changed, the first page
    reads it again (a constant number of queries more), the next ones do not."""
    import random

    from faker import Faker

    from strengthwise.directory.services import reindex
    from strengthwise.scale.seed_agency import top_up_services

    goal = _goal(directory)
    alice = web(directory.alice)
    url = reverse("directory:find-for-client", args=[directory.dana.pk])
    alice.get(url, {"goal": goal.pk})  # warm: language and session caches, the index
    small = _goal_page_queries(alice, url, goal)
    before = Service.objects.count()
    reindex(top_up_services(before * 4, random.Random(3), Faker("en_US"), lambda n: None))
    assert Service.objects.count() == before * 4
    assert _goal_page_queries(alice, url, goal) == small + READ_INDEX == 25 + 7
    assert _goal_page_queries(alice, url, goal) == small == 25


READ_INDEX = 7  # index.read: services, domains, languages, terms, children, sites, hours
