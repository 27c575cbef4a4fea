"""Forms parse and normalise input; the services do the writing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Client, HouseholdMember
from .services import CLIENT_FIELDS, HOUSEHOLD_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(format="%Y-%m-%d", **kwargs)


class ClientForm(forms.ModelForm):
    # The version the user read; it travels with the form so a re-shown form keeps it.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": _("The form was missing its version. Reload the page and try again.")
        },
    )

    class Meta:
        model = Client
        fields = CLIENT_FIELDS
        widgets = {"date_of_birth": DateInput()}

    def _post_clean(self) -> None:
        # Model-level rules run in the service (it knows the agency and team); the form only
        # parses field values.
        pass

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        for name in ("legal_first_name", "legal_last_name", "preferred_name", "pronouns"):
            if isinstance(data.get(name), str):
                data[name] = " ".join(data[name].split())
        if (
            not data.get("legal_first_name")
            and not data.get("legal_last_name")
            and "legal_first_name" not in self.errors
        ):
            self.add_error("legal_first_name", _("Enter at least a first or a last name."))
        return data


class IntakeForm(ClientForm):
    version = None  # type: ignore[assignment]  # a new record has no version yet
    # Set by the server after a duplicate check: the details that were checked.
    duplicates_checked_for = forms.CharField(
        required=False, widget=forms.HiddenInput, max_length=500
    )


class HouseholdMemberForm(forms.ModelForm):
    class Meta:
        model = HouseholdMember
        fields = HOUSEHOLD_FIELDS
        widgets = {"date_of_birth": DateInput()}

    def _post_clean(self) -> None:
        pass


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search clients"), max_length=200, required=False)
