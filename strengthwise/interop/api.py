"""FHIR R4 export through the API: the same bundle as `strengthwise export-fhir`."""

from __future__ import annotations

from typing import Any

from ninja import Router

from strengthwise.accounts.access import access_client
from strengthwise.accounts.http import StaffRequest

from . import fhir

router = Router(tags=["FHIR"])


@router.get(
    "/clients/{client_id}/fhir",
    response=dict[str, Any],
    summary="The client's record as a FHIR R4 Bundle (collection)",
)
def client_fhir(request: StaffRequest, client_id: str) -> Any:
    client = access_client(request.user, client_id, request=request, read="client.exported")
    return fhir.client_bundle(client)
