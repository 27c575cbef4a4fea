"""strengthwise webhook add URL --agency SLUG --event E [--event E …] | list [--agency SLUG] |
off ID | on ID | rotate ID | remove ID: the agency's webhook endpoints from the command line,
through the same services as Settings → Webhooks and the API (each change audited). A new
endpoint's or a rotated signing secret is printed once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strengthwise.accounts.models import Agency
from strengthwise.core.errors import DomainError
from strengthwise.interop import selectors, webhooks
from strengthwise.interop.models import WebhookEndpoint

LABEL = "strengthwise webhook (command line)"


class Command(BaseCommand):
    help = "Register, list, turn off or on, rotate the secret of, or remove webhook endpoints."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add")
        add.add_argument("url")
        add.add_argument("--agency", required=True)
        add.add_argument("--event", action="append", choices=webhooks.EVENT_TYPES)
        listing = sub.add_parser("list")
        listing.add_argument("--agency")
        for name in ("off", "on", "rotate", "remove"):
            sub.add_parser(name).add_argument("endpoint_id", type=int)

    def _agency(self, slug: str) -> Agency:
        agency = Agency.objects.filter(slug=slug).first()
        if agency is None:
            raise CommandError(f"no agency {slug!r}")
        return agency

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            self._handle(action, options)
        except DomainError as error:
            problems = [p for ps in error.field_errors.values() for p in ps] or [error.message]
            raise CommandError(" ".join(problems)) from error

    def _handle(self, action: str, options: dict[str, Any]) -> None:
        if action == "list":
            agency_id = self._agency(options["agency"]).pk if options.get("agency") else None
            slugs = dict(Agency.objects.values_list("pk", "slug"))
            for e in selectors.endpoints_with_deliveries(agency_id=agency_id):
                state = "removed" if e.removed_at else "active" if e.active else "off"
                self.stdout.write(
                    f"{e.pk}\t{slugs.get(e.agency_id, '')}\t{e.url}\t{','.join(e.events)}\t"
                    f"{state}\t{e.waiting} pending"  # type: ignore[attr-defined]
                )
            return
        if action == "add":
            added, secret = webhooks.endpoint_add(
                agency_id=self._agency(options["agency"]).pk,
                url=options["url"],
                events=options["event"] or [],
                actor_label=LABEL,
            )
            self.stdout.write(f"endpoint {added.pk}; its signing secret (shown once): {secret}")
            return
        endpoint = WebhookEndpoint.objects.filter(pk=options["endpoint_id"]).first()
        if endpoint is None:
            raise CommandError(f"no endpoint {options['endpoint_id']}")
        if action in ("off", "on"):
            webhooks.endpoint_set_active(
                endpoint=endpoint, active=action == "on", actor_label=LABEL
            )
            self.stdout.write(f"endpoint {endpoint.pk} {action}")
        elif action == "rotate":
            _endpoint, secret = webhooks.endpoint_rotate_secret(
                endpoint=endpoint, actor_label=LABEL
            )
            self.stdout.write(
                f"endpoint {endpoint.pk}; its new signing secret (shown once): {secret}"
            )
        else:
            webhooks.endpoint_remove(endpoint=endpoint, actor_label=LABEL)
            self.stdout.write(f"endpoint {endpoint.pk} removed; its deliveries stay listed")
