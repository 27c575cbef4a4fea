"""/api/v1/clients/{id}/messages and /api/v1/clients/{id}/portal-invitation: the staff side of
the portal, with the same services, access and audit as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Router, Schema, Status

from strengthwise.accounts.access import access_client
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.schemas import ErrorOut, InSchema

from . import selectors, services
from .models import Message

router = Router(tags=["portal"])


class MessageIn(InSchema):
    text: str = Field(min_length=1, max_length=services.MESSAGE_MAX)


class MessageOut(Schema):
    id: int
    from_client: bool = Field(description="The client's own words, written in the portal.")
    author: str | None = Field(description="The staff member who wrote it (null: the client).")
    text: str
    sent_at: dt.datetime
    read_at: dt.datetime | None = Field(description="When the other side first opened it.")


class InvitationIn(InSchema):
    email: str = Field(
        default="", max_length=254, description="Send the code here; empty: print it."
    )


class InvitationOut(Schema):
    code: str = Field(description="The one-time code, shown this once (only a digest is kept).")
    expires_at: dt.datetime
    emailed: bool


def _message(m: Message) -> MessageOut:
    return MessageOut(
        id=m.pk,
        from_client=m.from_client,
        author=m.author.username if m.author else None,
        text=m.text,
        sent_at=m.sent_at,
        read_at=m.read_at,
    )


@router.get(
    "/clients/{client_id}/messages",
    response=list[MessageOut],
    summary="The conversation with the client in the portal (reading it marks nothing read)",
)
def message_list(request: StaffRequest, client_id: str) -> Any:
    client = access_client(request.user, client_id, request=request, read="client.viewed")
    return [_message(m) for m in selectors.conversation(client=client)]


@router.post(
    "/clients/{client_id}/messages",
    response={201: MessageOut, 400: ErrorOut},
    summary="Write to the client in the portal (they get one email with a link, never the text)",
)
def message_create(request: StaffRequest, client_id: str, body: MessageIn) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    message = services.message_to_client(
        acting_user=request.user, client=client, text=body.text, request=request
    )
    return Status(201, _message(message))


@router.post(
    "/clients/{client_id}/portal-invitation",
    response={201: InvitationOut, 400: ErrorOut},
    summary="A one-time code for the client's portal sign-in (a newer one replaces any older)",
)
def invitation_create(request: StaffRequest, client_id: str, body: InvitationIn) -> Any:
    client = access_client(request.user, client_id, write=True, request=request)
    # The code is a one-time secret: a retried request may not get it back from storage.
    request.idempotency_withhold = True  # type: ignore[attr-defined]
    invitation, code = services.invitation_create(
        acting_user=request.user, client=client, email=body.email, request=request
    )
    return Status(
        201,
        InvitationOut(code=code, expires_at=invitation.expires_at, emailed=bool(invitation.email)),
    )
