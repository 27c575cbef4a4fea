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
