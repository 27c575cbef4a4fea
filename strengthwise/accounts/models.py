"""Agencies (tenants), programs, teams, staff users, memberships and API tokens."""

from __future__ import annotations

import zoneinfo
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

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


class User(AbstractUser):
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
        return self.display_name or self.get_full_name() or self.username


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
