"""Forms for the directory: parsing only; services write."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .hours import DAY_CODES
from .labels import term_choices
from .models import Service

_HOURS_LINE = re.compile(
    r"^\s*(?P<days>[A-Za-z]{2}(?:\s*[-,]\s*[A-Za-z]{2})*)\s+(?P<open>\d{1,2}:\d{2})\s*[-–]\s*(?P<close>\d{1,2}:\d{2})\s*$"
)


def parse_hours(text: str) -> list[dict[str, Any]]:
    """One weekly rule per line: `MO-FR 09:00-17:00`, `SA,SU 10:00-14:00`, `FR 20:00-08:00`
    (past midnight). Raises forms.ValidationError naming the bad line."""
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _HOURS_LINE.match(line)
        if not match:
            raise forms.ValidationError(
                _("Line %(n)s: write days and hours like “MO-FR 09:00-17:00”."),
                params={"n": number},
            )
        days: list[str] = []
        for part in match["days"].upper().replace(" ", "").split(","):
            ends = part.split("-")
            if any(code not in DAY_CODES for code in ends):
                raise forms.ValidationError(
                    _("Line %(n)s: days are MO TU WE TH FR SA SU."), params={"n": number}
                )
            if len(ends) == 2:
                a, b = DAY_CODES.index(ends[0]), DAY_CODES.index(ends[1])
                span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
                days.extend(DAY_CODES[i] for i in span)
            else:
                days.append(ends[0])
        try:
            opens = dt.datetime.strptime(match["open"], "%H:%M").time()
            closes = dt.datetime.strptime(match["close"], "%H:%M").time()
        except ValueError as exc:
            raise forms.ValidationError(
                _("Line %(n)s: times are 00:00 to 23:59."), params={"n": number}
            ) from exc
        rules.append(
            {"byday": ",".join(dict.fromkeys(days)), "opens_at": opens, "closes_at": closes}
        )
    return rules


def hours_text(rules: list[Any]) -> str:
    lines = []
    for rule in rules:
        if rule.opens_at and rule.closes_at and rule.byday:
            lines.append(f"{rule.byday} {rule.opens_at:%H:%M}-{rule.closes_at:%H:%M}")
    return "\n".join(lines)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search words"), required=False, max_length=200)
    term = forms.TypedChoiceField(label=_("Kind of help"), required=False, coerce=str)
    domain = forms.ChoiceField(label=_("Life domain"), required=False)
    language = forms.ChoiceField(label=_("Language spoken"), required=False)
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    capacity = forms.MultipleChoiceField(
        label=_("Capacity"),
        required=False,
        choices=Service.Capacity.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    eligibility = forms.CharField(label=_("Eligibility mentions"), required=False, max_length=100)
    within_km = forms.TypedChoiceField(
        label=_("Distance from home"),
        required=False,
        coerce=float,
        empty_value=None,
        choices=[
            ("", _("Any distance")),
            ("2", "2 km"),
            ("5", "5 km"),
            ("10", "10 km"),
            ("25", "25 km"),
        ],
    )

    def __init__(
        self,
        *args: Any,
        terms: list[tuple[str, str]],
        domains: list[tuple[str, str]],
        languages: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = [("", _("Any")), *term_choices(terms)]  # type: ignore[attr-defined]
        self.fields["domain"].choices = [("", _("Any")), *domains]  # type: ignore[attr-defined]
        self.fields["language"].choices = [("", _("Any")), *languages]  # type: ignore[attr-defined]


class ServiceForm(forms.Form):
    """One page for a service with its organisation, main location, phone, hours and
    languages — what an editor maintains day to day."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)
    organization = forms.ChoiceField(label=_("Organisation"), required=False)
    new_organization = forms.CharField(
        label=_("…or a new organisation"), required=False, max_length=300
    )
    name = forms.CharField(label=_("Service name"), max_length=300)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    eligibility_description = forms.CharField(
        label=_("Who it is for"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    fees_description = forms.CharField(label=_("Fees"), required=False, max_length=500)
    application_process = forms.CharField(
        label=_("How to apply"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    url = forms.URLField(label=_("Web page"), required=False, max_length=500, assume_scheme="https")
    email = forms.EmailField(label=_("Email"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=Service.Status.choices)
    capacity = forms.ChoiceField(
        label=_("Capacity"),
        choices=[("", _("Not known")), *Service.Capacity.choices],
        required=False,
    )
    capacity_notes = forms.CharField(label=_("Capacity notes"), required=False, max_length=500)
    domains = forms.MultipleChoiceField(
        label=_("Life domains it helps with"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    terms = forms.MultipleChoiceField(
        label=_("Kinds of help"), required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.CharField(
        label=_("Languages spoken (codes)"),
        required=False,
        max_length=200,
        help_text=_("Comma-separated ISO codes, e.g. “en, es, vi”."),
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=50)
    location_name = forms.CharField(label=_("Place name"), required=False, max_length=300)
    address_1 = forms.CharField(label=_("Street address"), required=False, max_length=300)
    city = forms.CharField(label=_("City"), required=False, max_length=150)
    state_province = forms.CharField(label=_("State"), required=False, max_length=100)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=20)
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    hours = forms.CharField(
        label=_("Opening hours"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One line per rule, e.g. “MO-FR 09:00-17:00”; “FR 20:00-08:00” runs past midnight."
        ),
    )

    def __init__(
        self,
        *args: Any,
        organizations: list[tuple[str, str]],
        domains: list[tuple[str, str]],
        terms: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", "—"), *organizations]  # type: ignore[attr-defined]
        self.fields["domains"].choices = domains  # type: ignore[attr-defined]
        self.fields["terms"].choices = term_choices(terms)  # type: ignore[attr-defined]

    def clean_hours(self) -> list[dict[str, Any]]:
        return parse_hours(self.cleaned_data.get("hours") or "")

    def clean_languages(self) -> list[str]:
        raw = self.cleaned_data.get("languages") or ""
        codes = [c.strip().lower() for c in raw.split(",") if c.strip()]
        for code in codes:
            if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", code):
                raise forms.ValidationError(
                    _("“%(code)s” is not a language code."), params={"code": code}
                )
        return list(dict.fromkeys(codes))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("organization") and not (data.get("new_organization") or "").strip():
            self.add_error("organization", _("Choose the organisation or name a new one."))
        has_address = any(data.get(k) for k in ("address_1", "city", "postal_code"))
        if has_address and not all(
            data.get(k) for k in ("address_1", "city", "state_province", "postal_code")
        ):
            self.add_error("address_1", _("An address needs street, city, state and postal code."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("latitude", _("Give both latitude and longitude, or neither."))
        return data


class CapacityForm(forms.Form):
    capacity = forms.ChoiceField(
        label=_("Capacity"),
        choices=[("", _("Not known")), *Service.Capacity.choices],
        required=False,
    )
    capacity_notes = forms.CharField(label=_("Capacity notes"), required=False, max_length=500)


class SaveForm(forms.Form):
    service = forms.UUIDField(widget=forms.HiddenInput)
    goal = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(label=_("Why this one"), required=False, max_length=300)
