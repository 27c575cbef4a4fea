"""FHIR R4 export through the API: the same bundle as `strengthwise export-fhir`."""

from __future__ import annotations

from typing import Any

from ninja import Router

from strengthwise.accounts.access import access_client
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.schemas import ErrorOut
from strengthwise.referrals.selectors import consent_of

from . import services

router = Router(tags=["FHIR"])


@router.get(
    "/clients/{client_id}/fhir",
    response={200: dict[str, Any], 400: ErrorOut},
    summary="The client's record as a FHIR R4 Bundle (collection)",
)
def client_fhir(request: StaffRequest, client_id: str, consent_id: int | None = None) -> Any:
    """`consent_id`: the export for the organisation that consent names, with only what it
    covers, by category (400 when the consent is not in force today)."""
    client = access_client(request.user, client_id, request=request)
    consent = (
        consent_of(visible_to=request.user, consent_id=consent_id, client=client, request=request)
        if consent_id is not None
        else None
    )
    return services.fhir_export(
        client=client, consent=consent, acting_user=request.user, request=request
    )
