"""Pages for caseloads, search, intake, the face sheet and editing a client."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import (
    access_client,
    access_client_object,
    may_see_address_of,
)
from strengthwise.accounts.http import StaffRequest
from strengthwise.audit.services import audit_record
from strengthwise.core.errors import Conflict, DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.htmx import render_page
from strengthwise.core.text import fold

from . import selectors, services
from .face_sheet import face_sheet_sections
from .forms import ClientForm, HouseholdMemberForm, IntakeForm, SearchForm
from .models import HouseholdMember

PAGE_SIZE = 25


@login_required
def caseload(request: StaffRequest) -> HttpResponse:
    scope = "team" if request.GET.get("scope") == "team" else "mine"
    clients = selectors.client_caseload(visible_to=request.user, scope=scope)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "people/client_caseload.html",
        {"page": page, "scope": scope, "search_form": SearchForm()},
    )


@login_required
def search(request: StaffRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    results: list[Any] = []
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        results = selectors.client_search(visible_to=request.user, query=query)
    return render_page(
        request,
        "people/client_search.html",
        {"search_form": form, "results": results, "query": query},
        partial="results",
    )


def _duplicate_check_key(data: Any) -> str:
    """What the duplicate check looked at; a confirmation only counts for the same details."""
    parts = [data.get(n) or "" for n in ("legal_first_name", "legal_last_name", "preferred_name")]
    return "|".join([*(fold(str(p)) for p in parts), str(data.get("date_of_birth") or "")])


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: StaffRequest) -> HttpResponse:
    matches: list[dict[str, Any]] = []
    form = IntakeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = _duplicate_check_key(data)
        try:
            client = services.client_intake(
                acting_user=request.user,
                fields=data,
                confirm_not_duplicate=data.get("duplicates_checked_for") == key,
            )
        except services.PossibleDuplicates as dup:
            matches = selectors.duplicate_match_summaries(
                visible_to=request.user, matches=dup.matches
            )
            again = request.POST.copy()
            again["duplicates_checked_for"] = (
                key  # saving these same details again means "I have looked"
            )
            form = IntakeForm(again)
            form.is_valid()
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is on record. Start with their strengths.")
                % {"name": client.display_name},
            )
            return redirect("people:client-detail", client_id=client.pk)
    status = 200 if request.method == "GET" or (not form.errors and matches) else 400
    return render_page(
        request, "people/client_intake.html", {"form": form, "matches": matches}, status=status
    )


@login_required
def client_detail(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, request=request)
    audit_record(actor=request.user, action="client.viewed", target=client, request=request)
    return render_page(request, "people/client_detail.html", _face_sheet_context(request, client))


def _face_sheet_context(
    request: StaffRequest, client: Any, household_form: Any = None
) -> dict[str, Any]:
    return {
        "client": client,
        "show_address": may_see_address_of(request.user, client),
        "sections": face_sheet_sections(client=client, user=request.user),
        "household_form": household_form or HouseholdMemberForm(),
        **selectors.client_face_sheet(client=client),
    }


def _client_form(client: Any, show_address: bool, data: Any = None) -> ClientForm:
    form = ClientForm(data, instance=client, initial={"version": client.version})
    if not show_address:
        # Someone who may not see a confidential address may not change it either.
        for name in services.ADDRESS_CONTROL_FIELDS:
            form.fields.pop(name, None)
    return form


@login_required
@require_http_methods(["GET", "POST"])
def client_edit(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    show_address = may_see_address_of(request.user, client)
    conflict = None
    status = 200
    form = _client_form(client, show_address, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            version = form.cleaned_data["version"]
            fields = {k: v for k, v in form.cleaned_data.items() if k in services.CLIENT_FIELDS}
            try:
                services.client_update(
                    acting_user=request.user,
                    client=client,
                    version=version,
                    fields=fields,
                )
            except Conflict as error:
                # Show what is saved now beside what this user tried to save; nothing is lost.
                client.refresh_from_db()
                conflict = [
                    (form.fields[name].label, error.current.get(name), error.attempted.get(name))
                    for name in services.CLIENT_FIELDS
                    if name in form.fields and error.current.get(name) != error.attempted.get(name)
                ]
                form = _client_form(client, show_address)
                status = 409
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("people:client-detail", client_id=client.pk)
    return render_page(
        request,
        "people/client_edit.html",
        {"client": client, "form": form, "conflict": conflict, "show_address": show_address},
        status=status,
    )


@login_required
@require_POST
def household_add(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    form = HouseholdMemberForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.household_member_add(
                acting_user=request.user, client=client, fields=form.cleaned_data
            )
        except DomainError as error:
            apply_domain_error(form, error)
            status = 400
        else:
            form = HouseholdMemberForm()
    else:
        status = 400
    if not request.htmx and status == 200:
        return redirect("people:client-detail", client_id=client.pk)
    context = _face_sheet_context(request, client, form)
    return render_page(
        request, "people/client_detail.html", context, partial="household", status=status
    )


@login_required
@require_POST
def household_remove(request: StaffRequest, client_id: int, member_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    member = access_client_object(
        request.user, HouseholdMember, member_id, write=True, request=request
    )
    if member.client_id != client.pk:
        raise Http404("Not found")
    services.household_member_remove(acting_user=request.user, member=member)
    if not request.htmx:
        return redirect("people:client-detail", client_id=client.pk)
    return render_page(
        request,
        "people/client_detail.html",
        _face_sheet_context(request, client),
        partial="household",
    )
