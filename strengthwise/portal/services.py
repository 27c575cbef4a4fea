"""What happens through the portal: invitations, setting up and signing in to an account, and
what the client does for themselves (marking their own steps done, withdrawing a consent).

Everything a client does is audited like a staff action, with the client as the actor
(`actor_label`, no staff user); the access log (`people.selectors.access_log`) shows the client
what staff and partners did, and their own actions apart."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override
from django_otp.oath import TOTP

from strengthwise.accounts.models import User
from strengthwise.assessments import selectors as assessment_selectors
from strengthwise.assessments import services as assessment_services
from strengthwise.assessments.models import Author
from strengthwise.audit.services import CLIENT_IN_PORTAL, audit_record, client_address
from strengthwise.core.errors import Conflict, DomainError, ValidationFailed
from strengthwise.core.mail import SECRET_HEADER
from strengthwise.core.validation import refuse_nul
from strengthwise.notes import services as notes_services
from strengthwise.outcomes import services as outcome_services
from strengthwise.outcomes.models import Closure
from strengthwise.people.models import Client
from strengthwise.people.services import lock_open_record
from strengthwise.plans import services as plan_services
from strengthwise.plans.models import SignatureMethod, Step
from strengthwise.referrals import services as referral_services
from strengthwise.referrals.models import Consent, Referral

from .models import Message, PortalAccount, PortalInvitation, SignInFailure

# Letters and digits that cannot be mistaken for one another when read off paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
MAX_FAILURES = 10
LOCKOUT = dt.timedelta(minutes=15)
# Failures from one address in LOCKOUT before it rests: generous, because the clients of a
# shelter or a library share one address, but a stop to guessing many names from one place.
MAX_ADDRESS_FAILURES = 50


class SignInRefused(DomainError):
    status_code = 400


def actor_label(client: Client) -> str:
    """How the audit trail names a client acting for themselves."""
    return f"{client.display_name} {CLIENT_IN_PORTAL}"


def _audit_own(account: PortalAccount, action: str, request: Any) -> None:
    """An event about the client's own portal account, with the client as the actor."""
    audit_record(
        actor=None,
        actor_label=actor_label(account.client),
        action=action,
        target=account,
        client_id=account.client_id,
        agency_id=account.agency_id,
        request=request,
    )


def _digest(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch in CODE_ALPHABET)
    return hashlib.sha256(f"{settings.SECRET_KEY}:portal:{normalised}".encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def invitation_create(
    *, acting_user: User, client: Client, email: str = "", request: Any = None
) -> tuple[PortalInvitation, str]:
    """A new one-time code for `client` (shown once, to print or to send by email); any older
    open invitation stops working. A client who lost their password gets a new invitation."""
    refuse_nul({"email": email})
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationFailed(
                _("Please correct the errors below."),
                field_errors={"email": [_("Enter a valid email address.")]},
            ) from exc
    now = timezone.now()
    code = _new_code()
    with transaction.atomic():
        PortalInvitation.objects.filter(
            client=client, used_at__isnull=True, withdrawn_at__isnull=True
        ).update(withdrawn_at=now)
        invitation = PortalInvitation.objects.create(
            agency_id=client.agency_id,
            client=client,
            code_digest=_digest(code),
            email=email,
            created_by=acting_user,
            expires_at=now + dt.timedelta(days=settings.STRENGTHWISE_PORTAL_INVITATION_DAYS),
        )
        audit_record(
            actor=acting_user,
            action="portal.invited",
            target=invitation,
            client_id=client.pk,
            changes={"by": [None, "email" if email else "print"]},
            request=request,
        )
    if email:
        try:
            _send_invitation(client, email, code, request)
        except OSError:  # the mail server refused: the code still works, printed instead
            invitation.email = ""
    return invitation, code


def _send_invitation(client: Client, email: str, code: str, request: Any) -> None:
    """The message names nobody but the client's first name and says nothing about them."""
    link = reverse("portal:start")
    if request is not None:
        link = request.build_absolute_uri(link)
    language = client.preferred_language if client.preferred_language in ("en", "es") else "en"
    with override(language):
        subject = _("Your Strengthwise sign-in")
        body = ngettext(
            "Hello %(name)s,\n\nYour case worker invited you to see your plan online. "
            "Open %(link)s and type this code: %(code)s\n\nThe code works once, for "
            "%(days)s day.",
            "Hello %(name)s,\n\nYour case worker invited you to see your plan online. "
            "Open %(link)s and type this code: %(code)s\n\nThe code works once, for "
            "%(days)s days.",
            settings.STRENGTHWISE_PORTAL_INVITATION_DAYS,
        ) % {
            "name": client.preferred_name or client.legal_first_name,
            "link": link,
            "code": code,
            "days": settings.STRENGTHWISE_PORTAL_INVITATION_DAYS,
        }
    EmailMessage(subject, body, to=[email], headers={SECRET_HEADER: "yes"}).send()


def _open_invitation(code: str) -> PortalInvitation:
    invitation = (
        PortalInvitation.objects.select_for_update(no_key=True)
        .select_related("client")
        .filter(code_digest=_digest(code or ""))
        .first()
    )
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.withdrawn_at is not None
        or invitation.expires_at < timezone.now()
    ):
        raise ValidationFailed(
            _(
                "That code does not work. It may be mistyped, used or too old: ask your worker for a new one."
            ),
            field_errors={"code": [_("That code does not work.")]},
        )
    return invitation


def invitation_accept(
    *, code: str, login: str, password: str, request: Any = None
) -> PortalAccount:
    """Set up the client's account with a valid code: their sign-in name and password. With a
    later code the same account gets a new password (recovery). The code works once."""
    refuse_nul({"login": login, "password": password})
    login = " ".join(login.split()).lower()
    if not 3 <= len(login) <= 150:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"login": [_("Choose a sign-in name of 3 to 150 characters.")]},
        )
    if address_resting(request):
        raise _refused()
    try:
        with transaction.atomic():
            return _accept(code, login, password, request)
    except ValidationFailed as error:
        if "code" in (error.field_errors or {}):
            _note_address_failure(request)
        raise


def _accept(code: str, login: str, password: str, request: Any) -> PortalAccount:
    """The set-up itself, inside the caller's transaction."""
    invitation = _open_invitation(code)
    client = invitation.client
    account = PortalAccount.objects.filter(client=client).first()
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValidationFailed(
            _("Please correct the errors below."), field_errors={"password": list(exc.messages)}
        ) from exc
    taken = PortalAccount.objects.filter(login=login).exclude(client=client).exists()
    if taken:
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"login": [_("That sign-in name is taken: choose another.")]},
        )
    if account is None:
        account = PortalAccount(agency_id=client.agency_id, client=client)
    account.login = login
    account.password = make_password(password)
    # A new code from the worker is also how a lost phone is recovered: the code app goes.
    account.totp_key, account.totp_confirmed, account.totp_last_step = "", False, -1
    account.active = True
    account.failed_sign_ins = 0
    account.failed_codes = 0
    account.locked_until = None
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:  # the same name taken at the same moment
        raise ValidationFailed(
            _("Please correct the errors below."),
            field_errors={"login": [_("That sign-in name is taken: choose another.")]},
        ) from exc
    PortalInvitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    account.client = client
    _audit_own(account, "portal.account_set_up", request)
    return account


def _refused() -> SignInRefused:
    # One answer for every refusal — unknown name, wrong password, an account resting after
    # too many tries — so that the page never tells whether someone has an account.
    return SignInRefused(
        _(
            "That did not work. Check your sign-in name and password; after many tries, wait "
            "15 minutes or ask your worker for a new code."
        )
    )


def _count_failure(account_id: int, field: str, request: Any, action: str) -> None:
    """Add one failure under a row lock (parallel guesses each count); MAX_FAILURES in a row
    rest the account for LOCKOUT. Audited."""
    with transaction.atomic():
        account = (
            PortalAccount.objects.select_for_update(no_key=True)
            .select_related("client")
            .get(pk=account_id)
        )
        failures = getattr(account, field) + 1
        locked = failures >= MAX_FAILURES
        setattr(account, field, 0 if locked else failures)
        if locked:
            account.locked_until = timezone.now() + LOCKOUT
        account.save(update_fields=[field, "locked_until", "updated_at"])
        _audit_own(account, "portal.locked_out" if locked else action, request)


def address_resting(request: Any) -> bool:
    """Whether the request's address has failed MAX_ADDRESS_FAILURES times in LOCKOUT."""
    address = client_address(request)
    if address is None:
        return False
    since = timezone.now() - LOCKOUT
    recent = SignInFailure.objects.filter(address=address, at__gte=since)
    return recent.count() >= MAX_ADDRESS_FAILURES


def _note_address_failure(request: Any) -> None:
    """One more failure from the request's address (failures older than LOCKOUT go, whatever
    their address: none is kept longer); the failure that makes the address rest is audited."""
    address = client_address(request)
    if address is None:
        return
    since = timezone.now() - LOCKOUT
    with transaction.atomic():
        SignInFailure.objects.filter(at__lt=since).delete()  # no address is kept longer
        SignInFailure.objects.create(address=address)
        if SignInFailure.objects.filter(address=address).count() == MAX_ADDRESS_FAILURES:
            audit_record(
                actor=None,
                actor_label=_("portal sign-in"),
                action="portal.address_locked_out",
                target_type="address",
                target_id=address,
                request=request,
            )


def sign_in(*, login: str, password: str, request: Any = None) -> PortalAccount:
    """The account for this name and password. MAX_FAILURES wrong passwords in a row rest the
    account for LOCKOUT, and MAX_ADDRESS_FAILURES failures from one address (any names) rest
    the address; every failure is audited. For a client with a code app the password is only
    the first step: `totp_verify` completes the sign-in."""
    login = " ".join((login or "").split()).lower()
    if address_resting(request):
        check_password(password or "", make_password(None))  # same time either way
        raise _refused()
    account = PortalAccount.objects.select_related("client").filter(login=login).first()
    if account is None or not account.active:
        check_password(password or "", make_password(None))
        _note_address_failure(request)
        raise _refused()
    now = timezone.now()
    if account.locked_until and account.locked_until > now:
        check_password(password or "", make_password(None))
        _note_address_failure(request)
        raise _refused()
    if not check_password(password or "", account.password):
        _count_failure(account.pk, "failed_sign_ins", request, "portal.sign_in_failed")
        _note_address_failure(request)
        raise _refused()
    with transaction.atomic():
        PortalAccount.objects.filter(pk=account.pk).update(
            failed_sign_ins=0, locked_until=None, last_sign_in_at=now
        )
        _audit_own(
            account,
            "portal.password_accepted" if account.totp_confirmed else "portal.signed_in",
            request,
        )
    return account


def step_mark_done(
    *, client: Client, step: Step, done: bool, done_on: dt.date | None = None, request: Any = None
) -> Step:
    """The client marks one of their own steps done (or not done after all)."""
    if step.who != Step.Who.CLIENT:
        raise DomainError(_("Only the steps that are yours to do can be marked here."))
    return plan_services.step_mark_done(
        acting_user=None,
        actor_label=actor_label(client),
        step=step,
        done_on=(done_on or timezone.localdate()) if done else None,
        request=request,
    )


def consent_withdraw(*, client: Client, consent: Consent, request: Any = None) -> Consent:
    """The client withdraws a consent themselves: it ends today, nothing more goes out under it,
    and the partner links of referrals sent under it stop showing anything."""
    return referral_services.consent_revoke(
        acting_user=None,
        actor_label=actor_label(client),
        consent=consent,
        revoked_on=timezone.localdate(),
        revoked_by=_("the client, in the portal"),
        request=request,
    )


def goal_reword(
    *,
    client: Client,
    goal: Any,
    version: int,
    statement: str,
    why_it_matters: str,
    request: Any = None,
) -> Any:
    """The client rewrites their goal (and why it matters) in their own words: recorded as the
    client's exact words; the words it replaces are kept (plans.GoalWording) and the worker
    sees the change on the plan."""
    return plan_services.goal_update(
        acting_user=None,
        actor_label=actor_label(client),
        goal=goal,
        version=version,
        fields={
            "statement": statement,
            "author": "client",
            "verbatim": True,
            "why_it_matters": why_it_matters,
            "why_it_matters_author": "client",
            "why_it_matters_verbatim": True,
        },
        request=request,
    )


def plan_agree(*, client: Client, plan: Any, request: Any = None) -> Any:
    """The client agrees to their plan themselves, in the portal."""
    return plan_services.plan_client_agree(
        acting_user=None,
        actor_label=actor_label(client),
        plan=plan,
        method=SignatureMethod.PORTAL,
        signed_name=client.display_name,
        request=request,
    )


def referral_rate(
    *, client: Client, referral: Any, helpful: int, comment: str = "", request: Any = None
) -> Any:
    """ "Did this help?" answered by the client, in their own words."""
    return referral_services.referral_rate(
        acting_user=None,
        actor_label=actor_label(client),
        referral=referral,
        helpful=helpful,
        comment=comment,
        rated_by=Referral.RatedBy.CLIENT,
        comment_author="client",
        comment_verbatim=bool(comment.strip()),
        request=request,
    )


def check_in(*, client: Client, goal: Any, fields: dict[str, Any], request: Any = None) -> Any:
    """The client says how a goal is going (0–10 and, where the goal is scaled, its level),
    how important it is and how sure they feel, and may leave their worker a message — all as
    their own words."""
    comment = (fields.get("comment") or "").strip()
    return notes_services.checkin_add(
        acting_user=None,
        actor_label=actor_label(client),
        goal=goal,
        fields={
            "client_rating": fields.get("client_rating"),
            "client_gas": fields.get("client_gas"),
            "importance": fields.get("importance"),
            "confidence": fields.get("confidence"),
            "comment": comment,
            "comment_author": "client",
            "comment_verbatim": bool(comment),
        },
        request=request,
    )


# --- an optional code app (TOTP) for the client ------------------------------------------------

TOTP_TOLERANCE = 1  # one 30-second step either side, for a phone's clock


def _totp(account: PortalAccount) -> TOTP:
    return TOTP(bytes.fromhex(account.totp_key), step=30, digits=6)


def totp_setup(account: PortalAccount) -> str:
    """The otpauth:// address for the client's code app: the same key until it is confirmed
    (a reload does not spoil a QR code already scanned)."""
    if account.totp_confirmed:
        raise DomainError(_("A code app is already set up."))
    if not account.totp_key:
        account.totp_key = secrets.token_hex(20)
        account.save(update_fields=["totp_key", "updated_at"])
    secret = base64.b32encode(bytes.fromhex(account.totp_key)).decode().rstrip("=")
    label = quote(f"Strengthwise:{account.login}")
    return f"otpauth://totp/{label}?secret={secret}&issuer=Strengthwise&digits=6&period=30"


def _check_code(account: PortalAccount, code: str) -> bool:
    digits = "".join(str(code or "").split())
    if not digits.isdigit() or len(digits) != 6 or not account.totp_key:
        return False
    totp = _totp(account)
    if not totp.verify(int(digits), TOTP_TOLERANCE, account.totp_last_step + 1):
        return False
    account.totp_last_step = totp.t()
    return True


def totp_confirm(*, account: PortalAccount, code: str, request: Any = None) -> None:
    """Turn the code app on with a code it shows."""
    with transaction.atomic():
        account = (
            PortalAccount.objects.select_for_update(no_key=True)
            .select_related("client")
            .get(pk=account.pk)
        )
        if not _check_code(account, code):
            raise ValidationFailed(
                _("That code did not match. Type the newest six digits your app shows."),
                field_errors={"code": [_("That code did not match.")]},
            )
        account.totp_confirmed = True
        account.save(update_fields=["totp_confirmed", "totp_last_step", "updated_at"])
        _audit_own(account, "portal.code_app_on", request)


def totp_verify(*, account: PortalAccount, code: str, request: Any = None) -> None:
    """The second step of signing in, for a client who turned the code app on. A code works
    once. Wrong codes have their own count, which only a right code clears (a right password
    does not), so the six digits cannot be guessed ten at a time for ever; MAX_FAILURES rest
    the account for LOCKOUT."""
    with transaction.atomic():
        locked = (
            PortalAccount.objects.select_for_update(no_key=True)
            .select_related("client")
            .get(pk=account.pk)
        )
        resting = bool(locked.locked_until and locked.locked_until > timezone.now())
        ok = not resting and _check_code(locked, code)
        if ok:
            locked.failed_codes = 0
            locked.save(update_fields=["totp_last_step", "failed_codes", "updated_at"])
            _audit_own(locked, "portal.code_verified", request)
    if not ok:
        if not resting:
            _count_failure(account.pk, "failed_codes", request, "portal.code_failed")
        raise ValidationFailed(
            _("That code did not match. Type the newest six digits your app shows.")
            if not resting
            else _("Too many tries. Wait 15 minutes, or ask your worker for a new code."),
            field_errors={"code": [_("That code did not match.")]},
        )


def totp_turn_off(*, account: PortalAccount, code: str, request: Any = None) -> None:
    """Turn the code app off (with a current code, so a borrowed phone cannot)."""
    totp_verify(account=account, code=code, request=request)
    with transaction.atomic():
        PortalAccount.objects.filter(pk=account.pk).update(
            totp_key="", totp_confirmed=False, totp_last_step=-1, updated_at=timezone.now()
        )
        _audit_own(account, "portal.code_app_off", request)


def consent_answer(
    *, client: Client, consent: Consent, agree: bool, request: Any = None
) -> Consent:
    """The client agrees to, or refuses, a consent their worker asked of them in the portal."""
    return referral_services.consent_client_answer(
        consent=consent,
        agree=agree,
        signed_name=client.display_name,
        actor_label=actor_label(client),
        request=request,
    )


def account_turn_off(*, acting_user: User, client: Client, request: Any = None) -> bool:
    """The worker turns the client's portal sign-in off at once (for example when someone else
    may know the password); open invitations stop working too. A new invitation turns it on
    again with a new password. Returns whether there was an account to turn off."""
    with transaction.atomic():
        changed = PortalAccount.objects.filter(client=client, active=True).update(
            active=False, updated_at=timezone.now()
        )
        PortalInvitation.objects.filter(
            client=client, used_at__isnull=True, withdrawn_at__isnull=True
        ).update(withdrawn_at=timezone.now())
        if changed:
            audit_record(
                actor=acting_user,
                action="portal.turned_off",
                target=client,
                request=request,
            )
    return bool(changed)


# --- my words: the client rewrites their dream, their priorities and what helped ----------------


def dream_reword(*, client: Client, version: int, dreams: str, request: Any = None) -> Any:
    """The client rewrites their dream in their own words: a new motivation record written by
    the client (the other two answers carried over as they were), so the earlier words stay in
    the record's history and the worker sees who changed what, and when. `version` is the id
    of the record the client read (0: none); if the worker wrote a newer one meanwhile, Conflict.
    Saving the same words changes nothing (they stay whose they were)."""
    refuse_nul({"dreams": dreams})
    text = (dreams or "").strip()
    if not text:
        raise ValidationFailed(
            _("Write your dream in your own words."),
            field_errors={"dreams": [_("Write your dream in your own words.")]},
        )
    with transaction.atomic():
        lock_open_record(client.pk)  # one writer of this client's records at a time
        history = assessment_selectors.motivation_history(client=client)
        latest = history[0] if history else None
        if (latest.pk if latest else 0) != version:
            raise Conflict(
                _("Your worker changed this while you were writing."),
                current={"dreams": latest.dreams if latest else ""},
                attempted={"dreams": text},
            )
        if latest is not None and " ".join(latest.dreams.split()) == " ".join(text.split()):
            return latest
        fields: dict[str, Any] = {
            "recorded_on": timezone.localdate(),
            "dreams": text,
            "dreams_author": Author.CLIENT,
            "dreams_verbatim": True,
        }
        if latest is not None:
            for name in ("obstacles", "support"):
                fields[name] = getattr(latest, name)
                fields[f"{name}_author"] = getattr(latest, f"{name}_author")
                fields[f"{name}_verbatim"] = getattr(latest, f"{name}_verbatim")
        return assessment_services.motivation_record_add(
            acting_user=None,
            actor_label=actor_label(client),
            client=client,
            fields=fields,
            request=request,
        )


def priorities_reword(
    *, client: Client, version: int | None, priorities: list[str], request: Any = None
) -> Any:
    """The client rewrites what matters most to them (the strengths assessment's priorities):
    a new version saved by the client. A priority they keep word for word keeps whose words it
    was; a new or changed one is the client's exact words."""
    refuse_nul({f"priority {i}": p for i, p in enumerate(priorities)})
    _assessment, latest = assessment_selectors.strengths_assessment_get(client=client)
    content = dict(latest.content) if latest else {"domains": {}, "priorities": []}
    # A priority kept word for word (spacing aside) keeps whose words it was.
    kept = {" ".join(cell["text"].split()): cell for cell in content.get("priorities", [])}
    texts = [" ".join(p.split()) for p in priorities]
    content["priorities"] = [
        kept.get(t) or {"text": t, "author": Author.CLIENT, "verbatim": True} for t in texts if t
    ]
    return assessment_services.strengths_assessment_revise(
        acting_user=None,
        actor_label=actor_label(client),
        client=client,
        version=version,
        content=content,
        request=request,
    )


def what_helped_reword(
    *, client: Client, closure: Closure, version: int, what_helped: str, request: Any = None
) -> Closure:
    """The client rewrites what helped them, in their own words (also after the episode
    closed); the earlier words stay in the closure's history."""
    return outcome_services.closure_what_helped_reword(
        closure=closure,
        version=version,
        what_helped=what_helped,
        actor_label=actor_label(client),
        request=request,
    )


# --- messages between the client and their worker ----------------------------------------------

MESSAGE_MAX = 2000


def _message_text(text: str) -> str:
    refuse_nul({"text": text})
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            _("Write a message first."), field_errors={"text": [_("Write a message first.")]}
        )
    if len(text) > MESSAGE_MAX:
        raise ValidationFailed(
            _("Keep a message under 2,000 characters."),
            field_errors={"text": [_("Keep a message under 2,000 characters.")]},
        )
    return text


def message_to_client(
    *, acting_user: User, client: Client, text: str, request: Any = None
) -> Message:
    """A staff member writes to the client in the portal. Only a client with a portal sign-in
    can read it; they get one email reminder (a link and a first name, nothing else) while
    it is unread. The audit event says a message was sent, never what it says."""
    text = _message_text(text)
    if not PortalAccount.objects.filter(client=client, active=True).exists():
        raise DomainError(
            _("This client has no portal sign-in, so they could not read it. Invite them first.")
        )
    with transaction.atomic():
        message = Message.objects.create(
            agency_id=client.agency_id, client=client, author=acting_user, text=text
        )
        audit_record(
            actor=acting_user,
            action="portal.message_to_client",
            target=message,
            client_id=client.pk,
            request=request,
        )
    return message


def message_to_worker(*, client: Client, text: str, request: Any = None) -> Message:
    """The client writes to the staff who work with them, in their own words."""
    text = _message_text(text)
    with transaction.atomic():
        message = Message.objects.create(
            agency_id=client.agency_id, client=client, from_client=True, text=text
        )
        audit_record(
            actor=None,
            actor_label=actor_label(client),
            action="portal.message_from_client",
            target=message,
            client_id=client.pk,
            request=request,
        )
    return message


def messages_mark_read(*, client: Client, by_client: bool) -> int:
    """The other side's unread messages are now read (the client opened their messages, or a
    staff member opened the client's). Returns how many."""
    return Message.objects.filter(
        agency_id=client.agency_id, client=client, from_client=not by_client, read_at__isnull=True
    ).update(read_at=timezone.now())
