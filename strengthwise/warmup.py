"""Warm a server process before it takes traffic (`strengthwise serve`, strengthwise/gunicorn_conf.py).

Pages import what they need only to make a file (fpdf, openpyxl) where they make it, so
importing the URL conf stays light for commands and tests. A server, though, should not make
its first user wait for imports, template compilation or a database connection:

- `preload()` runs once in gunicorn's master, after the app is loaded (`--preload`, wsgi.py)
  and before any worker is forked: it imports the modules built on fpdf and openpyxl, compiles
  every template into the cached loader, parses the shipped reference data (assessment
  templates, note formats, term lists) and reads the keys, loads each language's
  translations and builds its `reverse()` tables, and reads the resource directory into
  memory for find help (directory/index.py). Every worker is forked with all of it, shared
  copy-on-write.
- `first_request()` runs in each worker after the fork and before it accepts a connection:
  one /healthz through the whole app (middleware, URL resolution, the worker's database
  connection), answered in-process, so the first user request is not the worker's first.

jsonschema (HSDS import and export) and fhir.resources (`export-fhir`) stay out: only
commands use them.
"""

from __future__ import annotations

import contextlib
import io
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

HEAVY = (
    "fpdf",
    "openpyxl",
    "openpyxl.styles",
    "strengthwise.plans.pdf",
    "strengthwise.interop.record_copy",
)


def _shipped_assessment_templates() -> None:
    from strengthwise.assessments import screening, templates_data

    for kind in templates_data.SHIPPED:
        templates_data.shipped_template(kind)
    screening.hrsn_template()


def _note_formats() -> None:
    from strengthwise.notes import formats

    formats.formats()


def _language_terms() -> None:
    from strengthwise.core import language, sensitivity

    language.shipped_terms()
    sensitivity.suggest("")  # parses the protected-category term list


def _keys() -> None:
    from strengthwise.audit import keys
    from strengthwise.core import crypto

    crypto.field_keys()
    keys.audit_key()


# Data every process parses once and caches (YAML, CSV, key files): ~0.25 s of a first face
# sheet when left to the first request.
_REFERENCE_DATA = (_shipped_assessment_templates, _note_formats, _language_terms, _keys)


def preload() -> int:
    """Import the heavy modules, compile every template, load the translations; returns the
    number of templates compiled."""
    from django.conf import settings
    from django.db import connections
    from django.template import engines
    from django.template.utils import get_app_template_dirs
    from django.urls import get_resolver
    from django.utils import translation

    for name in HEAVY:
        import_module(name)
    compiled = 0
    for engine in engines.all():
        dirs = [*getattr(engine, "dirs", []), *get_app_template_dirs("templates")]
        for directory in dict.fromkeys(Path(d) for d in dirs):
            for path in sorted(directory.rglob("*")):
                if path.suffix not in {".html", ".txt", ".xml", ".svg"}:
                    continue
                try:
                    engine.get_template(path.relative_to(directory).as_posix())
                except Exception:  # noqa: BLE001, S112 - the page will say what is wrong
                    continue
                compiled += 1
    for load in _REFERENCE_DATA:
        load()
    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        translation.activate(code)
        resolver.reverse_dict  # noqa: B018 - builds this language's reverse() tables (~0.15 s)
    translation.deactivate()
    _directory_index()
    # A first key file may need the database (audit/keys.py), and so does the directory's
    # index: a connection must never be inherited by the forked workers.
    connections.close_all()
    return compiled


def _directory_index() -> None:
    """Read the directory into memory (directory/index.py) once, for every worker to share;
    a worker reads it again only once the directory has changed."""
    from django.db import DatabaseError

    from strengthwise.directory import index

    with contextlib.suppress(DatabaseError):  # no database yet: the first search reads it
        index.current()


def first_request(application: Any = None) -> int:
    """Answer GET /healthz through the WSGI app in this process; returns the status code."""
    from django.conf import settings

    if application is None:
        from strengthwise.wsgi import application
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in {"*", ""}), "localhost")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/healthz",
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status: list[str] = []

    def start_response(line: str, headers: Any, exc_info: Any = None) -> Any:
        status.append(line)
        return lambda data: None

    response = application(environ, start_response)
    try:
        for _chunk in response:
            pass
    finally:
        close = getattr(response, "close", None)
        if close is not None:
            close()
    return int(status[0].split()[0]) if status else 0
