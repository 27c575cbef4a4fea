"""The take-home plan in Spanish: no English "your worker", and strengths show whose words they
are — the client's exact words quoted, anything else with a Spanish line saying who wrote it."""

from __future__ import annotations

import html
import io
import re

from pypdf import PdfReader


def _spanish_plan(planned, web, suffix="take-home/"):
    planned.dana.preferred_language = "es"
    planned.dana.save(update_fields=["preferred_language"])
    return web(planned.alice).get(f"/clients/{planned.dana.pk}/plan/{suffix}")


def _text(page: str) -> str:
    page = page[page.index("<main") : page.index("</main>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_spanish_take_home_names_the_worker_in_spanish(planned, web):
    text = _text(_spanish_plan(planned, web).content.decode())
    assert "your worker" not in text
    assert "(la persona encargada de su caso)" in text


def test_spanish_take_home_strengths_say_whose_words_they_are(planned, web):
    text = _text(_spanish_plan(planned, web).content.decode())
    section = text[text.index("Mis fortalezas") :]
    # Her own words, quoted, and first.
    assert section.index("“I'm good with scared people.”") < section.index("Organised")
    # The worker's English third person is never presented as hers.
    assert (
        "Organised — keeps every receipt in a folder "
        "(escrito por la persona encargada de su caso)" in section
    )
    assert "(escrito junto con la persona encargada de su caso)" in section
    assert (
        "Got herself sober six years ago; still goes to a Tuesday meeting "
        "(lo que usted dijo, anotado por la persona encargada de su caso)" in section
    )


def test_spanish_take_home_pdf_has_the_same_words(planned, web):
    response = _spanish_plan(planned, web, "take-home.pdf")
    text = " ".join(
        "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Mis fortalezas" in text and "your worker" not in text
    assert "“I'm good with scared people.”" in text
    assert "escrito por la persona encargada de su caso" in text
