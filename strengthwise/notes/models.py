"""Contact notes (GIRP by default, DAP, SOAP, BIRP or free text), autosaved drafts, signing,
dated addenda; progress check-ins on goals; the agency's language list and a client's own
preferred terms for the language helper."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.models import Agency
from strengthwise.assessments.models import Author
from strengthwise.core.fields import SealedJSONField, SealedTextField
from strengthwise.core.models import Categorised, TimeStampedModel
from strengthwise.people.models import Client
from strengthwise.plans.models import Goal

from .word_index import tokens_for


class ContactType(models.TextChoices):
    OFFICE = "office", _("Office")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")
    HOME = "home", _("Home visit")
    COMMUNITY = "community", _("Community visit")
    COLLATERAL = "collateral", _("Collateral (someone else, about the client)")


class Note(Categorised, TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contact_type = models.CharField(
        _("contact"), max_length=12, choices=ContactType.choices, default=ContactType.OFFICE
    )
    contact_date = models.DateField(_("date"))
    duration_minutes = models.PositiveIntegerField(
        _("minutes"), null=True, blank=True, validators=[MaxValueValidator(24 * 60)]
    )
    present = models.CharField(_("who was there"), max_length=300, blank=True)
    goals = models.ManyToManyField(Goal, blank=True, related_name="notes", verbose_name=_("goals"))
    format = models.CharField(_("format"), max_length=8, default="girp")
    # {section key: text}; the sections follow the format (notes/data/note-formats.yaml).
    # Sealed at rest (core/crypto.py), as are the quotations below.
    sections = SealedJSONField(default=dict)
    # Whose words the quotations in the sections are: [{"section", "text", "by": "client" |
    # "other", "who"}]. Unmarked quotations are the client's, except in a collateral note
    # (`unmarked_quotes_by`). Only the client's own words are left alone by the language helper.
    quotes = SealedJSONField(default=list, blank=True)
    # A note in a protected category (`categories`, core/sensitivity.py) is not in the word
    # index: its `search_text` and `search_starts` stay empty. Otherwise they hold keyed
    # tokens of the note's words and of their starts, never the words (notes/word_index.py).
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    autosaved_at = models.DateTimeField(null=True, blank=True)
    search_text = models.TextField(default="", editable=False)
    search_starts = models.TextField(default="", editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-contact_date", "-id"]
        indexes = [
            models.Index(fields=["agency", "client", "contact_date"], name="note_client_date"),
            models.Index(fields=["author", "status"], name="note_author_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_contact_type_display()} {self.contact_date} ({self.client_id})"

    @property
    def signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def unmarked_quotes_by(self) -> str:
        """Whose an unmarked quotation is: in a collateral contact (with someone other than the
        client) it is that person's; otherwise the client's."""
        return "other" if self.contact_type == ContactType.COLLATERAL else "client"

    def sealed_indexes(self) -> dict[str, str]:
        """The blind tokens of the note's words under the current key (core/rotation.py
        recomputes them when it re-seals)."""
        words, starts = "", ""
        if self.agency_id and not self.categories:
            texts = [self.present, *(str(v) for v in self.sections.values())]
            words, starts = tokens_for(self.agency_id, *texts)
        return {"search_text": words, "search_starts": starts}

    @property
    def excerpt(self) -> str:
        """The first section with words in it, for lists."""
        return next((str(v) for v in self.sections.values() if str(v).strip()), "")


class Addendum(models.Model):
    """A dated correction or addition to a signed note; shown beside it, never merged in."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="addenda")
    text = SealedTextField(_("addendum"), max_length=5000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Addendum to {self.note_id}"


class CheckIn(models.Model):
    """Progress on a goal as the client and the worker each see it, with readiness rulers."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="checkins")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="checkins")
    checked_on = models.DateField(_("date"))
    client_rating = models.PositiveSmallIntegerField(
        _("how the client rates progress (0–10)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
    )
    worker_rating = models.PositiveSmallIntegerField(
        _("how the worker rates progress (0–10)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
    )
    client_gas = models.SmallIntegerField(
        _("client's GAS level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
    )
    worker_gas = models.SmallIntegerField(
        _("worker's GAS level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
    )
    importance = models.PositiveSmallIntegerField(
        _("importance (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    confidence = models.PositiveSmallIntegerField(
        _("confidence (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    comment = models.CharField(_("in their words"), max_length=500, blank=True)
    comment_author = models.CharField(
        _("whose words"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    comment_verbatim = models.BooleanField(_("their exact words"), default=False)
    # None: the client checked in themselves, in the portal.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checked_on", "id"]

    def __str__(self) -> str:
        return f"Check-in {self.checked_on} on goal {self.goal_id}"


class LanguageTerm(models.Model):
    """The agency's list of terms to avoid, with alternatives and sources (seeded from the
    shipped list the first time an agency uses the helper; editable in pages)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(_("term to avoid"), max_length=120)
    alternatives = models.CharField(
        _("alternatives"), max_length=500, help_text=_("Separate alternatives with “;”.")
    )
    sources = models.CharField(_("source"), max_length=500, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "term"], name="language_term_once")
        ]

    def __str__(self) -> str:
        return self.term


class ClientTerms(models.Model):
    """Words a client has said they use for themselves ("I'm an addict, that's my word"): the
    language helper does not flag them in this client's notes."""

    # When two records are merged and both have a list, the survivor's is kept (people/merge.py).
    merge_on_conflict = "keep"

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="own_terms")
    terms = models.CharField(
        _("the client's own words for themselves"),
        max_length=300,
        blank=True,
        help_text=_("Separate with “;”. The language helper will not flag these for this client."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Own terms of {self.client_id}"

    def term_list(self) -> list[str]:
        return [t.strip() for t in self.terms.split(";") if t.strip()]
