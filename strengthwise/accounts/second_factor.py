"""The second factor at sign-in (issue 12 item 1): an authenticator app (TOTP, RFC 6238, a
django-otp device whose key is sealed at rest: `accounts.models.StaffAuthenticator`) and
single-use recovery codes (kept as keyed digests).

The state of a session lives in the session itself, so checking it costs no query per request:
- `django_otp.DEVICE_ID_SESSION_KEY` — set once this session passed the second factor;
- `PENDING` — set at sign-in for a person who has an authenticator although the agency does
  not require one (the demo), so they are asked for it too.

Every step is audited: enrolment, each success (which method), each failure, new recovery codes
and an admin's reset. Codes and keys never reach the audit trail or a log. A code is accepted
once: an authenticator code is refused again after use (django-otp keeps the last time step),
a recovery code is deleted when used. Repeated failures slow the device down (django-otp's
throttling doubles the wait after each failure) on top of the password lockout (django-axes).
"""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from strengthwise.audit.services import audit_record
from strengthwise.core.crypto import blind_index, blind_indexes
from strengthwise.core.errors import DomainError

from .models import StaffAuthenticator, User

PENDING = "_sw_second_factor_pending"
RECOVERY_CODES = 10
APP_DEVICE = "authenticator app"
RECOVERY_DEVICE = "recovery codes"


def is_verified(request: Any) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


def needs_second_factor(request: Any) -> bool:
    """True while a signed-in person still owes this session their second factor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_verified(request):
        return False
    return bool(settings.STRENGTHWISE_REQUIRE_SECOND_FACTOR or request.session.get(PENDING))


def has_authenticator(user: User) -> bool:
    return StaffAuthenticator.objects.filter(user=user, confirmed=True).exists()


def mark_pending_at_sign_in(request: Any, user: User) -> None:
    """At sign-in: someone with an authenticator is asked for it even where it is optional."""
    if request is not None and hasattr(request, "session") and has_authenticator(user):
        request.session[PENDING] = True


def enrolment_device(*, user: User) -> StaffAuthenticator:
    """The authenticator being set up: the same unconfirmed key until it is confirmed (so a
    reload does not invalidate the QR code already scanned)."""
    if has_authenticator(user):
        raise DomainError(_("An authenticator app is already set up for this account."))
    device = StaffAuthenticator.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or StaffAuthenticator.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def qr_svg(device: StaffAuthenticator) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no image request, no script)."""
    return qr_svg_of(device.config_url)


def qr_svg_of(url: str) -> str:
    """Any otpauth:// address as an inline SVG QR code (the client portal's too)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


def secret_for_typing(device: StaffAuthenticator) -> str:
    """The key in base32, in groups of four, for people who type it into their app."""
    return key_for_typing(device.bin_key)


def key_for_typing(key: bytes) -> str:
    import base64

    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


RECOVERY_CODE_CONTEXT = "accounts.recovery_code"


def stored_recovery_code(code: str) -> str:
    """What is kept of a recovery code: a keyed digest (core/crypto.py blind index, cut to the
    16 characters django-otp's column holds), never the code itself."""
    return blind_index(code.lower(), context=RECOVERY_CODE_CONTEXT)[:16]


def _recovery_code_matches(device: StaticDevice, typed: str) -> bool:
    """Whether `typed` is one of the device's codes (and use it up). Its digests under every
    configured field key are looked up at once — so a key rotation does not lose the codes —
    with django-otp's throttle applied to the whole attempt, as `verify_token` would."""
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        return False
    digests = [d[:16] for d in blind_indexes(typed.lower(), context=RECOVERY_CODE_CONTEXT)]
    match = device.token_set.filter(token__in=digests).first()
    if match is None:
        device.throttle_increment(commit=True)
        return False
    match.delete()
    device.throttle_reset(commit=True)
    return True


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=stored_recovery_code(c)) for c in codes]
    )
    return codes


def enrolment_confirm(*, user: User, code: str, request: Any = None) -> list[str]:
    """Confirm the authenticator with a code it shows; returns the recovery codes (shown once).
    The session counts as verified from here on."""
    codes: list[str] = []
    with transaction.atomic():
        device = enrolment_device(user=user)
        if device.verify_token(_digits(code)):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(user)
            audit_record(
                actor=user, action="auth.second_factor_enrolled", target=user, request=request
            )
        else:  # recorded, and the failure counts towards the device's slow-down
            audit_record(
                actor=user,
                action="auth.second_factor_failed",
                target=user,
                changes={"method": [None, "enrolment"]},
                request=request,
            )
    if not codes:
        raise DomainError(
            _("That code did not match. Check the app shows Strengthwise and type the newest code.")
        )
    if request is not None:
        otp_login(request, device)
        request.session.pop(PENDING, None)
    return codes


def _digits(code: str) -> str:
    return "".join(str(code).split())


def second_factor_verify(*, user: User, code: str, request: Any = None) -> str:
    """Check an authenticator code or a recovery code. Returns the method that matched
    ("app" or "recovery code"); raises DomainError (audited) when none did."""
    typed = _digits(code).lower()
    matched: Any = None
    method = ""
    with transaction.atomic():
        if typed.isdigit():
            for device in StaffAuthenticator.objects.select_for_update().filter(
                user=user, confirmed=True
            ):
                if device.verify_token(typed):
                    matched, method = device, "app"
                    break
        elif typed:
            for device in StaticDevice.objects.select_for_update().filter(user=user):
                if _recovery_code_matches(device, typed):
                    matched, method = device, "recovery code"
                    break
        if matched is None:
            audit_record(
                actor=user,
                action="auth.second_factor_failed",
                target=user,
                changes={"method": [None, "code"]},
                request=request,
            )
        else:
            audit_record(
                actor=user,
                action="auth.second_factor_verified",
                target=user,
                changes={"method": [None, method]},
                request=request,
            )
    if matched is None:
        raise DomainError(
            _(
                "That code did not match. Type the six digits your app shows now, or one of your "
                "recovery codes. Each code works once."
            )
        )
    if request is not None:
        otp_login(request, matched)
        request.session.pop(PENDING, None)
    return method


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def recovery_codes_renew(*, user: User, request: Any = None) -> list[str]:
    """New recovery codes (the old ones stop working); only after the second factor is set up."""
    if not has_authenticator(user):
        raise DomainError(_("Set up an authenticator app first."))
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_record(actor=user, action="auth.recovery_codes_renewed", target=user, request=request)
    return codes


def second_factor_reset(*, acting_user: User, user: User, request: Any = None) -> None:
    """An admin of the same agency clears a person's second factor (a lost phone). The person
    sets up a new authenticator at their next sign-in; their sessions end now."""
    from .access import may_administer

    same_agency = acting_user.is_superuser or (
        may_administer(acting_user) and acting_user.agency_id == user.agency_id
    )
    if not same_agency:
        raise DomainError(_("Only an admin of the person's agency resets their second factor."))
    with transaction.atomic():
        StaffAuthenticator.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _end_sessions(user)
        audit_record(
            actor=acting_user,
            agency_id=user.agency_id,
            action="auth.second_factor_reset",
            target=user,
            request=request,
        )


def _end_sessions(user: User) -> None:
    """Database sessions only (the engine this project uses): delete the user's."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    ended = [
        s.pk
        for s in Session.objects.all().iterator()
        if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()


def _on_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    mark_pending_at_sign_in(request, user)
