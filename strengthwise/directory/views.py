"""Directory pages: find help (for anyone, or for one client and goal), a service's page, the
editor pages, and a client's saved list with its printable take-home page."""

from __future__ import annotations

from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import access_client, may_see_address_of
from strengthwise.accounts.http import StaffRequest
from strengthwise.accounts.models import may_edit_directory
from strengthwise.assessments.selectors import agency_life_domains
from strengthwise.core.errors import Conflict, DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.htmx import render_page
from strengthwise.plans import selectors as plan_selectors

from . import geocode, hours, selectors, services
from .forms import CapacityForm, SaveForm, SearchForm, ServiceForm, hours_text
from .models import Service


def _tz(request: StaffRequest) -> ZoneInfo:
    agency = request.user.agency
    return ZoneInfo(agency.timezone if agency else "UTC")


def _domains(request: StaffRequest) -> list[tuple[str, str]]:
    agency_id = request.user.agency_id
    return agency_life_domains(agency_id=agency_id) if agency_id else []


def _search_form(request: StaffRequest, initial: dict[str, Any] | None = None) -> SearchForm:
    data = request.GET if request.GET else None
    return SearchForm(
        data,
        initial=initial or {},
        terms=selectors.terms_for_filter(),
        domains=_domains(request),
        languages=selectors.languages_for_filter(),
    )


def _filters(form: SearchForm, initial: dict[str, Any]) -> selectors.Filters:
    data = form.cleaned_data if form.is_bound and form.is_valid() else initial
    return selectors.Filters(
        words=data.get("q") or "",
        term=UUID(data["term"]) if data.get("term") else None,
        domain=data.get("domain") or "",
        language=data.get("language") or "",
        open_now=bool(data.get("open_now")),
        capacity=list(data.get("capacity") or []),
        eligibility=data.get("eligibility") or "",
        within_km=data.get("within_km"),
    )


def _search_page(
    request: StaffRequest, filters: selectors.Filters, **ranking: Any
) -> dict[str, Any]:
    """One page of results from the `cursor` in the query string (the first page when it is
    missing or no longer valid), with what the template needs to offer the next page."""
    cursor = request.GET.get("cursor", "")[:500]
    try:
        page = selectors.search_page(filters, tz=_tz(request), cursor=cursor, **ranking)
        stale = False
    except selectors.InvalidCursor:
        page = selectors.search_page(filters, tz=_tz(request), **ranking)
        stale = True
    following = request.GET.copy()
    following["cursor"] = page.next_cursor
    return {
        "hits": page.hits,
        "total": page.total,
        "first": page.first,
        "last": page.first + len(page.hits) - 1,
        "next_query": following.urlencode() if page.next_cursor else "",
        "stale_cursor": stale,
    }


def _results_partial(request: StaffRequest) -> str:
    """htmx asking for the next page gets only its rows; any other htmx request the results."""
    return "more" if request.GET.get("cursor") else "results"


@login_required
def find(request: StaffRequest) -> HttpResponse:
    """Find help: every filter but distance (which needs a client's home)."""
    form = _search_form(request)
    filters = _filters(form, {})
    context = {
        "form": form,
        **_search_page(request, filters),
        "can_edit": may_edit_directory(request.user),
    }
    return render_page(request, "directory/find.html", context, partial=_results_partial(request))


@login_required
def find_for_client(request: StaffRequest, client_id: int) -> HttpResponse:
    """Find help with a client: near their home (when the user may know it), ranked by the
    goal's life domain and the client's language; save what they like to their list."""
    client, goal = selectors.find_help_for(
        visible_to=request.user,
        client_id=client_id,
        goal_id=request.GET.get("goal") or None,
        request=request,
    )
    home = geocode.home_point(client) if may_see_address_of(request.user, client) else None
    home_known = home is not None
    initial: dict[str, Any] = {}
    form = _search_form(request, initial)
    filters = _filters(form, initial)
    if home is not None:
        filters.near = home  # type: ignore[assignment]
        filters.within_km = filters.within_km or 25.0
    results = _search_page(
        request,
        filters,
        rank_domain=goal.domain if goal else "",
        rank_language=client.preferred_language,
        rank_words=goal.statement if goal else "",
    )
    context = {
        "client": client,
        "goal": goal,
        "goals": plan_selectors.active_goals(client=client),
        "form": form,
        **results,
        "home_known": home_known,
        "saved_ids": selectors.saved_service_ids(client=client),
        # The same for every result: reversed once, not once per result.
        "saved_add_url": reverse("directory:saved-add", args=[client.pk]),
        "refer_url": reverse("referrals:referral-new", args=[client.pk]),
        "tab": "find-help",
        "can_edit": may_edit_directory(request.user),
    }
    return render_page(request, "directory/find.html", context, partial=_results_partial(request))


@login_required
def service_detail(request: StaffRequest, service_id: UUID) -> HttpResponse:
    try:
        service = selectors.service_page(service_id)
    except Service.DoesNotExist as exc:
        raise Http404("Not found") from exc
    rules = selectors.service_schedules(service)
    context = {
        "service": service,
        "hours": hours.describe(rules, translation.get_language()),
        "open_now": hours.is_open(rules, timezone.now(), _tz(request)),
        "terms": selectors.service_terms([service]).get(service.pk, []),
        "domains": [dict(_domains(request)).get(d.domain, d.domain) for d in service.domains.all()],
        "ratings": selectors.rating_summary(service, request.user),
        "can_edit": may_edit_directory(request.user),
        "capacity_form": CapacityForm(
            initial={"capacity": service.capacity, "capacity_notes": service.capacity_notes}
        ),
    }
    return render_page(request, "directory/service_detail.html", context)


def _service_form(request: StaffRequest, data: Any = None, initial: Any = None) -> ServiceForm:
    return ServiceForm(
        data,
        initial=initial,
        organizations=selectors.organization_choices(),
        domains=_domains(request),
        terms=selectors.term_choices(),
    )


def _initial(service: Service) -> dict[str, Any]:
    values = selectors.service_edit_values(service=service)
    return {
        **values,
        "version": services.service_version(service),
        "hours": hours_text(values.pop("schedules")),
    }


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: StaffRequest, service_id: UUID | None = None) -> HttpResponse:
    if not may_edit_directory(request.user):
        raise Http404("Not found")
    service = None
    if service_id is not None:
        service = selectors.service_by_id(service_id)
        if service is None:
            raise Http404("Not found")
    status = 200
    if request.method == "POST":
        form = _service_form(request, request.POST)
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["organization_obj"] = selectors.organization_by_id(data.get("organization"))
            try:
                saved = services.service_save(
                    acting_user=request.user,
                    fields=data,
                    service=service,
                    version=data.get("version") or "",
                    request=request,
                )
            except Conflict as error:
                form.add_error(None, error.message)
                status = 409
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Service saved."))
                return redirect("directory:service", service_id=saved.pk)
    else:
        form = _service_form(
            request, initial=_initial(service) if service else {"status": "active"}
        )
    return render_page(
        request, "directory/service_form.html", {"form": form, "service": service}, status=status
    )


@login_required
@require_POST
def capacity_set(request: StaffRequest, service_id: UUID) -> HttpResponse:
    if not may_edit_directory(request.user):
        raise Http404("Not found")
    service = selectors.service_by_id(service_id)
    if service is None:
        raise Http404("Not found")
    form = CapacityForm(request.POST)
    if form.is_valid():
        try:
            services.capacity_set(
                acting_user=request.user,
                service=service,
                capacity=form.cleaned_data["capacity"],
                notes=form.cleaned_data["capacity_notes"],
                request=request,
            )
            messages.success(request, _("Capacity updated."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Choose a capacity from the list."))
    return redirect("directory:service", service_id=service.pk)


@login_required
def saved_list(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, request=request, read="saved_services.viewed")
    saved = selectors.saved_for(client)
    return render_page(
        request,
        "directory/saved.html",
        {"client": client, "saved": saved, "tab": "find-help", "describe": hours.describe},
    )


@login_required
@require_POST
def saved_add(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    form = SaveForm(request.POST)
    service = selectors.service_by_id(form.cleaned_data["service"]) if form.is_valid() else None
    error = "" if service is not None else _("That service could not be found.")
    if service is not None:
        try:
            services.saved_add(
                acting_user=request.user,
                client=client,
                service=service,
                note=form.cleaned_data.get("note") or "",
                goal_id=form.cleaned_data.get("goal") or None,
                request=request,
            )
        except DomainError as refusal:
            error = refusal.message
    if request.htmx:  # type: ignore[attr-defined]
        # The button is replaced by what happened: the mark when saved, the reason when not
        # (htmx swaps only 2xx answers, so a refusal is a 200 that says so, as an alert).
        return render_page(
            request,
            "directory/find.html#saved-mark",
            {"service": service, "client": client, "error": error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved to %(name)s's list.") % {"name": client.display_name})
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("directory:saved", client_id=client.pk)


@login_required
@require_POST
def saved_remove(request: StaffRequest, client_id: int, saved_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    saved = selectors.saved_of(
        visible_to=request.user, client=client, saved_id=saved_id, write=True, request=request
    )
    services.saved_remove(acting_user=request.user, saved=saved, request=request)
    messages.success(request, _("Removed from the list."))
    return redirect("directory:saved", client_id=client.pk)


@login_required
def saved_print(request: StaffRequest, client_id: int) -> HttpResponse:
    """The take-home list, in the client's language, ready to print."""
    client = access_client(request.user, client_id, request=request, read="saved_services.printed")
    saved = selectors.saved_for(client)
    with translation.override(client.preferred_language):
        rows = [
            {
                "saved": s,
                "hours": hours.describe(
                    selectors.service_schedules(s.service), client.preferred_language
                ),
            }
            for s in saved
        ]
        return render_page(
            request,
            "directory/saved_print.html",
            {"client": client, "rows": rows, "language": client.preferred_language},
        )
