"""Motivation with history, factors by level (macro never a deficit), the ecomap editor, screening."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from strengthwise.assessments import services
from strengthwise.assessments.models import (
    EcomapNode,
    EcomapSnapshot,
    Factor,
    MotivationRecord,
    ReadinessRating,
)
from strengthwise.core.errors import DomainError, ValidationFailed
from strengthwise.core.text import show_date
from strengthwise.questionnaires.models import QuestionnaireResponse

SVG_NS = "{http://www.w3.org/2000/svg}"


# --- motivation -----------------------------------------------------------------------------


def test_engagement_answers_keep_the_clients_words_and_history(assessed, web):
    html = (
        web(assessed.alice)
        .get(f"/clients/{assessed.dana.pk}/assessments/motivation/")
        .content.decode()
    )
    assert "“Help me find landlords who will look past the eviction" in html
    assert "in their words" in html
    assert MotivationRecord.objects.filter(client=assessed.dana).count() == 2
    assert "Earlier answers" in html


def test_rulers_are_charted_with_the_numbers_beside_them(assessed, web):
    html = (
        web(assessed.alice)
        .get(f"/clients/{assessed.dana.pk}/assessments/motivation/")
        .content.decode()
    )
    assert html.count("<svg") >= 2
    assert (
        "I&#x27;m at 4 and not lower because I finished my GED while working." in html
        or "I'm at 4 and not lower" in html
    )
    assert "Thinking about it, with mixed feelings" in html  # schooling: contemplation


def test_motivation_form_and_rating_form(personas, web):
    browser = web(personas.alice)
    url = f"/clients/{personas.dana.pk}/assessments/motivation/"
    response = browser.post(
        url,
        {
            "action": "answers",
            "recorded_on": "2026-02-01",
            "dreams": "A home",
            "dreams_author": "client",
            "dreams_verbatim": "on",
            "obstacles_author": "client",
            "support_author": "client",
        },
    )
    assert response.status_code == 302
    assert (
        browser.post(
            url, {"action": "concern", "label": "Housing", "domain": "daily_living"}
        ).status_code
        == 302
    )
    concern = personas.dana.concerns.get()
    response = browser.post(
        url,
        {
            "action": "rating",
            "concern": concern.pk,
            "rated_on": "2026-02-01",
            "stage": "action",
            "importance": "9",
            "confidence": "11",
            "why_author": "client",
            "rated_by": "client",
        },
    )
    assert response.status_code == 400 and not ReadinessRating.objects.exists()
    response = browser.post(
        url,
        {
            "action": "rating",
            "concern": concern.pk,
            "rated_on": "2026-02-01",
            "stage": "action",
            "importance": "9",
            "confidence": "4",
            "why_not_lower": "I did it before",
            "why_author": "client",
            "rated_by": "client",
        },
    )
    assert response.status_code == 302
    assert ReadinessRating.objects.get().confidence == 4


def test_motivation_bad_input(personas):
    with pytest.raises(ValidationFailed):
        services.motivation_record_add(
            acting_user=personas.alice, client=personas.dana, fields={"dreams": "  "}
        )
    with pytest.raises(ValidationFailed):
        services.motivation_record_add(
            acting_user=personas.alice,
            client=personas.dana,
            fields={"dreams": "x", "recorded_on": dt.date.today() + dt.timedelta(days=2)},
        )
    concern = services.concern_add(acting_user=personas.alice, client=personas.dana, label="Work")
    for bad in [
        {"stage": "denial", "importance": 5, "confidence": 5},
        {"stage": "action", "importance": 11, "confidence": 5},
    ]:
        with pytest.raises(ValidationFailed):
            services.readiness_rate(acting_user=personas.alice, concern=concern, fields=bad)


def test_a_rating_for_another_clients_concern_is_404(assessed, web):
    rosa_concern = services.concern_add(
        acting_user=assessed.alice, client=assessed.rosa, label="Taller"
    )
    response = web(assessed.alice).post(
        f"/clients/{assessed.dana.pk}/assessments/motivation/",
        {
            "action": "rating",
            "concern": rosa_concern.pk,
            "rated_on": "2026-02-01",
            "stage": "action",
            "importance": "9",
            "confidence": "4",
            "why_author": "client",
            "rated_by": "client",
        },
    )
    assert response.status_code == 404


# --- factors --------------------------------------------------------------------------------


def test_face_sheet_shows_strengths_first_and_macro_barriers_as_context(assessed, web):
    html = web(assessed.alice).get(f"/clients/{assessed.dana.pk}/").content.decode()
    strengths = html.index('id="h-strengths"')
    needs = html.index('id="h-needs"')
    context = html.index('id="h-context"')
    assert strengths < html.index('id="h-dreams"') < needs < context
    assert html.index("A painter") < needs
    needs_card = html[needs:context]
    assert "No car" in needs_card
    assert (
        "Landlords who turn away applicants" not in needs_card
    )  # macro: never the client's deficit
    assert "Landlords who turn away applicants" in html[context:]
    assert "“A place with a door that locks and a room for Jayden." in html
    # A family barrier (meso) is a relationship: context, not the client's need.
    father = "Tense relationship with Jayden&#x27;s father"
    assert father not in needs_card and father in html[context:]


def test_barriers_are_grouped_by_level_never_as_the_clients_deficits(assessed, web):
    from strengthwise.assessments import selectors

    groups = selectors.factors_for(client=assessed.dana)
    assert {f.level for f in groups["barriers"]} == {"micro"}
    assert {f.level for f in groups["relationships"]} == {"meso"}
    assert {f.level for f in groups["context"]} == {"macro"}
    html = web(assessed.alice).get(f"/clients/{assessed.dana.pk}/assessments/factors/")
    page = html.content.decode()
    own = page[page.index('id="h-f-barriers"') : page.index('id="h-f-relationships"')]
    assert "Tense relationship" not in own and "No car" in own


def test_factor_needs_a_known_level_valence_and_domain(personas):
    base = {"description": "x", "level": "micro", "valence": "strength", "domain": "health"}
    services.factor_add(acting_user=personas.alice, client=personas.dana, fields=base)
    for change in [
        {"level": "cosmic"},
        {"valence": "maybe"},
        {"domain": "astrology"},
        {"description": ""},
        {"description": "a\x00"},
    ]:
        with pytest.raises(ValidationFailed):
            services.factor_add(
                acting_user=personas.alice, client=personas.dana, fields=base | change
            )
    assert Factor.objects.filter(client=personas.dana).count() == 1


def test_factor_page_adds_with_htmx_and_sets_aside(personas, web):
    browser = web(personas.alice)
    url = f"/clients/{personas.dana.pk}/assessments/factors/"
    response = browser.post(
        url,
        {
            "description": "Keeps every receipt",
            "valence": "strength",
            "level": "micro",
            "domain": "financial",
            "author": "worker",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert "Keeps every receipt" in response.content.decode()
    factor = Factor.objects.get(client=personas.dana)
    assert browser.post(f"{url}{factor.pk}/set-aside/").status_code == 302
    factor.refresh_from_db()
    assert not factor.active


# --- ecomap ---------------------------------------------------------------------------------


def ties_in(html):
    start = html.index("<svg")
    svg = ET.fromstring(html[start : html.index("</svg>", start) + 6])
    return {g.get("data-node"): g for g in svg.iter(f"{SVG_NS}g") if g.get("class") == "tie"}


def test_ecomap_page_draws_every_tie_with_its_style(assessed, web):
    html = (
        web(assessed.alice).get(f"/clients/{assessed.dana.pk}/assessments/ecomap/").content.decode()
    )
    ties = ties_in(html)
    nodes = {str(n.pk): n for n in EcomapNode.objects.filter(client=assessed.dana)}
    assert set(ties) == set(nodes) and len(ties) >= 8
    for node_id, g in ties.items():
        node = nodes[node_id]
        assert (g.get("data-strength"), g.get("data-quality"), g.get("data-flow")) == (
            node.strength,
            node.quality,
            node.flow,
        )
        hatches = [e for e in g.iter() if e.get("class") == "hatch"]
        assert bool(hatches) == (node.quality == "stressful")
    assert not re.search(r'\sstyle="', html[html.index("<svg") : html.index("</svg>")])


def test_changing_a_tie_with_htmx_redraws_the_ecomap(assessed, web):
    node = EcomapNode.objects.get(client=assessed.dana, label="Grocery store job")
    response = web(assessed.alice).post(
        f"/clients/{assessed.dana.pk}/assessments/ecomap/nodes/{node.pk}/",
        {
            f"tie{node.pk}-strength": "strong",
            f"tie{node.pk}-quality": "positive",
            f"tie{node.pk}-flow": "both",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert ties_in(html)[str(node.pk)].get("data-strength") == "strong"
    node.refresh_from_db()
    assert node.strength == "strong"


def test_bad_tie_values_change_nothing(assessed, web):
    node = EcomapNode.objects.get(client=assessed.dana, label="Grocery store job")
    response = web(assessed.alice).post(
        f"/clients/{assessed.dana.pk}/assessments/ecomap/nodes/{node.pk}/",
        {
            f"tie{node.pk}-strength": "unbreakable",
            f"tie{node.pk}-quality": "positive",
            f"tie{node.pk}-flow": "both",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    node.refresh_from_db()
    assert node.strength == "tenuous"


def test_add_and_remove_a_node(personas, web):
    browser = web(personas.alice)
    url = f"/clients/{personas.dana.pk}/assessments/ecomap/"
    response = browser.post(
        url,
        {
            "label": "Pastor Ruth",
            "kind": "faith",
            "level": "meso",
            "strength": "strong",
            "quality": "positive",
            "flow": "to_client",
        },
    )
    assert response.status_code == 302
    node = EcomapNode.objects.get(client=personas.dana)
    assert browser.post(url, {"label": "", "kind": "faith", "level": "meso"}).status_code == 400
    assert browser.post(f"{url}nodes/{node.pk}/remove/").status_code == 302
    assert not EcomapNode.objects.filter(client=personas.dana).exists()


def test_dated_snapshots_compare_side_by_side(assessed, web):
    snapshots = list(EcomapSnapshot.objects.filter(client=assessed.dana).order_by("taken_on"))
    assert len(snapshots) == 2
    assert len(snapshots[0].data["nodes"]) == 7 and len(snapshots[1].data["nodes"]) == 10
    html = (
        web(assessed.alice)
        .get(
            f"/clients/{assessed.dana.pk}/assessments/ecomap/compare/?a={snapshots[0].pk}&b={snapshots[1].pk}"
        )
        .content.decode()
    )
    assert html.count("<svg") == 2
    assert show_date(snapshots[0].taken_on) in html and show_date(snapshots[1].taken_on) in html


def test_a_snapshot_of_an_empty_ecomap_is_refused(personas):
    with pytest.raises(DomainError):
        services.ecomap_snapshot_take(acting_user=personas.alice, client=personas.rosa)


# --- screening ------------------------------------------------------------------------------


def test_screening_only_where_the_program_offers_it(personas, web):
    response = web(personas.alice).post(
        f"/clients/{personas.dana.pk}/assessments/screening/", {"transportation": "yes"}
    )
    assert response.status_code == 400
    assert not QuestionnaireResponse.objects.filter(questionnaire__shipped="screening").exists()


def test_a_positive_screen_suggests_never_decides(assessed, web):
    browser = web(assessed.alice)
    url = f"/clients/{assessed.dana.pk}/assessments/screening/"
    answers = {
        "living_situation": "steady",
        "housing_problems": "none",
        "food_worry": "never",
        "food_ran_out": "never",
        "transportation": "no",
        "utilities": "no",
        "safety_hurt": "sometimes",
        "safety_insult": "fairly_often",
        "safety_threaten": "rarely",
        "safety_scream": "sometimes",
    }
    assert browser.post(url, answers).status_code == 302
    screen = (
        QuestionnaireResponse.objects.filter(questionnaire__shipped="screening")
        .filter(client=assessed.dana)
        .order_by("-id")
        .first()
    )
    results = screen.derived["results"]
    assert results["safety"]["positive"] is True  # 3 + 4 + 2 + 3 = 12 > 10
    assert results["food"]["positive"] is False
    html = browser.get(url).content.decode()
    assert "Raise it" in html and "They decide whether it becomes a goal" in html
    assert browser.post(url, {"transportation": "teleport"}).status_code == 400
