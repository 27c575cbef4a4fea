"""Isolation both ways (issue 14, "hard parts"): a client's portal session reaches only the
portal and only their own records; no staff session ever acts in the portal. Every portal route
is in the table below — a new one fails until it is added."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient
from django.urls import get_resolver, reverse

from strengthwise.api import api as ninja_api
from strengthwise.outcomes.tests.walk import fill, route_keys, walk
from strengthwise.people.personas import DEMO_PASSWORD
from strengthwise.plans.models import Goal, Step
from strengthwise.referrals.models import Consent, Referral

STAFF = ("alice", "bob", "carol", "mallory", "priya", "admin")
P = "portal-sign-in"  # a redirect to the portal's sign-in page
# GET status per visitor: each staff persona, anonymous, Dana in the portal, Rosa in the
# portal asking for Dana's records (ids are Dana's).
PORTAL_PAGES: dict[str, tuple[Any, ...]] = {
    "portal:sign-in": (200, 200, 200, 200, 200, 200, 200, 302, 302),
    "portal:start": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "portal:code": (302, 302, 302, 302, 302, 302, 302, 302, 302),  # nobody owes a code
    "portal:security": (404, 404, 404, 404, 404, 404, P, 200, 200),
    "portal:sign-out": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "portal:home": (404, 404, 404, 404, 404, 404, P, 200, 200),
    "portal:plan": (404, 404, 404, 404, 404, 404, P, 200, 200),
    "portal:privacy": (404, 404, 404, 404, 404, 404, P, 200, 200),
    "portal:step-done": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "portal:plan-agree": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "portal:goal-words": (404, 404, 404, 404, 404, 404, P, 200, 404),
    "portal:check-in": (404, 404, 404, 404, 404, 404, P, 200, 404),
    "portal:help": (404, 404, 404, 404, 404, 404, P, 200, 200),
    "portal:my-record-json": (404, 404, 404, 404, 404, 404, P, 200, 200),
    "portal:my-record-pdf": (404, 404, 404, 404, 404, 404, P, 200, 200),
    "portal:referral-rate": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "portal:consent-withdraw": (404, 404, 404, 404, 404, 404, P, 200, 404),
    "portal:consent-answer": (405, 405, 405, 405, 405, 405, 405, 405, 405),
    "portal:dream-words": (404, 404, 404, 404, 404, 404, P, 200, 200),
    "portal:priorities-words": (404, 404, 404, 404, 404, 404, P, 200, 200),
    "portal:what-helped-words": (404, 404, 404, 404, 404, 404, P, 200, 404),
    "portal:messages": (404, 404, 404, 404, 404, 404, P, 200, 200),
}


def _observed(response: Any) -> Any:
    if response.status_code == 302 and response.get("Location", "").startswith("/portal/?next"):
        return P
    return response.status_code


def _portal(login: str) -> HttpClient:
    browser = HttpClient()
    response = browser.post(reverse("portal:sign-in"), {"login": login, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content
    return browser


def _staff(personas: Any, who: str) -> HttpClient:
    from strengthwise.accounts.testing import verified_session

    browser = HttpClient()
    user = getattr(personas, who)
    browser.force_login(user)
    verified_session(browser, user)
    return browser


def _closure_of(demo_agency: Any) -> Any:
    """A closure of Dana's (the demo has none: her episode is open) being written with alice."""
    from strengthwise.outcomes import services as outcome_services
    from strengthwise.people.models import Episode

    episode = Episode.objects.filter(client=demo_agency.dana, closed_on__isnull=True).first()
    return outcome_services.closure_start(acting_user=demo_agency.alice, episode=episode)


def test_portal_pages_answer_each_visitor_as_the_table_says(demo_agency):
    dana = demo_agency.dana
    ids = {
        "step_id": Step.objects.filter(goal__client=dana, who="client").values_list(
            "pk", flat=True
        )[0],
        "consent_id": Consent.objects.filter(client=dana).values_list("pk", flat=True)[0],
        "goal_id": Goal.objects.filter(client=dana).values_list("pk", flat=True)[0],
        "referral_id": Referral.objects.filter(client=dana).values_list("pk", flat=True)[0],
        "closure_id": _closure_of(demo_agency).pk,
    }
    visitors = [
        *(_staff(demo_agency, who) for who in STAFF),
        HttpClient(),
        _portal("dana"),
        _portal("rosa"),
    ]
    unknown, wrong = [], []
    for route, name, _entry in walk(get_resolver()):
        if not name.startswith("portal:") or "client_id" in route:
            continue  # staff pages about a client: outcomes/tests/test_authorization_matrix.py
        if name not in PORTAL_PAGES:
            unknown.append(name)
            continue
        path = fill(route, ids)
        for visitor, label, expected in zip(
            visitors, [*STAFF, "anonymous", "dana", "rosa"], PORTAL_PAGES[name], strict=True
        ):
            got = _observed(visitor.get(path))
            if got != expected:
                wrong.append(f"{name} as {label}: {got}, expected {expected}")
    assert unknown == [], f"portal routes missing from the table: {unknown}"
    assert wrong == [], "\n".join(wrong)


def test_another_clients_records_are_not_found_in_the_portal(demo_agency):
    dana = demo_agency.dana
    rosa = _portal("rosa")
    step = Step.objects.filter(goal__client=dana, who="client").first()
    consent = Consent.objects.filter(client=dana).first()
    goal = Goal.objects.filter(client=dana).first()
    referral = Referral.objects.filter(client=dana).first()
    assert rosa.post(reverse("portal:step-done", args=[step.pk])).status_code == 404
    assert (
        rosa.post(
            reverse("portal:goal-words", args=[goal.pk]),
            {"statement": "Rosa's words", "version": goal.version},
        ).status_code
        == 404
    )
    assert (
        rosa.post(reverse("portal:referral-rate", args=[referral.pk]), {"helpful": 1}).status_code
        == 404
    )
    assert (
        rosa.post(reverse("portal:check-in", args=[goal.pk]), {"client_rating": 3}).status_code
        == 404
    )
    assert rosa.post(reverse("portal:consent-withdraw", args=[consent.pk])).status_code == 404
    for path in ("/portal/steps/abc/done/", "/portal/consents/99999999/withdraw/"):
        assert rosa.post(path).status_code == 404
    consent.refresh_from_db()
    goal.refresh_from_db()
    assert consent.revoked_on is None and goal.statement != "Rosa's words"


def test_a_portal_session_reaches_no_staff_page_or_api_operation(demo_agency):
    dana = _portal("dana")
    ids = {key: 1 for key in ("client_id", "goal_id", "token", "fmt", "check")}
    wrong = []
    for route, name, _entry in walk(get_resolver()):
        if name.startswith("portal:") and name != "portal:invite":
            continue
        if name in ("healthz", "set_language"):
            continue
        keys = {key for _kind, key in route_keys(route)}
        path = fill(route, {k: ids.get(k, 1) for k in keys})
        got = dana.get(path).status_code
        if got != 404:
            wrong.append(f"{name or route}: {got}")
    for route in ninja_api.get_openapi_schema()["paths"]:
        path = "/api/v1" + route.split("/api/v1", 1)[-1] if "/api/v1" in route else route
        path = path.replace("{", "").replace("}", "")
        got = dana.get(path).status_code
        if got != 404:
            wrong.append(f"API {route}: {got}")
    assert wrong == []


def test_every_portal_page_is_light_on_a_phone(demo_agency):
    """Issue 14, item 10: each page Dana opens, with its stylesheet, is under 50 kB after
    compression, and loads no script (the portal needs none)."""
    import gzip
    import re
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = gzip.compress(Path(finders.find("strengthwise/css/app.css")).read_bytes())
    dana = _portal("dana")
    ids = {"closure_id": _closure_of(demo_agency).pk}
    ids["goal_id"] = Goal.objects.filter(client=demo_agency.dana).values_list("pk", flat=True)[0]
    ids["consent_id"] = Consent.objects.filter(client=demo_agency.dana).values_list(
        "pk", flat=True
    )[0]
    sizes = {}
    for route, name, _entry in walk(get_resolver()):
        if name not in PORTAL_PAGES or PORTAL_PAGES[name][7] != 200 or "my-record" in name:
            continue
        response = dana.get(fill(route, ids))
        assert response.status_code == 200, name
        html = response.content
        assert not re.search(rb"<script", html), f"{name} loads a script"
        sizes[name] = len(gzip.compress(html)) + len(css)
    assert len(sizes) >= 12
    heavy = {name: size for name, size in sizes.items() if size >= 50 * 1024}
    assert heavy == {}, heavy
