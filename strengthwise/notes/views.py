"""Contact notes, the language helper while writing, notes search, the agency's language list,
and progress check-ins on a goal."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import access_client, may_administer
from strengthwise.accounts.http import StaffRequest
from strengthwise.core import svg
from strengthwise.core.errors import DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.htmx import render_page
from strengthwise.core.text import show_date

from . import formats, selectors, services
from .forms import (
    AddendumForm,
    CheckInForm,
    ClientTermsForm,
    LanguageTermForm,
    NoteForm,
    SearchForm,
)
from .models import Note


def _note_of(request: StaffRequest, client: Any, note_id: int, *, write: bool = False) -> Note:
    return selectors.note_of(
        visible_to=request.user, client=client, note_id=note_id, write=write, request=request
    )


def _note_form(note: Note, data: Any = None) -> NoteForm:
    initial = {
        "contact_type": note.contact_type,
        "contact_date": note.contact_date,
        "duration_minutes": note.duration_minutes,
        "present": note.present,
        "format": note.format,
        "goals": [str(g.pk) for g in note.goals.all()],
        **{f"s_{k}": v for k, v in note.sections.items()},
        "quotes": json.dumps(note.quotes),
    }
    return NoteForm(data, initial=initial, goals=selectors.goals_to_link(client=note.client))


@login_required
def note_list(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, request=request, read="notes.viewed")
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    notes = (
        selectors.search(request.user, query, client=client)
        if query
        else list(selectors.notes_for(client, request.user))
    )
    context = {
        "client": client,
        "notes": notes,
        "search": search,
        "query": query,
        "tab": "notes",
        "terms_form": ClientTermsForm(initial={"terms": "; ".join(selectors.own_terms(client))}),
    }
    return render_page(request, "notes/note_list.html", context, partial="results")


@login_required
@require_POST
def note_start(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    try:
        note = services.note_start(
            acting_user=request.user,
            client=client,
            goal_id=request.POST.get("goal") or None,
            request=request,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("notes:list", client_id=client.pk)
    return redirect("notes:note", client_id=client.pk, note_id=note.pk)


@login_required
@require_http_methods(["GET", "POST"])
def note_detail(request: StaffRequest, client_id: int, note_id: int) -> HttpResponse:
    """A draft opens for writing (autosaving); a signed note shows with its addenda."""
    client = access_client(request.user, client_id, write=request.method == "POST", request=request)
    note = selectors.note_of(
        visible_to=request.user,
        client=client,
        note_id=note_id,
        write=request.method == "POST",
        read=request.method == "GET",
        request=request,
    )
    status = 200
    form = _note_form(note)
    if request.method == "POST" and note.signed:
        form = _note_form(note, request.POST)
        form.is_valid()
        form.add_error(
            None, _("This note is signed and cannot be changed. Add a dated addendum instead.")
        )
        return _render_note(request, client, note, form, status=409)
    if request.method == "POST" and not note.signed:
        form = _note_form(note, request.POST)
        status = 400
        if form.is_valid():
            try:
                note = _save(request, note, form)
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                if "sign" in request.POST:
                    try:
                        services.note_sign(acting_user=request.user, note=note, request=request)
                    except DomainError as error:
                        apply_domain_error(form, error)
                        return _render_note(request, client, note, form, status=400)
                    messages.success(request, _("Note signed. Corrections go in dated addenda."))
                    return redirect("notes:note", client_id=client.pk, note_id=note.pk)
                messages.success(request, _("Draft saved."))
                return redirect("notes:note", client_id=client.pk, note_id=note.pk)
    return _render_note(request, client, note, form, status=status)


def _save(request: StaffRequest, note: Note, form: NoteForm) -> Note:
    data = form.cleaned_data
    return services.note_save(
        acting_user=request.user,
        note=note,
        fields={k: data[k] for k in services.NOTE_FIELDS},
        sections=form.sections(),
        goal_ids=data["goals"],
        quotes=data.get("quotes"),
    )


def _render_note(
    request: StaffRequest, client: Any, note: Note, form: NoteForm, *, status: int = 200
) -> HttpResponse:
    fmt = form.data.get("format") if form.is_bound else note.format
    fmt = fmt if fmt in formats.formats() else note.format
    context = {
        "client": client,
        "note": note,
        "form": form,
        "section_fields": form.section_fields(fmt),
        "findings": selectors.note_findings(note) if not note.signed else {},
        "addendum_form": AddendumForm(),
        "tab": "notes",
    }
    return render_page(request, "notes/note_detail.html", context, status=status)


@require_POST
def note_autosave(request: HttpRequest, client_id: int, note_id: int) -> HttpResponse:
    """htmx autosave (every few seconds while typing, and on leaving a field). Answers 401 —
    never a redirect to the sign-in page — when the session has ended, so the page keeps the
    words on screen and says they were not saved."""
    if not request.user.is_authenticated:
        return HttpResponse(_("Not saved: your session ended."), status=401)
    staff: StaffRequest = request  # type: ignore[assignment]
    client = access_client(staff.user, client_id, write=True, request=request)
    note = _note_of(staff, client, note_id, write=True)
    form = _note_form(note, request.POST)
    error = ""
    if form.is_valid():
        try:
            note = _save(staff, note, form)
        except DomainError as refusal:
            error = refusal.message
    else:
        error = _("Not saved: %(problems)s") % {
            "problems": "; ".join(
                f"{form.fields[k].label}: {' '.join(str(e) for e in v)}"
                for k, v in form.errors.items()
                if k in form.fields
            )
        }
    context = {
        "note": note,
        "error": error,
        "findings": selectors.note_findings(note) if not note.signed else {},
        "oob": True,
    }
    return render_page(request, "notes/note_detail.html#autosave", context)


@login_required
@require_POST
def note_discard(request: StaffRequest, client_id: int, note_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    note = _note_of(request, client, note_id, write=True)
    try:
        services.note_discard(acting_user=request.user, note=note, request=request)
        messages.success(request, _("Draft discarded."))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("notes:note", client_id=client.pk, note_id=note.pk)
    return redirect("notes:list", client_id=client.pk)


@login_required
@require_POST
def addendum_add(request: StaffRequest, client_id: int, note_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    note = _note_of(request, client, note_id, write=True)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.addendum_add(
                acting_user=request.user, note=note, text=form.cleaned_data["text"], request=request
            )
            messages.success(request, _("Addendum added."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Write the addendum (up to 5,000 characters)."))
    return redirect("notes:note", client_id=client.pk, note_id=note.pk)


@login_required
@require_POST
def client_terms(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    form = ClientTermsForm(request.POST)
    if form.is_valid():
        try:
            services.client_terms_save(
                acting_user=request.user,
                client=client,
                terms=form.cleaned_data["terms"],
                request=request,
            )
            messages.success(
                request, _("Their own words are saved; the helper will not flag them.")
            )
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("notes:list", client_id=client.pk)


@login_required
def search(request: StaffRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = (
        selectors.search_recorded(visible_to=request.user, query=query, request=request)
        if query
        else []
    )
    return render_page(
        request,
        "notes/search.html",
        {"form": form, "query": query, "results": results},
        partial="results",
    )


@login_required
@require_http_methods(["GET", "POST"])
def language_list(request: StaffRequest) -> HttpResponse:
    """The agency's language list: admins add, change and retire terms; everyone can read it."""
    agency = request.user.agency
    if agency is None:
        raise Http404("Not found")
    is_admin = may_administer(request.user)
    services.language_terms(agency)  # seeds the list the first time
    row = selectors.language_term_of(
        agency=agency, term_id=request.POST.get("id") or request.GET.get("edit")
    )
    form = LanguageTermForm(instance=row)
    status = 200
    if request.method == "POST":
        if not is_admin:
            raise Http404("Not found")
        form = LanguageTermForm(request.POST, instance=row)
        status = 400
        if form.is_valid():
            try:
                services.language_term_save(
                    acting_user=request.user,
                    agency=agency,
                    fields=form.cleaned_data,
                    term=row,
                    request=request,
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("The language list is saved."))
                return redirect("notes:language")
    context = {
        "terms": selectors.language_list(agency=agency),
        "form": form,
        "editing": row,
        "is_admin": is_admin,
    }
    return render_page(request, "notes/language_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def goal_progress(request: StaffRequest, client_id: int, goal_id: int) -> HttpResponse:
    """A goal's timeline: check-ins by the client and the worker, readiness, and the notes
    about it."""
    client = access_client(request.user, client_id, write=request.method == "POST", request=request)
    goal = selectors.goal_for_progress(
        visible_to=request.user,
        client=client,
        goal_id=goal_id,
        write=request.method == "POST",
        read=request.method != "POST",
        request=request,
    )
    form = CheckInForm(request.POST or None, initial={"checked_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.checkin_add(
                    acting_user=request.user, goal=goal, fields=form.cleaned_data, request=request
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Check-in recorded."))
                return redirect("notes:goal-progress", client_id=client.pk, goal_id=goal.pk)
    checkins = selectors.checkins_for(goal)
    chart = ""
    if checkins:
        chart = svg.line_chart(
            title=_("Progress on this goal (0–10)"),
            x_labels=[show_date(c.checked_on) for c in checkins],
            series=[
                svg.Series(_("Client's rating"), [c.client_rating for c in checkins]),
                svg.Series(_("Worker's rating"), [c.worker_rating for c in checkins]),
                svg.Series(_("Confidence"), [c.confidence for c in checkins]),
            ],
            y_min=0,
            y_max=10,
            y_ticks=[0, 2, 4, 6, 8, 10],
            id_prefix="progress",
        )
    context = {
        "client": client,
        "goal": goal,
        "checkins": checkins,
        "chart": chart,
        "form": form,
        "notes": selectors.notes_about_goal(visible_to=request.user, goal=goal),
        "tab": "plan",
    }
    return render_page(request, "notes/goal_progress.html", context, status=status)
