"""Rating a referral and revoking a consent through the API (issue 13, part 2): the same
services as the pages, so the same answers and the same audit."""

from __future__ import annotations

import pytest
from django.utils import timezone

from strengthwise.audit.models import AuditEvent
from strengthwise.referrals import workflow
from strengthwise.referrals.models import Consent, Referral

from .test_rating_words import finished  # noqa: F401  (a fixture)


def test_a_finished_referral_is_rated_in_the_clients_words(personas, api, finished):  # noqa: F811
    alice = api(personas.alice)
    url = f"/api/v1/referrals/{finished.pk}/rating"
    assert alice.post(url, {"helpful": 6, "rated_by": "client"}).status_code == 422
    response = alice.post(
        url,
        {
            "helpful": 5,
            "rated_by": "client",
            "comment": "I have a budget now",
            "comment_author": "client",
            "comment_verbatim": True,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["helpful"], body["rated_by"], body["rating_comment_verbatim"]) == (
        5,
        "client",
        True,
    )
    assert AuditEvent.objects.filter(action="referral.rated", target_id=str(finished.pk)).exists()


def test_a_referral_not_finished_cannot_be_rated(personas, api, finished):  # noqa: F811
    Referral.objects.filter(pk=finished.pk).update(status=workflow.REQUESTED, finished_at=None)
    response = api(personas.alice).post(
        f"/api/v1/referrals/{finished.pk}/rating", {"helpful": 4, "rated_by": "client"}
    )
    assert response.status_code == 400
    assert Referral.objects.get(pk=finished.pk).helpful is None


def test_a_consent_is_revoked_and_says_so(personas, api, workshop, consent_for):
    consent = consent_for(workshop)
    alice = api(personas.alice)
    url = f"/api/v1/consents/{consent.pk}/revoke"
    assert alice.post(url, {"revoked_by": ""}).status_code == 422
    response = alice.post(url, {"revoked_by": "Dana, by phone", "note": "Changed her mind"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["revoked_by"]) == ("revoked", "Dana, by phone")
    assert body["revoked_on"] == timezone.localdate().isoformat()
    assert Consent.objects.get(pk=consent.pk).revoked_on == timezone.localdate()
    # Twice is refused with a reason, not a 500.
    assert alice.post(url, {"revoked_by": "Dana"}).status_code == 400


@pytest.mark.parametrize("who", ["carol", "mallory", "priya"])
def test_others_cannot_rate_or_revoke(personas, api, finished, workshop, consent_for, who):  # noqa: F811
    consent = consent_for(workshop)
    other = api(getattr(personas, who))
    rating = {"helpful": 1, "rated_by": "worker"}
    assert other.post(f"/api/v1/referrals/{finished.pk}/rating", rating).status_code == 404
    revoke = {"revoked_by": "someone"}
    assert other.post(f"/api/v1/consents/{consent.pk}/revoke", revoke).status_code == 404
    assert Referral.objects.get(pk=finished.pk).helpful is None
    assert Consent.objects.get(pk=consent.pk).revoked_on is None
