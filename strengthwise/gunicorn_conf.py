"""gunicorn hooks for `strengthwise serve` (`--config python:strengthwise.gunicorn_conf`): warm
the master once before forking, and each worker before it takes traffic (strengthwise/warmup.py).
"""

from __future__ import annotations

import time
from typing import Any


def when_ready(server: Any) -> None:
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
