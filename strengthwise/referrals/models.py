"""Consent as a first-class record, closed-loop referrals to directory services, and the log of
services delivered against goals."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from strengthwise.accounts.models import Agency
from strengthwise.assessments.models import Author
from strengthwise.core.models import StoredDocument, TimeStampedModel
from strengthwise.directory.models import Organization, Program, Service
from strengthwise.people.models import Client
from strengthwise.plans.models import Goal, SignatureMethod, Step
from strengthwise.plans.signatures import agreement_line

from . import workflow


class Information(models.TextChoices):
    """What a consent lets us share. The last four are the protected categories of
    core/sensitivity.py (same values): an item in one of them is shared only under a consent
    naming it. SUBSTANCE_USE is information protected by 42 CFR Part 2."""

    CONTACT = "contact", _("Name and contact details")
    DEMOGRAPHICS = "demographics", _("Date of birth, pronouns and languages")
    GOALS = "goals", _("The goal this referral serves")
    STRENGTHS = "strengths", _("Strengths and resources")
    HOUSEHOLD = "household", _("Household members")
    INCOME = "income", _("Income and benefits")
    HEALTH = "health", _("Health information")
    SUBSTANCE_USE = "substance_use", _("Substance use treatment information (42 CFR Part 2)")
    HIV = "hiv", _("HIV status")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic or sexual violence")


class Purpose(models.TextChoices):
    REFERRAL = "referral", _("Referral and care coordination")
    BENEFITS = "benefits", _("Applying for benefits")
    HOUSING = "housing", _("Coordinated housing assessment")
    TREATMENT = "treatment", _("Treatment")


class Consent(TimeStampedModel):
    class Method(models.TextChoices):
        """How the client gave it. The stored values predate the shared vocabulary of
        plans.SignatureMethod (see AS_SIGNATURE); PORTAL is reserved for the client portal and
        not offered on the staff form."""

        E_SIGNATURE = "e_signature", _("Typed by the client on the worker's device")
        VERBAL = "verbal", _("Verbal agreement, with a witness (name the witness)")
        SIGNED_FORM = "signed_form", _("A signed paper form (upload it)")
        PORTAL = "portal", _("In the client portal")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    information = models.JSONField(_("what may be shared"), default=list)
    information_description = models.TextField(
        _("how much and what kind of information"),
        max_length=1000,
        blank=True,
        help_text=_("Required for substance use information: describe it specifically."),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to this organisation"),
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("or to any service in this program"),
    )
    purpose = models.CharField(
        _("for what purpose"), max_length=20, choices=Purpose.choices, default=Purpose.REFERRAL
    )
    discloser = models.CharField(
        _("who may disclose"),
        max_length=300,
        blank=True,
        help_text=_("The program or person permitted to share; defaults to this agency."),
    )
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True)
    expiry_event = models.CharField(
        _("or until this event"),
        max_length=300,
        blank=True,
        help_text=_("e.g. “when the referral is closed”. Needed if there is no end date."),
    )
    method = models.CharField(_("how it was given"), max_length=20, choices=Method.choices)
    signed_name = models.CharField(_("signed (typed name)"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    witness_name = models.CharField(_("witness"), max_length=200, blank=True)
    right_to_revoke_explained = models.BooleanField(
        _("the client was told they can revoke this consent at any time"), default=False
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_by = models.CharField(_("revoked by"), max_length=200, blank=True)
    revocation_note = models.CharField(_("how it was revoked"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["agency", "valid_until"], name="consent_expiry")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(organization__isnull=False, program__isnull=True)
                    | models.Q(organization__isnull=True, program__isnull=False)
                ),
                name="consent_one_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk} of {self.client_id}"

    @property
    def recipient(self) -> Organization | Program | None:
        return self.organization or self.program

    @property
    def covers_part2(self) -> bool:
        return Information.SUBSTANCE_USE in self.information

    @property
    def agreement(self) -> str:
        """Who agreed, how and when, in one sentence, the same way as a plan's agreement."""
        return agreement_line(
            name=(self.signed_name if self.method == self.Method.E_SIGNATURE else "")
            or self.client.display_name,
            method=AS_SIGNATURE.get(str(self.method), SignatureMethod.TYPED),
            witness=self.witness_name,
            at=self.signed_at or self.created_at,
        )

    @property
    def has_document(self) -> bool:
        return hasattr(self, "document")


# The consent's stored method in the shared vocabulary of how an agreement was given.
AS_SIGNATURE: dict[str, str] = {
    Consent.Method.E_SIGNATURE: SignatureMethod.TYPED,
    Consent.Method.VERBAL: SignatureMethod.VERBAL,
    Consent.Method.SIGNED_FORM: SignatureMethod.PAPER,
    Consent.Method.PORTAL: SignatureMethod.PORTAL,
}
STAFF_METHODS = (Consent.Method.E_SIGNATURE, Consent.Method.VERBAL, Consent.Method.SIGNED_FORM)


class ConsentDocument(StoredDocument):
    """The uploaded signed consent form, kept with the consent."""

    consent = models.OneToOneField(Consent, on_delete=models.CASCADE, related_name="document")


class Referral(TimeStampedModel):
    class RatedBy(models.TextChoices):
        CLIENT = "client", _("The client")
        WORKER = "worker", _("The worker, from what the client said")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="referrals")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    step = models.ForeignKey(
        Step, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, related_name="referrals_received"
    )
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.REFERRAL
    )
    information = models.JSONField(_("what is shared"), default=list)
    request_note = models.TextField(
        _("what we are asking for"),
        max_length=2000,
        blank=True,
        help_text=_("Seen by the receiving organisation. Share only what the consent allows."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=workflow.STATUS_CHOICES, default=workflow.DRAFT
    )
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("what the organisation did"), max_length=2000, blank=True)
    partner_nonce = models.CharField(max_length=32, blank=True)
    partner_link_expires_at = models.DateTimeField(null=True, blank=True)
    helpful = models.PositiveSmallIntegerField(
        _("did this help? (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.CharField(_("in their words"), max_length=500, blank=True)
    rating_comment_author = models.CharField(
        _("whose words"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    rating_comment_verbatim = models.BooleanField(_("their exact words"), default=False)
    rated_by = models.CharField(max_length=10, choices=RatedBy.choices, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "status", "requested_at"], name="referral_status"),
            models.Index(fields=["service", "status"], name="referral_service"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} to {self.service_id}"

    @property
    def finished(self) -> bool:
        return self.status in workflow.FINISHED

    @property
    def consent_withdrawn(self) -> bool:
        """Still open, but the consent it went out under was withdrawn: the organisation sees
        nothing more through its link, and the worker should follow it up with them."""
        return (
            self.status not in workflow.TERMINAL
            and self.consent is not None
            and self.consent.revoked_on is not None
        )

    @property
    def part2(self) -> bool:
        return Information.SUBSTANCE_USE in self.information


class ReferralEvent(models.Model):
    """One status change: who set it (a user, or the receiving organisation through its link),
    from which side, when and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True, choices=workflow.STATUS_CHOICES)
    to_status = models.CharField(max_length=20, choices=workflow.STATUS_CHOICES)
    side = models.CharField(max_length=10)
    reason = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class ServiceDelivery(TimeStampedModel):
    """A service delivered toward a goal: what, by whom, when, how much."""

    class Unit(models.TextChoices):
        MINUTES = "minutes", _("minutes")
        SESSIONS = "sessions", _("sessions")
        ITEMS = "items", _("items")
        DOLLARS = "dollars", _("dollars")
        NIGHTS = "nights", _("nights")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="services_delivered")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="services_delivered"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    what = models.CharField(_("what was provided"), max_length=300)
    delivered_by = models.CharField(_("by whom"), max_length=200)
    delivered_on = models.DateField(_("when"))
    units = models.DecimalField(
        _("how much"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.SESSIONS)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-delivered_on", "-id"]

    def __str__(self) -> str:
        return self.what

    @property
    def amount(self) -> str:
        """How much, with the unit in its right plural form: "1 session", "2.5 nights"."""
        number = format(self.units.normalize(), "f") if self.units is not None else "0"
        count = 1 if self.units == 1 else 2
        forms: dict[str, str] = {
            self.Unit.MINUTES: ngettext("%(n)s minute", "%(n)s minutes", count),
            self.Unit.SESSIONS: ngettext("%(n)s session", "%(n)s sessions", count),
            self.Unit.ITEMS: ngettext("%(n)s item", "%(n)s items", count),
            self.Unit.DOLLARS: ngettext("%(n)s dollar", "%(n)s dollars", count),
            self.Unit.NIGHTS: ngettext("%(n)s night", "%(n)s nights", count),
        }
        return forms.get(self.unit, "%(n)s") % {"n": number}
