"""Writes to the directory. Every change is audited; the directory is shared by the agencies of
this installation, so only admins and directory editors (accounts.models.may_edit_directory)
may change it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from strengthwise.accounts.models import User, may_edit_directory
from strengthwise.audit.services import audit_record, changed_fields
from strengthwise.core.errors import Conflict, DomainError
from strengthwise.core.text import fold
from strengthwise.core.validation import parse_id, refuse_nul, validated
from strengthwise.plans.models import Goal

from . import index
from .models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    SavedService,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceDomain,
    TaxonomyTerm,
)

SERVICE_FIELDS = (
    "name",
    "description",
    "eligibility_description",
    "fees_description",
    "application_process",
    "url",
    "email",
    "status",
    "capacity",
    "capacity_notes",
)
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "vi": "Vietnamese",
    "so": "Somali",
    "ar": "Arabic",
    "fr": "French",
    "zh": "Chinese",
    "ru": "Russian",
    "bs": "Bosnian",
    "sw": "Swahili",
    "asl": "American Sign Language",
}


class NotAnEditor(DomainError):
    status_code = 403


def reindex(service_ids: Iterable[UUID] | None = None) -> int:
    """Recompute `Service.search_text` (name, other name, description, eligibility, fees,
    organisation, taxonomy terms, languages) for the given services, or all of them. Returns the
    number of services written. Bulk: a constant number of queries per 2,000 services. Every
    bulk writer of the directory calls this, so it also gives the directory a new token for
    the find-help index (`index.changed`; row saves and deletes do it by their signals)."""
    index.changed()
    if service_ids is not None:
        # In chunks: SQLite takes at most ~32,000 parameters per statement.
        ids = list(service_ids)
        return sum(
            _reindex_query(Service.objects.filter(pk__in=ids[start : start + REINDEX_CHUNK]))
            for start in range(0, len(ids), REINDEX_CHUNK)
        )
    return _reindex_query(Service.objects.all())


REINDEX_CHUNK = 5000


def _reindex_query(services: Any) -> int:
    qs = services.select_related("organization").prefetch_related("languages")
    written = 0
    batch: list[Service] = []
    for service in qs.iterator(chunk_size=2000):
        batch.append(service)
        if len(batch) >= 2000:
            written += _reindex_batch(batch)
            batch = []
    if batch:
        written += _reindex_batch(batch)
    return written


def _reindex_batch(batch: list[Service]) -> int:
    terms: dict[UUID, list[str]] = defaultdict(list)
    for link_id, name in Attribute.objects.filter(
        link_entity="service", link_id__in=[s.pk for s in batch]
    ).values_list("link_id", "taxonomy_term__name"):
        terms[link_id].append(name)
    changed = []
    for service in batch:
        parts = [
            service.name,
            service.alternate_name,
            service.description,
            service.eligibility_description,
            service.fees_description,
            service.organization.name if service.organization else "",
            *terms.get(service.pk, []),
            *(f"{lang.name} {lang.code}" for lang in service.languages.all()),
        ]
        text = fold(" ".join(p for p in parts if p))
        if text != service.search_text:
            service.search_text = text
            changed.append(service)
    Service.objects.bulk_update(changed, ["search_text"], batch_size=500)
    return len(changed)


def _snapshot(service: Service) -> dict[str, Any]:
    """What an editor can change on the service page, for the audit trail's before/after."""
    sal = service.at_locations.select_related("location").order_by("location__name").first()
    location = sal.location if sal else None
    address = location.addresses.first() if location else None
    phone = service.phones.first()
    return {
        **{k: getattr(service, k) for k in SERVICE_FIELDS},
        "organization": str(service.organization_id) if service.organization_id else None,
        "program": str(service.program_id) if service.program_id else None,
        "location": [location.name, location.latitude, location.longitude] if location else None,
        "address": (
            [address.address_1, address.city, address.state_province, address.postal_code]
            if address
            else None
        ),
        "phone": phone.number if phone else None,
        "hours": sorted(f"{s.byday} {s.opens_at}-{s.closes_at}" for s in service.schedules.all()),
        "languages": sorted(service.languages.values_list("code", flat=True)),
        "domains": sorted(service.domains.values_list("domain", flat=True)),
        "terms": sorted(
            str(pk)
            for pk in Attribute.objects.filter(
                link_entity="service", link_id=service.pk
            ).values_list("taxonomy_term_id", flat=True)
        ),
    }


def _require_editor(user: User) -> None:
    if not may_edit_directory(user):
        raise NotAnEditor(_("Only admins and directory editors change the directory."))


def service_version(service: Service) -> str:
    """Optimistic lock token for the editor page: the last-modified instant."""
    return service.last_modified.isoformat() if service.last_modified else ""


@transaction.atomic
def service_save(
    *,
    acting_user: User,
    fields: Mapping[str, Any],
    service: Service | None = None,
    version: str = "",
    request: Any = None,
) -> Service:
    """Create or update a service with its organisation, main location (address, coordinates,
    phone), weekly hours, languages, life domains and kinds of help."""
    _require_editor(acting_user)
    refuse_nul({k: v for k, v in fields.items() if isinstance(v, str)})
    if service is not None:
        current = Service.objects.select_for_update(no_key=True).get(pk=service.pk)
        if version and service_version(current) != version:
            raise Conflict(
                _(
                    "Someone else saved this service since you opened it. Reload to see their change."
                ),
                current={k: getattr(current, k) for k in SERVICE_FIELDS},
                attempted={k: fields.get(k) for k in SERVICE_FIELDS},
            )
        service = current
    org = fields.get("organization_obj")
    if org is None:
        org = Organization(
            name=str(fields.get("new_organization", "")).strip(),
            description=str(fields.get("new_organization", "")).strip(),
        )
        validated(org)
        org.save()
        audit_record(
            actor=acting_user,
            action="directory.organization_created",
            target=org,
            changes={"name": [None, org.name]},
            request=request,
        )
    creating = service is None
    target = service or Service()
    before = _snapshot(target) if not creating else {}
    for name in SERVICE_FIELDS:
        setattr(target, name, fields.get(name) or ("active" if name == "status" else ""))
    target.organization = org
    validated(target, exclude=["search_text"])
    target.save()

    # Main location: the first one this service is offered at (created when an address or
    # coordinates are given).
    sal = target.at_locations.select_related("location").order_by("location__name").first()
    has_place = any(fields.get(k) for k in ("address_1", "latitude", "location_name"))
    if has_place:
        location = sal.location if sal else Location(organization=org)
        location.name = fields.get("location_name") or location.name or target.name
        location.latitude = fields.get("latitude")
        location.longitude = fields.get("longitude")
        location.organization = org
        validated(location)
        location.save()
        if sal is None:
            sal = ServiceAtLocation.objects.create(service=target, location=location)
        if fields.get("address_1"):
            address = location.addresses.first() or Address(location=location)
            for k in ("address_1", "city", "state_province", "postal_code"):
                setattr(address, k, fields.get(k) or "")
            validated(address)
            address.save()
    phone_number = str(fields.get("phone") or "").strip()
    existing_phone = target.phones.first()
    if phone_number:
        phone = existing_phone or Phone(service=target)
        phone.number = phone_number
        validated(phone)
        phone.save()
    elif existing_phone is not None:
        existing_phone.delete()

    if "hours" in fields:
        target.schedules.all().delete()
        Schedule.objects.bulk_create(
            Schedule(service=target, freq="WEEKLY", **rule) for rule in fields["hours"]
        )
    if "languages" in fields:
        target.languages.all().delete()
        Language.objects.bulk_create(
            Language(service=target, code=code, name=LANGUAGE_NAMES.get(code, code))
            for code in fields["languages"]
        )
    if "domains" in fields:
        target.domains.all().delete()
        ServiceDomain.objects.bulk_create(
            ServiceDomain(service=target, domain=d) for d in fields["domains"]
        )
    if "terms" in fields:
        Attribute.objects.filter(link_entity="service", link_id=target.pk).delete()
        terms = TaxonomyTerm.objects.filter(pk__in=list(fields["terms"]))
        Attribute.objects.bulk_create(
            Attribute(taxonomy_term=t, link_entity="service", link_id=target.pk) for t in terms
        )
    reindex([target.pk])
    after = _snapshot(target)
    audit_record(
        actor=acting_user,
        action="directory.service_created" if creating else "directory.service_updated",
        target=target,
        changes=changed_fields(before, after),
        request=request,
    )
    return target


@transaction.atomic
def capacity_set(
    *, acting_user: User, service: Service, capacity: str, notes: str, request: Any = None
) -> Service:
    _require_editor(acting_user)
    refuse_nul({"notes": notes})
    before = {"capacity": service.capacity, "capacity_notes": service.capacity_notes}
    service.capacity = capacity
    service.capacity_notes = notes.strip()
    validated(service, exclude=["search_text"])
    service.save(update_fields=["capacity", "capacity_notes", "last_modified"])
    audit_record(
        actor=acting_user,
        action="directory.capacity_changed",
        target=service,
        changes=changed_fields(
            before, {"capacity": capacity, "capacity_notes": service.capacity_notes}
        ),
        request=request,
    )
    return service


@transaction.atomic
def saved_add(
    *,
    acting_user: User,
    client: Any,
    service: Service,
    note: str = "",
    goal: Any = None,
    goal_id: Any = None,
    request: Any = None,
) -> SavedService:
    """Add a service to the client's saved list (once; saving again updates the note). The
    goal it is for may be given as `goal_id`, looked up among the client's own goals."""
    refuse_nul({"note": note})
    if goal is None and goal_id is not None:
        pk = parse_id(goal_id)
        goal = Goal.objects.filter(client=client, pk=pk).first() if pk is not None else None
        if goal is None:
            message = _("Choose one of this person's goals.")
            raise DomainError(message, field_errors={"goal": [message]})
    if goal is not None and goal.client_id != client.pk:
        raise DomainError(_("That goal belongs to someone else."))
    saved, created = SavedService.objects.get_or_create(
        client=client,
        service=service,
        defaults={
            "agency_id": client.agency_id,
            "note": note.strip()[:300],
            "goal": goal,
            "saved_by": acting_user,
        },
    )
    if not created and (note.strip() or goal is not None):
        # Saving again adds what is new; it never blanks the note or goal already there.
        saved.note = note.strip()[:300] or saved.note
        saved.goal = goal or saved.goal
        saved.save(update_fields=["note", "goal"])
    audit_record(
        actor=acting_user,
        action="saved_service.added" if created else "saved_service.updated",
        target=saved,
        changes={"service": [None, str(service.pk)], "note": [None, saved.note]},
        request=request,
    )
    return saved


@transaction.atomic
def saved_remove(*, acting_user: User, saved: SavedService, request: Any = None) -> None:
    audit_record(
        actor=acting_user,
        action="saved_service.removed",
        target=saved,
        changes={"service": [str(saved.service_id), None]},
        request=request,
    )
    saved.delete()
