"""Issue 10: the client types their own name (never pre-filled) and the consent says how it was
given; buttons say what they do; the organisation list can be searched; a partner whose link
does not work is spoken to as a partner."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from strengthwise.audit.models import AuditEvent
from strengthwise.directory.models import Organization
from strengthwise.referrals.models import Consent, ConsentDocument

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def new_url(dana):
    return reverse("referrals:consent-new", args=[dana.pk])


def form_data(org, **overrides):
    return {
        "information": ["contact"],
        "organization": str(org.pk),
        "purpose": "referral",
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
        "right_to_revoke_explained": "on",
        **overrides,
    }


# --- A: the client's own act, and how it was given ---------------------------------------------


def test_consent_form_does_not_type_the_clients_name_for_them(personas, web, workshop):
    html = web(personas.alice).get(new_url(personas.dana)).content.decode()
    field = re.search(r'<input[^>]*name="signed_name"[^>]*>', html).group(0)
    assert "value=" not in field and "Dana" not in field
    assert "Typing their name is their own act of agreeing" in html
    assert 'value="portal"' not in html  # reserved for the portal
    for value in ("e_signature", "verbal", "signed_form"):
        assert f'value="{value}"' in html


def test_typed_consent_records_the_clients_own_name_and_reads_as_a_sentence(
    personas, web, workshop
):
    alice = web(personas.alice)
    refused = alice.post(
        new_url(personas.dana), form_data(workshop.organization, method="e_signature")
    )
    assert refused.status_code == 400
    assert "The client types their own name to agree." in refused.content.decode()
    response = alice.post(
        new_url(personas.dana),
        form_data(
            workshop.organization,
            method="e_signature",
            signed_name=" Dana  Whitfield ",
            witness_name="ignored",
        ),
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.signed_name, consent.witness_name, consent.method) == (
        "Dana Whitfield",
        "",
        "e_signature",
    )
    audit = AuditEvent.objects.get(action="consent.recorded")
    assert audit.changes["method"] == [None, "e_signature"]
    page = alice.get(reverse("referrals:client", args=[personas.dana.pk])).content.decode()
    assert "Agreed by Dana Whitfield, typed on the worker&#x27;s device," in page


def test_verbal_consent_names_its_witness(personas, web, workshop):
    alice = web(personas.alice)
    refused = alice.post(new_url(personas.dana), form_data(workshop.organization, method="verbal"))
    assert refused.status_code == 400
    assert "A verbal consent needs the name of a witness." in refused.content.decode()
    alice.post(
        new_url(personas.dana),
        form_data(workshop.organization, method="verbal", witness_name="Marcus Lee"),
    )
    consent = Consent.objects.get()
    assert consent.agreement.startswith(
        "Agreed by Dana Whitfield, verbally, witnessed by Marcus Lee"
    )
    with translation.override("es"):
        assert consent.agreement.startswith(
            "Aceptado por Dana Whitfield, de palabra, con Marcus Lee como testigo"
        )


@pytest.mark.parametrize("method", ["portal", "drawn", "nonsense", ""])
def test_methods_not_offered_to_staff_are_refused_not_a_500(personas, web, workshop, method):
    response = web(personas.alice).post(
        new_url(personas.dana), form_data(workshop.organization, method=method, signed_name="D")
    )
    assert response.status_code == 400
    assert not Consent.objects.exists()


def test_api_refuses_portal_and_says_how_it_was_given(personas, api, workshop):
    client = api(personas.alice)
    url = f"/api/v1/clients/{personas.dana.pk}/consents"
    body = {
        "information": ["contact"],
        "organization_id": str(workshop.organization.pk),
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "method": "portal",
        "signed_name": "Dana Whitfield",
    }
    assert client.post(url, body).status_code in (400, 422)
    created = client.post(url, {**body, "method": "verbal", "witness_name": "Marcus Lee"})
    assert created.status_code == 201
    out = created.json()
    assert out["signature_method"] == "verbal" and out["witness_name"] == "Marcus Lee"
    assert out["agreement"].startswith("Agreed by Dana Whitfield, verbally, witnessed by")
    listed = client.get(url).json()
    assert listed[0]["has_signed_form"] is False


def test_paper_consent_download_only_for_those_who_see_the_client(personas, web, workshop):
    alice = web(personas.alice)
    bad = alice.post(
        new_url(personas.dana),
        {
            **form_data(workshop.organization, method="signed_form"),
            "document": SimpleUploadedFile("a.pdf", b"GIF89a", content_type="application/pdf"),
        },
    )
    assert bad.status_code == 400 and "Upload a PDF, JPEG or PNG file." in bad.content.decode()
    response = alice.post(
        new_url(personas.dana),
        {
            **form_data(workshop.organization, method="signed_form", signed_name="Typed by worker"),
            "document": SimpleUploadedFile("dana's form.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.signed_name == ""  # a paper form: nobody typed a name on the device
    assert ConsentDocument.objects.get().sha256
    url = reverse("referrals:consent-document", args=[personas.dana.pk, consent.pk])
    page = alice.get(reverse("referrals:client", args=[personas.dana.pk])).content.decode()
    assert "on a signed paper form" in page and url in page
    download = alice.get(url)
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Disposition"] == f'attachment; filename="consent-{consent.pk}.pdf"'
    assert AuditEvent.objects.filter(action="consent.document_viewed").count() == 1
    assert web(personas.bob).get(url).status_code == 200
    for outsider in (personas.carol, personas.mallory):
        assert web(outsider).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="consent.document_viewed").count() == 2


# --- B: buttons say what they do ---------------------------------------------------------------


def test_the_withdrawal_control_says_it_records_a_withdrawal(personas, web, consent_for, workshop):
    consent_for(workshop)
    html = web(personas.alice).get(reverse("referrals:client", args=[personas.dana.pk]))
    text = html.content.decode()
    assert "<summary>Record that the client withdrew this consent</summary>" in text
    assert ">The client withdrew this consent<" not in text
    assert "Record the withdrawal" in text


# --- C: a searchable organisation list ---------------------------------------------------------


@pytest.fixture
def many_organizations(db):
    Organization.objects.bulk_create(
        [Organization(name=f"Agency number {i:03d}", description="x") for i in range(400)]
        + [
            Organization(name="Centro Hispano de Salud", description="x"),
            Organization(
                name="Harbor Light Family Shelter", description="x", alternate_name="HLFS"
            ),
        ]
    )


def test_consent_form_keeps_the_plain_select_and_loads_the_typeahead(
    personas, web, many_organizations
):
    html = web(personas.alice).get(new_url(personas.dana)).content.decode()
    widget = reverse("referrals:consent-organizations", args=[personas.dana.pk])
    assert f'hx-get="{widget}?widget=1' in html and 'hx-trigger="load"' in html
    assert '<select name="organization"' in html  # without JavaScript: the plain list


def test_typeahead_finds_organisations_by_any_part_of_the_name(personas, web, many_organizations):
    url = reverse("referrals:consent-organizations", args=[personas.dana.pk])
    alice = web(personas.alice)
    found = alice.get(url, {"org_q": "salud centro"}).content.decode()
    assert "Centro Hispano de Salud" in found and "Agency number" not in found
    assert alice.get(url, {"org_q": "hlfs"}).content.decode().count('name="organization"') == 2
    assert "Harbor Light" in alice.get(url, {"org_q": "HÁRBOR"}).content.decode()
    many = alice.get(url, {"org_q": "agency"}).content.decode()
    assert many.count('name="organization"') == 21  # 20 shown and "none"
    assert "20 of 400 matches shown" in many
    widget = alice.get(url, {"widget": "1", "organization": "not-an-id"}).content.decode()
    assert 'id="org-q"' in widget and 'type="search"' in widget
    assert "Type to find one of 402 organisations." in widget
    chosen = Organization.objects.get(name="Centro Hispano de Salud")
    kept = alice.get(url, {"org_q": "harbor", "organization": str(chosen.pk)}).content.decode()
    assert re.search(rf'value="{chosen.pk}"[^>]*checked', kept)  # the choice survives a search
    for odd in ("\x00", "x" * 5000, "%", "' OR 1=1"):
        assert alice.get(url, {"org_q": odd}).status_code == 200
    for outsider in (personas.carol, personas.mallory):
        assert web(outsider).get(url, {"org_q": "salud"}).status_code == 404
    assert web(None).get(url).status_code == 302


# --- D: the partner's page when the link does not work ------------------------------------------


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "x:y:z"])
def test_a_broken_partner_link_speaks_to_a_partner(db, web, token):
    response = web(None).get(reverse("referrals:partner", args=[token]))
    assert response.status_code == 404
    text = response.content.decode()
    assert "caseload" not in text.lower()
    assert "This referral link does not work" in text
    assert "ask the case worker who sent you the referral for a new link" in text.lower()
