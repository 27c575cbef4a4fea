"""strengthwise export-fhir CLIENT_ID [--consent ID]: print the client's record as a FHIR R4
Bundle (JSON), checked against the R4 models before it is printed; the export is audited. With
--consent, the export for the organisation that consent names: only what it covers."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from strengthwise.core.errors import DomainError
from strengthwise.interop import fhir, services
from strengthwise.people.models import Client
from strengthwise.referrals.models import Consent


class Command(BaseCommand):
    help = "Print one client's record as a FHIR R4 Bundle (JSON), validated."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("client_id", type=int)
        parser.add_argument(
            "--consent",
            type=int,
            default=None,
            help="one of the client's consents: export only what it lets us share",
        )

    def handle(self, *args: Any, client_id: int, consent: int | None, **options: Any) -> None:
        client = Client.objects.filter(pk=client_id, merged_into__isnull=True).first()
        if client is None:
            raise CommandError(f"no client {client_id} (or it was merged into another record)")
        shared_under = None
        if consent is not None:
            shared_under = Consent.objects.filter(pk=consent, client=client).first()
            if shared_under is None:
                raise CommandError(f"client {client_id} has no consent {consent}")
        # One transaction: a bundle that fails its checks is not printed, nor recorded as
        # exported.
        with transaction.atomic():
            try:
                bundle = services.fhir_export(
                    client=client,
                    consent=shared_under,
                    actor_label="strengthwise export-fhir (command line)",
                )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            try:
                fhir.validate(bundle)
            except ValueError as exc:
                raise CommandError(f"the bundle is not valid FHIR R4: {exc}") from exc
            missing = fhir.unresolved_references(bundle)
            if missing:
                raise CommandError(f"references that resolve to nothing: {', '.join(missing)}")
        self.stdout.write(json.dumps(bundle, ensure_ascii=False, indent=2))
