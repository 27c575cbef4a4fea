"""Manual tasks, and the record of reminders sent. Derived tasks (reassessment due, plan review
due, referral follow-up, no contact, consent expiring, approval waiting) are computed from the
case each time (tasks/rules.py) and have a stable key, so nothing goes stale."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.models import Agency
from strengthwise.core.models import TimeStampedModel
from strengthwise.people.models import Client


class Task(TimeStampedModel):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks"
    )
    title = models.CharField(_("what"), max_length=200)
    due_on = models.DateField(_("by when"))
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["assigned_to", "done_at", "due_on"], name="task_open")]

    def __str__(self) -> str:
        return self.title

    # The same face as a derived task, for the lists that show both.
    derived = False
    kind = "manual"

    @property
    def key(self) -> str:
        return f"manual:{self.pk}:{self.due_on.isoformat()}"

    @property
    def client_name(self) -> str:
        return self.client.display_name if self.client_id and self.client else ""

    @property
    def url(self) -> str:
        from django.urls import reverse

        return reverse("people:client-detail", args=[self.client_id]) if self.client_id else ""


class ReminderSent(models.Model):
    """One row per (user, task key) reminded: `strengthwise remind` never sends one twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.key}"


class ClientDue(models.Model):
    """One row per client: the marker that the client's derived tasks (`DueItem`) are up to
    date, the scope they were computed for, and the earliest of their due dates. Kept by
    `tasks.due.refresh_client_due` (tasks/due.py says who calls it and when)."""

    merge_derived = True  # recomputed after a merge or its undo, never moved (people/merge.py)

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, primary_key=True, related_name="due"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    primary_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    open = models.BooleanField(default=False)  # an open episode and not merged away
    next_due = models.DateField(null=True)  # the earliest DueItem.due_on (None: nothing)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "primary_worker", "next_due"], name="clientdue_worker"),
            models.Index(fields=["agency", "team", "primary_worker"], name="clientdue_team"),
        ]

    def __str__(self) -> str:
        return f"due for client {self.client_id}"


class DueItem(models.Model):
    """One derived task of one client as of its last refresh: its kind and due date, and what
        its title needs. Who may see it is the live client's scope (the reads join the client).
    Which of them show is decided when read (`due_on` within the week ahead,
        and for a consent `ends_on` not passed), so the rows need no refresh as days go by."""

    merge_derived = True  # recomputed after a merge or its undo, never moved (people/merge.py)

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="due_items", db_index=False
    )  # the (client, due_on) index covers it
    # The client's scope as of the refresh (kept with ClientDue's): the counts of the team view
    # and the day's pages filter and group on these, through agency-first indexes.
    primary_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    due_on = models.DateField()
    ends_on = models.DateField(null=True)  # a consent's last day: no task after it
    since = models.DateField(null=True)  # last assessment / last contact, for the title
    sort_name = models.CharField(max_length=300, blank=True)  # the client's display name
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, null=True, related_name="+"
    )
    consent = models.ForeignKey(
        "referrals.Consent", on_delete=models.CASCADE, null=True, related_name="+"
    )
    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, null=True, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["agency", "primary_worker", "due_on"], name="dueitem_worker"),
            models.Index(fields=["agency", "team", "due_on"], name="dueitem_team"),
            models.Index(fields=["client", "due_on"], name="dueitem_client"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id} {self.due_on}"
