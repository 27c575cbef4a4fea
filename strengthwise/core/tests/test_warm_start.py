"""A new server process is warm before its first request (issue 11: the first request of each
worker used to spend seconds importing)."""

from __future__ import annotations

import subprocess
import sys


def test_loading_the_wsgi_app_imports_every_view_and_opens_no_database():
    code = (
        "import sys, django.db\n"
        "import strengthwise.wsgi\n"
        "assert 'strengthwise.api' in sys.modules, 'the API was not imported'\n"
        "assert 'strengthwise.outcomes.views' in sys.modules\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema is imported only for HSDS'\n"
        "assert all(c.connection is None for c in django.db.connections.all(initialized_only=True))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_serve_preloads_the_app_before_forking_workers(monkeypatch):
    from django.core.management import call_command

    seen: list[list[str]] = []
    monkeypatch.setattr("os.execv", lambda path, argv: seen.append(argv))
    monkeypatch.setattr(
        "strengthwise.core.management.commands.serve.call_command", lambda *a, **k: None
    )
    call_command("serve", port=8999, workers=2)
    assert seen and "--preload" in seen[0]
    assert "strengthwise.wsgi:application" in seen[0]
