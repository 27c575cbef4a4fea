"""The demo's portal accounts: Dana (English) and Rosa (Spanish) sign in to /portal/ with the
demo password, Dana's record shows that alice and bob have opened it, and alice has written
to her in the portal (and she has answered)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password

from strengthwise.accounts.access import record_reads
from strengthwise.accounts.models import User
from strengthwise.people.models import Client
from strengthwise.people.personas import DEMO_PASSWORD

from . import services
from .models import PortalAccount

ACCOUNTS = (("dana", "Dana", "Whitfield"), ("rosa", "Rosa", "Hernández"))


def load(**options: Any) -> dict[str, Any]:
    alice = User.objects.filter(username="alice").first()
    if alice is None or PortalAccount.objects.exists():
        return {}
    made = {}
    for login, first, last in ACCOUNTS:
        client = Client.objects.filter(
            agency_id=alice.agency_id,
            legal_first_name=first,
            legal_last_name=last,
            merged_into__isnull=True,
        ).first()
        if client is None:
            continue
        made[login] = PortalAccount.objects.create(
            agency_id=client.agency_id,
            client=client,
            login=login,
            password=make_password(DEMO_PASSWORD),
        )
    if "dana" in made:
        # Dana's access log is not empty: her worker and the supervisor opened her record.
        for user in User.objects.filter(username__in=("alice", "bob")).order_by("username"):
            record_reads(user, None, action="client.viewed", clients=[made["dana"].client])
            record_reads(user, None, action="plan.viewed", clients=[made["dana"].client])
        dana = made["dana"].client
        services.message_to_client(
            acting_user=alice,
            client=dana,
            text="Hi Dana, the landlord letter is ready: I left a copy at the front desk.",
        )
        services.message_to_worker(client=dana, text="Thank you! I'll pick it up Thursday.")
    return {"portal_accounts": made}
