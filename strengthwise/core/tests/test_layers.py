"""The import direction of docs/architecture.md, enforced: core <- audit <- accounts <- people."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER = [
    "core",
    "audit",
    "accounts",
    "people",
    "assessments",
    "plans",
    "directory",
    "referrals",
    "notes",
    "tasks",
    "outcomes",
]


def imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "strengthwise" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("app", ORDER)
def test_apps_import_only_from_below(app):
    above = set(ORDER[ORDER.index(app) + 1 :])
    offenders = {}
    for path in (ROOT / app).rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        bad = imported_apps(path) & above
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_views_and_api_never_query_client_models_directly():
    # Client-owned objects go through accounts/access.py (DESIGN.md §3).
    for name in ("views.py", "api.py"):
        source = (ROOT / "people" / name).read_text()
        for model in ("Client.objects", "HouseholdMember.objects", "Episode.objects"):
            assert model not in source, f"people/{name} uses {model}"
