"""Directory categories and life domains read in Spanish on the Spanish find-help and service
pages; a category the catalogue does not know keeps its stored name."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from strengthwise.directory.labels import DEMO_CATEGORIES, term_label
from strengthwise.directory.testing import make_service

pytestmark = pytest.mark.django_db


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_every_demo_category_has_a_spanish_name():
    from strengthwise.directory.demo import TERMS

    names = [name for name, _description in TERMS.values()]
    with translation.override("en"):
        assert sorted(str(c) for c in DEMO_CATEGORIES) == sorted(names)
    with translation.override("es"):
        untranslated = [name for name in names if term_label(name) == name]
    assert untranslated == []
    with translation.override("es"):
        assert term_label("Housing navigation (imported)") == "Housing navigation (imported)"


def test_spanish_find_help_and_service_page_show_spanish_categories(personas, web):
    shelter = make_service("Night shelter", term="Shelter", domains=("daily_living",))
    make_service("Far pantry", term="Food")
    browser = web(personas.alice)
    browser.post(reverse("set_language"), {"language": "es", "next": "/clients/"})
    find = browser.get(reverse("directory:find")).content.decode()
    assert re.search(r"<option[^>]*>\s*Albergue\s*</option>", find)
    assert re.search(r"<option[^>]*>\s*Alimentos\s*</option>", find)
    assert re.search(r"<option[^>]*>\s*Vida diaria y hogar\s*</option>", find)  # life domain
    assert not re.search(r"<option[^>]*>\s*(Shelter|Daily living and home)\s*</option>", find)
    detail = _text(browser.get(reverse("directory:service", args=[shelter.pk])).content.decode())
    assert "Albergue" in detail and "Shelter" not in detail.replace("Night shelter", "")


def test_language_names_follow_the_reader_each_time():
    """The names are made once per language (`labels._language_names`), never served in the
    language of whoever asked first."""
    from strengthwise.directory.labels import language_label

    for _round in range(2):
        with translation.override("es"):
            assert language_label("en") == "Inglés"
            assert language_label("ES") == "Español"
            assert language_label("xx", "Klingon") == "Klingon"  # not a client language
        with translation.override("en"):
            assert language_label("en") == "English"
            assert language_label("es") == "Spanish"
            assert language_label("asl") == language_label("ase")
