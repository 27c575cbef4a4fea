"""Forms for assessments: parsing only; services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from strengthwise.core.forms import IdChoiceField, categories_field
from strengthwise.people.forms import DateInput
from strengthwise.questionnaires.models import QuestionnaireResponse

from .models import Author, EcomapNode, Factor, Level, MotivationRecord

AUTHOR_CHOICES = Author.choices


class StrengthsForm(forms.Form):
    """One text, one 'whose words' and one 'exact quote' per domain and column, then the
    ranked priorities. Field names: <domain>__<column>__text|author|verbatim, priority_<n>__…"""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, template: dict[str, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.template = template
        for domain in template["domains"]:
            for column in template["columns"]:
                self._cell_fields(
                    f"{domain['key']}__{column['key']}",
                    column["label"],
                    column.get("default_author", "together"),
                    prompt=column.get("prompt", ""),
                )
        for rank in range(1, int(template["priorities"]["slots"]) + 1):
            self._cell_fields(
                f"priority_{rank}", _("Priority %(n)d") % {"n": rank}, Author.CLIENT, rows=1
            )

    def _cell_fields(
        self, prefix: str, label: str, default_author: str, rows: int = 2, prompt: str = ""
    ) -> None:
        # The column's prompt is the text's help, so it is read out with the box.
        self.fields[f"{prefix}__text"] = forms.CharField(
            label=label,
            help_text=prompt,
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": rows}),
        )
        self.fields[f"{prefix}__author"] = forms.ChoiceField(
            label=_("Whose words"), choices=AUTHOR_CHOICES, initial=default_author
        )
        # Where the client is the one speaking (what they want, their priorities) the worker
        # is writing down what they say: exact words unless the worker unticks it.
        self.fields[f"{prefix}__verbatim"] = forms.BooleanField(
            label=_("Exact words"), required=False, initial=default_author == Author.CLIENT
        )

    @staticmethod
    def initial_from(content: dict[str, Any], version: int | None) -> dict[str, Any]:
        initial: dict[str, Any] = {"version": version or 0}
        # A box left empty keeps the form's defaults for whose words they will be: what was
        # saved with no words says nothing about that.
        for key, columns in content.get("domains", {}).items():
            for column, cell in columns.items():
                if cell.get("text"):
                    for part in ("text", "author", "verbatim"):
                        initial[f"{key}__{column}__{part}"] = cell.get(part)
        for rank, cell in enumerate(content.get("priorities", []), start=1):
            if cell.get("text"):
                for part in ("text", "author", "verbatim"):
                    initial[f"priority_{rank}__{part}"] = cell.get(part)
        return initial

    def content(self) -> dict[str, Any]:
        data = self.cleaned_data

        def cell(p: str) -> dict[str, Any]:
            return {
                "text": data[f"{p}__text"],
                "author": data[f"{p}__author"],
                "verbatim": data[f"{p}__verbatim"],
            }

        return {
            "domains": {
                d["key"]: {
                    c["key"]: cell(f"{d['key']}__{c['key']}") for c in self.template["columns"]
                }
                for d in self.template["domains"]
            },
            "priorities": [
                cell(f"priority_{r}")
                for r in range(1, int(self.template["priorities"]["slots"]) + 1)
            ],
        }

    def rows(self) -> list[dict[str, Any]]:
        """Bound fields grouped for the template: one entry per domain with its cells."""
        grouped = []
        for domain in self.template["domains"]:
            cells = [
                {
                    "column": c,
                    "text": self[f"{domain['key']}__{c['key']}__text"],
                    "author": self[f"{domain['key']}__{c['key']}__author"],
                    "verbatim": self[f"{domain['key']}__{c['key']}__verbatim"],
                }
                for c in self.template["columns"]
            ]
            grouped.append({"domain": domain, "cells": cells})
        return grouped

    def priority_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "text": self[f"priority_{r}__text"],
                "author": self[f"priority_{r}__author"],
                "verbatim": self[f"priority_{r}__verbatim"],
            }
            for r in range(1, int(self.template["priorities"]["slots"]) + 1)
        ]


class FactorForm(forms.ModelForm):
    domain = forms.ChoiceField(label=_("Life domain"))
    categories = categories_field()

    class Meta:
        model = Factor
        fields = ("description", "valence", "level", "domain", "author", "verbatim")
        widgets = {"valence": forms.RadioSelect, "level": forms.RadioSelect}

    def __init__(self, *args: Any, domains: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = domains  # type: ignore[attr-defined]
        self.fields["level"].choices = Level.choices  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        pass


class FactorCategoriesForm(forms.Form):
    categories = categories_field()


class MotivationForm(forms.ModelForm):
    class Meta:
        model = MotivationRecord
        fields = (
            "recorded_on",
            "dreams",
            "dreams_author",
            "dreams_verbatim",
            "obstacles",
            "obstacles_author",
            "obstacles_verbatim",
            "support",
            "support_author",
            "support_verbatim",
        )
        widgets = {
            "recorded_on": DateInput(),
            "dreams": forms.Textarea(attrs={"rows": 3}),
            "obstacles": forms.Textarea(attrs={"rows": 3}),
            "support": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "dreams_author": _("Whose words"),
            "obstacles_author": _("Whose words"),
            "support_author": _("Whose words"),
            "dreams_verbatim": _("Exact words"),
            "obstacles_verbatim": _("Exact words"),
            "support_verbatim": _("Exact words"),
        }

    def _post_clean(self) -> None:
        pass


class ConcernForm(forms.Form):
    label = forms.CharField(
        label=_("What would they like to change? (their words)"), max_length=200
    )
    label_author = forms.ChoiceField(
        label=capfirst(_("whose words")),
        choices=Author.choices,
        initial=Author.CLIENT,
        required=False,
    )
    label_verbatim = forms.BooleanField(label=capfirst(_("their exact words")), required=False)
    domain = forms.ChoiceField(label=_("Life domain"), required=False)

    def __init__(self, *args: Any, domains: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [("", "—"), *domains]  # type: ignore[attr-defined]

    def clean_label_author(self) -> str:
        return self.cleaned_data.get("label_author") or Author.CLIENT


RULER = [(n, str(n)) for n in range(11)]


class RatingForm(forms.Form):
    rated_on = forms.DateField(label=_("Date"), widget=DateInput())
    stage = forms.ChoiceField(label=_("Where they see themselves"))
    importance = forms.TypedChoiceField(label=_("Importance (0–10)"), choices=RULER, coerce=int)
    confidence = forms.TypedChoiceField(label=_("Confidence (0–10)"), choices=RULER, coerce=int)
    why_not_lower = forms.CharField(
        label=_("Why this number and not a lower one?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    why_author = forms.ChoiceField(
        label=_("Whose words"), choices=AUTHOR_CHOICES, initial=Author.CLIENT
    )
    rated_by = forms.ChoiceField(
        label=_("Whose rating"), choices=AUTHOR_CHOICES, initial=Author.CLIENT
    )

    def __init__(self, *args: Any, stages: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = stages  # type: ignore[attr-defined]


class SsmForm(forms.Form):
    kind = forms.ChoiceField(label=_("When"), choices=QuestionnaireResponse.Occasion.choices)
    administered_on = forms.DateField(label=_("Date"), widget=DateInput())
    # Parsed as an id only: ssm_administer looks it up among the client's household.
    member = IdChoiceField(label=_("Whose matrix"), required=False)

    def __init__(
        self, *args: Any, template: dict[str, Any], members: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.template = template
        self.fields["member"].choices = [("", _("The client")), *members]  # type: ignore[attr-defined]
        scale = template["scale"]
        for domain in [*template["domains"], *template.get("optional_domains", [])]:
            anchors = domain.get("anchors", {})
            choices = [
                (
                    level,
                    f"{level} · {scale.get(level, scale.get(str(level), ''))}"
                    + (
                        f" — {anchors.get(level, anchors.get(str(level)))}"
                        if level and (anchors.get(level) or anchors.get(str(level)))
                        else ""
                    ),
                )
                for level in range(6)
            ]
            optional = domain in template.get("optional_domains", [])
            self.fields[f"score_{domain['key']}"] = forms.TypedChoiceField(
                label=domain["label"],
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                required=not optional,
                empty_value=None,
            )
            self.fields[f"note_{domain['key']}"] = forms.CharField(
                label=_("Note"), required=False, max_length=500, widget=forms.TextInput
            )

    def domain_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "domain": d,
                "score": self[f"score_{d['key']}"],
                "note": self[f"note_{d['key']}"],
                "optional": d in self.template.get("optional_domains", []),
            }
            for d in [*self.template["domains"], *self.template.get("optional_domains", [])]
        ]

    def scores(self) -> dict[str, tuple[int, str]]:
        out = {}
        for d in [*self.template["domains"], *self.template.get("optional_domains", [])]:
            score = self.cleaned_data.get(f"score_{d['key']}")
            if score is not None:
                out[d["key"]] = (score, self.cleaned_data.get(f"note_{d['key']}", ""))
        return out


class NodeForm(forms.ModelForm):
    class Meta:
        model = EcomapNode
        fields = ("label", "kind", "level", "strength", "quality", "flow", "note")
        help_texts = {
            "label": _(
                "Up to 60 characters. A long name may be shortened in the drawing; it is kept in "
                "full in the list of connections, as the drawing's tooltip and when printed."
            )
        }

    def _post_clean(self) -> None:
        pass


class TieForm(forms.ModelForm):
    class Meta:
        model = EcomapNode
        fields = ("strength", "quality", "flow")

    def _post_clean(self) -> None:
        pass
