"""gunicorn hooks for `strengthwise serve` (`--config python:strengthwise.gunicorn_conf`): warm
the master once before forking, and each worker before it takes traffic (strengthwise/warmup.py);
beside the workers, the report refresher (`strengthwise refresh-reports --loop`), when dear
reports are left to it (refresh mode "process", which `serve` sets), started again by a
watchdog thread of the master if it ever stops.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import Any

_refresher: subprocess.Popen[bytes] | None = None
_refresher_started = 0.0  # time.monotonic() of the last start
_stopping = threading.Event()
WATCH_SECONDS = 5.0  # how often the master looks whether the refresher still runs
RESTART_AFTER = 30.0  # at most one start per this many seconds: a refresher that cannot run
# (say, the database refuses it) is not started again in a tight loop


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
    _stopping.set()
    if _refresher is not None and _refresher.poll() is None:
        _refresher.terminate()
        try:
            _refresher.wait(10)
        except subprocess.TimeoutExpired:
            _refresher.kill()


def _start_refresher(server: Any) -> None:
    """One process that computes the dear reports, at the lowest CPU priority: the workers'
    requests always come first. It stops when this master does."""
    if os.environ.get("STRENGTHWISE_REPORT_REFRESH") != "process":
        return
    _spawn_refresher(server)
    threading.Thread(target=_watch_refresher, args=(server,), daemon=True).start()


def _spawn_refresher(server: Any) -> None:
    global _refresher, _refresher_started
    argv = [sys.executable, "-m", "strengthwise.cli", "refresh-reports", "--loop", "1"]
    argv += ["--nice", "19", "--parent", str(os.getpid())]
    # Its own session: a signal to the server's process group (Ctrl-C, `kill -- -PGID`) reaches
    # the master, whose on_exit then stops the refresher; so while the master runs, a refresher
    # that stopped was not asked to, and the watchdog may start it again.
    _refresher = subprocess.Popen(argv, start_new_session=True)  # noqa: S603 - no shell
    _refresher_started = time.monotonic()
    server.log.info("Started the report refresher (pid %s)", _refresher.pid)


def _watch_refresher(server: Any) -> None:
    while not _stopping.wait(WATCH_SECONDS):
        check_refresher(server)


def check_refresher(server: Any) -> bool:
    """Start the refresher again if it has stopped (killed, out of memory, a bug): otherwise
    the dear reports would silently stay as of their last computation until the server is
    restarted. gunicorn's master reaps every child, so a stopped refresher shows as a poll()
    that is no longer None. Returns whether it started one."""
    if _refresher is None or _refresher.poll() is None or _stopping.is_set():
        return False
    if time.monotonic() - _refresher_started < RESTART_AFTER:
        return False
    # No exit code to give: the master's own reaping of its children usually collects it first.
    server.log.warning("The report refresher (pid %s) stopped; starting it again", _refresher.pid)
    _spawn_refresher(server)
    return True
