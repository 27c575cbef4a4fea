"""Copies of a client's record that leave the agency, each audited: for the client (the right
of access) through their worker or themselves in the portal."""

from __future__ import annotations

import json
from typing import Any

from strengthwise.audit.services import audit_record
from strengthwise.people.models import Client

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
