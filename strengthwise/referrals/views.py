"""Consent and referral pages, and the receiving organisation's page (reached by its link,
without an account)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import access_client
from strengthwise.accounts.http import StaffRequest
from strengthwise.core.errors import Conflict, DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.htmx import render_page
from strengthwise.core.validation import parse_id
from strengthwise.plans.signatures import download_name

from . import selectors, services, workflow
from .forms import ConsentForm, DeliveryForm, RatingForm, ReferralForm, RevokeForm, TransitionForm


def _consent_form(
    client: Any, data: Any = None, files: Any = None, initial: Any = None
) -> ConsentForm:
    return ConsentForm(
        data,
        files,
        initial=initial,
        organizations=selectors.consent_organization_choices(),
        programs=selectors.consent_program_choices(),
        portal=selectors.client_has_portal(client),
    )


@login_required
def client_referrals(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, request=request, read="referrals.viewed")
    context = {
        "client": client,
        "tab": "referrals",
        "consents": selectors.consents_for(client),
        "referrals": list(selectors.referrals_for(client)),
        "deliveries": list(selectors.deliveries_for(client)[:50]),
        "follow_ups": selectors.follow_ups(request.user, client=client),
        "delivery_form": DeliveryForm(
            goals=selectors.goal_choices(client=client),
            initial={"delivered_on": timezone.localdate()},
        ),
        "revoke_form": RevokeForm(
            initial={"revoked_on": timezone.localdate(), "revoked_by": client.display_name}
        ),
    }
    return render_page(request, "referrals/client.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def consent_new(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(
        request.user, client_id, write=True, request=request, read="consents.viewed"
    )
    status = 200
    if request.method == "POST":
        form = _consent_form(client, request.POST, request.FILES)
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            document = data.pop("document")
            data["organization"] = selectors.consent_organization(data["organization"])
            data["program"] = selectors.consent_program(data["program"])
            try:
                services.consent_record(
                    acting_user=request.user,
                    client=client,
                    fields=data,
                    document=document,
                    request=request,
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("Asked in the portal: it is in force once the client agrees there.")
                    if data.get("method") == "portal"
                    else _("Consent recorded."),
                )
                next_url = request.GET.get("next", "")
                if next_url.startswith("/clients/"):
                    return redirect(next_url)
                return redirect("referrals:client", client_id=client.pk)
    else:
        initial: dict[str, Any] = {
            "valid_from": timezone.localdate(),
            "valid_until": timezone.localdate() + dt.timedelta(days=365),
            "purpose": "referral",
            "information": ["contact", "goals"],
            # No signed name here: the client types their own (their act of agreeing).
        }
        service = selectors.service_to_refer(request.GET.get("service", ""))
        if service is not None and service.organization_id:
            initial["organization"] = str(service.organization_id)
        form = _consent_form(client, initial=initial)
    return render_page(
        request,
        "referrals/consent_form.html",
        {"client": client, "form": form, "tab": "referrals"},
        status=status,
    )


@login_required
@require_POST
def consent_revoke(request: StaffRequest, client_id: int, consent_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    consent = selectors.consent_of(
        visible_to=request.user, client=client, consent_id=consent_id, write=True, request=request
    )
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.consent_revoke(
                acting_user=request.user,
                consent=consent,
                revoked_on=form.cleaned_data["revoked_on"],
                revoked_by=form.cleaned_data["revoked_by"],
                note=form.cleaned_data["note"],
                request=request,
            )
            messages.success(request, _("Consent revoked. Nothing more goes out under it."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Give the date and who revoked it."))
    return redirect("referrals:client", client_id=client.pk)


@login_required
def consent_document(request: StaffRequest, client_id: int, consent_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, request=request)
    consent = selectors.consent_of(
        visible_to=request.user, client=client, consent_id=consent_id, request=request
    )
    doc = services.consent_document_open(acting_user=request.user, consent=consent, request=request)
    if doc is None:
        raise Http404("Not found")
    response = HttpResponse(bytes(doc.data), content_type=doc.content_type)
    name = download_name(f"consent-{consent.pk}", doc.content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def consent_organizations(request: StaffRequest, client_id: int) -> HttpResponse:
    """The consent form's organisation typeahead (htmx). `widget=1` gives the whole picker,
    which replaces the plain select once htmx has loaded; otherwise the matching options."""
    client = access_client(request.user, client_id, request=request)
    query = request.GET.get("org_q", "")[:100]
    selected = selectors.consent_organization(request.GET.get("organization"))
    context = {
        "client": client,
        "q": query,
        "selected": selected,
        **selectors.organizations_matching(query),
    }
    template = (
        "referrals/_org_typeahead.html"
        if request.GET.get("widget")
        else "referrals/_org_options.html"
    )
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    source = request.POST if request.method == "POST" else request.GET
    service = selectors.service_to_refer(source.get("service", ""))
    if service is None:
        messages.info(request, _("Choose the service first."))
        return redirect("directory:find-for-client", client_id=client.pk)
    goals = selectors.goal_choices(client=client)
    steps = selectors.open_step_choices(client=client)
    status = 200
    if request.method == "POST":
        form = ReferralForm(request.POST, goals=goals, steps=steps)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = services.referral_create(
                    acting_user=request.user,
                    client=client,
                    service=service,
                    information=data["information"],
                    purpose=data["purpose"],
                    goal_id=data["goal"],
                    step_id=data["step"],
                    request_note=data["request_note"],
                    send="send" in request.POST,
                    request=request,
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("Referral sent to %(org)s.")
                    % {"org": service.organization.name if service.organization else service.name}
                    if referral.status == workflow.REQUESTED
                    else _("Referral saved as a draft."),
                )
                return redirect("referrals:referral", client_id=client.pk, referral_id=referral.pk)
    else:
        goal_id = request.GET.get("goal")
        form = ReferralForm(
            initial={
                "service": service.pk,
                "goal": parse_id(goal_id),
                "purpose": "referral",
                "information": ["contact", "goals"],
            },
            goals=goals,
            steps=steps,
        )
    consents = selectors.consents_in_force_for(client=client, service=service)
    return render_page(
        request,
        "referrals/referral_form.html",
        {
            "client": client,
            "service": service,
            "form": form,
            "consents": consents,
            "tab": "referrals",
        },
        status=status,
    )


@login_required
def referral_detail(request: StaffRequest, client_id: int, referral_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, request=request)
    referral = selectors.referral_for_reading(
        visible_to=request.user, client=client, referral_id=referral_id, request=request
    )
    link = ""
    if referral.partner_nonce and selectors.partner_may_see(referral):
        link = request.build_absolute_uri(
            reverse("referrals:partner", args=[services.partner_token(referral)])
        )
    context = {
        "client": client,
        "referral": referral,
        "tab": "referrals",
        "link": link,
        "requester_next": [
            (s, dict(workflow.STATUS_CHOICES)[s])
            for s in workflow.allowed_next(referral.status, workflow.REQUESTER)
        ],
        "reason_required": sorted(workflow.REASON_REQUIRED),
        "rating_form": RatingForm(
            initial={
                "helpful": referral.helpful,
                "comment": referral.rating_comment,
                "rated_by": referral.rated_by or "client",
                "comment_author": referral.rating_comment_author,
                "comment_verbatim": referral.rating_comment_verbatim,
            }
        ),
        "shared": selectors.partner_view(referral),
    }
    return render_page(request, "referrals/referral_detail.html", context)


@login_required
@require_POST
def referral_transition(request: StaffRequest, client_id: int, referral_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    referral = selectors.referral_of(
        visible_to=request.user, client=client, referral_id=referral_id, write=True, request=request
    )
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status from the list."))
    else:
        try:
            services.referral_transition(
                referral=referral,
                status=form.cleaned_data["status"],
                side=workflow.REQUESTER,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                expected_version=form.cleaned_data.get("version"),
                request=request,
            )
            messages.success(request, _("Referral updated."))
        except (Conflict, DomainError) as error:
            messages.error(request, error.message)
    return redirect("referrals:referral", client_id=client.pk, referral_id=referral.pk)


@login_required
@require_POST
def referral_relink(request: StaffRequest, client_id: int, referral_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    referral = selectors.referral_of(
        visible_to=request.user, client=client, referral_id=referral_id, write=True, request=request
    )
    try:
        services.partner_link_reissue(acting_user=request.user, referral=referral, request=request)
        messages.success(request, _("A new link was made; the old one no longer works."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("referrals:referral", client_id=client.pk, referral_id=referral.pk)


@login_required
@require_POST
def referral_rate(request: StaffRequest, client_id: int, referral_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    referral = selectors.referral_of(
        visible_to=request.user, client=client, referral_id=referral_id, write=True, request=request
    )
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.referral_rate(
                acting_user=request.user,
                referral=referral,
                helpful=form.cleaned_data["helpful"],
                comment=form.cleaned_data["comment"],
                rated_by=form.cleaned_data["rated_by"],
                comment_author=form.cleaned_data["comment_author"],
                comment_verbatim=form.cleaned_data["comment_verbatim"],
                request=request,
            )
            messages.success(request, _("Thank you — their answer is recorded."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Choose 1 to 5."))
    return redirect("referrals:referral", client_id=client.pk, referral_id=referral.pk)


@login_required
@require_POST
def delivery_add(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    form = DeliveryForm(request.POST, goals=selectors.goal_choices(client=client))
    if form.is_valid():
        data = dict(form.cleaned_data)
        goal_id = data.pop("goal", None)
        try:
            services.delivery_add(
                acting_user=request.user,
                client=client,
                fields=data,
                goal_id=goal_id,
                request=request,
            )
            messages.success(request, _("Recorded the service delivered."))
        except DomainError as error:
            if not error.field_errors:
                messages.error(request, error.message)
            else:  # a refusal on a field reads like the form's own errors
                apply_domain_error(form, error)
    if form.errors:
        errors = "; ".join(
            f"{form.fields[k].label if k in form.fields else ''}: {' '.join(str(e) for e in v)}"
            for k, v in form.errors.items()
        )
        messages.error(request, _("Not recorded — %(errors)s") % {"errors": errors})
    return redirect("referrals:client", client_id=client.pk)


# --- the receiving organisation's page ------------------------------------------------------


@require_http_methods(["GET", "POST"])
def partner(request: HttpRequest, token: str) -> HttpResponse:
    """One referral, for the receiving organisation, without an account. It sees only what
    the consent allows and may set only the statuses the receiver sets."""
    try:
        referral = selectors.partner_referral(token)
    except selectors.PartnerLinkRefused:
        # Said for a partner, who has no account here: no "caseload", no sign-in.
        response = render(request, "referrals/partner_not_found.html", status=404)
        response["Referrer-Policy"] = "same-origin"
        return response
    org = (
        referral.service.organization.name
        if referral.service.organization
        else referral.service.name
    )
    label = _("%(org)s (partner link)") % {"org": org}
    form = TransitionForm(request.POST or None)
    status = 200
    open_to_partner = selectors.partner_may_see(referral)
    if request.method == "POST" and not open_to_partner:
        status = 409
        form.is_valid()
        form.add_error(
            None, _("This referral is closed; nothing can be changed through this link.")
        )
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.referral_transition(
                    referral=referral,
                    status=form.cleaned_data["status"],
                    side=workflow.RECEIVER,
                    reason=form.cleaned_data["reason"],
                    outcome=form.cleaned_data["outcome"],
                    partner_label=label,
                    expected_version=form.cleaned_data.get("version"),
                    request=request,
                )
            except (Conflict, DomainError) as error:
                apply_domain_error(form, error)
                status = getattr(error, "status_code", 400)
            else:
                return redirect("referrals:partner", token=token)
    else:
        selectors.partner_read_record(referral=referral, label=label, request=request)
    context = {
        "referral": referral,
        "org": org,
        "form": form,
        "open": open_to_partner,
        "shared": selectors.partner_view(referral) if open_to_partner else {},
        "next": [
            (s, dict(workflow.STATUS_CHOICES)[s])
            for s in workflow.allowed_next(referral.status, workflow.RECEIVER)
        ]
        if open_to_partner
        else [],
        "reason_required": sorted(workflow.REASON_REQUIRED),
    }
    response = render_page(request, "referrals/partner.html", context, status=status)
    # The token is in the URL: never send it to another site (same-origin keeps the Origin
    # header that CSRF checks need on this page's own form posts).
    response["Referrer-Policy"] = "same-origin"
    return response
