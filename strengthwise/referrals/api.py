"""/api/v1/clients/{id}/referrals, /api/v1/referrals/{id}/transition, /api/v1/clients/{id}/consents:
the same services, consent gate, access and audit as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from uuid import UUID

from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from strengthwise.accounts.access import access_client
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.keyset import link_next
from strengthwise.core.schemas import (
    PAGED,
    PAGED_OPENAPI,
    ErrorOut,
    InSchema,
    PageQuery,
    WhoseWords,
)

from . import consent as consent_rules
from . import selectors, services, workflow
from .models import AS_SIGNATURE, Consent, Referral

router = Router(tags=["referrals"])

InformationKind = Literal[
    "contact",
    "demographics",
    "goals",
    "strengths",
    "household",
    "income",
    "health",
    "substance_use",
]
PurposeKind = Literal["referral", "benefits", "housing", "treatment"]


class ReferralIn(InSchema):
    service_id: UUID
    information: list[InformationKind] = Field(min_length=1)
    purpose: PurposeKind = "referral"
    goal_id: int | None = None
    step_id: int | None = None
    request_note: str = Field(default="", max_length=2000)
    send: bool = True


class TransitionIn(InSchema):
    status: str = Field(max_length=20)
    reason: str = Field(default="", max_length=500)
    outcome: str = Field(default="", max_length=2000)
    side: Literal["requester", "receiver"] = "requester"
    version: int | None = None


class RatingIn(InSchema):
    helpful: int = Field(ge=1, le=5, description="Did this help? 1 = not at all, 5 = a lot.")
    comment: str = Field(default="", max_length=500)
    comment_author: WhoseWords = "client"
    comment_verbatim: bool = False
    rated_by: Literal["client", "worker"] = Field(
        description="`worker`: the worker answering from what the client said."
    )


class RevokeIn(InSchema):
    revoked_on: dt.date | None = Field(default=None, description="Default: today.")
    revoked_by: str = Field(min_length=1, max_length=200, description="Who revoked it.")
    note: str = Field(default="", max_length=2000)


class ConsentIn(InSchema):
    information: list[InformationKind] = Field(min_length=1)
    information_description: str = Field(default="", max_length=1000)
    organization_id: UUID | None = None
    program_id: UUID | None = None
    purpose: PurposeKind = "referral"
    valid_from: dt.date
    valid_until: dt.date | None = None
    expiry_event: str = Field(default="", max_length=300)
    method: Literal["e_signature", "verbal"] = Field(
        description=(
            "How the client gave it: e_signature = the client typed their own name on the "
            "worker's device (signed_name); verbal = agreed aloud before a witness "
            "(witness_name required). A signed paper form is uploaded on the page; 'portal' "
            "is reserved for the client portal."
        )
    )
    signed_name: str = Field(default="", max_length=200)
    witness_name: str = Field(default="", max_length=200)
    right_to_revoke_explained: bool = False


class ReferralOut(Schema):
    id: int
    client_id: int
    service_id: str
    service: str
    organization: str | None
    goal_id: int | None
    step_id: int | None
    consent_id: int | None
    purpose: str
    information: list[str]
    request_note: str
    status: str
    status_reason: str
    allowed_next: list[str] = Field(description="The statuses the workflow allows from here.")
    requested_at: dt.datetime | None
    accepted_at: dt.datetime | None
    finished_at: dt.datetime | None
    outcome: str
    helpful: int | None
    rating_comment: str
    rating_comment_author: str
    rating_comment_verbatim: bool
    rated_by: str
    version: int
    redisclosure_notice: str | None = Field(
        None, description="42 CFR Part 2: the notice that must go with the information."
    )


class ReferralEventOut(Schema):
    from_: str | None = Field(alias="from")
    to: str
    side: str
    reason: str
    by: str
    at: dt.datetime


class ReferralDetailOut(ReferralOut):
    history: list[ReferralEventOut]


class ConsentOut(Schema):
    id: int
    information: list[str]
    information_description: str
    organization_id: str | None
    program_id: str | None
    purpose: str
    valid_from: dt.date
    valid_until: dt.date | None
    expiry_event: str
    method: str
    signature_method: str
    agreement: str
    signed_name: str
    signed_at: dt.datetime | None
    witness_name: str
    has_signed_form: bool
    revoked_on: dt.date | None
    revoked_by: str
    state: str | None = Field(description="active, not_yet, expired, revoked, or pending.")
    part2_complete: bool | None


def referral_out(r: Referral) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": r.pk,
        "client_id": r.client_id,
        "service_id": str(r.service_id),
        "service": r.service.name,
        "organization": r.organization.name if r.organization else None,
        "goal_id": r.goal_id,
        "step_id": r.step_id,
        "consent_id": r.consent_id,
        "purpose": r.purpose,
        "information": r.information,
        "request_note": r.request_note,
        "status": r.status,
        "status_reason": r.status_reason,
        "allowed_next": workflow.allowed_next(r.status),
        "requested_at": r.requested_at,
        "accepted_at": r.accepted_at,
        "finished_at": r.finished_at,
        "outcome": r.outcome,
        "helpful": r.helpful,
        "rating_comment": r.rating_comment,
        "rating_comment_author": r.rating_comment_author,
        "rating_comment_verbatim": r.rating_comment_verbatim,
        "rated_by": r.rated_by,
        "version": r.version,
    }
    if r.part2:
        body["redisclosure_notice"] = consent_rules.part2_notice()
    return body


def consent_out(c: Consent) -> dict[str, Any]:
    return {
        "id": c.pk,
        "information": c.information,
        "information_description": c.information_description,
        "organization_id": str(c.organization_id) if c.organization_id else None,
        "program_id": str(c.program_id) if c.program_id else None,
        "purpose": c.purpose,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "expiry_event": c.expiry_event,
        "method": c.method,
        "signature_method": AS_SIGNATURE.get(c.method, ""),
        "agreement": c.agreement,
        "signed_name": c.signed_name,
        "signed_at": c.signed_at,
        "witness_name": c.witness_name,
        "has_signed_form": c.has_document,
        "revoked_on": c.revoked_on,
        "revoked_by": c.revoked_by,
        "state": getattr(c, "state", None),
        "part2_complete": not consent_rules.part2_missing(c) if c.covers_part2 else None,
    }


@router.get(
    "/clients/{client_id}/referrals",
    response={200: list[ReferralOut], 400: ErrorOut},
    summary="A client's referrals with their status",
    description="Newest first." + PAGED,
    openapi_extra=PAGED_OPENAPI,
)
def referral_list(
    request: StaffRequest, response: HttpResponse, client_id: str, page: Query[PageQuery]
) -> list[dict[str, Any]]:
    client = access_client(request.user, client_id, request=request, read="referrals.viewed")
    found = selectors.referral_page(
        visible_to=request.user, client=client, limit=page.limit, cursor=page.cursor
    )
    link_next(request, response, found.next_cursor)
    return [referral_out(r) for r in found.rows]


@router.post(
    "/clients/{client_id}/referrals",
    response={201: ReferralOut, 400: ErrorOut, 404: ErrorOut},
    summary="Refer to a directory service; sending needs a consent covering it",
)
def referral_create(request: StaffRequest, client_id: str, body: ReferralIn) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    service = selectors.service_to_refer(body.service_id)
    if service is None:
        raise Http404("Not found")
    referral = services.referral_create(
        acting_user=request.user,
        client=client,
        service=service,
        information=list(body.information),
        purpose=body.purpose,
        goal_id=body.goal_id,
        step_id=body.step_id,
        request_note=body.request_note,
        send=body.send,
        request=request,
    )
    return Status(201, referral_out(selectors.referral_detail(referral.pk)))


@router.get(
    "/referrals/{referral_id}",
    response=ReferralDetailOut,
    by_alias=True,
    summary="One referral with its history",
)
def referral_get(request: StaffRequest, referral_id: str) -> dict[str, Any]:
    referral = selectors.referral_for_reading(
        visible_to=request.user, referral_id=referral_id, request=request
    )
    body = referral_out(referral)
    body["history"] = [
        {
            "from": e.from_status or None,
            "to": e.to_status,
            "side": e.side,
            "reason": e.reason,
            "by": e.actor_label,
            "at": e.at,
        }
        for e in referral.events.all()
    ]
    return body


@router.post(
    "/referrals/{referral_id}/transition",
    response={200: ReferralOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    summary="Move a referral; 409 lists the allowed transitions, 403 when your side may not set it",
)
def referral_transition(request: StaffRequest, referral_id: str, body: TransitionIn) -> Any:
    referral = selectors.referral_of(
        visible_to=request.user,
        referral_id=referral_id,
        write=True,
        detailed=False,
        request=request,
    )
    if body.side == workflow.RECEIVER:
        # Staff act for the requesting side; the receiving organisation uses its link.
        raise workflow.SideRefused(
            "Staff set the requester's statuses; the receiving organisation updates its side "
            "through the referral's partner link."
        )
    updated = services.referral_transition(
        referral=referral,
        status=body.status,
        side=workflow.REQUESTER,
        reason=body.reason,
        acting_user=request.user,
        expected_version=body.version,
        request=request,
    )
    return Status(200, referral_out(selectors.referral_detail(updated.pk)))


@router.get(
    "/clients/{client_id}/consents",
    response=list[ConsentOut],
    summary="A client's consents and their state",
)
def consent_list(request: StaffRequest, client_id: str) -> list[dict[str, Any]]:
    client = access_client(request.user, client_id, request=request, read="consents.viewed")
    return [consent_out(c) for c in selectors.consents_for(client)]


@router.post(
    "/clients/{client_id}/consents",
    response={201: ConsentOut, 400: ErrorOut, 404: ErrorOut},
    summary="Record a consent given electronically or verbally (uploads: use the page)",
)
def consent_create(request: StaffRequest, client_id: str, body: ConsentIn) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    fields = body.dict()
    org_id, program_id = fields.pop("organization_id"), fields.pop("program_id")
    fields["organization"] = selectors.consent_organization(org_id)
    fields["program"] = selectors.consent_program(program_id)
    if (org_id and fields["organization"] is None) or (program_id and fields["program"] is None):
        raise Http404("Not found")
    consent = services.consent_record(
        acting_user=request.user, client=client, fields=fields, request=request
    )
    return Status(201, consent_out(consent))


@router.post(
    "/referrals/{referral_id}/rating",
    response={200: ReferralOut, 400: ErrorOut},
    summary="Did this help? The client's answer (1–5) to a finished referral, in their words",
)
def referral_rating(request: StaffRequest, referral_id: str, body: RatingIn) -> Any:
    referral = selectors.referral_of(
        visible_to=request.user, referral_id=referral_id, write=True, request=request
    )
    services.referral_rate(
        acting_user=request.user, referral=referral, **body.dict(), request=request
    )
    return Status(200, referral_out(selectors.referral_detail(referral.pk)))


@router.post(
    "/consents/{consent_id}/revoke",
    response={200: ConsentOut, 400: ErrorOut},
    summary="Revoke a consent: nothing more goes out under it, its partner links go blank",
)
def consent_revoke(request: StaffRequest, consent_id: str, body: RevokeIn) -> Any:
    consent = selectors.consent_of(
        visible_to=request.user, consent_id=consent_id, write=True, request=request
    )
    revoked = services.consent_revoke(
        acting_user=request.user,
        consent=consent,
        revoked_on=body.revoked_on or timezone.localdate(),
        revoked_by=body.revoked_by,
        note=body.note,
        request=request,
    )
    revoked.state = consent_rules.status_on(revoked, timezone.localdate())  # type: ignore[attr-defined]
    return Status(200, consent_out(revoked))
