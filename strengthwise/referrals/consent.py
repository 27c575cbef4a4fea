"""The consent gate: nothing leaves the agency without a valid consent that covers the
receiving organisation, the purpose and every kind of information shared. Substance use
information (42 CFR Part 2) needs a consent with every required element, and every disclosure of
it carries the redisclosure notice."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from django.apps import apps
from django.utils.translation import gettext as _

from strengthwise.core.errors import DomainError
from strengthwise.core.text import show_date
from strengthwise.directory.models import Service
from strengthwise.people.models import Client

from .models import Consent, Information


class ConsentRefused(DomainError):
    """No consent allows this disclosure; the message says what is missing."""

    status_code = 400


@cache
def part2_notice() -> str:
    return (Path(__file__).parent / "data" / "part2-notice.txt").read_text().strip()


def part2_missing(consent: Consent) -> list[str]:
    """The 42 CFR § 2.31(a) elements this consent lacks (empty when it is complete)."""
    missing = []
    if consent.organization_id is None:
        missing.append(_("the name of the recipient organisation"))
    if not consent.information_description.strip():
        missing.append(_("a specific description of the information"))
    if consent.valid_until is None and not consent.expiry_event.strip():
        missing.append(_("an expiration date or event"))
    signed = (
        consent.method in (Consent.Method.E_SIGNATURE, Consent.Method.PORTAL)
        and consent.signed_name.strip()
        and consent.signed_at
    ) or (consent.method == Consent.Method.SIGNED_FORM and _has_document(consent))
    if not signed:
        missing.append(_("the client's signature (written or electronic; verbal is not enough)"))
    if consent.signed_at is None and consent.method != Consent.Method.SIGNED_FORM:
        missing.append(_("the date signed"))
    if not consent.right_to_revoke_explained:
        missing.append(_("a statement of the right to revoke"))
    return missing


def _has_document(consent: Consent) -> bool:
    try:
        return consent.document is not None
    except Consent.document.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False


def client_has_portal(client: Client) -> bool:
    """Whether the client signs in to the portal (read through the app registry: the portal
    sits above this app), so a consent can be asked of them there."""
    account = apps.get_model("portal", "PortalAccount")
    return bool(account.objects.filter(client_id=client.pk, active=True).exists())


def awaiting_client(consent: Consent) -> bool:
    """Asked of the client in the portal and not answered yet: not a consent until they agree."""
    return consent.method == Consent.Method.PORTAL and consent.signed_at is None


def status_on(consent: Consent, day: dt.date) -> str:
    """active / not_yet / expired / revoked / pending (asked in the portal, not answered) on
    the given day."""
    if consent.revoked_on and consent.revoked_on <= day:
        return "revoked"
    if awaiting_client(consent):
        return "pending"
    if consent.valid_from > day:
        return "not_yet"
    if consent.valid_until and consent.valid_until < day:
        return "expired"
    return "active"


def covers_recipient(consent: Consent, service: Service) -> bool:
    if consent.organization_id:
        return consent.organization_id == service.organization_id
    if consent.program_id is None or consent.program_id != service.program_id:
        return False
    # A program belongs to one organisation: a service moved to another organisation is not
    # covered by a consent to share with the program's.
    program = service.program
    return program is None or program.organization_id in (None, service.organization_id)


def gate(
    *,
    client: Client,
    service: Service,
    purpose: str,
    information: list[str],
    on: dt.date,
    consents: list[Consent] | None = None,
) -> Consent:
    """Return the consent that allows this disclosure, or raise ConsentRefused saying why the
    closest candidate does not."""
    if not information:
        raise ConsentRefused(
            _("Choose what information the referral shares."),
            field_errors={"information": [_("Choose at least one.")]},
        )
    candidates = (
        consents
        if consents is not None
        else list(
            Consent.objects.filter(client=client)
            .select_related("document", "organization")
            .defer("document__data")
        )
    )
    for_recipient = [c for c in candidates if covers_recipient(c, service)]
    target = service.organization.name if service.organization else service.name
    if not for_recipient:
        raise ConsentRefused(
            _(
                "No consent on record lets us share information with %(org)s. Record the client's consent first; nothing was sent."
            )
            % {"org": target}
        )
    reasons: list[str] = []
    for consent in for_recipient:
        state = status_on(consent, on)
        if state == "revoked":
            reasons.append(
                _("the consent for %(org)s was revoked on %(day)s")
                % {"org": target, "day": show_date(consent.revoked_on)}
            )
            continue
        if state == "expired":
            reasons.append(
                _("the consent for %(org)s expired on %(day)s")
                % {"org": target, "day": show_date(consent.valid_until)}
            )
            continue
        if state == "pending":
            reasons.append(
                _("the consent for %(org)s waits for the client's answer in the portal")
                % {"org": target}
            )
            continue
        if state == "not_yet":
            reasons.append(
                _("the consent for %(org)s starts on %(day)s")
                % {"org": target, "day": show_date(consent.valid_from)}
            )
            continue
        if consent.purpose != purpose:
            reasons.append(
                _("the consent for %(org)s is for “%(purpose)s”")
                % {"org": target, "purpose": consent.get_purpose_display()}
            )
            continue
        uncovered = [i for i in information if i not in consent.information]
        if uncovered:
            labels = ", ".join(str(Information(i).label) for i in uncovered if i in Information)
            reasons.append(_("the consent does not cover: %(what)s") % {"what": labels})
            continue
        if Information.SUBSTANCE_USE in information:
            missing = part2_missing(consent)
            if missing:
                reasons.append(
                    _("substance use information needs a Part 2 consent with %(what)s")
                    % {"what": "; ".join(missing)}
                )
                continue
        return consent
    raise ConsentRefused(
        _("The referral was not sent: %(why)s.") % {"why": "; ".join(dict.fromkeys(reasons))}
    )
