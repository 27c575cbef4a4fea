"""Forms for signing in and keeping an account safe (parsing only)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six digits your authenticator app shows now, or a recovery code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


class EnrolmentForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        help_text=_("After scanning, type the six digits the app shows for Strengthwise."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("What the token is for"),
        max_length=100,
        help_text=_("For example: the spreadsheet that reads our referrals."),
    )
    days = forms.IntegerField(
        label=_("Days it works"),
        min_value=1,
        max_value=365,
        initial=90,
        help_text=_("From 1 to 365 days. Revoke it sooner if it is no longer needed."),
    )
