"""Whose words: "why it matters" and an option's pros and cons record who said them and whether
they are exact words, through the service, the form and the API, and the page quotes only
exact words, with a byline."""

from __future__ import annotations

import pytest

from strengthwise.audit.models import AuditEvent
from strengthwise.core.errors import ValidationFailed
from strengthwise.plans import services
from strengthwise.plans.models import Goal, Option


@pytest.fixture
def plan(personas):
    return services.plan_start(acting_user=personas.alice, client=personas.dana)


def _goal(personas, plan, **fields):
    return services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={"statement": "A home", "author": "client", "domain": "daily_living", **fields},
    )


def test_why_it_matters_stores_whose_words_and_audits_them(personas, plan):
    goal = _goal(
        personas,
        plan,
        why_it_matters="So Jayden has his own room",
        why_it_matters_author="client",
        why_it_matters_verbatim=True,
    )
    goal.refresh_from_db()
    assert (goal.why_it_matters_author, goal.why_it_matters_verbatim) == ("client", True)
    added = AuditEvent.objects.get(action="goal.added", target_id=str(goal.pk))
    assert added.changes["why_it_matters_author"] == [None, "client"]
    assert added.changes["why_it_matters_verbatim"] == [None, True]
    services.goal_update(
        acting_user=personas.alice,
        goal=goal,
        version=goal.version,
        fields={"why_it_matters_author": "worker", "why_it_matters_verbatim": False},
    )
    updated = AuditEvent.objects.get(action="goal.updated", target_id=str(goal.pk))
    assert updated.changes["why_it_matters_author"] == ["client", "worker"]
    assert updated.changes["why_it_matters_verbatim"] == [True, False]


def test_why_it_matters_refuses_an_unknown_author(personas, plan):
    with pytest.raises(ValidationFailed) as error:
        _goal(personas, plan, why_it_matters="x", why_it_matters_author="neighbour")
    assert "why_it_matters_author" in error.value.field_errors


def test_goal_form_has_whose_words_for_why_it_matters(personas, plan, web):
    page = web(personas.alice)
    html = page.get(f"/clients/{personas.dana.pk}/plan/goals/new/").content.decode()
    assert 'name="why_it_matters_author"' in html and 'name="why_it_matters_verbatim"' in html
    response = page.post(
        f"/clients/{personas.dana.pk}/plan/goals/new/",
        {
            "statement": "A home",
            "author": "client",
            "verbatim": "on",
            "why_it_matters": "Jayden needs quiet to study",
            "why_it_matters_author": "together",
            "domain": "daily_living",
            "status": "active",
        },
    )
    assert response.status_code == 302
    goal = next(g for g in Goal.objects.filter(client=personas.dana) if g.statement == "A home")
    assert (goal.why_it_matters_author, goal.why_it_matters_verbatim) == ("together", False)
    bad = page.post(
        f"/clients/{personas.dana.pk}/plan/goals/new/",
        {
            "statement": "Another",
            "author": "client",
            "why_it_matters_author": "neighbour",
            "domain": "daily_living",
            "status": "active",
        },
    )
    assert bad.status_code == 400 and 'id="id_why_it_matters_author_error"' in bad.content.decode()


def test_plan_page_quotes_exact_why_and_not_a_paraphrase(personas, plan, web):
    _goal(
        personas,
        plan,
        why_it_matters="So Jayden has his own room",
        why_it_matters_author="client",
        why_it_matters_verbatim=True,
    )
    _goal(
        personas,
        plan,
        statement="A job",
        why_it_matters="Money for rent",
        why_it_matters_author="worker",
        why_it_matters_verbatim=False,
    )
    html = web(personas.alice).get(f"/clients/{personas.dana.pk}/plan/").content.decode()
    assert '“So Jayden has his own room” <span class="by">— in their words</span>' in html
    assert "“Money for rent”" not in html
    assert 'Money for rent <span class="by">— worker\'s words</span>' in html


def test_api_goal_why_it_matters_whose_words_in_and_out(personas, plan, api):
    client = api(personas.alice)
    response = client.post(
        "/api/v1/goals",
        {
            "client_id": personas.dana.pk,
            "statement": "A home",
            "domain": "daily_living",
            "why_it_matters": "Quiet for Jayden",
            "why_it_matters_author": "client",
            "why_it_matters_verbatim": True,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["why_it_matters_author"], body["why_it_matters_verbatim"]) == ("client", True)
    patched = client.patch(
        f"/api/v1/goals/{body['id']}",
        {"version": body["version"], "why_it_matters_author": "worker"},
    )
    assert patched.status_code == 200 and patched.json()["why_it_matters_author"] == "worker"
    assert patched.json()["why_it_matters_verbatim"] is True
    bad = client.patch(
        f"/api/v1/goals/{body['id']}",
        {"version": patched.json()["version"], "why_it_matters_author": "neighbour"},
    )
    assert bad.status_code == 422


def _options(personas, plan):
    return services.option_set_add(
        acting_user=personas.alice,
        plan=plan,
        problem="Which course?",
        options=[
            {
                "text": "Evening course",
                "pros": "I can still pick Jayden up",
                "pros_author": "client",
                "pros_verbatim": True,
                "cons": "Late nights",
                "cons_author": "worker",
                "cons_verbatim": False,
            }
        ],
    )


def test_option_pros_and_cons_store_whose_words_and_carry_into_the_goal(personas, plan):
    choice = _options(personas, plan)
    option = Option.objects.get(option_set=choice)
    assert (option.pros_author, option.pros_verbatim) == ("client", True)
    assert (option.cons_author, option.cons_verbatim) == ("worker", False)
    event = AuditEvent.objects.get(action="options.added", target_id=str(choice.pk))
    words = event.changes["option_words"][1][0]
    assert (words["pros_author"], words["pros_verbatim"]) == ("client", True)
    assert (words["cons_author"], words["cons_verbatim"]) == ("worker", False)
    services.option_choose(acting_user=personas.alice, option_set=choice, option=option)
    goal = services.option_make_goal(
        acting_user=personas.alice, option_set=choice, domain="vocational_education"
    )
    assert (goal.why_it_matters, goal.why_it_matters_author, goal.why_it_matters_verbatim) == (
        "I can still pick Jayden up",
        "client",
        True,
    )


def test_option_refuses_an_unknown_author(personas, plan):
    choice = _options(personas, plan)
    with pytest.raises(ValidationFailed) as error:
        services.option_add(
            acting_user=personas.alice,
            option_set=choice,
            fields={"text": "Online", "pros": "x", "pros_author": "neighbour"},
        )
    assert "pros_author" in error.value.field_errors


def test_options_form_and_page_show_whose_words(personas, plan, web, api):
    page = web(personas.alice)
    html = page.get(f"/clients/{personas.dana.pk}/plan/").content.decode()
    assert 'name="pros_author_1"' in html and 'name="cons_verbatim_1"' in html
    response = page.post(
        f"/clients/{personas.dana.pk}/plan/options/",
        {
            "problem": "Which course?",
            "option_1": "Evening course",
            "pros_1": "I can still pick Jayden up",
            "pros_author_1": "client",
            "pros_verbatim_1": "on",
            "cons_1": "Late nights",
            "cons_author_1": "worker",
        },
    )
    assert response.status_code == 302
    option = Option.objects.get(option_set__plan=plan)
    assert (option.pros_author, option.pros_verbatim) == ("client", True)
    assert (option.cons_author, option.cons_verbatim) == ("worker", False)
    html = page.get(f"/clients/{personas.dana.pk}/plan/").content.decode()
    assert '“I can still pick Jayden up” <span class="by">— in their words</span>' in html
    assert "“Late nights”" not in html
    assert 'Late nights <span class="by">— worker\'s words</span>' in html
    body = api(personas.alice).get(f"/api/v1/clients/{personas.dana.pk}/plans").json()
    out = body[0]["option_sets"][0]["options"][0]
    assert (out["pros_author"], out["pros_verbatim"]) == ("client", True)
    assert (out["cons_author"], out["cons_verbatim"]) == ("worker", False)
