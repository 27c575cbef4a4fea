"""Forms for notes and check-ins: parsing only; services write."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from strengthwise.people.forms import DateInput

from . import formats
from .models import CheckIn, ContactType, LanguageTerm


class GoalIdsField(forms.MultipleChoiceField):
    """The client's goals, parsed as ids only: the service looks them up among the client's
    own and names the field when one is unknown, so the page and the API answer alike."""

    def valid_value(self, value: Any) -> bool:
        return True


class NoteForm(forms.Form):
    contact_type = forms.ChoiceField(label=_("Contact"), choices=ContactType.choices)
    contact_date = forms.DateField(label=_("Date"), widget=DateInput())
    duration_minutes = forms.IntegerField(
        label=_("Minutes"), required=False, min_value=0, max_value=24 * 60
    )
    present = forms.CharField(label=_("Who was there"), required=False, max_length=300)
    format = forms.ChoiceField(label=_("Format"))
    goals = GoalIdsField(
        label=_("Goals it was about"), required=False, widget=forms.CheckboxSelectMultiple
    )

    # Whose words the quotations are (JSON kept by the page's "mark the words" buttons).
    quotes = forms.CharField(
        label=_("Whose words"), required=False, widget=forms.HiddenInput, max_length=200_000
    )

    def __init__(self, *args: Any, goals: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = formats.choices()  # type: ignore[attr-defined]
        self.fields["goals"].choices = [(str(pk), text) for pk, text in goals]  # type: ignore[attr-defined]
        for key, (label, prompt) in formats.SECTIONS.items():
            self.fields[f"s_{key}"] = forms.CharField(
                label=label,
                help_text=prompt,
                required=False,
                max_length=20_000,
                widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "true"}),
            )

    def clean_quotes(self) -> list[Any] | None:
        """None when the page sent no quotes field (nothing changes), else the parsed list;
        the service checks each entry."""
        if "quotes" not in self.data:
            return None
        raw = self.cleaned_data.get("quotes") or "[]"
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(
                _("Whose words the quotations are could not be read.")
            ) from None
        if not isinstance(value, list):
            raise forms.ValidationError(_("Whose words the quotations are could not be read."))
        return value

    def sections(self) -> dict[str, str]:
        return {
            key: self.cleaned_data.get(f"s_{key}") or ""
            for key in formats.SECTIONS
            if f"s_{key}" in self.data
        }

    def section_fields(self, fmt: str) -> list[tuple[str, Any]]:
        return [(key, self[f"s_{key}"]) for key in formats.sections_of(fmt)]


class AddendumForm(forms.Form):
    text = forms.CharField(
        label=_("Addendum (dated, shown beside the note)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search notes"), max_length=200, required=False)


class ClientTermsForm(forms.Form):
    terms = forms.CharField(
        label=_("Words the client uses for themselves"),
        required=False,
        max_length=300,
        help_text=_("Separate with “;”. The language helper will not flag these for this client."),
    )


class LanguageTermForm(forms.ModelForm):
    class Meta:
        model = LanguageTerm
        fields = ["term", "alternatives", "sources", "active"]

    def _post_clean(self) -> None:  # parsing only: the service validates the model
        pass


RATING = [("", "—"), *[(i, str(i)) for i in range(11)]]
GAS = [("", "—"), (2, "+2"), (1, "+1"), (0, "0"), (-1, "−1"), (-2, "−2")]


class CheckInForm(forms.ModelForm):
    client_rating = forms.TypedChoiceField(
        label=_("How the client rates progress (0–10)"),
        choices=RATING,
        coerce=int,
        required=False,
        empty_value=None,
    )
    worker_rating = forms.TypedChoiceField(
        label=_("How you rate progress (0–10)"),
        choices=RATING,
        coerce=int,
        required=False,
        empty_value=None,
    )
    client_gas = forms.TypedChoiceField(
        label=_("Client's GAS level"), choices=GAS, coerce=int, required=False, empty_value=None
    )
    worker_gas = forms.TypedChoiceField(
        label=_("Your GAS level"), choices=GAS, coerce=int, required=False, empty_value=None
    )
    importance = forms.TypedChoiceField(
        label=_("How important is it to them now? (0–10)"),
        choices=RATING,
        coerce=int,
        required=False,
        empty_value=None,
    )
    confidence = forms.TypedChoiceField(
        label=_("How confident are they? (0–10)"),
        choices=RATING,
        coerce=int,
        required=False,
        empty_value=None,
    )

    class Meta:
        model = CheckIn
        fields = [
            "checked_on",
            "client_rating",
            "worker_rating",
            "client_gas",
            "worker_gas",
            "importance",
            "confidence",
            "comment",
            "comment_author",
            "comment_verbatim",
        ]
        widgets = {"checked_on": DateInput()}

    def _post_clean(self) -> None:  # parsing only: the service validates the model
        pass
