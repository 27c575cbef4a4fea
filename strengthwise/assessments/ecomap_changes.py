"""What changed between two copies of an ecomap, in words (pure; no models).

A person or place is matched by its id (a dated copy keeps the node's id), else by its name.
Every change is one plain sentence, so the list reads the same to a screen reader and on paper.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

STRENGTH_ORDER = {"tenuous": 0, "moderate": 1, "strong": 2}
FIELDS = ("label", "kind", "level", "strength", "quality", "flow")


def _key(node: Mapping[str, Any]) -> str:
    return str(node.get("id", ""))


def _name(node: Mapping[str, Any]) -> str:
    return " ".join(str(node.get("label", "")).split()).casefold()


def content(nodes: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """A copy's drawing as plain, comparable values (order, ids and notes aside)."""
    return sorted(tuple(str(n.get(f, "")) for f in FIELDS) for n in nodes)


def same(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> bool:
    return content(a) == content(b)


def _pairs(
    older: Sequence[Mapping[str, Any]], newer: Sequence[Mapping[str, Any]]
) -> tuple[list[tuple[Mapping[str, Any], Mapping[str, Any]]], list[Any], list[Any]]:
    by_id = {_key(n): n for n in newer}
    pairs, removed, used = [], [], set()
    unmatched = []
    for node in older:
        match = by_id.get(_key(node))
        if match is not None and _key(node):
            pairs.append((node, match))
            used.add(id(match))
        else:
            unmatched.append(node)
    by_name = {_name(n): n for n in newer if id(n) not in used}
    for node in unmatched:
        match = by_name.pop(_name(node), None)
        if match is None:
            removed.append(node)
        else:
            pairs.append((node, match))
            used.add(id(match))
    added = [n for n in newer if id(n) not in used]
    return pairs, added, removed


def changes(
    older: Sequence[Mapping[str, Any]],
    newer: Sequence[Mapping[str, Any]],
    display: Callable[[str, str], str],
) -> list[dict[str, str]]:
    """From `older` to `newer`: one entry per change, {"kind": added|removed|stronger|weaker|
    changed, "text": a sentence}. `display(field, value)` gives a value's words (translated)."""
    pairs, added, removed = _pairs(older, newer)
    found: list[dict[str, str]] = []
    for node in added:
        found.append(
            {
                "kind": "added",
                "text": _("Added: %(name)s (%(kind)s), %(strength)s tie")
                % {
                    "name": node.get("label", ""),
                    "kind": display("kind", node.get("kind", "")),
                    "strength": display("strength", node.get("strength", "")).lower(),
                },
            }
        )
    for node in removed:
        found.append(
            {
                "kind": "removed",
                "text": _("Removed: %(name)s (%(kind)s)")
                % {"name": node.get("label", ""), "kind": display("kind", node.get("kind", ""))},
            }
        )
    for old, new in pairs:
        name = new.get("label", "")
        if old.get("label") != new.get("label"):
            found.append(
                {
                    "kind": "changed",
                    "text": _("Renamed: %(old)s is now %(new)s")
                    % {"old": old.get("label", ""), "new": name},
                }
            )
        before = STRENGTH_ORDER.get(str(old.get("strength")), 1)
        after = STRENGTH_ORDER.get(str(new.get("strength")), 1)
        if after != before:
            template = (
                _("Stronger: %(name)s, %(old)s → %(new)s")
                if after > before
                else _("Weaker: %(name)s, %(old)s → %(new)s")
            )
            found.append(
                {
                    "kind": "stronger" if after > before else "weaker",
                    "text": template
                    % {
                        "name": name,
                        "old": display("strength", old.get("strength", "")).lower(),
                        "new": display("strength", new.get("strength", "")).lower(),
                    },
                }
            )
        for field, sentence in (
            ("quality", _("Kind of energy changed: %(name)s, %(old)s → %(new)s")),
            ("flow", _("Direction changed: %(name)s, %(old)s → %(new)s")),
            ("kind", _("Kind of connection changed: %(name)s, %(old)s → %(new)s")),
            ("level", _("Level changed: %(name)s, %(old)s → %(new)s")),
        ):
            if old.get(field) != new.get(field):
                found.append(
                    {
                        "kind": "changed",
                        "text": sentence
                        % {
                            "name": name,
                            "old": display(field, old.get(field, "")).lower(),
                            "new": display(field, new.get(field, "")).lower(),
                        },
                    }
                )
    return found
