from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from strengthwise.directory.testing import make_service
from strengthwise.referrals import services
from strengthwise.referrals.models import Consent


@pytest.fixture
def workshop(db: Any) -> Any:
    return make_service(
        "Money Basics evening workshop",
        org_name="River City Credit Union Foundation",
        term="Financial literacy",
        domains=("financial",),
        languages=("en", "es"),
    )


@pytest.fixture
def consent_for(personas: Any) -> Any:
    """consent_for(service, **overrides) -> a consent of Dana's, given by e-signature."""

    def make(service: Any, **overrides: Any) -> Consent:
        fields = {
            "information": ["contact", "goals"],
            "organization": service.organization,
            "purpose": "referral",
            "valid_from": timezone.localdate() - dt.timedelta(days=1),
            "valid_until": timezone.localdate() + dt.timedelta(days=365),
            "method": Consent.Method.E_SIGNATURE,
            "signed_name": "Dana Whitfield",
            "right_to_revoke_explained": True,
            **overrides,
        }
        return services.consent_record(
            acting_user=personas.alice, client=personas.dana, fields=fields
        )

    return make
