"""`strengthwise remind-clients`: email clients with a portal sign-in about their own steps that
are coming up, once each, in their language (safe to run from cron as often as you like)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from strengthwise.portal.reminders import send_due


class Command(BaseCommand):
    help = "Email clients a reminder of their own steps coming up, once per step and date."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="pretend today is this date (YYYY-MM-DD)")
        parser.add_argument("--dry-run", action="store_true", help="count, send nothing")

    def handle(self, *args: Any, date: str | None, dry_run: bool, **options: Any) -> None:
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from exc
        outcome = send_due(today=today, dry_run=dry_run)
        verb = "would be sent" if dry_run else "sent"
        self.stdout.write(f"client reminders {verb}: {outcome.sent}")
