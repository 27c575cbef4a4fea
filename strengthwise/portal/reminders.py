"""Reminders to clients, by email, in their language: a step of their own that is due within
REMIND_DAYS, and a message from staff they have not read yet. Each reminder goes once (PortalReminderSent claims its key before the message is
sent, so two runs at the same moment cannot both send it). The message holds a first name and
a link — nothing else about the person or their plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from strengthwise.plans.models import Step

from .models import Message, PortalAccount, PortalReminderSent

REMIND_DAYS = 2


@dataclass(frozen=True)
class Outcome:
    sent: int
    skipped: int


def due_keys(account: PortalAccount, today: dt.date) -> list[str]:
    """The reminders this client should have now: one per own step due within REMIND_DAYS
    (and not overdue by more than a day), keyed by step and date so a new date reminds again;
    one per staff message they have not read."""
    steps = Step.objects.filter(
        goal__client_id=account.client_id,
        goal__status="active",
        who=Step.Who.CLIENT,
        done_on__isnull=True,
        target_date__gte=today - dt.timedelta(days=1),
        target_date__lte=today + dt.timedelta(days=REMIND_DAYS),
    ).values_list("pk", "target_date")
    unread = Message.objects.filter(
        agency_id=account.agency_id,
        client_id=account.client_id,
        from_client=False,
        read_at__isnull=True,
    ).values_list("pk", flat=True)
    return [f"step:{pk}:{day.isoformat()}" for pk, day in steps if day is not None] + [
        f"message:{pk}" for pk in unread
    ]


def send_due(*, today: dt.date, dry_run: bool = False) -> Outcome:
    sent = skipped = 0
    accounts = (
        PortalAccount.objects.filter(active=True, client__do_not_contact=False)
        .exclude(client__email="")
        .select_related("client")
        .order_by("pk")
    )
    for account in accounts:
        keys = due_keys(account, today)
        already = set(
            PortalReminderSent.objects.filter(account=account, key__in=keys).values_list(
                "key", flat=True
            )
        )
        fresh = [k for k in keys if k not in already]
        if not fresh:
            continue
        if dry_run:
            sent += 1
            continue
        client = account.client
        language = client.preferred_language if client.preferred_language in ("en", "es") else "en"
        with override(language):
            subject, body = _message(client, fresh)
        try:
            with transaction.atomic():
                PortalReminderSent.objects.bulk_create(
                    [PortalReminderSent(account=account, key=k) for k in fresh]
                )
                send_mail(subject, body, None, [client.email])
        except IntegrityError:
            skipped += 1  # another run claimed them
            continue
        except OSError:
            skipped += 1  # the mail server refused this address; the others still go
            continue
        sent += 1
    return Outcome(sent=sent, skipped=skipped)


def _message(client: Any, keys: list[str]) -> tuple[str, str]:
    """Subject and body in the current language: a first name and links, nothing else."""
    base = settings.STRENGTHWISE_BASE_URL
    steps = any(k.startswith("step:") for k in keys)
    messages = any(k.startswith("message:") for k in keys)
    lines = [_("Hello %(name)s,") % {"name": client.preferred_name or client.legal_first_name}]
    if steps:
        lines.append(
            _("Something you planned to do is coming up. Open your plan to see it: %(link)s")
            % {"link": f"{base}{reverse('portal:plan')}"}
        )
    if messages:
        lines.append(
            _("You have a new message from the people who work with you. Read it here: %(link)s")
            % {"link": f"{base}{reverse('portal:messages')}"}
        )
    subject = (
        _("A new message for you") if messages and not steps else _("A reminder from your plan")
    )
    return subject, "\n\n".join(lines)
