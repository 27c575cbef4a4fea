"""HSDS 3.0 import / export (strengthwise.directory.hsds) and its two commands.

The official examples are copied into tests/data/hsds-examples (see SOURCE.md there); no test
reads /work/shared.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from strengthwise.audit.models import AuditEvent
from strengthwise.directory import hsds
from strengthwise.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Program,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceDomain,
    Taxonomy,
    TaxonomyTerm,
)

EXAMPLES = Path(__file__).resolve().parent / "data" / "hsds-examples"
TABLES = [
    Organization,
    Program,
    Taxonomy,
    TaxonomyTerm,
    Service,
    Location,
    ServiceAtLocation,
    Address,
    Phone,
    Schedule,
    Language,
    ServiceArea,
    Attribute,
    ServiceDomain,
]

# --- generated data ---------------------------------------------------------------------------

NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://strengthwise.example/tests/hsds")
CAPACITY_CODES = list(hsds.CAPACITY_TERMS)


def uid(*parts: Any) -> str:
    return str(uuid.uuid5(NS, ":".join(str(p) for p in parts)))


def capacity_attribute(i: int, code: str, notes: str) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "id": uid("capacity-attribute", i),
        "link_entity": "service",
        "taxonomy_term": {
            "id": str(hsds.capacity_term_id(code)),
            "code": code,
            "name": code,
            "description": f"capacity {code}",
            "taxonomy_detail": {
                "id": str(hsds.CAPACITY_TAXONOMY_ID),
                "name": "capacity",
                "description": "capacity codes",
            },
        },
    }
    if notes:
        attribute["value"] = notes
    return attribute


def domain_attribute(i: int, key: str) -> dict[str, Any]:
    return {
        "id": uid("domain-attribute", i, key),
        "link_entity": "service",
        "taxonomy_term": {
            "id": str(hsds.domain_term_id(key)),
            "code": key,
            "name": key,
            "description": f"life domain {key}",
            "taxonomy_detail": {
                "id": str(hsds.DOMAIN_TAXONOMY_ID),
                "name": "life domains",
                "description": "strengths domains",
            },
        },
    }


def topic_attribute(i: int, child: bool) -> dict[str, Any]:
    """A plain attribute on a taxonomy of our own; the child term has the parent as parent."""
    taxonomy = {"id": uid("taxonomy"), "name": "Topics", "description": "Test topics"}
    term = {
        "id": uid("term", "food" if child else "basic-needs"),
        "code": "BN-FOOD" if child else "BN",
        "name": "Food pantry" if child else "Basic needs",
        "description": "Food to take home" if child else "Food, housing, clothing",
        "taxonomy": "Topics",
        "taxonomy_detail": taxonomy,
    }
    if child:
        term["parent_id"] = uid("term", "basic-needs")
    return {
        "id": uid("topic-attribute", i),
        "link_entity": "service",
        "link_type": "topic",
        "taxonomy_term": term,
    }


def make_services(n: int, *, organizations: int = 20, rich: bool = False) -> list[dict[str, Any]]:
    """`n` full services, each with a location, address, phone, schedule and language, plus a
    capacity and life domains; `rich` adds the less common parts (programs, service areas,
    phone languages, location phones and hours, topic attributes, awkward text)."""
    services = []
    for i in range(n):
        o = i % organizations
        organization = {
            "id": uid("organization", o),
            "name": f"Organisation {o}",
            "description": f"Helps people, branch {o}",
            "website": f"https://org{o}.example.org",
        }
        location: dict[str, Any] = {
            "id": uid("location", i),
            "location_type": "physical",
            "organization_id": organization["id"],
            "name": f"Place {i}",
            "latitude": round(40 + (i % 97) / 1000, 6),
            "longitude": round(-75.5 - (i % 89) / 1000, 6),
            "addresses": [
                {
                    "id": uid("address", i),
                    "address_1": f"{i} Main Street",
                    "city": "Springfield",
                    "state_province": "PA",
                    "postal_code": "19000",
                    "country": "US",
                    "address_type": "physical",
                }
            ],
        }
        attributes = []
        if i % 5:
            code = CAPACITY_CODES[i % 4]
            attributes.append(capacity_attribute(i, code, f"note {i}" if i % 3 else ""))
        attributes += [domain_attribute(i, key) for key in ("health", "financial")[: i % 3]]
        service: dict[str, Any] = {
            "id": uid("service", i),
            "name": f"Service {i}",
            "description": f"Help number {i}",
            "status": "active" if i % 7 else "temporarily closed",
            "url": f"https://example.org/services/{i}",
            "email": f"service{i}@example.org",
            "minimum_age": 18,
            "organization": organization,
            "phones": [{"id": uid("phone", i), "number": f"555-01{i:05d}", "type": "voice"}],
            "schedules": [
                {
                    "id": uid("schedule", i),
                    "freq": "WEEKLY",
                    "byday": "MO,TU,WE,TH,FR",
                    "opens_at": "09:00",
                    "closes_at": "17:30:00",
                }
            ],
            "languages": [{"id": uid("language", i), "name": "Spanish", "code": "es"}],
            "service_at_locations": [{"id": uid("service-at-location", i), "location": location}],
            "attributes": attributes,
        }
        if rich:
            service["description"] = f'Línea {i}, "quoted", with a comma\nand a second line'
            service["maximum_age"] = 64
            service["program"] = {
                "id": uid("program", o),
                "name": f"Programme {o}",
                "description": "A programme",
            }
            service["service_areas"] = [
                {"id": uid("area", i), "name": "County", "extent_type": "geojson"}
            ]
            service["phones"][0]["languages"] = [
                {"id": uid("phone-language", i), "name": "Vietnamese", "code": "vi"}
            ]
            service["schedules"][0]["valid_from"] = "2025-01-01"
            location["phones"] = [{"id": uid("location-phone", i), "number": "555-0000"}]
            location["schedules"] = [
                {"id": uid("location-schedule", i), "byday": "SA", "opens_at": "10:00:00"}
            ]
            location["languages"] = [{"id": uid("location-language", i), "code": "so"}]
            service["service_at_locations"][0]["description"] = "Walk in"
            service["attributes"].append(topic_attribute(i, child=bool(i % 2)))
        services.append(service)
    return services


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every directory row's values, without the auto-set timestamps and ServiceDomain's own id."""
    data = {}
    for model in TABLES:
        skip = {"last_modified", "updated_at"} | ({"id"} if model is ServiceDomain else set())
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        data[model.__name__] = sorted(
            (model.objects.values(*names)), key=lambda row: json.dumps(row, default=str)
        )
    return data


def wipe() -> None:
    for model in (Attribute, TaxonomyTerm, Taxonomy, Phone, Schedule, Language):
        model.objects.all().delete()
    for model in (Service, Location, Program, Organization):
        model.objects.all().delete()
    assert sum(counts().values()) == 0


def where_fields(problems: list[hsds.Problem]) -> set[tuple[str, str]]:
    return {(p.where, p.field) for p in problems}


# --- the official examples ----------------------------------------------------------------------


@pytest.mark.django_db
def test_official_csv_example_reports_the_dangling_keys_and_the_latitude() -> None:
    records, problems = hsds.validate(EXAMPLES / "csv")
    assert where_fields(problems) == {
        ("locations.csv row 2", "organization_id"),
        ("contacts.csv row 2", "organization_id"),
        ("contacts.csv row 2", "service_at_location_id"),
        ("taxonomy_terms.csv row 2", "taxonomy_id"),
        ("locations.csv row 2", "latitude"),
    }
    reasons = {(p.where, p.field): p.reason for p in problems}
    assert (
        "985e4a42-bd9f-4edc-911d-0243a4640aca"
        in reasons[("locations.csv row 2", "organization_id")]
    )
    assert (
        "07ff6aee-a219-438c-b694-d2fcb6c5373b"
        in reasons[("taxonomy_terms.csv row 2", "taxonomy_id")]
    )
    assert "100 is out of range" in reasons[("locations.csv row 2", "latitude")]
    # Longitude 101 is a real longitude (-180..180): not a problem.
    assert (
        records.tables["location"]["3a19ff88-4620-4d17-9830-ac1d859eb5d5"].data["longitude"] == 101
    )
    # Every one of the 21 tables was read, one row each.
    assert len(records.tables) == 21
    assert all(len(rows) == 1 for rows in records.tables.values())

    result = hsds.import_path(EXAMPLES / "csv")
    assert where_fields(result.problems) == where_fields(problems)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert sum(counts().values()) == 0


LATITUDE = "100 is out of range: must be from -90 to 90"

# Each official JSON example: the problems it has (where, field), or what it imports.
JSON_EXAMPLES: dict[str, dict[str, Any]] = {
    "base.json": {"problems": {("$", "")}},  # the API's version response, not data
    "location.json": {"problems": {("$.latitude", "latitude")}},
    "organization_full.json": {
        "problems": {
            ("$.locations[0].latitude", "latitude"),
            ("$.services[0].service_at_locations[0].location.latitude", "latitude"),
        }
    },
    "organization_list.json": {"created": 1},
    "service_at_location_full.json": {
        "problems": {
            ("$.location.latitude", "latitude"),
            ("$.service.organization.locations[0].latitude", "latitude"),
        }
    },
    "service_at_location_list.json": {
        "problems": {("$.contents[0].location.latitude", "latitude")}
    },
    "service_full.json": {
        "problems": {
            ("$.organization.locations[0].latitude", "latitude"),
            ("$.service_at_locations[0].location.latitude", "latitude"),
        }
    },
    "service_list.json": {"created": 3},  # service, organization, program
    "tabular.json": {
        "problems": {
            ('$["locations.csv"][0].latitude', "latitude"),
            ('$["locations.csv"][0].external_identifier', "external_identifier"),
            ('$["organization_identifiers.csv"][0].identifier', "identifier"),
            ('$["locations.csv"][0].organization_id', "organization_id"),
            ('$["contacts.csv"][0].organization_id', "organization_id"),
            ('$["contacts.csv"][0].service_at_location_id', "service_at_location_id"),
            ('$["taxonomy_terms.csv"][0].taxonomy_id', "taxonomy_id"),
        }
    },
    "taxonomy.json": {"created": 1},
    "taxonomy_list.json": {"created": 1},
    "taxonomy_term.json": {"created": 2, "warning": "$.parent_id"},  # term and its taxonomy
    "taxonomy_term_list.json": {"created": 2, "warning": "$.contents[0].parent_id"},
}


def test_every_official_json_example_is_covered() -> None:
    assert {p.name for p in EXAMPLES.glob("*.json")} == set(JSON_EXAMPLES)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(JSON_EXAMPLES))
def test_official_json_example(name: str) -> None:
    expected = JSON_EXAMPLES[name]
    result = hsds.import_path(EXAMPLES / name)
    if "problems" in expected:
        assert where_fields(result.problems) == expected["problems"]
        for problem in result.problems:
            if problem.field == "latitude":
                assert problem.reason == LATITUDE
        assert sum(counts().values()) == 0
        return
    assert result.problems == []
    assert (result.created, result.updated, result.unchanged) == (expected["created"], 0, 0)
    if "warning" in expected:
        assert [w.where for w in result.warnings] == [expected["warning"]]
        assert TaxonomyTerm.objects.get().parent_id is None  # its parent is in no file
    again = hsds.import_path(EXAMPLES / name)
    assert (again.created, again.updated, again.unchanged) == (0, 0, expected["created"])


@pytest.mark.django_db
def test_tabular_example_reasons() -> None:
    _, problems = hsds.validate(EXAMPLES / "tabular.json")
    reasons = {p.field: p.reason for p in problems if "organization_identifiers" in p.where}
    assert reasons == {"identifier": "1234567 is not of type 'string'"}


@pytest.mark.django_db
def test_base_response_is_explained() -> None:
    _, problems = hsds.validate(EXAMPLES / "base.json")
    assert "base response" in problems[0].reason


@pytest.mark.django_db
def test_full_service_example_maps_every_table_once_its_latitude_is_fixed(tmp_path: Path) -> None:
    data = json.loads((EXAMPLES / "service_full.json").read_text())
    data["service_at_locations"][0]["location"]["latitude"] = 51.5
    data["organization"]["locations"][0]["latitude"] = 51.5
    path = write_json(tmp_path / "service_full.json", data)

    result = hsds.import_path(path)
    assert result.problems == []
    # The repeated phone, language, schedule, location and program are one record each.
    assert counts() == {
        "Organization": 1,
        "Program": 1,
        "Taxonomy": 1,
        "TaxonomyTerm": 1,
        "Service": 1,
        "Location": 1,
        "ServiceAtLocation": 1,
        "Address": 1,
        "Phone": 1,
        "Schedule": 1,
        "Language": 1,
        "ServiceArea": 1,
        "Attribute": 1,
        "ServiceDomain": 0,
    }
    assert result.created == 13
    assert result.ignored == {
        "accessibility": 1,
        "contact": 1,
        "cost_option": 1,
        "funding": 1,
        "metadata": 1,
        "organization_identifier": 1,
        "required_document": 1,
    }
    service = Service.objects.get()
    organization = Organization.objects.get()
    program = Program.objects.get()
    location = Location.objects.get()
    at_location = ServiceAtLocation.objects.get()
    assert service.organization == organization
    assert service.program == program
    assert program.organization == organization  # from organization.programs
    assert (service.minimum_age, service.maximum_age, service.wait_time) == (12, 100, "wait_time")
    assert service.capacity == ""
    assert (location.organization, location.latitude, location.longitude) == (
        organization,
        51.5,
        101.0,
    )
    assert (at_location.service, at_location.location) == (service, location)
    assert Address.objects.get().location == location
    phone = Phone.objects.get()
    assert (phone.service, phone.location, phone.service_at_location, phone.organization) == (
        service,
        location,
        at_location,
        organization,
    )
    assert phone.number == '"+44 1234 234567"' and phone.extension == 100
    language = Language.objects.get()
    assert (language.service, language.location, language.phone) == (service, location, phone)
    schedule = Schedule.objects.get()
    assert (schedule.opens_at, schedule.closes_at) == (dt.time(10), dt.time(18))
    assert schedule.valid_from == dt.date(2005, 1, 1)
    assert (schedule.service, schedule.location, schedule.service_at_location) == (
        service,
        location,
        at_location,
    )
    assert ServiceArea.objects.get().service == service
    attribute = Attribute.objects.get()
    assert attribute.link_id == service.pk and attribute.link_entity == "link_entity"
    term = attribute.taxonomy_term
    assert term.taxonomy == Taxonomy.objects.get() and term.parent_id is None
    assert [w.field for w in result.warnings] == ["parent_id"]
    # Searchable; the term's name is not (the example's link_entity is not "service").
    assert service.search_text.endswith("example organization inc urdu ur")

    again = hsds.import_path(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 13)


# --- import -------------------------------------------------------------------------------------


def expected_records(services: list[dict[str, Any]]) -> int:
    """Records a generated file writes: each service's own rows, the organisations, and the
    taxonomies and terms its attributes use (capacity/domain attributes count with the service)."""
    terms = {a["taxonomy_term"]["id"] for s in services for a in s["attributes"]}
    taxonomies = {
        a["taxonomy_term"]["taxonomy_detail"]["id"] for s in services for a in s["attributes"]
    }
    organizations = {s["organization"]["id"] for s in services}
    per_service = 7  # service, phone, schedule, language, service at location, location, address
    return len(services) * per_service + len(organizations) + len(terms) + len(taxonomies)


@pytest.mark.django_db
def test_valid_file_imports_with_counts_and_a_second_import_changes_nothing(
    tmp_path: Path,
) -> None:
    services = make_services(12, organizations=3)
    path = write_json(tmp_path / "services.json", services)
    result = hsds.import_path(path)
    assert result.problems == [] and result.warnings == []
    assert (result.created, result.updated, result.unchanged) == (expected_records(services), 0, 0)
    assert Service.objects.count() == 12 and Organization.objects.count() == 3

    first = Service.objects.get(pk=uid("service", 1))
    assert (first.capacity, first.capacity_notes) == ("waitlist", "note 1")
    assert Service.objects.get(pk=uid("service", 3)).capacity_notes == ""  # no value given
    assert Service.objects.get(pk=uid("service", 5)).capacity == ""  # no capacity attribute
    assert set(ServiceDomain.objects.filter(service=first).values_list("domain", flat=True)) == {
        "health"
    }
    assert not Attribute.objects.exists()  # capacity and domains are not kept as attributes
    assert first.search_text == "service 1 help number 1 organisation 1 spanish es"
    event = AuditEvent.objects.get(action="directory.imported")
    assert (event.target_type, event.target_id, event.actor_id) == (
        "directory",
        "services.json",
        None,
    )
    assert event.actor_label == "import-hsds"
    assert event.changes == {"created": result.created, "updated": 0, "unchanged": 0}

    before = snapshot()
    stamps = dict(Service.objects.values_list("pk", "last_modified"))
    organization_stamps = dict(Organization.objects.values_list("pk", "updated_at"))
    again = hsds.import_path(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, result.created)
    assert snapshot() == before
    assert dict(Service.objects.values_list("pk", "last_modified")) == stamps
    assert dict(Organization.objects.values_list("pk", "updated_at")) == organization_stamps
    assert AuditEvent.objects.filter(action="directory.imported").last().changes == {
        "created": 0,
        "updated": 0,
        "unchanged": result.created,
    }


@pytest.mark.django_db
def test_a_changed_record_is_updated_and_only_it(tmp_path: Path) -> None:
    services = make_services(4, organizations=1)
    hsds.import_path(write_json(tmp_path / "services.json", services))
    stamps = dict(Service.objects.values_list("pk", "last_modified"))
    services[2]["name"] = "Renamed"
    services[3]["attributes"] = []  # capacity and domains cleared
    result = hsds.import_path(write_json(tmp_path / "services.json", services))
    assert (result.created, result.updated) == (0, 2)
    assert Service.objects.get(pk=uid("service", 2)).name == "Renamed"
    assert "renamed" in Service.objects.get(pk=uid("service", 2)).search_text
    cleared = Service.objects.get(pk=uid("service", 3))
    assert cleared.capacity == "" and not cleared.domains.exists()
    changed = {
        pk
        for pk, stamp in Service.objects.values_list("pk", "last_modified")
        if stamp != stamps[pk]
    }
    assert changed == {uuid.UUID(uid("service", 2)), uuid.UUID(uid("service", 3))}
    # A summary without attributes leaves capacity and domains alone.
    del services[1]["attributes"]
    services[1]["name"] = "Renamed too"
    hsds.import_path(write_json(tmp_path / "services.json", services))
    kept = Service.objects.get(pk=uid("service", 1))
    assert kept.name == "Renamed too" and kept.capacity == "waitlist"
    assert kept.domains.count() == 1


@pytest.mark.django_db
def test_one_bad_record_among_good_ones_writes_nothing(tmp_path: Path) -> None:
    services = make_services(6, organizations=2)
    hsds.import_path(write_json(tmp_path / "first.json", services[:2]))
    before, events = snapshot(), AuditEvent.objects.count()
    services[0]["name"] = "A change that must not be written"
    services[3]["service_at_locations"][0]["location"]["latitude"] = 123.4
    services[4]["email"] = "not an email"
    result = hsds.import_path(write_json(tmp_path / "services.json", services))
    assert [(p.where, p.field, p.reason) for p in result.problems] == [
        (
            "$[3].service_at_locations[0].location.latitude",
            "latitude",
            "123.4 is out of range: must be from -90 to 90",
        ),
        ("$[4].email", "email", "'not an email' is not a 'email'"),
    ]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_one_bad_csv_row_among_good_ones_writes_nothing(tmp_path: Path) -> None:
    hsds.import_path(write_json(tmp_path / "services.json", make_services(6)))
    hsds.export(tmp_path / "package")
    wipe()
    path = tmp_path / "package" / "services.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[2]["status"] = "open"
    rows[4]["minimum_age"] = "eighteen"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = hsds.import_path(tmp_path / "package")
    assert where_fields(result.problems) == {
        ("services.csv row 4", "status"),
        ("services.csv row 6", "minimum_age"),
    }
    assert "is not one of" in result.problems[0].reason
    assert sum(counts().values()) == 0


@pytest.mark.django_db
def test_every_problem_is_collected(tmp_path: Path) -> None:
    services = make_services(3, organizations=1)
    services[0]["id"] = "not-a-uuid"
    services[0]["status"] = "open"
    services[1]["schedules"][0]["opens_at"] = "25:00"
    services[1]["schedules"][0]["closes_at"] = "5pm"
    services[1]["phones"][0]["extension"] = 1.5
    services[2]["organization"]["description"] = ""  # the same organisation, differently
    services[2]["service_at_locations"][0]["location"]["addresses"][0]["country"] = "USA"
    services[2]["name"] = "x" * 301
    _, problems = hsds.validate(write_json(tmp_path / "services.json", services))
    assert where_fields(problems) == {
        ("$[0].id", "id"),
        ("$[0].status", "status"),
        ("$[1].schedules[0].opens_at", "opens_at"),
        ("$[1].schedules[0].closes_at", "closes_at"),
        ("$[1].phones[0].extension", "extension"),
        ("$[2].organization.description", "description"),  # differs from $[0] and is empty
        ("$[2].service_at_locations[0].location.addresses[0].country", "country"),
        ("$[2].name", "name"),
    }
    reasons = {p.where: p.reason for p in problems}
    assert reasons["$[1].schedules[0].opens_at"].startswith("'25:00' is not a time")
    assert reasons["$[1].phones[0].extension"] == "1.5 must be a whole number from 0 to 2147483647"
    assert reasons["$[2].name"] == "too long for the directory: 301 characters, at most 300"
    assert "too long" in reasons["$[2].service_at_locations[0].location.addresses[0].country"]
    organization = [p.reason for p in problems if p.where == "$[2].organization.description"]
    assert "must not be empty" in organization
    assert any("differs from 'Helps people, branch 0'" in r for r in organization)


@pytest.mark.django_db
def test_duplicate_ids_and_missing_columns_in_csv(tmp_path: Path) -> None:
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "organizations.csv").write_text(
        f"id,name,description\n{uid('o', 1)},One,First\n{uid('o', 1)},One again,Second\n",
        encoding="utf-8",
    )
    (folder / "locations.csv").write_text(f"id,name\n{uid('l', 1)},Here\n", encoding="utf-8")
    (folder / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    _, problems = hsds.validate(folder)
    assert [(p.where, p.field, p.reason) for p in problems] == [
        ("locations.csv row 1", "location_type", "required column is missing"),
        ("notes.csv", "", "not a table of the HSDS data package"),
        ("organizations.csv row 3", "id", "duplicate id: also at organizations.csv row 2"),
    ]


@pytest.mark.django_db
def test_foreign_keys_resolve_to_rows_already_in_the_directory(tmp_path: Path) -> None:
    hsds.import_path(
        write_json(tmp_path / "organizations.json", make_services(1)[0]["organization"])
    )
    service = {
        "id": uid("lone"),
        "name": "Lone",
        "status": "active",
        "organization_id": uid("organization", 0),
    }
    result = hsds.import_path(write_json(tmp_path / "services.json", [service]))
    assert result.problems == [] and result.created == 1
    assert Service.objects.get(pk=uid("lone")).organization.name == "Organisation 0"
    service["organization_id"] = uid("nowhere")
    result = hsds.import_path(write_json(tmp_path / "services.json", [service]))
    assert [(p.where, p.field) for p in result.problems] == [
        ("$[0].organization_id", "organization_id")
    ]
    assert result.problems[0].reason.startswith("no organization with id")


@pytest.mark.django_db
def test_local_attribute_rules(tmp_path: Path) -> None:
    services = make_services(2, organizations=1)
    services[0]["attributes"] = [capacity_attribute(0, "full", "")]
    services[1]["attributes"] = [
        capacity_attribute(1, "waitlist", ""),
        {**capacity_attribute(2, "capacity", ""), "id": uid("second")},
    ]
    _, problems = hsds.validate(write_json(tmp_path / "services.json", services))
    assert [(p.where, p.reason) for p in problems] == [
        (
            "$[0].attributes[0].taxonomy_term_id",
            "capacity term with unknown code 'full': use one of capacity, waitlist, "
            "no-capacity, additional-assessment-required",
        ),
        (
            "$[1].attributes[1].taxonomy_term_id",
            "a second capacity attribute for the same service",
        ),
    ]


@pytest.mark.django_db
def test_one_service_at_location_per_service_and_location(tmp_path: Path) -> None:
    services = make_services(1)
    hsds.import_path(write_json(tmp_path / "services.json", services))
    services[0]["service_at_locations"][0]["id"] = uid("another")
    _, problems = hsds.validate(write_json(tmp_path / "services.json", services))
    assert [(p.where, p.reason) for p in problems] == [
        (
            "$[0].service_at_locations[0].id",
            f"the directory already has service_at_location {uid('service-at-location', 0)} "
            "for this service and location",
        )
    ]


@pytest.mark.django_db
def test_the_registry_resolves_the_schemas_cross_references() -> None:
    data = json.loads((EXAMPLES / "service_full.json").read_text())
    data["service_at_locations"][0]["location"]["addresses"][0]["address_type"] = "home"
    errors = list(hsds._validator("service").iter_errors(data))
    assert [list(e.absolute_path) for e in errors] == [
        ["service_at_locations", 0, "location", "addresses", 0, "address_type"]
    ]


@pytest.mark.django_db
def test_progress_is_reported(tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    hsds.import_path(
        write_json(tmp_path / "services.json", make_services(3)),
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert ("checking", 3, 3) in seen and ("writing", len(hsds.MAPS), len(hsds.MAPS)) in seen


@pytest.mark.django_db
def test_two_thousand_generated_services_import(tmp_path: Path) -> None:
    services = make_services(2000)
    path = write_json(tmp_path / "services.json", services)
    result = hsds.import_path(path)
    assert result.problems == []
    assert (result.created, result.updated, result.unchanged) == (expected_records(services), 0, 0)
    assert Service.objects.count() == 2000
    for model in (Location, Address, Phone, Schedule, Language, ServiceAtLocation):
        assert model.objects.count() == 2000
    assert Service.objects.filter(capacity="").count() == 400  # every fifth has none
    assert ServiceDomain.objects.count() == sum(i % 3 for i in range(2000))
    last = Service.objects.select_related("organization").get(pk=uid("service", 1999))
    assert last.organization.name == "Organisation 19"
    assert last.search_text.startswith("service 1999 help number 1999")
    location = Location.objects.get(pk=uid("location", 1999))
    assert location.latitude == services[1999]["service_at_locations"][0]["location"]["latitude"]


# --- export -------------------------------------------------------------------------------------


def read_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.django_db
def test_export_validates_and_round_trips(tmp_path: Path) -> None:
    services = make_services(30, organizations=4, rich=True)
    assert hsds.import_path(write_json(tmp_path / "in.json", services)).problems == []
    # A location no service uses and an organisation without services: only in the CSVs.
    Organization.objects.create(name="Quiet", description="No services yet")
    Location.objects.create(name="Spare room", location_type="virtual")
    before = snapshot()

    first = hsds.export(tmp_path / "first")
    assert first.files["services.json"] == 30 and first.files["services.csv"] == 30
    for target in (tmp_path / "first", tmp_path / "first" / "services.json"):
        records, problems = hsds.validate(target)
        assert problems == [] and records.warnings == []
    package = json.loads((tmp_path / "first" / "datapackage.json").read_text())
    assert [r["name"] for r in package["resources"]] == [
        "organization",
        "program",
        "service",
        "attribute",
        "service_at_location",
        "location",
        "phone",
        "address",
        "schedule",
        "service_area",
        "language",
        "taxonomy_term",
        "taxonomy",
    ]
    official = json.loads((hsds.DATA / "datapackage.json").read_text())
    columns = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in official["resources"]}
    with (tmp_path / "first" / "locations.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == columns["location"]

    # Data package: export -> wipe -> import -> export gives the same bytes and the same rows.
    wipe()
    result = hsds.import_path(tmp_path / "first")
    assert result.problems == [] and result.updated == 0
    after = snapshot()
    # The export added the local terms the directory did not hold yet (the other capacity
    # codes and shipped life domains); everything else is as it was.
    added = [t for t in after["TaxonomyTerm"] if t not in before["TaxonomyTerm"]]
    assert {t["taxonomy_id"] for t in added} <= {hsds.CAPACITY_TAXONOMY_ID, hsds.DOMAIN_TAXONOMY_ID}
    # The file we imported used all 4 capacity codes and 2 of the 7 shipped domains.
    assert len(added) == 7 - 2
    after["TaxonomyTerm"] = [t for t in after["TaxonomyTerm"] if t not in added]
    assert after == before
    hsds.export(tmp_path / "second")
    assert read_files(tmp_path / "second") == read_files(tmp_path / "first")

    # Importing our own export again changes nothing.
    again = hsds.import_path(tmp_path / "first")
    assert (again.created, again.updated) == (0, 0)

    # services.json alone carries every service and what hangs off it.
    wipe()
    assert hsds.import_path(tmp_path / "first" / "services.json").problems == []
    hsds.export(tmp_path / "third")
    assert (tmp_path / "third" / "services.json").read_bytes() == (
        tmp_path / "first" / "services.json"
    ).read_bytes()


@pytest.mark.django_db
def test_exported_service_shape(tmp_path: Path) -> None:
    hsds.import_path(write_json(tmp_path / "in.json", make_services(2, rich=True)))
    hsds.export(tmp_path / "out")
    service = json.loads((tmp_path / "out" / "services.json").read_text())[1]
    assert service["id"] == uid("service", 1)
    assert service["organization"]["name"] == "Organisation 1"
    assert service["program"]["organization_id"] == uid("organization", 1)
    location = service["service_at_locations"][0]["location"]
    assert location["addresses"][0]["city"] == "Springfield"
    assert location["phones"][0]["number"] == "555-0000"
    assert service["phones"][0]["languages"][0]["code"] == "vi"
    assert service["schedules"][0]["opens_at"] == "09:00:00"
    terms = {a["taxonomy_term"]["code"]: a for a in service["attributes"]}
    assert set(terms) == {"waitlist", "health", "BN-FOOD"}
    capacity = terms["waitlist"]
    assert capacity["value"] == "note 1"
    assert capacity["taxonomy_term"]["id"] == str(hsds.capacity_term_id("waitlist"))
    assert capacity["taxonomy_term"]["taxonomy_detail"]["id"] == str(hsds.CAPACITY_TAXONOMY_ID)
    assert terms["BN-FOOD"]["taxonomy_term"]["parent_id"] == uid("term", "basic-needs")
    assert "last_modified" not in service  # ours changes on import: not a round-trippable value


@pytest.mark.django_db
def test_export_of_an_empty_directory_writes_the_core_tables(tmp_path: Path) -> None:
    (tmp_path / "programs.csv").write_text("stale", encoding="utf-8")
    result = hsds.export(tmp_path)
    assert set(result.files) == {
        "organizations.csv",
        "services.csv",
        "locations.csv",
        "service_at_location.csv",
        "addresses.csv",
        "phones.csv",
        "schedules.csv",
        "taxonomies.csv",
        "taxonomy_terms.csv",
        "attributes.csv",
        "datapackage.json",
        "services.json",
    }
    assert not (tmp_path / "programs.csv").exists()
    assert result.files["taxonomy_terms.csv"] == len(hsds.CAPACITY_TERMS) + 7  # shipped domains
    assert hsds.validate(tmp_path)[1] == []


# --- commands -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_command_reports_problems_and_exits_non_zero() -> None:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="5 problems; nothing was imported"):
        call_command("import_hsds", str(EXAMPLES / "csv"), stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert "locations.csv row 2\tlatitude\t100 is out of range: must be from -90 to 90" in lines
    assert any(
        line.startswith("contacts.csv row 2\torganization_id\tno organization") for line in lines
    )
    assert lines[-1] == "5 problems in total"
    assert sum(counts().values()) == 0


@pytest.mark.django_db
def test_import_command_prints_counts(tmp_path: Path) -> None:
    path = write_json(tmp_path / "services.json", make_services(2, organizations=1))
    out = StringIO()
    call_command("import_hsds", str(path), stdout=out, stderr=StringIO())
    total = expected_records(make_services(2, organizations=1))
    assert out.getvalue().splitlines()[-1] == f"created {total}, updated 0, unchanged 0"
    out = StringIO()
    call_command("import_hsds", str(path), stdout=out)
    assert out.getvalue().splitlines()[-1] == f"created 0, updated 0, unchanged {total}"


@pytest.mark.django_db
def test_import_command_check_only_writes_nothing(tmp_path: Path) -> None:
    out = StringIO()
    call_command("import_hsds", str(EXAMPLES / "service_list.json"), "--check", stdout=out)
    assert out.getvalue().strip() == "service_list.json: valid, 3 records"
    assert sum(counts().values()) == 0


@pytest.mark.django_db
def test_import_command_missing_path() -> None:
    with pytest.raises(CommandError, match="No such file or folder"):
        call_command("import_hsds", "/nonexistent/file.json")


@pytest.mark.django_db
def test_export_command_prints_what_it_wrote(tmp_path: Path) -> None:
    hsds.import_path(EXAMPLES / "service_list.json")
    out = StringIO()
    call_command("export_hsds", str(tmp_path / "out"), stdout=out)
    text = out.getvalue()
    assert f"wrote {tmp_path / 'out' / 'services.csv'}: 1 records" in text
    assert f"wrote {tmp_path / 'out' / 'services.json'}: 1 records" in text
    assert text.strip().endswith("both validate against the HSDS 3.0 schemas")


@pytest.mark.django_db
def test_export_command_fails_when_the_directory_holds_invalid_values(tmp_path: Path) -> None:
    hsds.import_path(EXAMPLES / "service_list.json")
    Service.objects.update(url="https://example.org/pantry-old mill")  # a space: not a URI
    err = StringIO()
    with pytest.raises(CommandError, match="the export does not validate: 2 problems"):
        call_command("export_hsds", str(tmp_path / "out"), stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "services.csv row 2\turl\t'https://example.org/pantry-old mill' is not a 'uri'",
        "$[0].url\turl\t'https://example.org/pantry-old mill' is not a 'uri'",
    ]


@pytest.mark.django_db
def test_copied_specification_matches_its_source_note() -> None:
    note = (hsds.DATA / "SOURCE.md").read_text()
    assert "279fd2eb3552c349bf698c07c00cc25f5fc8249b" in note and "CC BY-SA 4.0" in note
    assert len(list((hsds.DATA / "schema").glob("*.json"))) == 22
    assert hsds._package()["version"] == "3.0.0"


@pytest.mark.django_db
def test_exported_tables_neutralise_spreadsheet_formulas(tmp_path: Path) -> None:
    """A name typed as a formula is exported as text (issue 12 item 11); phone numbers and
    numbers stay exactly as written."""
    Organization.objects.create(name='=HYPERLINK("http://evil.test","Click")', description="x")
    Organization.objects.create(name="+cmd|' /C calc'!A0", description="-5 beds, +1 555 0100")
    hsds.export(tmp_path / "out")
    text = (tmp_path / "out" / "organizations.csv").read_text()
    assert "'=HYPERLINK" in text and "'+cmd|" in text
    assert "-5 beds, +1 555 0100" in text
    for line in text.splitlines()[1:]:
        for cell in next(csv.reader([line])):
            assert not cell.startswith(("=", "@")), cell


def test_spreadsheet_safe_keeps_numbers_and_phones() -> None:
    from strengthwise.core.text import spreadsheet_safe

    assert spreadsheet_safe("=1+1") == "'=1+1"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("+cmd") == "'+cmd"
    assert spreadsheet_safe("-x") == "'-x"
    for kept in ("+1 555 0100", "-3", "-.5", "+(555) 0100", "", "Hope House"):
        assert spreadsheet_safe(kept) == kept
