"""Pages for caseloads, search, intake, the face sheet and editing a client; transferring a
client, reassigning a caseload, merging duplicate records and undoing a merge."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import (
    access_client,
    access_client_object,
    client_visible,
    may_manage_caseloads,
    may_manage_client,
    may_see_address_of,
    may_take_in_clients,
    record_reads,
)
from strengthwise.accounts.http import StaffRequest
from strengthwise.audit.services import HIDDEN
from strengthwise.core.errors import Conflict, DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.htmx import render_page
from strengthwise.core.text import fold
from strengthwise.core.validation import parse_id

from . import caseload as caseloads
from . import merge, selectors, services
from .face_sheet import face_sheet_sections
from .forms import (
    ClientForm,
    HouseholdMemberForm,
    IntakeForm,
    MergeChooseForm,
    MergeForm,
    ReassignConfirmForm,
    ReassignForm,
    SearchForm,
    TransferForm,
)
from .models import Client, ClientMerge, HouseholdMember

PAGE_SIZE = 25


@login_required
def caseload(request: StaffRequest) -> HttpResponse:
    scope = "team" if request.GET.get("scope") == "team" else "mine"
    after = parse_id(request.GET.get("after"))
    try:
        page = selectors.client_list_page(
            visible_to=request.user, scope=scope, after=after, size=PAGE_SIZE
        )
    except selectors.InvalidCursor:  # a stale or edited link: start from the first page
        after = None
        page = selectors.client_list_page(visible_to=request.user, scope=scope, size=PAGE_SIZE)
    record_reads(request.user, request, action="clients.listed", clients=page.clients)
    return render_page(
        request,
        "people/client_caseload.html",
        {
            "clients": page.clients,
            "after": after,
            "next_after": page.next_after,
            "scope": scope,
            "search_form": SearchForm(),
            "can_reassign": may_manage_caseloads(request.user),
        },
    )


@login_required
def search(request: StaffRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    results: list[Any] = []
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        results = selectors.client_search(visible_to=request.user, query=query)
        record_reads(request.user, request, action="clients.searched", clients=results)
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
    if not may_take_in_clients(request.user):
        return _not_allowed(request, _("Only case workers and supervisors take in new clients."))
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
    client = access_client(request.user, client_id, request=request, read="client.viewed")
    context = _face_sheet_context(request, client)
    # A supervisor's face sheet names the possible duplicates too: a read of each.
    record_reads(
        request.user, request, action="clients.listed", clients=context["merge_candidates"]
    )
    return render_page(request, "people/client_detail.html", context)


@login_required
def client_access_log(request: StaffRequest, client_id: int) -> HttpResponse:
    """Who has opened this record: the same list the client sees in the portal."""
    client = access_client(request.user, client_id, request=request, read="client.viewed")
    context = {"client": client, "log": selectors.access_log(client=client)}
    return render_page(request, "people/client_access_log.html", context)


def _may_manage(user: Any, client: Any) -> bool:
    return may_manage_client(
        user,
        agency_id=client.agency_id,
        team_id=client.team_id,
        merged_into_id=client.merged_into_id,
    )


def _face_sheet_context(
    request: StaffRequest, client: Any, household_form: Any = None
) -> dict[str, Any]:
    can_manage = _may_manage(request.user, client)
    return {
        "client": client,
        "show_address": may_see_address_of(request.user, client),
        "sections": face_sheet_sections(client=client, user=request.user),
        "household_form": household_form or HouseholdMemberForm(),
        "can_manage": can_manage,
        "merges": selectors.client_merges(client=client),
        "merge_candidates": (
            selectors.client_merge_candidates(visible_to=request.user, client=client)
            if can_manage
            else []
        ),
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
    client = access_client(
        request.user, client_id, write=True, request=request, read="client.viewed"
    )
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
        request.user, HouseholdMember, member_id, client=client, write=True, request=request
    )
    services.household_member_remove(acting_user=request.user, member=member)
    if not request.htmx:
        return redirect("people:client-detail", client_id=client.pk)
    return render_page(
        request,
        "people/client_detail.html",
        _face_sheet_context(request, client),
        partial="household",
    )


# --- caseload management: transfer, reassignment ---------------------------------------------


def _not_allowed(request: StaffRequest, message: str) -> HttpResponse:
    """The user can see this record but may not do this to it: say so (403)."""
    return render(request, "not_allowed.html", {"message": message}, status=403)


def _worker_choice(worker: Any, count: int) -> tuple[int, str]:
    label = ngettext("%(name)s — %(n)d client", "%(name)s — %(n)d clients", count)
    return worker.pk, label % {"name": worker.label, "n": count}


@login_required
@require_http_methods(["GET", "POST"])
def client_transfer(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(
        request.user, client_id, managing=True, request=request, read="client.viewed"
    )
    try:
        caseloads.check_may_transfer(acting_user=request.user, client=client)
    except caseloads.NotAllowed as error:
        return _not_allowed(request, error.message)
    workers = caseloads.assignable_workers(acting_user=request.user)
    teams = caseloads.assignable_teams(acting_user=request.user)
    form = TransferForm(
        request.POST if request.method == "POST" else None,
        workers=[_worker_choice(w, w.caseload_size) for w in workers],  # type: ignore[attr-defined]
        teams=[(t.pk, t.name) for t in teams],
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            to_worker = next(w for w in workers if w.pk == data["to_worker"])
            to_team = next((t for t in teams if t.pk == data["to_team"]), None)
            try:
                client = caseloads.client_transfer(
                    acting_user=request.user,
                    client=client,
                    to_worker=to_worker,
                    to_team=to_team,
                    reason=data["reason"],
                    request=request,
                )
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _("%(name)s is now on %(worker)s's caseload (%(team)s).")
                    % {
                        "name": client.display_name,
                        "worker": to_worker.label,
                        "team": client.team.name,
                    },
                )
                if client_visible(
                    request.user,
                    agency_id=client.agency_id,
                    primary_worker_id=client.primary_worker_id,
                    team_id=client.team_id,
                    merged_into_id=client.merged_into_id,
                ):
                    return redirect("people:client-detail", client_id=client.pk)
                return redirect("people:caseload-reassign")
    return render_page(
        request, "people/client_transfer.html", {"client": client, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def caseload_reassign(request: StaffRequest) -> HttpResponse:
    """Choose the departing worker and the receiving ones, see the plan, confirm.

    A GET with the choices shows the preview (htmx gets just that part); the confirmation
    POSTs the previewed plan back, and a stale plan is answered with a fresh preview (409)."""
    user = request.user
    if not may_manage_caseloads(user):
        raise Http404("Not found")
    departing = caseloads.departing_workers(acting_user=user)
    receiving = caseloads.assignable_workers(acting_user=user)
    if request.method == "POST":
        data: Any = request.POST
    else:
        data = request.GET if "from_worker" in request.GET else None
    form = ReassignForm(
        data,
        departing=[_worker_choice(w, w.managed_clients) for w in departing],  # type: ignore[attr-defined]
        receiving=[_worker_choice(w, w.caseload_size) for w in receiving],  # type: ignore[attr-defined]
    )
    confirm = ReassignConfirmForm(request.POST if request.method == "POST" else None)
    status = 200
    stale = ""
    if request.method == "POST":
        status = 400
        if confirm.is_valid():
            try:
                plan = caseloads.reassignment_plan_load(
                    acting_user=user, moves=confirm.cleaned_data["move"]
                )
                moved = caseloads.reassignment_apply(
                    acting_user=user,
                    plan=plan,
                    reason=confirm.cleaned_data["reason"],
                    request=request,
                )
            except caseloads.StalePlan as error:
                stale = error.message
                status = 409
            except DomainError as error:
                apply_domain_error(confirm, error)
                status = error.status_code
            else:
                messages.success(
                    request,
                    ngettext("%(n)d client reassigned.", "%(n)d clients reassigned.", len(moved))
                    % {"n": len(moved)},
                )
                return redirect("people:caseload-reassign")
    rows = None
    from_worker = None
    if data is not None and form.is_valid():
        by_id = {w.pk: w for w in [*departing, *receiving]}
        from_worker = by_id.get(form.cleaned_data["from_worker"])
        to_workers = [by_id[pk] for pk in form.cleaned_data["to_workers"] if pk in by_id]
        try:
            if from_worker is None:
                raise DomainError(_("Choose a worker of your agency."))
            plan = caseloads.reassignment_preview(
                acting_user=user, from_worker=from_worker, to_workers=to_workers
            )
            rows = caseloads.plan_rows(acting_user=user, plan=plan)
            record_reads(user, request, action="clients.listed", clients=[r.client for r in rows])
        except DomainError as error:
            apply_domain_error(form, error)
    if data is not None and form.errors and status == 200:
        # htmx swaps only 2xx answers: the partial carries the errors to the page instead.
        status = 200 if request.htmx else 400
    if request.method == "GET" or stale:
        confirm = ReassignConfirmForm(
            initial={"reason": request.POST.get("reason", "")} if stale else None
        )
    return render_page(
        request,
        "people/caseload_reassign.html",
        {
            "form": form,
            "confirm": confirm,
            "rows": rows,
            "from_worker": from_worker,
            "to_worker_ids": form.cleaned_data.get("to_workers", []) if rows else [],
            "stale": stale,
        },
        partial="preview",
        status=status,
    )


# --- merging duplicates ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def client_merge(request: StaffRequest, client_id: int) -> HttpResponse:
    """ "Merge with…": choose the duplicate, compare side by side, choose per field, confirm."""
    survivor = access_client(
        request.user, client_id, managing=True, request=request, read="client.viewed"
    )
    if not _may_manage(request.user, survivor):
        return _not_allowed(
            request,
            _("Only a supervisor of this client's team or an agency admin can merge records."),
        )
    wanted = request.POST.get("duplicate") or request.GET.get("duplicate")
    choose = MergeChooseForm({"duplicate": wanted} if wanted else None)
    if not wanted or not choose.is_valid():
        candidates = selectors.client_merge_candidates(visible_to=request.user, client=survivor)
        record_reads(request.user, request, action="clients.listed", clients=candidates)
        return render_page(
            request,
            "people/client_merge_choose.html",
            {"client": survivor, "choose": choose, "candidates": candidates},
            status=400 if wanted else 200,
        )
    duplicate = access_client(
        request.user, choose.cleaned_data["duplicate"], managing=True, request=request
    )
    try:
        preview = merge.merge_preview(
            acting_user=request.user, survivor=survivor, duplicate=duplicate
        )
    except caseloads.NotAllowed as error:
        return _not_allowed(request, error.message)
    except DomainError as error:
        choose.add_error("duplicate", error.message)
        return render_page(
            request,
            "people/client_merge_choose.html",
            {"client": survivor, "choose": choose, "candidates": []},
            status=400,
        )
    form = MergeForm(
        request.POST if request.method == "POST" else None, differences=preview.differences
    )
    # The comparison shows both records in full: a read of the duplicate too.
    record_reads(request.user, request, action="client.viewed", clients=[duplicate])
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                done = merge.clients_merge(
                    acting_user=request.user,
                    survivor=survivor,
                    duplicate=duplicate,
                    choices=form.choices(),
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except merge.MergeBlocked as error:
                for blocker in error.blockers:
                    form.add_error(None, blocker)
                status = 409
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _("Merged. %(name)s's records are together now; you can undo this here.")
                    % {"name": survivor.display_name},
                )
                return redirect("people:merge-detail", client_id=survivor.pk, merge_id=done.pk)
    fields = [(diff, form[f"choice_{diff.name}"]) for diff in preview.differences]
    return render_page(
        request,
        "people/client_merge.html",
        {
            "client": survivor,
            "duplicate": duplicate,
            "preview": preview,
            "form": form,
            "fields": fields,
            "kept": selectors.merge_rows(rows=preview.rows.kept),
        },
        status=status,
    )


def _merge_context(request: StaffRequest, record: ClientMerge) -> dict[str, Any]:
    survivor = record.survivor
    duplicate = record.duplicate
    can_manage = _may_manage(request.user, survivor)
    show_address = may_see_address_of(request.user, survivor) and may_see_address_of(
        request.user, duplicate
    )
    before = record.fields_before
    fields = []
    if can_manage:
        # The duplicate's own details are shown to those who may merge, not to every reader.
        for name, side in record.choices.items():
            hidden = name in services.ADDRESS_CONTROL_FIELDS and not show_address
            fields.append(
                {
                    "label": Client._meta.get_field(name).verbose_name,  # type: ignore[union-attr]
                    "survivor": HIDDEN
                    if hidden
                    else merge.display_value(name, before["survivor"].get(name)),
                    "duplicate": HIDDEN
                    if hidden
                    else merge.display_value(name, before["duplicate"].get(name)),
                    "side": side,
                }
            )
    return {
        "client": survivor,
        "merge": record,
        "can_undo": can_manage and not record.is_undone,
        "fields": fields,
        "moved": selectors.merge_counts(rows=record.moved),
        "kept": selectors.merge_rows(rows=record.kept),
        "kept_fields": [
            Client._meta.get_field(n).verbose_name  # type: ignore[union-attr]
            for n in record.undo_detail.get("kept_fields", [])
        ],
    }


def _merge_record(request: StaffRequest, client_id: int, merge_id: int) -> ClientMerge:
    record = access_client_object(
        request.user,
        ClientMerge,
        merge_id,
        client_path="survivor",
        managing=True,
        request=request,
    )
    if record.survivor_id != client_id:
        raise Http404("Not found")
    return record  # type: ignore[no-any-return]


@login_required
def merge_detail(request: StaffRequest, client_id: int, merge_id: int) -> HttpResponse:
    record = _merge_record(request, client_id, merge_id)
    record_reads(request.user, request, action="client.viewed", clients=[record.survivor_id])
    return render_page(request, "people/merge_detail.html", _merge_context(request, record))


@login_required
@require_POST
def merge_undo(request: StaffRequest, client_id: int, merge_id: int) -> HttpResponse:
    record = _merge_record(request, client_id, merge_id)
    try:
        record = merge.merge_undo(acting_user=request.user, merge=record, request=request)
    except caseloads.NotAllowed as error:
        return _not_allowed(request, error.message)
    except DomainError as error:
        context = {**_merge_context(request, record), "error": error.message}
        return render_page(request, "people/merge_detail.html", context, status=error.status_code)
    if record.undo_detail.get("kept_fields"):
        messages.success(
            request,
            _(
                "The merge was undone. Fields edited since the merge kept their current "
                "values; they are listed below."
            ),
        )
    else:
        messages.success(request, _("The merge was undone: both records are back as they were."))
    return redirect("people:merge-detail", client_id=client_id, merge_id=record.pk)
