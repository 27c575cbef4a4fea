"""Assessment records: the living strengths assessment, motivation, factors by level, the
Self-Sufficiency Matrix, the ecomap and social-needs screening."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.models import Agency
from strengthwise.core.fields import SealedCharField, SealedJSONField
from strengthwise.core.models import Categorised, TimeStampedModel
from strengthwise.people.models import Client


class Author(models.TextChoices):
    """Whose words these are: recorded with every text the client may have spoken."""

    CLIENT = "client", _("The client")
    WORKER = "worker", _("The worker")
    TOGETHER = "together", _("Together")


class Kind(models.TextChoices):
    STRENGTHS = "strengths", _("Strengths assessment")
    MOTIVATION = "motivation", _("Motivation")
    SSM = "ssm", _("Self-Sufficiency Matrix")
    ECOMAP = "ecomap", _("Ecomap")
    SCREENING = "screening", _("Social-needs screening")


class Level(models.TextChoices):
    MICRO = "micro", _("Micro — the person")
    MESO = "meso", _("Meso — family, friends, local groups")
    MACRO = "macro", _("Macro — class, discrimination, policy, economy")


class Valence(models.TextChoices):
    STRENGTH = "strength", _("Strength")
    BARRIER = "barrier", _("Barrier")


class AssessmentTemplate(models.Model):
    """An immutable snapshot of a template as used: the shipped YAML plus the agency's own
    domains. Assessments point at the snapshot they were taken with."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind", "version"], name="template_version_unique"
            ),
            models.UniqueConstraint(
                fields=["agency", "kind", "content_hash"], name="template_content_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class AgencyDomain(TimeStampedModel):
    """A life domain an agency adds to the strengths assessment or the matrix (Django admin)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        max_length=20, choices=[(Kind.STRENGTHS, Kind.STRENGTHS.label), (Kind.SSM, Kind.SSM.label)]
    )
    key = models.SlugField(max_length=40, help_text=_("A short id, e.g. immigration_status"))
    label = models.CharField(max_length=100)
    label_es = models.CharField(
        _("label in Spanish"),
        max_length=100,
        blank=True,
        help_text=_("Every instrument text has a Spanish text too, for Spanish-speaking clients."),
    )
    anchors = models.JSONField(
        default=dict,
        blank=True,
        help_text=_('Matrix only: a description for each level, e.g. {"1": "…", …, "5": "…"}'),
    )
    anchors_es = models.JSONField(
        _("level descriptions in Spanish"),
        default=dict,
        blank=True,
        help_text=_("Matrix only: the same five descriptions, in Spanish."),
    )
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "kind", "key"], name="agency_domain_unique")
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if not self.label_es.strip():
            raise ValidationError({"label_es": _("Give the label in Spanish too.")})
        if self.kind == Kind.SSM:
            for field, texts in (("anchors", self.anchors), ("anchors_es", self.anchors_es)):
                keys = sorted(str(k) for k in (texts or {}))
                if keys != ["1", "2", "3", "4", "5"] or not all(
                    str(v).strip() for v in texts.values()
                ):
                    raise ValidationError({field: _("Describe each of the levels 1 to 5.")})


class StrengthsAssessment(TimeStampedModel):
    """One living strengths assessment per client; every save adds a version."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="strengths_assessment"
    )
    template = models.ForeignKey(AssessmentTemplate, on_delete=models.PROTECT, related_name="+")
    latest_number = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)  # optimistic lock (DESIGN §4)

    def __str__(self) -> str:
        return f"Strengths assessment of {self.client}"


class StrengthsAssessmentVersion(models.Model):
    """The whole document as saved once: small JSON, one row per save (never per keystroke)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(
        StrengthsAssessment, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    content = SealedJSONField()  # the client's words, sealed at rest like a strength's
    # No staff member when the client saved it themselves, in the portal (`by_client`).
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_client = models.BooleanField(default=False)
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "number"], name="strengths_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"version {self.number}"

    @property
    def author_label(self) -> str:
        """Who saved this version: a staff member, or the client in the portal."""
        if self.by_client or self.saved_by is None:
            return str(_("the client, in the portal"))
        return str(self.saved_by.label)


class Factor(Categorised, TimeStampedModel):
    """A strength or a barrier, tagged with its level and life domain. Macro factors are
    context the agency may act on, never the client's deficits."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="factors")
    # Sealed at rest (core/fields.py): a strength can name a protected category ("got herself
    # sober six years ago"). Never filtered or sorted in SQL.
    description = SealedCharField(_("description"), max_length=300)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    valence = models.CharField(_("strength or barrier"), max_length=10, choices=Valence.choices)
    domain = models.CharField(_("life domain"), max_length=40)
    author = models.CharField(
        _("in whose words"), max_length=10, choices=Author.choices, default=Author.TOGETHER
    )
    verbatim = models.BooleanField(_("exact words"), default=False)
    active = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["agency", "client", "active"], name="factor_client")]

    def __str__(self) -> str:
        return self.description


class MotivationRecord(models.Model):
    """Answers to the three engagement questions on one day, in the client's words."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="motivation_records")
    recorded_on = models.DateField(_("date"))
    dreams = models.TextField(_("What are your dreams?"), max_length=2000, blank=True)
    dreams_author = models.CharField(max_length=10, choices=Author.choices, default=Author.CLIENT)
    dreams_verbatim = models.BooleanField(default=True)
    obstacles = models.TextField(_("What might be holding you back?"), max_length=2000, blank=True)
    obstacles_author = models.CharField(
        max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    obstacles_verbatim = models.BooleanField(default=True)
    support = models.TextField(_("How can I support you?"), max_length=2000, blank=True)
    support_author = models.CharField(max_length=10, choices=Author.choices, default=Author.CLIENT)
    support_verbatim = models.BooleanField(default=True)
    template = models.ForeignKey(AssessmentTemplate, on_delete=models.PROTECT, related_name="+")
    # No staff member when the client rewrote their answers themselves, in the portal.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_client = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_on", "-id"]
        indexes = [
            models.Index(fields=["agency", "client", "recorded_on"], name="motivation_client")
        ]

    def __str__(self) -> str:
        return f"Motivation {self.recorded_on}"


class Concern(TimeStampedModel):
    """Something the client is weighing a change in, named in their words."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="concerns")
    label = models.CharField(_("what the change is about"), max_length=200)
    label_author = models.CharField(
        _("whose words"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    label_verbatim = models.BooleanField(_("their exact words"), default=False)
    domain = models.CharField(_("life domain"), max_length=40, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class ReadinessRating(models.Model):
    """Stage of change and the two rulers for one concern on one day."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="ratings")
    rated_on = models.DateField(_("date"))
    stage = models.CharField(_("stage of change"), max_length=20)
    importance = models.PositiveSmallIntegerField(
        _("importance"), validators=[MaxValueValidator(10)]
    )
    confidence = models.PositiveSmallIntegerField(
        _("confidence"), validators=[MaxValueValidator(10)]
    )
    why_not_lower = models.TextField(
        _("Why this number and not a lower one?"), max_length=1000, blank=True
    )
    why_author = models.CharField(max_length=10, choices=Author.choices, default=Author.CLIENT)
    rated_by = models.CharField(
        _("whose rating"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rated_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(importance__lte=10), name="rating_importance_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__lte=10), name="rating_confidence_0_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.concern}: {self.importance}/{self.confidence}"


class EcomapNode(TimeStampedModel):
    """A person or system around the client, and the client's tie to it."""

    class Strength(models.TextChoices):
        STRONG = "strong", _("Strong")
        MODERATE = "moderate", _("Moderate")
        TENUOUS = "tenuous", _("Tenuous")

    class Quality(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEUTRAL = "neutral", _("Neutral")
        STRESSFUL = "stressful", _("Stressful")

    class Flow(models.TextChoices):
        TO_CLIENT = "to_client", _("Energy flows to the client")
        FROM_CLIENT = "from_client", _("Energy flows from the client")
        BOTH = "both", _("Both ways")
        NONE = "none", _("No flow")

    class NodeKind(models.TextChoices):
        FAMILY = "family", _("Family")
        FRIENDS = "friends", _("Friends")
        WORK = "work", _("Work")
        SCHOOL = "school", _("School")
        HEALTH = "health", _("Health care")
        FAITH = "faith", _("Faith community")
        SERVICES = "services", _("Services")
        COURT = "court", _("Courts and legal")
        COMMUNITY = "community", _("Community")
        RECREATION = "recreation", _("Recreation")
        OTHER = "other", _("Other")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="ecomap_nodes")
    label = models.CharField(_("who or what"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=NodeKind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    strength = models.CharField(
        _("tie"), max_length=10, choices=Strength.choices, default=Strength.MODERATE
    )
    quality = models.CharField(
        _("quality"), max_length=10, choices=Quality.choices, default=Quality.POSITIVE
    )
    flow = models.CharField(
        _("flow of energy"), max_length=12, choices=Flow.choices, default=Flow.BOTH
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["agency", "client"], name="ecomap_node_client")]

    def __str__(self) -> str:
        return self.label


class EcomapSnapshot(models.Model):
    """A dated picture of the ecomap, kept to show change over time."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="ecomap_snapshots")
    taken_on = models.DateField(_("date"))
    data = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["taken_on", "id"]

    def __str__(self) -> str:
        return f"Ecomap {self.taken_on}"
