"""Agencies (tenants), programs, teams, staff users, memberships and API tokens."""

from __future__ import annotations

import base64
import secrets
import time
import zoneinfo
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from strengthwise.core.fields import SealedCharField
from strengthwise.core.models import TimeStampedModel


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


class Agency(TimeStampedModel):
    """A tenant. No data crosses agencies except a referral the client consented to."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="America/Chicago", validators=[validate_timezone]
    )

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Program(TimeStampedModel):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="programs")
    name = models.CharField(_("name"), max_length=200)
    requires_plan_approval = models.BooleanField(_("plans need supervisor approval"), default=True)
    requires_closure_approval = models.BooleanField(
        _("closures need supervisor approval"), default=False
    )
    reassessment_days = models.PositiveIntegerField(_("reassess every (days)"), default=90)
    referral_follow_up_days = models.PositiveIntegerField(
        _("follow up a referral still waiting after (days)"), default=5
    )
    plan_review_days = models.PositiveIntegerField(_("review the plan every (days)"), default=90)
    no_contact_days = models.PositiveIntegerField(
        _("flag a client with no contact for (days)"), default=30
    )
    offers_screening = models.BooleanField(
        _("offers social-needs screening"),
        default=False,
        help_text=_("Show the AHC HRSN screen for clients in this program."),
    )
    retention_years = models.PositiveSmallIntegerField(
        _("keep closed records for (years)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Years a client's whole record is kept after their last episode closes; then "
            "`strengthwise purge` deletes it. Empty: keep forever. A client served in several "
            "programs is kept until every one of their periods has passed (forever if any "
            "program keeps forever). Check what the law, your funders and contracts require."
        ),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "name"], name="program_unique_name_per_agency"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Team(TimeStampedModel):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="teams", null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="team_unique_name_per_agency")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    WORKER = "worker", _("Case worker")
    SUPERVISOR = "supervisor", _("Supervisor")
    PROGRAM_MANAGER = "program_manager", _("Program manager")
    ADMIN = "admin", _("Agency admin")


class StaffManager(UserManager):
    def get_queryset(self) -> models.QuerySet:  # type: ignore[type-arg]
        # Every page shows the user's agency: load it with the user (one query less per page).
        return super().get_queryset().select_related("agency")


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp's untyped Device
    """A staff member of one agency. (Clients sign in through the portal, not as staff.)"""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.WORKER)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    edits_directory = models.BooleanField(
        _("edits the resource directory"),
        default=False,
        help_text=_("Admins always can; others only when this is set."),
    )

    objects: ClassVar[StaffManager] = StaffManager()  # type: ignore[assignment]

    class Meta:
        indexes = [models.Index(fields=["agency", "role"], name="user_agency_role")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_of(self.display_name, self.first_name, self.last_name, self.username)

    @staticmethod
    def label_of(display_name: str, first_name: str, last_name: str, username: str) -> str:
        """What `label` says of a user with these fields (for lists read without models)."""
        return display_name or f"{first_name} {last_name}".strip() or username


class Membership(TimeStampedModel):
    """A user's place in a team: a member carries a caseload, a supervisor oversees it."""

    class Kind(models.TextChoices):
        MEMBER = "member", _("Member")
        SUPERVISOR = "supervisor", _("Supervisor")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique_user_team")
        ]
        indexes = [models.Index(fields=["agency", "team"], name="membership_agency_team")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.kind})"

    def clean(self) -> None:
        if self.team_id and self.user_id and self.team.agency_id != self.user.agency_id:
            raise ValidationError(_("A user can only join teams of their own agency."))


class ApiToken(models.Model):
    """A per-user bearer token. Only a hash is stored; the token is shown once."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", null=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="cli")
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # A token stops working at its expiry (tokens made before expiries existed have none).
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


def may_edit_directory(user: User) -> bool:
    """Admins and the staff marked as directory editors maintain the shared directory."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.role == Role.ADMIN or user.edits_directory)
    )


def new_authenticator_key() -> str:
    """20 random bytes in hex: the key an authenticator app is given (RFC 4226's size)."""
    return secrets.token_hex(20)


class StaffAuthenticator(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's authenticator app (TOTP, RFC 6238) as a django-otp device, with its key
    sealed at rest (core/fields.py) like the other secrets — django-otp's own TOTPDevice keeps
    the key in clear. `rotate-keys` re-seals it with the rest.

    A code is accepted once: `last_t` is the time step of the last code accepted, and only a
    later step is accepted next. Failures slow the device down (ThrottlingMixin)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="authenticators",
        help_text="The user that this device belongs to.",
    )
    key = SealedCharField(max_length=80, default=new_authenticator_key)  # hex
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key)

    def _totp(self) -> TOTP:
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        return totp

    def verify_token(self, token: Any) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        text = str(token).strip()
        totp = self._totp()
        if text.isdigit() and totp.verify(int(text), self.tolerance, self.last_t + 1):
            self.last_t = totp.t()
            self.drift = totp.drift
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=True)
        return False

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    @property
    def config_url(self) -> str:
        """The otpauth:// address an authenticator app reads from the QR code."""
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        account = self.user.get_username()
        label = f"{issuer}:{account}" if issuer else account
        params = {
            "secret": base64.b32encode(self.bin_key).decode().rstrip("="),
            "algorithm": "SHA1",
            "digits": self.digits,
            "period": self.step,
        }
        if issuer:
            params["issuer"] = issuer
        return f"otpauth://totp/{quote(label)}?{urlencode(params, quote_via=quote)}"
