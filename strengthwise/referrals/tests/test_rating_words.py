"""A referral's rating comment records whose words it is and whether exact (issue 10, item 7):
through the service and the form, in the API (with `rated_by`), quoted only when exact."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from strengthwise.audit.models import AuditEvent
from strengthwise.core.errors import ValidationFailed
from strengthwise.directory.testing import make_service
from strengthwise.referrals import services, workflow
from strengthwise.referrals.models import Referral


@pytest.fixture
def finished(personas):
    service = make_service("Budget coaching", term="Financial literacy")
    return Referral.objects.create(
        agency=personas.dana.agency,
        client=personas.dana,
        service=service,
        organization=service.organization,
        status=workflow.COMPLETED,
        requested_at=timezone.now(),
        finished_at=timezone.now(),
        created_by=personas.alice,
    )


def test_rating_comment_stores_whose_words_and_audits_them(personas, finished):
    services.referral_rate(
        acting_user=personas.alice,
        referral=finished,
        helpful=4,
        comment="I have a budget now",
        comment_author="client",
        comment_verbatim=True,
    )
    finished.refresh_from_db()
    assert (finished.rating_comment_author, finished.rating_comment_verbatim) == ("client", True)
    event = AuditEvent.objects.get(action="referral.rated", target_id=str(finished.pk))
    assert event.changes["rating_comment_author"] == [None, "client"]
    assert event.changes["rating_comment_verbatim"] == [None, True]
    services.referral_rate(
        acting_user=personas.alice,
        referral=finished,
        helpful=4,
        comment="She says it helped",
        comment_author="worker",
        rated_by="worker",
    )
    event = AuditEvent.objects.filter(action="referral.rated").order_by("-seq").first()
    assert event.changes["rating_comment_author"] == ["client", "worker"]
    assert event.changes["rated_by"] == ["client", "worker"]
    for bad in ({"comment_author": "neighbour"}, {"rated_by": "neighbour"}):
        with pytest.raises(ValidationFailed):
            services.referral_rate(
                acting_user=personas.alice, referral=finished, helpful=3, comment="x", **bad
            )


@pytest.mark.parametrize(
    ("author", "verbatim", "shown", "not_shown"),
    [
        ("client", True, '“It helped” <span class="by">— in their words</span>', None),
        ("worker", False, 'It helped <span class="by">— worker\'s words</span>', "“It helped”"),
    ],
)
def test_rating_form_and_page_show_whose_words(
    personas, finished, web, api, author, verbatim, shown, not_shown
):
    page = web(personas.alice)
    url = reverse("referrals:referral", args=[personas.dana.pk, finished.pk])
    html = page.get(url).content.decode()
    assert 'name="comment_author"' in html and 'name="comment_verbatim"' in html
    data = {"helpful": 5, "comment": "It helped", "rated_by": "client", "comment_author": author}
    if verbatim:
        data["comment_verbatim"] = "on"
    page.post(reverse("referrals:referral-rate", args=[personas.dana.pk, finished.pk]), data)
    finished.refresh_from_db()
    assert (finished.rating_comment_author, finished.rating_comment_verbatim) == (author, verbatim)
    html = page.get(url).content.decode()
    assert shown in html
    if not_shown:
        assert not_shown not in html
    body = api(personas.alice).get(f"/api/v1/referrals/{finished.pk}").json()
    assert (body["rating_comment_author"], body["rating_comment_verbatim"]) == (author, verbatim)
    assert body["rated_by"] == "client"
