"""Instruments in Spanish: every shipped text has its Spanish sibling in the data file, every
instrument page reads in Spanish (including records taken before the translations existed), and
the screening says its Spanish is the agency's own, not CMS's official version."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from django.urls import reverse
from django.utils import translation

from strengthwise.assessments import templates_data
from strengthwise.assessments.as_questionnaire import shipped_version
from strengthwise.assessments.models import AssessmentTemplate, Kind
from strengthwise.assessments.selectors import ssm_administrations
from strengthwise.assessments.templates_data import (
    DATA,
    TEXT_FIELDS,
    localized,
    localized_content,
    missing_translations,
)
from strengthwise.questionnaires.models import QuestionnaireResponse

INSTRUMENT_FILES = sorted(DATA.glob("*.yaml"))
APP = Path(__file__).resolve().parents[1]
PAGES = [
    "assessments:overview",
    "assessments:strengths",
    "assessments:strengths-versions",
    "assessments:factors",
    "assessments:motivation",
    "assessments:ssm",
    "assessments:ssm-new",
    "assessments:screening",
]


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _english_texts(content: dict) -> set[str]:
    """Every English text of an instrument whose Spanish differs from it."""
    found: set[str] = set()
    for node in templates_data._walk(content):
        for field in TEXT_FIELDS & node.keys():
            for english, spanish in templates_data._pairs(node[field], node.get(f"{field}_es")):
                if " ".join(english.split()) != " ".join(spanish.split()):
                    found.add(" ".join(english.split()))
    return found


def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.parametrize("path", INSTRUMENT_FILES, ids=lambda p: p.name)
def test_every_shipped_instrument_text_has_a_spanish_text(path):
    content = _load(path)
    assert missing_translations(content, "es") == [], f"{path.name}: texts without Spanish"
    assert _english_texts(content), f"{path.name}: no translated text found at all"


def test_a_missing_spanish_text_is_reported_by_where_it_is():
    content = _load(DATA / "ssm-v1.yaml")
    del content["domains"][2]["label_es"]
    content["domains"][3]["anchors_es"].pop(4)
    content["scale_es"][1] = " "
    assert missing_translations(content, "es") == [
        "scale[1]",
        "domains[housing].label",
        "domains[food].anchors[4]",
    ]


def test_localized_reads_the_sibling_and_falls_back_to_the_english():
    domain = {"key": "x", "label": "Housing", "label_es": "Vivienda"}
    assert localized(domain, "label", language="es") == "Vivienda"
    assert localized(domain, "label", language="en") == "Housing"
    with translation.override("es"):
        assert localized(domain, "label") == "Vivienda"
    # An older snapshot without siblings: the shipped translation of the same English words.
    assert localized({"label": "Housing"}, "label", language="es") == "Vivienda"
    assert localized({"anchors": {"1": "Mold"}}, "anchors", language="es") == {"1": "Moho"}
    assert localized({"scale": {"1": "In crisis"}}, "scale", language="es") == {"1": "En crisis"}
    # An agency's own domain has no Spanish: its words stand as written.
    assert localized({"label": "Our own domain"}, "label", language="es") == "Our own domain"


@pytest.fixture
def spanish(assessed, web):
    browser = web(assessed.alice)
    browser.post(reverse("set_language"), {"language": "es", "next": "/clients/"})
    return browser


@pytest.mark.parametrize("name", PAGES)
def test_every_instrument_page_in_spanish_has_no_english_instrument_text(assessed, spanish, name):
    response = spanish.get(reverse(name, args=[assessed.dana.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="es"' in page
    # The page's own content (the header names the agency, "… Community Services").
    text = _visible_text(page[page.index("<main") : page.index("</main>")])
    left = sorted(
        english
        for path in INSTRUMENT_FILES
        for english in _english_texts(_load(path))
        if re.search(rf"(?<![\w-]){re.escape(english)}(?![\w-])", text)
    )
    assert left == [], f"English instrument text on the Spanish {name} page: {left}"


def test_spanish_pages_show_the_spanish_instrument_words(assessed, spanish):
    dana = assessed.dana.pk
    ssm_page = _visible_text(
        spanish.get(reverse("assessments:ssm-new", args=[dana])).content.decode()
    )
    assert "Vivienda" in ssm_page and "Sin vivienda o ante un desalojo" in ssm_page
    assert "Una matriz por cada persona adulta (18 años o más) del hogar." in ssm_page
    chart = spanish.get(reverse("assessments:ssm", args=[dana])).content.decode()
    assert "Desarrollando capacidades" in chart  # the chart's level labels
    assert "Ingreso" in chart and "Revisión" in chart  # its columns
    strengths = _visible_text(
        spanish.get(reverse("assessments:strengths", args=[dana])).content.decode()
    )
    assert "Lo que quiero" in strengths and "Dinero y beneficios" in strengths
    motivation = _visible_text(
        spanish.get(reverse("assessments:motivation", args=[dana])).content.decode()
    )
    assert "Lo está pensando, con sentimientos encontrados" in motivation


def test_the_spanish_screening_is_marked_as_the_agencys_translation(assessed, spanish, web):
    page = _visible_text(
        spanish.get(reverse("assessments:screening", args=[assessed.dana.pk])).content.decode()
    )
    assert "¿Cuál es su situación de vivienda hoy?" in page
    assert "Prefiero no responder" in page
    assert "no es la versión oficial en español" in page
    # The safety questions are introduced, as CMS asks, in the reader's language.
    assert "Como la violencia y el maltrato les suceden a muchas personas" in page
    # The saved result (stored in English) reads in Spanish too.
    assert "Situación de vivienda" in page
    english = _visible_text(
        web(assessed.alice)
        .get(reverse("assessments:screening", args=[assessed.dana.pk]))
        .content.decode()
    )
    assert "no es la versión oficial" not in english
    assert "What is your living situation today?" in english


def test_a_matrix_taken_before_the_translations_reads_in_spanish(assessed, spanish):
    """An old snapshot (no `_es` siblings, JSON keys as strings) keeps its keys and its scores,
    and shows the Spanish of its unchanged English words."""

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if not str(k).endswith("_es")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    administration = ssm_administrations(client=assessed.dana)[0]
    old = AssessmentTemplate.objects.create(
        agency_id=assessed.dana.agency_id,
        kind=Kind.SSM,
        version=99,
        content=strip(administration.template.content),
        content_hash="old-english-only",
    )
    version = shipped_version(
        agency_id=old.agency_id, kind=Kind.SSM, content=old.content, version=old.version
    )
    QuestionnaireResponse.objects.filter(
        client=assessed.dana, questionnaire__shipped=Kind.SSM
    ).update(version=version)
    response = spanish.get(reverse("assessments:ssm", args=[assessed.dana.pk]))
    assert response.status_code == 200
    text = _visible_text(response.content.decode())
    assert "Vivienda" in text and "Desarrollando capacidades" in text
    assert not re.search(r"\bBuilding capacity\b|\bHousing\b", text)


def test_localized_content_keeps_every_key_and_level():
    for kind in (Kind.STRENGTHS, Kind.SSM, Kind.MOTIVATION):
        english = templates_data.shipped_template(kind)
        spanish = localized_content(english, language="es")
        assert [d["key"] for d in spanish.get("domains", [])] == [
            d["key"] for d in english.get("domains", [])
        ]
        for d_en, d_es in zip(english.get("domains", []), spanish.get("domains", []), strict=True):
            assert set(d_es.get("anchors", {})) == set(d_en.get("anchors", {}))


UNTRANSLATED_OK = {"No", "micro", "meso", "macro"}  # the same word in Spanish


def _msgids() -> list[tuple[str, str]]:
    found = []
    for template in sorted((APP / "templates" / "assessments").rglob("*.html")):
        for msgid in re.findall(r'{%\s*translate\s+"([^"]+)"', template.read_text()):
            found.append((template.name, msgid))
    for module in ("views.py", "forms.py", "screening.py"):
        source = (APP / module).read_text()
        for msgid in re.findall(r'\b_\(\s*"((?:[^"\\]|\\.)+)"\s*[,)%]', source):
            found.append((module, msgid))
    return found


def test_every_message_on_the_instrument_pages_has_a_spanish_translation():
    """Cheap stand-in for makemessages: a msgid written in an instrument template or view that
    the catalogue does not translate would show English on the Spanish page."""
    with translation.override("es"):
        left = sorted(
            {
                f"{where}: {msgid}"
                for where, msgid in _msgids()
                if msgid not in UNTRANSLATED_OK and translation.gettext(msgid) == msgid
            }
        )
    assert left == []
