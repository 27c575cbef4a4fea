"""No secret in any log line, whichever process writes it (issue 12): the real server's access
log after a partner visit, an API call with a bearer token and a reset-style link."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from strengthwise.core.logging import redact_secrets


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, headers: dict[str, str]) -> None:
    with contextlib.suppress(urllib.error.HTTPError):  # a 404 or 401 is logged all the same
        urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)  # noqa: S310


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('"GET /partner/referrals/abcDEF123_-x/ HTTP/1.1" 200', "abcDEF123_-x"),
        ("/partner/referrals/abcDEF123_-x/accept/", "abcDEF123_-x"),
        ("/accounts/reset/?token=s3cr3t&next=/", "s3cr3t"),
        ("Authorization: Bearer sw_abcdef0123456789", "sw_abcdef0123456789"),
    ],
)
def test_redact_secrets(line, secret):
    assert secret not in redact_secrets(line)


def test_the_servers_access_log_holds_no_secret(tmp_path: Path):
    env = {**os.environ, "STRENGTHWISE_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # a throwaway SQLite database of its own
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cli = [sys.executable, "-m", "strengthwise.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=300)
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.5)
        token = secrets.token_urlsafe(24)
        api_key = "sw_" + secrets.token_hex(16)
        reset = secrets.token_hex(12)
        partner = f"{base}/partner/referrals/{token}/"
        _get(partner, {})
        _get(f"{base}/static/strengthwise/css/app.css", {"Referer": partner})
        _get(f"{base}/api/v1/clients", {"Authorization": f"Bearer {api_key}"})
        _get(f"{base}/accounts/sign-in/?token={reset}", {})
        time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    written = log.read_text()
    assert "/partner/referrals/…/" in written, written[-2000:]  # the visit is logged …
    for secret in (token, api_key, reset):
        assert secret not in written  # … without its secret
