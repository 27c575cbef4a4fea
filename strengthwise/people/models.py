"""Clients, their households and their episodes of care."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.models import Agency, Program, Team
from strengthwise.core.fields import (
    SealedCharField,
    SealedDateField,
    SealedFloatField,
    SealedJSONField,
)
from strengthwise.core.models import TimeStampedModel
from strengthwise.core.text import fold

phone_validator = RegexValidator(
    r"^[0-9+()\-. ]{7,25}$", _("Enter a phone number: digits, spaces, + ( ) - . only.")
)


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    VIETNAMESE = "vi", _("Vietnamese")
    CHINESE = "zh", _("Chinese")
    ARABIC = "ar", _("Arabic")
    SOMALI = "so", _("Somali")
    TAGALOG = "tl", _("Tagalog")
    FRENCH = "fr", _("French")
    HAITIAN_CREOLE = "ht", _("Haitian Creole")
    RUSSIAN = "ru", _("Russian")
    ASL = "ase", _("American Sign Language")
    OTHER = "other", _("Other")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    TEXT = "text", _("Text message")
    EMAIL = "email", _("Email")
    MAIL = "mail", _("Letter")
    IN_PERSON = "in_person", _("In person only")


class Client(TimeStampedModel):
    """A person the agency serves. A person is never closed; their episodes are."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="clients")
    legal_first_name = models.CharField(_("legal first name"), max_length=100, blank=True)
    legal_last_name = models.CharField(_("legal last name"), max_length=100, blank=True)
    preferred_name = models.CharField(
        _("preferred first name"),
        max_length=100,
        blank=True,
        help_text=_(
            "The first name they ask to be called, e.g. “Dani”. Their legal last name follows "
            "it wherever they are named."
        ),
    )
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    # Sealed at rest (core/crypto.py); exact matches go through `dob_index`.
    date_of_birth = SealedDateField(_("date of birth"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text=_("Drives the portal and the printed plan."),
    )
    other_languages = models.CharField(_("other languages spoken"), max_length=200, blank=True)
    interpreter_needed = models.BooleanField(_("needs an interpreter"), default=False)

    phone = models.CharField(_("phone"), max_length=25, blank=True, validators=[phone_validator])
    phone_digits = models.CharField(max_length=25, blank=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    preferred_contact_method = models.CharField(
        _("preferred contact"), max_length=20, choices=ContactMethod.choices, blank=True
    )
    ok_to_leave_message = models.BooleanField(_("OK to leave a message"), default=False)
    do_not_contact = models.BooleanField(
        _("do not contact"),
        default=False,
        help_text=_("The client asked not to be contacted, or contact could put them at risk."),
    )
    contact_notes = models.CharField(_("contact notes"), max_length=300, blank=True)

    # The street address and the home's coordinates are sealed at rest (core/crypto.py).
    address_line1 = SealedCharField(_("address"), max_length=200, blank=True)
    address_line2 = SealedCharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("state"), max_length=50, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    home_latitude = SealedFloatField(
        _("home latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("Used only to find help nearby; hidden like the address when confidential."),
    )
    home_longitude = SealedFloatField(
        _("home longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    address_confidential = models.BooleanField(
        _("address is confidential"),
        default=False,
        help_text=_(
            "For survivors of violence: the address is shown only to the assigned worker "
            "and never exported."
        ),
    )

    primary_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="caseload",
        null=True,
        blank=True,
        verbose_name=_("primary worker"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="clients", verbose_name=_("team")
    )

    # Maintained by the services for search and duplicate checks (not user input).
    search_name = models.CharField(max_length=400, blank=True, editable=False)
    phonetic_first = models.CharField(max_length=30, blank=True, editable=False)
    phonetic_last = models.CharField(max_length=30, blank=True, editable=False)
    # Each name word, its one-letter deletions and its Metaphone key (people/search.py): finds
    # transpositions and one-letter slips in short names that share no trigram with the query.
    search_keys = models.TextField(blank=True, editable=False)
    # A keyed digest of the date of birth (core/crypto.py blind_index) for exact matches.
    dob_index = models.CharField(max_length=40, blank=True, editable=False)

    version = models.PositiveIntegerField(default=1, editable=False)

    # Set when this record was merged into another (the survivor). A merged record is kept, so
    # the merge can be undone, but it is hidden from everyone's scope (accounts/access.py).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
        verbose_name=_("merged into"),
    )

    class Meta:
        indexes = [
            # A caseload and each team's clients in name order, the order of the list pages
            # and the API list (people.selectors.client_list_page): a page reads its rows.
            models.Index(
                fields=["agency", "primary_worker", "legal_last_name", "legal_first_name", "id"],
                name="client_caseload_names",
            ),
            models.Index(
                fields=["agency", "team", "legal_last_name", "legal_first_name", "id"],
                name="client_team_names",
            ),
            models.Index(fields=["agency", "dob_index"], name="client_dob_index"),
            models.Index(fields=["agency", "phonetic_last"], name="client_phonetic_last"),
            models.Index(fields=["agency", "phone_digits"], name="client_phone"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(legal_first_name="") | ~models.Q(legal_last_name=""),
                name="client_has_a_name",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name the client goes by: their preferred first name (else their legal one) and
        their legal last name. A preferred name written whole, ending with the last name
        ("Rosa Nguyễn Hernández"), is shown as written, never with the last name twice."""
        first = " ".join(self.preferred_name.split()) or self.legal_first_name
        last = " ".join(self.legal_last_name.split())
        if self.preferred_name and last and fold(first).endswith(fold(last)):
            words, tail = fold(first).split(), fold(last).split()
            if words[-len(tail) :] == tail:
                return first
        return f"{first} {last}".strip()

    def sealed_indexes(self) -> dict[str, str]:
        """The blind indexes of the sealed fields (core/rotation.py recomputes them)."""
        from .duplicates import dob_index_for

        return {"dob_index": dob_index_for(self.date_of_birth)}

    @property
    def legal_name(self) -> str:
        return f"{self.legal_first_name} {self.legal_last_name}".strip()

    @property
    def age(self) -> int | None:
        if not self.date_of_birth:
            return None
        today = timezone.localdate()
        dob = self.date_of_birth
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not self.legal_first_name.strip() and not self.legal_last_name.strip():
            errors["legal_first_name"] = [str(_("Enter at least a first or a last name."))]
        if self.date_of_birth:
            if self.date_of_birth > timezone.localdate():
                errors["date_of_birth"] = [str(_("The date of birth cannot be in the future."))]
            elif self.date_of_birth < dt.date(1900, 1, 1):
                errors["date_of_birth"] = [str(_("Check the date of birth: it is before 1900."))]
        if self.team_id and self.agency_id and self.team.agency_id != self.agency_id:
            errors["team"] = [str(_("The team belongs to another agency."))]
        worker = self.primary_worker if self.primary_worker_id else None
        if worker is not None and self.agency_id and worker.agency_id != self.agency_id:
            errors["primary_worker"] = [str(_("The worker belongs to another agency."))]
        if errors:
            raise ValidationError(errors)


class HouseholdMember(TimeStampedModel):
    """Someone the client lives with or cares for (not necessarily a client themselves)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="household")
    name = models.CharField(_("name"), max_length=200)
    relationship = models.CharField(_("relationship to the client"), max_length=100)
    date_of_birth = SealedDateField(_("date of birth"), null=True, blank=True)
    lives_with_client = models.BooleanField(_("lives with the client"), default=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["agency", "client"], name="household_client")]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"

    def clean(self) -> None:
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError(
                {"date_of_birth": _("The date of birth cannot be in the future.")}
            )


class Episode(TimeStampedModel):
    """One period of service in a program. A client can be served, closed and come back."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="episodes")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="episodes")
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("reason for closing"), max_length=200, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["agency", "client", "closed_on"], name="episode_client_open")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="episode_closes_after_it_opens",
            ),
            models.UniqueConstraint(
                fields=["client", "program"],
                condition=models.Q(closed_on__isnull=True),
                name="episode_one_open_per_program",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} from {self.opened_on}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class ClientMerge(models.Model):
    """One merge of a duplicate record into the record that survives, kept so it can be undone.

    `moved` lists exactly the rows that moved ({model label: {field: [pks]}}); `kept` the rows
    that stayed with the merged record because the survivor already had their one-of-a-kind
    counterpart (same shape); `choices` which record each differing field was taken from;
    `fields_before` both records' values as they were ({"survivor": {...}, "duplicate": {...}}).
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    survivor = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="merges", verbose_name=_("kept record")
    )
    duplicate = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        related_name="merged_away",
        verbose_name=_("merged record"),
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("merged at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=500)
    moved = models.JSONField(default=dict)
    kept = models.JSONField(default=dict)
    choices = models.JSONField(default=dict)
    # Sealed at rest (core/fields.py): it holds both records' dates of birth and addresses, which
    # the records themselves keep sealed.
    fields_before = SealedJSONField(default=dict)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # What the undo did: rows no longer there, fields edited since the merge and kept as they are.
    undo_detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["agency", "survivor"], name="merge_survivor"),
            models.Index(fields=["agency", "duplicate"], name="merge_duplicate"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(survivor=models.F("duplicate")),
                name="merge_two_different_records",
            ),
        ]

    def __str__(self) -> str:
        return f"Merge of {self.duplicate_id} into {self.survivor_id}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None
