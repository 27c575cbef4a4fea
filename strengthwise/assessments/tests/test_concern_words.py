"""A concern's label records whose words it is and whether exact (issue 10, item 7): through
the service, the motivation form and the API, quoted on the page only when exact."""

from __future__ import annotations

import pytest

from strengthwise.assessments import services
from strengthwise.assessments.models import Concern
from strengthwise.audit.models import AuditEvent
from strengthwise.core.errors import ValidationFailed


def test_concern_stores_whose_words_and_audits_them(personas):
    concern = services.concern_add(
        acting_user=personas.alice,
        client=personas.dana,
        label="Getting back to school",
        label_author="client",
        label_verbatim=True,
    )
    concern.refresh_from_db()
    assert (concern.label_author, concern.label_verbatim) == ("client", True)
    event = AuditEvent.objects.get(action="concern.added", target_id=str(concern.pk))
    assert event.changes["label_author"] == [None, "client"]
    assert event.changes["label_verbatim"] == [None, True]
    with pytest.raises(ValidationFailed) as error:
        services.concern_add(
            acting_user=personas.alice, client=personas.dana, label="x", label_author="teacher"
        )
    assert "label_author" in error.value.field_errors


def test_motivation_page_asks_and_shows_whose_words(personas, web, api):
    page = web(personas.alice)
    url = f"/clients/{personas.dana.pk}/assessments/motivation/"
    html = page.get(url).content.decode()
    assert 'name="label_author"' in html and 'name="label_verbatim"' in html
    ok = page.post(
        url,
        {
            "action": "concern",
            "label": "Drinking less",
            "label_author": "client",
            "label_verbatim": "on",
        },
    )
    assert ok.status_code == 302
    page.post(url, {"action": "concern", "label": "Steadier work", "label_author": "worker"})
    bad = page.post(url, {"action": "concern", "label": "x", "label_author": "teacher"})
    assert bad.status_code == 400 and not Concern.objects.filter(label="x").exists()
    assert Concern.objects.get(label="Steadier work").label_verbatim is False
    html = page.get(url).content.decode()
    assert '“Drinking less” <span class="by">— in their words</span>' in html
    assert "“Steadier work”" not in html
    assert 'Steadier work <span class="by">— worker\'s words</span>' in html
    body = (
        api(personas.alice)
        .get(f"/api/v1/clients/{personas.dana.pk}/assessments?kind=motivation")
        .json()
    )
    out = {
        c["label"]: (c["label_author"], c["label_verbatim"]) for c in body["motivation"]["concerns"]
    }
    assert out == {"Drinking less": ("client", True), "Steadier work": ("worker", False)}
