"""Copies of a client's record that leave the agency, each audited: for the client (the right
of access) through their worker or themselves in the portal."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from strengthwise.audit.services import audit_record
from strengthwise.core.errors import DomainError
from strengthwise.core.text import show_date
from strengthwise.people.models import Client
from strengthwise.referrals import consent as consent_rules
from strengthwise.referrals.models import Consent

FORMATS = ("json", "pdf")


def record_copy_for(
    *,
    client: Client,
    fmt: str,
    acting_user: Any = None,
    actor_label: str = "",
    request: Any = None,
) -> tuple[bytes, str]:
    """(content, content type) of the client's copy in `fmt`; audited as an export by staff
    ("client.exported", which the client's access log shows) or as the client's own download
    ("portal.record_downloaded", which it does not)."""
    from .record_copy import record_copy, record_pdf  # fpdf only when a copy is made

    copy = record_copy(client)
    if fmt == "pdf":
        content, content_type = record_pdf(client, copy), "application/pdf"
    else:
        content = json.dumps(copy, ensure_ascii=False, indent=2).encode()
        content_type = "application/json"
    audit_record(
        actor=acting_user,
        actor_label=actor_label,
        action="client.exported" if acting_user is not None else "portal.record_downloaded",
        target=client,
        changes={"format": [None, f"record copy ({fmt})"]},
        request=request,
    )
    return content, content_type


def fhir_export(
    *,
    client: Client,
    consent: Consent | None = None,
    acting_user: Any = None,
    actor_label: str = "",
    request: Any = None,
) -> dict[str, Any]:
    """The client's record as a FHIR R4 Bundle, audited ("client.exported", which the client's
    access log shows). With `consent` (one of this client's): the export for the organisation it
    names, only what it covers (`fhir.client_bundle`); refused unless it is in force today."""
    from . import fhir

    if consent is not None:
        if consent.client_id != client.pk:
            raise DomainError(_("That consent is not one of this client's."))
        state = consent_rules.status_on(consent, timezone.localdate())
        if state != "active":
            why = {
                "revoked": _("it was revoked on %(day)s") % {"day": show_date(consent.revoked_on)},
                "expired": _("it expired on %(day)s") % {"day": show_date(consent.valid_until)},
                "not_yet": _("it starts on %(day)s") % {"day": show_date(consent.valid_from)},
                "pending": _("it waits for the client's answer in the portal"),
            }[state]
            raise DomainError(
                _("Nothing was exported: this consent is not in force today (%(why)s).")
                % {"why": why}
            )
    bundle = fhir.client_bundle(client, consent=consent)
    audit_record(
        actor=acting_user,
        actor_label=actor_label,
        action="client.exported",
        target=client,
        changes={
            "format": [None, "fhir-r4"],
            **({"consent": [None, consent.pk]} if consent is not None else {}),
        },
        request=request,
    )
    return bundle
