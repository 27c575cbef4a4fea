"""Form helpers shared by every app."""

from __future__ import annotations

from typing import Any

from django import forms

from .errors import DomainError


def apply_domain_error(form: Any, error: DomainError) -> None:
    """Show a service's refusal on the form: per field where it names one, else on top."""
    for field, problems in error.field_errors.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
    if not error.field_errors:
        form.add_error(None, error.message)


class IdChoiceField(forms.TypedChoiceField):
    """A select of a client's own records (goals, steps, household members, programs), parsed
    as an id only: the service looks the id up among the client's own and names the field
    when it is unknown, so the page and the API give the same answer to the same id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, empty_value=None, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return True


def categories_field(**kwargs: Any) -> forms.MultipleChoiceField:
    """The worker's choice of protected categories (core/sensitivity.py) for one item."""
    from django.utils.translation import gettext_lazy as _

    from .sensitivity import Category

    return forms.MultipleChoiceField(
        label=_("Protected information"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Suggested from the words. It is shared only under a consent that names it; "
            "substance use needs a Part 2 consent."
        ),
        **kwargs,
    )
