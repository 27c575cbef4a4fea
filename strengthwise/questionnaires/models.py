"""An agency's own questions (client fields, intake questions per program, whole instruments)
as FHIR R4 Questionnaires: a working draft, immutable published versions, and the answers,
each kept with the version it was answered with (questionnaires/definition.py reads them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.models import Agency, Program
from strengthwise.core.fields import SealedJSONField
from strengthwise.core.models import TimeStampedModel
from strengthwise.people.models import Client, HouseholdMember


class Questionnaire(TimeStampedModel):
    """One of the agency's questionnaires: its purpose, its draft and its published versions."""

    class Purpose(models.TextChoices):
        CLIENT_FIELDS = "client_fields", _("More about the client (fields on the record)")
        INTAKE = "intake", _("Intake questions of a program")
        INSTRUMENT = "instrument", _("An instrument given at entry, reviews and exit")
        SCREEN = "screen", _("A screen, given at any time")

    class Shipped(models.TextChoices):
        """The instruments Strengthwise ships, run on this same mechanism: their definitions
        follow the agency's template (assessments/as_questionnaire.py), not the editor."""

        NONE = "", _("The agency's own")
        SSM = "ssm", _("Self-Sufficiency Matrix")
        SCREENING = "screening", _("AHC HRSN social-needs screening")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField(_("short name"), max_length=60)
    purpose = models.CharField(_("used for"), max_length=20, choices=Purpose.choices)
    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Intake questions belong to a program; an instrument may."),
    )
    # The working copy, a FHIR Questionnaire (JSON); publishing copies it into a version.
    draft = models.JSONField()
    draft_changed = models.BooleanField(default=True)
    retired = models.BooleanField(default=False)
    shipped = models.CharField(max_length=20, choices=Shipped.choices, default="", blank=True)
    # Empty for a shipped instrument (nobody in the agency wrote it).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["purpose", "key"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "key"], name="questionnaire_key_per_agency"),
            models.UniqueConstraint(
                fields=["agency", "shipped"],
                condition=~models.Q(shipped=""),
                name="questionnaire_shipped_once",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class QuestionnaireVersion(models.Model):
    """A published version: never changed, so every answer renders with the words it was asked
    with."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    definition = models.JSONField()  # the FHIR Questionnaire as published (status active)
    # Empty for a shipped instrument's version (its number is the template's version).
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["questionnaire_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="questionnaire_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} v{self.number}"


class QuestionnaireResponse(models.Model):
    """One filling-in for one client: the answers as a FHIR QuestionnaireResponse `item` list
    (sealed at rest: free text is the client's words), with the version answered."""

    class Occasion(models.TextChoices):
        ENTRY = "entry", _("Entry")
        REVIEW = "review", _("Review")
        EXIT = "exit", _("Exit")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="questionnaire_responses"
    )
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses"
    )
    member = models.ForeignKey(
        HouseholdMember,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Another adult in the household (the matrix); empty for the client."),
    )
    occasion = models.CharField(_("when"), max_length=10, choices=Occasion.choices, blank=True)
    answered_on = models.DateField(_("date"))
    items = SealedJSONField()
    score = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # What a shipped instrument's rules conclude from the answers, kept as scored then (the
    # screen's domains: positive or not, and why). Empty for the agency's own.
    derived = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["answered_on", "id"]
        indexes = [
            models.Index(
                fields=["agency", "client", "questionnaire", "answered_on"],
                name="qresponse_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} {self.answered_on}"


class AnswerValue(models.Model):
    """The coded, numeric and date answers of a response in columns reports can count (free
    text never: it stays sealed in the response)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.CASCADE, related_name="values"
    )
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    link_id = models.CharField(max_length=64)
    code = models.CharField(max_length=64, blank=True)
    number = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["agency", "questionnaire", "link_id", "code"], name="qanswer_code"
            ),
            models.Index(fields=["agency", "client"], name="qanswer_client"),
            # One answer of a response by link id, read from the index alone (the matrix
            # report looks up each domain's level at entry this way: outcomes.measures).
            models.Index(fields=["response", "link_id", "number"], name="qanswer_response_link"),
        ]

    def __str__(self) -> str:
        return f"{self.link_id}={self.code or self.number or self.date}"
