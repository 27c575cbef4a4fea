"""Open Referral HSDS 3.0: validate, import and export the directory.

Three entry points:

- `validate(path)` reads an HSDS file and checks every record against the official schemas
  (`data/hsds-3.0`, JSON Schema 2020-12) plus the rules the schemas cannot express. It collects
  every problem instead of stopping at the first one.
- `import_path(path)` validates, then, only if there is no problem at all, upserts every record
  by its HSDS id in one transaction. Nothing is ever deleted, except that a service's life
  domains are replaced by the ones the file gives for that service (they are a property of the
  service, see "Local extensions" below).
- `export(dir)` writes the whole directory as an HSDS tabular data package (`datapackage.json`
  plus one CSV per table) and as `services.json`, a list of fully nested services.

Accepted inputs:

- a JSON file holding one object, a list of objects, a page of the HSDS API (`{"contents":
  [...]}`, the `*_list.json` shape) or the tabular example shape (`{"services.csv": [rows]}`).
  Objects may be services, organizations (with nested `services`), locations, services at
  locations (with nested `service`), taxonomies or taxonomy terms; the kind is taken from the file
  name when it names one (`service_full.json`, `organization_list.json`, `services.json`),
  otherwise from the object's keys.
- a folder holding an HSDS CSV data package (`datapackage.json` is optional; files are found by
  the official names, `services.csv` and so on).

How nested JSON is read: a nested object stands for its own row, linked to its parent the way
the tabular format would link it (a phone in `service.phones` gets `service_id`; the
`organization` of a service gives the service its `organization_id`; an attribute gets
`link_id` and, if it has none, `link_entity`). The same object may appear several times in one
file (the official examples repeat a phone under the service, its location and a contact): the
occurrences are merged, and any field on which two occurrences disagree is a problem.

Rules beyond the schemas (each a problem unless said otherwise):

- latitude within -90..90 and longitude within -180..180; dates, date-times and times
  (`opens_at`, `closes_at`: HH:MM or HH:MM:SS, optionally with Z or an offset, which is dropped
  with a warning: we keep wall-clock times) parse;
- every foreign key the official data package declares resolves, in the file or (for tables we
  keep) in the directory; a taxonomy term's `parent_id`, which it does not declare, is kept when
  it resolves and otherwise dropped with a warning;
- ids are unique per table (in nested JSON, repeats of one object must agree);
- the links the tabular format requires (a service's and a program's `organization_id`, both
  ends of a service-at-location, an attribute's term and link) are required in JSON too for the
  tables we keep, so that whatever we import can be exported again as a valid data package. A
  program nested in a service without an `organization_id` of its own takes the service's;
- values fit our columns (lengths, whole non-negative numbers for ages and extensions, required
  links such as an address's location);
- one service-at-location per service and location; capacity terms have a known code, at most
  one per service.

Where a problem is: JSON problems carry a JSON path including the field
(`$[0].service_at_locations[0].location.latitude`); CSV problems carry the file name and the
spreadsheet row number (row 1 is the header, so the first record is row 2).

Local extensions (outside HSDS), exported and imported as HSDS attributes:

- capacity: an attribute linking a service to a term of the local capacity taxonomy. The term's
  `code` is the capacity code (`capacity`, `waitlist`, `no-capacity`,
  `additional-assessment-required`) and goes to `Service.capacity`; the attribute's `value`
  holds the free-text notes (`Service.capacity_notes`).
- life domains: one attribute per domain, linking the service to a term of the local life-domain
  taxonomy whose `code` is the domain key (`ServiceDomain`).

Both taxonomies, their terms and these attributes have deterministic uuid5 ids, so an export is
stable and an import of our own export changes nothing. When a file states a service's
attributes (a JSON service with an `attributes` list, or a data package with `attributes.csv`),
that service's capacity and domains are set from the file, so a file can also clear them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from strengthwise.audit.services import audit_record
from strengthwise.core.text import fold, spreadsheet_safe

from .models import (
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
from .services import reindex

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, FormatChecker

__all__ = [
    "CAPACITY_TAXONOMY_ID",
    "DOMAIN_TAXONOMY_ID",
    "ExportResult",
    "ImportResult",
    "Problem",
    "Records",
    "capacity_term_id",
    "domain_term_id",
    "export",
    "import_path",
    "validate",
]

DATA = Path(__file__).resolve().parent / "data" / "hsds-3.0"
# The schema files have no `$id`; they are registered under the address they were published at,
# so their relative `$ref`s ("phone.json") resolve among themselves, without any network access.
SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

# --- local taxonomies (deterministic ids) ------------------------------------------------------

LOCAL = "https://strengthwise.example/hsds/"
CAPACITY_TAXONOMY_ID = uuid.uuid5(uuid.NAMESPACE_URL, LOCAL + "capacity")
DOMAIN_TAXONOMY_ID = uuid.uuid5(uuid.NAMESPACE_URL, LOCAL + "life-domains")

# Fixed English text (not gettext): an export must not depend on the active language.
CAPACITY_TERMS = {
    "capacity": "Has capacity",
    "waitlist": "Waitlist",
    "no-capacity": "No capacity",
    "additional-assessment-required": "Additional assessment required",
}


def capacity_term_id(code: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{LOCAL}capacity/{code}")


def domain_term_id(key: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{LOCAL}life-domains/{key}")


def _capacity_attribute_id(service_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{LOCAL}service/{service_id}/capacity")


def _domain_attribute_id(service_id: uuid.UUID, key: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{LOCAL}service/{service_id}/life-domains/{key}")


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input. `where` is a JSON path (with the field) or
    "<file>.csv row <n>"; `field` is the HSDS field name ("" for the whole record or file)."""

    where: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field or '-'}: {self.reason}"


@dataclass
class Row:
    """One HSDS record, flat (as a row of the tabular format), with where it was first seen."""

    table: str
    data: dict[str, Any]
    where: str
    in_json: bool  # JSON path (field appended to `where`) or CSV row (field kept apart)

    def at(self, name: str) -> str:
        return _join(self.where, name) if self.in_json and name else self.where


@dataclass
class Records:
    """What `validate` read: the records by table and id, plus what the import needs to know."""

    source: str
    tables: dict[str, dict[str, Row]] = field(default_factory=lambda: defaultdict(dict))
    # Services whose attributes the file states in full: their capacity and domains are set.
    attributes_stated: set[str] = field(default_factory=set)
    # service id -> (capacity code, notes) / set of domain keys, from local attributes.
    capacity: dict[str, tuple[str, str]] = field(default_factory=dict)
    domains: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    local_attributes: set[str] = field(default_factory=set)  # consumed, not stored as rows
    dropped_parents: set[str] = field(default_factory=set)  # term ids whose parent_id is unknown
    warnings: list[Problem] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())

    def ignored(self) -> dict[str, int]:
        """Records of HSDS tables the directory does not keep (contacts, funding…)."""
        return {t: len(rows) for t, rows in sorted(self.tables.items()) if t not in MAPS and rows}


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)


@dataclass
class ExportResult:
    files: dict[str, int]  # file name -> number of records written


Progress = Callable[[str, int, int], None]  # (stage, done, total)


# --- the official specification ----------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    name: str  # HSDS object name, "service"
    file: str  # schema file, "service.json"
    path: str  # CSV file name, "services.csv"
    schema: dict[str, Any]
    columns: tuple[dict[str, Any], ...]  # the data package's fields, in order
    foreign_keys: dict[str, str]  # field -> table it points to (declared by the data package)
    arrays: dict[str, str]  # property -> table of its items (nested lists)
    objects: dict[str, str]  # property -> table (one nested object)
    required: frozenset[str]
    tabular_required: frozenset[str]

    @property
    def nested(self) -> frozenset[str]:
        return frozenset(self.arrays) | frozenset(self.objects)


# Nestings the official examples use although the schemas do not list them:
# organization_full.json nests the organization's services, service_at_location_full.json nests
# the service. Their contents are checked against the service schema like any other service.
_EXTRA_ARRAYS = {"organization": {"services": "service"}}
_EXTRA_OBJECTS = {"service_at_location": {"service": "service"}}


@cache
def _spec() -> dict[str, _Table]:
    """The HSDS tables: each schema file with its data package resource."""
    resources = {r["name"]: r for r in _package()["resources"]}
    tables: dict[str, _Table] = {}
    for schema_file in sorted((DATA / "schema").glob("*.json")):
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
        name = schema.get("name")
        if name not in resources:  # openapi.json
            continue
        arrays: dict[str, str] = {}
        objects: dict[str, str] = {}
        for prop, definition in schema["properties"].items():
            ref = definition.get("$ref") or definition.get("items", {}).get("$ref")
            if not ref:
                continue
            target = ref.removesuffix(".json")
            (arrays if definition.get("type") == "array" else objects)[prop] = target
        arrays.update(_EXTRA_ARRAYS.get(name, {}))
        objects.update(_EXTRA_OBJECTS.get(name, {}))
        resource = resources[name]
        tables[name] = _Table(
            name=name,
            file=schema_file.name,
            path=resource["path"],
            schema=schema,
            columns=tuple(resource["schema"]["fields"]),
            foreign_keys={
                fk["fields"]: fk["reference"]["resource"]
                for fk in resource["schema"].get("foreignKeys", [])
            },
            arrays=arrays,
            objects=objects,
            required=frozenset(schema.get("required", [])),
            tabular_required=frozenset(schema.get("tabular_required", [])),
        )
    return tables


@cache
def _package() -> dict[str, Any]:
    return json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    registry: Registry = Registry()
    for table in _spec().values():
        resource = Resource.from_contents(table.schema, default_specification=DRAFT202012)
        registry = registry.with_resource(SCHEMA_BASE + table.file, resource)
    return registry.crawl()


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _is_uuid(value: object) -> bool:
    """The same rule as jsonschema's own "uuid" check (the hyphenated 8-4-4-4-12 hex form, any
    case), as a regular expression: ids are most of what an import checks."""
    return not isinstance(value, str) or _UUID.fullmatch(value) is not None


@cache
def _formats() -> FormatChecker:
    """The format checks an import applies. jsonschema is imported here, on the first import
    or export, not with the module: its format checkers build an IRI grammar that takes seconds
    to import, and every page of the app imports this module (the reports use its ids)."""
    from jsonschema import FormatChecker

    formats = FormatChecker(formats=("uuid", "uri", "email", "date-time", "date"))
    formats.checks("uuid")(_is_uuid)
    return formats


@cache
def _validator(table: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    # The official schema with the address it is registered under as its `$id`, so that its
    # relative $refs ("phone.json") resolve through the registry.
    spec = _spec()[table]
    schema = {**spec.schema, "$id": SCHEMA_BASE + spec.file}
    return Draft202012Validator(schema, registry=_registry(), format_checker=_formats())


# --- how HSDS maps onto our models -------------------------------------------------------------


@dataclass(frozen=True)
class _Map:
    model: type[models.Model]
    fields: dict[str, str]  # HSDS field -> model attname


def _same(names: str) -> dict[str, str]:
    """Fields with the same name in HSDS and in the model ("name description ...")."""
    return {n: n for n in names.split()}


# In writing order. Fields not listed here are validated, then dropped.
MAPS: dict[str, _Map] = {
    "organization": _Map(Organization, _same("name alternate_name description email website")),
    "program": _Map(Program, _same("organization_id name alternate_name description")),
    "taxonomy": _Map(Taxonomy, _same("name description uri version")),
    "taxonomy_term": _Map(
        TaxonomyTerm,
        {
            **_same("code name description parent_id taxonomy_id language term_uri"),
            "taxonomy": "taxonomy_name",  # HSDS's free-text taxonomy name
        },
    ),
    "service": _Map(
        Service,
        _same(
            "organization_id program_id name alternate_name description url email status "
            "interpretation_services application_process fees_description wait_time "
            "eligibility_description minimum_age maximum_age alert"
        ),
    ),
    "location": _Map(
        Location,
        _same(
            "organization_id location_type name description transportation url latitude longitude"
        ),
    ),
    "service_at_location": _Map(ServiceAtLocation, _same("service_id location_id description")),
    "address": _Map(
        Address,
        _same(
            "location_id attention address_1 address_2 city region state_province postal_code "
            "country address_type"
        ),
    ),
    "phone": _Map(
        Phone,
        _same(
            "organization_id service_id location_id service_at_location_id number extension "
            "type description"
        ),
    ),
    "schedule": _Map(
        Schedule,
        _same(
            "service_id location_id service_at_location_id valid_from valid_to freq byday "
            "opens_at closes_at description notes"
        ),
    ),
    "language": _Map(Language, _same("service_id location_id phone_id name code note")),
    "service_area": _Map(ServiceArea, _same("service_id name description extent extent_type")),
    "attribute": _Map(Attribute, _same("taxonomy_term_id link_id link_entity link_type value")),
}

# Tables an export always writes, even empty.
CORE_TABLES = (
    "organization",
    "service",
    "location",
    "service_at_location",
    "address",
    "phone",
    "schedule",
    "taxonomy",
    "taxonomy_term",
    "attribute",
)

# The kinds of object a JSON file may hold at its top level.
TOP_LEVEL = (
    "service",
    "organization",
    "service_at_location",
    "location",
    "taxonomy_term",
    "taxonomy",
)
# Records that may belong to any table name it in this field (defaulted from the nesting).
_ENTITY_FIELD = {"attribute": "link_entity", "metadata": "resource_type"}
_PLURALS = {
    "services": "service",
    "organizations": "organization",
    "service_at_locations": "service_at_location",
    "locations": "location",
    "taxonomy_terms": "taxonomy_term",
    "taxonomies": "taxonomy",
}

_TIME = re.compile(
    r"(?P<clock>([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?)"
    r"(?P<offset>Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?"
)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REQUIRED = re.compile(r"'(.+)' is a required property")
_SMALL_INT: dict[type, int] = {
    models.PositiveSmallIntegerField: 32767,
    models.PositiveIntegerField: 2147483647,
}


def _join(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if _IDENT.fullmatch(key) else f"{where}[{json.dumps(key)}]"


def _uid(value: Any) -> str | None:
    """The canonical (lower-case) form of an HSDS id, or None if it is not a UUID."""
    if isinstance(value, str) and _UUID.fullmatch(value):
        return value.lower()
    return None


def _field(model: type[models.Model], attname: str) -> models.Field[Any, Any]:
    found = model._meta.get_field(attname)  # also finds a foreign key by its attname
    assert isinstance(found, models.Field)
    return found


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- reading -----------------------------------------------------------------------------------


class _Reader:
    """Collects records and problems from one input (JSON or tabular)."""

    def __init__(self, source: str, progress: Progress | None) -> None:
        self.spec = _spec()
        self.records = Records(source=source)
        self.problems: list[Problem] = []
        self.progress = progress
        # (table, id) -> problems of the first occurrence, reused for identical repeats.
        self._checked: dict[tuple[str, str], tuple[dict[str, Any], list[tuple[str, str]]]] = {}

    def problem(self, where: str, name: str, reason: str) -> None:
        self.problems.append(Problem(where, name, reason))

    # -- one record ----------------------------------------------------------------------------

    def add(
        self,
        table: str,
        obj: dict[str, Any],
        where: str,
        *,
        in_json: bool,
        tabular: bool,
        linked: dict[str, str] | None = None,
        defaults: dict[str, str] | None = None,
        skip_required: frozenset[str] = frozenset(),
    ) -> None:
        """Check one record and keep it. `linked` are foreign keys given by the nesting (they
        must agree with the record's own value), `defaults` fill fields the record leaves out.
        In tabular data an id may appear once per table; in nested JSON the same object may be
        repeated, and the occurrences must agree."""
        spec = self.spec[table]
        flat = {k: v for k, v in obj.items() if k not in spec.nested}
        row = Row(table, flat, where, in_json)
        for name, value in (linked or {}).items():
            own = flat.get(name)
            if name not in flat:
                flat[name] = value
            elif _uid(own) and _uid(own) != _uid(value):
                self.problem(row.at(name), name, f"is {own} but the record is nested under {value}")
        # Defaults are inferred, not stated: they never conflict with another occurrence.
        inferred = {k for k in (defaults or {}) if k not in flat}
        for name in inferred:
            flat[name] = (defaults or {})[name]

        key = _uid(flat.get("id")) or f"?{where}"
        first = self.records.tables[table].get(key)
        if first is not None and tabular:
            self.problem(row.at("id"), "id", f"duplicate id: also at {first.where}")
            return
        seen = self._checked.get((table, key))
        if seen is not None and seen[0] == flat:
            found = seen[1]  # the very same object again: the same problems, at this place too
        else:
            found = self._check(spec, flat, tabular=tabular, skip_required=skip_required)
        for name, reason in found:
            self.problem(row.at(name), name, reason)
        if first is None:
            self.records.tables[table][key] = row
            self._checked[(table, key)] = (dict(flat), found)
            return
        # The same object again: merge, reporting the fields on which the two disagree.
        for name, value in flat.items():
            if name not in first.data:
                first.data[name] = value
            elif first.data[name] != value and name not in inferred:
                self.problem(
                    row.at(name),
                    name,
                    f"{_short(value)} differs from {_short(first.data[name])} given for the "
                    f"same id at {first.at(name)}",
                )

    def _check(
        self, spec: _Table, flat: dict[str, Any], *, tabular: bool, skip_required: frozenset[str]
    ) -> list[tuple[str, str]]:
        """Problems of one flat record: the official schema, then our own rules."""
        found: list[tuple[str, str]] = []
        for error in _validator(spec.name).iter_errors(flat):
            if error.validator == "required":
                match = _REQUIRED.match(error.message)
                name = match.group(1) if match else ""
                if name not in skip_required:
                    found.append((name, "required but missing"))
            else:
                name = str(error.absolute_path[0]) if error.absolute_path else ""
                message = error.message
                found.append((name, message if len(message) <= 200 else message[:197] + "..."))
        # The tabular format requires some links the JSON format leaves optional (a service's
        # organization_id). We require them in JSON too for the tables we keep, so that
        # everything imported can be exported again as a valid data package.
        if tabular or spec.name in MAPS:
            reason = (
                "required in the tabular format but missing"
                if tabular
                else ("required by the directory (as in the tabular format) but missing")
            )
            for name in sorted(spec.tabular_required - spec.required - skip_required):
                if flat.get(name) in (None, ""):
                    found.append((name, reason))
        found.extend(self._own_rules(spec, flat, skip_required))
        return found

    def _own_rules(
        self, spec: _Table, flat: dict[str, Any], skip_required: frozenset[str]
    ) -> Iterator[tuple[str, str]]:
        # Ranges the schema does not state.
        if spec.name == "location":
            for name, limit in (("latitude", 90), ("longitude", 180)):
                value = flat.get(name)
                if _is_number(value) and not -limit <= value <= limit:
                    yield name, f"{value} is out of range: must be from -{limit} to {limit}"
        # Dates and times the schema types as plain strings (the data package gives the type).
        for name, prop in spec.schema["properties"].items():
            value = flat.get(name)
            kind = prop.get("datapackage_type")
            if not isinstance(value, str) or kind is None or "format" in prop:
                continue
            if kind == "date" and not _formats().conforms(value, "date"):
                yield name, f"{_short(value)} is not a date (YYYY-MM-DD)"
            elif kind == "datetime" and not _formats().conforms(value, "date-time"):
                yield name, f"{_short(value)} is not a date-time (RFC 3339)"
            elif kind == "time" and not _TIME.fullmatch(value):
                yield name, f"{_short(value)} is not a time (HH:MM or HH:MM:SS, optional offset)"
        # What our tables can hold.
        mapping = MAPS.get(spec.name)
        if mapping is None:
            return
        for hsds_name, attname in mapping.fields.items():
            model_field = _field(mapping.model, attname)
            value = flat.get(hsds_name)
            if value is None:
                if (
                    not model_field.null
                    and not model_field.blank
                    and not model_field.has_default()
                    and hsds_name not in spec.required | spec.tabular_required | skip_required
                ):
                    yield hsds_name, f"required: the directory cannot keep a {spec.name} without it"
                continue
            if isinstance(value, str) and isinstance(model_field, models.CharField):
                most = model_field.max_length
                if most and len(value) > most:
                    reason = f"too long for the directory: {len(value)} characters, at most {most}"
                    yield hsds_name, reason
            if isinstance(value, str) and not model_field.blank and not value.strip():
                yield hsds_name, "must not be empty"
            ceiling = _SMALL_INT.get(type(model_field))
            whole = _is_number(value) and value == int(value)
            if ceiling is not None and _is_number(value) and not (whole and 0 <= value <= ceiling):
                yield hsds_name, f"{value} must be a whole number from 0 to {ceiling}"

    # -- JSON ----------------------------------------------------------------------------------

    def walk(
        self,
        table: str,
        obj: Any,
        where: str,
        linked: dict[str, str] | None = None,
        defaults: dict[str, str] | None = None,
        unlinked: frozenset[str] = frozenset(),
    ) -> None:
        """Read one object and everything nested in it. `unlinked` names links the nesting
        would give but cannot, because the other object's id is already reported as wrong
        (not reported again as missing)."""
        if not isinstance(obj, dict):
            self.problem(where, "", f"expected a {table} object, found {_short(obj)}")
            return
        spec = self.spec[table]
        linked = dict(linked or {})
        # A nested single object links the parent to it: service.organization -> organization_id.
        for prop, target in spec.objects.items():
            child = obj.get(prop)
            if isinstance(child, dict) and _uid(child.get("id")):
                linked[f"{target}_id"] = child["id"]
            elif isinstance(child, dict):
                unlinked |= {f"{target}_id"}
        self.add(
            table,
            obj,
            where,
            in_json=True,
            tabular=False,
            linked=linked,
            defaults=defaults,
            skip_required=unlinked,
        )
        own_id = _uid(obj.get("id"))
        if table == "service" and own_id and "attributes" in obj:
            self.records.attributes_stated.add(own_id)
        for prop, target in spec.objects.items():
            if prop not in obj:
                continue
            if obj[prop] is None:
                self.problem(_join(where, prop), prop, f"expected a {target} object, found null")
                continue
            inherit = None
            if table == "service" and target == "program":
                # A program nested in a service that names no organization of its own is taken
                # to be the service's organization's (as the official examples intend: the same
                # program is listed under that organization's programs).
                organization = _uid(obj.get("organization_id")) or linked.get("organization_id")
                inherit = {"organization_id": organization} if organization else None
            self.walk(target, obj[prop], _join(where, prop), None, inherit)
        for prop, target in spec.arrays.items():
            if prop not in obj:
                continue
            items = obj[prop]
            if not isinstance(items, list):
                self.problem(_join(where, prop), prop, f"expected a list, found {_short(items)}")
                continue
            # Each item points back at this object (phone.service_id, attribute.link_id…).
            back = self._back_link(table, target)
            back_linked = {back: own_id} if back and own_id else {}
            orphaned = frozenset({back}) if back and not own_id else frozenset()
            entity = _ENTITY_FIELD.get(target)
            entity_default = {entity: table} if entity else None
            for i, item in enumerate(items):
                at = _join(_join(where, prop), i)
                self.walk(target, item, at, back_linked, entity_default, orphaned)

    def _back_link(self, parent: str, child: str) -> str | None:
        """The field by which an item of a nested list points at the object holding it."""
        if child in _ENTITY_FIELD:  # attribute.link_id, metadata.resource_id: any table
            return "link_id" if child == "attribute" else "resource_id"
        name = f"{parent}_id"
        return name if name in self.spec[child].schema["properties"] else None

    def read_json(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            self.problem(path.name, "", f"not a JSON file: {error}")
            return
        where = "$"
        if isinstance(data, dict) and data and all(str(k).endswith(".csv") for k in data):
            self.read_tabular_json(data)
            return
        if isinstance(data, dict) and "contents" in data:  # a page of the HSDS API
            where, data = "$.contents", data["contents"]
            if not isinstance(data, list):
                self.problem(where, "contents", "expected a list of objects")
                return
        items = list(enumerate(data)) if isinstance(data, list) else [(None, data)]
        hint = _kind_from_name(path)
        for done, (i, item) in enumerate(items, 1):
            at = where if i is None else _join(where, i)
            kind = hint or _kind_from_keys(item)
            if isinstance(item, dict) and "openapi_url" in item:
                self.problem(
                    at,
                    "",
                    "this is the HSDS API's base response (version, profile, openapi_url), "
                    "not directory data",
                )
            elif kind is None:
                self.problem(
                    at,
                    "",
                    "not an HSDS service, organization, location, service at "
                    "location, taxonomy or taxonomy term",
                )
            else:
                self.walk(kind, item, at)
            if self.progress and (done % 500 == 0 or done == len(items)):
                self.progress("checking", done, len(items))

    # -- tabular -------------------------------------------------------------------------------

    def read_tabular_json(self, data: dict[str, Any]) -> None:
        """The `tabular.json` shape: {"services.csv": [row, ...], ...} with JSON-typed values."""
        by_path = {t.path: t for t in self.spec.values()}
        for path, rows in data.items():
            where = _join("$", path)
            table = by_path.get(path)
            if table is None:
                self.problem(where, "", "not a table of the HSDS data package")
                continue
            if not isinstance(rows, list):
                self.problem(where, "", "expected a list of rows")
                continue
            self.records.tables.setdefault(table.name, {})
            for i, row in enumerate(rows):
                if isinstance(row, dict):
                    self.add(table.name, row, _join(where, i), in_json=True, tabular=True)
                else:
                    self.problem(_join(where, i), "", "expected an object")
        self._tabular_done()

    def _tabular_done(self) -> None:
        # In a data package, attributes.csv (even empty) states every service's attributes.
        if "attribute" in self.records.tables:
            self.records.attributes_stated.update(self.records.tables.get("service", {}))

    def read_folder(self, folder: Path) -> None:
        paths = {t.path: t for t in self.spec.values()}
        package_file = folder / "datapackage.json"
        if package_file.exists():  # optional; it may give other file names
            try:
                package = json.loads(package_file.read_text(encoding="utf-8-sig"))
                for resource in package.get("resources", []):
                    if resource.get("name") in self.spec and resource.get("path"):
                        paths[resource["path"]] = self.spec[resource["name"]]
            except (ValueError, AttributeError) as error:
                self.problem("datapackage.json", "", f"not a readable data package: {error}")
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
        for f in files:
            if f.name not in paths:
                self.problem(f.name, "", "not a table of the HSDS data package")
        loaded = [(f, paths[f.name], *self._read_csv(f)) for f in files if f.name in paths]
        total = sum(len(rows) for *_, rows in loaded)
        done = 0
        for f, table, header, rows in loaded:
            self.records.tables.setdefault(table.name, {})
            missing = self._check_header(f, table, header)
            for i, row in enumerate(rows):
                self.add(
                    table.name,
                    self._typed(f, table, row, i),
                    f"{f.name} row {i + 2}",
                    in_json=False,
                    tabular=True,
                    skip_required=missing,
                )
                done += 1
                if self.progress and (done % 500 == 0 or done == total):
                    self.progress("checking", done, total)
        self._tabular_done()

    def _read_csv(self, path: Path) -> tuple[list[str], list[dict[str, Any]]]:
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                rows = list(reader)
                return list(reader.fieldnames or []), rows
        except (UnicodeDecodeError, csv.Error) as error:
            self.problem(path.name, "", f"not a readable UTF-8 CSV file: {error}")
            return [], []

    def _check_header(self, path: Path, table: _Table, header: list[str]) -> frozenset[str]:
        """Problems of the header row; returns the required columns it lacks (reported once
        here rather than once per row)."""
        known = {c["name"] for c in table.columns}
        where = f"{path.name} row 1"
        for name in sorted({h for h in header if header.count(h) > 1}):
            self.problem(where, name, "column appears more than once")
        for name in header:
            if name not in known:
                self.records.warnings.append(
                    Problem(where, name, "not an HSDS column of this table: ignored")
                )
        missing = frozenset((table.required | table.tabular_required) - set(header))
        for name in sorted(missing):
            self.problem(where, name, "required column is missing")
        return missing

    def _typed(self, path: Path, table: _Table, row: dict[str, Any], i: int) -> dict[str, Any]:
        """A CSV row with JSON types, per the data package: empty cells are absent, numbers
        become numbers. A cell that is not a number stays text, and the schema reports it."""
        types = {c["name"]: c.get("type") for c in table.columns}
        typed: dict[str, Any] = {}
        for name, value in row.items():
            if name is None or name not in types:
                if name is None:  # more cells than columns
                    self.problem(f"{path.name} row {i + 2}", "", "more cells than columns")
                continue
            if value is None or value == "":
                continue
            if types[name] in ("number", "integer"):
                try:
                    number = float(value)
                except ValueError:
                    number = math.nan
                if not math.isfinite(number):
                    typed[name] = value  # the schema reports it: not of type 'number'
                elif number.is_integer() and not re.search(r"[.eE]", value):
                    typed[name] = int(number)
                else:
                    typed[name] = number
            else:
                typed[name] = value
        return typed

    # -- across records ------------------------------------------------------------------------

    def finish(self) -> None:
        """The checks that need every record: foreign keys, local extensions, uniqueness."""
        tables = self.records.tables
        # Foreign keys the data package declares, resolved in the file or else in the database.
        wanted: dict[str, set[str]] = defaultdict(set)
        refs: list[tuple[Row, str, str, str]] = []  # row, field, target table, id
        for table, rows in tables.items():
            for fk_field, target in self.spec[table].foreign_keys.items():
                for row in rows.values():
                    target_id = _uid(row.data.get(fk_field))
                    if target_id is None:  # absent, or not a UUID (already reported)
                        continue
                    refs.append((row, fk_field, target, target_id))
                    if target_id not in tables.get(target, {}):
                        wanted[target].add(target_id)
        # Not a declared key, but we keep it as one: a term's parent.
        for row in tables.get("taxonomy_term", {}).values():
            parent = _uid(row.data.get("parent_id"))
            if parent and parent not in tables.get("taxonomy_term", {}):
                wanted["taxonomy_term"].add(parent)
        in_db = {target: _existing(target, ids) for target, ids in wanted.items()}
        for row, fk_field, target, target_id in refs:
            if target_id in tables.get(target, {}) or target_id in in_db.get(target, set()):
                continue
            scope = "in this file or in the directory" if target in MAPS else "in this file"
            self.problem(row.at(fk_field), fk_field, f"no {target} with id {target_id} {scope}")
        for key, row in tables.get("taxonomy_term", {}).items():
            parent = _uid(row.data.get("parent_id"))
            if (
                parent
                and parent not in tables["taxonomy_term"]
                and parent not in in_db.get("taxonomy_term", set())
            ):
                self.records.dropped_parents.add(key)
                self.records.warnings.append(
                    Problem(
                        row.at("parent_id"),
                        "parent_id",
                        f"no taxonomy_term with id {parent} in this file or in the directory: "
                        "the term is kept without its parent",
                    )
                )
        for row in tables.get("schedule", {}).values():
            for name in ("opens_at", "closes_at"):
                match = _TIME.fullmatch(str(row.data.get(name) or ""))
                if match and match.group("offset"):
                    self.records.warnings.append(
                        Problem(
                            row.at(name),
                            name,
                            f"offset {match.group('offset')} dropped: hours are kept as "
                            "wall-clock times in the agency's time zone",
                        )
                    )
        self._local_attributes()
        self._unique_service_at_location()

    def _local_attributes(self) -> None:
        """Attributes on the capacity and life-domain taxonomies become Service.capacity /
        capacity_notes and ServiceDomain rows."""
        tables = self.records.tables
        attributes = tables.get("attribute", {})
        if not attributes:
            return
        term_ids = {_uid(r.data.get("taxonomy_term_id")) for r in attributes.values()} - {None}
        terms: dict[str, tuple[str | None, str]] = {}  # term id -> (taxonomy id, code)
        for key, row in tables.get("taxonomy_term", {}).items():
            terms[key] = (_uid(row.data.get("taxonomy_id")), str(row.data.get("code") or ""))
        missing = [t for t in term_ids if t and t not in terms]
        for chunk in _chunks(missing, 5000):
            for term_pk, taxonomy_pk, term_code in TaxonomyTerm.objects.filter(
                pk__in=chunk
            ).values_list("pk", "taxonomy_id", "code"):
                terms[str(term_pk)] = (str(taxonomy_pk) if taxonomy_pk else None, term_code)
        capacity_taxonomy, domain_taxonomy = str(CAPACITY_TAXONOMY_ID), str(DOMAIN_TAXONOMY_ID)
        local: list[tuple[str, Row, str, str]] = []  # key, row, kind, code
        for key, row in attributes.items():
            taxonomy_id, code = terms.get(_uid(row.data.get("taxonomy_term_id")) or "", (None, ""))
            if taxonomy_id == capacity_taxonomy:
                local.append((key, row, "capacity", code))
            elif taxonomy_id == domain_taxonomy:
                local.append((key, row, "domain", code))
        if not local:
            return
        services = tables.get("service", {})
        targets = {_uid(row.data.get("link_id")) or "" for _, row, _, _ in local}
        known = set(services) | _existing("service", [t for t in targets if t not in services])
        for key, row, kind, code in local:
            service_id = _uid(row.data.get("link_id"))
            entity = row.data.get("link_entity")
            self.records.local_attributes.add(key)
            if entity != "service":
                self.problem(
                    row.at("link_entity"),
                    "link_entity",
                    f"a {kind} attribute must link to a service, not {_short(entity)}",
                )
                continue
            if service_id not in known:
                self.problem(
                    row.at("link_id"),
                    "link_id",
                    f"no service with id {row.data.get('link_id')} in this file or in "
                    "the directory",
                )
                continue
            assert service_id is not None  # for the type checker: known holds ids only
            if kind == "capacity":
                notes = str(row.data.get("value") or "")
                if code not in CAPACITY_TERMS:
                    self.problem(
                        row.at("taxonomy_term_id"),
                        "taxonomy_term_id",
                        f"capacity term with unknown code {_short(code)}: use one of "
                        f"{', '.join(CAPACITY_TERMS)}",
                    )
                elif service_id in self.records.capacity:
                    self.problem(
                        row.at("taxonomy_term_id"),
                        "taxonomy_term_id",
                        "a second capacity attribute for the same service",
                    )
                else:  # the notes are the value: its length is checked with the attribute
                    self.records.capacity[service_id] = (code, notes)
            elif not code or len(code) > 40:
                self.problem(
                    row.at("taxonomy_term_id"),
                    "taxonomy_term_id",
                    "a life-domain term needs a code of 1 to 40 characters",
                )
            else:
                self.records.domains[service_id].add(code)

    def _unique_service_at_location(self) -> None:
        """The directory keeps one service-at-location per (service, location)."""
        rows = self.records.tables.get("service_at_location", {})
        pairs: dict[tuple[str | None, str | None], Row] = {}
        for row in rows.values():
            pair = (_uid(row.data.get("service_id")), _uid(row.data.get("location_id")))
            if None in pair:
                continue
            if pair in pairs:
                self.problem(
                    row.at("id"),
                    "id",
                    f"a second service_at_location for the same service and location "
                    f"(first at {pairs[pair].where})",
                )
            else:
                pairs[pair] = row
        services = list({s for s, _ in pairs if s})
        for chunk in _chunks(services, 5000):
            for pk, service_id, location_id in ServiceAtLocation.objects.filter(
                service_id__in=chunk
            ).values_list("pk", "service_id", "location_id"):
                clash = pairs.get((str(service_id), str(location_id)))
                if clash is None or _uid(clash.data.get("id")) == str(pk):
                    continue
                # Fine if the file gives that stored row another pair; if the file gives it the
                # same pair, the check above has already reported the two rows.
                if str(pk) not in rows:
                    self.problem(
                        clash.at("id"),
                        "id",
                        f"the directory already has service_at_location {pk} for this service "
                        "and location",
                    )


def _kind_from_name(path: Path) -> str | None:
    stem = path.stem.lower()
    for suffix in ("_list", "_full", "_page"):
        stem = stem.removesuffix(suffix)
    stem = _PLURALS.get(stem, stem)
    return stem if stem in TOP_LEVEL else None


def _kind_from_keys(obj: Any) -> str | None:
    if not isinstance(obj, dict) or "id" not in obj:
        return None
    keys = set(obj)
    if keys & {"status", "service_at_locations", "service_areas", "eligibility_description"}:
        return "service"
    if keys & {"location_type", "addresses", "accessibility", "latitude", "longitude"}:
        return "location"
    if keys & {"service", "location", "service_id", "location_id"}:
        return "service_at_location"
    if keys & {"taxonomy_detail", "taxonomy_id", "parent_id", "code", "term_uri", "taxonomy"}:
        return "taxonomy_term"
    if keys & {
        "services",
        "locations",
        "programs",
        "website",
        "email",
        "phones",
        "tax_id",
        "tax_status",
        "legal_status",
        "year_incorporated",
        "organization_identifiers",
        "parent_organization_id",
        "funding",
        "contacts",
        "logo",
    }:
        return "organization"
    if keys & {"version", "uri"}:
        return "taxonomy"
    return None


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _existing(table: str, ids: Iterable[str]) -> set[str]:
    """Which of these ids the directory already holds (none, for tables we do not keep)."""
    mapping = MAPS.get(table)
    if mapping is None:
        return set()
    found: set[str] = set()
    for chunk in _chunks(ids, 5000):
        found.update(
            str(pk)
            for pk in mapping.model._default_manager.filter(pk__in=chunk).values_list(
                "pk", flat=True
            )
        )
    return found


def validate(
    path: str | Path, *, progress: Progress | None = None
) -> tuple[Records, list[Problem]]:
    """Read an HSDS JSON file or CSV data package folder and check all of it. Returns the records
    and every problem found (an empty list: the file can be imported as it is)."""
    path = Path(path)
    reader = _Reader(path.name, progress)
    if path.is_dir():
        reader.read_folder(path)
    elif path.is_file() and path.suffix.lower() == ".csv":
        reader.problem(path.name, "", "give the folder of the data package, not one CSV file")
    elif path.is_file():
        reader.read_json(path)
    else:
        reader.problem(str(path), "", "no such file or folder")
        return reader.records, reader.problems
    reader.finish()
    return reader.records, sorted(reader.problems, key=_reading_order)


def _reading_order(problem: Problem) -> list[Any]:
    """File, then row or path in natural order ("row 2" before "row 10"), then field."""
    parts: list[Any] = [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", problem.where)]
    # Mixed int/str parts compare safely as (kind, value) pairs.
    return [(isinstance(p, str), p) for p in parts] + [(True, problem.field)]


# --- import ------------------------------------------------------------------------------------


def _to_python(model_field: models.Field, value: Any) -> Any:
    """An HSDS value (already valid) as the model field holds it."""
    if value is None:
        return None if model_field.null else ""
    if isinstance(model_field, models.UUIDField | models.ForeignKey):
        return uuid.UUID(value)
    if isinstance(model_field, models.FloatField):
        return float(value)
    if isinstance(model_field, models.IntegerField):
        return int(value)
    if isinstance(model_field, models.TimeField):
        match = _TIME.fullmatch(value)
        assert match is not None  # validated
        return dt.time.fromisoformat(match.group("clock"))
    if isinstance(model_field, models.DateField):
        return dt.date.fromisoformat(value)
    return value


def _model_values(records: Records, table: str, row: Row) -> dict[str, Any]:
    mapping = MAPS[table]
    values = {
        attname: _to_python(_field(mapping.model, attname), row.data.get(hsds_name))
        for hsds_name, attname in mapping.fields.items()
    }
    if table == "taxonomy_term" and _uid(row.data.get("id")) in records.dropped_parents:
        values["parent_id"] = None
    return values


@dataclass
class _Counts:
    created: list[uuid.UUID] = field(default_factory=list)
    updated: list[uuid.UUID] = field(default_factory=list)
    unchanged: int = 0


def _upsert(
    model: type[models.Model],
    rows: dict[uuid.UUID, dict[str, Any]],
    force: set[uuid.UUID] | None = None,
) -> _Counts:
    """Create the new rows, update those whose values differ (or are in `force`), leave the
    rest alone. A row may give only some fields (the others keep their stored values)."""
    counts = _Counts()
    if not rows:
        return counts
    names = sorted({name for values in rows.values() for name in values})
    existing: dict[uuid.UUID, dict[str, Any]] = {}
    for chunk in _chunks(rows, 5000):
        for values in model._default_manager.filter(pk__in=chunk).values("pk", *names):
            existing[values.pop("pk")] = values
    auto_now = [f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    now = timezone.now()
    to_create: list[models.Model] = []
    to_update: list[models.Model] = []
    for pk, values in rows.items():
        old = existing.get(pk)
        if old is None:
            to_create.append(model(pk=pk, **values))
            counts.created.append(pk)
            continue
        merged = {**old, **values}
        if merged != old or (force and pk in force):
            to_update.append(model(pk=pk, **merged, **dict.fromkeys(auto_now, now)))
            counts.updated.append(pk)
        else:
            counts.unchanged += 1
    model._default_manager.bulk_create(to_create, batch_size=1000)
    model._default_manager.bulk_update(to_update, names + auto_now, batch_size=500)
    return counts


def _sync_domains(records: Records, replace: set[str], add: set[str]) -> set[uuid.UUID]:
    """Life domains from the file: the services in `replace` get exactly the file's domains,
    those in `add` (services outside the file that its attributes point at) gain them. Returns
    the services whose domains changed."""
    given = {uuid.UUID(s): records.domains.get(s, set()) for s in replace | add}
    have: dict[uuid.UUID, set[str]] = defaultdict(set)
    for chunk in _chunks(given, 5000):
        for service_id, domain in ServiceDomain.objects.filter(service_id__in=chunk).values_list(
            "service_id", "domain"
        ):
            have[service_id].add(domain)
    changed: set[uuid.UUID] = set()
    to_create: list[ServiceDomain] = []
    for service_id, domains in given.items():
        old = have.get(service_id, set())
        wanted = domains if str(service_id) in replace else old | domains
        if wanted == old:
            continue
        changed.add(service_id)
        to_create.extend(ServiceDomain(service_id=service_id, domain=d) for d in wanted - old)
        if old - wanted:
            ServiceDomain.objects.filter(service_id=service_id, domain__in=old - wanted).delete()
    ServiceDomain.objects.bulk_create(to_create, batch_size=1000)
    return changed


def import_path(path: str | Path, *, progress: Progress | None = None) -> ImportResult:
    """Validate, then upsert everything in one transaction, or write nothing if there is any
    problem. Counts are of records written to our tables; a service's capacity and domains
    count with the service (records of HSDS tables we do not keep are in `ignored`)."""
    path = Path(path)
    records, problems = validate(path, progress=progress)
    if problems:
        return ImportResult(0, 0, 0, problems, records.warnings, records.ignored())
    tables = records.tables
    in_file = set(tables.get("service", {}))
    # Services in the file whose attributes it states: capacity and domains are set from it.
    # Services outside the file that its capacity/domain attributes point at: only what is given.
    replace = records.attributes_stated & in_file
    add = (set(records.capacity) | set(records.domains)) - in_file
    try:
        with transaction.atomic():
            domains_changed = _sync_domains(records, replace, add)
            capacity: dict[uuid.UUID, dict[str, Any]] = {}
            for service_id in replace | (set(records.capacity) - in_file):
                code, notes = records.capacity.get(service_id, ("", ""))
                capacity[uuid.UUID(service_id)] = {"capacity": code, "capacity_notes": notes}
            for service_id in add - set(records.capacity):  # domains only: bump it if changed
                capacity.setdefault(uuid.UUID(service_id), {})
            written: dict[str, _Counts] = {}
            for done, table in enumerate(MAPS, 1):
                rows = {
                    uuid.UUID(key): _model_values(records, table, row)
                    for key, row in tables.get(table, {}).items()
                    if key not in records.local_attributes
                }
                force: set[uuid.UUID] = set()
                if table == "service":
                    for pk, values in capacity.items():
                        rows.setdefault(pk, {}).update(values)
                    force = domains_changed
                written[table] = _upsert(MAPS[table].model, rows, force)
                if progress:
                    progress("writing", done, len(MAPS))
            created = sum(len(c.created) for c in written.values())
            updated = sum(len(c.updated) for c in written.values())
            # Services outside the file are not records of it: they count when they change.
            outside = {uuid.UUID(s) for s in add}
            unchanged = sum(c.unchanged for c in written.values()) - len(
                outside - set(written["service"].updated)
            )
            for chunk in _chunks(_services_to_reindex(written, tables), 5000):
                reindex(chunk)  # in chunks: one query may only carry so many ids
            audit_record(
                actor=None,
                action="directory.imported",
                target_type="directory",
                target_id=path.name,
                changes={"created": created, "updated": updated, "unchanged": unchanged},
                actor_label="import-hsds",
            )
    except IntegrityError as error:
        # Validation ran before the transaction: someone changed the directory in between.
        problem = Problem(
            path.name,
            "",
            f"the directory changed during the import ({error}); nothing was written: try again",
        )
        return ImportResult(0, 0, 0, [problem], records.warnings, records.ignored())
    return ImportResult(created, updated, unchanged, [], records.warnings, records.ignored())


def _services_to_reindex(
    written: dict[str, _Counts], tables: dict[str, dict[str, Row]]
) -> set[uuid.UUID]:
    """Services whose search text may have changed: new or changed services, and services of
    new or changed organisations, languages and attributes (and of attributes on changed terms).
    """
    changed = {t: {str(pk) for pk in c.created + c.updated} for t, c in written.items()}
    ids: set[uuid.UUID] = {uuid.UUID(s) for s in changed.get("service", set())}
    for chunk in _chunks(changed.get("organization", set()), 5000):
        ids.update(Service.objects.filter(organization_id__in=chunk).values_list("pk", flat=True))
    for key in changed.get("language", set()):
        service_id = _uid(tables["language"][key].data.get("service_id"))
        if service_id:
            ids.add(uuid.UUID(service_id))
    for key in changed.get("attribute", set()):
        row = tables["attribute"][key]
        if row.data.get("link_entity") == "service" and _uid(row.data.get("link_id")):
            ids.add(uuid.UUID(row.data["link_id"]))
    for chunk in _chunks(changed.get("taxonomy_term", set()), 5000):
        ids.update(
            Attribute.objects.filter(link_entity="service", taxonomy_term_id__in=chunk).values_list(
                "link_id", flat=True
            )
        )
    return ids


# --- export ------------------------------------------------------------------------------------


def _from_python(value: Any) -> Any:
    """A model value as HSDS gives it (None: leave the field out)."""
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.time | dt.date):
        return value.isoformat()
    return value


def _rows_from_db(table: str) -> list[dict[str, Any]]:
    mapping = MAPS[table]
    names = {attname: hsds for hsds, attname in mapping.fields.items()}
    rows = []
    for values in mapping.model._default_manager.order_by("pk").values("pk", *names):
        row = {"id": str(values.pop("pk"))}
        for attname, value in values.items():
            converted = _from_python(value)
            if converted is not None:
                row[names[attname]] = converted
        rows.append(row)
    return rows


def _domain_labels() -> dict[str, str]:
    from strengthwise.assessments.models import Kind
    from strengthwise.assessments.templates_data import shipped_template

    return {d["key"]: d["label"] for d in shipped_template(Kind.STRENGTHS)["domains"]}


def _local_taxonomy_rows(domains_in_use: Iterable[str]) -> tuple[list[dict], list[dict]]:
    """The two local taxonomies and their terms: every capacity code, every shipped life domain
    and any other domain a service uses. Text is fixed English, so exports are stable. Export
    adds those the directory does not hold yet."""
    taxonomies = [
        {
            "id": str(CAPACITY_TAXONOMY_ID),
            "name": "StrengthWise service capacity",
            "description": "Whether a service can take new clients now (the Gravity Project "
            "SDOH capacity codes). The attribute's value holds free-text notes.",
            "uri": LOCAL + "capacity",
            "version": "1",
        },
        {
            "id": str(DOMAIN_TAXONOMY_ID),
            "name": "StrengthWise life domains",
            "description": "The life domains of the strengths assessment a service helps with.",
            "uri": LOCAL + "life-domains",
            "version": "1",
        },
    ]
    terms = [
        {
            "id": str(capacity_term_id(code)),
            "code": code,
            "name": name,
            "description": f"Service capacity: {name.lower()}.",
            "taxonomy": "StrengthWise service capacity",
            "taxonomy_id": str(CAPACITY_TAXONOMY_ID),
            "term_uri": f"{LOCAL}capacity/{code}",
        }
        for code, name in CAPACITY_TERMS.items()
    ]
    labels = _domain_labels()
    for key in sorted(set(labels) | set(domains_in_use)):
        label = labels.get(key, key)
        terms.append(
            {
                "id": str(domain_term_id(key)),
                "code": key,
                "name": label,
                "description": f"Life domain: {label}.",
                "taxonomy": "StrengthWise life domains",
                "taxonomy_id": str(DOMAIN_TAXONOMY_ID),
                "term_uri": f"{LOCAL}life-domains/{key}",
            }
        )
    return taxonomies, terms


def _export_tables() -> dict[str, list[dict[str, Any]]]:
    """Every table we hold, as HSDS rows sorted by id, local taxonomies and attributes included."""
    tables = {table: _rows_from_db(table) for table in MAPS}
    domains: dict[str, list[str]] = defaultdict(list)
    for service_id, domain in ServiceDomain.objects.order_by("domain").values_list(
        "service_id", "domain"
    ):
        domains[str(service_id)].append(domain)
    local_taxonomies, local_terms = _local_taxonomy_rows(
        {d for keys in domains.values() for d in keys}
    )
    # Stored rows win (an import of our own export stores them): only missing ones are added.
    for table, generated in (("taxonomy", local_taxonomies), ("taxonomy_term", local_terms)):
        stored = {row["id"] for row in tables[table]}
        tables[table] += [row for row in generated if row["id"] not in stored]
    capacity = Service.objects.exclude(capacity="").values_list("pk", "capacity", "capacity_notes")
    for service_id, code, notes in capacity:
        if code not in CAPACITY_TERMS:
            continue  # not a code we can express (the model's choices would not allow it)
        row = {
            "id": str(_capacity_attribute_id(service_id)),
            "link_id": str(service_id),
            "taxonomy_term_id": str(capacity_term_id(code)),
            "link_entity": "service",
        }
        if notes:
            row["value"] = notes
        tables["attribute"].append(row)
    for link_id, keys in domains.items():
        for key in keys:
            tables["attribute"].append(
                {
                    "id": str(_domain_attribute_id(uuid.UUID(link_id), key)),
                    "link_id": link_id,
                    "taxonomy_term_id": str(domain_term_id(key)),
                    "link_entity": "service",
                }
            )
    for rows in tables.values():
        rows.sort(key=lambda r: r["id"])
    return tables


def _csv_cell(value: Any) -> str:
    """A cell of the exported tables: formulas neutralised for whoever opens them in a
    spreadsheet (core.text.spreadsheet_safe); phone numbers and numbers stay as written."""
    return "" if value is None else spreadsheet_safe(str(value))


class _Nester:
    """Builds the nested JSON objects of services.json from the exported tables."""

    def __init__(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        self.spec = _spec()
        self.by_id = {t: {r["id"]: r for r in rows} for t, rows in tables.items()}
        self.children: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for table, rows in tables.items():
            for row in rows:
                for name, value in row.items():
                    if name.endswith("_id") and name != "taxonomy_term_id":
                        self.children[(table, name, value)].append(row)
        self.attributes: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in tables["attribute"]:
            self.attributes[(row.get("link_entity", ""), row.get("link_id", ""))].append(row)

    def _scalars(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        return {k: row[k] for k in self.spec[table].schema["properties"] if k in row}

    def _kids(self, table: str, parent: str, parent_id: str) -> list[dict[str, Any]]:
        return self.children.get((table, f"{parent}_id", parent_id), [])

    def _with(self, table: str, row: dict[str, Any], **nested: Any) -> dict[str, Any]:
        """The row's scalars and the given nested values, in the schema's property order."""
        obj = self._scalars(table, row)
        nested["attributes"] = [
            self.attribute(a) for a in self.attributes.get((table, row["id"]), [])
        ]
        ordered = {}
        for name in self.spec[table].schema["properties"]:
            if name in obj:
                ordered[name] = obj[name]
            elif name in nested and nested[name] is not None:
                ordered[name] = nested[name]
        return ordered

    def attribute(self, row: dict[str, Any]) -> dict[str, Any]:
        term = self.by_id["taxonomy_term"][row["taxonomy_term_id"]]
        taxonomy = self.by_id["taxonomy"].get(term.get("taxonomy_id", ""))
        term_obj = self._scalars("taxonomy_term", term)
        if taxonomy is not None:
            term_obj["taxonomy_detail"] = self._scalars("taxonomy", taxonomy)
        return {**self._scalars("attribute", row), "taxonomy_term": term_obj}

    def phone(self, row: dict[str, Any]) -> dict[str, Any]:
        languages = [self._with("language", r) for r in self._kids("language", "phone", row["id"])]
        return self._with("phone", row, languages=languages)

    def _common(self, parent: str, parent_id: str) -> dict[str, Any]:
        return {
            "phones": [self.phone(r) for r in self._kids("phone", parent, parent_id)],
            "schedules": [
                self._with("schedule", r) for r in self._kids("schedule", parent, parent_id)
            ],
        }

    def location(self, row: dict[str, Any]) -> dict[str, Any]:
        pid = row["id"]
        return self._with(
            "location",
            row,
            languages=[self._with("language", r) for r in self._kids("language", "location", pid)],
            addresses=[self._with("address", r) for r in self._kids("address", "location", pid)],
            **self._common("location", pid),
        )

    def service(self, row: dict[str, Any]) -> dict[str, Any]:
        sid = row["id"]
        at_locations = []
        for sal in self._kids("service_at_location", "service", sid):
            location = self.by_id["location"][sal["location_id"]]
            at_locations.append(
                self._with(
                    "service_at_location",
                    sal,
                    location=self.location(location),
                    **self._common("service_at_location", sal["id"]),
                )
            )
        organization = self.by_id["organization"].get(row.get("organization_id", ""))
        program = self.by_id["program"].get(row.get("program_id", ""))
        return self._with(
            "service",
            row,
            service_areas=[
                self._with("service_area", r) for r in self._kids("service_area", "service", sid)
            ],
            service_at_locations=at_locations,
            languages=[self._with("language", r) for r in self._kids("language", "service", sid)],
            organization=self._scalars("organization", organization) if organization else None,
            program=self._scalars("program", program) if program else None,
            **self._common("service", sid),
        )


def export(directory: str | Path) -> ExportResult:
    """Write the directory to `directory`: an HSDS data package (datapackage.json and one CSV per
    table, columns in the official order; the core tables always, the others when they have
    rows; a CSV of another HSDS table left by an older export is removed) and services.json
    (every service, fully nested). Deterministic: the same data gives the same bytes."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    spec = _spec()
    tables = _export_tables()
    files: dict[str, int] = {}
    written = [t for t in spec if t in tables and (tables[t] or t in CORE_TABLES)]
    for stale in spec.values():  # an older export's table we no longer have would be re-read
        if stale.name not in written:
            (out / stale.path).unlink(missing_ok=True)
    for table in written:
        columns = [c["name"] for c in spec[table].columns]
        with (out / spec[table].path).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(columns)
            for row in tables[table]:
                writer.writerow([_csv_cell(row.get(c)) for c in columns])
        files[spec[table].path] = len(tables[table])
    package = {k: v for k, v in _package().items() if k != "resources"}
    package["resources"] = [r for r in _package()["resources"] if r["name"] in written]
    (out / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    files["datapackage.json"] = len(written)
    nester = _Nester(tables)
    services = [nester.service(row) for row in tables["service"]]
    (out / "services.json").write_text(
        json.dumps(services, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    files["services.json"] = len(services)
    return ExportResult(files)


# --- the HSDS read API (/api/hsds/) -------------------------------------------------------------

# What each list endpoint lists (the HSDS table behind it).
API_TABLES = {
    "services": "service",
    "organizations": "organization",
    "service_at_locations": "service_at_location",
    "taxonomies": "taxonomy",
    "taxonomy_terms": "taxonomy_term",
}
MAX_PER_PAGE = 200
# `minimal` asks for every service in one call: its page may be this long.
MAX_MINIMAL_PER_PAGE = 10000


@dataclass(frozen=True)
class Filters:
    """What a list asks for, as the HSDS OpenAPI names it (each applies where HSDS defines it;
    the API refuses the others before they get here)."""

    search: str = ""
    taxonomy_term_id: str = ""
    taxonomy_id: str = ""
    organization_id: str = ""
    modified_after: dt.datetime | None = None  # aware
    parent_id: str = ""
    top_only: bool = False
    postcode: str = ""
    proximity_m: float | None = None


def _instant(value: dt.datetime) -> str:
    """An HSDS date-time: UTC, millisecond accuracy ("Should have millisecond accuracy")."""
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _postcode(value: str) -> str:
    return "".join(fold(value or "").split())


def _words_in(words: list[str], text: str) -> bool:
    return all(word in text for word in words)


class Directory:
    """The directory as HSDS objects, read once per request (the same tables and nesting as
    the export, so the API and services.json always agree; the API adds each service's
    `last_modified`). It reads every table: fine for an agency's directory of a few thousand
    services; a larger one wants a cache."""

    def __init__(self) -> None:
        self.tables = _export_tables()
        # The service's own search text (name, description, eligibility, organisation and
        # taxonomy term names, folded) and when it last changed, which the export leaves out.
        self.search_text: dict[str, str] = {}
        self.modified: dict[str, dt.datetime] = {}
        for pk, modified, text in Service.objects.values_list("pk", "last_modified", "search_text"):
            self.search_text[str(pk)] = text
            self.modified[str(pk)] = modified
        for row in self.tables["service"]:
            if row["id"] in self.modified:
                row["last_modified"] = _instant(self.modified[row["id"]])
        self.nester = _Nester(self.tables)
        terms = self.nester.by_id["taxonomy_term"]
        self.service_terms: dict[str, set[str]] = defaultdict(set)
        self.service_taxonomies: dict[str, set[str]] = defaultdict(set)
        for attribute in self.tables["attribute"]:
            if attribute.get("link_entity", "service") != "service":
                continue
            term_id = attribute["taxonomy_term_id"]
            self.service_terms[attribute["link_id"]].add(term_id)
            taxonomy_id = terms.get(term_id, {}).get("taxonomy_id")
            if taxonomy_id:
                self.service_taxonomies[attribute["link_id"]].add(taxonomy_id)

    def listed(
        self, endpoint: str, row: dict[str, Any], *, full: bool = False, full_service: bool = False
    ) -> dict[str, Any]:
        table = API_TABLES[endpoint]
        if table == "service" and full:
            return self.nester.service(row)
        if table == "organization" and (full or full_service):
            return self.organization(row, full_service=full_service)
        if table == "service_at_location":
            return self.service_at_location(row)
        return self.nester._scalars(table, row)

    def organization(self, row: dict[str, Any], *, full_service: bool = False) -> dict[str, Any]:
        """The organization fully nested, with its services: their one-to-one fields, or each
        service fully nested (`full_service`). HSDS's organization schema does not list
        `services`, but the official organization_full example nests them, as we do."""
        kids = self.nester._kids("service", "organization", row["id"])
        obj = self.nester._with(
            "organization", row, **self.nester._common("organization", row["id"])
        )
        obj["services"] = [
            self.nester.service(s) if full_service else self.nester._scalars("service", s)
            for s in kids
        ]
        return obj

    def service_at_location(self, row: dict[str, Any]) -> dict[str, Any]:
        location = self.nester.by_id["location"].get(row["location_id"])
        return self.nester._with(
            "service_at_location",
            row,
            location=self.nester.location(location) if location else None,
            **self.nester._common("service_at_location", row["id"]),
        )

    def one(
        self, endpoint: str, object_id: str, *, full_service: bool = False
    ) -> dict[str, Any] | None:
        table = API_TABLES[endpoint]
        row = self.nester.by_id.get(table, {}).get(object_id.lower())
        if row is None:
            return None
        return self.listed(endpoint, row, full=True, full_service=full_service)

    # -- filters --------------------------------------------------------------------------------

    def _service_matches(self, row: dict[str, Any], f: Filters, words: list[str]) -> bool:
        sid = row["id"]
        if f.organization_id and row.get("organization_id") != f.organization_id:
            return False
        if f.taxonomy_term_id and f.taxonomy_term_id not in self.service_terms.get(sid, ()):
            return False
        if f.taxonomy_id and f.taxonomy_id not in self.service_taxonomies.get(sid, ()):
            return False
        if f.modified_after is not None:
            modified = self.modified.get(sid)
            if modified is None or modified < f.modified_after:
                return False
        return not words or _words_in(words, self.search_text.get(sid, ""))

    def _near(self, f: Filters) -> Callable[[dict[str, Any]], bool]:
        """Whether a location is in the postcode (by its addresses), or within `proximity_m`
        of the postcode's centre: the mean of the directory's located places in it, as the
        geocoder of client homes works it out (nothing leaves the machine)."""
        from .geo import haversine_km

        wanted = _postcode(f.postcode)
        in_postcode = {
            a["location_id"]
            for a in self.tables["address"]
            if wanted and _postcode(a.get("postal_code", "")) == wanted
        }
        if f.proximity_m is None:
            return lambda location: location["id"] in in_postcode
        points = [
            (loc["latitude"], loc["longitude"])
            for loc in self.tables["location"]
            if loc["id"] in in_postcode
            and _is_number(loc.get("latitude"))
            and _is_number(loc.get("longitude"))
        ]
        if not points:
            return lambda location: False
        lat = sum(p[0] for p in points) / len(points)
        lon = sum(p[1] for p in points) / len(points)
        km = f.proximity_m / 1000

        def near(location: dict[str, Any]) -> bool:
            here = (location.get("latitude"), location.get("longitude"))
            return (
                _is_number(here[0])
                and _is_number(here[1])
                and haversine_km(lat, lon, here[0], here[1]) <= km
            )

        return near

    def _rows(self, table: str, f: Filters) -> list[dict[str, Any]]:
        rows = self.tables.get(table, [])
        words = fold(f.search).split()
        if table == "service":
            return [r for r in rows if self._service_matches(r, f, words)]
        if table == "service_at_location":
            services = self.nester.by_id["service"]
            locations = self.nester.by_id["location"]
            near = self._near(f) if f.postcode else None
            kept = []
            for r in rows:
                service = services.get(r["service_id"])
                location = locations.get(r["location_id"], {})
                if service is None or not self._service_matches(service, f, []):
                    continue
                if near is not None and not near(location):
                    continue
                text = (
                    f"{self.search_text.get(r['service_id'], '')} {fold(location.get('name', ''))}"
                )
                if words and not _words_in(words, text):
                    continue
                kept.append(r)
            return kept
        if table == "taxonomy_term":
            if f.taxonomy_id:
                rows = [r for r in rows if r.get("taxonomy_id") == f.taxonomy_id]
            if f.parent_id:
                rows = [r for r in rows if r.get("parent_id") == f.parent_id]
            if f.top_only:
                rows = [r for r in rows if not r.get("parent_id")]
        if words:
            rows = [
                r
                for r in rows
                if _words_in(
                    words,
                    fold(
                        " ".join(
                            str(r.get(k, ""))
                            for k in ("name", "alternate_name", "description", "code")
                        )
                    ),
                )
            ]
        return rows

    def page(
        self,
        endpoint: str,
        *,
        page: int = 1,
        per_page: int = 50,
        full: bool = False,
        full_service: bool = False,
        minimal: bool = False,
        filters: Filters | None = None,
    ) -> dict[str, Any]:
        """One page in HSDS's paging object (total_items, total_pages, page_number, size,
        first_page, last_page, empty, contents), in id order. `minimal` (services): each
        service as just its `id` and `last_modified`, up to MAX_MINIMAL_PER_PAGE a page."""
        table = API_TABLES[endpoint]
        rows = self._rows(table, filters or Filters())
        per_page = max(1, min(per_page, MAX_MINIMAL_PER_PAGE if minimal else MAX_PER_PAGE))
        total_pages = max(1, -(-len(rows) // per_page))
        page = max(1, page)
        chosen = rows[(page - 1) * per_page : page * per_page]
        if minimal and table == "service":
            contents = [{"id": r["id"], "last_modified": r.get("last_modified")} for r in chosen]
        else:
            contents = [
                self.listed(endpoint, r, full=full, full_service=full_service) for r in chosen
            ]
        return {
            "total_items": len(rows),
            "total_pages": total_pages,
            "page_number": page,
            "size": len(chosen),
            "first_page": page == 1,
            "last_page": page >= total_pages,
            "empty": not chosen,
            "contents": contents,
        }


def object_validator(table: str) -> Draft202012Validator:
    """A validator of one nested HSDS object (service, organization, …) against the official
    schema, with the schemas' cross references resolved locally."""
    return _validator(table)
