"""The client's right of access: a copy of their whole record, as a JSON file (the FHIR R4
bundle of their record, their signed contact notes, and what was withheld and why) and as a
readable PDF in their language. Given to the client in the portal, or through their worker.

Withheld, with the reason shown: notes of a contact with someone other than the client
("collateral" contacts), where what a third party told us in confidence may be kept back as
the law allows. Their dates stay in the copy, so the client knows they exist and can ask.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf import FPDF

from strengthwise.core.text import show_date
from strengthwise.notes import formats
from strengthwise.notes.models import ContactType, Note
from strengthwise.people.models import Client
from strengthwise.plans.fonts import FONT_FAMILY, FONT_FILES

from . import fhir


def _withheld_reason() -> str:
    return _(
        "A note of a contact with someone other than you: what another person told us in "
        "confidence is kept back. Ask your worker if you want to know more."
    )


def record_copy(client: Client) -> dict[str, Any]:
    """The whole copy as one JSON-ready dict."""
    notes = list(
        Note.objects.filter(client=client, status=Note.Status.SIGNED)
        .select_related("author")
        .order_by("contact_date", "id")
    )
    shown, withheld = [], []
    for note in notes:
        if note.contact_type == ContactType.COLLATERAL:
            withheld.append(
                {
                    "what": _("Note of a contact"),
                    "date": note.contact_date.isoformat(),
                    "reason": _withheld_reason(),
                }
            )
            continue
        shown.append(
            {
                "date": note.contact_date.isoformat(),
                "contact": str(note.get_contact_type_display()),
                "written_by": note.author.label,
                "sections": {
                    str(formats.SECTIONS.get(key, (key, ""))[0]): text
                    for key, text in note.sections.items()
                    if str(text).strip() and key in formats.sections_of(note.format)
                },
            }
        )
    return {
        "about": _("A copy of your record at %(agency)s.") % {"agency": client.agency.name},
        "generated_at": timezone.now().isoformat(),
        "record": fhir.client_bundle(client),
        "notes": shown,
        "withheld": withheld,
    }


class _PDF(FPDF):
    def __init__(self) -> None:
        super().__init__(format="Letter")
        for style, path in FONT_FILES.items():
            self.add_font(FONT_FAMILY, style, str(path))
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, 18)

    def heading(self, text: str, size: float = 14) -> None:
        self.set_font(FONT_FAMILY, "B", size)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def text(self, text: str, bold: bool = False) -> None:  # type: ignore[override]
        self.set_font(FONT_FAMILY, "B" if bold else "", 10.5)
        self.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")


def record_pdf(client: Client, copy: dict[str, Any]) -> bytes:
    """The same copy, readable, in the client's language."""
    language = client.preferred_language if client.preferred_language in ("en", "es") else "en"
    with override(language):
        pdf = _PDF()
        pdf.set_title(_("Your record"))
        pdf.add_page()
        pdf.heading(_("Your record"), 18)
        pdf.text(copy["about"])
        pdf.text(_("Made on %(day)s.") % {"day": show_date(timezone.localdate())})
        pdf.ln(3)
        entries = [e["resource"] for e in copy["record"]["entry"]]
        pdf.heading(_("About you"))
        pdf.text(client.display_name, bold=True)
        if client.date_of_birth:
            pdf.text(_("Date of birth: %(day)s") % {"day": show_date(client.date_of_birth)})
        for line in (client.phone, client.email):
            if line:
                pdf.text(line)
        strengths = [r["code"]["text"] for r in entries if r["resourceType"] == "Condition"]
        if strengths:
            pdf.heading(_("Your strengths"))
            for s in strengths:
                pdf.text(f"• {s}")
        goals = [r for r in entries if r["resourceType"] == "Goal"]
        if goals:
            pdf.heading(_("Your goals"))
            for g in goals:
                pdf.text(f"“{g['description']['text']}”", bold=True)
                for note in g.get("note", []):
                    pdf.text(note["text"])
        requests = [r for r in entries if r["resourceType"] == "ServiceRequest"]
        if requests:
            pdf.heading(_("Places you were referred to"))
            for r in requests:
                pdf.text(f"• {r['code']['text']}")
        if copy["notes"]:
            pdf.heading(_("Notes of your meetings"))
            for n in copy["notes"]:
                pdf.text(f"{n['date']} · {n['contact']} · {n['written_by']}", bold=True)
                for label, words in n["sections"].items():
                    pdf.text(f"{label}: {words}")
                pdf.ln(1)
        if copy["withheld"]:
            pdf.heading(_("Kept back"))
            for w in copy["withheld"]:
                pdf.text(f"{w['date']} · {w['what']}", bold=True)
                pdf.text(w["reason"])
        return bytes(pdf.output())
