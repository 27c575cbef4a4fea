"""The import direction of docs/architecture.md, enforced: core <- audit <- accounts <- people."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER = [
    "core",
    "audit",
    "accounts",
    "people",
    "questionnaires",
    "assessments",
    "plans",
    "directory",
    "referrals",
    "notes",
    "tasks",
    "outcomes",
    "interop",
    "scale",
    "portal",
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


# Views and API handlers are thin: every read goes through a selector and every write (and
# its audit event) through a service (DESIGN.md; issue 13). The allow-list began with every
# views.py / api.py that still queried models or wrote audit events itself; it is empty now.
# Any views.py, api.py or *_api.py with a `.objects` or an `audit_record(` fails; an entry
# here (path: (".objects", "audit_record(")) must say in a comment why that call stays.
THIN_ALLOWED: dict[str, tuple[int, int]] = {}


def test_views_and_api_modules_only_shrink_their_model_and_audit_calls():
    grown = {}
    for path in sorted(ROOT.rglob("*.py")):
        if path.name not in ("views.py", "api.py") and not path.name.endswith("_api.py"):
            continue
        if "tests" in path.parts:
            continue
        text = path.read_text()
        found = (len(re.findall(r"\.objects\b", text)), text.count("audit_record("))
        key = str(path.relative_to(ROOT))
        allowed = THIN_ALLOWED.get(key, (0, 0))
        if found[0] > allowed[0] or found[1] > allowed[1]:
            grown[key] = {"found": found, "allowed": allowed}
    assert grown == {}, "use a selector or a service instead: " + str(grown)
