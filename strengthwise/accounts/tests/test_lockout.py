"""Sign-in lockout (issue 12): 50 wrong passwords for carol, then the right one, used to sign
her in. Now: after the limit, for that account or from that address, sign-in is refused until
the cool-off ends, and every failure and the lockout are audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone

from strengthwise.audit.models import AuditEvent
from strengthwise.people.personas import DEMO_PASSWORD

LIMIT = settings.AXES_FAILURE_LIMIT


def _sign_in(username: str, password: str, address: str = "10.0.0.1") -> object:
    return HttpClient(REMOTE_ADDR=address).post(
        "/accounts/sign-in/", {"username": username, "password": password}
    )


@pytest.mark.django_db
def test_many_wrong_passwords_lock_the_account_until_the_cool_off_ends(personas):
    for attempt in range(LIMIT - 1):
        assert _sign_in("carol", f"wrong {attempt}").status_code == 200  # the form, again
    assert _sign_in("carol", "wrong at the limit").status_code == 429  # the limit is reached
    refused = _sign_in("carol", DEMO_PASSWORD)
    assert refused.status_code == 429
    assert "Sign-in paused" in refused.content.decode()
    # From another address too: the account itself is paused.
    assert _sign_in("carol", DEMO_PASSWORD, address="10.0.0.99").status_code == 429
    failed = AuditEvent.objects.filter(action="auth.sign_in_failed", actor_label="carol")
    assert failed.count() >= LIMIT
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()
    # Another account signs in from another address as usual.
    assert _sign_in("alice", DEMO_PASSWORD, address="10.0.0.7").status_code == 302
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)):
        assert _sign_in("carol", DEMO_PASSWORD, address="10.0.0.99").status_code == 302


@pytest.mark.django_db
def test_many_failures_from_one_address_pause_that_address(personas):
    for attempt in range(LIMIT):
        _sign_in(f"nobody{attempt}", "wrong", address="192.0.2.5")
    assert _sign_in("alice", DEMO_PASSWORD, address="192.0.2.5").status_code == 429
    assert _sign_in("alice", DEMO_PASSWORD, address="192.0.2.6").status_code == 302


@pytest.mark.django_db
def test_a_good_sign_in_clears_earlier_failures(personas):
    for attempt in range(LIMIT - 1):
        _sign_in("bob", f"wrong {attempt}", address="10.1.1.1")
    assert _sign_in("bob", DEMO_PASSWORD, address="10.1.1.1").status_code == 302
    for attempt in range(LIMIT - 1):
        _sign_in("bob", f"wrong again {attempt}", address="10.1.1.1")
    assert _sign_in("bob", DEMO_PASSWORD, address="10.1.1.1").status_code == 302
