"""Assessment templates as data: the shipped YAML (data/*.yaml) plus each agency's own domains.

`template_current` returns an immutable `AssessmentTemplate` snapshot; a new snapshot (a new
version number) appears only when the content changes, so an old assessment keeps rendering
with the template it was taken with.

Translations live beside the English in the same files: a text field `label` has a sibling
`label_es` (`anchors` → `anchors_es`, `rules` → `rules_es`, …); keys and level numbers are the
same in every language. `localized` reads one field in a language and `localized_content` gives
a whole template in one. A snapshot taken before a translation existed still reads in Spanish:
its English words are looked up among the shipped translations of the same English words.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.utils.translation import get_language

from .models import AgencyDomain, AssessmentTemplate, Kind

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = {
    Kind.STRENGTHS: "strengths-v1.yaml",
    Kind.MOTIVATION: "motivation-v1.yaml",
    Kind.SSM: "ssm-v1.yaml",
}


@cache
def shipped_template(kind: str) -> dict[str, Any]:
    """The parsed YAML shipped with the app for `kind` (cached; treat as read-only)."""
    with (DATA / SHIPPED[Kind(kind)]).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _content_for(agency_id: int, kind: str) -> dict[str, Any]:
    content = copy.deepcopy(shipped_template(kind))
    if kind in (Kind.STRENGTHS, Kind.SSM):
        extra = AgencyDomain.objects.filter(agency_id=agency_id, kind=kind, active=True).order_by(
            "id"
        )
        for domain in extra:
            entry: dict[str, Any] = {"key": domain.key, "label": domain.label, "agency": True}
            if domain.label_es.strip():
                entry["label_es"] = domain.label_es
            if kind == Kind.SSM:
                entry["anchors"] = {int(k): v for k, v in domain.anchors.items()}
                if domain.anchors_es:
                    entry["anchors_es"] = {int(k): v for k, v in domain.anchors_es.items()}
            content["domains"].append(entry)
    return content


def template_current(*, agency_id: int, kind: str) -> AssessmentTemplate:
    """The snapshot of the template as it is today for this agency (created on first use)."""
    content = json.loads(json.dumps(_content_for(agency_id, kind)))  # JSON-native (int keys → str)
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    found = AssessmentTemplate.objects.filter(
        agency_id=agency_id, kind=kind, content_hash=digest
    ).first()
    if found:
        return found
    for _attempt in range(3):  # two first uses at once: the loser reads the winner's row
        latest = (
            AssessmentTemplate.objects.filter(agency_id=agency_id, kind=kind)
            .order_by("-version")
            .first()
        )
        try:
            with transaction.atomic():
                return AssessmentTemplate.objects.create(
                    agency_id=agency_id,
                    kind=kind,
                    version=(latest.version + 1) if latest else 1,
                    content=content,
                    content_hash=digest,
                )
        except IntegrityError:
            found = AssessmentTemplate.objects.filter(
                agency_id=agency_id, kind=kind, content_hash=digest
            ).first()
            if found:
                return found
    raise RuntimeError("Could not record the template version.")  # pragma: no cover


def domain_labels(template: AssessmentTemplate) -> dict[str, str]:
    return {d["key"]: d["label"] for d in template.content.get("domains", [])}


# --- translations ---------------------------------------------------------------------------

#: The fields of an instrument that hold words a reader sees; each may have `<field>_<lang>`.
TEXT_FIELDS = frozenset(
    {
        "label",
        "prompt",
        "intro",
        "question",
        "instructions",
        "preamble",
        "suggestion",
        "short",
        "scale",
        "anchors",
        "rules",
        "rulers",
        "name",
        "source",
    }
)
TRANSLATED_LANGUAGES = ("es",)


def _words(text: Any) -> str:
    return " ".join(str(text).split())


def _language(language: str | None) -> str:
    return (language or get_language() or "en").split("-")[0].lower()


@cache
def _shipped_files() -> tuple[dict[str, Any], ...]:
    files = []
    for path in sorted(DATA.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            files.append(yaml.safe_load(handle))
    return tuple(files)


def _walk(node: Any) -> Any:
    """Every dict inside `node` (lists and dicts, depth first)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _pairs(english: Any, translated: Any) -> list[tuple[str, str]]:
    """(English words, translation) for a text, a list of texts or a mapping of texts."""
    if isinstance(english, dict) and isinstance(translated, dict):
        found = []
        for key, value in english.items():
            other = translated.get(key, translated.get(str(key)))
            if other is None and str(key).isdigit():
                other = translated.get(int(key))
            if isinstance(value, str) and isinstance(other, str):
                found.append((value, other))
        return found
    if isinstance(english, list) and isinstance(translated, list):
        return [(a, b) for a, b in zip(english, translated, strict=False) if isinstance(a, str)]
    if isinstance(english, str) and isinstance(translated, str):
        return [(english, translated)]
    return []


@cache
def _shipped_translations(language: str) -> dict[str, str]:
    """English words → their translation, from every shipped instrument (for old snapshots)."""
    table: dict[str, str] = {}
    for content in _shipped_files():
        for node in _walk(content):
            for field in TEXT_FIELDS:
                if field in node and f"{field}_{language}" in node:
                    for english, translated in _pairs(node[field], node[f"{field}_{language}"]):
                        if translated.strip():
                            table.setdefault(_words(english), translated)
    return table


def _translate_words(value: Any, table: dict[str, str]) -> Any:
    if isinstance(value, str):
        return table.get(_words(value), value)
    if isinstance(value, dict):
        return {k: _translate_words(v, table) for k, v in value.items()}
    if isinstance(value, list):
        return [_translate_words(v, table) for v in value]
    return value


def localized(item: dict[str, Any], field: str, *, language: str | None = None) -> Any:
    """`item[field]` in `language` (default: the active language).

    The `<field>_<lang>` sibling when the item has one, else the shipped translation of the same
    English words (an older snapshot), else the English as it is (an agency's own domain)."""
    value = item.get(field)
    lang = _language(language)
    if lang == "en" or value is None:
        return value
    sibling = item.get(f"{field}_{lang}")
    if sibling:
        if isinstance(value, dict) and isinstance(sibling, dict):
            # Keys as the English has them (a JSON snapshot has "1", the YAML 1).
            return {k: sibling.get(k, sibling.get(str(k), v)) for k, v in value.items()}
        return sibling
    return _translate_words(value, _shipped_translations(lang))


def localized_content(content: dict[str, Any], *, language: str | None = None) -> dict[str, Any]:
    """A copy of a template with every text field in `language` (keys unchanged)."""
    lang = _language(language)
    copied = copy.deepcopy(content)
    if lang == "en":
        return copied
    for node in list(_walk(copied)):
        for field in TEXT_FIELDS & node.keys():
            if not field.endswith(f"_{lang}"):
                node[field] = localized(node, field, language=lang)
    return copied


def missing_translations(content: dict[str, Any], language: str) -> list[str]:
    """Where a shipped template has a text without its `<field>_<language>` sibling (or an empty
    one, or one with fewer entries than the English): a list of readable paths."""
    missing: list[str] = []

    def visit(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for field in sorted(TEXT_FIELDS & node.keys()):
                english, translated = node[field], node.get(f"{field}_{language}")
                where = f"{path}.{field}" if path else field
                if isinstance(english, str):
                    if not (isinstance(translated, str) and translated.strip()):
                        missing.append(where)
                elif isinstance(english, dict | list):
                    keys = english.keys() if isinstance(english, dict) else range(len(english))
                    done = {str(e) for e, t in _key_pairs(english, translated) if t.strip()}
                    missing.extend(f"{where}[{k}]" for k in keys if str(k) not in done)
            for key, value in node.items():
                if key not in TEXT_FIELDS and not str(key).endswith(f"_{language}"):
                    visit(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                label = value.get("key", index) if isinstance(value, dict) else index
                visit(value, f"{path}[{label}]")

    visit(content, "")
    return missing


def _key_pairs(english: Any, translated: Any) -> list[tuple[Any, str]]:
    if isinstance(english, dict) and isinstance(translated, dict):
        return [
            (k, translated.get(k, translated.get(str(k))) or "")
            for k in english
            if isinstance(translated.get(k, translated.get(str(k))), str)
        ]
    if isinstance(english, list) and isinstance(translated, list):
        return [(i, t) for i, t in enumerate(translated[: len(english)]) if isinstance(t, str)]
    return []
