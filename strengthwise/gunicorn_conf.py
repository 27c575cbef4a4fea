"""gunicorn hooks for `strengthwise serve` (`--config python:strengthwise.gunicorn_conf`): warm
the master once before forking, and each worker before it takes traffic (strengthwise/warmup.py);
beside the workers, the report refresher (`strengthwise refresh-reports --loop`), when dear
reports are left to it (refresh mode "process", which `serve` sets).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

_refresher: subprocess.Popen[bytes] | None = None


def when_ready(server: Any) -> None:
    _start_refresher(server)
    from django.apps import apps

    if not apps.ready:  # without --preload the app loads in each worker: nothing to share
        return
    from strengthwise.warmup import preload

    started = time.monotonic()
    templates = preload()
    server.log.info("Warmed the app: %d templates, %.1f s", templates, time.monotonic() - started)


def post_fork(server: Any, worker: Any) -> None:
    from django.apps import apps

    if not apps.ready:
        return
    from strengthwise.warmup import first_request

    started = time.monotonic()
    status = first_request()
    server.log.info(
        "Worker %s warmed: /healthz %s in %.2f s", worker.pid, status, time.monotonic() - started
    )


def on_exit(server: Any) -> None:
    if _refresher is not None and _refresher.poll() is None:
        _refresher.terminate()
        try:
            _refresher.wait(10)
        except subprocess.TimeoutExpired:
            _refresher.kill()


def _start_refresher(server: Any) -> None:
    """One process that computes the dear reports, at the lowest CPU priority: the workers'
    requests always come first. It stops when this master does."""
    global _refresher
    if os.environ.get("STRENGTHWISE_REPORT_REFRESH") != "process":
        return
    argv = [sys.executable, "-m", "strengthwise.cli", "refresh-reports", "--loop", "1"]
    argv += ["--nice", "19", "--parent", str(os.getpid())]
    _refresher = subprocess.Popen(argv)  # noqa: S603 - our own command, no shell
    server.log.info("Started the report refresher (pid %s)", _refresher.pid)
