"""The staff side of the right of access (a copy of the client's record to give them), and the
agency admins' webhook endpoints under Settings. Thin: the services and selectors do the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import (
    access_client,
    access_webhook_endpoint,
    may_manage_webhooks,
)
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.errors import DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.htmx import render_page

from . import selectors, services, webhooks
from .forms import EVENT_LABELS, WebhookEndpointForm


@login_required
def record_copy(request: StaffRequest, client_id: int, fmt: str) -> HttpResponse:
    if fmt not in services.FORMATS:
        raise Http404("No such format")
    client = access_client(request.user, client_id, request=request)
    content, content_type = services.record_copy_for(
        client=client, fmt=fmt, acting_user=request.user, request=request
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="record-{client.pk}.{fmt}"'
    return response


# --- Settings → Webhooks (agency admins) --------------------------------------------------------


def _admins_only(request: StaffRequest) -> int:
    # Like every other agency setting reached by id: anyone else gets the 404 of a missing page.
    if not may_manage_webhooks(request.user):
        raise Http404("No such page")
    return int(request.user.agency_id or 0)  # an admin always has an agency


def _webhook_page(
    request: StaffRequest,
    form: WebhookEndpointForm,
    *,
    shown: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    response = render_page(
        request,
        "interop/webhook_list.html",
        {
            "form": form,
            "endpoints": selectors.endpoint_list(visible_to=request.user),
            "event_labels": EVENT_LABELS,
            "shown": shown,
        },
        status=status,
    )
    if shown:
        response["Cache-Control"] = "no-store"  # the page holds a secret: keep no copy
    return response


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: StaffRequest) -> HttpResponse:
    """The agency's endpoints with their recent deliveries, and the form to add one; a new
    endpoint's signing secret is shown on the answer to that form, once."""
    agency_id = _admins_only(request)
    form = WebhookEndpointForm(request.POST or None)
    if request.method != "POST":
        return _webhook_page(request, form)
    if form.is_valid():
        try:
            endpoint, secret = webhooks.endpoint_add(
                agency_id=agency_id,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                acting_user=request.user,
                request=request,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            shown = {"endpoint": endpoint, "secret": secret, "added": True}
            return _webhook_page(request, WebhookEndpointForm(), shown=shown)
    return _webhook_page(request, form, status=400)


@login_required
@require_POST
def webhook_active(request: StaffRequest, endpoint_id: int) -> HttpResponse:
    endpoint = access_webhook_endpoint(request.user, endpoint_id)
    active = request.POST.get("active") == "1"
    try:
        webhooks.endpoint_set_active(
            endpoint=endpoint, active=active, acting_user=request.user, request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        done = (
            _("Turned on: deliveries to %(url)s go out again.")
            if active
            else _("Turned off: nothing is sent to %(url)s until you turn it on.")
        )
        messages.success(request, done % {"url": endpoint.url})
    return redirect("interop:webhook-list")


@login_required
@require_POST
def webhook_rotate(request: StaffRequest, endpoint_id: int) -> HttpResponse:
    """A new signing secret, shown on this answer once; the old one stops working at once."""
    endpoint = access_webhook_endpoint(request.user, endpoint_id)
    try:
        endpoint, secret = webhooks.endpoint_rotate_secret(
            endpoint=endpoint, acting_user=request.user, request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("interop:webhook-list")
    shown = {"endpoint": endpoint, "secret": secret, "added": False}
    return _webhook_page(request, WebhookEndpointForm(), shown=shown)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_remove(request: StaffRequest, endpoint_id: int) -> HttpResponse:
    """Asks first (GET), then retires the endpoint (POST); its delivery log stays."""
    endpoint = access_webhook_endpoint(request.user, endpoint_id)
    if request.method == "POST":
        try:
            webhooks.endpoint_remove(endpoint=endpoint, acting_user=request.user, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Removed: nothing more is sent to %(url)s. Its deliveries stay listed.")
                % {"url": endpoint.url},
            )
        return redirect("interop:webhook-list")
    return render_page(request, "interop/webhook_remove.html", {"endpoint": endpoint})
