"""Sign-in, sign-out, session limits and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command

from strengthwise.accounts.models import ApiToken
from strengthwise.accounts.tokens import token_user
from strengthwise.people.personas import DEMO_PASSWORD


def test_sign_in_and_out_are_audited(personas, web, audit_events):
    browser = web()
    response = browser.post("/accounts/sign-in/", {"username": "alice", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/?next=%2Fclients%2F"
    assert audit_events("auth.sign_in", actor_id=personas.alice.pk)
    browser.post("/accounts/sign-out/")
    assert audit_events("auth.sign_out", actor_id=personas.alice.pk)


def test_failed_sign_in_is_audited_with_the_name_tried(personas, web, audit_events):
    response = web().post("/accounts/sign-in/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert b"did not match" in response.content
    failed = audit_events("auth.sign_in_failed")
    assert [e.actor_label for e in failed] == ["alice"]
    assert failed[0].actor_id is None


def test_sessions_expire_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_a_session_in_use_is_renewed_once_a_minute_not_on_every_page(
    personas, web, time_machine, settings, django_assert_num_queries
):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SESSION_RENEW_SECONDS = 60
    time_machine.move_to("2026-11-26 08:00:00+00:00", tick=False)
    browser = web(personas.alice)
    assert browser.get("/clients/").status_code == 200
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value

    def expires():
        return Session.objects.get(session_key=key).expire_date

    def session_writes(path):
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get(path).status_code == 200
        return [
            q["sql"]
            for q in ctx.captured_queries
            if "django_session" in q["sql"]
            and (q["sql"].startswith("UPDATE") or q["sql"].startswith("INSERT"))
        ]

    first = expires()
    time_machine.move_to("2026-11-26 08:00:30+00:00", tick=False)
    assert session_writes("/clients/") == []  # within the minute: no write
    assert expires() == first
    time_machine.move_to("2026-11-26 08:01:05+00:00", tick=False)
    assert len(session_writes("/clients/")) == 1  # renewed: the idle limit starts again
    assert (expires() - first).total_seconds() == 65
    # 29 idle minutes after the last renewal the session still holds; at 30 it has ended.
    time_machine.move_to("2026-11-26 08:30:04+00:00", tick=False)
    assert browser.get("/clients/").status_code == 200
    time_machine.move_to("2026-11-26 09:00:05+00:00", tick=False)
    response = browser.get("/clients/")
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_session_ends_twelve_hours_after_sign_in(personas, web, time_machine):
    time_machine.move_to("2026-11-26 08:00:00+00:00")
    browser = web(personas.alice)
    assert browser.get("/clients/").status_code == 200
    time_machine.move_to("2026-11-26 20:01:00+00:00")
    response = browser.get("/clients/")
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_passwords_are_hashed_with_argon2_outside_tests(tmp_path):
    # The suite swaps in a fast hasher; a real process must use Argon2 first.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "STRENGTHWISE_TESTING"}
    env["STRENGTHWISE_VAR_DIR"] = str(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", "import strengthwise.settings as s; print(s.PASSWORD_HASHERS[0])"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    assert out == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_token_create_command_prints_a_working_token(personas, capsys):
    call_command("token", "create", "alice")
    token = capsys.readouterr().out.strip()
    assert token.startswith("sw_")
    assert token_user(token) == personas.alice
    row = ApiToken.objects.get(user=personas.alice)
    assert token not in (row.key_hash, row.prefix)  # only a hash is stored


def test_revoked_or_unknown_tokens_are_refused(personas, api):
    client = api(personas.alice)
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get("/api/v1/clients").status_code == 401
    assert api(None).get("/api/v1/clients").status_code == 401
    assert token_user("sw_not-a-real-token") is None


def test_tokens_expire_are_listed_without_secrets_and_revoked(personas, capsys, audit_events):
    """Issue 12: API tokens carry an expiry, show their name and last use, and can be revoked
    (`strengthwise token list|revoke`)."""
    import datetime as dt

    import pytest
    import time_machine
    from django.core.management.base import CommandError
    from django.utils import timezone

    call_command("token", "create", "alice", "--name", "reports", "--days", "30")
    token = capsys.readouterr().out.strip()
    row = ApiToken.objects.get(user=personas.alice)
    assert row.name == "reports"
    assert abs((row.expires_at - timezone.now()) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    assert token_user(token) == personas.alice
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert token_user(token) is None  # expired
    call_command("token", "list", "alice")
    listing = capsys.readouterr().out
    assert row.prefix in listing and "reports" in listing and token not in listing
    call_command("token", "revoke", row.prefix)
    assert "Revoked" in capsys.readouterr().out
    assert token_user(token) is None
    assert audit_events("api_token.revoked")
    with pytest.raises(CommandError):
        call_command("token", "revoke", row.prefix)  # already revoked: said, not a crash
    with pytest.raises(CommandError):
        call_command("token", "create", "alice", "--days", "0")
