"""Assessment templates as data: the shipped YAML (data/*.yaml) plus each agency's own domains.

`template_current` returns an immutable `AssessmentTemplate` snapshot; a new snapshot (a new
version number) appears only when the content changes, so an old assessment keeps rendering
with the template it was taken with.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction

from .models import AgencyDomain, AssessmentTemplate, Kind

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = {
    Kind.STRENGTHS: "strengths-v1.yaml",
    Kind.MOTIVATION: "motivation-v1.yaml",
    Kind.SSM: "ssm-v1.yaml",
}


@cache
def shipped_template(kind: str) -> dict[str, Any]:
    """The parsed YAML shipped with the app for `kind` (cached; treat as read-only)."""
    with (DATA / SHIPPED[Kind(kind)]).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _content_for(agency_id: int, kind: str) -> dict[str, Any]:
    content = copy.deepcopy(shipped_template(kind))
    if kind in (Kind.STRENGTHS, Kind.SSM):
        extra = AgencyDomain.objects.filter(agency_id=agency_id, kind=kind, active=True).order_by(
            "id"
        )
        for domain in extra:
            entry: dict[str, Any] = {"key": domain.key, "label": domain.label, "agency": True}
            if kind == Kind.SSM:
                entry["anchors"] = {int(k): v for k, v in domain.anchors.items()}
            content["domains"].append(entry)
    return content


def template_current(*, agency_id: int, kind: str) -> AssessmentTemplate:
    """The snapshot of the template as it is today for this agency (created on first use)."""
    content = json.loads(json.dumps(_content_for(agency_id, kind)))  # JSON-native (int keys → str)
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    found = AssessmentTemplate.objects.filter(
        agency_id=agency_id, kind=kind, content_hash=digest
    ).first()
    if found:
        return found
    for _attempt in range(3):  # two first uses at once: the loser reads the winner's row
        latest = (
            AssessmentTemplate.objects.filter(agency_id=agency_id, kind=kind)
            .order_by("-version")
            .first()
        )
        try:
            with transaction.atomic():
                return AssessmentTemplate.objects.create(
                    agency_id=agency_id,
                    kind=kind,
                    version=(latest.version + 1) if latest else 1,
                    content=content,
                    content_hash=digest,
                )
        except IntegrityError:
            found = AssessmentTemplate.objects.filter(
                agency_id=agency_id, kind=kind, content_hash=digest
            ).first()
            if found:
                return found
    raise RuntimeError("Could not record the template version.")  # pragma: no cover


def domain_labels(template: AssessmentTemplate) -> dict[str, str]:
    return {d["key"]: d["label"] for d in template.content.get("domains", [])}
