"""The right of access: the client's whole record, as JSON and as a PDF, in the portal and
through their worker; what a third party told us in confidence is withheld with the reason;
every copy is audited (the worker's shows in the client's access log, the client's own does
not)."""

from __future__ import annotations

import io
import json

from django.urls import reverse
from pypdf import PdfReader

from strengthwise.audit.models import AuditEvent
from strengthwise.notes import services as note_services
from strengthwise.portal import services as portal_services


def _note(personas, text, contact_type="office"):
    note = note_services.note_start(acting_user=personas.alice, client=personas.dana)
    note = note_services.note_save(
        acting_user=personas.alice,
        note=note,
        fields={"contact_type": contact_type},
        sections={"goal": text},
    )
    return note_services.note_sign(acting_user=personas.alice, note=note)


def test_the_worker_gives_dana_her_record_with_confidences_withheld(personas, web):
    _note(personas, "Talked about the flat on Elm Street")
    _note(personas, "Her sister said she worries about the rent", contact_type="collateral")
    browser = web(personas.alice)
    response = browser.get(reverse("interop:record-copy-json", args=[personas.dana.pk]))
    assert response.status_code == 200
    copy = json.loads(response.content)
    assert copy["record"]["resourceType"] == "Bundle"
    words = json.dumps(copy)
    assert "flat on Elm Street" in words and "worries about the rent" not in words
    assert len(copy["withheld"]) == 1 and copy["withheld"][0]["reason"]
    pdf = browser.get(reverse("interop:record-copy-pdf", args=[personas.dana.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Your record" in text and "Elm Street" in text and "worries" not in text
    assert (
        AuditEvent.objects.filter(action="client.exported", client_id=personas.dana.pk).count() == 2
    )
    for outsider in (personas.carol, personas.mallory):
        url = reverse("interop:record-copy-json", args=[personas.dana.pk])
        assert web(outsider).get(url).status_code == 404


def test_dana_downloads_her_own_copy_in_the_portal(personas):
    from strengthwise.portal.tests.test_portal import portal_for

    _note(personas, "Talked about the flat on Elm Street")
    browser = portal_for(personas)
    response = browser.get(reverse("portal:my-record-json"))
    assert response.status_code == 200 and "Elm Street" in response.content.decode()
    assert browser.get(reverse("portal:my-record-pdf")).status_code == 200
    assert AuditEvent.objects.filter(action="portal.record_downloaded").count() == 2
    # Her own downloads are not in the list of who looked at her record.
    page = browser.get(reverse("portal:privacy")).content.decode()
    assert "exported your record" not in page
    assert portal_services.actor_label(personas.dana) not in page
