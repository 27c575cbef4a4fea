"""One URL naming scheme (DESIGN.md §4, issue 13): every page of an app is named
`<app>:<thing>-<action>` — the app's own namespace, then lowercase words joined by hyphens
("people:client-detail", "plans:goal-new", "outcomes:reports")."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
APPS = {p.name for p in ROOT.iterdir() if (p / "apps.py").exists()}
WORDS = re.compile(r"^[a-z]+(-[a-z]+)*$")

# Names that are not an app's: the project's own pages outside any app, and Django's
# `set_language` (its name is Django's). Listed one by one; a new one fails.
PROJECT_NAMES = {"home", "settings", "healthz", "set_language"}
# Namespaces whose names others choose: Django's admin, and django-ninja's operation ids.
NOT_OURS = {"admin", "api"}


def _names(resolver: URLResolver, namespace: str = "") -> list[tuple[str, str, str]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace else (entry.namespace or "")
            found.extend(_names(entry, inner))
        elif isinstance(entry, URLPattern):
            found.append((namespace, entry.name or "", str(entry.pattern)))
    return found


def test_every_url_name_is_app_colon_thing_hyphen_action():
    wrong = []
    for namespace, name, pattern in _names(get_resolver()):
        if namespace.split(":")[0] in NOT_OURS:
            continue
        if not namespace:
            if name not in PROJECT_NAMES:
                wrong.append(f"{name or '(no name)'} {pattern!r}: outside an app namespace")
            continue
        if namespace not in APPS:
            wrong.append(f"{namespace}:{name}: the namespace is not an app's label")
        if not WORDS.match(name):
            wrong.append(f"{namespace}:{name or '(no name)'} {pattern!r}")
    assert wrong == []


def test_no_name_is_used_twice_in_an_app():
    counts = Counter(
        f"{namespace}:{name}"
        for namespace, name, _pattern in _names(get_resolver())
        if namespace and namespace.split(":")[0] not in NOT_OURS
    )
    assert [name for name, n in counts.items() if n > 1] == []


def test_the_scheme_catches_a_bad_name():
    assert WORDS.match("client-detail") and WORDS.match("reports")
    for bad in ("client_detail", "clientDetail", "client--detail", "-new", "goal-new-", ""):
        assert not WORDS.match(bad), bad
