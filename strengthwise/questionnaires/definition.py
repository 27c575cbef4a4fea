"""An agency's questionnaire as data: a FHIR R4 `Questionnaire` read into plain values, checked
against our rules, and the answers a worker gives checked against it. Pure: no database.

The stored form of every definition is the FHIR resource itself (so import and export are the
resource as it is kept). What we read from it:

- items of type string, text, integer, decimal, date, boolean, choice (one code, or several
  with `repeats`) and group (one level of questions inside); display items are not kept;
- `required`, `enableWhen` / `enableBehavior` (show a question only when another answer says
  so), `repeats` (choice only: several answers);
- every text in English (`text`) and Spanish (the FHIR translation extension on `_text`);
- help text as a child `display` item with the item-control code `help` (the SDC convention);
- per answer option a code and, for scored instruments, an `ordinalValue`;
- our extensions (`EXT`): the item's level (micro, meso, macro), life domain, and whose answer
  it is (the client's own or the worker's observation). A free-text answer that is the
  client's carries, in the response, whether these are their exact words.

`problems(definition)` names everything wrong, one sentence each; `spanish_missing` names the
texts a definition needs before it can be published; `check_answers` is the one gate every
answer passes (page and API): types, codes, required questions, and no answer to a question
that is not shown.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
EXT = "https://strengthwise.example/fhir/StructureDefinition"
LEVEL_EXT = f"{EXT}/level"
DOMAIN_EXT = f"{EXT}/life-domain"
AUTHOR_EXT = f"{EXT}/answer-author"
VERBATIM_EXT = f"{EXT}/exact-words"
CODE_SYSTEM = "https://strengthwise.example/fhir/CodeSystem/questionnaire"

TYPES = ("string", "text", "integer", "decimal", "date", "boolean", "choice", "group")
ANSWERABLE = frozenset(TYPES) - {"group"}
FREE_TEXT = frozenset({"string", "text"})
OPERATORS = ("exists", "=", "!=", ">", "<", ">=", "<=")
ORDERED = frozenset({"integer", "decimal", "date"})
LEVELS = ("micro", "meso", "macro")
DOMAINS = (
    "daily_living",
    "financial",
    "vocational_education",
    "social_supports",
    "health",
    "leisure",
    "spirituality_culture",
)
AUTHORS = ("client", "worker")

# Limits: a definition is data from a user.
MAX_ITEMS = 200
MAX_OPTIONS = 60
MAX_CONDITIONS = 5
MAX_TEXT = 500
MAX_TITLE = 200
MAX_BYTES = 256 * 1024
MAX_STRING_ANSWER = 300
MAX_TEXT_ANSWER = 4000
MAX_REPEATS = 20
LINK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Numbers are kept with 2 decimals in 14 digits (AnswerValue.number): answers stay below this.
NUMBER_LIMIT = Decimal("1e11")
MAX_SCORE = Decimal("1e6")
HELP_SUFFIX = "-help"
MAX_CODES = 10
# Item elements of FHIR R4 we do not keep: an import naming one is refused, saying which.
UNSUPPORTED = ("initial", "answerValueSet", "readOnly", "prefix", "definition")


@dataclass(frozen=True)
class Text:
    en: str = ""
    es: str = ""

    def get(self, language: str) -> str:
        """The text in `language` ("es" or "en"), falling back to English."""
        return (self.es if language.startswith("es") else "") or self.en


@dataclass(frozen=True)
class Coding:
    """A code from another system kept with an item (e.g. the question's LOINC code)."""

    system: str
    code: str
    display: str = ""


@dataclass(frozen=True)
class Option:
    code: str
    text: Text
    score: Decimal | None = None
    # The code system of an imported answer (e.g. LOINC's LA codes); "" is ours.
    system: str = ""


@dataclass(frozen=True)
class Condition:
    question: str
    operator: str
    answer: Any  # a code (choice), bool, int, Decimal, date or str; bool for "exists"


@dataclass(frozen=True)
class Item:
    link_id: str
    type: str
    text: Text
    help: Text = Text()
    required: bool = False
    repeats: bool = False
    options: tuple[Option, ...] = ()
    enable_when: tuple[Condition, ...] = ()
    enable_any: bool = False
    level: str = ""
    domain: str = ""
    author: str = "client"
    items: tuple[Item, ...] = ()
    codes: tuple[Coding, ...] = ()  # the question's codes in other systems, kept as imported
    max_length: int | None = None  # string and text: at most this many characters

    @property
    def scored(self) -> bool:
        return any(o.score is not None for o in self.options)

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    @property
    def answer_limit(self) -> int:
        """How many characters a string or text answer may have."""
        limit = MAX_STRING_ANSWER if self.type == "string" else MAX_TEXT_ANSWER
        return min(limit, self.max_length) if self.max_length else limit


@dataclass(frozen=True)
class Definition:
    title: Text
    description: Text = Text()
    items: tuple[Item, ...] = ()
    # What could not be read from the resource (named; `problems` reports them).
    unread: tuple[str, ...] = field(default=(), compare=False)

    def walk(self) -> Iterator[Item]:
        """Every item, groups before their questions, in order."""
        yield from _walk(self.items)

    def questions(self) -> list[Item]:
        return [i for i in self.walk() if i.type in ANSWERABLE]

    def find(self, link_id: str) -> Item | None:
        return next((i for i in self.walk() if i.link_id == link_id), None)

    @property
    def scored(self) -> bool:
        return any(i.scored for i in self.walk())


def _walk(items: Iterable[Item]) -> Iterator[Item]:
    for item in items:
        yield item
        yield from _walk(item.items)


# --- reading the FHIR resource ----------------------------------------------------------------


def _translation(element: Any, language: str = "es") -> str:
    for ext in (element or {}).get("extension", []) if isinstance(element, dict) else []:
        if ext.get("url") != TRANSLATION:
            continue
        parts = {e.get("url"): e for e in ext.get("extension", []) if isinstance(e, dict)}
        if (parts.get("lang") or {}).get("valueCode", "").lower().startswith(language):
            return str((parts.get("content") or {}).get("valueString") or "")
    return ""


def _text(resource: Mapping[str, Any], name: str) -> Text:
    return Text(str(resource.get(name) or ""), _translation(resource.get(f"_{name}")))


def _extension(element: Mapping[str, Any], url: str, kind: str) -> Any:
    for ext in element.get("extension", []) or []:
        if isinstance(ext, dict) and ext.get("url") == url:
            return ext.get(kind)
    return None


def _is_help(raw: Mapping[str, Any]) -> bool:
    control = _extension(raw, ITEM_CONTROL, "valueCodeableConcept") or {}
    return raw.get("type") == "display" and any(
        c.get("code") == "help" for c in control.get("coding", []) if isinstance(c, dict)
    )


def _answer_value(raw: Mapping[str, Any], unread: list[str], where: str) -> Any:
    for key, value in raw.items():
        if not key.startswith("answer") or key == "answer":
            continue
        kind = key.removeprefix("answer")
        if kind == "Coding":
            return str((value or {}).get("code") or "")
        if kind in ("Boolean", "String"):
            return value
        if kind == "Integer":
            return int(value)
        if kind == "Decimal":
            return Decimal(str(value))
        if kind == "Date":
            try:
                return dt.date.fromisoformat(str(value))
            except ValueError:
                unread.append(
                    _("%(where)s: the date %(value)s is not a date.")
                    % {"where": where, "value": repr(value)}
                )
                return None
        unread.append(
            _("%(where)s: answer%(kind)s is not supported in a condition.")
            % {"where": where, "kind": kind}
        )
        return None
    unread.append(_("%(where)s: the condition has no answer.") % {"where": where})
    return None


def _read_item(raw: Any, unread: list[str], depth: int) -> Item | None:
    if not isinstance(raw, dict):
        unread.append(_("An item is not an object."))
        return None
    link_id = str(raw.get("linkId") or "")
    where = _("Item %(link_id)s") % {"link_id": link_id or _("(no linkId)")}
    kind = raw.get("type")
    if kind == "display":
        return None  # help texts are read by their parent; other display items are not kept
    if kind == "open-choice":
        unread.append(
            _("%(where)s: open-choice is not supported; use choice with an 'other' code.")
            % {"where": where}
        )
        kind = "choice"
    if kind not in TYPES:
        unread.append(
            _("%(where)s: the type %(kind)s is not supported.")
            % {"where": where, "kind": repr(kind)}
        )
        kind = "string"
    help_text = Text()
    children: list[Item] = []
    for child in raw.get("item", []) or []:
        if isinstance(child, dict) and _is_help(child):
            help_text = _text(child, "text")
            continue
        if kind != "group":
            if isinstance(child, dict) and child.get("type") != "display":
                unread.append(_("%(where)s: only a group may hold questions.") % {"where": where})
            continue
        if depth >= 2:
            unread.append(
                _("%(where)s: groups inside groups inside groups are not supported.")
                % {"where": where}
            )
            continue
        read = _read_item(child, unread, depth + 1)
        if read is not None:
            children.append(read)
    options = []
    for n, opt in enumerate(raw.get("answerOption", []) or [], 1):
        coding = (opt or {}).get("valueCoding") if isinstance(opt, dict) else None
        if not isinstance(coding, dict):
            unread.append(
                _("%(where)s: answer option %(n)s is not coded (valueCoding with a code).")
                % {"where": where, "n": n}
            )
            continue
        score = _extension(opt, ORDINAL, "valueDecimal")
        if opt.get("initialSelected") is not None:
            unread.append(
                _(
                    "%(where)s: answers chosen in advance (initialSelected) are not supported: an answer is recorded only when it is given. Remove it."
                )
                % {"where": where}
            )
        system = str(coding.get("system") or "")
        options.append(
            Option(
                code=str(coding.get("code") or ""),
                text=_text(coding, "display"),
                score=None if score is None else Decimal(str(score)),
                system="" if system == CODE_SYSTEM else system,
            )
        )
    conditions = []
    for n, cond in enumerate(raw.get("enableWhen", []) or [], 1):
        if not isinstance(cond, dict):
            continue
        conditions.append(
            Condition(
                question=str(cond.get("question") or ""),
                operator=str(cond.get("operator") or ""),
                answer=_answer_value(
                    cond, unread, _("%(where)s, condition %(n)s") % {"where": where, "n": n}
                ),
            )
        )
    for name in UNSUPPORTED:
        if raw.get(name) not in (None, [], ""):
            unread.append(
                _("%(where)s: %(name)s is not supported here; remove it.")
                % {"where": where, "name": name}
            )
    codes = []
    for coding in raw.get("code", []) or []:
        if not isinstance(coding, dict) or not coding.get("code"):
            unread.append(_("%(where)s: one of its codes is empty.") % {"where": where})
            continue
        codes.append(
            Coding(
                system=str(coding.get("system") or ""),
                code=str(coding["code"]),
                display=str(coding.get("display") or ""),
            )
        )
    max_length = raw.get("maxLength")
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int)):
        unread.append(_("%(where)s: maxLength must be a whole number.") % {"where": where})
        max_length = None
    return Item(
        link_id=link_id,
        type=kind,
        text=_text(raw, "text"),
        help=help_text,
        required=raw.get("required") is True,
        repeats=raw.get("repeats") is True,
        options=tuple(options),
        enable_when=tuple(conditions),
        enable_any=raw.get("enableBehavior") == "any",
        level=str(_extension(raw, LEVEL_EXT, "valueCode") or ""),
        domain=str(_extension(raw, DOMAIN_EXT, "valueCode") or ""),
        author=str(_extension(raw, AUTHOR_EXT, "valueCode") or "client"),
        items=tuple(children),
        codes=tuple(codes),
        max_length=max_length,
    )


def read(resource: Mapping[str, Any]) -> Definition:
    """A Definition from a FHIR Questionnaire (a dict). Never raises on bad content: what
    cannot be read is kept in `unread` for `problems` to name."""
    unread: list[str] = []
    if resource.get("resourceType") != "Questionnaire":
        unread.append(_("This is not a FHIR Questionnaire (resourceType must be Questionnaire)."))
    items = []
    for raw in resource.get("item", []) or []:
        read_item = _read_item(raw, unread, 0)
        if read_item is not None:
            items.append(read_item)
    return Definition(
        title=_text(resource, "title"),
        description=_text(resource, "description"),
        items=tuple(items),
        unread=tuple(unread),
    )


def parse_json(text: str | bytes) -> tuple[dict[str, Any] | None, list[str]]:
    """The resource from JSON text, or the problems with it (size, syntax, FHIR R4 shape)."""
    if len(text) > MAX_BYTES:
        return None, [_("The file is larger than %(kb)s kB.") % {"kb": MAX_BYTES // 1024}]
    try:
        resource = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return None, [_("This is not JSON: %(exc)s.") % {"exc": exc}]
    if not isinstance(resource, dict):
        return None, [_("This is not a FHIR Questionnaire (a JSON object is expected).")]
    return resource, fhir_problems(resource)


def fhir_problems(resource: Mapping[str, Any]) -> list[str]:
    """What the FHIR R4 model (`fhir.resources`) finds wrong with the resource, one each."""
    from fhir.resources.R4B.questionnaire import Questionnaire
    from pydantic import ValidationError

    try:
        Questionnaire.model_validate(dict(resource))
    except ValidationError as exc:
        found = []
        for error in exc.errors()[:20]:
            where = ".".join(str(p) for p in error.get("loc", ()))
            found.append(
                _("FHIR R4: %(where)s: %(problem)s.")
                % {"where": where or "Questionnaire", "problem": error.get("msg")}
            )
        return found
    except Exception as exc:  # the model refuses in other ways too (wrong resourceType)
        return [_("FHIR R4: %(exc)s.") % {"exc": exc}]
    return []


# --- writing the FHIR resource ----------------------------------------------------------------


def _translated(text: Text) -> dict[str, Any] | None:
    if not text.es:
        return None
    return {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [
                    {"url": "lang", "valueCode": "es"},
                    {"url": "content", "valueString": text.es},
                ],
            }
        ]
    }


def _put_text(out: dict[str, Any], name: str, text: Text) -> None:
    if text.en:
        out[name] = text.en
    es = _translated(text)
    if es:
        out[f"_{name}"] = es


def _condition_json(item_type: str, cond: Condition) -> dict[str, Any]:
    out: dict[str, Any] = {"question": cond.question, "operator": cond.operator}
    value = cond.answer
    if cond.operator == "exists":
        out["answerBoolean"] = bool(value)
    elif item_type == "choice":
        out["answerCoding"] = {"system": CODE_SYSTEM, "code": str(value)}
    elif item_type == "boolean":
        out["answerBoolean"] = bool(value)
    elif item_type == "integer":
        out["answerInteger"] = int(value)
    elif item_type == "decimal":
        out["answerDecimal"] = float(value)
    elif item_type == "date":
        out["answerDate"] = value.isoformat() if isinstance(value, dt.date) else str(value)
    else:
        out["answerString"] = str(value)
    return out


def _item_json(item: Item, types: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"linkId": item.link_id, "type": item.type}
    if item.codes:
        out["code"] = [
            {"system": c.system, "code": c.code, **({"display": c.display} if c.display else {})}
            for c in item.codes
        ]
    _put_text(out, "text", item.text)
    extensions = []
    if item.level:
        extensions.append({"url": LEVEL_EXT, "valueCode": item.level})
    if item.domain:
        extensions.append({"url": DOMAIN_EXT, "valueCode": item.domain})
    if item.type in ANSWERABLE:
        extensions.append({"url": AUTHOR_EXT, "valueCode": item.author or "client"})
    if extensions:
        out["extension"] = extensions
    if item.enable_when:
        out["enableWhen"] = [
            _condition_json(types.get(c.question, "string"), c) for c in item.enable_when
        ]
        if len(item.enable_when) > 1:
            out["enableBehavior"] = "any" if item.enable_any else "all"
    if item.required:
        out["required"] = True
    if item.repeats:
        out["repeats"] = True
    if item.max_length is not None:
        out["maxLength"] = item.max_length
    if item.options:
        options = []
        for option in item.options:
            coding: dict[str, Any] = {"system": option.system or CODE_SYSTEM, "code": option.code}
            _put_text(coding, "display", option.text)
            entry: dict[str, Any] = {"valueCoding": coding}
            if option.score is not None:
                entry["extension"] = [{"url": ORDINAL, "valueDecimal": float(option.score)}]
            options.append(entry)
        out["answerOption"] = options
    children = []
    if item.help.en or item.help.es:
        help_item: dict[str, Any] = {
            "linkId": f"{item.link_id}{HELP_SUFFIX}",
            "type": "display",
            "extension": [
                {
                    "url": ITEM_CONTROL,
                    "valueCodeableConcept": {
                        "coding": [{"system": ITEM_CONTROL_SYSTEM, "code": "help"}]
                    },
                }
            ],
        }
        _put_text(help_item, "text", item.help)
        children.append(help_item)
    children.extend(_item_json(child, types) for child in item.items)
    if children:
        out["item"] = children
    return out


def to_fhir(
    definition: Definition,
    *,
    url: str,
    name: str,
    version: str = "",
    status: str = "draft",
    date: str = "",
) -> dict[str, Any]:
    """The FHIR R4 Questionnaire for `definition` (a dict ready for JSON)."""
    types = {i.link_id: i.type for i in definition.walk()}
    out: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "url": url,
        "name": name,
        "status": status,
        "subjectType": ["Patient"],
        "language": "en",
    }
    if version:
        out["version"] = version
    if date:
        out["date"] = date
    _put_text(out, "title", definition.title)
    _put_text(out, "description", definition.description)
    out["item"] = [_item_json(item, types) for item in definition.items]
    return out


# --- our rules ----------------------------------------------------------------------------------


def _texts(definition: Definition) -> Iterator[tuple[str, Text]]:
    yield _("The title"), definition.title
    if definition.description.en or definition.description.es:
        yield _("The description"), definition.description
    for item in definition.walk():
        yield _("Question %(link_id)s") % {"link_id": item.link_id}, item.text
        if item.help.en or item.help.es:
            yield _("The help of %(link_id)s") % {"link_id": item.link_id}, item.help
        for option in item.options:
            yield (
                _("Answer %(code)s of %(link_id)s")
                % {"code": option.code, "link_id": item.link_id},
                option.text,
            )


def spanish_missing(definition: Definition) -> list[str]:
    """Every text that has no Spanish yet (a definition is published only without any)."""
    return [
        _("%(where)s has no Spanish text.") % {"where": where}
        for where, text in _texts(definition)
        if not text.es
    ]


def problems(definition: Definition, *, draft: bool = False) -> list[str]:
    """Everything wrong with the definition by our rules, one sentence each (empty when fine).
    The Spanish texts are checked separately (`spanish_missing`): a draft may lack them. A
    `draft` may also have no question yet and empty groups (they are filled in next)."""
    found = list(definition.unread)
    if not definition.title.en.strip():
        found.append(_("The questionnaire needs a title."))
    for where, text in _texts(definition):
        if len(text.en) > MAX_TEXT or len(text.es) > MAX_TEXT:
            found.append(
                _("%(where)s is longer than %(limit)s characters.")
                % {"where": where, "limit": MAX_TEXT}
            )
    all_items = list(definition.walk())
    if not draft and not any(i.type in ANSWERABLE for i in all_items):
        found.append(_("The questionnaire has no question yet."))
    if len(all_items) > MAX_ITEMS:
        found.append(
            ngettext(
                "The questionnaire has %(count)s item; at most %(max_items)s.",
                "The questionnaire has %(count)s items; at most %(max_items)s.",
                len(all_items),
            )
            % {"count": len(all_items), "max_items": MAX_ITEMS}
        )
    seen: set[str] = set()
    by_id = {}
    for item in all_items:
        if not LINK_ID.match(item.link_id):
            found.append(
                _("The link id %(link_id)s must be 1–64 letters, digits, '.', '_' or '-'.")
                % {"link_id": repr(item.link_id)}
            )
        if item.link_id in seen:
            found.append(_("The link id %(link_id)s is used twice.") % {"link_id": item.link_id})
        seen.add(item.link_id)
        by_id[item.link_id] = item
    for item in all_items:
        if f"{item.link_id}{HELP_SUFFIX}" in by_id and item.help != Text():
            found.append(
                _("The link id %(link_id)s is kept for the help of %(of)s.")
                % {"link_id": f"{item.link_id}{HELP_SUFFIX}", "of": item.link_id}
            )
        found.extend(_item_problems(item, by_id, draft=draft))
    found.extend(_cycle_problems(all_items))
    return found


def _item_problems(item: Item, by_id: Mapping[str, Item], *, draft: bool = False) -> list[str]:
    where = _("Question %(link_id)s") % {"link_id": item.link_id}
    found = []
    if not item.text.en.strip():
        found.append(_("%(where)s has no English text.") % {"where": where})
    if item.type == "group" and not item.items and not draft:
        found.append(_("The group %(link_id)s holds no question.") % {"link_id": item.link_id})
    if item.type == "choice":
        if not item.options:
            found.append(
                _("%(where)s is a choice with no answers to choose from.") % {"where": where}
            )
        if len(item.options) > MAX_OPTIONS:
            found.append(
                _("%(where)s has more than %(max_options)s answers.")
                % {"where": where, "max_options": MAX_OPTIONS}
            )
        codes: set[str] = set()
        for option in item.options:
            if not CODE.match(option.code):
                found.append(
                    _("%(where)s: the code %(code)s must be 1–64 letters, digits, '.', '_' or '-'.")
                    % {"where": where, "code": repr(option.code)}
                )
            if option.code in codes:
                found.append(
                    _("%(where)s: the code %(code)s is used twice.")
                    % {"where": where, "code": option.code}
                )
            codes.add(option.code)
            if not option.text.en.strip():
                found.append(
                    _("%(where)s: the answer %(code)s has no English text.")
                    % {"where": where, "code": option.code}
                )
        for option in item.options:
            score = option.score
            if score is not None and (
                not score.is_finite()
                or abs(score) >= MAX_SCORE
                or score != score.quantize(Decimal("0.01"))
            ):
                found.append(
                    _(
                        "%(where)s: the score of %(code)s must be a number under a million, with at most two decimals."
                    )
                    % {"where": where, "code": option.code}
                )
        scored = [o.score is not None for o in item.options]
        if any(scored) and not all(scored):
            found.append(
                _("%(where)s: either every answer has a score or none has.") % {"where": where}
            )
        if item.repeats and item.scored:
            found.append(
                _("%(where)s: a scored question takes one answer (not repeats).") % {"where": where}
            )
    elif item.options:
        found.append(_("%(where)s: only a choice has answers to choose from.") % {"where": where})
    if item.repeats and item.type not in ("choice",):
        found.append(
            _("%(where)s: only a choice may take several answers (repeats).") % {"where": where}
        )
    if item.max_length is not None:
        if item.type not in FREE_TEXT:
            found.append(_("%(where)s: only a string or text has a maxLength.") % {"where": where})
        elif (
            not 1
            <= item.max_length
            <= (MAX_STRING_ANSWER if item.type == "string" else MAX_TEXT_ANSWER)
        ):
            found.append(
                _("%(where)s: maxLength must be between 1 and %(limit)s.")
                % {
                    "where": where,
                    "limit": MAX_STRING_ANSWER if item.type == "string" else MAX_TEXT_ANSWER,
                }
            )
    if len(item.codes) > MAX_CODES:
        found.append(
            _("%(where)s has more than %(max_codes)s codes.")
            % {"where": where, "max_codes": MAX_CODES}
        )
    for coding in item.codes:
        if not coding.system or len(coding.system) > MAX_TEXT or len(coding.code) > 64:
            found.append(
                _("%(where)s: each code needs a system and a code of at most 64 characters.")
                % {"where": where}
            )
            break
    for option in item.options:
        if len(option.system) > MAX_TEXT:
            found.append(
                _("%(where)s: the system of %(code)s is too long.")
                % {"where": where, "code": option.code}
            )
    if item.level and item.level not in LEVELS:
        found.append(_("%(where)s: the level must be micro, meso or macro.") % {"where": where})
    if item.domain and item.domain not in DOMAINS:
        found.append(
            _("%(where)s: %(domain)s is not a life domain.")
            % {"where": where, "domain": repr(item.domain)}
        )
    if item.author not in AUTHORS:
        found.append(_("%(where)s: whose answer must be 'client' or 'worker'.") % {"where": where})
    if len(item.enable_when) > MAX_CONDITIONS:
        found.append(
            _("%(where)s has more than %(max_conditions)s conditions.")
            % {"where": where, "max_conditions": MAX_CONDITIONS}
        )
    for cond in item.enable_when:
        target = by_id.get(cond.question)
        if target is None:
            found.append(
                _("%(where)s is shown when %(question)s is answered, but no such question.")
                % {"where": where, "question": repr(cond.question)}
            )
            continue
        if target is item:
            found.append(_("%(where)s cannot depend on its own answer.") % {"where": where})
            continue
        if target.type == "group":
            found.append(
                _("%(where)s depends on %(link_id)s, a group, which has no answer.")
                % {"where": where, "link_id": target.link_id}
            )
            continue
        if cond.operator not in OPERATORS:
            found.append(
                _("%(where)s: %(operator)s is not a comparison FHIR knows.")
                % {"where": where, "operator": repr(cond.operator)}
            )
        elif cond.operator in (">", "<", ">=", "<=") and target.type not in ORDERED:
            found.append(
                _("%(where)s: %(operator)s compares numbers and dates only.")
                % {"where": where, "operator": cond.operator}
            )
        if cond.operator != "exists" and cond.answer is not None:
            found.extend(_condition_value_problems(where, target, cond))
        elif cond.answer is None:
            found.append(
                _("%(where)s: the condition on %(link_id)s has no answer to compare.")
                % {"where": where, "link_id": target.link_id}
            )
    return found


def _condition_value_problems(where: str, target: Item, cond: Condition) -> list[str]:
    value = cond.answer
    if target.type == "choice" and (not isinstance(value, str) or target.option(value) is None):
        return [
            _("%(where)s: %(link_id)s has no answer coded %(value)s.")
            % {"where": where, "link_id": target.link_id, "value": repr(value)}
        ]
    types: dict[str, type | tuple[type, ...]] = {
        "boolean": bool,
        "integer": int,
        "decimal": (Decimal, int),
        "date": dt.date,
        "string": str,
        "text": str,
    }
    expected = types.get(target.type)
    if expected is not None and (
        not isinstance(value, expected) or (target.type == "integer" and isinstance(value, bool))
    ):
        return [
            _("%(where)s: the condition's answer is not a %(type)s like %(link_id)s.")
            % {"where": where, "type": target.type, "link_id": target.link_id}
        ]
    return []


def _depends_on(items: list[Item]) -> dict[str, set[str]]:
    """For each item, the items whose answers decide whether it is shown, its groups' included."""
    graph: dict[str, set[str]] = {}

    def visit(item: Item, inherited: set[str]) -> None:
        own = inherited | {c.question for c in item.enable_when}
        graph[item.link_id] = own
        for child in item.items:
            visit(child, own | {item.link_id})

    tops = {i.link_id for i in items} - {c.link_id for i in items for c in i.items}
    for item in items:
        if item.link_id in tops:
            visit(item, set())
    return graph


def _cycle_problems(items: list[Item]) -> list[str]:
    graph = _depends_on(items)
    found = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph or nxt == node:
                continue
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
                found.append(
                    _("These questions show each other in a circle: %(path)s.")
                    % {"path": " → ".join(cycle)}
                )
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [node])
    return found


# --- answers ------------------------------------------------------------------------------------


Answers = dict[str, list[Any]]  # link id → the answers (one unless the item repeats)


def _holds(cond: Condition, target: Item, given: list[Any]) -> bool:
    if cond.operator == "exists":
        return bool(given) == bool(cond.answer)
    if cond.operator == "=":
        return any(v == cond.answer for v in given)
    if cond.operator == "!=":
        return all(v != cond.answer for v in given)
    compare = {
        ">": lambda a, b: a > b,
        "<": lambda a, b: a < b,
        ">=": lambda a, b: a >= b,
        "<=": lambda a, b: a <= b,
    }[cond.operator]
    try:
        return any(compare(v, cond.answer) for v in given)
    except TypeError:
        return False


def enabled(definition: Definition, answers: Mapping[str, list[Any]]) -> set[str]:
    """The link ids of the items shown given these answers: an item is shown when its groups
    are and its conditions hold (an answer to a hidden question counts as no answer)."""
    by_id = {i.link_id: i for i in definition.walk()}
    parent = {c.link_id: i.link_id for i in by_id.values() for c in i.items}
    memo: dict[str, bool] = {}

    def shown(link_id: str, guard: frozenset[str]) -> bool:
        if link_id in memo:
            return memo[link_id]
        if link_id in guard:  # a cycle (refused by `problems`): not shown
            return False
        guard = guard | {link_id}
        item = by_id[link_id]
        result = True
        if link_id in parent and not shown(parent[link_id], guard):
            result = False
        elif item.enable_when:
            checks = []
            for cond in item.enable_when:
                target = by_id.get(cond.question)
                if target is None:
                    checks.append(False)
                    continue
                given = answers.get(cond.question, []) if shown(target.link_id, guard) else []
                checks.append(_holds(cond, target, given))
            result = any(checks) if item.enable_any else all(checks)
        memo[link_id] = result
        return result

    return {link_id for link_id in by_id if shown(link_id, frozenset())}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if v not in (None, "")]
    if isinstance(value, str) and not value.strip():
        return []
    return [value]


def convert(item: Item, value: Any) -> tuple[Any, str]:
    """(the typed value, "") or (None, the problem)."""
    kind = item.type
    if kind == "boolean":
        if isinstance(value, bool):
            return value, ""
        text = str(value).strip().lower()
        if text in ("true", "yes", "1", "on"):
            return True, ""
        if text in ("false", "no", "0"):
            return False, ""
        return None, _("Answer yes or no.")
    if kind == "integer":
        if isinstance(value, bool):
            return None, _("Enter a whole number.")
        try:
            number = int(str(value).strip())
        except ValueError:
            return None, _("Enter a whole number.")
        if abs(number) >= NUMBER_LIMIT:
            return None, _("This number is too large.")
        return number, ""
    if kind == "decimal":
        if isinstance(value, bool):
            return None, _("Enter a number.")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            return None, _("Enter a number.")
        if not amount.is_finite() or abs(amount) >= NUMBER_LIMIT:
            return None, _("Enter a number.")
        return amount, ""
    if kind == "date":
        if isinstance(value, dt.date):
            return value, ""
        try:
            return dt.date.fromisoformat(str(value).strip()), ""
        except ValueError:
            return None, _("Enter a date as YYYY-MM-DD.")
    if kind == "choice":
        code = str(value).strip()
        if item.option(code) is None:
            return None, _("%(code)s is not one of this question's answers.") % {"code": repr(code)}
        return code, ""
    text = str(value).strip()
    limit = item.answer_limit
    if len(text) > limit:
        return None, _("Keep this under %(limit)s characters.") % {"limit": limit}
    return text, ""


def check_answers(
    definition: Definition, raw: Mapping[str, Any], *, require: bool = True
) -> tuple[Answers, dict[str, list[str]]]:
    """The answers, typed, and the problems per link id ({"": [...]} for the whole). Nothing
    is accepted for a question that is not shown, for an unknown link id or for a group; a
    shown required question must be answered when `require`."""
    errors: dict[str, list[str]] = {}
    by_id = {i.link_id: i for i in definition.walk()}
    typed: Answers = {}
    for link_id, value in raw.items():
        item = by_id.get(link_id)
        values = _as_list(value)
        if item is None:
            errors.setdefault("", []).append(
                _("There is no question %(link_id)s.") % {"link_id": repr(link_id)}
            )
            continue
        if item.type == "group":
            if values:
                errors.setdefault(link_id, []).append(_("A group takes no answer."))
            continue
        if not values:
            continue
        if len(values) > 1 and not item.repeats:
            errors.setdefault(link_id, []).append(_("This question takes one answer."))
            continue
        if len(values) > MAX_REPEATS:
            errors.setdefault(link_id, []).append(
                _("At most %(max_repeats)s answers.") % {"max_repeats": MAX_REPEATS}
            )
            continue
        converted = []
        for v in values:
            result, problem = convert(item, v)
            if problem:
                errors.setdefault(link_id, []).append(problem)
            elif result not in converted:
                converted.append(result)
        if converted and link_id not in errors:
            typed[link_id] = converted
    shown = enabled(definition, typed)
    for link_id in list(typed):
        if link_id not in shown:
            errors.setdefault(link_id, []).append(
                _(
                    "This question is not asked with the answers given: leave it empty, or "
                    "change the answer it depends on."
                )
            )
            del typed[link_id]
    if require:
        for item in definition.questions():
            if item.required and item.link_id in shown and item.link_id not in typed:
                errors.setdefault(item.link_id, []).append(_("This question needs an answer."))
    return typed, errors


def total_score(definition: Definition, answers: Mapping[str, list[Any]]) -> Decimal | None:
    """The sum of the scores of the answers given to scored questions; None if not scored."""
    if not definition.scored:
        return None
    total = Decimal(0)
    for item in definition.questions():
        if item.scored:
            for code in answers.get(item.link_id, []):
                option = item.option(code)
                if option is not None and option.score is not None:
                    total += option.score
    return total


def _value_json(item: Item, value: Any) -> dict[str, Any]:
    if item.type == "choice":
        option = item.option(value)
        coding = {"system": (option.system if option else "") or CODE_SYSTEM, "code": value}
        if option is not None:
            coding["display"] = option.text.en
        return {"valueCoding": coding}
    if item.type == "boolean":
        return {"valueBoolean": value}
    if item.type == "integer":
        return {"valueInteger": value}
    if item.type == "decimal":
        return {"valueDecimal": float(value)}
    if item.type == "date":
        return {"valueDate": value.isoformat()}
    return {"valueString": value}


def response_items(
    definition: Definition, answers: Mapping[str, list[Any]], verbatim: Mapping[str, bool]
) -> list[dict[str, Any]]:
    """The `item` list of a FHIR QuestionnaireResponse for these answers: each answered
    question with the text it was asked with (English), its answers, whose answer it is, and for
    a client's free text whether these are their exact words. Groups hold their questions."""

    def build(items: Iterable[Item]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            if item.type == "group":
                inner = build(item.items)
                if inner:
                    out.append({"linkId": item.link_id, "text": item.text.en, "item": inner})
                continue
            values = answers.get(item.link_id)
            if not values:
                continue
            entry: dict[str, Any] = {
                "linkId": item.link_id,
                "text": item.text.en,
                "answer": [_value_json(item, v) for v in values],
                "extension": [{"url": AUTHOR_EXT, "valueCode": item.author}],
            }
            if item.type in FREE_TEXT and item.author == "client":
                entry["extension"].append(
                    {"url": VERBATIM_EXT, "valueBoolean": bool(verbatim.get(item.link_id, True))}
                )
            out.append(entry)
        return out

    return build(definition.items)


def response_resource(
    *, rid: str, questionnaire: str, client_id: int, authored: dt.date, items: list[Any]
) -> dict[str, Any]:
    """A completed FHIR R4 QuestionnaireResponse about the client (`Patient/client-<id>`, as
    in the client's bundle) answering `questionnaire` (its canonical `url|version`)."""
    return {
        "resourceType": "QuestionnaireResponse",
        "id": rid,
        "questionnaire": questionnaire,
        "status": "completed",
        "subject": {"reference": f"Patient/client-{client_id}"},
        "authored": authored.isoformat(),
        "item": items,
    }


def answers_from_response(items: Iterable[Mapping[str, Any]]) -> tuple[Answers, dict[str, bool]]:
    """The answers and the exact-words marks kept in a response's `item` list (the inverse of
    `response_items`)."""
    answers: Answers = {}
    verbatim: dict[str, bool] = {}

    def visit(entries: Iterable[Mapping[str, Any]]) -> None:
        for entry in entries:
            visit(entry.get("item", []) or [])
            values = []
            for answer in entry.get("answer", []) or []:
                for key, value in answer.items():
                    if key == "valueCoding":
                        values.append(value.get("code"))
                    elif key == "valueDate":
                        values.append(dt.date.fromisoformat(value))
                    elif key == "valueDecimal":
                        values.append(Decimal(str(value)))
                    elif key.startswith("value"):
                        values.append(value)
            if values:
                answers[entry["linkId"]] = values
            mark = _extension(entry, VERBATIM_EXT, "valueBoolean")
            if mark is not None:
                verbatim[entry["linkId"]] = bool(mark)

    visit(items)
    return answers, verbatim


def parent_of(definition: Definition, link_id: str) -> str:
    """The link id of the group holding `link_id` ("" at the top level or when absent)."""
    for item in definition.walk():
        if any(child.link_id == link_id for child in item.items):
            return item.link_id
    return ""


def keeping_imported(old: Item, new: Item) -> Item:
    """`new` (as the editor gives it, which does not show them) with what `old` kept from an
    import: its codes, its maxLength (while it stays free text) and the code system of every
    answer whose code stays."""
    systems = {o.code: o.system for o in old.options}
    return replace(
        new,
        codes=new.codes or old.codes,
        max_length=new.max_length
        if new.max_length is not None
        else (old.max_length if new.type in FREE_TEXT else None),
        options=tuple(replace(o, system=o.system or systems.get(o.code, "")) for o in new.options),
    )


def with_item(definition: Definition, item: Item, *, parent: str = "") -> Definition:
    """The definition with `item` replaced (same link id) or added at the end (of `parent`);
    an item that changes group moves to the end of its new group (`parent`)."""
    existing = definition.find(item.link_id)
    if existing is not None and parent_of(definition, item.link_id) != parent:
        kept = replace(item, items=existing.items if item.type == "group" else ())
        return with_item(without_item(definition, item.link_id), kept, parent=parent)

    def put(items: tuple[Item, ...], inside: str) -> tuple[Item, ...]:
        out = []
        replaced = False
        for existing in items:
            if existing.link_id == item.link_id:
                out.append(replace(item, items=existing.items if item.type == "group" else ()))
                replaced = True
            else:
                out.append(replace(existing, items=put(existing.items, existing.link_id)))
        if not replaced and inside == parent and definition.find(item.link_id) is None:
            out.append(item)
        return tuple(out)

    return replace(definition, items=put(definition.items, ""))


def without_item(definition: Definition, link_id: str) -> Definition:
    def drop(items: tuple[Item, ...]) -> tuple[Item, ...]:
        return tuple(replace(i, items=drop(i.items)) for i in items if i.link_id != link_id)

    return replace(definition, items=drop(definition.items))


def moved(definition: Definition, link_id: str, step: int) -> Definition:
    """The definition with `link_id` moved `step` places (-1 up, +1 down) among its siblings."""

    def move(items: tuple[Item, ...]) -> tuple[Item, ...]:
        ids = [i.link_id for i in items]
        if link_id in ids:
            at = ids.index(link_id)
            to = max(0, min(len(items) - 1, at + step))
            order = list(items)
            order.insert(to, order.pop(at))
            return tuple(order)
        return tuple(replace(i, items=move(i.items)) for i in items)

    return replace(definition, items=move(definition.items))
