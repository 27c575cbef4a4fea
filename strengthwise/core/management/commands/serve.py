from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Strengthwise with gunicorn (static files through WhiteNoise)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        try:
            call_command("collectstatic", interactive=False, verbosity=0)
        except OSError as error:
            # Seen once on a busy machine: a compressed copy could not be written. Start over
            # from an empty directory rather than serve a half-collected one.
            self.stderr.write(
                f"Collecting static files failed ({error}); trying again from scratch."
            )
            call_command("collectstatic", interactive=False, verbosity=0, clear=True)
        self.stdout.write(f"Serving Strengthwise on http://{host}:{port}/ (Ctrl-C stops)")
        self.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "strengthwise.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            # Load the app (and every view, see wsgi.py) once in the master, then fork: a new
            # worker answers its first request as fast as its hundredth.
            "--preload",
            # Warm the master before forking and each worker before it takes traffic
            # (strengthwise/warmup.py): templates compiled, PDF and spreadsheet libraries
            # imported, a first request answered in-process.
            "--config",
            "python:strengthwise.gunicorn_conf",
            "--access-logfile",
            "-",
            # Every access-log line passes through the same redaction as Django's records:
            # partner-link tokens, secret query parameters, credentials (core/logging.py).
            "--logger-class",
            "strengthwise.core.logging.RedactingGunicornLogger",
            "--forwarded-allow-ips",
            "127.0.0.1",
        ]
        # Dear reports are computed by a refresher process beside the workers, at the lowest
        # CPU priority (gunicorn_conf.py), never in a web worker.
        os.environ.setdefault("STRENGTHWISE_REPORT_REFRESH", "process")
        os.execv(sys.executable, argv)  # noqa: S606 - replace this process with gunicorn
