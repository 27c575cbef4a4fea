"""strengthwise export-fhir CLIENT_ID: print the client's record as a FHIR R4 Bundle (JSON),
checked against the R4 models before it is printed; the export is audited."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strengthwise.audit.services import audit_record
from strengthwise.interop import fhir
from strengthwise.people.models import Client


class Command(BaseCommand):
    help = "Print one client's record as a FHIR R4 Bundle (JSON), validated."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("client_id", type=int)

    def handle(self, *args: Any, client_id: int, **options: Any) -> None:
        client = Client.objects.filter(pk=client_id, merged_into__isnull=True).first()
        if client is None:
            raise CommandError(f"no client {client_id} (or it was merged into another record)")
        bundle = fhir.client_bundle(client)
        try:
            fhir.validate(bundle)
        except ValueError as exc:
            raise CommandError(f"the bundle is not valid FHIR R4: {exc}") from exc
        missing = fhir.unresolved_references(bundle)
        if missing:
            raise CommandError(f"references that resolve to nothing: {', '.join(missing)}")
        audit_record(
            actor=None,
            actor_label="strengthwise export-fhir (command line)",
            action="client.exported",
            target=client,
            changes={"format": [None, "fhir-r4"]},
        )
        self.stdout.write(json.dumps(bundle, ensure_ascii=False, indent=2))
