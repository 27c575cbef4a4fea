"""Plan versions compared (issue 10): "version N as agreed" and "now" are distinct choices, the
default comparison shows two different versions, and what changed is marked in words."""

from __future__ import annotations

import re

import pytest

from strengthwise.plans import services


def _agree(personas, plan):
    services.plan_client_agree(acting_user=personas.alice, plan=plan, signed_name="Dana")


@pytest.fixture
def changed_plan(personas):
    """Agreed at version 1 (two goals), then changed: one goal reworded, one step added, a
    new goal added. The plan is now version 2, a draft."""
    plan = services.plan_start(acting_user=personas.alice, client=personas.dana)
    home = services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={
            "statement": "Move into an apartment",
            "author": "client",
            "domain": "daily_living",
        },
    )
    services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "Keep my job", "author": "client", "domain": "daily_living"},
    )
    _agree(personas, plan)
    home.refresh_from_db()
    services.goal_update(
        acting_user=personas.alice,
        goal=home,
        version=home.version,
        fields={"statement": "Move into a two-bedroom apartment"},
    )
    home.refresh_from_db()
    services.step_add(acting_user=personas.alice, goal=home, fields={"text": "Call the landlord"})
    services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "Get my licence back", "author": "client", "domain": "daily_living"},
    )
    plan.refresh_from_db()
    assert plan.number == 2
    return plan


def _options(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    values = re.findall(r'<option value="([^"]*)"', select)
    selected = re.findall(r'<option value="([^"]*)" selected', select)
    return values, selected


def _page(web, user, client, query=""):
    response = web(user).get(f"/clients/{client.pk}/plan/versions/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_choices_are_distinct_and_the_default_compares_agreed_with_now(changed_plan, web, personas):
    html = _page(web, personas.alice, personas.dana)
    values, selected_a = _options(html, "a")
    assert values == ["v1", "now"]  # one value per choice, never two alike
    assert selected_a == ["v1"]
    assert _options(html, "b")[1] == ["now"]
    assert "From Version 1 as agreed to Now:" in html
    assert "1 goal changed" in html and "1 added" in html and "0 removed" in html


def test_changed_and_added_rows_are_marked_in_words(changed_plan, web, personas):
    html = _page(web, personas.alice, personas.dana)
    newer = html[html.index('aria-label="Now"') :]
    older = html[html.index('aria-label="Version 1 as agreed"') : html.index('aria-label="Now"')]
    assert re.search(
        r'class="version-goal changed">\s*<h3><span class="change-mark">Changed:</span> “?Move into a two-bedroom apartment',
        newer,
    )
    assert re.search(
        r'<li class="added"><span class="change-mark">Added:</span> Call the landlord', newer
    )
    assert re.search(r'<span class="change-mark">Added:</span> “?Get my licence back', newer)
    assert re.search(r'<span class="change-mark">Changed:</span> “?Move into an apartment', older)
    # An unchanged goal carries no mark on either side.
    assert re.search(r'class="version-goal">\s*<h3>“?Keep my job', newer)
    assert re.search(r'class="version-goal">\s*<h3>“?Keep my job', older)


def test_when_now_equals_the_last_agreement_the_two_latest_distinct_versions_are_shown(
    changed_plan, web, personas
):
    _agree(personas, changed_plan)  # version 2 agreed, nothing changed since
    html = _page(web, personas.alice, personas.dana)
    values, selected_a = _options(html, "a")
    assert values == ["v1", "v2", "now"]
    assert selected_a == ["v1"] and _options(html, "b")[1] == ["v2"]
    assert "From Version 1 as agreed to Version 2 as agreed:" in html
    # "Version 2 as agreed" and "Now" (both number 2) can still be chosen apart.
    html = _page(web, personas.alice, personas.dana, "?a=v2&b=now")
    assert _options(html, "a")[1] == ["v2"] and _options(html, "b")[1] == ["now"]
    assert "read the same: nothing changed" in html


def test_the_same_version_twice_or_nonsense_is_said_not_a_500(changed_plan, web, personas):
    html = _page(web, personas.alice, personas.dana, "?a=now&b=now")
    assert "You chose the same version twice" in html
    html = _page(web, personas.alice, personas.dana, "?a=xyz&b=%00")
    assert _options(html, "a")[1] == ["v1"] and _options(html, "b")[1] == ["now"]
    html = _page(web, personas.alice, personas.dana, "?a=1")  # an old link: version number
    assert _options(html, "a")[1] == ["v1"]


def test_a_plan_never_agreed_says_so(personas, web):
    services.plan_start(acting_user=personas.alice, client=personas.dana)
    html = _page(web, personas.alice, personas.dana)
    assert "No version has been agreed yet" in html


def test_compare_marks_removed_goals_and_steps():
    from strengthwise.plans import compare

    older = {
        "goals": [
            {"id": 1, "statement": "A", "steps": [{"text": "one"}, {"text": "two"}]},
            {"id": 2, "statement": "B", "steps": []},
        ]
    }
    newer = {"goals": [{"id": 1, "statement": "A", "steps": [{"text": "one"}]}]}
    diff = compare.compare(older, newer)
    assert [(g["id"], g["change"]) for g in diff["left"]] == [(1, "changed"), (2, "removed")]
    assert [s["change"] for s in diff["left"][0]["steps"]] == ["", "removed"]
    assert [(g["id"], g["change"]) for g in diff["right"]] == [(1, "changed")]
    assert (diff["added"], diff["removed"], diff["changed"], diff["same"]) == (0, 1, 1, False)
    assert compare.compare(newer, newer)["same"]
