"""The living strengths assessment: versions, authorship, comparison, conflicts, templates."""

from __future__ import annotations

import re

import pytest

from strengthwise.assessments import services
from strengthwise.assessments.models import (
    AgencyDomain,
    AssessmentTemplate,
    Kind,
    StrengthsAssessment,
)
from strengthwise.assessments.selectors import strengths_compare
from strengthwise.audit.models import AuditEvent
from strengthwise.core.errors import Conflict, ValidationFailed


def doc(**cells):
    """{"domain.column": (text, author, verbatim)} -> content."""
    domains: dict = {}
    for key, (text, author, verbatim) in cells.items():
        domain, column = key.split(".")
        domains.setdefault(domain, {})[column] = {
            "text": text,
            "author": author,
            "verbatim": verbatim,
        }
    return {"domains": domains, "priorities": []}


def test_every_save_keeps_a_version_with_authorship(personas):
    alice, dana = personas.alice, personas.dana
    a = services.strengths_assessment_revise(
        acting_user=alice,
        client=dana,
        version=None,
        content=doc(**{"health.aspirations": ("Stay sober", "client", True)}),
    )
    assert a.latest_number == 1 and a.version == 1
    a = services.strengths_assessment_revise(
        acting_user=alice,
        client=dana,
        version=1,
        content=doc(**{"health.aspirations": ("Stay sober and sleep", "client", True)}),
    )
    assert a.latest_number == 2
    first, second = [v.content for v in a.versions.order_by("number")]
    assert first["domains"]["health"]["aspirations"] == {
        "text": "Stay sober",
        "author": "client",
        "verbatim": True,
    }
    assert second["domains"]["health"]["aspirations"]["text"] == "Stay sober and sleep"
    # Every domain and column is present, defaults applied where nothing was said.
    assert second["domains"]["leisure"]["resources"] == {
        "text": "",
        "author": "together",
        "verbatim": False,
    }
    event = AuditEvent.objects.filter(
        action="strengths_assessment.revised", client_id=dana.pk
    ).last()
    # The audit trail names the cell that changed, never its words (they are sealed at rest).
    assert event.changes["health.aspirations"] == ["[hidden]", "[hidden]"]
    assert "sober" not in str(event.changes)


def test_saving_the_same_document_adds_no_version(personas):
    content = doc(**{"health.aspirations": ("Stay sober", "client", True)})
    a = services.strengths_assessment_revise(
        acting_user=personas.alice, client=personas.dana, version=None, content=content
    )
    a = services.strengths_assessment_revise(
        acting_user=personas.alice, client=personas.dana, version=a.version, content=content
    )
    assert a.latest_number == 1


def test_a_stale_save_is_a_conflict_that_keeps_both(personas):
    a = services.strengths_assessment_revise(
        acting_user=personas.alice,
        client=personas.dana,
        version=None,
        content=doc(**{"health.aspirations": ("one", "client", False)}),
    )
    services.strengths_assessment_revise(
        acting_user=personas.bob,
        client=personas.dana,
        version=a.version,
        content=doc(**{"health.aspirations": ("bob's", "together", False)}),
    )
    with pytest.raises(Conflict) as conflict:
        services.strengths_assessment_revise(
            acting_user=personas.alice,
            client=personas.dana,
            version=a.version,
            content=doc(**{"health.aspirations": ("alice's", "client", False)}),
        )
    assert conflict.value.current["domains"]["health"]["aspirations"]["text"] == "bob's"
    assert conflict.value.attempted["domains"]["health"]["aspirations"]["text"] == "alice's"
    assert StrengthsAssessment.objects.get(client=personas.dana).latest_number == 2


@pytest.mark.parametrize(
    "content",
    [
        {"domains": {"astrology": {}}},
        {"domains": {"health": {"feelings": {"text": "x"}}}},
        {"domains": {"health": {"aspirations": {"text": "x", "author": "the cat"}}}},
        {"domains": {"health": {"aspirations": {"text": "x" * 2001}}}},
        {"domains": {"health": {"aspirations": {"text": "a\x00b"}}}},
        {"domains": [], "priorities": []},
        {"domains": {}, "priorities": [{"text": str(i)} for i in range(6)]},
        {"domains": {}, "priorities": "first"},
    ],
)
def test_bad_documents_are_refused_and_write_nothing(personas, content):
    with pytest.raises(ValidationFailed):
        services.strengths_assessment_revise(
            acting_user=personas.alice, client=personas.dana, version=None, content=content
        )
    assert not StrengthsAssessment.objects.filter(client=personas.dana).exists()


def test_compare_marks_changed_rows(assessed):
    a = StrengthsAssessment.objects.get(client=assessed.dana)
    v1, v2 = [v.content for v in a.versions.order_by("number")]
    rows = strengths_compare(template=a.template.content, left=v1, right=v2)
    changed = {(r.section, r.column) for r in rows if r.changed}
    assert ("Faith, meaning and culture", "What I want") in changed
    assert ("Money and benefits", "What is going on now") in changed
    assert ("Health and wellbeing", "What I want") not in changed


def test_form_page_starts_with_the_clients_own_words_and_saves_a_version(assessed, web):
    browser = web(assessed.alice)
    page = browser.get(f"/clients/{assessed.dana.pk}/assessments/strengths/").content.decode()
    first_label = re.search(
        r'<div class="cell cell-first">\s*<label[^>]*>([^<]+)</label>', page
    ).group(1)
    assert first_label == "What I want"
    assert "A place with a door that locks" in page
    a = StrengthsAssessment.objects.get(client=assessed.dana)
    data = {k: v for k, v in re.findall(r'name="([^"]+__(?:text|author))"[^>]*>([^<]*)', page)}
    data.update(
        dict(
            re.findall(
                r'<select name="([^"]+__author)"[^>]*>.*?<option value="([a-z]+)"[^>]*selected',
                page,
                re.S,
            )
        )
    )
    data["version"] = a.version
    data["leisure__aspirations__text"] = "Teach Jayden to paint"
    data["leisure__aspirations__author"] = "client"
    data["leisure__aspirations__verbatim"] = "on"
    response = browser.post(f"/clients/{assessed.dana.pk}/assessments/strengths/", data)
    assert response.status_code == 302
    a.refresh_from_db()
    latest = a.versions.order_by("-number").first().content
    assert a.latest_number == 3
    assert latest["domains"]["leisure"]["aspirations"] == {
        "text": "Teach Jayden to paint",
        "author": "client",
        "verbatim": True,
    }


def test_stale_form_save_shows_both_versions(assessed, web):
    a = StrengthsAssessment.objects.get(client=assessed.dana)
    stale = a.version - 1
    response = web(assessed.alice).post(
        f"/clients/{assessed.dana.pk}/assessments/strengths/",
        {
            "version": stale,
            "health__aspirations__text": "Run a 5k",
            "health__aspirations__author": "client",
            **{
                f"{d}__{c}__author": "together"
                for d in (
                    "daily_living",
                    "financial",
                    "vocational_education",
                    "social_supports",
                    "health",
                    "leisure",
                    "spirituality_culture",
                )
                for c in ("aspirations", "current_status", "resources")
                if (d, c) != ("health", "aspirations")
            },
            **{f"priority_{i}__author": "client" for i in range(1, 6)},
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this assessment" in html and "Run a 5k" in html


def test_versions_page_compares_side_by_side(assessed, web):
    html = (
        web(assessed.alice)
        .get(f"/clients/{assessed.dana.pk}/assessments/strengths/versions/?a=1&b=2")
        .content.decode()
    )
    assert "Version 1 beside version 2" in html
    assert "Find a church near the new place." in html
    assert 'class="changed"' in html


def test_an_agency_domain_makes_a_new_template_version_and_old_versions_keep_theirs(assessed, web):
    old = StrengthsAssessment.objects.get(client=assessed.dana).template
    AgencyDomain.objects.create(
        agency=assessed.river_city,
        kind=Kind.STRENGTHS,
        key="immigration",
        label="Immigration and status",
    )
    # Dana's living assessment keeps the template it was started with...
    page = (
        web(assessed.alice)
        .get(f"/clients/{assessed.dana.pk}/assessments/strengths/")
        .content.decode()
    )
    assert "Immigration and status" not in page
    # ...a new assessment uses the new version.
    page = (
        web(assessed.alice)
        .get(f"/clients/{assessed.rosa.pk}/assessments/strengths/")
        .content.decode()
    )
    assert "Immigration and status" in page
    versions = list(
        AssessmentTemplate.objects.filter(
            agency=assessed.river_city, kind=Kind.STRENGTHS
        ).values_list("version", flat=True)
    )
    assert sorted(versions) == [old.version, old.version + 1]
    # Another agency never sees River City's domain.
    page = (
        web(assessed.mallory)
        .get(f"/clients/{assessed.mallory_client.pk}/assessments/strengths/")
        .content.decode()
    )
    assert "Immigration and status" not in page


def test_an_ssm_agency_domain_needs_five_level_descriptions(personas):
    from django.core.exceptions import ValidationError

    domain = AgencyDomain(
        agency=personas.river_city,
        kind=Kind.SSM,
        key="digital",
        label="Digital access",
        anchors={"1": "x"},
    )
    with pytest.raises(ValidationError):
        domain.full_clean()


def test_an_agency_domain_needs_its_spanish_text_and_shows_it_in_spanish(assessed, web):
    """Issue 10 item 12: an agency's own domain had no Spanish text at all."""
    from django.core.exceptions import ValidationError

    english_only = AgencyDomain(
        agency=assessed.river_city,
        kind=Kind.STRENGTHS,
        key="immigration",
        label="Immigration and status",
    )
    with pytest.raises(ValidationError) as refused:
        english_only.full_clean()
    assert "label_es" in refused.value.message_dict
    ssm_without_spanish_levels = AgencyDomain(
        agency=assessed.river_city,
        kind=Kind.SSM,
        key="digital",
        label="Digital access",
        label_es="Acceso digital",
        anchors={str(n): f"level {n}" for n in range(1, 6)},
    )
    with pytest.raises(ValidationError) as refused:
        ssm_without_spanish_levels.full_clean()
    assert "anchors_es" in refused.value.message_dict

    english_only.label_es = "Inmigración y situación migratoria"
    english_only.full_clean()
    english_only.save()
    client = web(assessed.alice)
    client.cookies["django_language"] = "es"
    page = client.get(f"/clients/{assessed.rosa.pk}/assessments/strengths/").content.decode()
    assert "Inmigración y situación migratoria" in page
    assert "Immigration and status" not in page
