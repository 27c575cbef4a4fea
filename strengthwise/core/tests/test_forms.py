"""QuickSelect writes the markup Django's Select writes, in one pass."""

from __future__ import annotations

import re

import pytest
from django import forms

from strengthwise.core.forms import QuickSelect

CHOICES = [
    ("", "All"),
    (1, "Alice Ortega"),
    (2, 'Bob "the builder" <b>'),
    (3, "José & María"),
    (40, "Zoë"),
]


def _form(widget, data):
    class F(forms.Form):
        worker = forms.TypedChoiceField(
            label="Worker", required=False, coerce=int, empty_value=None, widget=widget
        )

    form = F(data)
    form.fields["worker"].choices = CHOICES
    return form


def _normal(html: str) -> str:
    return re.sub(r"\s*\n\s*", "", str(html))


@pytest.mark.parametrize("data", [{}, {"worker": "3"}, {"worker": ""}, {"worker": "99"}])
def test_quick_select_renders_what_select_renders(data):
    quick, django_ = _form(QuickSelect, data), _form(forms.Select, data)
    quick.is_valid()
    django_.is_valid()
    assert _normal(quick["worker"]) == _normal(django_["worker"])
    assert _normal(quick["worker"].as_widget(attrs={"aria-describedby": "x"})) == _normal(
        django_["worker"].as_widget(attrs={"aria-describedby": "x"})
    )


def test_quick_select_escapes_labels():
    html = str(_form(QuickSelect, {})["worker"])
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert "José &amp; María" in html


def test_quick_select_refuses_option_groups():
    form = _form(QuickSelect, {})
    form.fields["worker"].choices = [("Team", [(1, "Alice")])]
    with pytest.raises(ValueError, match="option groups"):
        str(form["worker"])
