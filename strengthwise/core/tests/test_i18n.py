"""The Spanish interface: the catalogue is complete and compiled, and the switcher works."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

PO_FILE = Path(settings.LOCALE_PATHS[0]) / "es" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None
    msgctxt: str | None
    msgstr: dict[int, str]
    flags: set[str]


def read_po(path: Path) -> list[Entry]:
    """A minimal .po reader: enough for a catalogue written by makemessages."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        values: dict[str, str] = {}
        flags: set[str] = set()
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#") or not line.strip():
                continue  # comments, references and obsolete (#~) entries
            elif line.startswith('"') and key:
                values[key] += ast.literal_eval(line)
            else:
                key, _, literal = line.partition(" ")
                values[key] = ast.literal_eval(literal)
        if "msgid" not in values:
            continue
        msgstr = {
            int(k[7:-1]) if k.startswith("msgstr[") else 0: v
            for k, v in values.items()
            if k.startswith("msgstr")
        }
        entries.append(
            Entry(
                msgid=values["msgid"],
                msgid_plural=values.get("msgid_plural"),
                msgctxt=values.get("msgctxt"),
                msgstr=msgstr,
                flags=flags,
            )
        )
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return [entry for entry in read_po(PO_FILE) if entry.msgid]


def test_the_spanish_catalogue_is_complete(catalogue):
    assert len(catalogue) > 150, "the Spanish catalogue looks truncated"
    header = PO_FILE.read_text(encoding="utf-8").split("\n\n")[0]
    assert "fuzzy" not in header
    fuzzy = [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]
    assert not fuzzy, f"fuzzy entries (unchecked machine guesses): {fuzzy}"
    empty = [entry.msgid for entry in catalogue if not all(entry.msgstr.values())]
    assert not empty, f"untranslated: {empty}"
    forms = [e.msgid for e in catalogue if e.msgid_plural is not None and len(e.msgstr) != 3]
    assert not forms, f"Spanish needs three plural forms (one, many, other): {forms}"


def test_every_string_marked_in_the_code_is_in_the_spanish_catalogue(tmp_path):
    """Extract the messages as `makemessages` does (xgettext, over a copy of the code so the
    real catalogue is never touched) and fail on any msgid the Spanish catalogue lacks or
    leaves empty: a new label cannot ship in English only."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: install gettext (.ci/run does)")
    root = Path(settings.BASE_DIR)
    shutil.copy(root / "manage.py", tmp_path / "manage.py")
    shutil.copytree(
        root / "strengthwise",
        tmp_path / "strengthwise",
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static", "tests", "migrations"),
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "strengthwise.settings",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, str(tmp_path / "manage.py"), "makemessages", "-l", "es", "--no-obsolete"],
        cwd=tmp_path / "strengthwise",
        env=env,
        check=True,
        capture_output=True,
    )
    extracted = read_po(tmp_path / "strengthwise" / "locale" / "es" / "LC_MESSAGES" / "django.po")
    missing = sorted(
        e.msgid for e in extracted if e.msgid and (not all(e.msgstr.values()) or "fuzzy" in e.flags)
    )
    assert missing == [], f"marked for translation but not translated: {missing}"


def test_translations_keep_every_placeholder(catalogue):
    for entry in catalogue:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr.values():
            assert sorted(PLACEHOLDER.findall(text)) == wanted, (entry.msgid, text)


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    # Every entry, so a .po edited without recompiling (a stale .mo) fails here.
    assert MO_FILE.exists(), "run `strengthwise compilemessages` and commit the .mo file"
    with translation.override("es"):
        for entry in catalogue:
            if entry.msgid_plural is not None:
                one = translation.ngettext(entry.msgid, entry.msgid_plural, 1)
                many = translation.ngettext(entry.msgid, entry.msgid_plural, 3)
                assert (one, many) == (entry.msgstr[0], entry.msgstr[2]), entry.msgid
            elif entry.msgctxt is not None:
                got = translation.pgettext(entry.msgctxt, entry.msgid)
                assert got == entry.msgstr[0], entry.msgid
            else:
                assert translation.gettext(entry.msgid) == entry.msgstr[0], entry.msgid
        assert translation.gettext("Strengths") == "Fortalezas"
        assert translation.gettext("Sign in") == "Iniciar sesión"


def test_sign_in_page_follows_the_browser_language(db, web):
    response = web().get("/accounts/sign-in/", HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in html
    assert "<h1>Iniciar sesión</h1>" in html
    assert "Saltar al contenido principal" in html

    english = web().get("/accounts/sign-in/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Sign in</h1>" in english


def test_sign_in_page_offers_the_language_switcher(db, web):
    html = web().get("/accounts/sign-in/?next=/clients/").content.decode()
    form = re.search(r'<form class="lang-switch".*?</form>', html, re.S)
    assert form, "the language switcher is missing from the sign-in page"
    switcher = form.group(0)
    assert f'action="{reverse("set_language")}"' in switcher
    assert 'method="post"' in switcher and "csrfmiddlewaretoken" in switcher
    assert '<label for="site-language" class="visually-hidden">Language</label>' in switcher
    assert '<select name="language" id="site-language">' in switcher
    assert '<input type="hidden" name="next" value="/accounts/sign-in/?next=/clients/">' in switcher
    assert '<option value="es" lang="es">Español</option>' in switcher
    assert 'type="submit"' in switcher
    # The strict CSP allows no inline script, handler or style.
    assert not re.search(r"\son[a-z]+=|\sstyle=|<script", switcher)


def test_switching_to_spanish_translates_the_caseload_and_face_sheet(personas, web):
    alice = web(personas.alice)
    response = alice.post(reverse("set_language"), {"language": "es", "next": "/clients/"})
    assert response.status_code == 302
    assert response["Location"] == "/clients/"

    caseload = alice.get("/clients/").content.decode()
    assert '<html lang="es">' in caseload
    assert "Mis casos asignados" in caseload
    assert "Nueva admisión" in caseload
    assert "Cerrar sesión" in caseload
    assert '<option value="es" lang="es" selected>Español</option>' in caseload

    face_sheet = alice.get(f"/clients/{personas.dana.pk}/").content.decode()
    assert '<h2 id="h-strengths">Fortalezas</h2>' in face_sheet
    assert "Sueños, en sus propias palabras" in face_sheet
    assert "Episodios de atención" in face_sheet
    assert "Mensaje de texto" in face_sheet  # a model choice, translated too
    assert ">Strengths<" not in face_sheet

    alice.post(reverse("set_language"), {"language": "en", "next": "/clients/"})
    assert "<h1>My caseload</h1>" in alice.get("/clients/").content.decode()


# --- plurals: a count always chooses its form ("1 rating", "2 ratings") ----------------------

APP_ROOT = Path(settings.BASE_DIR) / "strengthwise"
COUNT_VARS = {"n", "count", "total", "k", "age", "left", "helped", "number", "days", "clients"}
NOT_PLURAL_NOUNS = {"is", "was", "has", "this", "its", "as", "plus"}
BLOCKTRANS = re.compile(
    r"\{% blocktranslate(?P<args>[^%]*)%\}(?P<body>.*?)\{% endblocktranslate %\}", re.S
)
COUNT_THEN_WORD = re.compile(r"%\((?P<var>[a-z_]+)\)[sd] (?P<word>[a-z]+)")


def _counted_noun(var: str, word: str) -> bool:
    return var in COUNT_VARS and word.endswith("s") and word not in NOT_PLURAL_NOUNS


def test_counts_in_templates_use_a_plural_form():
    offenders = []
    for path in APP_ROOT.rglob("*.html"):
        for block in BLOCKTRANS.finditer(path.read_text(encoding="utf-8")):
            if " count " in block.group("args"):
                continue
            for m in re.finditer(r"\{\{ ?([a-z_]+) ?\}\} ([a-z]+)", block.group("body")):
                if _counted_noun(m.group(1), m.group(2)):
                    offenders.append(f"{path.name}: {block.group('body')[:60]!r}")
    assert offenders == [], "use {% blocktranslate count … %}{% plural %}: " + "; ".join(offenders)


def test_counts_in_python_use_ngettext():
    offenders = []
    for path in APP_ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in {"_", "gettext", "gettext_lazy", "pgettext"}:
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    for m in COUNT_THEN_WORD.finditer(arg.value):
                        if _counted_noun(m.group("var"), m.group("word")):
                            offenders.append(f"{path.name}:{node.lineno}: {arg.value[:60]!r}")
    assert offenders == [], "use ngettext for a count: " + "; ".join(offenders)


# --- every staff page in Spanish: no English interface text left --------------------------

STAFF_PAGES = {
    "alice": [
        "/today/",
        "/clients/",
        "/clients/search/",
        "/clients/new/",
        "/clients/{dana}/",
        "/clients/{dana}/edit/",
        "/clients/{dana}/assessments/",
        "/clients/{dana}/assessments/strengths/",
        "/clients/{dana}/assessments/strengths/versions/",
        "/clients/{dana}/assessments/factors/",
        "/clients/{dana}/assessments/motivation/",
        "/clients/{dana}/assessments/matrix/",
        "/clients/{dana}/assessments/matrix/new/",
        "/clients/{dana}/assessments/ecomap/",
        "/clients/{dana}/assessments/ecomap/compare/",
        "/clients/{dana}/assessments/screening/",
        "/clients/{dana}/plan/",
        "/clients/{dana}/plan/versions/",
        "/clients/{dana}/notes/",
        "/clients/{dana}/referrals/",
        "/clients/{dana}/consents/new/",
        "/clients/{dana}/find-help/",
        "/clients/{dana}/closures/",
        "/notes/search/",
        "/directory/",
        "/reports/",
        "/reports/advocacy/",
        "/accounts/security/",
        "/accounts/tokens/",
        "/clients/{dana}/questionnaires/",
        "/clients/{dana}/questionnaires/{tenancy}/new/",
    ],
    "bob": ["/team/", "/plans/waiting/", "/closures/waiting/", "/clients/reassign/"],
    "priya": ["/reports/"],
    "admin": [
        "/settings/",
        "/settings/language/",
        "/accounts/tokens/",
        "/questionnaires/",
        "/questionnaires/new/",
        "/questionnaires/import/",
        "/questionnaires/{tenancy}/",
        "/questionnaires/{tenancy}/items/landlord/",
        "/questionnaires/{tenancy}/preview/?lang=es",
        "/settings/webhooks/",
    ],
}
# (The take-home plan is written in the client's own language, whatever the staff UI's.)
# Interface words that are the same in both languages, or names.
SAME_IN_SPANISH = {"Strengthwise", "Email", "Total", "Plan", "No", "Local"}
# Interface words that the demo's own data also says in English (a service called "Case
# management"; Dana's words "Goes to the chapel…" in a compared version): data, not interface.
DEMO_DATA = {"Case management", "Goes to"}


def _visible_text(html: str) -> str:
    """The interface text of a page: without scripts, drawings (their text comes from the same
    labels) and what people wrote (text areas, quoted words)."""
    html = re.sub(r"<(script|style|svg|textarea|blockquote)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return " ".join(html.replace("&nbsp;", " ").split())


def test_every_staff_page_in_spanish_has_no_english_interface_text(demo_agency, catalogue, web):
    """Renders each staff page in Spanish and looks for the English of every catalogue entry
    of two words or more (entries without placeholders): finding one means a string the page
    shows was left out of translation (a msgid not marked, or an f-string)."""
    from strengthwise.accounts.models import User
    from strengthwise.questionnaires.models import Questionnaire

    dana = demo_agency.dana
    tenancy = Questionnaire.objects.get(key="tenancy-readiness")
    english = sorted(
        {
            " ".join(e.msgid.split())
            for e in catalogue
            if e.msgid_plural is None
            and "%(" not in e.msgid
            and "<" not in e.msgid
            and len(e.msgid.split()) >= 2
            and e.msgstr[0] != e.msgid
            and e.msgid not in SAME_IN_SPANISH | DEMO_DATA
            and e.msgid[:1].isupper()  # interface labels and sentences, not fragments
        },
        key=len,
        reverse=True,
    )
    found = []
    for username, paths in STAFF_PAGES.items():
        client = web(User.objects.get(username=username))
        client.cookies["django_language"] = "es"
        for path in paths:
            response = client.get(path.format(dana=dana.pk, tenancy=tenancy.pk))
            assert response.status_code == 200, (username, path, response.status_code)
            text = _visible_text(response.content.decode())
            assert "Fortalezas" in text or "Hoy" in text or "Informes" in text, path
            for msgid in english:
                if msgid in text and re.search(rf"(?<!\w){re.escape(msgid)}(?!\w)", text):
                    found.append(f"{path}: {msgid!r}")
    assert found == [], "English left on Spanish pages:\n" + "\n".join(found)
