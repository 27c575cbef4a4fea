"""Forms for tasks: parsing only; services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from strengthwise.people.forms import DateInput


class TaskForm(forms.Form):
    title = forms.CharField(label=_("What"), max_length=200)
    due_on = forms.DateField(label=_("By when"), widget=DateInput())
    client = forms.TypedChoiceField(
        label=_("About whom"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, clients: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("No one in particular")), *clients]  # type: ignore[attr-defined]
