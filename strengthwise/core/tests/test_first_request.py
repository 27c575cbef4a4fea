"""A new server process answers its first request warm: the URL conf leaves the PDF and
spreadsheet libraries (and jsonschema, fhir.resources) out, and `strengthwise serve` warms
gunicorn's master before forking and each worker before it takes traffic (strengthwise/warmup.py,
strengthwise/gunicorn_conf.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections

from strengthwise import gunicorn_conf, warmup
from strengthwise.core.management.commands import serve

HEAVY = ("jsonschema", "openpyxl", "fpdf", "fhir", "fhir.resources")


def test_importing_the_url_conf_leaves_the_heavy_modules_out():
    code = (
        "import json, sys, django; django.setup(); import strengthwise.urls, strengthwise.api; "
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "strengthwise.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


@pytest.fixture
def in_test_transaction(monkeypatch):
    """The warm-up runs inside the test's transaction: keep it and Django from closing the
    connection (the master's `close_all`, the request's `close_old_connections`), as Django's
    test client does."""
    monkeypatch.setattr(connections, "close_all", lambda: None)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_the_warm_up_loads_what_pages_need_and_answers_healthz(in_test_transaction):
    compiled = warmup.preload()
    assert compiled > 50  # every template of every app, compiled once
    assert {"fpdf", "openpyxl", "strengthwise.plans.pdf"} <= set(sys.modules)
    from strengthwise.directory import index

    assert index._kept is not None  # the directory, read once for every worker to share
    assert warmup.first_request() == 200


class _Log:
    def __init__(self):
        self.lines = []

    def info(self, message, *args):
        self.lines.append(message % args)


@pytest.mark.django_db
def test_the_gunicorn_hooks_warm_the_master_and_each_worker(in_test_transaction):
    server = type("Server", (), {"log": _Log()})()
    gunicorn_conf.when_ready(server)
    gunicorn_conf.post_fork(server, type("Worker", (), {"pid": 4242})())
    assert server.log.lines[0].startswith("Warmed the app:")
    assert "Worker 4242 warmed: /healthz 200" in server.log.lines[1]


def test_serve_runs_gunicorn_preloaded_with_the_hooks(monkeypatch):
    ran = {}
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: ran.setdefault("argv", argv))
    serve.Command().handle(host="127.0.0.1", port=8123, workers=3)
    argv = ran["argv"]
    assert "--preload" in argv
    assert argv[argv.index("--config") + 1] == "python:strengthwise.gunicorn_conf"
    assert argv[argv.index("--workers") + 1] == "3"
