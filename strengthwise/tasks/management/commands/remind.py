"""`strengthwise remind`: email each worker the tasks that are due or overdue and that they have
not been reminded of yet. Idempotent — running it twice sends nothing twice — so cron can run
it as often as it likes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from strengthwise.accounts.models import Role, User
from strengthwise.core.text import show_date
from strengthwise.tasks import rules, selectors
from strengthwise.tasks.models import ReminderSent


class Command(BaseCommand):
    help = "Email each worker their due and overdue tasks, once per task (safe to run from cron)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="pretend today is this date (YYYY-MM-DD)")
        parser.add_argument("--dry-run", action="store_true", help="print, send nothing")

    def handle(self, *args: Any, date: str | None, dry_run: bool, **options: Any) -> None:
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from exc
        sent = 0
        users = User.objects.filter(
            is_active=True, role__in=[Role.WORKER, Role.SUPERVISOR], agency__isnull=False
        ).exclude(email="")
        for user in users.order_by("pk"):
            every: list[Any] = [*rules.derive(user, today=today), *selectors.manual_tasks(user)]
            due = [t for t in every if t.due_on <= today]
            already = set(
                ReminderSent.objects.filter(user=user, key__in=[t.key for t in due]).values_list(
                    "key", flat=True
                )
            )
            fresh = [t for t in due if t.key not in already]
            if not fresh:
                continue
            if dry_run:
                self.stdout.write(f"{user.username}: {len(fresh)} task(s)")
                continue
            with translation.override(settings.LANGUAGE_CODE):
                lines = [f"- {t.title} ({show_date(t.due_on)})" for t in fresh]
                body = "\n".join(
                    [
                        _("Hello %(name)s,") % {"name": user.label},
                        "",
                        _("These are due or overdue in Strengthwise:"),
                        "",
                        *lines,
                        "",
                        _("Your day: %(url)s")
                        % {"url": f"{settings.STRENGTHWISE_BASE_URL}/today/"},
                    ]
                )
                subject = ngettext(
                    "Strengthwise: %(n)s task due", "Strengthwise: %(n)s tasks due", len(fresh)
                ) % {"n": len(fresh)}
            try:
                with transaction.atomic():
                    # Claim the keys first: a second run at the same moment cannot send them too.
                    ReminderSent.objects.bulk_create(
                        [ReminderSent(user=user, key=t.key) for t in fresh]
                    )
                    send_mail(subject, body, None, [user.email])
            except IntegrityError:
                continue  # another run claimed them
            except OSError as error:  # SMTP refused this address: the others still get theirs
                self.stderr.write(f"{user.username}: not sent ({error})")
                continue
            sent += 1
        self.stdout.write(f"reminders sent: {sent}")
