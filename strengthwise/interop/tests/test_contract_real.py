"""The API's reads against its own OpenAPI document with a real record (issue 13: a contract run
with realistic data). The generated run (test_contract.py) mostly meets 404s and 400s, because
random ids name no record; here every GET operation is called with the ids of Dana's record in
the demo agency, by the role that may read it, and must answer 200 within its schema — so the
schemas of the answers people actually get are checked, not only those of the refusals."""

from __future__ import annotations

import pytest
from schemathesis.specs.openapi.checks import ignored_auth

from strengthwise.accounts.services import api_token_create
from strengthwise.directory.models import Organization, Service, ServiceAtLocation, TaxonomyTerm
from strengthwise.interop.tests import test_contract
from strengthwise.interop.tests.test_contract import one_connection, schema  # noqa: F401
from strengthwise.notes.models import Note
from strengthwise.people.models import Client
from strengthwise.plans.models import Goal
from strengthwise.questionnaires.models import Questionnaire
from strengthwise.referrals.models import Referral

pytestmark = pytest.mark.django_db(transaction=False)

# The generated run's checks; the token is always valid here, so not the one about auth.
CHECKS = [check for check in test_contract.CHECKS if check is not ignored_auth]

# Who reads what (everything else: alice, Dana's worker).
READER = {
    "/api/v1/clients/{client_id}/merge": "bob",  # a supervisor of both records' teams
    "/api/v1/reports/{name}": "priya",
    "/api/v1/webhooks": "admin",
    "/api/v1/webhooks/{endpoint_id}": "admin",
}


def _ids(personas):
    dana = personas.dana
    hsds = {
        "/api/hsds/organizations/{id}": Organization.objects.order_by("pk").first().pk,
        "/api/hsds/services/{id}": Service.objects.order_by("pk").first().pk,
        "/api/hsds/service_at_locations/{id}": ServiceAtLocation.objects.order_by("pk").first().pk,
        "/api/hsds/taxonomy_terms/{id}": TaxonomyTerm.objects.order_by("pk").first().pk,
        "/api/hsds/taxonomies/{id}": TaxonomyTerm.objects.order_by("pk").first().taxonomy_id,
    }
    common = {
        "client_id": dana.pk,
        "goal_id": Goal.objects.filter(plan__client=dana).order_by("pk").first().pk,
        "note_id": Note.objects.filter(client=dana, status="signed").order_by("pk").first().pk,
        "referral_id": Referral.objects.filter(client=dana).order_by("pk").first().pk,
        "service_id": Service.objects.order_by("pk").first().pk,
        "questionnaire_id": Questionnaire.objects.get(key="tenancy-readiness").pk,
        "kind": "ssm",
        "name": "gas",
    }
    return common, hsds


def test_every_read_of_a_real_record_answers_200_within_its_schema(demo_agency, one_connection):  # noqa: F811
    from strengthwise.interop import webhooks

    endpoint = webhooks.endpoint_add(
        agency_id=demo_agency.river_city.pk,
        url="https://partners.example.org/hooks",
        events=["referral.status_changed"],
    )[0]
    common, hsds = _ids(demo_agency)
    common["endpoint_id"] = endpoint.pk
    duplicate = Client.objects.get(pk=demo_agency.dana_duplicate.pk)
    tokens: dict[str, str] = {}
    problems, called = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET":
            continue
        path = operation.path
        names = [p.name for p in operation.path_parameters]
        values = {n: hsds[path] if n == "id" else common[n] for n in names}
        query = {"duplicate_id": duplicate.pk} if path.endswith("/merge") else None
        reader = READER.get(path, "alice")
        if reader not in tokens:
            tokens[reader] = api_token_create(acting_user=None, user=getattr(demo_agency, reader))
        case = operation.Case(path_parameters=values, query=query)
        try:
            response = case.call_and_validate(
                headers={"Authorization": f"Bearer {tokens[reader]}"}, checks=CHECKS
            )
        except Exception as failure:  # every check's failure, named per operation
            problems.append(f"GET {path}: {str(failure).splitlines()[0]}")
            continue
        called += 1
        if response.status_code != 200:
            problems.append(f"GET {path} as {reader}: {response.status_code} {response.text[:200]}")
    assert problems == [], "\n".join(problems)
    assert called >= 35
