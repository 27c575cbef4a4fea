"""Forms for planning: parsing only; services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from strengthwise.assessments.models import Author
from strengthwise.core.forms import categories_field
from strengthwise.people.forms import DateInput

from .models import STAFF_SIGNATURE_METHODS, GasFollowUp, Goal, SignatureMethod, Step

LEVEL_CHOICES = [(2, "+2"), (1, "+1"), (0, "0"), (-1, "−1"), (-2, "−2")]
ZERO_TO_THREE = [("", "—"), (0, "0"), (1, "1"), (2, "2"), (3, "3")]


class IdChoiceField(forms.ChoiceField):
    """A select whose value the service checks (see GoalForm)."""

    def valid_value(self, value: Any) -> bool:
        return True


class IdsChoiceField(forms.MultipleChoiceField):
    """Checkboxes whose values the service checks (see GoalForm)."""

    def valid_value(self, value: Any) -> bool:
        return True


class GoalForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    domain = forms.ChoiceField(label=_("Life domain"))
    stage = forms.ChoiceField(label=_("Where they see themselves"), required=False)
    gas_importance = forms.TypedChoiceField(
        label=_("Importance to them (0–3)"),
        choices=ZERO_TO_THREE,
        coerce=int,
        required=False,
        empty_value=None,
    )
    gas_difficulty = forms.TypedChoiceField(
        label=_("Expected difficulty (0–3)"),
        choices=ZERO_TO_THREE,
        coerce=int,
        required=False,
        empty_value=None,
    )
    gas_baseline = forms.TypedChoiceField(
        label=_("Where they are now (baseline)"),
        choices=[("", "—"), *LEVEL_CHOICES],
        coerce=int,
        required=False,
        empty_value=None,
    )
    # The client's own strengths, supports and concerns, parsed as ids only: the service
    # looks them up among the client's and names the field when one is unknown, so the page
    # and the API give the same answer.
    concern = IdChoiceField(label=_("Linked to their motivation"), required=False)
    categories = categories_field()
    strengths = IdsChoiceField(
        label=_("Strengths that will carry it"), required=False, widget=forms.CheckboxSelectMultiple
    )
    supports = IdsChoiceField(
        label=_("People and places that will help"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Goal
        fields = (
            "statement",
            "author",
            "verbatim",
            "worker_view",
            "why_it_matters",
            "why_it_matters_author",
            "why_it_matters_verbatim",
            "concern",
            "domain",
            "stage",
            "importance",
            "confidence",
            "status",
            "gas_minus2",
            "gas_minus1",
            "gas_zero",
            "gas_plus1",
            "gas_plus2",
            "gas_importance",
            "gas_difficulty",
            "gas_baseline",
        )
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 2}),
            "worker_view": forms.Textarea(attrs={"rows": 2}),
            "why_it_matters": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self,
        *args: Any,
        domains: list[tuple[str, str]],
        stages: list[tuple[str, str]],
        strengths: list[tuple[str, str]],
        supports: list[tuple[str, str]],
        concerns: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = domains  # type: ignore[attr-defined]
        self.fields["stage"].choices = [("", "—"), *stages]  # type: ignore[attr-defined]
        self.fields["strengths"].choices = strengths  # type: ignore[attr-defined]
        self.fields["supports"].choices = supports  # type: ignore[attr-defined]
        self.fields["concern"].choices = [("", "—"), *(concerns or [])]  # type: ignore[attr-defined]
        self.fields["author"].initial = Author.CLIENT
        self.fields["why_it_matters_author"].required = False

    def clean_why_it_matters_author(self) -> str:
        # Left unset (an older form, a script): the client is normally the one who says why.
        return self.cleaned_data.get("why_it_matters_author") or Author.CLIENT

    def _post_clean(self) -> None:
        pass


class StepForm(forms.ModelForm):
    class Meta:
        model = Step
        fields = ("text", "who", "who_name", "target_date")
        widgets = {"target_date": DateInput()}

    def _post_clean(self) -> None:
        pass


class FollowUpForm(forms.ModelForm):
    level = forms.TypedChoiceField(label=_("Level"), choices=LEVEL_CHOICES, coerce=int)

    class Meta:
        model = GasFollowUp
        fields = ("scored_on", "level", "scored_by", "note")
        widgets = {"scored_on": DateInput()}

    def _post_clean(self) -> None:
        pass


class OptionSetForm(forms.Form):
    """What the client is deciding and up to three options, each with its good and hard sides."""

    SLOTS = 3
    problem = forms.CharField(label=_("What are they deciding? (their words)"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for i in range(1, self.SLOTS + 1):
            self.fields[f"option_{i}"] = forms.CharField(
                label=_("Option %(n)d") % {"n": i}, max_length=300, required=i == 1
            )
            for side, label in (
                ("pros", _("What is good about it")),
                ("cons", _("What is hard about it")),
            ):
                self.fields[f"{side}_{i}"] = forms.CharField(
                    label=label,
                    max_length=1000,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                self.fields[f"{side}_author_{i}"] = forms.ChoiceField(
                    label=capfirst(_("whose words")),
                    choices=Author.choices,
                    initial=Author.CLIENT,
                    required=False,
                )
                self.fields[f"{side}_verbatim_{i}"] = forms.BooleanField(
                    label=capfirst(_("their exact words")), required=False
                )

    def options(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "text": data[f"option_{i}"],
                "author": Author.CLIENT,
                **{
                    f"{side}{part}": data[f"{side}{part}_{i}"]
                    for side in ("pros", "cons")
                    for part in ("", "_verbatim")
                },
                "pros_author": data[f"pros_author_{i}"] or Author.CLIENT,
                "cons_author": data[f"cons_author_{i}"] or Author.CLIENT,
            }
            for i in range(1, self.SLOTS + 1)
            if data.get(f"option_{i}")
        ]


class ClientAgreeForm(forms.Form):
    """How the client agrees to the plan. Never pre-filled: typing their own name is the
    client's act. The portal method is reserved for the portal and not offered here."""

    method = forms.ChoiceField(
        label=_("How the client agrees"),
        choices=[(m.value, capfirst(m.label)) for m in STAFF_SIGNATURE_METHODS],
        initial=SignatureMethod.TYPED,
        widget=forms.RadioSelect,
    )
    signed_name = forms.CharField(
        label=_("The client types their own name here"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    witness_name = forms.CharField(
        label=_("Witness to a verbal agreement (their name)"), max_length=200, required=False
    )
    document = forms.FileField(
        label=_("Signed paper form (PDF, JPEG or PNG, up to 5 MB)"), required=False
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("return", _("Return with comments"))],
        widget=forms.RadioSelect,
        label=_("Decision"),
    )
    comment = forms.CharField(
        label=_("Comments"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
