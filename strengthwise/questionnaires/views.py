"""Pages: the admins' questionnaire editor (settings) and, on a client's record, the agency's
questions filled in with the client. Thin: the services and selectors do the work."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import (
    access_client,
    access_questionnaire,
    may_edit_questionnaires,
)
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.errors import Conflict, DomainError, ValidationFailed
from strengthwise.core.htmx import render_page
from strengthwise.core.validation import parse_id

from . import definition as qdef
from . import selectors, services
from .forms import ImportForm, ItemForm, QuestionnaireForm, TitleForm, answers_from_post, rows
from .models import Questionnaire, QuestionnaireResponse


def _not_allowed(request: StaffRequest) -> HttpResponse:
    message = _("Only the agency's admins change its questionnaires.")
    return render(request, "not_allowed.html", {"message": message}, status=403)


def _errors_into(form: Any, error: DomainError) -> list[str]:
    """Field errors onto the form; what belongs to no field (the definition's problems) back."""
    loose: list[str] = []
    for field, problems in error.field_errors.items():
        for problem in problems:
            if form is not None and field in form.fields:
                form.add_error(field, problem)
            else:
                loose.append(problem)
    return loose or [error.message]


# --- the editor (agency admins) -----------------------------------------------------------------


@login_required
def editor_list(request: StaffRequest) -> HttpResponse:
    if not may_edit_questionnaires(request.user):
        return _not_allowed(request)
    return render_page(
        request,
        "questionnaires/list.html",
        {"questionnaires": selectors.questionnaire_list(visible_to=request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def editor_new(request: StaffRequest) -> HttpResponse:
    if not may_edit_questionnaires(request.user):
        return _not_allowed(request)
    programs = selectors.agency_programs(visible_to=request.user)
    form = QuestionnaireForm(request.POST or None, programs=programs)
    status = 200
    problems: list[str] = []
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                questionnaire = services.questionnaire_create(
                    acting_user=request.user,
                    key=data["key"],
                    purpose=data["purpose"],
                    title_en=data["title_en"],
                    title_es=data["title_es"],
                    program_id=data["program"] or None,
                )
            except DomainError as error:
                problems = _errors_into(form, error)
            else:
                messages.success(request, _("Questionnaire created. Add its questions."))
                return redirect("questionnaires:edit", questionnaire_id=questionnaire.pk)
    return render_page(
        request,
        "questionnaires/new.html",
        {"form": form, "problems": problems if form.errors or problems else []},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def editor_import(request: StaffRequest, questionnaire_id: int | None = None) -> HttpResponse:
    if not may_edit_questionnaires(request.user):
        return _not_allowed(request)
    into = (
        access_questionnaire(request.user, questionnaire_id, edit=True)
        if questionnaire_id
        else None
    )
    programs = selectors.agency_programs(visible_to=request.user)
    form = ImportForm(
        request.POST or None, request.FILES or None, programs=programs, replacing=into is not None
    )
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                questionnaire = services.questionnaire_import(
                    acting_user=request.user,
                    text=form.content(),
                    key=data.get("key", ""),
                    purpose=data.get("purpose", ""),
                    program_id=data.get("program") or None,
                    into=into,
                )
            except DomainError as error:
                problems = _errors_into(form, error)
            else:
                messages.success(request, _("Imported as a draft. Check it, then publish."))
                return redirect("questionnaires:edit", questionnaire_id=questionnaire.pk)
    return render_page(
        request,
        "questionnaires/import.html",
        {"form": form, "problems": problems, "into": into},
        status=status,
    )


def _editor_context(questionnaire: Questionnaire) -> dict[str, Any]:
    definition = qdef.read(questionnaire.draft)
    parents = {c.link_id: i.link_id for i in definition.items for c in i.items}
    return {
        "questionnaire": questionnaire,
        "seen": services.draft_stamp(questionnaire),
        "definition": definition,
        "items": [
            {"item": item, "parent": parents.get(item.link_id, "")} for item in definition.walk()
        ],
        "problems": qdef.problems(definition),
        "spanish_missing": qdef.spanish_missing(definition),
        "empty": not definition.questions(),
        "versions": selectors.versions(questionnaire=questionnaire),
        "title_form": TitleForm(
            initial={
                "title_en": definition.title.en,
                "title_es": definition.title.es,
                "description_en": definition.description.en,
                "description_es": definition.description.es,
            }
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def editor(request: StaffRequest, questionnaire_id: int) -> HttpResponse:
    """The draft: its title, its items (edit, move, remove), what stops it being published."""
    questionnaire = access_questionnaire(request.user, questionnaire_id, edit=True)
    context = _editor_context(questionnaire)
    status = 200
    if request.method == "POST":
        form = TitleForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.draft_title_save(
                    acting_user=request.user,
                    questionnaire=questionnaire,
                    seen=request.POST.get("seen"),
                    **form.cleaned_data,
                )
            except DomainError as error:
                context["action_errors"] = _errors_into(form, error)
            else:
                messages.success(request, _("Title saved."))
                return redirect("questionnaires:edit", questionnaire_id=questionnaire.pk)
        context["title_form"] = form
    return render_page(request, "questionnaires/editor.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: StaffRequest, questionnaire_id: int, link_id: str = "") -> HttpResponse:
    questionnaire = access_questionnaire(request.user, questionnaire_id, edit=True)
    definition = qdef.read(questionnaire.draft)
    existing = definition.find(link_id) if link_id else None
    if link_id and existing is None:
        raise Http404("No such question")
    parent = qdef.parent_of(definition, link_id)
    initial = (
        ItemForm.initial_for(existing, parent)
        if existing
        else {
            "author": "client",
            "type": request.GET.get("type", "string"),
            "parent": request.GET.get("parent", ""),
        }
    )
    form = ItemForm(request.POST or None, initial=initial, definition=definition, editing=link_id)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.draft_item_save(
                    acting_user=request.user,
                    questionnaire=questionnaire,
                    item=form.item(),
                    parent=form.cleaned_data["parent"],
                    replacing=link_id,
                    seen=request.POST.get("seen"),
                )
            except Conflict as error:
                problems = [error.message]
                status = 409
            except DomainError as error:
                problems = _errors_into(form, error)
            else:
                messages.success(request, _("Question saved in the draft."))
                return redirect("questionnaires:edit", questionnaire_id=questionnaire.pk)
    return render_page(
        request,
        "questionnaires/item.html",
        {
            "questionnaire": questionnaire,
            "form": form,
            "existing": existing,
            "problems": problems,
            "seen": request.POST.get("seen") or services.draft_stamp(questionnaire),
        },
        status=status,
    )


@login_required
@require_POST
def item_change(request: StaffRequest, questionnaire_id: int, link_id: str) -> HttpResponse:
    """Move an item up or down, or remove it (`action`)."""
    questionnaire = access_questionnaire(request.user, questionnaire_id, edit=True)
    action = request.POST.get("action", "")
    try:
        if action == "remove":
            services.draft_item_remove(
                acting_user=request.user,
                questionnaire=questionnaire,
                link_id=link_id,
                seen=request.POST.get("seen"),
            )
            messages.success(request, _("Question removed from the draft."))
        elif action in ("up", "down"):
            services.draft_item_move(
                acting_user=request.user,
                questionnaire=questionnaire,
                link_id=link_id,
                step=-1 if action == "up" else 1,
                seen=request.POST.get("seen"),
            )
        else:
            messages.error(request, _("Choose move up, move down or remove."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("questionnaires:edit", questionnaire_id=questionnaire.pk)


@login_required
@require_POST
def publish(request: StaffRequest, questionnaire_id: int) -> HttpResponse:
    questionnaire = access_questionnaire(request.user, questionnaire_id, edit=True)
    try:
        version = services.questionnaire_publish(
            acting_user=request.user, questionnaire=questionnaire
        )
    except DomainError as error:
        context = _editor_context(questionnaire)
        context["action_errors"] = _errors_into(None, error)
        return render_page(request, "questionnaires/editor.html", context, status=400)
    messages.success(
        request, _("Version %(n)s published. Workers now fill it in.") % {"n": version.number}
    )
    return redirect("questionnaires:edit", questionnaire_id=questionnaire.pk)


@login_required
@require_POST
def retire(request: StaffRequest, questionnaire_id: int) -> HttpResponse:
    questionnaire = access_questionnaire(request.user, questionnaire_id, edit=True)
    retired = request.POST.get("retired") != "0"
    try:
        services.questionnaire_retire(
            acting_user=request.user, questionnaire=questionnaire, retired=retired
        )
    except DomainError as error:
        context = _editor_context(questionnaire)
        context["action_errors"] = _errors_into(None, error)
        return render_page(request, "questionnaires/editor.html", context, status=400)
    messages.success(
        request,
        _("No longer offered; every answer stays on the records.")
        if retired
        else _("Offered again."),
    )
    return redirect("questionnaires:edit", questionnaire_id=questionnaire.pk)


@login_required
def preview(request: StaffRequest, questionnaire_id: int) -> HttpResponse:
    """The draft as a worker will see it, in English or Spanish (`?lang=es`)."""
    questionnaire = access_questionnaire(request.user, questionnaire_id, edit=True)
    language = "es" if request.GET.get("lang") == "es" else "en"
    definition = qdef.read(questionnaire.draft)
    return render_page(
        request,
        "questionnaires/preview.html",
        {
            "questionnaire": questionnaire,
            "title": definition.title.get(language),
            "rows": rows(definition, language=language),
            "language": language,
        },
    )


@login_required
def export(request: StaffRequest, questionnaire_id: int, number: int | None = None) -> HttpResponse:
    """The draft, or a published version, as FHIR Questionnaire JSON (a download)."""
    questionnaire = access_questionnaire(request.user, questionnaire_id, edit=number is None)
    if number is None:
        resource, name = questionnaire.draft, f"{questionnaire.key}-draft.json"
    else:
        version = selectors.version_get(questionnaire=questionnaire, number=number)
        if version is None:
            raise Http404("No such version")
        resource, name = version.definition, f"{questionnaire.key}-v{number}.json"
    response = JsonResponse(resource, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- on the client's record ---------------------------------------------------------------------


def _language(request: StaffRequest) -> str:
    return "es" if (request.LANGUAGE_CODE or "").startswith("es") else "en"


def _response_view(response: QuestionnaireResponse, language: str) -> dict[str, Any]:
    definition = selectors.definition_of(response.version)
    answers, verbatim = qdef.answers_from_response(response.items)
    return {
        "response": response,
        "definition": definition,
        "rows": rows(definition, language=language, answers=answers, verbatim=verbatim),
    }


def _comparison(entry: dict[str, Any], language: str) -> dict[str, Any] | None:
    """For an instrument: each question's answers across its fillings (scored ones as scores),
    aligned by link id, in the words of the newest version that has the question."""
    given = entry["responses"]
    if entry["questionnaire"].purpose != Questionnaire.Purpose.INSTRUMENT or not given:
        return None
    columns = []
    labels: dict[str, str] = {}
    order: list[str] = []
    for response in given:
        definition = selectors.definition_of(response.version)
        answers, _marks = qdef.answers_from_response(response.items)
        shown = {}
        for item in definition.questions():
            if item.link_id not in order:
                order.append(item.link_id)
            labels[item.link_id] = item.text.get(language)
            values = answers.get(item.link_id, [])
            if item.scored:
                scores = [o.score for v in values if (o := item.option(v)) and o.score is not None]
                shown[item.link_id] = ", ".join(format(s.normalize(), "f") for s in scores)
            else:
                shown[item.link_id] = ", ".join(
                    r for r in (_plain(item, v, language) for v in values)
                )
        columns.append({"response": response, "values": shown})
    table = [
        (labels[link_id], [c["values"].get(link_id, "") for c in columns]) for link_id in order
    ]
    return {"columns": columns, "table": table}


def _plain(item: qdef.Item, value: Any, language: str) -> str:
    if item.type == "choice":
        option = item.option(value)
        return option.text.get(language) if option else str(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


@login_required
def client_list(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, request=request, read="questionnaires.viewed")
    language = _language(request)
    entries = selectors.client_questionnaires(client=client)
    for entry in entries:
        entry["latest_view"] = (
            _response_view(entry["responses"][-1], language) if entry["responses"] else None
        )
        entry["comparison"] = _comparison(entry, language)
    return render_page(
        request,
        "questionnaires/client.html",
        {"client": client, "tab": "questionnaires", "entries": entries},
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_fill(request: StaffRequest, client_id: int, questionnaire_id: int) -> HttpResponse:
    client = access_client(
        request.user,
        client_id,
        write=request.method == "POST",
        request=request,
        read="questionnaires.viewed",
    )
    questionnaire = access_questionnaire(request.user, questionnaire_id)
    version = selectors.latest_version(questionnaire)
    if version is None or questionnaire.retired:
        raise Http404("Not published")
    definition = selectors.definition_of(version)
    language = _language(request)
    answers: dict[str, list[Any]] = {}
    verbatim: dict[str, bool] = {}
    errors: dict[str, list[str]] = {}
    problems: list[str] = []
    status = 200
    occasion = request.POST.get("occasion", "")
    answered_on = request.POST.get("answered_on") or timezone.localdate().isoformat()
    if request.method == "POST":
        raw, verbatim = answers_from_post(definition, request.POST)
        day = parse_date_or_none(answered_on)
        shown_version = parse_id(request.POST.get("version"))
        try:
            if day is None:
                raise ValidationFailed(
                    _("Enter the date as YYYY-MM-DD."),
                    field_errors={"answered_on": [_("Enter the date as YYYY-MM-DD.")]},
                )
            services.response_record(
                acting_user=request.user,
                client=client,
                questionnaire_id=questionnaire.pk,
                answers=raw,
                exact_words=verbatim,
                occasion=occasion,
                answered_on=day,
                version_number=shown_version,
            )
        except DomainError as error:
            status = error.status_code
            errors = {k: v for k, v in error.field_errors.items()}
            problems = errors.pop("", []) + [
                p for k in ("occasion", "answered_on", "questionnaire") for p in errors.pop(k, [])
            ]
            problems = problems or [error.message]
            # Keep what was typed: the answers as given (typed where they could be read).
            answers = {k: v if isinstance(v, list) else [v] for k, v in raw.items() if v}
        else:
            messages.success(request, _("Answers saved."))
            return redirect("questionnaires:client", client_id=client.pk)
    elif questionnaire.purpose == Questionnaire.Purpose.CLIENT_FIELDS:
        # The record's fields start from what is on the record now.
        for response in selectors.newest_responses(client=client):
            if response.questionnaire_id == questionnaire.pk:
                answers, verbatim = qdef.answers_from_response(response.items)
    return render_page(
        request,
        "questionnaires/fill.html",
        {
            "client": client,
            "tab": "questionnaires",
            "questionnaire": questionnaire,
            "version": version,
            "title": definition.title.get(language),
            "description": definition.description.get(language),
            "rows": rows(
                definition, language=language, answers=answers, verbatim=verbatim, errors=errors
            ),
            "problems": problems,
            "occasions": QuestionnaireResponse.Occasion.choices,
            "occasion": occasion,
            "answered_on": answered_on,
        },
        status=status,
    )


def parse_date_or_none(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


@login_required
def client_response(request: StaffRequest, client_id: int, response_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, request=request, read="questionnaires.viewed")
    pk = parse_id(response_id)
    response = selectors.response_get(client=client, response_id=pk) if pk else None
    if response is None:
        raise Http404("No such answers")
    view = _response_view(response, _language(request))
    return render_page(
        request,
        "questionnaires/response.html",
        {
            "client": client,
            "tab": "questionnaires",
            **view,
            "title": view["definition"].title.get(_language(request)),
        },
    )
