"""Episode closure with the client: why it ends, what helped in their words, the supervisor's
approval where the program asks for it, and coming back (a new episode, the old one kept)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.models import Agency
from strengthwise.assessments.models import Author
from strengthwise.core.fields import SealedTextField
from strengthwise.core.models import TimeStampedModel
from strengthwise.people.models import Client, Episode


class CloseReason(models.TextChoices):
    GOALS_ACHIEVED = "goals_achieved", _("Goals achieved")
    CLIENT_CHOSE = "client_chose", _("The client chose to end")
    MOVED = "moved", _("Moved away")
    TRANSFERRED = "transferred", _("Transferred to another service")
    NO_CONTACT = "no_contact", _("No contact")
    OTHER = "other", _("Other")


# What goes into Episode.close_reason (plain words, as the episodes before closures have them).
EPISODE_REASON_TEXT = {
    CloseReason.GOALS_ACHIEVED: "goals achieved",
    CloseReason.CLIENT_CHOSE: "client chose to end",
    CloseReason.MOVED: "moved",
    CloseReason.TRANSFERRED: "transferred",
    CloseReason.NO_CONTACT: "no contact",
    CloseReason.OTHER: "other",
}


class Closure(TimeStampedModel):
    """The closing of one episode, written with the client. The person is never closed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being written together")
        AWAITING_APPROVAL = "awaiting_approval", _("Waiting for supervisor approval")
        RETURNED = "returned", _("Returned with comments")
        CLOSED = "closed", _("Closed")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="closures")
    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="closure")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    reason = models.CharField(
        _("why the episode ends"), max_length=20, choices=CloseReason.choices, blank=True
    )
    reason_other = models.CharField(_("the reason, if other"), max_length=200, blank=True)
    what_helped = models.TextField(
        _("what helped, in their words"),
        max_length=2000,
        blank=True,
        help_text=_("Ask them: “What helped you most while we worked together?”"),
    )
    what_helped_author = models.CharField(
        _("whose words"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    what_helped_verbatim = models.BooleanField(_("their exact words"), default=True)
    worker_summary = models.TextField(_("the worker's summary"), max_length=4000, blank=True)
    closed_on = models.DateField(_("closing date"), null=True, blank=True)
    close_anyway = models.BooleanField(
        _("close anyway — open referrals stay open with the organisation"),
        default=False,
        help_text=_(
            "Tick this only if the client knows the organisation keeps working with them "
            "after the episode closes."
        ),
    )
    # The referrals still open when the closure was submitted, with the choice above.
    open_referrals_at_close = models.JSONField(default=list, blank=True)
    # The final GAS follow-ups recorded from the closure page: {goal id: {client|worker: id}}.
    final_gas = models.JSONField(default=dict, blank=True)
    supervisor_comment = models.TextField(_("supervisor's comment"), max_length=2000, blank=True)

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "status"], name="closure_status"),
            models.Index(fields=["agency", "client"], name="closure_client"),
        ]

    def __str__(self) -> str:
        return f"Closure of episode {self.episode_id}"

    @property
    def reason_text(self) -> str:
        """The reason in words (the 'other' text when there is one)."""
        if self.reason == CloseReason.OTHER and self.reason_other:
            return self.reason_other
        return str(self.get_reason_display()) if self.reason else ""

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.reason == CloseReason.OTHER and not self.reason_other.strip():
            errors["reason_other"] = [str(_("Say what the reason is."))]
        episode = self.episode if self.episode_id else None
        if self.closed_on and episode is not None and self.closed_on < episode.opened_on:
            errors["closed_on"] = [str(_("The episode cannot close before it opened."))]
        if errors:
            raise ValidationError(errors)


class ClosureEvent(models.Model):
    """The closure's history: submitted, approved, returned (with the comment), closed, and
    reopened (when the client came back and a new episode started)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Sent for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned with comments")
        CLOSED = "closed", _("Episode closed")
        REOPENED = "reopened", _("The client came back: a new episode started")
        REWORDED = "reworded", _("The client rewrote what helped, in the portal")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    closure = models.ForeignKey(Closure, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    comment = models.TextField(max_length=2000, blank=True)
    new_episode = models.ForeignKey(
        Episode, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # No staff member when the client did it themselves, in the portal (REWORDED; the comment
    # then keeps the words they replaced).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.closure_id})"

    @property
    def by_label(self) -> str:
        return str(self.by.label) if self.by else str(_("the client, in the portal"))


class Reopening(models.Model):
    """A client who came back: the new episode, the one before it and why they returned."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="reopenings")
    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="reopening")
    previous_episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    previous_closure = models.ForeignKey(
        Closure, on_delete=models.SET_NULL, null=True, blank=True, related_name="reopenings"
    )
    reason = models.TextField(_("why they came back"), max_length=1000)
    reason_author = models.CharField(
        _("whose words"), max_length=10, choices=Author.choices, default=Author.CLIENT
    )
    reason_verbatim = models.BooleanField(_("their exact words"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["agency", "client"], name="reopening_client")]

    def __str__(self) -> str:
        return f"Reopening {self.episode_id} after {self.previous_episode_id}"


class RetentionHold(models.Model):
    """A legal hold: while one is in force (not released), `strengthwise purge` leaves the
    client's record alone, whatever the retention periods say (outcomes/retention.py).

    Holds are placed from the command line (`strengthwise legal-hold`), so who placed or lifted
    one is a label, not a user. A merge moves a hold to the surviving record with the rest."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="retention_holds")
    reason = models.CharField(_("reason"), max_length=300)
    placed_at = models.DateTimeField(default=timezone.now)
    placed_by = models.CharField(max_length=150)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["agency", "client"], name="retention_hold_client")]

    def __str__(self) -> str:
        return f"Hold on {self.client_id} since {self.placed_at:%Y-%m-%d}"


class ReportsVersion(models.Model):
    """How many times the data the reports read has changed, per agency (outcomes/snapshots.py):
    raised by every write that can move a figure, in the writer's transaction. A snapshot made
    at version v is exactly what the reports would compute as long as this is still v."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"agency {self.agency_id}: version {self.version}"


class ReportSnapshot(models.Model):
    """Every figure of the reports for one scope (`measures.measure_all`'s result, encoded by
    `snapshots.encode`), as of `computed_at`: read instead of ~50 aggregate queries over the
    scope. The figures hold clients' own words (strengths) and client ids, so they are sealed
    at rest like the records they come from."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)  # snapshots.scope_key: the scope, filters, language
    # What `strengthwise refresh-reports` needs to compute it again: the reader whose clients
    # it covers (None: no reader's scope), the filters and the language.
    reader_id = models.BigIntegerField(null=True, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=16, blank=True)
    version = models.BigIntegerField()  # ReportsVersion.version when the computation began
    today = models.DateField()  # the agency's day the data-quality figures are "as of"
    computed_at = models.DateTimeField()  # when the computation began: "as of"
    seconds = models.FloatField(default=0)  # how long it took
    figures = SealedTextField()
    # The same figures as a de-identified reader gets them (`deidentify.deidentify`): the
    # complementary suppression is solved once per computation, not on every read.
    deidentified = SealedTextField(blank=True, default="")
    refreshing_since = models.DateTimeField(null=True, blank=True)  # a refresh claimed it

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "key"], name="report_snapshot_key"),
        ]
        indexes = [
            models.Index(fields=["agency", "computed_at"], name="report_snapshot_age"),
        ]

    def __str__(self) -> str:
        return f"report snapshot {self.key[:8]} of agency {self.agency_id} at {self.computed_at}"
