"""The client-owned plan: goals in the client's words, options weighed, steps, Goal Attainment
Scaling, sign-off and approval."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.models import Agency
from strengthwise.assessments.models import Author, Concern, EcomapNode, Factor
from strengthwise.core.fields import SealedCharField, SealedJSONField, SealedTextField
from strengthwise.core.models import Categorised, StoredDocument, TimeStampedModel
from strengthwise.people.models import Client, Episode

GAS_LEVELS = (-2, -1, 0, 1, 2)


class Plan(TimeStampedModel):
    """One plan per episode, made with the client. `number` counts versions: a change after
    sign-off starts a new one; each signed version is kept as a PlanVersion snapshot."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being written together")
        CLIENT_SIGNED = "client_signed", _("Agreed by the client")
        AWAITING_APPROVAL = "awaiting_approval", _("Waiting for supervisor approval")
        RETURNED = "returned", _("Returned with comments")
        ACTIVE = "active", _("Agreed and active")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="plans")
    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="plan")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    number = models.PositiveIntegerField(default=1)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["agency", "status"], name="plan_status")]

    def __str__(self) -> str:
        return f"Plan v{self.number} of {self.client}"


class Goal(Categorised, TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ACHIEVED = "achieved", _("Achieved")
        SET_ASIDE = "set_aside", _("Set aside by the client")
        REVISED = "revised", _("Revised")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="goals")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    # The goal's words are sealed at rest (core/fields.py): a goal can name a protected category
    # (sobriety, HIV care, safety from a partner). Never filtered or sorted in SQL.
    statement = SealedTextField(_("the goal, in their words"), max_length=500)
    author = models.CharField(
        _("whose words"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    verbatim = models.BooleanField(_("exact words"), default=True)
    worker_view = SealedTextField(
        _("the worker's view, if different"),
        max_length=500,
        blank=True,
        help_text=_(
            "Kept beside the client's words; a disagreement is recorded, never overwritten."
        ),
    )
    why_it_matters = SealedTextField(_("why it matters to them"), max_length=1000, blank=True)
    why_it_matters_author = models.CharField(
        _("whose words"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    why_it_matters_verbatim = models.BooleanField(_("their exact words"), default=False)
    concern = models.ForeignKey(
        Concern,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("linked motivation"),
    )
    strengths = models.ManyToManyField(
        Factor, blank=True, related_name="goals", verbose_name=_("strengths that will carry it")
    )
    supports = models.ManyToManyField(
        EcomapNode,
        blank=True,
        related_name="goals",
        verbose_name=_("people and places that will help"),
    )
    domain = models.CharField(_("life domain"), max_length=40)
    stage = models.CharField(_("stage of change"), max_length=20, blank=True)
    importance = models.PositiveSmallIntegerField(
        _("importance (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    confidence = models.PositiveSmallIntegerField(
        _("confidence (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    order = models.PositiveIntegerField(default=0)
    # Goal Attainment Scaling: five levels written with the client at goal setting.
    gas_minus2 = SealedCharField(_("−2 much less than expected"), max_length=300, blank=True)
    gas_minus1 = SealedCharField(_("−1 less than expected"), max_length=300, blank=True)
    gas_zero = SealedCharField(_("0 expected outcome"), max_length=300, blank=True)
    gas_plus1 = SealedCharField(_("+1 better than expected"), max_length=300, blank=True)
    gas_plus2 = SealedCharField(_("+2 much better than expected"), max_length=300, blank=True)
    gas_importance = models.PositiveSmallIntegerField(
        _("importance to them (0–3)"), null=True, blank=True, validators=[MaxValueValidator(3)]
    )
    gas_difficulty = models.PositiveSmallIntegerField(
        _("expected difficulty (0–3)"), null=True, blank=True, validators=[MaxValueValidator(3)]
    )
    gas_baseline = models.SmallIntegerField(
        _("where they are now (baseline)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
    )
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["agency", "client", "status"], name="goal_client")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gas_baseline__isnull=True)
                | models.Q(gas_baseline__gte=-2, gas_baseline__lte=2),
                name="goal_baseline_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.statement[:60]

    @property
    def gas_levels(self) -> list[tuple[int, str]]:
        return [
            (-2, self.gas_minus2),
            (-1, self.gas_minus1),
            (0, self.gas_zero),
            (1, self.gas_plus1),
            (2, self.gas_plus2),
        ]

    @property
    def gas_complete(self) -> bool:
        return all(text.strip() for _, text in self.gas_levels)

    @property
    def gas_weight(self) -> int | None:
        if self.gas_importance is None or self.gas_difficulty is None:
            return None
        return self.gas_importance * self.gas_difficulty


#: Statuses in which a goal is part of the plan (set aside and revised goals are not).
IN_PLAN = (Goal.Status.ACTIVE, Goal.Status.ACHIEVED)


class GoalPeriod(models.Model):
    """Days a goal was part of the plan: from ``start`` (included) to ``end`` (excluded; open
    while it is still in the plan). Setting a goal aside or revising it ends the period; taking
    it up again starts a new one. A T-score on a past day counts exactly the goals in the plan
    that day (`plans.selectors.t_score_on`), so later changes to the plan never rewrite it."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="periods")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["goal", "start"], name="goal_period_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="goal_period_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.start} – {self.end or '…'}"

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


class Step(TimeStampedModel):
    class Who(models.TextChoices):
        CLIENT = "client", _("The client")
        WORKER = "worker", _("The worker")
        SUPPORT = "support", _("A natural support")
        AGENCY = "agency", _("An agency")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="steps")
    text = models.CharField(_("step"), max_length=300)
    who = models.CharField(_("who does it"), max_length=10, choices=Who.choices, default=Who.CLIENT)
    who_name = models.CharField(_("name (support or agency)"), max_length=120, blank=True)
    target_date = models.DateField(_("by when"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class OptionSet(TimeStampedModel):
    """A problem the client is weighing, with their options; the choice stays on record."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="option_sets")
    problem = models.CharField(_("what they are deciding"), max_length=300)
    author = models.CharField(
        _("whose words"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    chosen = models.ForeignKey(
        "Option", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    chosen_at = models.DateTimeField(null=True, blank=True)
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="option_sets"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.problem


class Option(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    option_set = models.ForeignKey(OptionSet, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("option"), max_length=300)
    pros = models.TextField(_("what is good about it"), max_length=1000, blank=True)
    pros_author = models.CharField(
        _("whose words"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    pros_verbatim = models.BooleanField(_("their exact words"), default=False)
    cons = models.TextField(_("what is hard about it"), max_length=1000, blank=True)
    cons_author = models.CharField(
        _("whose words"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    cons_verbatim = models.BooleanField(_("their exact words"), default=False)
    author = models.CharField(
        _("whose words"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


class GasFollowUp(models.Model):
    """A dated Goal Attainment Scaling score, by the client or by the worker (both are kept)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="followups")
    scored_on = models.DateField(_("date"))
    level = models.SmallIntegerField(
        _("level"), validators=[MinValueValidator(-2), MaxValueValidator(2)]
    )
    scored_by = models.CharField(
        _("whose score"),
        max_length=10,
        choices=[(Author.CLIENT, Author.CLIENT.label), (Author.WORKER, Author.WORKER.label)],
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # None: the client scored it themselves, in the portal.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scored_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=-2, level__lte=2), name="followup_level_in_range"
            )
        ]
        # A goal's latest (or first) score by one scorer up to a day, without a sort: the
        # reports look it up per goal (outcomes.measures: GAS T-scores, strengths).
        indexes = [
            models.Index(fields=["goal", "scored_by", "scored_on", "id"], name="gas_followup_goal")
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.level}"


class PlanVersion(models.Model):
    """A signed version of the plan, frozen: what the client agreed to."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = SealedJSONField()  # the goals' words, sealed at rest like the goals themselves
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique")
        ]

    def __str__(self) -> str:
        return f"version {self.number}"


class SignatureMethod(models.TextChoices):
    """How a client gave their agreement (a plan or a consent). Staff forms offer TYPED, VERBAL
    and PAPER; DRAWN is kept for drawn signatures, PORTAL is reserved for the client portal."""

    TYPED = "typed", _("typed by the client on the worker's device")
    DRAWN = "drawn", _("drawn by the client on the worker's device")
    VERBAL = "verbal", _("verbal agreement, with a witness")
    PAPER = "paper", _("a signed paper form, uploaded")
    PORTAL = "portal", _("in the client portal")


STAFF_SIGNATURE_METHODS = (SignatureMethod.TYPED, SignatureMethod.VERBAL, SignatureMethod.PAPER)


class PlanEvent(models.Model):
    """The sign-off and approval history: who agreed, signed, approved or returned, and when."""

    class Kind(models.TextChoices):
        CLIENT_AGREED = "client_agreed", _("The client agreed")
        WORKER_SIGNED = "worker_signed", _("The worker signed")
        SUBMITTED = "submitted", _("Sent for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned with comments")
        REOPENED = "reopened", _("Changed after sign-off: a new version started")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="events")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    signed_name = models.CharField(max_length=200, blank=True)
    signature_method = models.CharField(
        _("how it was given"), max_length=10, choices=SignatureMethod.choices, blank=True
    )
    signature_drawing = models.TextField(blank=True)  # SVG path data of a drawn signature
    witness_name = models.CharField(_("witness"), max_length=200, blank=True)
    comment = models.TextField(max_length=2000, blank=True)
    # None: the client, acting for themselves in the portal.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.number}"

    @property
    def by_label(self) -> str:
        return self.by.label if self.by is not None else str(_("the client, in the portal"))

    @property
    def agreement(self) -> str:
        """How the client agreed, in one sentence ("Agreed by …, typed on the worker's device,
        3 Nov 2026"); empty for events that are not the client's agreement."""
        if self.kind != self.Kind.CLIENT_AGREED:
            return ""
        from .signatures import agreement_line

        return agreement_line(
            name=self.signed_name or self.plan.client.display_name,
            method=self.signature_method or SignatureMethod.TYPED,
            witness=self.witness_name,
            at=self.at,
        )

    @property
    def has_document(self) -> bool:
        return hasattr(self, "document")


class PlanEventDocument(StoredDocument):
    """The uploaded signed paper agreement, kept with its event."""

    event = models.OneToOneField(PlanEvent, on_delete=models.CASCADE, related_name="document")


class GoalWording(models.Model):
    """A goal's earlier words: each change of its statement or of why it matters keeps the
    words it replaced, who changed them (a staff member, or the client in the portal) and
    when. The plan shows the latest change the client made; the rest is history."""

    class Field(models.TextChoices):
        STATEMENT = "statement", _("the goal")
        WHY = "why_it_matters", _("why it matters")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="wordings")
    field = models.CharField(max_length=20, choices=Field.choices)
    before = SealedTextField(blank=True)  # sealed like the goal's own words
    after = SealedTextField(blank=True)
    by_client = models.BooleanField(default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["agency", "goal", "at"], name="goal_wording_goal")]

    def __str__(self) -> str:
        return f"{self.field} of goal {self.goal_id} at {self.at}"
