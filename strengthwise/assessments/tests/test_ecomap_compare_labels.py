"""Ecomap over time and long names (issue 10): the compare page defaults to two copies that
differ and lists what changed in words; a long name is cut only in the drawing, with its full
text in the SVG <title> and in the printed list, and the form says the limit."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from strengthwise.assessments import services
from strengthwise.assessments.models import EcomapNode

LONG = "Riverside Community Church food pantry and clothes closet volunteers"[:60]


def _node(personas, label, **fields):
    return services.ecomap_node_add(
        acting_user=personas.alice,
        client=personas.dana,
        fields={
            "label": label,
            "kind": "community",
            "level": "meso",
            "strength": "moderate",
            "quality": "positive",
            "flow": "both",
            **fields,
        },
    )


def _snap(personas, day):
    return services.ecomap_snapshot_take(
        acting_user=personas.alice, client=personas.dana, taken_on=day
    )


def _selected(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)" selected', select)


@pytest.fixture
def history(personas):
    """Two dated copies that differ, then today equal to the second copy."""
    mum = _node(personas, "Mum", kind="family", strength="tenuous")
    school = _node(personas, "Jayden's school", kind="school", quality="stressful")
    court = _node(personas, "Family court", kind="court")
    first = _snap(personas, dt.date(2026, 9, 1))
    services.ecomap_node_update(acting_user=personas.alice, node=mum, fields={"strength": "strong"})
    services.ecomap_node_update(
        acting_user=personas.alice,
        node=school,
        fields={"quality": "positive", "flow": "to_client"},
    )
    services.ecomap_node_remove(acting_user=personas.alice, node=court)
    _node(personas, "Tenants' union", kind="community")
    second = _snap(personas, dt.date(2026, 10, 1))
    return first, second


def _compare(web, personas, query=""):
    response = web(personas.alice).get(
        f"/clients/{personas.dana.pk}/assessments/ecomap/compare/{query}"
    )
    assert response.status_code == 200
    return response.content.decode()


def test_compare_defaults_to_the_two_latest_copies_that_differ(history, web, personas):
    first, second = history
    # Today equals the latest copy: the default is the copy before it against it.
    html = _compare(web, personas)
    assert _selected(html, "a") == [str(first.pk)] and _selected(html, "b") == [str(second.pk)]
    # Once today differs, the default is the latest copy against today.
    _node(personas, "Aunt Grace", kind="family")
    html = _compare(web, personas)
    assert _selected(html, "a") == [str(second.pk)] and _selected(html, "b") == ["current"]
    assert "Added: Aunt Grace (Family), moderate tie" in html


def test_compare_lists_what_changed_in_words(history, web, personas):
    html = _compare(web, personas)
    changes = re.search(r'<section class="card ecomap-changes".*?</section>', html, re.S).group(0)
    items = [re.sub(r"&#x27;|&#39;", "'", t) for t in re.findall(r"<li[^>]*>(.*?)</li>", changes)]
    assert "What changed from 09/01/2026 to 10/01/2026" in changes  # the locale's date format
    assert "Added: Tenants' union (Community), moderate tie" in items
    assert "Removed: Family court (Courts and legal)" in items
    assert "Stronger: Mum, tenuous → strong" in items
    assert "Kind of energy changed: Jayden's school, stressful → positive" in items
    assert "Direction changed: Jayden's school, both ways → energy flows to the client" in items
    assert len(items) == 5


def test_compare_of_identical_copies_says_so(history, web, personas):
    first, second = history
    html = _compare(web, personas, f"?a={second.pk}&b=current")
    assert "Nothing changed between these two copies." in html
    html = _compare(web, personas, f"?a={second.pk}&b={second.pk}")
    assert "Choose two different copies to see what changed." in html
    html = _compare(web, personas, "?a=nonsense&b=%00")  # a bad choice falls back, no 500
    assert _selected(html, "a") == [str(first.pk)]


def test_the_form_says_the_name_limit_and_refuses_longer(personas, web):
    url = f"/clients/{personas.dana.pk}/assessments/ecomap/"
    html = web(personas.alice).get(url).content.decode()
    assert "Up to 60 characters" in html
    response = web(personas.alice).post(
        url,
        {
            "label": "x" * 61,
            "kind": "family",
            "level": "meso",
            "strength": "moderate",
            "quality": "positive",
            "flow": "both",
        },
    )
    assert response.status_code == 400
    assert "at most 60 characters" in response.content.decode()
    assert not EcomapNode.objects.filter(client=personas.dana).exists()


def test_a_long_name_is_whole_in_the_svg_title_and_the_printed_list(personas, web):
    _node(personas, LONG)
    html = (
        web(personas.alice).get(f"/clients/{personas.dana.pk}/assessments/ecomap/").content.decode()
    )
    svg = html[html.index("<svg") : html.index("</svg>")]
    drawn = " ".join(re.findall(r'class="node-label"[^>]*>(.*?)</text>', svg, re.S))
    drawn = re.sub(r"<[^>]+>", " ", drawn)
    assert LONG not in " ".join(drawn.split())  # the drawing shortened it
    assert f"<title>{LONG}</title>" in svg
    names = re.search(r'<section class="ecomap-names print-only".*?</section>', html, re.S)
    assert names and f"<strong>{LONG}</strong>" in names.group(0)
