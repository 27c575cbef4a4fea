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
        # Nobody is asked for coordinates: find help works them out from the address
        # (`directory.geocode`); the API may still set them.
        fields = [f for f in CLIENT_FIELDS if f not in ("home_latitude", "home_longitude")]
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


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(
            label=_("Reason"),
            max_length=500,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("Kept in the audit trail."),
            **kwargs,
        )


class TransferForm(forms.Form):
    """Choices (workers and teams the user may assign to) come from the view."""

    to_worker = forms.TypedChoiceField(label=_("New primary worker"), coerce=int)
    to_team = forms.TypedChoiceField(
        label=_("Team"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Leave as is to keep the client's team when the worker belongs to it."),
    )
    reason = ReasonField()

    def __init__(self, *args, workers=(), teams=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["to_worker"].choices = [("", "—"), *workers]
        self.fields["to_team"].choices = [("", _("The client's team, or the new worker's")), *teams]


class ReassignForm(forms.Form):
    """Step one of a caseload reassignment: who leaves, who receives (a GET form)."""

    from_worker = forms.TypedChoiceField(label=_("Departing worker"), coerce=int)
    to_workers = forms.TypedMultipleChoiceField(
        label=_("Receiving workers"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one worker.")},
    )

    def __init__(self, *args, departing=(), receiving=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["from_worker"].choices = [("", "—"), *departing]
        self.fields["to_workers"].choices = list(receiving)


class MovesField(forms.Field):
    """Repeated hidden "client id:from-worker id:to-worker id" values of a previewed plan."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("The plan was damaged in transit. Preview again."),
        "required": _("There is nothing to reassign."),
    }

    def to_python(self, value):  # type: ignore[no-untyped-def]
        if not value:
            return []
        if isinstance(value, str) or len(value) > 5000:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        moves = []
        for item in value:
            parts = str(item).split(":")
            if len(parts) != 3 or not all(
                p.isascii() and p.isdigit() and 0 < len(p) < 19 for p in parts
            ):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            moves.append((int(parts[0]), int(parts[1]), int(parts[2])))
        return moves


class ReassignConfirmForm(forms.Form):
    move = MovesField()
    reason = ReasonField()


class MergeChooseForm(forms.Form):
    duplicate = forms.IntegerField(
        label=_("Record number of the duplicate"), min_value=1, max_value=2**63 - 1
    )


class MergeForm(forms.Form):
    """One radio per differing field (built from the merge preview), and the reason."""

    reason = ReasonField()

    def __init__(self, *args, differences=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for diff in differences:
            self.fields[f"choice_{diff.name}"] = forms.ChoiceField(
                label=diff.label,
                choices=[
                    ("survivor", _("Keep this record's value")),
                    ("duplicate", _("Take the duplicate's value")),
                ],
                widget=forms.RadioSelect,
                initial=diff.suggested,
                disabled=diff.hidden,
                required=False,  # not sent: this record's value, as in the API
            )

    def choices(self) -> dict[str, str]:
        return {
            name.removeprefix("choice_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("choice_") and value
        }
