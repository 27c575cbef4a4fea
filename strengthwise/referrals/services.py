"""Writes for consent, referrals and services delivered. Each write is one transaction with its
audit event. The receiving organisation acts through a signed, expiring, single-referral link
(no account): its changes are audited with the organisation's name as the actor label."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from strengthwise.accounts.models import User
from strengthwise.assessments.models import Author
from strengthwise.audit.services import audit_record, changed_fields, plain
from strengthwise.core.errors import Conflict, DomainError, ValidationFailed
from strengthwise.core.validation import parse_id, refuse_nul, validated
from strengthwise.directory.models import Service, ServiceRating
from strengthwise.people.models import Client
from strengthwise.plans.models import Goal, Step
from strengthwise.plans.signatures import MAX_DOCUMENT_BYTES as MAX_DOCUMENT_BYTES
from strengthwise.plans.signatures import clean_filename, upload_problem

from . import consent as consent_rules
from . import workflow
from .models import (
    STAFF_METHODS,
    Consent,
    ConsentDocument,
    Information,
    Referral,
    ReferralEvent,
    ServiceDelivery,
)

CONSENT_FIELDS = (
    "information",
    "information_description",
    "organization",
    "program",
    "purpose",
    "discloser",
    "valid_from",
    "valid_until",
    "expiry_event",
    "method",
    "signed_name",
    "witness_name",
    "right_to_revoke_explained",
)
PARTNER_SALT = "strengthwise.referrals.partner-link"


# --- consent --------------------------------------------------------------------------------


def consent_record(
    *,
    acting_user: User,
    client: Client,
    fields: Mapping[str, Any],
    document: Any = None,
    request: Any = None,
) -> Consent:
    """Record a consent as given. An e-signature is stamped now; a verbal consent needs a
    witness; a signed form needs its upload (PDF, JPEG or PNG, up to 5 MB)."""
    refuse_nul(fields)
    values = {k: fields[k] for k in CONSENT_FIELDS if k in fields}
    values["information"] = sorted(set(values.get("information") or []))
    unknown = [i for i in values["information"] if i not in Information.values]
    errors: dict[str, list[str]] = {}
    if unknown:
        errors["information"] = [
            _("Unknown kind of information: %(kinds)s") % {"kinds": ", ".join(unknown)}
        ]
    elif not values["information"]:
        errors["information"] = [_("Choose what may be shared.")]
    if bool(values.get("organization")) == bool(values.get("program")):
        errors["organization"] = [_("Name one organisation, or one program of services.")]
    method = values.get("method")
    for name in ("signed_name", "witness_name"):
        values[name] = " ".join(str(values.get(name) or "").split())
    asking = method == Consent.Method.PORTAL
    if asking and not consent_rules.client_has_portal(client):
        errors["method"] = [_("The client has no portal sign-in: invite them first.")]
    elif method not in STAFF_METHODS and not asking:
        # Staff record how a consent was given; only the client gives one in the portal, and
        # staff may only ask for it there (it is not a consent until the client agrees).
        errors["method"] = [_("Choose how the client gave it.")]
    elif method == Consent.Method.VERBAL and not values["witness_name"]:
        errors["witness_name"] = [_("A verbal consent needs the name of a witness.")]
    elif method == Consent.Method.E_SIGNATURE and not values["signed_name"]:
        errors["signed_name"] = [_("The client types their own name to agree.")]
    elif method == Consent.Method.SIGNED_FORM and document is None:
        errors["document"] = [_("Upload the signed form.")]
    # Keep only what belongs to the way it was given: a typed name is the client's own act.
    if method != Consent.Method.E_SIGNATURE:
        values["signed_name"] = ""
    if method != Consent.Method.VERBAL:
        values["witness_name"] = ""
    valid_until = values.get("valid_until")
    if valid_until and values.get("valid_from") and valid_until < values["valid_from"]:
        errors["valid_until"] = [_("The end date is before the start date.")]
    if valid_until is None and not str(values.get("expiry_event", "")).strip():
        errors["valid_until"] = [_("Give an end date, or the event that ends the consent.")]
    blob = b""
    if document is not None and method == Consent.Method.SIGNED_FORM:
        problem, blob = upload_problem(document)
        if problem:
            errors["document"] = [problem]
    else:
        document = None
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), field_errors=errors)
    consent = Consent(agency_id=client.agency_id, client=client, recorded_by=acting_user, **values)
    if method == Consent.Method.E_SIGNATURE:
        consent.signed_at = timezone.now()
    if not consent.discloser:
        consent.discloser = client.agency.name
    validated(consent)
    with transaction.atomic():
        consent.save()
        if document is not None:
            ConsentDocument.objects.create(
                consent=consent,
                filename=clean_filename(str(getattr(document, "name", "") or "")),
                content_type=document.content_type,
                size=len(blob),
                sha256=hashlib.sha256(blob).hexdigest(),
                data=blob,
            )
        audit_record(
            actor=acting_user,
            action="consent.requested" if asking else "consent.recorded",
            target=consent,
            changes={k: [None, plain(getattr(consent, k))] for k in CONSENT_FIELDS},
            request=request,
        )
    return consent


def consent_client_answer(
    *,
    consent: Consent,
    agree: bool,
    signed_name: str,
    actor_label: str,
    request: Any = None,
) -> Consent:
    """The client answers, in the portal, a consent their worker asked of them: agreeing signs
    it with their own account (it is in force from then on); saying no closes it, and nothing
    is ever shared under it."""
    with transaction.atomic():
        locked = Consent.objects.select_for_update(no_key=True).get(pk=consent.pk)
        if not consent_rules.awaiting_client(locked) or locked.revoked_on:
            raise DomainError(_("This consent was already answered."))
        if agree:
            Consent.objects.filter(pk=locked.pk).update(
                signed_name=signed_name,
                signed_at=timezone.now(),
                right_to_revoke_explained=True,  # the portal says so beside the button
                version=locked.version + 1,
                updated_at=timezone.now(),
            )
        else:
            Consent.objects.filter(pk=locked.pk).update(
                revoked_on=timezone.localdate(),
                revoked_by=_("the client said no, in the portal"),
                version=locked.version + 1,
                updated_at=timezone.now(),
            )
        audit_record(
            actor=None,
            actor_label=actor_label,
            action="consent.given" if agree else "consent.refused",
            target=locked,
            agency_id=locked.agency_id,
            request=request,
        )
    consent.refresh_from_db()
    return consent


def consent_document_open(
    *, acting_user: User, consent: Consent, request: Any = None
) -> ConsentDocument | None:
    """The uploaded signed form of a consent the caller has already fetched through the access
    gate; the download is audited."""
    document = ConsentDocument.objects.filter(consent=consent).first()
    if document is not None:
        audit_record(
            actor=acting_user,
            action="consent.document_viewed",
            target=consent,
            changes={"sha256": [None, document.sha256]},
            request=request,
        )
    return document


def consent_revoke(
    *,
    acting_user: User | None,
    consent: Consent,
    revoked_on: dt.date,
    revoked_by: str,
    note: str = "",
    request: Any = None,
    actor_label: str = "",
) -> Consent:
    """Record that the client withdrew the consent. Referrals already sent keep their history;
    nothing new goes out under it from that day, and their partner links show nothing more
    (`selectors.partner_may_see`). The client withdraws one in the portal (`acting_user` None,
    `actor_label` naming them)."""
    refuse_nul({"revoked_by": revoked_by, "note": note})
    if consent.revoked_on:
        raise DomainError(
            _("This consent was already revoked on %(day)s.")
            % {"day": date_format(consent.revoked_on, "SHORT_DATE_FORMAT")}
        )
    if not revoked_by.strip():
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"revoked_by": [_("Say who revoked it (usually the client).")]},
        )
    if revoked_on > timezone.localdate():
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"revoked_on": [_("The date cannot be in the future.")]},
        )
    with transaction.atomic():
        updated = Consent.objects.filter(pk=consent.pk, revoked_on__isnull=True).update(
            revoked_on=revoked_on,
            revoked_by=revoked_by.strip(),
            revocation_note=note.strip(),
            version=consent.version + 1,
            updated_at=timezone.now(),
        )
        if not updated:
            raise DomainError(_("This consent was already revoked."))
        consent.refresh_from_db()
        audit_record(
            actor=acting_user,
            actor_label=actor_label,
            action="consent.revoked",
            target=consent,
            agency_id=consent.agency_id,
            changes={
                "revoked_on": [None, revoked_on.isoformat()],
                "revoked_by": [None, revoked_by],
            },
            request=request,
        )
    return consent


# --- referrals ------------------------------------------------------------------------------


def referral_create(
    *,
    acting_user: User,
    client: Client,
    service: Service,
    information: list[str],
    purpose: str = "referral",
    goal: Goal | None = None,
    step: Step | None = None,
    goal_id: Any = None,
    step_id: Any = None,
    request_note: str = "",
    send: bool = True,
    request: Any = None,
) -> Referral:
    """Start a referral from a goal or step to a directory service. Sending it (status
    "requested") needs a valid consent; a draft waits until it is sent.

    The page and the API pass `goal_id` / `step_id` as typed: they are looked up among this
    client's goals and steps, and an unknown one is refused on its field ("goal", "step")."""
    refuse_nul({"request_note": request_note})
    information = sorted(set(information))
    if goal is None and goal_id is not None:
        goal = _client_goal(client, goal_id)
    if step is None and step_id is not None:
        step = _client_step(client, step_id)
    if goal is not None and goal.client_id != client.pk:
        raise DomainError(_("That goal belongs to someone else."))
    if step is not None and step.goal.client_id != client.pk:
        raise DomainError(_("That step belongs to someone else."))
    if step is not None and goal is None:
        goal = step.goal
    if service.status != Service.Status.ACTIVE:
        raise DomainError(
            _("%(service)s is %(status)s; choose an active service.")
            % {"service": service.name, "status": service.get_status_display().lower()}
        )
    referral = Referral(
        agency_id=client.agency_id,
        client=client,
        goal=goal,
        step=step,
        service=service,
        organization_id=service.organization_id,
        purpose=purpose,
        information=information,
        request_note=request_note.strip(),
        created_by=acting_user,
    )
    validated(referral, exclude=["consent", "status"])
    with transaction.atomic():
        if send:
            referral.consent = consent_rules.gate(
                client=client,
                service=service,
                purpose=purpose,
                information=information,
                on=timezone.localdate(),
            )
        referral.status = workflow.DRAFT
        referral.save()
        audit_record(
            actor=acting_user,
            action="referral.created",
            target=referral,
            changes={
                "service": [None, str(service.pk)],
                "information": [None, information],
                "goal": [None, goal.pk if goal else None],
            },
            request=request,
        )
        if send:
            _move(referral, workflow.REQUESTED, workflow.REQUESTER, "", acting_user, "", request)
        else:
            _log(referral, "", workflow.DRAFT, workflow.REQUESTER, "", acting_user, "")
    return referral


def _client_goal(client: Client, goal_id: Any) -> Goal:
    """One of this client's goals by the id a user typed; an unknown id is a field error."""
    pk = parse_id(goal_id)
    goal = Goal.objects.filter(client=client, pk=pk).first() if pk is not None else None
    if goal is None:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"goal": [_("Choose one of this person's goals.")]},
        )
    return goal


def _client_step(client: Client, step_id: Any) -> Step:
    """One of this client's steps by the id a user typed; an unknown id is a field error."""
    pk = parse_id(step_id)
    step = (
        Step.objects.select_related("goal").filter(goal__client=client, pk=pk).first()
        if pk is not None
        else None
    )
    if step is None:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"step": [_("Choose one of the steps of this person's goals.")]},
        )
    return step


def referral_transition(
    *,
    referral: Referral,
    status: str,
    side: str,
    reason: str = "",
    outcome: str = "",
    acting_user: User | None = None,
    partner_label: str = "",
    expected_version: int | None = None,
    request: Any = None,
) -> Referral:
    """Move a referral along the workflow. The requester side is a signed-in worker; the
    receiver side is the organisation through its link (or a worker recording what the
    organisation said — then `side` is still "receiver" and the worker is the actor)."""
    refuse_nul({"reason": reason, "outcome": outcome})
    if side == workflow.REQUESTER and acting_user is None:
        raise workflow.SideRefused(_("Only the referring worker sets this status."))
    with transaction.atomic():
        current = Referral.objects.select_for_update(no_key=True).get(pk=referral.pk)
        if expected_version is not None and current.version != expected_version:
            raise Conflict(
                _("The referral changed since you loaded it (it is now “%(status)s”).")
                % {"status": current.get_status_display()},
                current={"status": current.status, "version": current.version},
                attempted={"status": status, "version": expected_version},
            )
        workflow.check(current.status, status, side, reason)
        if status == workflow.REQUESTED:
            current.consent = consent_rules.gate(
                client=current.client,
                service=current.service,
                purpose=current.purpose,
                information=current.information,
                on=timezone.localdate(),
            )
        if outcome.strip():
            current.outcome = outcome.strip()
        _move(current, status, side, reason, acting_user, partner_label, request)
    referral.refresh_from_db()
    return referral


def _move(
    referral: Referral,
    status: str,
    side: str,
    reason: str,
    acting_user: User | None,
    partner_label: str,
    request: Any,
) -> None:
    now = timezone.now()
    before = referral.status
    referral.status = status
    referral.status_reason = reason.strip()
    referral.status_changed_at = now
    if status == workflow.REQUESTED:
        referral.requested_at = now
        referral.partner_nonce = secrets.token_hex(8)
        referral.partner_link_expires_at = now + dt.timedelta(days=partner_link_days())
    if status == workflow.ACCEPTED:
        referral.accepted_at = now
    if status in workflow.TERMINAL:
        referral.finished_at = now
    referral.version += 1
    referral.save()
    _log(referral, before, status, side, reason, acting_user, partner_label)
    audit_record(
        actor=acting_user,
        actor_label=partner_label,
        action="referral.status_changed",
        target=referral,
        changes={
            "status": [before or None, status],
            "side": [None, side],
            "reason": [None, reason],
        },
        request=request,
    )


def _log(
    referral: Referral,
    before: str,
    status: str,
    side: str,
    reason: str,
    acting_user: User | None,
    partner_label: str,
) -> None:
    ReferralEvent.objects.create(
        referral=referral,
        from_status=before,
        to_status=status,
        side=side,
        reason=reason.strip(),
        actor=acting_user,
        actor_label=acting_user.label if acting_user else partner_label,
        at=timezone.now(),
    )


def partner_link_days() -> int:
    return int(getattr(settings, "STRENGTHWISE_PARTNER_LINK_DAYS", 30))


def partner_token(referral: Referral) -> str:
    """The secret part of the receiving organisation's link: signed, bound to this referral and
    to the nonce issued when it was sent (re-issuing the link invalidates the old one)."""
    if not referral.partner_nonce:
        raise DomainError(_("This referral has not been sent, so it has no partner link."))
    return signing.dumps({"r": referral.pk, "n": referral.partner_nonce}, salt=PARTNER_SALT)


def partner_link_reissue(*, acting_user: User, referral: Referral, request: Any = None) -> str:
    """A fresh link (the old one stops working), valid for another STRENGTHWISE_PARTNER_LINK_DAYS."""
    if not referral.partner_nonce:
        raise DomainError(_("This referral has not been sent, so it has no partner link."))
    if referral.status in workflow.TERMINAL:
        raise DomainError(_("This referral is closed; it needs no new link."))
    if (
        referral.consent is None
        or consent_rules.status_on(referral.consent, timezone.localdate()) != "active"
    ):
        raise DomainError(
            _("The consent this referral was sent under is no longer in force; no new link.")
        )
    with transaction.atomic():
        referral.partner_nonce = secrets.token_hex(8)
        referral.partner_link_expires_at = timezone.now() + dt.timedelta(days=partner_link_days())
        referral.save(update_fields=["partner_nonce", "partner_link_expires_at", "updated_at"])
        audit_record(
            actor=acting_user, action="referral.link_reissued", target=referral, request=request
        )
    return partner_token(referral)


def referral_rate(
    *,
    acting_user: User | None,
    referral: Referral,
    helpful: int,
    comment: str = "",
    rated_by: str = Referral.RatedBy.CLIENT,
    comment_author: str = Author.CLIENT,
    comment_verbatim: bool = False,
    request: Any = None,
    actor_label: str = "",
) -> Referral:
    """The client's answer to "did this help?" (1–5 and their words) for a finished referral.
    It also shows, without the client's name, on the service in the directory. The comment
    records whose words it is and whether they are exact. The client answers in the portal
    themselves (`acting_user` None, `actor_label` naming them)."""
    refuse_nul({"comment": comment})
    if not referral.finished:
        raise DomainError(_("A referral can be rated once it is finished."))
    if helpful not in (1, 2, 3, 4, 5):
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"helpful": [_("Choose 1 to 5.")]},
        )
    if rated_by not in Referral.RatedBy.values:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"rated_by": [_("Choose who is answering.")]},
        )
    if comment_author not in Author.values:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"comment_author": [_("Choose whose words these are.")]},
        )
    words = ("helpful", "rating_comment", "rated_by", "rating_comment_author")
    with transaction.atomic():
        keys = (*words, "rating_comment_verbatim")
        # A first answer records every value (the defaults are nobody's answer yet).
        before = {k: getattr(referral, k) if referral.rated_at else None for k in keys}
        referral.helpful = helpful
        referral.rating_comment = comment.strip()
        referral.rated_by = rated_by
        referral.rating_comment_author = comment_author
        referral.rating_comment_verbatim = bool(comment_verbatim) and bool(referral.rating_comment)
        referral.rated_at = timezone.now()
        referral.save(update_fields=[*words, "rating_comment_verbatim", "rated_at", "updated_at"])
        ServiceRating.objects.update_or_create(
            referral_id=referral.pk,
            defaults={
                "service_id": referral.service_id,
                "agency_id": referral.agency_id,
                "helpful": helpful,
                "comment": comment.strip(),
                "recorded_by": acting_user,
            },
        )
        audit_record(
            actor=acting_user,
            actor_label=actor_label,
            action="referral.rated",
            target=referral,
            changes=changed_fields(
                before,
                {k: getattr(referral, k) for k in keys},
            ),
            request=request,
        )
    return referral


# --- services delivered ---------------------------------------------------------------------

DELIVERY_FIELDS = (
    "goal",
    "referral",
    "what",
    "delivered_by",
    "delivered_on",
    "units",
    "unit",
    "note",
)


def delivery_add(
    *,
    acting_user: User,
    client: Client,
    fields: Mapping[str, Any],
    goal_id: Any = None,
    request: Any = None,
) -> ServiceDelivery:
    """Record a service delivered to the client, toward one of their goals (`fields["goal"]`,
    or `goal_id` as typed: looked up among this client's goals, a field error when unknown)."""
    refuse_nul(fields)
    values = {k: fields[k] for k in DELIVERY_FIELDS if k in fields}
    if values.get("goal") is None and goal_id is not None:
        values["goal"] = _client_goal(client, goal_id)
    goal = values.get("goal")
    if goal is not None and goal.client_id != client.pk:
        raise DomainError(_("That goal belongs to someone else."))
    referral = values.get("referral")
    if referral is not None and referral.client_id != client.pk:
        raise DomainError(_("That referral belongs to someone else."))
    day = values.get("delivered_on")
    if day and day > timezone.localdate():
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"delivered_on": [_("The date cannot be in the future.")]},
        )
    delivery = ServiceDelivery(
        agency_id=client.agency_id, client=client, recorded_by=acting_user, **values
    )
    if not delivery.delivered_by:
        delivery.delivered_by = acting_user.label
    validated(delivery)
    with transaction.atomic():
        delivery.save()
        audit_record(
            actor=acting_user,
            action="service_delivery.recorded",
            target=delivery,
            changes={k: [None, plain(getattr(delivery, k))] for k in DELIVERY_FIELDS},
            request=request,
        )
    return delivery
