"""Roles land where they work, and the navigation offers each role only what it may do."""

from __future__ import annotations

import re

import pytest

from strengthwise.people.models import Client

NAV_LINK = re.compile(r'<nav aria-label="Main" class="main-nav">(.*?)</nav>', re.S)
EVERY_LINK = {
    "Today",
    "Caseload",
    "Search",
    "Find help",
    "New client",
    "Reports",
    "Notes",
    "Team",
    "Reassign",
    "Closures to approve",
    "Plans to approve",
    "Settings",
}
CASEWORK = {"Today", "Caseload", "Search", "Find help", "New client", "Reports", "Notes"}


def nav_links(html: str) -> set[str]:
    nav = NAV_LINK.search(html)
    assert nav, "no main navigation on the page"
    found = set(re.findall(r"<a [^>]*>([^<]+)</a>", nav.group(1)))
    assert found <= EVERY_LINK, found - EVERY_LINK
    return found


@pytest.mark.parametrize(
    ("who", "lands_on", "links"),
    [
        ("alice", "/clients/", CASEWORK),
        (
            "bob",
            "/team/",
            CASEWORK | {"Team", "Reassign", "Closures to approve", "Plans to approve"},
        ),
        ("priya", "/reports/", {"Find help", "Reports"}),
        ("admin", "/settings/", {"Find help", "Reports", "Reassign", "Settings"}),
    ],
)
def test_each_role_lands_where_it_works_and_sees_only_its_actions(
    personas, web, who, lands_on, links
):
    client = web(getattr(personas, who))
    landing = client.get("/")
    assert landing.status_code == 302 and landing.url == lands_on
    page = client.get(lands_on)
    assert page.status_code == 200
    assert nav_links(page.content.decode()) == links


def test_sign_in_lands_on_the_roles_page(personas, web):
    from strengthwise.accounts.testing import recovery_code_for
    from strengthwise.people.personas import DEMO_PASSWORD

    client = web()
    code = recovery_code_for("priya")
    response = client.post(
        "/accounts/sign-in/", {"username": "priya", "password": DEMO_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/accounts/two-factor/?next=%2Freports%2F"
    response = client.post(
        "/accounts/two-factor/", {"code": code, "next": "/reports/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/reports/"


@pytest.mark.parametrize("who", ["priya", "admin"])
def test_intake_is_refused_before_anything_is_typed(personas, web, who):
    client = web(getattr(personas, who))
    before = Client.objects.count()
    page = client.get("/clients/new/")
    assert page.status_code == 403
    assert "Only case workers and supervisors take in new clients." in page.content.decode()
    posted = client.post(
        "/clients/new/",
        {"legal_first_name": "Ana", "legal_last_name": "Test", "date_of_birth": "1990-01-01"},
    )
    assert posted.status_code == 403 and Client.objects.count() == before


@pytest.mark.parametrize("who", ["alice", "bob", "priya"])
def test_only_admins_reach_the_settings(personas, web, who):
    assert web(getattr(personas, who)).get("/settings/").status_code == 403


def test_the_settings_page_lists_what_an_admin_changes(personas, web):
    html = web(personas.admin).get("/settings/").content.decode()
    for link in ("/settings/language/", "/admin/", "/clients/reassign/"):
        assert f'href="{link}' in html, link
