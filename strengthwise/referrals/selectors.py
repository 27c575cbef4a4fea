"""Reads for consent and referrals. Client-owned rows are reached through a client the caller
was already allowed to open (accounts.access); the partner page is reached only by its token."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.core import signing
from django.db.models import Count, QuerySet
from django.utils import timezone

from strengthwise.accounts.access import access_client_object, client_scope_q
from strengthwise.accounts.models import User
from strengthwise.assessments.models import Factor
from strengthwise.audit.services import audit_record
from strengthwise.core import keyset, sensitivity
from strengthwise.core.text import fold
from strengthwise.core.validation import is_uuid
from strengthwise.directory.models import Organization, Program, Service
from strengthwise.people.models import Client
from strengthwise.plans.models import Goal, Step

from . import consent as consent_rules
from . import services, workflow
from .models import Consent, Information, Referral, ServiceDelivery

CONSENT_WARNING_DAYS = 30


class PartnerLinkRefused(Exception):
    """Expired, tampered, re-issued or unknown link: the page answers 404 and says nothing."""


def consents_for(client: Client) -> list[Consent]:
    today = timezone.localdate()
    rows = list(
        Consent.objects.filter(client=client)
        .select_related("organization", "program", "document", "recorded_by")
        .defer("document__data")
    )
    for c in rows:
        c.state = consent_rules.status_on(c, today)  # type: ignore[attr-defined]
        c.part2_missing = consent_rules.part2_missing(c) if c.covers_part2 else []  # type: ignore[attr-defined]
        c.information_labels = information_labels(c.information)  # type: ignore[attr-defined]
    return rows


client_has_portal = consent_rules.client_has_portal


def awaiting_client(client: Client) -> list[Consent]:
    """Consents asked of the client in the portal that they have not answered yet."""
    return [
        c
        for c in Consent.objects.filter(
            client=client,
            method=Consent.Method.PORTAL,
            signed_at__isnull=True,
            revoked_on__isnull=True,
        ).select_related("organization", "program")
    ]


ORGANIZATION_MATCHES = 20


def consent_organization_choices() -> list[tuple[str, str]]:
    """Every organisation a consent may name, as (id, name) for the plain select."""
    return [(str(pk), name) for pk, name in Organization.objects.values_list("id", "name")]


def consent_organization(pk: Any) -> Organization | None:
    """One organisation by id, or None for an empty or malformed id."""
    return Organization.objects.filter(pk=pk).first() if is_uuid(str(pk or "")) else None


def consent_program(pk: Any) -> Program | None:
    return Program.objects.filter(pk=pk).first() if is_uuid(str(pk or "")) else None


def consent_program_choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Program.objects.values_list("id", "name")]


def organizations_matching(query: str, *, limit: int = ORGANIZATION_MATCHES) -> dict[str, Any]:
    """Organisations whose name or other name contains every word typed (accents and case
    ignored), names starting with the first word first: for the consent form's typeahead."""
    words = fold(query.replace("\x00", " "))[:100].split()
    if not words:
        return {"matches": [], "total": Organization.objects.count(), "more": False}
    rows = list(Organization.objects.values_list("id", "name", "alternate_name"))
    found = []
    for pk, name, other in rows:
        text = fold(f"{name} {other}")
        if all(w in text for w in words):
            found.append((not fold(name).startswith(words[0]), name.casefold(), pk, name))
    found.sort()
    return {
        "matches": [{"pk": str(pk), "name": name} for _s, _n, pk, name in found[:limit]],
        "total": len(found),
        "more": len(found) > limit,
    }


def information_labels(keys: list[str]) -> list[str]:
    return [str(Information(k).label) for k in keys if k in Information.values]


def goal_choices(*, client: Client) -> list[tuple[int, str]]:
    """The client's active goals as (id, statement), for the referral and delivery forms."""
    return list(
        Goal.objects.filter(client=client, status=Goal.Status.ACTIVE)
        .order_by("order", "id")
        .values_list("pk", "statement")
    )


def open_step_choices(*, client: Client) -> list[tuple[int, str]]:
    """The client's steps not yet done as (id, text), for the referral form."""
    return list(
        Step.objects.filter(goal__client=client, done_on__isnull=True)
        .order_by("goal_id", "order")
        .values_list("pk", "text")
    )


def service_to_refer(service_id: Any) -> Service | None:
    """A directory service (with its organisation) by id; None for an empty, malformed or
    unknown id. The directory is public: no client scope applies."""
    if not is_uuid(str(service_id or "")):
        return None
    return Service.objects.select_related("organization").filter(pk=service_id).first()


def consents_in_force_for(*, client: Client, service: Service) -> list[Consent]:
    """The client's consents in force today that name the service's organisation or its
    program: what a referral to it could go out under."""
    return [
        c
        for c in consents_for(client)
        if c.state == "active"  # type: ignore[attr-defined]
        and (
            c.organization_id == service.organization_id
            or (c.program_id and c.program_id == service.program_id)
        )
    ]


def consent_of(
    *,
    visible_to: Any,
    consent_id: Any,
    client: Client | None = None,
    write: bool = False,
    request: Any = None,
) -> Consent:
    """A consent through the access gate; with `client`, only one of that client's (else
    404)."""
    consent: Consent = access_client_object(
        visible_to, Consent, consent_id, client=client, write=write, request=request
    )
    return consent


def referral_of(
    *,
    visible_to: Any,
    referral_id: Any,
    client: Client | None = None,
    write: bool = False,
    detailed: bool = True,
    request: Any = None,
) -> Referral:
    """One referral through the access gate, with its relations (`referral_detail`) unless
    `detailed=False`; with `client`, only one of that client's (else 404)."""
    referral: Referral = access_client_object(
        visible_to, Referral, referral_id, client=client, write=write, request=request
    )
    return referral_detail(referral.pk) if detailed else referral


def referral_for_reading(
    *, visible_to: Any, referral_id: Any, client: Client | None = None, request: Any = None
) -> Referral:
    """`referral_of` for a response that shows the referral: the read is audited as
    "referral.viewed" with the referral (not only its client) as the target."""
    referral = referral_of(
        visible_to=visible_to, referral_id=referral_id, client=client, request=request
    )
    audit_record(actor=visible_to, action="referral.viewed", target=referral, request=request)
    return referral


def referrals_for(client: Client) -> QuerySet[Referral]:
    return Referral.objects.filter(client=client).select_related(
        "service", "organization", "goal", "consent", "created_by"
    )


def face_sheet_referrals(*, client: Client, limit: int = 8) -> list[Referral]:
    """The newest referrals for the face sheet: what its list shows (the service's name, the
    status, how helpful) and nothing else — no sealed column opened, no related row built."""
    return list(
        referrals_for(client)
        .exclude(status=workflow.ENTERED_IN_ERROR)
        .select_related(None)
        .select_related("service")
        .only("id", "client_id", "status", "helpful", "service__name")[:limit]
    )


def referral_page(
    *, visible_to: Any, client: Client, limit: int = keyset.DEFAULT_LIMIT, cursor: str = ""
) -> keyset.KeysetPage[Referral]:
    """A page of the referrals of a client the user opened (`access_client`; every referral
    of a client they may see is theirs to see), newest first. Raises keyset.InvalidCursor for
    a cursor this list did not give out."""
    return keyset.keyset_page(
        referrals_for(client),
        order=("-created_at", "-id"),
        scope=f"referrals:{client.pk}",
        limit=limit,
        cursor=cursor,
    )


def deliveries_for(client: Client) -> QuerySet[ServiceDelivery]:
    return ServiceDelivery.objects.filter(client=client).select_related("goal", "referral__service")


def referral_detail(referral_id: int) -> Referral:
    return (
        Referral.objects.select_related(
            "service__organization", "goal", "step", "consent__organization", "client", "created_by"
        )
        .prefetch_related("events__actor")
        .get(pk=referral_id)
    )


def partner_referral(token: str) -> Referral:
    """The one referral a partner link opens, if the link is genuine, current and not
    re-issued."""
    try:
        data = signing.loads(
            token,
            salt=services.PARTNER_SALT,
            max_age=dt.timedelta(days=services.partner_link_days()),
        )
        referral = referral_detail(int(data["r"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Referral.DoesNotExist) as exc:
        raise PartnerLinkRefused from exc
    if not referral.partner_nonce or data.get("n") != referral.partner_nonce:
        raise PartnerLinkRefused
    if (
        referral.partner_link_expires_at is None
        or referral.partner_link_expires_at < timezone.now()
    ):
        raise PartnerLinkRefused
    return referral


def partner_read_record(*, referral: Referral, label: str, request: Any = None) -> None:
    """Audit that the receiving organisation opened its page (the organisation's name as the
    actor: it has no account)."""
    audit_record(
        actor=None,
        actor_label=label,
        action="referral.partner_viewed",
        target=referral,
        request=request,
    )


def partner_may_see(referral: Referral, today: dt.date | None = None) -> bool:
    """Whether the receiving organisation may still see the person's information: the
    referral is open and the consent it went out under is in force today. Otherwise its link
    shows only that the referral is closed."""
    if referral.status in workflow.TERMINAL or referral.consent is None:
        return False
    return consent_rules.status_on(referral.consent, today or timezone.localdate()) == "active"


def partner_view(referral: Referral) -> dict[str, Any]:
    """What the receiving organisation may see: only the kinds of information the referral
    shares, each of which its consent covers, and within them only the items whose protected
    categories (core/sensitivity.py) the consent names too. Part 2 information carries the
    notice. `withheld` counts what the gate kept back, for the worker's preview only — the
    partner's page never says that something was withheld."""
    allowed = set(referral.information)
    if referral.consent is not None:
        allowed &= set(referral.consent.information)
    client = referral.client
    shown: dict[str, Any] = {
        "kinds": [Information(k).label for k in sorted(allowed) if k in Information.values],
        "withheld": [],
    }
    if Information.CONTACT in allowed:
        shown["contact"] = {
            "name": client.display_name,
            "phone": "" if client.do_not_contact else client.phone,
            "email": "" if client.do_not_contact else client.email,
            "preferred_contact": ""
            if client.do_not_contact
            else client.get_preferred_contact_method_display(),
        }
    else:
        # Without consent to share contact details, not even a name goes out; the person
        # gets in touch with the organisation themselves.
        shown["contact"] = {}
    if Information.DEMOGRAPHICS in allowed:
        shown["demographics"] = {
            "date_of_birth": client.date_of_birth,
            "pronouns": client.pronouns,
            "language": client.preferred_language,
        }
    part2_shown = False
    if Information.GOALS in allowed and referral.goal is not None:
        if sensitivity.covered(referral.goal, allowed):
            shown["goal"] = referral.goal
            part2_shown |= referral.goal.part2
        else:
            shown["withheld"].append(referral.goal)
    if Information.STRENGTHS in allowed:
        strengths = []
        for factor in (
            Factor.objects.filter(client=client, valence="strength", active=True)
            .exclude(level="macro")
            .order_by("id")[:20]
        ):
            if sensitivity.covered(factor, allowed):
                strengths.append(factor.description)
                part2_shown |= factor.part2
            else:
                shown["withheld"].append(factor)
        shown["strengths"] = strengths[:8]
    # The worker's note to the organisation is shared information too: it goes only when the
    # consent names every protected category its words suggest.
    note_categories = sensitivity.suggest(referral.request_note) if referral.request_note else []
    if set(note_categories) <= allowed:
        shown["request_note"] = referral.request_note
        part2_shown |= sensitivity.PART2 in note_categories
    else:
        shown["withheld"].append(
            SimpleNamespace(
                description=referral.request_note,
                categories=note_categories,
                categories_confirmed=False,
                category_labels=sensitivity.labels(note_categories),
            )
        )
    if referral.part2 or part2_shown:
        shown["part2_notice"] = consent_rules.part2_notice()
    return shown


def follow_ups(
    user: User, *, client: Client | None = None, today: dt.date | None = None
) -> dict[str, list[Any]]:
    """Derived tasks for the user's clients: referrals still "requested" after the program's
    follow-up days (default 5), and consents that end within 30 days."""
    today = today or timezone.localdate()
    scope = client_scope_q(user, "client__")
    referrals = Referral.objects.filter(scope, status=workflow.REQUESTED).select_related(
        "service", "client__team__program"
    )
    expiring = Consent.objects.filter(
        scope,
        revoked_on__isnull=True,
        valid_until__gte=today,
        valid_until__lte=today + dt.timedelta(days=CONSENT_WARNING_DAYS),
    ).select_related("client", "organization", "program")
    if client is not None:
        referrals = referrals.filter(client=client)
        expiring = expiring.filter(client=client)
    waiting = []
    for r in referrals:
        program = r.client.team.program if r.client.team_id else None
        days = program.referral_follow_up_days if program else 5
        if r.requested_at and (today - timezone.localdate(r.requested_at)).days >= days:
            r.days_waiting = (today - timezone.localdate(r.requested_at)).days  # type: ignore[attr-defined]
            waiting.append(r)
    return {"referrals": waiting, "consents": list(expiring)}


def referral_counts(client: Client) -> dict[str, int]:
    return dict(
        Referral.objects.filter(client=client)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
