"""The HSDS read API: the demo directory served as HSDS 3.0 says — the paging object, fully
nested objects that validate against the official schemas, 404 for an unknown id, a token
unless the agency publishes its directory."""

from __future__ import annotations

from django.test import Client as HttpClient

from strengthwise.directory.hsds import object_validator

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
