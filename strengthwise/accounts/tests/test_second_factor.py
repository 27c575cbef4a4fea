"""The second factor at sign-in (issue 12 item 1): enrolment with an inline QR code, codes from
an authenticator app, single-use recovery codes, required by default, reset by an admin."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.test import Client as HttpClient
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken

from strengthwise.accounts.models import StaffAuthenticator
from strengthwise.accounts.second_factor import stored_recovery_code
from strengthwise.accounts.testing import authenticator_for, recovery_code_for
from strengthwise.audit.models import AuditEvent
from strengthwise.people.personas import DEMO_PASSWORD


def _code(device: StaffAuthenticator) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def _password(client: HttpClient, username: str, next_url: str = "") -> object:
    data = {"username": username, "password": DEMO_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/sign-in/", data)


def test_the_password_alone_reaches_no_staff_page(personas):
    client = HttpClient()
    response = _password(client, "alice")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/?next=%2Fclients%2F"
    for path in ("/clients/", f"/clients/{personas.dana.pk}/", "/today/", "/admin/", "/settings/"):
        held = client.get(path)
        assert held.status_code == 302, path
        assert held["Location"].startswith("/accounts/two-factor/?next="), path
    htmx = client.get("/clients/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith("/accounts/two-factor/")
    posted = client.post(f"/clients/{personas.dana.pk}/notes/new/", {"body": "x"})
    assert posted.status_code == 302 and posted["Location"] == "/accounts/two-factor/"
    assert not AuditEvent.objects.filter(action="client.read").exists()


def test_enrolment_shows_a_qr_code_and_confirms_with_a_code(personas, audit_events):
    client = HttpClient()
    _password(client, "carol")
    page = client.get("/accounts/two-factor/?next=/clients/")
    html = page.content.decode()
    assert page.status_code == 200 and "Set up your second factor" in html
    assert "<svg" in html and "<img" not in html  # inline, no image request
    device = StaffAuthenticator.objects.get(user=personas.carol, confirmed=False)
    assert client.get("/accounts/two-factor/").context["secret"].replace(" ", "")  # same key
    assert StaffAuthenticator.objects.filter(user=personas.carol).count() == 1

    wrong = client.post("/accounts/two-factor/", {"code": "000000", "next": "/clients/"})
    assert wrong.status_code == 200 and "did not match" in wrong.content.decode()
    assert audit_events("auth.second_factor_failed", actor_id=personas.carol.pk)
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the failure slowed the device down; skip the wait
    device.save()

    done = client.post("/accounts/two-factor/", {"code": _code(device), "next": "/clients/"})
    html = done.content.decode()
    assert done.status_code == 200 and "Your recovery codes" in html
    codes = re.findall(r"<li><code>([^<]+)</code></li>", html)
    stored = set(
        StaticToken.objects.filter(device__user=personas.carol).values_list("token", flat=True)
    )
    # Only keyed digests are kept: none of the codes shown is stored as it is.
    assert len(codes) == 10 and stored == {stored_recovery_code(c) for c in codes}
    assert not stored & set(codes)
    assert audit_events("auth.second_factor_enrolled", actor_id=personas.carol.pk)
    assert client.get("/clients/").status_code == 200
    for event in AuditEvent.objects.filter(action__startswith="auth.second_factor"):
        assert not any(code in str(event.changes) for code in codes)
        assert device.key not in str(event.changes)


def test_a_code_works_once_and_a_recovery_code_once(personas, audit_events):
    device = authenticator_for(personas.alice)
    first = HttpClient()
    _password(first, "alice")
    code = _code(device)
    ok = first.post("/accounts/two-factor/", {"code": code, "next": "/clients/"})
    assert ok.status_code == 302 and ok["Location"] == "/clients/"
    assert first.get("/clients/").status_code == 200
    assert audit_events("auth.second_factor_verified", actor_id=personas.alice.pk)

    again = HttpClient()  # someone who saw the code over her shoulder
    _password(again, "alice")
    replay = again.post("/accounts/two-factor/", {"code": code, "next": "/clients/"})
    assert replay.status_code == 200 and "did not match" in replay.content.decode()
    assert again.get("/clients/").status_code == 302

    recovery = recovery_code_for("alice")
    used = again.post("/accounts/two-factor/", {"code": recovery.upper(), "next": "/clients/"})
    assert used.status_code == 302
    third = HttpClient()
    _password(third, "alice")
    twice = third.post("/accounts/two-factor/", {"code": recovery, "next": "/clients/"})
    assert twice.status_code == 200
    methods = [e.changes["method"][1] for e in audit_events("auth.second_factor_verified")]
    assert methods == ["app", "recovery code"]
    assert len(audit_events("auth.second_factor_failed", actor_id=personas.alice.pk)) == 2


def test_where_it_goes_next_stays_on_this_site(personas):
    client = HttpClient()
    _password(client, "alice")
    code = recovery_code_for("alice")
    response = client.post("/accounts/two-factor/", {"code": code, "next": "https://evil.test/"})
    assert response.status_code == 302 and response["Location"] == "/clients/"


def test_recovery_codes_can_be_renewed_and_the_old_ones_stop(personas, web, audit_events):
    old = recovery_code_for("bob")
    page = web(personas.bob).post("/accounts/security/", {"action": "renew-codes"})
    assert page.status_code == 200 and "Your recovery codes" in page.content.decode()
    assert not StaticToken.objects.filter(token=old).exists()
    assert StaticToken.objects.filter(device__user=personas.bob).count() == 10
    assert audit_events("auth.recovery_codes_renewed", actor_id=personas.bob.pk)
    security = web(personas.bob).get("/accounts/security/").content.decode()
    assert "10 recovery codes left." in security


def test_an_admin_resets_a_lost_phone_within_their_agency(personas, web, audit_events):
    authenticator_for(personas.alice)
    alice = web(personas.alice)
    admin = web(personas.admin)
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [personas.alice.pk]},
    )
    assert response.status_code == 302
    assert not StaffAuthenticator.objects.filter(user=personas.alice).exists()
    assert alice.get("/clients/").status_code == 302  # her sessions ended
    event = audit_events("auth.second_factor_reset")[0]
    assert event.actor_id == personas.admin.pk and event.target_id == str(personas.alice.pk)
    # another agency's person is not in the admin's list, so cannot be reset from here
    authenticator_for(personas.mallory)
    admin.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [personas.mallory.pk]},
    )
    assert StaffAuthenticator.objects.filter(user=personas.mallory).exists()


def test_where_the_demo_switches_it_off_an_enrolled_person_is_still_asked(personas, settings):
    settings.STRENGTHWISE_REQUIRE_SECOND_FACTOR = False
    plain = HttpClient()
    assert _password(plain, "carol")["Location"] == "/clients/"
    assert plain.get("/clients/").status_code == 200
    authenticator_for(personas.alice)
    asked = HttpClient()
    assert _password(asked, "alice")["Location"].startswith("/accounts/two-factor/")
    assert asked.get("/clients/").status_code == 302


@pytest.mark.parametrize(
    ("env", "required"),
    [
        ({}, True),
        ({"STRENGTHWISE_REQUIRE_SECOND_FACTOR": "0"}, True),  # only the demo switches it off
        ({"STRENGTHWISE_DEMO": "1"}, False),
        ({"STRENGTHWISE_DEMO": "1", "STRENGTHWISE_REQUIRE_SECOND_FACTOR": "1"}, True),
    ],
)
def test_required_unless_the_demo_says_otherwise(env, required, tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STRENGTHWISE_")}
    clean.update(env, STRENGTHWISE_VAR_DIR=str(tmp_path))
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.STRENGTHWISE_REQUIRE_SECOND_FACTOR)",
        ],
        env={**clean, "DJANGO_SETTINGS_MODULE": "strengthwise.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == str(required)


def test_the_deploy_check_fails_when_it_is_off(settings):
    from strengthwise.accounts.checks import second_factor_required

    assert second_factor_required() == []
    settings.STRENGTHWISE_REQUIRE_SECOND_FACTOR = False
    assert [e.id for e in second_factor_required()] == ["strengthwise.E101"]


def test_each_person_makes_sees_and_revokes_their_own_api_tokens(personas, web, api):
    from strengthwise.accounts.models import ApiToken

    alice = web(personas.alice)
    page = alice.post("/accounts/tokens/", {"action": "create", "name": "my sheet", "days": 30})
    token = page.context["created"]
    assert token and token in page.content.decode()
    assert (
        api(None)
        .http.get("/api/v1/clients", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 200
    )
    row = ApiToken.objects.get(user=personas.alice, name="my sheet")
    assert token not in alice.get("/accounts/tokens/").content.decode()  # shown once
    bad = alice.post("/accounts/tokens/", {"action": "create", "name": "", "days": 999})
    assert bad.status_code == 200 and bad.context["form"].errors.keys() == {"name", "days"}
    # carol cannot revoke alice's token; alice can
    web(personas.carol).post("/accounts/tokens/", {"action": "revoke", "token": row.pk})
    row.refresh_from_db()
    assert row.revoked_at is None
    alice.post("/accounts/tokens/", {"action": "revoke", "token": "x"})  # no 500
    alice.post("/accounts/tokens/", {"action": "revoke", "token": row.pk})
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert (
        api(None)
        .http.get("/api/v1/clients", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 401
    )


def test_an_agency_admin_revokes_their_staffs_tokens_but_not_another_agencys(personas, web):
    from strengthwise.accounts.models import ApiToken
    from strengthwise.accounts.services import api_token_create

    api_token_create(acting_user=None, user=personas.alice, name="alice's")
    api_token_create(acting_user=None, user=personas.mallory, name="mallory's")
    admin = web(personas.admin)
    html = admin.get("/accounts/tokens/").content.decode()
    assert "alice&#x27;s" in html and "mallory&#x27;s" not in html
    for row in ApiToken.objects.all():
        admin.post("/accounts/tokens/", {"action": "revoke", "token": row.pk})
    revoked = dict(ApiToken.objects.values_list("name", "revoked_at"))
    assert revoked["alice's"] is not None and revoked["mallory's"] is None


def _raw_key(device: StaffAuthenticator) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_staffauthenticator WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


def test_the_authenticator_key_is_sealed_at_rest_and_still_works(personas):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from strengthwise.core import crypto

    device = authenticator_for(personas.alice)
    stored = _raw_key(device)
    assert crypto.is_sealed(stored) and device.key not in stored
    assert not TOTPDevice.objects.exists()  # django-otp's clear-key table stays empty
    device.refresh_from_db()
    code = _code(device)
    assert device.verify_token(code)
    assert not device.verify_token(code)  # the same code is refused once used


def test_the_migration_seals_existing_keys_and_going_back_opens_them(personas):
    from importlib import import_module

    from django.apps import apps
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from strengthwise.core import crypto

    migration = import_module("strengthwise.accounts.migrations.0010_staff_authenticator_sealed")
    key = "3132333435363738393031323334353637383930"
    old = TOTPDevice.objects.create(user=personas.carol, name="app", key=key, last_t=42)
    migration.seal_devices(apps, None)
    assert not TOTPDevice.objects.exists()
    moved = StaffAuthenticator.objects.get(user=personas.carol)
    assert (moved.key, moved.last_t, moved.name) == (key, 42, "app")
    assert moved.created_at == old.created_at
    assert crypto.is_sealed(_raw_key(moved))
    # The QR code's address carries the same key (RFC 4226's test key, in base32).
    assert moved.config_url.startswith(
        "otpauth://totp/Strengthwise%3Acarol?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&"
    )
    migration.open_devices(apps, None)
    assert not StaffAuthenticator.objects.filter(user=personas.carol).exists()
    assert TOTPDevice.objects.get(user=personas.carol).key == key


def test_the_admin_offers_no_clear_key_device():
    from django.contrib import admin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not admin.site.is_registered(TOTPDevice)
