"""Form helpers shared by every app."""

from __future__ import annotations

from html import escape as html_escape
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.choices import BaseChoiceIterator
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .errors import DomainError


class WidgetRenderer(BaseRenderer):
    """settings.FORM_RENDERER: a form's widgets render through Jinja2, for which Django ships
    every widget template of django.forms (the template language spent ~0.4 ms on each
    widget, 38 of them on a plan page: a quarter of its time). A widget whose template exists
    only in the template language (the admin's) renders through that. Which engine has a
    template is found once per name."""

    def __init__(self) -> None:
        self._jinja2 = Jinja2()
        self._django = DjangoTemplates()
        self._engine_of: dict[str, BaseRenderer] = {}

    def get_template(self, template_name: str) -> Any:
        renderer = self._engine_of.get(template_name)
        if renderer is None:
            try:
                self._jinja2.get_template(template_name)
                renderer = self._jinja2
            except TemplateDoesNotExist:
                renderer = self._django
            self._engine_of[template_name] = renderer
        return renderer.get_template(template_name)


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


class FlatChoices(BaseChoiceIterator):
    """Choices already flat (value, label) pairs, which a field and its widget take as they
    are: Django normalises a plain list on every assignment (twice per field, about 5 µs per
    option; thousands of workers at agency scale)."""

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        self.pairs = pairs

    def __iter__(self) -> Any:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


class QuickSelect(forms.Select):
    """A select of many flat options (an agency's workers and teams: thousands at agency scale)
    written in one pass: Django renders a template per option, ~200 ms for 2,800 workers. The
    same markup as `forms.Select` (tests/test_forms.py compares them); no option groups."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = {"name": name, **self.build_attrs(self.attrs, attrs)}
        chosen = {str(v) for v in self.format_value(value)}
        # As django/forms/widgets/attrs.html: in order, False left out, True as a bare name.
        written = "".join(
            f" {key}" if v is True else f' {key}="{escape(str(v))}"'
            for key, v in final.items()
            if v is not False
        )
        parts = [f"<select{written}>"]
        for option, label in self.choices:
            if isinstance(label, list | tuple):
                raise ValueError("QuickSelect takes no option groups")
            key = "" if option is None else str(option)
            on = " selected" if key in chosen else ""
            # The standard library's escape, which Django's wraps (lazily, per call: a tenth
            # of this loop's time for thousands of options).
            parts.append(
                f'<option value="{html_escape(key)}"{on}>{html_escape(str(label))}</option>'
            )
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 - every value and label escaped


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
