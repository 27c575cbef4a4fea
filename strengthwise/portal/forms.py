from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from strengthwise.people.models import Client


class SignInForm(forms.Form):
    login = forms.CharField(
        label=_("Your sign-in name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class StartForm(forms.Form):
    code = forms.CharField(
        label=_("The code from your worker"),
        max_length=40,
        help_text=_("Like K7QX-M2PD-9TRA. Capital letters or not, with or without dashes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}
        ),
    )
    login = forms.CharField(
        label=_("Choose a sign-in name"),
        max_length=150,
        help_text=_("Your email, or any name you will remember."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        max_length=200,
        help_text=_("At least 12 characters. A short sentence is easy to remember."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Type the password again"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class InviteForm(forms.Form):
    """Staff: how the client gets their code."""

    email = forms.EmailField(
        label=_("Send it to this email"),
        required=False,
        help_text=_("Leave empty to print the code and hand it over."),
    )

    def __init__(self, *args: object, client: Client, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if client.email and not client.do_not_contact:
            self.fields["email"].initial = client.email


class GoalWordsForm(forms.Form):
    statement = forms.CharField(
        label=_("Your goal, in your words"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    why_it_matters = forms.CharField(
        label=_("Why it matters to you"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class RatingForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Did this help?"),
        choices=[
            (5, _("Yes, a lot")),
            (4, _("Yes")),
            (3, _("Some")),
            (2, _("Not much")),
            (1, _("No")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you want to say about it (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


ZERO_TO_TEN = [(n, str(n)) for n in range(11)]


class CheckInForm(forms.Form):
    client_rating = forms.TypedChoiceField(
        label=_("How is it going? 0 = not started, 10 = done"),
        choices=ZERO_TO_TEN,
        coerce=int,
        widget=forms.RadioSelect,
    )
    client_gas = forms.TypedChoiceField(
        label=_("Which is closest to where you are now?"),
        choices=[],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    importance = forms.TypedChoiceField(
        label=_("How important is it to you now? (0–10)"),
        choices=[("", "—"), *ZERO_TO_TEN],
        coerce=int,
        required=False,
        empty_value=None,
    )
    confidence = forms.TypedChoiceField(
        label=_("How sure are you that you can do it? (0–10)"),
        choices=[("", "—"), *ZERO_TO_TEN],
        coerce=int,
        required=False,
        empty_value=None,
    )
    comment = forms.CharField(
        label=_("A message to your worker (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: object, levels: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if levels:
            self.fields["client_gas"].choices = [  # type: ignore[attr-defined]
                (level, text) for level, text in reversed(levels)
            ]
        else:
            del self.fields["client_gas"]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The six digits your code app shows"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )


class DreamForm(forms.Form):
    dreams = forms.CharField(
        label=_("Your dream, in your words"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PrioritiesForm(forms.Form):
    """One box per place the agency's strengths assessment gives for priorities."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args: object, slots: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for i in range(1, slots + 1):
            self.fields[f"priority_{i}"] = forms.CharField(
                label=_("What matters most, number %(n)d") % {"n": i},
                max_length=500,
                required=False,
            )

    def priorities(self) -> list[str]:
        return [
            value
            for name, value in self.cleaned_data.items()
            if name.startswith("priority_") and value
        ]

    def priority_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("priority_")]


class WhatHelpedForm(forms.Form):
    what_helped = forms.CharField(
        label=_("What helped you, in your words"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
