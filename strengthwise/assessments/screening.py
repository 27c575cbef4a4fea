"""AHC HRSN social-needs screening: the CMS core items as data (``data/hrsn-v<N>.yaml``) and scoring.

Pure: no models, no I/O beyond reading the packaged YAML once per version. A positive domain is
a need to talk about, not a verdict; the client decides what becomes a goal.

Answers map item keys to an option key (single-choice items), a list of option keys
(multi-select items), the declined option's key (``"declined"``), or ``None`` (unanswered).
Items left out of the mapping count as unanswered.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "DomainResult",
    "ScreeningResult",
    "hrsn_template",
    "hrsn_template_shared",
    "score_hrsn",
]


@dataclass(frozen=True)
class DomainResult:
    domain: str
    label: str
    positive: bool | None  # None = every item of the domain declined/unanswered (or undecidable)
    detail: str  # e.g. "safety score 12 (more than 10)"
    suggestion: str


@dataclass(frozen=True)
class ScreeningResult:
    domains: tuple[DomainResult, ...]  # in the YAML's domain order
    # The interpersonal-safety sum when all four items were answered; None otherwise (a partial
    # sum is reported in the safety domain's detail).
    safety_total: int | None

    @property
    def positive_domains(self) -> tuple[str, ...]:
        return tuple(d.domain for d in self.domains if d.positive)

    def domain(self, key: str) -> DomainResult:
        for result in self.domains:
            if result.domain == key:
                return result
        raise KeyError(key)


@lru_cache(maxsize=8)
def _load(version: int) -> dict[str, Any]:
    resource = resources.files("strengthwise.assessments").joinpath("data", f"hrsn-v{version}.yaml")
    if not resource.is_file():
        raise ValueError(f"no HRSN screening template for version {version!r}")
    data = yaml.safe_load(resource.read_text(encoding="utf-8"))
    if data.get("version") != version:
        raise ValueError(f"hrsn-v{version}.yaml declares version {data.get('version')!r}")
    domain_keys = [d["key"] for d in data["domains"]]
    for item in data["items"]:
        if item["domain"] not in domain_keys:
            raise ValueError(f"HRSN item {item['key']!r} names unknown domain {item['domain']!r}")
    return data


def hrsn_template(version: int = 1) -> dict:
    """The parsed YAML template (a copy: callers may mutate it freely)."""
    return copy.deepcopy(_load(version))


def hrsn_template_shared(version: int = 1) -> Mapping[str, Any]:
    """The parsed YAML template itself, shared by every caller: read it, never change it (the
    face sheet reads a screen's words on every view; a copy each time cost ~1 ms)."""
    return _load(version)


def _describe(item: Mapping[str, Any], options: list[Mapping[str, Any]]) -> str:
    labels = ", ".join(str(o.get("short", o["label"])).lower() for o in options)
    return f"{item['short']}: {labels}"


def _normalise(
    template: Mapping[str, Any], answers: Mapping[str, str | list[str] | None]
) -> dict[str, list[Mapping[str, Any]] | str | None]:
    """Per item key: a list of chosen options, the declined key, or None (unanswered).

    Raises ValueError naming every unknown item key and every unknown option key.
    """
    items = {item["key"]: item for item in template["items"]}
    declined = template["declined_option"]["key"]
    unknown_items = sorted(str(key) for key in answers if key not in items)
    if unknown_items:
        raise ValueError(f"unknown HRSN item key(s): {', '.join(unknown_items)}")

    problems: list[str] = []
    normalised: dict[str, list[Mapping[str, Any]] | str | None] = {}
    for key, item in items.items():
        answer = answers.get(key)
        if answer is None or answer == [] or answer == ():
            normalised[key] = None
            continue
        if answer == declined or (isinstance(answer, list | tuple) and list(answer) == [declined]):
            normalised[key] = declined
            continue
        if isinstance(answer, str):
            chosen = [answer]
        elif isinstance(answer, list | tuple) and item.get("multiple"):
            chosen = list(answer)
        elif isinstance(answer, list | tuple):
            problems.append(f"{key}: takes one answer, got a list {list(answer)!r}")
            continue
        else:
            problems.append(f"{key}: answer must be an option key, got {answer!r}")
            continue
        if declined in chosen:
            problems.append(f"{key}: {declined!r} cannot be combined with other answers")
            continue
        by_key = {option["key"]: option for option in item["options"]}
        bad = [repr(c) for c in chosen if c not in by_key]
        if bad:
            problems.append(f"{key}: unknown option key(s) {', '.join(bad)}")
            continue
        # Keep the YAML's option order; drop repeats.
        normalised[key] = [o for o in item["options"] if o["key"] in set(chosen)]
    if problems:
        raise ValueError("invalid HRSN answer(s): " + "; ".join(problems))
    return normalised


def _flag_domain(
    items: list[Mapping[str, Any]],
    answers: Mapping[str, list[Mapping[str, Any]] | str | None],
) -> tuple[bool | None, str]:
    answered = [item for item in items if isinstance(answers[item["key"]], list)]
    if not answered:
        return None, _not_answered(items, answers)
    flagged = []
    for item in answered:
        chosen = answers[item["key"]]
        assert isinstance(chosen, list)
        hits = [option for option in chosen if option.get("positive")]
        if hits:
            flagged.append(_describe(item, hits))
    partial = len(answered) < len(items)
    suffix = f" ({len(answered)} of {len(items)} items answered)" if partial else ""
    if flagged:
        return True, "; ".join(flagged) + suffix
    return False, "no need flagged" + suffix


def _not_answered(
    items: list[Mapping[str, Any]], answers: Mapping[str, list[Mapping[str, Any]] | str | None]
) -> str:
    if all(answers[item["key"]] is not None for item in items):
        return "chose not to answer"
    return "not answered"


def _safety_domain(
    domain: Mapping[str, Any],
    items: list[Mapping[str, Any]],
    answers: Mapping[str, list[Mapping[str, Any]] | str | None],
) -> tuple[bool | None, str, int | None]:
    threshold = int(domain["threshold"])
    values = []
    for item in items:
        chosen = answers[item["key"]]
        if isinstance(chosen, list):
            values.append(sum(int(option["value"]) for option in chosen))
    if not values:
        return None, _not_answered(items, answers), None
    score = sum(values)
    if len(values) == len(items):
        if score > threshold:
            return True, f"safety score {score} (more than {threshold})", score
        return False, f"safety score {score} ({threshold} or less)", score
    counted = f"{len(values)} of {len(items)} items answered"
    if score > threshold:
        return True, f"safety score at least {score} (more than {threshold}; {counted})", None
    return None, f"incomplete: {counted}, partial safety score {score}", None


def score_hrsn(
    answers: Mapping[str, str | list[str] | None], *, version: int = 1
) -> ScreeningResult:
    """Score the AHC HRSN core items.

    Living situation, food, transportation and utilities are positive when any answered item of
    the domain has a flagged option; interpersonal safety sums the four item values and is
    positive when the total is more than the domain threshold (10). With a safety item declined
    or unanswered the result is positive only if the answered items already exceed the
    threshold, and undecided (None) otherwise.
    """
    template = _load(version)
    normalised = _normalise(template, answers)
    results = []
    safety_total: int | None = None
    for domain in template["domains"]:
        items = [item for item in template["items"] if item["domain"] == domain["key"]]
        if domain.get("scoring") == "sum":
            positive, detail, total = _safety_domain(domain, items, normalised)
            if domain["key"] == "safety":
                safety_total = total
        else:
            positive, detail = _flag_domain(items, normalised)
        results.append(
            DomainResult(
                domain=domain["key"],
                label=domain["label"],
                positive=positive,
                detail=detail,
                suggestion=" ".join(str(domain["suggestion"]).split()),
            )
        )
    return ScreeningResult(domains=tuple(results), safety_total=safety_total)
