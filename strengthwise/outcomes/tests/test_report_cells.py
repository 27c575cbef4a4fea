"""`report_body` writes what the template loop it replaced wrote, in English and Spanish."""

from __future__ import annotations

import pytest
from django.template import engines
from django.utils import translation
from django.utils.translation import gettext_lazy

from strengthwise.outcomes.exports import Share
from strengthwise.outcomes.templatetags.report_cells import report_body

# The loop `_report_table.html` had before `report_body`, kept here as the reference.
LOOP = (
    "{% load i18n %}{% for row in rows %}<tr>{% for v in row %}{% if forloop.first %}"
    '<th scope="row">{{ v|default_if_none:"—" }}</th>{% else %}'
    '<td class="num">{{ v|default_if_none:"—" }}</td>{% endif %}{% endfor %}</tr>'
    '{% empty %}<tr><td colspan="{{ columns|length }}">{% translate "Nothing to count yet." %}'
    "</td></tr>{% endfor %}"
)

ROWS = [
    ["Housing <first>", 12, 0.5, Share(0.4166), None],
    ['"Quoted" & more', 1234567, 2.25, "<5", Share(1.0)],
    [gettext_lazy("Nothing to count yet."), -3, 1e-05, "", 0],
    ["Último año", None, 3.0, "=SUM(A1)", 7],
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("rows", [ROWS, [], [["Only a label"]]])
def test_the_body_is_the_loops(language, rows):
    columns = ["A", "B", "C", "D", "E"]
    loop = engines["django"].from_string(LOOP)
    with translation.override(language):
        expected = loop.render({"rows": rows, "columns": columns})
        assert str(report_body(rows, columns)) == expected


def test_spanish_numbers_use_a_decimal_comma():
    with translation.override("es"):
        html = str(report_body([["x", 2.25]], ["a", "b"]))
    assert "2,25" in html


def test_the_table_template_uses_it():
    from django.template.loader import render_to_string

    from strengthwise.outcomes.exports import Table

    table = Table(key="k", title="T", columns=["a", "b"], rows=[["<b>x</b>", None]])
    html = render_to_string("outcomes/_report_table.html", {"table": table})
    assert '<tr><th scope="row">&lt;b&gt;x&lt;/b&gt;</th><td class="num">—</td></tr>' in html
