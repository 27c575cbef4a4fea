"""Forms for consent, referrals and services delivered: parsing only; services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from strengthwise.assessments.models import Author
from strengthwise.core.forms import IdChoiceField
from strengthwise.people.forms import DateInput

from . import workflow
from .models import STAFF_METHODS, Consent, Information, Purpose, Referral, ServiceDelivery


class ConsentForm(forms.Form):
    information = forms.MultipleChoiceField(
        label=_("What may be shared"),
        choices=Information.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    information_description = forms.CharField(
        label=_("How much and what kind of information"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In plain words. Required for substance use information."),
    )
    organization = forms.ChoiceField(label=_("To this organisation"), required=False)
    program = forms.ChoiceField(label=_("…or to any service in this program"), required=False)
    purpose = forms.ChoiceField(label=_("For what purpose"), choices=Purpose.choices)
    valid_from = forms.DateField(label=_("From"), widget=DateInput())
    valid_until = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    expiry_event = forms.CharField(label=_("…or until this event"), required=False, max_length=300)
    method = forms.ChoiceField(
        label=_("How the client gave it"),
        # The portal method is reserved for the client portal and not offered to staff.
        choices=[(m.value, m.label) for m in STAFF_METHODS],
        widget=forms.RadioSelect,
    )
    signed_name = forms.CharField(
        label=_("The client types their own name here"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    witness_name = forms.CharField(
        label=_("Witness to a verbal agreement (their name)"), required=False, max_length=200
    )
    document = forms.FileField(
        label=_("Signed form (PDF, JPEG or PNG, up to 5 MB)"), required=False
    )
    right_to_revoke_explained = forms.BooleanField(
        label=_("I told the client they can withdraw this consent at any time"), required=False
    )

    def __init__(
        self,
        *args: Any,
        organizations: list[tuple[str, str]],
        programs: list[tuple[str, str]],
        portal: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if portal:  # the client signs in to the portal: the consent can be asked of them there
            self.fields["method"].choices = [  # type: ignore[attr-defined]
                *self.fields["method"].choices,  # type: ignore[attr-defined]
                (Consent.Method.PORTAL.value, _("Ask the client to agree in the portal")),
            ]
        self.fields["organization"].choices = [("", "—"), *organizations]  # type: ignore[attr-defined]
        self.fields["program"].choices = [("", "—"), *programs]  # type: ignore[attr-defined]


class RevokeForm(forms.Form):
    revoked_on = forms.DateField(label=_("Revoked on"), widget=DateInput())
    revoked_by = forms.CharField(label=_("Revoked by"), max_length=200)
    note = forms.CharField(
        label=_("How (e.g. by phone, in writing)"), required=False, max_length=500
    )


class ReferralForm(forms.Form):
    service = forms.UUIDField(widget=forms.HiddenInput)
    goal = IdChoiceField(label=_("For this goal"), required=False)
    step = IdChoiceField(label=_("…and this step"), required=False)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    information = forms.MultipleChoiceField(
        label=_("What the organisation will see"),
        choices=Information.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    request_note = forms.CharField(
        label=_("What we are asking for"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Referral._meta.get_field("request_note").help_text,
    )

    def __init__(
        self,
        *args: Any,
        goals: list[tuple[int, str]],
        steps: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = [("", "—"), *goals]  # type: ignore[attr-defined]
        self.fields["step"].choices = [("", "—"), *steps]  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=workflow.STATUS_CHOICES)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    outcome = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RatingForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Did this help? (1 = not at all, 5 = a lot)"),
        choices=[(i, str(i)) for i in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("In their words"), required=False, max_length=500)
    comment_author = forms.ChoiceField(
        label=capfirst(_("whose words")),
        choices=Author.choices,
        initial=Author.CLIENT,
        required=False,
    )
    comment_verbatim = forms.BooleanField(label=capfirst(_("their exact words")), required=False)
    rated_by = forms.ChoiceField(
        label=_("Who is answering"), choices=Referral.RatedBy.choices, initial="client"
    )

    def clean_comment_author(self) -> str:
        return self.cleaned_data.get("comment_author") or Author.CLIENT


class DeliveryForm(forms.ModelForm):
    goal = IdChoiceField(label=_("Toward this goal"), required=False)

    class Meta:
        model = ServiceDelivery
        fields = ["what", "delivered_by", "delivered_on", "units", "unit", "note"]
        widgets = {"delivered_on": DateInput()}

    def __init__(self, *args: Any, goals: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = [("", "—"), *goals]  # type: ignore[attr-defined]
        self.fields["delivered_by"].required = False

    def _post_clean(self) -> None:  # parsing only: the service validates the model
        pass
