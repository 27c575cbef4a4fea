"""Clients' ratings on the service page (issue 10, item 3): the average and the count for
everyone in the agency; the clients' own words only for those who may see that client; a
de-identified reader sees a count under 5 as "<5" and no average."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from strengthwise.directory import selectors
from strengthwise.directory.testing import make_service
from strengthwise.referrals import services as referral_services
from strengthwise.referrals import workflow
from strengthwise.referrals.models import Referral

pytestmark = pytest.mark.django_db

DANAS_WORDS = "They were kind to Jayden. The room was cold."
KEISHAS_WORDS = "Short wait, and the forms were in Spanish."


def rate(worker, client, service, helpful, comment):
    referral = Referral.objects.create(
        agency=client.agency,
        client=client,
        service=service,
        organization=service.organization,
        status=workflow.COMPLETED,
        requested_at=timezone.now(),
        finished_at=timezone.now(),
        created_by=worker,
    )
    return referral_services.referral_rate(
        acting_user=worker, referral=referral, helpful=helpful, comment=comment
    )


@pytest.fixture
def family_centre(personas):
    service = make_service("Family resource centre", term="Family support")
    rate(personas.alice, personas.dana, service, 4, DANAS_WORDS)
    return service


def page(web, user, service):
    response = web(user).get(reverse("directory:service", args=[service.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_clients_words_reach_only_those_who_may_see_the_client(personas, family_centre, web):
    for user in (personas.alice, personas.bob):  # her worker, and the team's supervisor
        html = page(web, user, family_centre)
        assert "They were kind to Jayden" in html
    carol = page(web, personas.carol, family_centre)  # another team
    assert "They were kind to Jayden" not in carol
    assert "4.0 out of 5" in carol and "1 client rating" in carol  # the average and the count
    priya = page(web, personas.priya, family_centre)  # de-identified
    assert "They were kind to Jayden" not in priya
    assert "4.0 out of 5" not in priya and "1 client rating" not in priya
    assert "Fewer than 5 clients have rated this service" in priya


def test_the_api_gives_the_average_and_suppresses_small_counts(personas, family_centre, api):
    url = f"/api/v1/directory/services/{family_centre.pk}"
    for user in (personas.alice, personas.carol, personas.priya):
        body = api(user).get(url).json()
        assert "They were kind" not in str(body)
    assert api(personas.carol).get(url).json()["ratings"]["mean"] == 4.0
    assert api(personas.carol).get(url).json()["ratings"]["count"] == 1
    priya = api(personas.priya).get(url).json()["ratings"]
    assert priya["count"] == "<5" and priya["mean"] is None


def test_each_worker_reads_the_words_of_their_own_clients_only(personas, family_centre, web):
    rate(personas.carol, personas.carol_client, family_centre, 5, KEISHAS_WORDS)
    alice, carol = (
        page(web, personas.alice, family_centre),
        page(web, personas.carol, family_centre),
    )
    assert DANAS_WORDS.split(".")[0] in alice and KEISHAS_WORDS.split(",")[0] not in alice
    assert KEISHAS_WORDS.split(",")[0] in carol and DANAS_WORDS.split(".")[0] not in carol
    assert "4.5 out of 5" in carol and "2 client ratings" in carol


def test_five_ratings_or_more_show_their_average_to_de_identified_readers(
    personas, family_centre, web
):
    for helpful in (5, 5, 3, 4):
        rate(personas.carol, personas.carol_client, family_centre, helpful, "")
    summary = selectors.rating_summary(family_centre, personas.priya)
    assert summary["count"] == 5 and summary["mean"] == pytest.approx(4.2)
    assert summary["comments"] == []
    assert "4.2 out of 5" in page(web, personas.priya, family_centre)
