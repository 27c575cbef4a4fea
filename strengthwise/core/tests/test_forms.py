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
    """Markup as a browser reads it, however an engine wrote it: whitespace between tags
    dropped, runs of whitespace as one space, one spelling of the escaped quotes."""
    html = re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()
    return html.replace("&#39;", "&#x27;").replace("&#34;", "&quot;")


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


class _Every(forms.Form):
    text = forms.CharField(label="Their words", widget=forms.Textarea, initial='Dana\'s "own" <b>')
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(choices=[("a", "A & B"), ("b", "<C>")], initial="b")
    many = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple, initial=["y"]
    )
    one = forms.ChoiceField(choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect)
    agree = forms.BooleanField(required=False)
    paper = forms.FileField(required=False)


def test_widgets_render_through_jinja2_as_the_template_language_would():
    from django.forms.renderers import DjangoTemplates

    from strengthwise.core.forms import WidgetRenderer

    fast, slow = _Every(renderer=WidgetRenderer()), _Every(renderer=DjangoTemplates())
    for name in fast.fields:
        assert _normal(fast[name]) == _normal(slow[name]), name
    assert "&lt;b&gt;" in str(fast["text"]) and "<b>" not in str(fast["text"])
    renderer = WidgetRenderer()
    assert type(renderer.get_template("django/forms/widgets/textarea.html")).__module__ == (
        "django.template.backends.jinja2"
    )
    # The admin's widgets exist only in the template language: they still render.
    assert type(renderer.get_template("admin/widgets/related_widget_wrapper.html")).__module__ == (
        "django.template.backends.django"
    )


def test_the_admin_renders_its_own_widgets(personas, web):
    admin = web(personas.admin)
    team = personas.alice.memberships.first().team
    page = admin.get(f"/admin/accounts/team/{team.pk}/change/")
    assert page.status_code == 200
    assert "related-widget-wrapper" in page.content.decode()
