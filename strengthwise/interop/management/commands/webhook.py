"""strengthwise webhook add URL --agency SLUG --event E [--event E …] | list: register an
endpoint (its signing secret is printed once) or list them with their deliveries."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strengthwise.accounts.models import Agency
from strengthwise.interop.models import WebhookEndpoint
from strengthwise.interop.webhooks import EVENTS, endpoint_add


class Command(BaseCommand):
    help = "Register a webhook endpoint for an agency, or list them."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add")
        add.add_argument("url")
        add.add_argument("--agency", required=True)
        add.add_argument("--event", action="append", choices=sorted(set(EVENTS.values())))
        sub.add_parser("list")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            for e in WebhookEndpoint.objects.select_related("agency").order_by("pk"):
                pending = e.deliveries.filter(delivered_at__isnull=True, gave_up_at__isnull=True)
                self.stdout.write(
                    f"{e.pk}\t{e.agency.slug}\t{e.url}\t{','.join(e.events)}\t"
                    f"{'active' if e.active else 'off'}\t{pending.count()} pending"
                )
            return
        agency = Agency.objects.filter(slug=options["agency"]).first()
        if agency is None:
            raise CommandError(f"no agency {options['agency']!r}")
        if not str(options["url"]).startswith(("https://", "http://")):
            raise CommandError("the address must start with https:// (or http:// in testing)")
        try:
            endpoint, secret = endpoint_add(
                agency_id=agency.pk, url=options["url"], events=options["event"] or []
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"endpoint {endpoint.pk}; its signing secret (shown once): {secret}")
