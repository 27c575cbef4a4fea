"""Two versions of a plan side by side: what was added, removed or changed (pure; no models).

Goals are matched by id (a goal keeps its id across versions); steps inside a goal by their
words, so a reworded step reads as one removed and one added. Every mark carries a word as
well as a class, so the difference is never shown by colour alone.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

ADDED, REMOVED, CHANGED = "added", "removed", "changed"

# What a reader sees of a goal; a difference in any of these marks the goal as changed.
GOAL_FIELDS = (
    "statement",
    "author",
    "verbatim",
    "worker_view",
    "why_it_matters",
    "status",
    "domain",
    "gas",
)
STEP_FIELDS = ("who", "who_name", "target_date", "done_on")


def _goal_key(goal: dict[str, Any]) -> Any:
    return goal.get("id") or goal.get("statement")


def _step_key(step: dict[str, Any]) -> str:
    return str(step.get("text", "")).strip().casefold()


def same_content(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Whether two snapshots show the same plan (goals and steps), whatever their numbers."""
    return _plain(left) == _plain(right)


def _plain(snapshot: dict[str, Any]) -> list[Any]:
    return [
        (
            _goal_key(g),
            [g.get(f) for f in GOAL_FIELDS],
            [(_step_key(s), [s.get(f) for f in STEP_FIELDS]) for s in g.get("steps", [])],
        )
        for g in snapshot.get("goals", [])
    ]


def _steps(mine: list[dict[str, Any]], theirs: list[dict[str, Any]], gone: str) -> list[Any]:
    other = {_step_key(s): s for s in theirs}
    marked = []
    for step in mine:
        match = other.get(_step_key(step))
        if match is None:
            change = gone
        elif any(step.get(f) != match.get(f) for f in STEP_FIELDS):
            change = CHANGED
        else:
            change = ""
        marked.append({**step, "change": change})
    return marked


def _side(mine: dict[str, Any], theirs: dict[str, Any], gone: str) -> list[dict[str, Any]]:
    """`mine`'s goals, each marked against `theirs`: `gone` (added or removed) when the other
    side lacks it, CHANGED when any field or step differs."""
    other = {_goal_key(g): g for g in theirs.get("goals", [])}
    goals = []
    for goal in mine.get("goals", []):
        match = other.get(_goal_key(goal))
        if match is None:
            steps = [{**s, "change": gone} for s in goal.get("steps", [])]
            goals.append({**goal, "change": gone, "steps": steps, "changed_fields": []})
            continue
        steps = _steps(goal.get("steps", []), match.get("steps", []), gone)
        fields = [f for f in GOAL_FIELDS if goal.get(f) != match.get(f)]
        missing = {_step_key(s) for s in match.get("steps", [])} - {
            _step_key(s) for s in goal.get("steps", [])
        }
        changed = bool(fields or missing or any(s["change"] for s in steps))
        goals.append(
            {**goal, "change": CHANGED if changed else "", "steps": steps, "changed_fields": fields}
        )
    return goals


def compare(older: dict[str, Any], newer: dict[str, Any]) -> dict[str, Any]:
    """Both sides' goals marked, and the count of goals added, removed and changed."""
    left = _side(older, newer, REMOVED)
    right = _side(newer, older, ADDED)
    counts = Counter(g["change"] for g in left if g["change"] == REMOVED)
    counts.update(g["change"] for g in right if g["change"] in (ADDED, CHANGED))
    return {
        "left": left,
        "right": right,
        "added": counts[ADDED],
        "removed": counts[REMOVED],
        "changed": counts[CHANGED],
        "same": same_content(older, newer),
    }
