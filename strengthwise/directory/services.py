"""Writes to the directory. Every change is audited; the directory is shared by the agencies of
this installation, so only admins and directory editors (accounts.models.may_edit_directory)
may change it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from strengthwise.core.text import fold

from .models import Attribute, Service


def reindex(service_ids: Iterable[UUID] | None = None) -> int:
    """Recompute `Service.search_text` (name, other name, description, eligibility, fees,
    organisation, taxonomy terms, languages) for the given services, or all of them. Returns the
    number of services written. Bulk: a constant number of queries per 2,000 services."""
    qs = Service.objects.select_related("organization").prefetch_related("languages")
    if service_ids is not None:
        qs = qs.filter(pk__in=list(service_ids))
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
