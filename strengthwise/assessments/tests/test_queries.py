"""Query counts of the assessment pages are pinned and do not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strengthwise.assessments import services


def count(browser, url):
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(url).status_code == 200
    return len(ctx.captured_queries)


def grow(personas):
    dana, alice = personas.dana, personas.alice
    for i in range(8):
        services.factor_add(
            acting_user=alice,
            client=dana,
            fields={
                "description": f"Strength {i}",
                "level": "micro",
                "valence": "strength",
                "domain": "health",
            },
        )
        services.ecomap_node_add(
            acting_user=alice,
            client=dana,
            fields={
                "label": f"Friend {i}",
                "kind": "friends",
                "level": "meso",
                "strength": "moderate",
                "quality": "positive",
                "flow": "both",
            },
        )
        concern = services.concern_add(acting_user=alice, client=dana, label=f"Change {i}")
        services.readiness_rate(
            acting_user=alice,
            concern=concern,
            fields={
                "rated_on": dt.date(2026, 1, 1),
                "stage": "action",
                "importance": 5,
                "confidence": 5,
            },
        )
        services.motivation_record_add(
            acting_user=alice, client=dana, fields={"dreams": f"Dream {i}"}
        )


PINNED = {
    "": 31,  # the face sheet, with every assessment, plan, referral, note, task, closure section,
    # and the agency questionnaires (its due tasks: the client's stored items, tasks/due.py)
    "strengths/": 14,
    "factors/": 17,
    "motivation/": 17,
    "matrix/": 14,
    "ecomap/": 15,
    "screening/": 14,
}


@pytest.mark.parametrize(("page", "pinned"), PINNED.items())
def test_assessment_pages_use_a_constant_number_of_queries(assessed, web, page, pinned):
    browser = web(assessed.alice)
    url = (
        f"/clients/{assessed.dana.pk}/assessments/{page}"
        if page
        else f"/clients/{assessed.dana.pk}/"
    )
    browser.get(url)
    before = count(browser, url)
    grow(assessed)
    after = count(browser, url)
    assert (before, after) == (pinned, pinned)
