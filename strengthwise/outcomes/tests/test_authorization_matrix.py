"""The authorization matrix (issue 12, "Keep"): every URL pattern in the resolver and every API
operation, requested by every persona, answers what this table says.

- Anything about one client (a route with a client, goal, note, referral… id): only the
  people who work with that client reach it; carol (another team), mallory (another agency),
  priya (program manager), the agency admin get 404 — the same answer as for a record that
  does not exist — and anonymous visitors are sent to sign in (401 from the API).
- Every other route is listed in PAGES below with the status each persona gets.

A new route fails this test until it is added to the table (or is about one client)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from strengthwise.api import api as ninja_api
from strengthwise.outcomes.tests.walk import fill, route_keys, samples, walk

PERSONAS = ("alice", "bob", "carol", "mallory", "priya", "admin", None)
OUTSIDERS = ("carol", "mallory", "priya", "admin")
# Route kwargs that point at one client's data.
CLIENT_KEYS = {
    "client_id",
    "member_id",
    "merge_id",
    "factor_id",
    "node_id",
    "goal_id",
    "step_id",
    "set_id",
    "saved_id",
    "referral_id",
    "consent_id",
    "note_id",
    "task_id",
    "episode_id",
    "closure_id",
}
# The agency admin manages records (transfer and merge, by design: people/merge.py) without
# reading them otherwise; these routes answer them.
ADMIN_MANAGES = {
    "people:client-transfer",
    "people:client-merge",
    "people:merge-detail",
    "people:merge-undo",
}
# Client routes alice, Dana's worker, does not reach with the demo's ids: a supervisor's
# review, and documents the demo does not hold.
NOT_ALICES = {
    "outcomes:closure-review",
    "plans:agreement-document",
    "referrals:consent-document",
}
ADMIN_MANAGES_API = ("/transfer", "/merge", "/undo")
S = "signin"  # a redirect to the sign-in page
# Routes about no single client: GET status per persona (alice, bob, carol, mallory, priya,
# admin, anonymous). 200 shown; 403 refused with an explanation; 404 not theirs to see.
PAGES: dict[str, tuple[Any, ...]] = {
    "home": (302, 302, 302, 302, 302, 302, S),
    "settings": (403, 403, 403, 403, 403, 200, S),
    "healthz": (200, 200, 200, 200, 200, 200, 200),
    "accounts:login": (302, 302, 302, 302, 302, 302, 200),
    "accounts:logout": (405, 405, 405, 405, 405, 405, 405),
    "accounts:password-change": (200, 200, 200, 200, 200, 200, S),
    "accounts:password-changed": (302, 302, 302, 302, 302, 302, S),
    "accounts:two-factor": (302, 302, 302, 302, 302, 302, S),
    "accounts:security": (200, 200, 200, 200, 200, 200, S),
    "accounts:tokens": (200, 200, 200, 200, 200, 200, S),
    "people:caseload": (200, 200, 200, 200, 200, 200, S),  # priya, admin: empty
    "people:client-search": (200, 200, 200, 200, 200, 200, S),  # finds none for them
    "people:client-intake": (200, 200, 200, 200, 403, 403, S),
    "people:caseload-reassign": (404, 200, 404, 404, 404, 200, S),
    "plans:waiting": (200, 200, 200, 200, 200, 200, S),  # only a supervisor's is not empty
    "directory:find": (200, 200, 200, 200, 200, 200, S),
    # The agency's questionnaires: admins edit; any of its staff may read a published version.
    "questionnaires:list": (403, 403, 403, 403, 403, 200, S),
    "questionnaires:new": (403, 403, 403, 403, 403, 200, S),
    "questionnaires:import": (403, 403, 403, 403, 403, 200, S),
    "questionnaires:edit": (404, 404, 404, 404, 404, 200, S),
    "questionnaires:import-into": (403, 403, 403, 403, 403, 200, S),
    "questionnaires:item-new": (404, 404, 404, 404, 404, 200, S),
    "questionnaires:item-edit": (404, 404, 404, 404, 404, 200, S),
    "questionnaires:item-change": (405, 405, 405, 405, 405, 405, S),
    "questionnaires:publish": (405, 405, 405, 405, 405, 405, S),
    "questionnaires:retire": (405, 405, 405, 405, 405, 405, S),
    "questionnaires:preview": (404, 404, 404, 404, 404, 200, S),
    "questionnaires:export": (404, 404, 404, 404, 404, 200, S),
    "questionnaires:version-export": (200, 200, 200, 404, 200, 200, S),
    # The agency's webhook endpoints (Settings → Webhooks): its admins only.
    "interop:webhook-list": (404, 404, 404, 404, 404, 200, S),
    "interop:webhook-active": (405, 405, 405, 405, 405, 405, S),
    "interop:webhook-rotate": (405, 405, 405, 405, 405, 405, S),
    "interop:webhook-remove": (404, 404, 404, 404, 404, 200, S),
    "directory:service-new": (404, 404, 404, 404, 404, 200, S),
    "directory:service": (200, 200, 200, 200, 200, 200, S),  # the shared directory
    "directory:service-edit": (404, 404, 404, 404, 404, 200, S),
    "directory:capacity": (405, 405, 405, 405, 405, 405, S),
    "referrals:partner": (404, 404, 404, 404, 404, 404, 404),
    "notes:search": (200, 200, 200, 200, 200, 200, S),  # finds none for priya, admin
    "notes:language": (200, 200, 200, 200, 200, 200, S),  # read by all, changed by admins
    "tasks:today": (200, 200, 200, 200, 200, 200, S),
    "tasks:done": (405, 405, 405, 405, 405, 405, 405),
    "tasks:team": (404, 200, 404, 404, 404, 404, S),
    "outcomes:reports": (200, 200, 200, 200, 200, 200, S),
    "outcomes:advocacy": (200, 200, 200, 200, 200, 200, S),
    "outcomes:data-quality": (200, 200, 200, 200, 404, 404, S),
    "outcomes:export": (404, 404, 404, 404, 404, 404, S),  # needs ?report=
    "outcomes:waiting": (200, 200, 200, 200, 200, 200, S),
    "set_language": (302, 302, 302, 302, 302, 302, 302),
}
EXTRA = {"service_id": None, "token": "not-a-token", "check": "stale_referrals", "fmt": "csv"}


def _ask(browser: HttpClient, path: str) -> Any:
    """GET, or for a route that only takes POST, an empty POST (the gate answers first)."""
    response = browser.get(path)
    return browser.post(path, {}) if response.status_code == 405 else response


def _observed(response: Any) -> Any:
    if response.status_code == 302 and "/accounts/sign-in/" in response.get("Location", ""):
        return S
    return response.status_code


def _clients(personas: Any) -> dict[Any, HttpClient]:
    from strengthwise.accounts.testing import verified_session

    browsers: dict[Any, HttpClient] = {}
    for who in PERSONAS:
        browser = HttpClient()
        if who is not None:
            user = getattr(personas, who)
            browser.force_login(user)
            verified_session(browser, user)
        browsers[who] = browser
    return browsers


def test_every_page_answers_each_persona_as_the_table_says(demo_agency):
    from strengthwise.directory.models import Service

    ids = {**samples(demo_agency), **EXTRA}
    service = Service.objects.order_by("pk").first()
    ids["service_id"] = service.pk if service else None
    browsers = _clients(demo_agency)
    unknown, wrong = [], []
    for route, name, entry in walk(__import__("django.urls").urls.get_resolver()):
        if route.startswith(("admin/", "api/")):
            continue
        if name.startswith("portal:") and "client_id" not in route:
            continue  # the client's own pages: portal/tests/test_portal_access.py
        keys = {key for _kind, key in route_keys(route)}
        if keys & CLIENT_KEYS:
            if any(ids.get(k) is None for k in keys):
                continue  # the demo holds no such record for Dana
            path = fill(route, ids)
            for who in OUTSIDERS:
                if who == "admin" and name in ADMIN_MANAGES:
                    continue
                got = _observed(_ask(browsers[who], path))
                if got != 404:
                    wrong.append(f"{name} as {who}: {got}, expected 404")
            got = _observed(_ask(browsers[None], path))
            if got not in (S, 401):  # 401: the autosave's JSON answer
                wrong.append(f"{name} anonymous: {got}, expected sign-in")
            if name not in NOT_ALICES and _observed(browsers["alice"].get(path)) in (404, S):
                wrong.append(f"{name}: alice, Dana's worker, cannot reach it")
            continue
        if name not in PAGES:
            unknown.append(name)
            continue
        if ids.get("service_id") is None and "service_id" in keys:
            continue
        path = fill(route, ids)
        for who, expected in zip(PERSONAS, PAGES[name], strict=True):
            got = _observed(browsers[who].get(path))
            if got != expected:
                wrong.append(f"{name} as {who or 'anonymous'}: {got}, expected {expected}")
    assert unknown == [], f"routes missing from the authorization table: {unknown}"
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_no_api_operation_about_dana_answers_an_outsider(demo_agency, api, who):
    ids = samples(demo_agency)
    client = api(getattr(demo_agency, who))
    anonymous = api(None)
    wrong = []
    for route, operations in ninja_api.get_openapi_schema()["paths"].items():
        keys = [part[1:-1] for part in route.split("/") if part.startswith("{")]
        if not set(keys) & CLIENT_KEYS or any(ids.get(k) is None for k in keys):
            continue
        path = route
        for key in keys:
            path = path.replace("{" + key + "}", str(ids[key]))
        if who == "admin" and route.endswith(ADMIN_MANAGES_API):
            continue
        if path.endswith("/merge"):
            path += f"?duplicate_id={demo_agency.dana_duplicate.pk}"
        for method in operations:
            send = getattr(client, method) if method == "get" else getattr(client, method)
            response = send(path) if method == "get" else send(path, {})
            # A write with an empty body may be refused by the schema first (422): that too
            # says nothing about whether the record exists.
            if response.status_code not in ((404,) if method == "get" else (404, 422)):
                wrong.append(f"{method.upper()} {route}: {response.status_code}")
            bare = anonymous.get(path) if method == "get" else getattr(anonymous, method)(path, {})
            if bare.status_code != 401:
                wrong.append(f"{method.upper()} {route} anonymous: {bare.status_code}")
    assert wrong == []
