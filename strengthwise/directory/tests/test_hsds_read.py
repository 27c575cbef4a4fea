"""The HSDS read API: the demo directory served as HSDS 3.0 says — the paging object, fully
nested objects that validate against the official schemas, 404 for an unknown id, a token
unless the agency publishes its directory."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.test import Client as HttpClient

from strengthwise.directory.hsds import object_validator
from strengthwise.directory.models import (
    Address,
    Attribute,
    Organization,
    Service,
    Taxonomy,
    TaxonomyTerm,
)
from strengthwise.directory.testing import make_service

PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}


def _errors(table, obj):
    return [e.message for e in object_validator(table).iter_errors(obj)][:3]


def test_the_directory_is_served_as_hsds_says(demo_agency, api):
    client = api(demo_agency.alice)
    meta = client.get("/api/hsds/")
    assert meta.status_code == 200 and meta.json()["version"] == "3.0"
    page = client.get("/api/hsds/services?per_page=5&full=true").json()
    assert set(page) == PAGE_KEYS and page["size"] == 5 and page["first_page"]
    assert page["total_pages"] == -(-page["total_items"] // 5)
    for service in page["contents"]:
        assert _errors("service", service) == [], service["id"]
    last = client.get(f"/api/hsds/services?per_page=5&page={page['total_pages']}").json()
    assert last["last_page"] and not last["empty"]
    one = client.get(f"/api/hsds/services/{page['contents'][0]['id']}").json()
    assert one["id"] == page["contents"][0]["id"] and _errors("service", one) == []
    orgs = client.get("/api/hsds/organizations?per_page=3").json()["contents"]
    assert orgs and all(_errors("organization", o) == [] for o in orgs)
    org = client.get(f"/api/hsds/organizations/{orgs[0]['id']}").json()
    assert _errors("organization", org) == []
    mine = client.get(f"/api/hsds/services?organization_id={orgs[0]['id']}").json()
    assert all(s["organization_id"] == orgs[0]["id"] for s in mine["contents"])
    for endpoint, table in (
        ("taxonomies", "taxonomy"),
        ("taxonomy_terms", "taxonomy_term"),
        ("service_at_locations", "service_at_location"),
    ):
        contents = client.get(f"/api/hsds/{endpoint}?per_page=3").json()["contents"]
        assert contents and all(_errors(table, o) == [] for o in contents), endpoint
    assert client.get("/api/hsds/services/not-a-service").status_code == 404


def test_a_token_unless_the_directory_is_published(db, settings):
    assert HttpClient().get("/api/hsds/services").status_code == 401
    settings.STRENGTHWISE_HSDS_PUBLIC = True
    assert HttpClient().get("/api/hsds/services").status_code == 200


# --- the query parameters of the HSDS OpenAPI ---------------------------------------------------


@pytest.fixture
def small_directory(db):
    """Three services: two of one organization (one with a term of a taxonomy, one with a term
    without one; in postcodes 63101 and 63102, 11 km apart) and one far away, in 65201."""
    taxonomy = Taxonomy.objects.create(name="Needs", description="What people need")
    parent = TaxonomyTerm.objects.create(name="Basic needs", description="x", taxonomy=taxonomy)
    food_term = TaxonomyTerm.objects.create(
        name="Food pantry", description="Food", taxonomy=taxonomy, parent=parent
    )
    org = Organization.objects.create(name="River Aid", description="Help on the river")
    food = make_service("Food Pantry", organization=org)
    Attribute.objects.create(taxonomy_term=food_term, link_entity="service", link_id=food.pk)
    rent = make_service("Rent Help", organization=org, term="Housing", at=(38.70, -90.30))
    far = make_service("Tutoring Club", org_name="Hill School", at=(39.5, -91.0))
    Address.objects.filter(location__services_here__service=far).update(postal_code="65201")
    Address.objects.filter(location__services_here__service=rent).update(postal_code="63102")
    return SimpleNamespace(
        taxonomy=taxonomy,
        parent=parent,
        food_term=food_term,
        org=org,
        food=food,
        rent=rent,
        far=far,
    )


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["contents"]}


def test_services_filter_as_the_hsds_openapi_says(small_directory, personas, api):
    d = small_directory
    client = api(personas.alice)
    get = lambda query: client.get(f"/api/hsds/services?{query}")  # noqa: E731
    every = {str(d.food.pk), str(d.rent.pk), str(d.far.pk)}
    assert _ids(get("")) == every
    assert _ids(get("search=pantry food")) == {str(d.food.pk)}
    assert _ids(get("search=HILL school")) == {str(d.far.pk)}  # the organization's name
    assert _ids(get(f"taxonomy_term_id={d.food_term.pk}")) == {str(d.food.pk)}
    assert _ids(get(f"taxonomy_term_id={str(d.food_term.pk).upper()}")) == {str(d.food.pk)}
    assert _ids(get(f"taxonomy_id={d.taxonomy.pk}")) == {str(d.food.pk)}
    assert _ids(get(f"organization_id={d.org.pk}")) == {str(d.food.pk), str(d.rent.pk)}
    assert _ids(get(f"organization_id={uuid.uuid4()}")) == set()
    # modified_after: on or after the instant, by each service's last_modified.
    Service.objects.filter(pk=d.far.pk).update(
        last_modified=dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    )
    Service.objects.exclude(pk=d.far.pk).update(
        last_modified=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    assert _ids(get("modified_after=2026-01-01T12:00:00Z")) == every
    assert _ids(get("modified_after=2026-01-01T12:00:00.001Z")) == every - {str(d.far.pk)}
    assert _ids(get("modified_after=2026-01-01T13:00:00%2B02:00")) == every  # 11:00 UTC
    assert _ids(get("modified_after=2026-02-01")) == every - {str(d.far.pk)}
    listed = get("per_page=1&page=2").json()
    assert listed["size"] == 1 and listed["page_number"] == 2 and listed["total_pages"] == 3
    assert not listed["first_page"] and not listed["last_page"]
    # Every service carries last_modified, and still validates, listed or fully nested.
    for full in ("false", "true"):
        for service in get(f"full={full}").json()["contents"]:
            assert service["last_modified"].endswith("Z")
            assert _errors("service", service) == []
    one = client.get(f"/api/hsds/services/{d.far.pk}").json()
    assert one["last_modified"] == "2026-01-01T12:00:00.000Z" and _errors("service", one) == []
    minimal = get("minimal=true").json()
    assert minimal["size"] == 3 and minimal["total_pages"] == 1
    assert {"id": str(d.far.pk), "last_modified": "2026-01-01T12:00:00.000Z"} in minimal["contents"]
    assert all(set(s) == {"id", "last_modified"} for s in minimal["contents"])
    nested = get("full=true").json()["contents"]
    assert all("service_at_locations" in s for s in nested)
    assert "service_at_locations" not in get("full=false").json()["contents"][0]


def test_the_other_lists_filter_as_the_hsds_openapi_says(small_directory, personas, api):
    d = small_directory
    client = api(personas.alice)
    get = lambda path: client.get(f"/api/hsds/{path}")  # noqa: E731
    assert _ids(get("organizations?search=river")) == {str(d.org.pk)}
    org = get("organizations?search=river&full_service=true").json()["contents"][0]
    assert {s["id"] for s in org["services"]} == {str(d.food.pk), str(d.rent.pk)}
    assert all("service_at_locations" in s for s in org["services"])
    assert _errors("organization", org) == []
    plain = get(f"organizations/{d.org.pk}").json()
    assert plain["services"] and all("service_at_locations" not in s for s in plain["services"])
    fully = get(f"organizations/{d.org.pk}?full_service=true").json()
    assert all(_errors("service", s) == [] for s in fully["services"])
    at = {str(d.food.pk): "", str(d.rent.pk): "", str(d.far.pk): ""}
    for sal in get("service_at_locations?per_page=200").json()["contents"]:
        at[sal["service_id"]] = sal["id"]
    assert _ids(get(f"service_at_locations?organization_id={d.org.pk}")) == {
        at[str(d.food.pk)],
        at[str(d.rent.pk)],
    }
    assert _ids(get(f"service_at_locations?taxonomy_id={d.taxonomy.pk}")) == {at[str(d.food.pk)]}
    assert _ids(get(f"service_at_locations?taxonomy_term_id={d.food_term.pk}")) == {
        at[str(d.food.pk)]
    }
    assert _ids(get("service_at_locations?search=tutoring")) == {at[str(d.far.pk)]}
    assert _ids(get("service_at_locations?postcode=65201")) == {at[str(d.far.pk)]}
    assert _ids(get("service_at_locations?postcode=63101")) == {at[str(d.food.pk)]}
    # The centre of 63101 is the food pantry's place; rent help is about 11 km away.
    assert _ids(get("service_at_locations?postcode=63101&proximity=1000")) == {at[str(d.food.pk)]}
    assert _ids(get("service_at_locations?postcode=63101&proximity=20000")) == {
        at[str(d.food.pk)],
        at[str(d.rent.pk)],
    }
    assert _ids(get("service_at_locations?postcode=00000&proximity=20000")) == set()
    assert _ids(get("taxonomies?search=needs")) == {str(d.taxonomy.pk)}
    assert _ids(get(f"taxonomy_terms?taxonomy_id={d.taxonomy.pk}")) == {
        str(d.parent.pk),
        str(d.food_term.pk),
    }
    assert _ids(get(f"taxonomy_terms?parent_id={d.parent.pk}")) == {str(d.food_term.pk)}
    tops = _ids(get(f"taxonomy_terms?taxonomy_id={d.taxonomy.pk}&top_only=true"))
    assert tops == {str(d.parent.pk)}
    assert _ids(get("taxonomy_terms?search=pantry")) == {str(d.food_term.pk)}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("services?page=0", "page"),
        ("services?page=two", "page"),
        ("services?per_page=-1", "per_page"),
        ("services?per_page=1.5", "per_page"),
        ("services?full=maybe", "full"),
        ("services?minimal=yes", "minimal"),
        ("services?modified_after=yesterday", "modified_after"),
        ("services?modified_after=2026-13-01", "modified_after"),
        ("services?format=xml", "format"),
        ("organizations?full_service=2", "full_service"),
        ("organizations?full=on", "full"),
        ("taxonomy_terms?top_only=sure", "top_only"),
        ("service_at_locations?proximity=1000", "proximity"),
        ("service_at_locations?postcode=63101&proximity=far", "proximity"),
        ("service_at_locations?postcode=63101&proximity=-5", "proximity"),
        ("service_at_locations?postcode=63101&proximity=nan", "proximity"),
        ("taxonomies?page=-3", "page"),
    ],
)
def test_a_value_hsds_does_not_allow_answers_400_with_the_reason(
    small_directory, personas, api, path, field
):
    answer = api(personas.alice).get(f"/api/hsds/{path}")
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert body["detail"] and [e["field"] for e in body["errors"]] == [field]
    assert body["errors"][0]["reason"]


def test_every_problem_is_named_at_once(small_directory, personas, api):
    answer = api(personas.alice).get("/api/hsds/services?page=x&full=x&modified_after=x")
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["page", "modified_after", "full"]
