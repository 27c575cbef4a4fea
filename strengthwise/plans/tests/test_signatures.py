"""The client's agreement to a plan: typed by the client (never pre-filled), verbal with a named
witness, or a signed paper form (checked, stored, downloadable only by those who may see the
client, audited); shown as one sentence saying how it was given. And step states that read as
states, with buttons that say what they do."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from strengthwise.audit.models import AuditEvent
from strengthwise.core.errors import ValidationFailed
from strengthwise.plans import services
from strengthwise.plans.models import PlanEvent, PlanEventDocument, SignatureMethod

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def plan(personas):
    plan = services.plan_start(acting_user=personas.alice, client=personas.dana)
    services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={
            "statement": "Move into an apartment",
            "author": "client",
            "domain": "daily_living",
        },
    )
    return plan


def sign_url(dana):
    return reverse("plans:sign", args=[dana.pk, "client"])


def agreed(plan):
    return PlanEvent.objects.get(plan=plan, kind=PlanEvent.Kind.CLIENT_AGREED)


def test_the_agreement_form_is_empty_and_says_typing_is_the_clients_act(personas, plan, web):
    page = web(personas.alice).get(reverse("plans:plan", args=[personas.dana.pk]))
    html = page.content.decode()
    field = re.search(r'<input[^>]*name="signed_name"[^>]*>', html)
    assert field and "value=" not in field.group(0)  # never pre-filled
    assert "typing their name is their own act of agreeing" in html
    for label in (
        "typed by the client on the worker&#x27;s device",
        "verbal agreement, with a witness",
        "a signed paper form, uploaded",
    ):
        assert label.lower() in html.lower()
    assert 'value="portal"' not in html  # reserved for the portal, not offered to staff
    assert 'enctype="multipart/form-data"' in html


def test_typed_agreement_records_the_method_and_reads_as_one_sentence(personas, plan, web):
    alice = web(personas.alice)
    response = alice.post(
        sign_url(personas.dana), {"method": "typed", "signed_name": "  Dana   Whitfield "}
    )
    assert response.status_code == 302
    event = agreed(plan)
    assert (event.signed_name, event.signature_method, event.witness_name) == (
        "Dana Whitfield",
        "typed",
        "",
    )
    audit = AuditEvent.objects.get(action="plan.client_agreed")
    assert audit.changes["method"] == [None, "typed"]
    html = alice.get(reverse("plans:plan", args=[personas.dana.pk])).content.decode()
    assert "Agreed by Dana Whitfield, typed on the worker&#x27;s device," in html


def test_verbal_agreement_needs_a_witness(personas, plan, web):
    alice = web(personas.alice)
    response = alice.post(sign_url(personas.dana), {"method": "verbal", "signed_name": ""})
    assert response.status_code == 302
    assert not PlanEvent.objects.filter(plan=plan, kind="client_agreed").exists()
    follow = alice.get(response["Location"]).content.decode()
    assert "A verbal agreement needs the name of a witness." in follow
    alice.post(sign_url(personas.dana), {"method": "verbal", "witness_name": "Marcus Lee"})
    event = agreed(plan)
    assert (event.signature_method, event.witness_name) == ("verbal", "Marcus Lee")
    assert event.agreement.startswith("Agreed by Dana Whitfield, verbally, witnessed by Marcus Lee")
    assert AuditEvent.objects.get(action="plan.client_agreed").changes["witness_name"] == [
        None,
        "Marcus Lee",
    ]


def test_typed_agreement_needs_the_clients_own_name(personas, plan):
    with pytest.raises(ValidationFailed) as refused:
        services.plan_client_agree(acting_user=personas.alice, plan=plan, method="typed")
    assert "signed_name" in refused.value.field_errors


@pytest.mark.parametrize("method", ["portal", "e_signature", "", "x" * 50])
def test_portal_and_unknown_methods_are_refused_from_staff(personas, plan, method):
    with pytest.raises(ValidationFailed):
        services.plan_client_agree(
            acting_user=personas.alice, plan=plan, method=method, signed_name="Dana"
        )
    assert not PlanEvent.objects.filter(plan=plan, kind="client_agreed").exists()


@pytest.mark.parametrize(
    ("name", "content_type", "blob", "why"),
    [
        ("form.pdf", "application/pdf", b"MZ\x90\x00 not a pdf", "PDF, JPEG or PNG"),
        ("form.exe", "application/octet-stream", PDF, "PDF, JPEG or PNG"),
        ("form.pdf", "application/pdf", b"", "empty"),
        ("big.pdf", "application/pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "larger than 5 MB"),
    ],
)
def test_bad_paper_forms_are_refused_with_a_message_not_a_500(
    personas, plan, web, name, content_type, blob, why
):
    alice = web(personas.alice)
    response = alice.post(
        sign_url(personas.dana),
        {"method": "paper", "document": SimpleUploadedFile(name, blob, content_type=content_type)},
    )
    assert response.status_code == 302
    assert why in alice.get(response["Location"]).content.decode()
    assert not PlanEventDocument.objects.exists()


def test_paper_agreement_is_stored_and_only_those_who_see_the_client_download_it(
    personas, plan, web
):
    alice = web(personas.alice)
    response = alice.post(
        sign_url(personas.dana),
        {
            "method": "paper",
            "document": SimpleUploadedFile("my form.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    event = agreed(plan)
    assert event.signature_method == SignatureMethod.PAPER
    assert bytes(event.document.data) == PDF
    url = reverse("plans:agreement-document", args=[personas.dana.pk, event.pk])
    page = alice.get(reverse("plans:plan", args=[personas.dana.pk])).content.decode()
    assert url in page and "on a signed paper form" in page
    download = alice.get(url)
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert "my form" not in download["Content-Disposition"]  # never the uploader's name
    assert download["Content-Disposition"].endswith('.pdf"')
    assert AuditEvent.objects.filter(
        action="plan.agreement_document_viewed", actor_id=personas.alice.pk
    ).exists()
    bob = web(personas.bob)  # alice's supervisor sees Dana
    assert bob.get(url).status_code == 200
    for outsider in (personas.carol, personas.mallory):
        assert web(outsider).get(url).status_code == 404
    assert web(None).get(url).status_code == 302  # sign in first
    for bad in ("abc", "0", "99999999999999999999999", str(event.pk + 1000)):
        assert alice.get(url.replace(f"/{event.pk}/", f"/{bad}/")).status_code == 404


def test_existing_agreements_read_as_typed(personas, plan):
    """Rows from before the method was recorded (the migration fills them as typed)."""
    services.plan_client_agree(acting_user=personas.alice, plan=plan, signed_name="Dana W")
    event = agreed(plan)
    assert event.signature_method == "typed"
    PlanEvent.objects.filter(pk=event.pk).update(signature_method="")
    event.refresh_from_db()
    assert "typed on the worker's device" in event.agreement


def test_agreement_sentence_in_spanish(personas, plan):
    services.plan_client_agree(
        acting_user=personas.alice, plan=plan, method="verbal", witness_name="Marcus Lee"
    )
    with translation.override("es"):
        text = agreed(plan).agreement
    assert text.startswith("Aceptado por Dana Whitfield, de palabra, con Marcus Lee como testigo")


# --- step states ----------------------------------------------------------------------------


def test_a_done_step_reads_as_done_and_its_button_says_what_it_does(personas, plan, web):
    goal = plan.goals.first()
    step = services.step_add(
        acting_user=personas.alice, goal=goal, fields={"text": "Call the landlord", "who": "client"}
    )
    alice = web(personas.alice)
    url = reverse("plans:plan", args=[personas.dana.pk])
    html = alice.get(url).content.decode()
    item = re.search(r'<ol class="steps">(.*?)</ol>', html, re.S).group(1)
    assert "Mark as done" in item and "Done on" not in item
    alice.post(reverse("plans:step-done", args=[personas.dana.pk, step.pk]))
    html = alice.get(url).content.decode()
    item = re.search(r'<ol class="steps">(.*?)</ol>', html, re.S).group(1)
    assert "Not done yet" not in item  # one clear state, not "done … Not done yet"
    assert re.search(r"Done on \d{2}/\d{2}/\d{4}", item)  # the locale's date format
    assert "Undo: mark as not done" in item


# --- API ----------------------------------------------------------------------------------------


def test_api_records_how_the_client_agreed_and_returns_it(personas, plan, api):
    url = f"/api/v1/clients/{personas.dana.pk}/plan/agreement"
    alice = api(personas.alice)
    assert alice.post(url, {"method": "verbal"}).status_code == 400  # no witness
    assert alice.post(url, {"method": "portal", "signed_name": "Dana"}).status_code in (400, 422)
    assert api(personas.carol).post(url, {"method": "typed", "signed_name": "x"}).status_code == 404
    created = alice.post(url, {"method": "verbal", "witness_name": "Marcus Lee"})
    assert created.status_code == 201
    history = created.json()["history"]
    assert history[-1]["signature_method"] == "verbal"
    assert history[-1]["witness_name"] == "Marcus Lee"
    assert history[-1]["agreement"].startswith("Agreed by Dana Whitfield, verbally")
    listed = alice.get(f"/api/v1/clients/{personas.dana.pk}/plans").json()
    assert listed[0]["history"][-1]["has_signed_form"] is False


@pytest.mark.parametrize(
    "blob",
    [
        b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF",
        b"%PDF-1.7\n" + b"1 0 obj\n" * 10 + b"<!DOCTYPE html><p>hi</p>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b"<svg onload=alert(1)>",
    ],
)
def test_a_file_that_is_also_a_web_page_is_refused(blob):
    """Issue 12 item 11: uploads were checked by their first bytes only; a PDF that is also
    HTML (a polyglot) got through."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from strengthwise.plans.signatures import upload_problem

    kind = "image/png" if blob.startswith(b"\x89PNG") else "application/pdf"
    problem, data = upload_problem(SimpleUploadedFile("form.pdf", blob, content_type=kind))
    assert "web page" in problem and data == b""


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../etc/form.pdf", "form.pdf"),
        ("C:\\\\Users\\\\dana\\\\signed form.pdf", "signed form.pdf"),
        ("  ..  ", "signed-form"),
        ("a\x00b\x1f.pdf", "ab.pdf"),
    ],
)
def test_an_uploads_name_keeps_no_folder_or_control_characters(name, kept):
    from strengthwise.plans.signatures import clean_filename

    assert clean_filename(name) == kept
