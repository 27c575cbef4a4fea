"""Every response that shows a client's identifying data leaves an audit event naming that
client (issue 12 item 4). Walks every URL pattern in the resolver and every GET operation of
the API as a case worker and as a supervisor over the demo agency, finds the clients whose
names each response shows, and fails on any not covered by an event written during that
request (an event's `client_id`, or the ids a list page's event lists).

A new route whose URL takes an id this table cannot fill fails here until it is added."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import get_resolver

from strengthwise.api import api as ninja_api
from strengthwise.audit.models import AuditEvent
from strengthwise.outcomes.tests.walk import fill, model, route_keys, samples, walk

# Not walked: what shows no client (sign-in steps, the language switch, the health check), or
# writes reached only by POST and answering GET with 405, and the partner page (anonymous; its
# token is kept as a hash, see referrals/tests for its own audit).
SKIP_NAMES = {
    "accounts:login",
    "accounts:logout",
    "accounts:two-factor",
    "accounts:password-changed",
    "set_language",
    "healthz",
    "referrals:partner",
}


# Pages whose list only appears with a query: walked with one as well.
WITH_QUERY = [
    ("people:client-search", "/clients/search/?q=whitfield"),
    ("people:caseload", "/clients/?scope=team"),
    ("notes:search", "/notes/search/?q=housing"),
]


def _page_paths(sample_ids: dict[str, Any]) -> list[tuple[str, str]]:
    paths = list(WITH_QUERY)
    for route, name, _entry in walk(get_resolver()):
        if route.startswith(("admin/", "api/")) or name in SKIP_NAMES:
            continue
        keys = [key for _kind, key in route_keys(route)]
        unknown = [k for k in keys if k not in sample_ids]
        assert not unknown, f"{name}: add a sample for {unknown} to this test"
        if any(sample_ids[k] is None for k in keys):
            continue  # the demo holds no such record for Dana
        paths.append((name, fill(route, sample_ids)))
    return paths


def _api_paths(sample_ids: dict[str, Any]) -> list[tuple[str, str]]:
    paths = []
    for route, operations in ninja_api.get_openapi_schema()["paths"].items():
        if "get" not in operations:
            continue
        keys = [part[1:-1] for part in route.split("/") if part.startswith("{")]
        unknown = [k for k in keys if k not in sample_ids]
        assert not unknown, f"{route}: add a sample for {unknown} to this test"
        if any(sample_ids[k] is None for k in keys):
            continue
        path = route
        for key in keys:
            path = path.replace("{" + key + "}", str(sample_ids[key]))
        paths.append((route, path))
    paths.append(("/api/v1/clients?q=", "/api/v1/clients?q=whitfield"))
    return paths


def _names() -> dict[str, set[int]]:
    """Each client's names as pages show them (display name and legal full name); a name two
    records share (Dana and her duplicate record) counts as covered by an event for either."""
    names: dict[str, set[int]] = {}
    for client in model("people.Client").objects.all():
        for shown in (client.display_name, f"{client.legal_first_name} {client.legal_last_name}"):
            if len(shown) >= 7:
                names.setdefault(shown, set()).add(client.pk)
    return names


def _covered(events: list[AuditEvent]) -> set[int]:
    ids: set[int] = set()
    for event in events:
        if event.client_id:
            ids.add(event.client_id)
        listed = (event.changes or {}).get("clients")
        if isinstance(listed, list) and len(listed) == 2 and isinstance(listed[1], list):
            ids.update(listed[1])
    return ids


def _unaudited(response: Any, names: dict[str, set[int]], before: int) -> set[str]:
    if response.status_code != 200:
        return set()
    kind = response.get("Content-Type", "")
    if not kind.startswith(("text/", "application/json")):
        return set()
    body = html.unescape(
        b"".join(response).decode(errors="replace")
        if response.streaming
        else response.content.decode(errors="replace")
    )
    shown = {name: pks for name, pks in names.items() if name in body}
    if not shown:
        return set()
    covered = _covered(list(AuditEvent.objects.filter(seq__gt=before)))
    return {name for name, pks in shown.items() if not pks & covered}


def _last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_every_page_that_shows_a_client_records_the_read(demo_agency, web, who):
    ids = samples(demo_agency)
    names = _names()
    browser = web(getattr(demo_agency, who))
    problems = {}
    for name, path in _page_paths(ids):
        before = _last_seq()
        response = browser.get(path)
        missing = _unaudited(response, names, before)
        if missing:
            problems[f"{name} {path}"] = sorted(missing)[:3]
    assert problems == {}, f"pages that show clients without an audit event: {problems}"


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_every_api_read_that_shows_a_client_records_it(demo_agency, api, who):
    ids = samples(demo_agency)
    names = _names()
    client = api(getattr(demo_agency, who))
    problems = {}
    for route, path in _api_paths(ids):
        before = _last_seq()
        response = client.get(path)
        missing = _unaudited(response, names, before)
        if missing:
            problems[f"GET {route}"] = sorted(missing)[:3]
    assert problems == {}, f"API reads that show clients without an audit event: {problems}"


def test_the_walk_reaches_the_pages_that_list_clients(demo_agency):
    """The walk itself: it must include the list pages and the client's own pages."""
    pages = dict(_page_paths(samples(demo_agency)))
    for name in (
        "people:caseload",
        "people:client-detail",
        "tasks:today",
        "tasks:team",
        "plans:goal-edit",
        "referrals:consent-new",
        "notes:note",
    ):
        assert name in pages, name
