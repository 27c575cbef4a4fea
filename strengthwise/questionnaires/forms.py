"""The editor's forms (the questionnaire, one item) and the fill-in form's reading and rendering:
a definition becomes rows for the template, a POST becomes the answers `check_answers` takes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from strengthwise.accounts.models import Program

from . import definition as qdef
from .models import Questionnaire

TYPE_CHOICES = [
    ("string", _("Short answer")),
    ("text", _("Long answer (the client's words)")),
    ("choice", _("Choose from a list")),
    ("boolean", _("Yes or no")),
    ("integer", _("Whole number")),
    ("decimal", _("Number")),
    ("date", _("Date")),
    ("group", _("Group of questions")),
]
LEVEL_CHOICES = [
    ("", _("—")),
    ("micro", _("Micro — the person")),
    ("meso", _("Meso — family, friends, local groups")),
    ("macro", _("Macro — class, discrimination, policy, economy")),
]
DOMAIN_CHOICES = [
    ("", _("—")),
    ("daily_living", _("Daily living and home")),
    ("financial", _("Money and benefits")),
    ("vocational_education", _("Work and learning")),
    ("social_supports", _("Family, friends and relationships")),
    ("health", _("Health and wellbeing")),
    ("leisure", _("Free time and enjoyment")),
    ("spirituality_culture", _("Faith, meaning and culture")),
]
AUTHOR_CHOICES = [
    ("client", _("The client's own answer")),
    ("worker", _("The worker's observation")),
]


class QuestionnaireForm(forms.Form):
    key = forms.SlugField(label=_("Short name"), max_length=60)
    purpose = forms.ChoiceField(label=_("Used for"), choices=Questionnaire.Purpose.choices)
    program = forms.ChoiceField(label=_("Program"), required=False)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    title_es = forms.CharField(label=_("Title (Spanish)"), max_length=200, required=False)

    def __init__(self, *args: Any, programs: list[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("— none —"))] + [  # type: ignore[attr-defined]
            (str(p.pk), p.name) for p in programs
        ]


class ImportForm(forms.Form):
    key = forms.SlugField(label=_("Short name"), max_length=60, required=False)
    purpose = forms.ChoiceField(
        label=_("Used for"), choices=Questionnaire.Purpose.choices, required=False
    )
    program = forms.ChoiceField(label=_("Program"), required=False)
    file = forms.FileField(label=_("Questionnaire file (FHIR JSON)"), required=False)
    text = forms.CharField(
        label=_("…or paste the JSON"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )

    def __init__(self, *args: Any, programs: list[Program], replacing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("— none —"))] + [  # type: ignore[attr-defined]
            (str(p.pk), p.name) for p in programs
        ]
        if replacing:
            for name in ("key", "purpose", "program"):
                del self.fields[name]

    def content(self) -> bytes | str:
        upload = self.cleaned_data.get("file")
        if upload is not None:
            if upload.size > qdef.MAX_BYTES:
                return b" " * (qdef.MAX_BYTES + 1)
            return upload.read()
        return self.cleaned_data.get("text") or ""


class TitleForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    title_es = forms.CharField(label=_("Title (Spanish)"), max_length=200, required=False)
    description_en = forms.CharField(
        label=_("Description (English)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description_es = forms.CharField(
        label=_("Description (Spanish)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ItemForm(forms.Form):
    link_id = forms.RegexField(
        label=_("Link id"),
        regex=qdef.LINK_ID,
        max_length=64,
        help_text=_("A short id that never changes meaning (letters, digits, '-')."),
    )
    type = forms.ChoiceField(label=_("Kind of answer"), choices=TYPE_CHOICES)
    text_en = forms.CharField(label=_("Question (English)"), max_length=qdef.MAX_TEXT)
    text_es = forms.CharField(
        label=_("Question (Spanish)"), max_length=qdef.MAX_TEXT, required=False
    )
    help_en = forms.CharField(label=_("Help (English)"), max_length=qdef.MAX_TEXT, required=False)
    help_es = forms.CharField(label=_("Help (Spanish)"), max_length=qdef.MAX_TEXT, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    repeats = forms.BooleanField(label=_("Several answers may be chosen"), required=False)
    options = forms.CharField(
        label=_("Answers to choose from"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One per line: code | English | Spanish | score (the score only for a scored "
            "instrument). Example: yes | Yes | Sí | 2"
        ),
    )
    conditions = forms.CharField(
        label=_("Ask only when"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One per line: link id, comparison, answer. Examples: served = yes · age >= 18 · "
            "income exists yes. Empty: always asked."
        ),
    )
    any_condition = forms.BooleanField(
        label=_("Ask when any one of these holds (not all)"), required=False
    )
    level = forms.ChoiceField(label=_("Level"), choices=LEVEL_CHOICES, required=False)
    domain = forms.ChoiceField(label=_("Life domain"), choices=DOMAIN_CHOICES, required=False)
    author = forms.ChoiceField(label=_("Whose answer"), choices=AUTHOR_CHOICES, initial="client")
    parent = forms.ChoiceField(label=_("In the group"), required=False)

    def __init__(self, *args: Any, definition: qdef.Definition, editing: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.editing = editing
        self.fields["parent"].choices = [("", _("— top level —"))] + [  # type: ignore[attr-defined]
            (i.link_id, i.text.en)
            for i in definition.items
            if i.type == "group" and i.link_id != editing
        ]

    @classmethod
    def initial_for(cls, item: qdef.Item, parent: str) -> dict[str, Any]:
        return {
            "link_id": item.link_id,
            "type": item.type,
            "text_en": item.text.en,
            "text_es": item.text.es,
            "help_en": item.help.en,
            "help_es": item.help.es,
            "required": item.required,
            "repeats": item.repeats,
            "options": "\n".join(
                " | ".join(
                    [o.code, o.text.en, o.text.es]
                    + ([format(o.score.normalize(), "f")] if o.score is not None else [])
                )
                for o in item.options
            ),
            "conditions": "\n".join(
                f"{c.question} {c.operator} {_condition_text(c.answer)}" for c in item.enable_when
            ),
            "any_condition": item.enable_any,
            "level": item.level,
            "domain": item.domain,
            "author": item.author,
            "parent": parent,
        }

    def clean_options(self) -> tuple[qdef.Option, ...]:
        options = []
        for n, line in enumerate((self.cleaned_data.get("options") or "").splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 2 or not parts[0] or not parts[1]:
                raise forms.ValidationError(
                    _("Line %(n)s: write code | English | Spanish (| score).") % {"n": n}
                )
            score = None
            if len(parts) > 3 and parts[3]:
                try:
                    score = Decimal(parts[3])
                except InvalidOperation:
                    raise forms.ValidationError(
                        _("Line %(n)s: the score must be a number.") % {"n": n}
                    ) from None
            options.append(
                qdef.Option(
                    code=parts[0],
                    text=qdef.Text(parts[1], parts[2] if len(parts) > 2 else ""),
                    score=score,
                )
            )
        return tuple(options)

    def clean_conditions(self) -> tuple[qdef.Condition, ...]:
        conditions = []
        for n, line in enumerate((self.cleaned_data.get("conditions") or "").splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split(None, 2)
            if len(parts) < 3 or parts[1] not in qdef.OPERATORS:
                raise forms.ValidationError(
                    _("Line %(n)s: write a link id, a comparison (%(ops)s) and an answer.")
                    % {"n": n, "ops": " ".join(qdef.OPERATORS)}
                )
            question, operator, text = parts
            target = self.definition.find(question)
            if target is None or target.link_id == self.editing:
                raise forms.ValidationError(
                    _("Line %(n)s: %(id)s is not another question of this questionnaire.")
                    % {"n": n, "id": question}
                )
            answer: Any = text.strip()
            if operator == "exists" or target.type == "boolean":
                answer, problem = qdef.convert(qdef.Item("x", "boolean", qdef.Text("x")), answer)
            elif target.type in ("integer", "decimal", "date", "choice"):
                answer, problem = qdef.convert(target, answer)
            else:
                problem = ""
            if problem:
                raise forms.ValidationError(
                    _("Line %(n)s: %(problem)s") % {"n": n, "problem": problem}
                )
            conditions.append(qdef.Condition(question, operator, answer))
        return tuple(conditions)

    def item(self) -> qdef.Item:
        data = self.cleaned_data
        return qdef.Item(
            link_id=data["link_id"],
            type=data["type"],
            text=qdef.Text(data["text_en"].strip(), data["text_es"].strip()),
            help=qdef.Text(data["help_en"].strip(), data["help_es"].strip()),
            required=data["required"],
            repeats=data["repeats"],
            options=data["options"],
            enable_when=data["conditions"],
            enable_any=data["any_condition"],
            level=data["level"],
            domain=data["domain"],
            author=data["author"],
        )


def _condition_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value.isoformat() if hasattr(value, "isoformat") else value)


# --- filling in --------------------------------------------------------------------------------


def answers_from_post(
    definition: qdef.Definition, data: Any
) -> tuple[dict[str, Any], dict[str, bool]]:
    """The raw answers (`a-<link id>`) and exact-words marks (`v-<link id>`) of a POST."""
    raw: dict[str, Any] = {}
    marks: dict[str, bool] = {}
    for item in definition.questions():
        name = f"a-{item.link_id}"
        values = data.getlist(name) if item.repeats else data.get(name, "")
        raw[item.link_id] = values
        if item.type in qdef.FREE_TEXT and item.author == "client":
            marks[item.link_id] = data.get(f"v-{item.link_id}") == "on"
    return raw, marks


def _shown_value(item: qdef.Item, value: Any, language: str) -> str:
    if item.type == "choice":
        option = item.option(value)
        return option.text.get(language) if option is not None else str(value)
    if item.type == "boolean":
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def rows(
    definition: qdef.Definition,
    *,
    language: str,
    answers: dict[str, list[Any]] | None = None,
    verbatim: dict[str, bool] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """The items as the template renders them: the text in `language`, the answers given (as
    strings for inputs and as words for reading), errors and the conditions (for the script
    that hides what is not asked)."""
    answers = answers or {}
    verbatim = verbatim or {}
    errors = errors or {}

    def row(item: qdef.Item) -> dict[str, Any]:
        given = answers.get(item.link_id, [])
        as_input = [
            v.isoformat()
            if hasattr(v, "isoformat")
            else _condition_text(v)
            if isinstance(v, (bool, Decimal))
            else str(v)
            for v in given
        ]
        return {
            "item": item,
            "name": f"a-{item.link_id}",
            "text": item.text.get(language),
            "help": item.help.get(language),
            "options": [(o.code, o.text.get(language), o.code in given) for o in item.options],
            "value": as_input[0] if as_input else "",
            "values": as_input,
            "shown": [_shown_value(item, v, language) for v in given],
            "verbatim": verbatim.get(item.link_id, True),
            "client_words": item.type in qdef.FREE_TEXT and item.author == "client",
            "errors": errors.get(item.link_id, []),
            "conditions": [
                {
                    "q": c.question,
                    "op": c.operator,
                    "a": _condition_text(c.answer) if c.answer is not None else "",
                }
                for c in item.enable_when
            ],
            "children": [row(child) for child in item.items],
        }

    return [row(item) for item in definition.items]
