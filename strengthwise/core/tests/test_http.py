"""Health check, security headers, caching rules and the command line."""

from __future__ import annotations

from unittest import mock

from django.db.utils import OperationalError

from strengthwise.core.text import fold


def test_healthz_answers_200_when_the_database_answers(db, web):
    response = web().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(db, web):
    with mock.patch(
        "strengthwise.core.views.connection.cursor", side_effect=OperationalError("down")
    ):
        response = web().get("/healthz")
    assert response.status_code == 503


def test_strict_security_headers_on_every_page(db, web):
    response = web().get("/accounts/sign-in/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_pages_have_no_inline_scripts_or_handlers(personas, web):
    import re

    html = web(personas.alice).get(f"/clients/{personas.dana.pk}/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert 'style="' not in html


def test_home_sends_people_to_their_caseload(personas, web):
    response = web(personas.alice).get("/")
    assert response.status_code == 302 and response["Location"] == "/clients/"


def test_unknown_pages_are_404_not_500(personas, web):
    assert web(personas.alice).get("/no/such/page").status_code == 404


def test_fold():
    assert fold("Hernández-Ruiz") == "hernandez ruiz"
    assert fold("  Nguyễn   Thị ") == "nguyen thi"
    assert fold("O'Brien") == "o brien"
    assert fold("") == ""


def test_cli_verify_audit_end_to_end(tmp_path):
    """`strengthwise verify-audit` in a real process: exit 0 with the count, non-zero when altered."""
    import os
    import sqlite3
    import subprocess
    import sys

    import pytest

    env = {**os.environ, "STRENGTHWISE_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("STRENGTHWISE_TESTING", None)
    cli = [sys.executable, "-m", "strengthwise.cli"]
    subprocess.run([*cli, "migrate", "-v", "0"], env=env, check=True)
    subprocess.run(
        [*cli, "token", "create", "admin"], env=env, capture_output=True
    )  # no such user yet
    db_path = tmp_path / "strengthwise.sqlite3"
    code = (
        "from strengthwise.audit.services import audit_record\n"
        "for i in range(3): audit_record(actor=None, action='test.cli', target_type='x', target_id=str(i))"
    )
    subprocess.run([*cli, "shell", "-c", code], env=env, check=True)
    ok = subprocess.run([*cli, "verify-audit"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "audit chain intact: 3 entries" in ok.stdout
    with sqlite3.connect(db_path) as conn:
        # The database refuses the change (audit migration 0004); an attacker drops the guard.
        assert "append-only" in str(
            pytest.raises(
                sqlite3.IntegrityError,
                conn.execute,
                "UPDATE audit_auditevent SET action = 'test.other' WHERE seq = 2",
            ).value
        )
        conn.execute("DROP TRIGGER audit_auditevent_no_update")
        conn.execute("UPDATE audit_auditevent SET action = 'test.other' WHERE seq = 2")
    broken = subprocess.run([*cli, "verify-audit"], env=env, capture_output=True, text=True)
    assert broken.returncode != 0
    assert "#2" in broken.stderr and "altered" in broken.stderr


def test_the_health_check_answers_over_plain_http_when_https_is_enforced(db):
    """Issue 12 item 11: the exemption was set under a name Django does not read
    (SECURE_SSL_REDIRECT_EXEMPT), so /healthz redirected to HTTPS too."""
    from django.test import Client as HttpClient
    from django.test import override_settings

    with override_settings(SECURE_SSL_REDIRECT=True):
        plain = HttpClient()
        assert plain.get("/healthz").status_code == 200
        assert plain.get("/accounts/sign-in/").status_code == 301


def test_server_timing_says_the_queries_a_request_ran_only_when_asked(personas, web, settings):
    """The bench's server (STRENGTHWISE_SERVER_TIMING) reports Django's time and the exact
    number of SQL queries of each answer; anywhere else the header is not sent at all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from strengthwise.scale.management.commands.bench import server_timing

    page = f"/clients/{personas.dana.pk}/"
    assert "Server-Timing" not in web(personas.alice).get(page).headers
    settings.STRENGTHWISE_SERVER_TIMING = True
    browser = web(personas.alice)
    browser.get(page)  # first request: sessions, caches
    with CaptureQueriesContext(connection) as ran:
        response = browser.get(page)
    assert response.status_code == 200
    timing = server_timing(response.headers["Server-Timing"])
    assert timing is not None
    milliseconds, queries = timing
    assert queries == len(ran.captured_queries) > 5
    assert milliseconds > 0
    assert server_timing(None) is None and server_timing("app;dur=1") is None
