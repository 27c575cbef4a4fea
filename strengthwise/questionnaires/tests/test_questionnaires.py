"""Agency questionnaires end to end: an admin builds, previews, translates and publishes; a
worker fills one in for Dana; answers show on her record and in the API; old answers keep the
words of their version; bad input changes nothing; outsiders get 404."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strengthwise.core.errors import DomainError, ValidationFailed
from strengthwise.questionnaires import definition as qdef
from strengthwise.questionnaires import selectors, services
from strengthwise.questionnaires.models import (
    AnswerValue,
    Questionnaire,
    QuestionnaireResponse,
    QuestionnaireVersion,
)

T = qdef.Text
pytestmark = pytest.mark.django_db


def _item(link_id: str, kind: str = "string", **kw) -> qdef.Item:
    kw.setdefault("text", T(f"{link_id} question", f"pregunta {link_id}"))
    return qdef.Item(link_id=link_id, type=kind, **kw)


YES_NO = (qdef.Option("yes", T("Yes", "Sí")), qdef.Option("no", T("No", "No")))


def _published(personas, key="extra", purpose="client_fields", items=(), program=None):
    questionnaire = services.questionnaire_create(
        acting_user=personas.admin,
        key=key,
        purpose=purpose,
        title_en=f"{key} title",
        title_es=f"título {key}",
        program_id=program.pk if program else None,
    )
    for item in items:
        questionnaire = services.draft_item_save(
            acting_user=personas.admin, questionnaire=questionnaire, item=item
        )
    services.questionnaire_publish(acting_user=personas.admin, questionnaire=questionnaire)
    questionnaire.refresh_from_db()
    return questionnaire


def _post_item(web_admin, questionnaire, **fields):
    data = {"author": "client", "type": "string", **fields}
    return web_admin.post(f"/questionnaires/{questionnaire.pk}/items/new/", data)


def test_an_admin_builds_translates_and_publishes_in_the_pages(personas, web, audit_events):
    page = web(personas.admin)
    response = page.post(
        "/questionnaires/new/",
        {"key": "tenancy", "purpose": "instrument", "title_en": "Tenancy", "program": ""},
    )
    assert response.status_code == 302
    questionnaire = Questionnaire.objects.get(key="tenancy")
    response = _post_item(
        page,
        questionnaire,
        link_id="rent",
        type="choice",
        text_en="I can plan for the rent",
        options="0 | Not yet | Todavía no | 0\n1 | On my own | | 1",
        required="on",
    )
    assert response.status_code == 302
    response = _post_item(
        page,
        questionnaire,
        link_id="how",
        type="text",
        text_en="How? <script>alert(1)</script>",
        conditions="rent = 1",
    )
    assert response.status_code == 302
    # Not yet publishable: the Spanish is missing, and the page says which texts.
    response = page.post(f"/questionnaires/{questionnaire.pk}/publish/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Question rent has no Spanish text." in body
    assert "Answer 1 of rent has no Spanish text." in body
    assert "<script>alert(1)</script>" not in body
    assert QuestionnaireVersion.objects.count() == 0
    # Translate, then publish.
    page.post(
        f"/questionnaires/{questionnaire.pk}/",
        {"title_en": "Tenancy", "title_es": "Alquiler"},
    )
    page.post(
        f"/questionnaires/{questionnaire.pk}/items/rent/",
        {
            "link_id": "rent",
            "type": "choice",
            "author": "client",
            "text_en": "I can plan for the rent",
            "text_es": "Puedo planear el alquiler",
            "options": "0 | Not yet | Todavía no | 0\n1 | On my own | Por mi cuenta | 1",
            "required": "on",
        },
    )
    page.post(
        f"/questionnaires/{questionnaire.pk}/items/how/",
        {
            "link_id": "how",
            "type": "text",
            "author": "client",
            "text_en": "How? <script>alert(1)</script>",
            "text_es": "¿Cómo?",
            "conditions": "rent = 1",
        },
    )
    preview = page.get(f"/questionnaires/{questionnaire.pk}/preview/?lang=es").content.decode()
    assert "Puedo planear el alquiler" in preview and "Por mi cuenta" in preview
    assert 'data-when-1="rent = 1"' in preview
    response = page.post(f"/questionnaires/{questionnaire.pk}/publish/")
    assert response.status_code == 302
    version = QuestionnaireVersion.objects.get(questionnaire=questionnaire)
    assert version.number == 1 and version.definition["status"] == "active"
    assert qdef.fhir_problems(version.definition) == []
    assert [e.changes["version"] for e in audit_events("questionnaire.published")] == [[None, 1]]
    # Publishing again without a change is refused; the draft says so.
    assert page.post(f"/questionnaires/{questionnaire.pk}/publish/").status_code == 400
    # The export is the resource as kept.
    exported = page.get(f"/questionnaires/{questionnaire.pk}/versions/1/export/")
    assert json.loads(exported.content) == version.definition


def test_a_worker_fills_it_in_for_dana_and_it_shows_on_her_record(personas, web, audit_events):
    questionnaire = _published(
        personas,
        key="tenancy",
        purpose="instrument",
        items=[
            _item(
                "rent",
                "choice",
                options=(
                    qdef.Option("0", T("Not yet", "Todavía no"), Decimal(0)),
                    qdef.Option("1", T("On my own", "Por mi cuenta"), Decimal(1)),
                ),
                required=True,
            ),
            _item("how", "text", enable_when=(qdef.Condition("rent", "=", "1"),)),
        ],
    )
    dana = personas.dana
    page = web(personas.alice)
    url = f"/clients/{dana.pk}/questionnaires/{questionnaire.pk}/new/"
    form = page.get(url).content.decode()
    assert "These are the client's exact words" in form
    # An answer to a question that is not asked is refused, and nothing is written.
    response = page.post(
        url, {"occasion": "entry", "a-rent": "0", "a-how": "I budget", "v-how": "on"}
    )
    assert response.status_code == 400
    assert "not asked" in response.content.decode()
    assert QuestionnaireResponse.objects.count() == 0
    response = page.post(url, {"occasion": "review", "a-rent": "1"})
    assert response.status_code == 400 and "entry first" in response.content.decode()
    response = page.post(url, {"occasion": "entry", "a-rent": "1", "a-how": "I budget"})
    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get()
    assert saved.score == 1 and saved.version.number == 1
    answers, verbatim = qdef.answers_from_response(saved.items)
    assert answers == {"rent": ["1"], "how": ["I budget"]} and verbatim == {"how": False}
    assert list(AnswerValue.objects.values_list("link_id", "code", "number")) == [
        ("rent", "1", Decimal("1.00"))
    ]
    (event,) = audit_events("questionnaire.answered")
    assert event.client_id == dana.pk
    assert "I budget" not in json.dumps(event.changes)
    listing = page.get(f"/clients/{dana.pk}/questionnaires/").content.decode()
    assert "Answers over time" in listing and "tenancy title" in listing
    assert audit_events("questionnaires.viewed")[-1].client_id == dana.pk


def test_old_answers_keep_their_words_through_removed_renamed_and_retyped_items(personas, web, api):
    admin = personas.admin
    questionnaire = _published(
        personas,
        items=[
            _item("income", "choice", options=YES_NO),
            _item("pets", "string"),
            _item("kids", "string"),
        ],
    )
    dana = personas.dana
    services.response_record(
        acting_user=personas.alice,
        client=dana,
        questionnaire_id=questionnaire.pk,
        answers={"income": "yes", "pets": "A cat", "kids": "two"},
    )
    # Version 2: "pets" removed, "income" renamed, "kids" retyped to a number.
    questionnaire = services.draft_item_remove(
        acting_user=admin, questionnaire=questionnaire, link_id="pets"
    )
    questionnaire = services.draft_item_save(
        acting_user=admin,
        questionnaire=questionnaire,
        item=_item(
            "income",
            "choice",
            text=T("Do you have income now?", "¿Tiene ingresos ahora?"),
            options=YES_NO,
        ),
        replacing="income",
    )
    questionnaire = services.draft_item_save(
        acting_user=admin,
        questionnaire=questionnaire,
        item=_item("kids-count", "integer", text=T("How many children?", "¿Cuántos hijos?")),
        replacing="kids",
    )
    services.questionnaire_publish(acting_user=admin, questionnaire=questionnaire)
    services.response_record(
        acting_user=personas.alice,
        client=dana,
        questionnaire_id=questionnaire.pk,
        answers={"income": "no", "kids-count": 2},
    )
    # Version 3: "income" retyped to a yes/no.
    questionnaire.refresh_from_db()
    questionnaire = services.draft_item_save(
        acting_user=admin,
        questionnaire=questionnaire,
        item=_item("income", "boolean", text=T("Any income?", "¿Algún ingreso?")),
        replacing="income",
    )
    services.questionnaire_publish(acting_user=admin, questionnaire=questionnaire)
    services.response_record(
        acting_user=personas.alice,
        client=dana,
        questionnaire_id=questionnaire.pk,
        answers={"income": True},
    )
    first, second, third = QuestionnaireResponse.objects.order_by("id")
    assert [r.version.number for r in (first, second, third)] == [1, 2, 3]
    page = web(personas.alice)
    shown = page.get(f"/clients/{dana.pk}/questionnaires/answers/{first.pk}/").content.decode()
    assert "income question" in shown and "pets question" in shown and "A cat" in shown
    assert "kids question" in shown and "two" in shown
    shown = page.get(f"/clients/{dana.pk}/questionnaires/answers/{second.pk}/").content.decode()
    assert "Do you have income now?" in shown and "pets question" not in shown
    assert "How many children?" in shown
    shown = page.get(f"/clients/{dana.pk}/questionnaires/answers/{third.pk}/").content.decode()
    assert "Any income?" in shown and "Yes" in shown
    # Typed values keep each version's type: codes, a number, a yes/no code.
    rows = sorted(AnswerValue.objects.values_list("response_id", "link_id", "code", "number"))
    assert rows == [
        (first.pk, "income", "yes", None),
        (second.pk, "income", "no", None),
        (second.pk, "kids-count", "", Decimal("2.00")),
        (third.pk, "income", "yes", None),
    ]
    # The API gives each response with its version and a QuestionnaireResponse naming it.
    body = api(personas.alice).get(f"/api/v1/clients/{dana.pk}/questionnaire-responses").json()
    assert [r["version"] for r in body] == [1, 2, 3]
    assert body[0]["resource"]["questionnaire"].endswith("|1")
    assert body[0]["resource"]["item"][1]["answer"] == [{"valueString": "A cat"}]
    old = api(personas.alice).get(f"/api/v1/questionnaires/{questionnaire.pk}?version=1").json()
    assert [i["linkId"] for i in old["resource"]["item"]] == ["income", "pets", "kids"]
    # The report counts each client's newest answers, in the newest version's words.
    from strengthwise.outcomes import reports

    report = reports.report_for(personas.alice, reports.Filters())
    tables = {t.key: t for t in report.tables if t.key.startswith("q.extra.")}
    assert tables["q.extra.income"].title == "extra title: Any income?"
    assert dict(tables["q.extra.income"].rows) == {"Yes": 1, "No": 0}
    assert "q.extra.pets" not in tables and "q.extra.kids-count" not in tables


def test_intake_questions_are_for_the_programs_clients_and_bad_input_changes_nothing(personas, api):
    intake = _published(
        personas,
        key="intake",
        purpose="intake",
        program=personas.family_program,
        items=[_item("served", "boolean", required=True)],
    )
    client = api(personas.alice)
    url = f"/api/v1/clients/{personas.dana.pk}/questionnaire-responses"
    response = client.post(url, {"questionnaire_id": intake.pk, "answers": {"served": True}})
    assert response.status_code == 400
    assert "not in" in response.json()["detail"]
    housing = _published(
        personas,
        key="housing",
        purpose="intake",
        program=personas.housing_program,
        items=[_item("served", "boolean", required=True), _item("when", "date")],
    )
    response = client.post(url, {"questionnaire_id": housing.pk, "answers": {"when": "soon"}})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["served"] == ["This question needs an answer."]
    assert errors["when"] == ["Enter a date as YYYY-MM-DD."]
    response = client.post(url, {"questionnaire_id": 999999, "answers": {}})
    assert response.status_code == 400
    assert QuestionnaireResponse.objects.count() == 0
    response = client.post(
        url, {"questionnaire_id": housing.pk, "answers": {"served": True, "when": "2020-02-03"}}
    )
    assert response.status_code == 201, response.content
    assert response.json()["resource"]["item"][1]["answer"] == [{"valueDate": "2020-02-03"}]


def test_import_names_every_problem_and_writes_nothing(personas, web):
    page = web(personas.admin)
    broken = {
        "resourceType": "Questionnaire",
        "status": "draft",
        "title": "Loop",
        "item": [
            {
                "linkId": "a",
                "type": "string",
                "text": "A",
                "enableWhen": [{"question": "b", "operator": "exists", "answerBoolean": True}],
            },
            {
                "linkId": "b",
                "type": "string",
                "text": "B",
                "enableWhen": [{"question": "a", "operator": "exists", "answerBoolean": True}],
            },
            {"linkId": "c", "type": "choice", "text": "C"},
        ],
    }
    response = page.post(
        "/questionnaires/import/",
        {"key": "loop", "purpose": "client_fields", "text": json.dumps(broken)},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "show each other in a circle" in body
    assert "Question c is a choice with no answers to choose from." in body
    response = page.post(
        "/questionnaires/import/", {"key": "bad", "purpose": "client_fields", "text": "{not json"}
    )
    assert response.status_code == 400 and "This is not JSON" in response.content.decode()
    assert Questionnaire.objects.count() == 0
    # A good file from another agency becomes a draft here.
    resource = qdef.to_fhir(
        qdef.Definition(title=T("Shared", "Compartido"), items=(_item("q1"),)),
        url="https://elsewhere.example/q",
        name="shared",
        status="active",
    )
    response = page.post(
        "/questionnaires/import/",
        {"key": "shared", "purpose": "client_fields", "text": json.dumps(resource)},
    )
    assert response.status_code == 302
    imported = Questionnaire.objects.get(key="shared")
    assert imported.draft["status"] == "draft" and not imported.versions.exists()


def test_outsiders_get_404_and_workers_cannot_edit(personas, web, api):
    questionnaire = _published(personas, items=[_item("q1")])
    services.response_record(
        acting_user=personas.alice,
        client=personas.dana,
        questionnaire_id=questionnaire.pk,
        answers={"q1": "x"},
    )
    response_id = QuestionnaireResponse.objects.get().pk
    dana = personas.dana
    for user in (personas.carol, personas.mallory):
        page = web(user)
        for url in (
            f"/clients/{dana.pk}/questionnaires/",
            f"/clients/{dana.pk}/questionnaires/{questionnaire.pk}/new/",
            f"/clients/{dana.pk}/questionnaires/answers/{response_id}/",
        ):
            assert page.get(url).status_code == 404, (user, url)
        assert (
            api(user).get(f"/api/v1/clients/{dana.pk}/questionnaire-responses").status_code == 404
        )
    assert (
        api(personas.mallory).get(f"/api/v1/questionnaires/{questionnaire.pk}").status_code == 404
    )
    assert api(personas.mallory).get("/api/v1/questionnaires").json() == []
    assert web(personas.alice).get(f"/questionnaires/{questionnaire.pk}/").status_code == 404
    assert (
        web(personas.alice).post(f"/questionnaires/{questionnaire.pk}/publish/").status_code == 404
    )
    with pytest.raises(ValidationFailed):
        services.response_record(
            acting_user=personas.mallory,
            client=personas.mallory_client,
            questionnaire_id=questionnaire.pk,
            answers={"q1": "x"},
        )


def test_a_draft_change_on_a_stale_copy_is_refused(personas):
    questionnaire = _published(personas, items=[_item("q1")])
    stale = Questionnaire.objects.get(pk=questionnaire.pk)
    services.draft_item_save(
        acting_user=personas.admin, questionnaire=questionnaire, item=_item("q2")
    )
    with pytest.raises(DomainError, match="Someone changed this draft"):
        services.draft_item_save(acting_user=personas.admin, questionnaire=stale, item=_item("q3"))


def test_removing_a_question_others_depend_on_is_refused(personas):
    questionnaire = _published(
        personas,
        items=[_item("a", "boolean"), _item("b", enable_when=(qdef.Condition("a", "=", True),))],
    )
    with pytest.raises(DomainError, match=r"\(b\)"):
        services.draft_item_remove(
            acting_user=personas.admin, questionnaire=questionnaire, link_id="a"
        )


def test_the_clients_questionnaire_page_does_not_grow_in_queries(personas, web):
    page = web(personas.alice)
    url = f"/clients/{personas.dana.pk}/questionnaires/"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert page.get(url).status_code == 200
        return len(ctx.captured_queries)

    _published(personas, key="one", items=[_item("q1")])
    one = count()
    for n in range(2, 6):
        q = _published(personas, key=f"more{n}", items=[_item(f"q{k}") for k in range(n * 5)])
        services.response_record(
            acting_user=personas.alice,
            client=personas.dana,
            questionnaire_id=q.pk,
            answers={"q0": "x", "q1": "y"},
        )
    assert count() == one
    assert len(selectors.client_questionnaires(client=personas.dana)) == 5


def test_the_face_sheet_shows_the_newest_answers_in_a_constant_number_of_queries(personas, web):
    page = web(personas.alice)
    url = f"/clients/{personas.dana.pk}/"

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = page.get(url)
            assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    fields = _published(personas, key="fields", items=[_item("q1"), _item("q2", "boolean")])
    services.response_record(
        acting_user=personas.alice,
        client=personas.dana,
        questionnaire_id=fields.pk,
        answers={"q1": "Green", "q2": True},
    )
    page.get(url)  # the first view stores Dana's due tasks (tasks/due.py)
    before, body = count()
    assert "More about the client" in body and "Green" in body
    for n in range(4):
        q = _published(personas, key=f"wide{n}", items=[_item(f"f{k}") for k in range(25)])
        services.response_record(
            acting_user=personas.alice,
            client=personas.dana,
            questionnaire_id=q.pk,
            answers={f"f{k}": f"answer {k}" for k in range(25)},
        )
    after, body = count()
    assert after == before
    assert "answer 24" in body


def test_a_long_questionnaire_renders_and_saves_in_a_constant_number_of_queries(personas, web):
    """The page budget at 100 questions: the fill-in form and its save cost the same number of
    queries for 5 questions as for 100 (the answers' columns are written in one insert)."""
    page = web(personas.alice)
    dana = personas.dana

    def measure(n: int) -> tuple[int, int]:
        q = _published(
            personas,
            key=f"long{n}",
            items=[
                _item(f"q{k}", "choice" if k % 2 else "integer", options=YES_NO if k % 2 else ())
                for k in range(n)
            ],
        )
        url = f"/clients/{dana.pk}/questionnaires/{q.pk}/new/"
        with CaptureQueriesContext(connection) as ctx:
            assert page.get(url).status_code == 200
        shown = len(ctx.captured_queries)
        data = {f"a-q{k}": ("yes" if k % 2 else str(k)) for k in range(n)}
        with CaptureQueriesContext(connection) as ctx:
            assert page.post(url, data).status_code == 302
        saved = len(ctx.captured_queries)
        assert AnswerValue.objects.filter(questionnaire=q).count() == n
        return shown, saved

    assert measure(5) == measure(100)


def test_the_face_sheet_asks_for_the_intake_questions_of_the_clients_programs(personas, web):
    intake = _published(
        personas,
        key="housing-intake",
        purpose="intake",
        program=personas.housing_program,
        items=[_item("served", "boolean")],
    )
    _published(
        personas,
        key="family-intake",
        purpose="intake",
        program=personas.family_program,
        items=[_item("kids", "integer")],
    )
    page = web(personas.alice)
    body = page.get(f"/clients/{personas.dana.pk}/").content.decode()
    assert "housing-intake title: not asked yet." in body
    assert "family-intake title" not in body  # Dana is not in Family Support
    services.response_record(
        acting_user=personas.alice,
        client=personas.dana,
        questionnaire_id=intake.pk,
        answers={"served": False},
    )
    body = page.get(f"/clients/{personas.dana.pk}/").content.decode()
    assert "not asked yet" not in body


def test_admins_import_and_publish_through_the_api_and_others_cannot(personas, api):
    resource = qdef.to_fhir(
        qdef.Definition(
            title=T("Shared", "Compartido"),
            items=(_item("q1", "choice", options=YES_NO, required=True),),
        ),
        url="https://elsewhere.example/q",
        name="shared",
    )
    body = {"key": "shared", "purpose": "client_fields", "resource": resource}
    assert api(personas.alice).post("/api/v1/questionnaires", body).status_code == 404
    admin = api(personas.admin)
    broken = {
        **body,
        "resource": {**resource, "item": [{"linkId": "x", "type": "choice", "text": "X"}]},
    }
    response = admin.post("/api/v1/questionnaires", broken)
    assert response.status_code == 400
    assert (
        "Question x is a choice with no answers to choose from."
        in response.json()["errors"]["definition"]
    )
    assert Questionnaire.objects.count() == 0
    response = admin.post("/api/v1/questionnaires", body)
    assert response.status_code == 201, response.content
    qid = response.json()["id"]
    assert api(personas.alice).post(f"/api/v1/questionnaires/{qid}/publish", {}).status_code == 404
    response = admin.post(f"/api/v1/questionnaires/{qid}/publish", {})
    assert response.status_code == 201 and response.json()["version"] == 1
    listed = api(personas.alice).get("/api/v1/questionnaires").json()
    assert [q["key"] for q in listed] == ["shared"]
    assert admin.post(f"/api/v1/questionnaires/{qid}/publish", {}).status_code == 400


# --- what the review found: odd input never a 500, never saved wrong ---------------------------


def test_odd_input_is_refused_with_a_reason_never_a_500(personas, web):
    page = web(personas.admin)
    nested = "[" * 5000 + "]" * 5000
    response = page.post(
        "/questionnaires/import/", {"key": "deep", "purpose": "client_fields", "text": nested}
    )
    assert response.status_code == 400 and "This is not JSON" in response.content.decode()
    q = services.questionnaire_create(
        acting_user=personas.admin, key="scores", purpose="instrument", title_en="Scores"
    )
    for score in ("sNaN", "NaN", "Infinity", "1e13", "0.125"):
        response = page.post(
            f"/questionnaires/{q.pk}/items/new/",
            {
                "link_id": "s",
                "type": "choice",
                "author": "client",
                "text_en": "S",
                "options": f"a | A | A | {score}\nb | B | B | 1",
            },
        )
        assert response.status_code == 400, score
        assert "must be a number under a million" in response.content.decode(), score
    # An empty group may wait in a draft (its questions come next); not be published.
    response = page.post(
        f"/questionnaires/{q.pk}/items/new/",
        {
            "link_id": "g",
            "type": "group",
            "author": "client",
            "text_en": "Group",
            "text_es": "Grupo",
        },
    )
    assert response.status_code == 302
    q.refresh_from_db()
    with pytest.raises(ValidationFailed):
        services.questionnaire_publish(acting_user=personas.admin, questionnaire=q)


def test_a_spanish_speaking_admin_edits_an_empty_draft(personas, web):
    page = web(personas.admin)
    page.cookies["django_language"] = "es"
    q = services.questionnaire_create(
        acting_user=personas.admin, key="vacio", purpose="client_fields", title_en="Empty"
    )
    response = page.post(f"/questionnaires/{q.pk}/", {"title_en": "Empty", "title_es": "Vacío"})
    assert response.status_code == 302
    q.refresh_from_db()
    assert q.draft["_title"]["extension"][0]["extension"][1]["valueString"] == "Vacío"


def test_a_bad_date_is_refused_not_saved_as_today(personas, web):
    q = _published(personas, items=[_item("q1")])
    url = f"/clients/{personas.dana.pk}/questionnaires/{q.pk}/new/"
    response = web(personas.alice).post(url, {"a-q1": "hello", "answered_on": "2024-13-45"})
    assert response.status_code == 400
    assert "Enter the date as YYYY-MM-DD." in response.content.decode()
    assert QuestionnaireResponse.objects.count() == 0


def test_answers_to_a_version_replaced_meanwhile_are_refused_and_kept_on_screen(personas, web):
    q = _published(personas, items=[_item("q1")])
    q = services.draft_item_save(acting_user=personas.admin, questionnaire=q, item=_item("q2"))
    services.questionnaire_publish(acting_user=personas.admin, questionnaire=q)
    url = f"/clients/{personas.dana.pk}/questionnaires/{q.pk}/new/"
    response = web(personas.alice).post(url, {"a-q1": "typed before", "version": "1"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "A new version of these questions was published" in body and "typed before" in body
    assert QuestionnaireResponse.objects.count() == 0


def test_publishing_reads_the_draft_as_it_is_now(personas):
    q = _published(personas, items=[_item("a")])
    stale = Questionnaire.objects.get(pk=q.pk)
    services.draft_item_save(acting_user=personas.admin, questionnaire=q, item=_item("b"))
    version = services.questionnaire_publish(acting_user=personas.admin, questionnaire=stale)
    assert [i["linkId"] for i in version.definition["item"]] == ["a", "b"]


def test_a_stale_page_cannot_overwrite_the_draft(personas, web):
    q = _published(personas, items=[_item("a")])
    page = web(personas.admin)
    stamp = services.draft_stamp(q)
    services.draft_item_save(acting_user=personas.admin, questionnaire=q, item=_item("b"))
    response = page.post(
        f"/questionnaires/{q.pk}/", {"title_en": "Overwritten", "title_es": "x", "seen": stamp}
    )
    assert response.status_code == 400
    assert "Someone changed this draft" in response.content.decode()


def test_imported_required_is_only_true_when_it_says_true(personas):
    resource = {
        "resourceType": "Questionnaire",
        "status": "draft",
        "title": "T",
        "item": [{"linkId": "a", "type": "string", "text": "A", "required": False}],
    }
    assert qdef.read(resource).items[0].required is False
    resource["item"][0]["required"] = True
    assert qdef.read(resource).items[0].required is True


def test_the_editor_page_moves_a_question_between_groups_and_keeps_imported_codes(personas, web):
    loinc = "http://loinc.org"
    resource = {
        "resourceType": "Questionnaire",
        "status": "draft",
        "title": "Food",
        "item": [
            {
                "linkId": "worry",
                "type": "choice",
                "code": [{"system": loinc, "code": "88122-7"}],
                "text": "Worried food would run out",
                "answerOption": [
                    {"valueCoding": {"system": loinc, "code": "LA28397-0", "display": "Often"}},
                    {"valueCoding": {"system": loinc, "code": "LA28398-8", "display": "Never"}},
                ],
            },
            {
                "linkId": "more",
                "type": "group",
                "text": "More",
                "item": [{"linkId": "else", "type": "string", "text": "Anything else?"}],
            },
        ],
    }
    questionnaire = services.questionnaire_import(
        acting_user=personas.admin,
        key="food",
        purpose="client_fields",
        text=json.dumps(resource),
    )
    page = web(personas.admin)
    response = page.post(
        f"/questionnaires/{questionnaire.pk}/items/worry/",
        {
            "link_id": "worry",
            "type": "choice",
            "author": "client",
            "text_en": "Worried the food would run out",
            "text_es": "Le preocupó que se acabara la comida",
            "options": "LA28397-0 | Often | A menudo\nLA28398-8 | Never | Nunca",
            "parent": "more",
        },
    )
    assert response.status_code == 302
    questionnaire.refresh_from_db()
    saved = qdef.read(questionnaire.draft)
    assert [i.link_id for i in saved.items] == ["more"]
    worry = saved.find("more").items[-1]
    assert worry.codes == (qdef.Coding(loinc, "88122-7"),)
    assert {o.system for o in worry.options} == {loinc}
    assert worry.text.en == "Worried the food would run out"
