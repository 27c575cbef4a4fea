"""The portal's pages (the client's) and the staff page that invites a client to it.

Every client page finds its records through `accounts.access.portal_client` /
`portal_object`, never by id alone; every staff page through `access_client`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import access_client, portal_client, portal_object
from strengthwise.accounts.second_factor import key_for_typing, qr_svg_of
from strengthwise.core.errors import Conflict, DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.htmx import render_page
from strengthwise.interop import services as record_services
from strengthwise.outcomes.models import Closure
from strengthwise.plans.models import Goal, Step
from strengthwise.referrals.models import Consent, Referral

from . import selectors, services
from .forms import (
    CheckInForm,
    CodeForm,
    DreamForm,
    GoalWordsForm,
    InviteForm,
    MessageForm,
    PrioritiesForm,
    RatingForm,
    SignInForm,
    StartForm,
    WhatHelpedForm,
)
from .middleware import (
    PENDING_KEY,
    SESSION_KEY,
    pending_account,
    portal_sign_in_required,
    require_account,
    session_check,
)


def _client(request: HttpRequest) -> Any:
    return portal_client(require_account(request))


def _own(request: HttpRequest, model: Any, object_id: Any, client_path: str = "client") -> Any:
    """(the client, one of their own records) for the signed-in client; 404 for anything else."""
    account = require_account(request)
    return portal_client(account), portal_object(account, model, object_id, client_path=client_path)


def _begin_session(request: HttpRequest, account: Any) -> None:
    # A new session: nothing of a staff session (or another client's) carries over.
    request.session.flush()
    request.session[SESSION_KEY] = {"id": account.pk, "check": session_check(account)}


def _sign_in_with(
    request: HttpRequest, form: Any, template: str, open_account: Callable[..., Any]
) -> HttpResponse:
    """The two ways in (a password, or a worker's code): on success a fresh session and the
    home page; otherwise the form again with the service's reason."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items() if k != "password_again"}
            try:
                account = open_account(**fields, request=request)
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                if account.totp_confirmed:
                    # The second step: the session is not the client's until the code is right.
                    request.session.flush()
                    request.session[PENDING_KEY] = {
                        "id": account.pk,
                        "check": session_check(account),
                    }
                    return redirect("portal:code")
                _begin_session(request, account)
                return redirect(_next(request))
    return render_page(request, template, {"form": form}, status=status)


def _next(request: HttpRequest) -> str:
    """Where to go after signing in: a portal page the link asked for, else home."""
    target = request.GET.get("next", "")
    if target.startswith("/portal/") and "//" not in target and "\\" not in target:
        return target
    return reverse("portal:home")


@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in, for a client who turned their code app on."""
    account = pending_account(request)
    if account is None:
        return redirect("portal:sign-in")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.totp_verify(
                    account=account, code=form.cleaned_data["code"], request=request
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                _begin_session(request, account)
                return redirect("portal:home")
    return render_page(request, "portal/code.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@portal_sign_in_required
def security(request: HttpRequest) -> HttpResponse:
    """Turn an optional code app on (QR code or typed key, then a code) or off."""
    account = require_account(request)
    client = portal_client(account)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if account.totp_confirmed:
                    services.totp_turn_off(
                        account=account, code=form.cleaned_data["code"], request=request
                    )
                else:
                    services.totp_confirm(
                        account=account, code=form.cleaned_data["code"], request=request
                    )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                return redirect("portal:security")
    context: dict[str, Any] = {"client": client, "form": form, "tab": "security"}
    account.refresh_from_db()
    context["on"] = account.totp_confirmed
    if not account.totp_confirmed:
        url = services.totp_setup(account)
        context["qr"] = qr_svg_of(url)
        context["otpauth"] = url
        context["typed"] = key_for_typing(bytes.fromhex(account.totp_key))
    return render_page(request, "portal/security.html", context, status=status)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.portal_account:  # type: ignore[attr-defined]
        return redirect("portal:home")
    form = SignInForm(request.POST or None)
    return _sign_in_with(request, form, "portal/sign_in.html", services.sign_in)


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    form = StartForm(request.POST or None, initial={"code": request.GET.get("code", "")[:40]})
    return _sign_in_with(request, form, "portal/start.html", services.invitation_accept)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return redirect("portal:sign-in")


@portal_sign_in_required
def home(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    selectors.record_own_read(client, request, what="home")
    context = {
        "client": client,
        **selectors.my_plan(client),
        "unread": selectors.unread_for_client(client),
        "tab": "home",
    }
    return render_page(request, "portal/home.html", context)


@portal_sign_in_required
def plan(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    selectors.record_own_read(client, request, what="plan")
    context = {
        "client": client,
        **selectors.my_plan(client),
        "words": selectors.my_words(client),
        "tab": "plan",
    }
    return render_page(request, "portal/plan.html", context)


@require_POST
@portal_sign_in_required
def step_done(request: HttpRequest, step_id: int) -> HttpResponse:
    client, step = _own(request, Step, step_id, client_path="goal__client")
    # A step that is not theirs to mark is refused; the page shows it as it is.
    with contextlib.suppress(DomainError):
        services.step_mark_done(
            client=client, step=step, done=request.POST.get("done") != "0", request=request
        )
    return redirect(f"{reverse('portal:plan')}#step-{step.pk}")


@portal_sign_in_required
def privacy(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    selectors.record_own_read(client, request, what="privacy")
    context = {"client": client, **selectors.my_privacy(client), "tab": "privacy"}
    return render_page(request, "portal/privacy.html", context)


@require_POST
@portal_sign_in_required
def consent_answer(request: HttpRequest, consent_id: int) -> HttpResponse:
    """Yes or no to a consent the worker asked of the client in the portal."""
    client, consent = _own(request, Consent, consent_id)
    answer = request.POST.get("answer")
    if answer in ("yes", "no"):
        with contextlib.suppress(DomainError):  # answered already: the page shows how
            services.consent_answer(
                client=client, consent=consent, agree=answer == "yes", request=request
            )
    return redirect(f"{reverse('portal:privacy')}#consent-{consent.pk}")


@require_http_methods(["GET", "POST"])
@portal_sign_in_required
def consent_withdraw(request: HttpRequest, consent_id: int) -> HttpResponse:
    client, consent = _own(request, Consent, consent_id)
    error = ""
    if request.method == "POST":
        try:
            services.consent_withdraw(client=client, consent=consent, request=request)
        except DomainError as exc:
            error = exc.message
        else:
            return redirect(f"{reverse('portal:privacy')}#consent-{consent.pk}")
    else:
        selectors.record_own_read(client, request, what="consent")
    return render_page(
        request,
        "portal/withdraw.html",
        {"client": client, "consent": consent, "error": error, "tab": "privacy"},
        status=400 if error else 200,
    )


def _rewrite(
    request: HttpRequest,
    *,
    client: Any,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    fresh: Callable[[], Any],
    what: str,
    back: str,
    heading: str,
) -> HttpResponse:
    """The pages where the client rewrites something in their own words: the form, the
    service's answer (field errors, or — when the worker changed it meanwhile — the words as
    they are now), then back to where it shows."""
    status, conflict = 200, ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                save(form.cleaned_data)
            except Conflict:
                form = fresh()
                conflict = _("Your worker changed this while you were writing. Here it is now.")
                status = 409
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                return redirect(back)
    else:
        selectors.record_own_read(client, request, what=what)
    context = {
        "client": client,
        "form": form,
        "conflict": conflict,
        "tab": "plan",
        "back": back,
        "heading": heading,
    }
    return render_page(request, "portal/words.html", context, status=status)


@require_http_methods(["GET", "POST"])
@portal_sign_in_required
def goal_words(request: HttpRequest, goal_id: int) -> HttpResponse:
    """The client rewrites their goal in their own words."""
    client, goal = _own(request, Goal, goal_id)

    def fresh(data: Any = None) -> GoalWordsForm:
        goal.refresh_from_db()
        initial = {"statement": goal.statement, "why_it_matters": goal.why_it_matters}
        return GoalWordsForm(data, initial={**initial, "version": goal.version})

    return _rewrite(
        request,
        client=client,
        form=fresh(request.POST or None),
        save=lambda data: services.goal_reword(client=client, goal=goal, **data, request=request),
        fresh=fresh,
        what="goal",
        back=f"{reverse('portal:plan')}#goal-{goal.pk}",
        heading=_("Your goal, in your words"),
    )


@require_http_methods(["GET", "POST"])
@portal_sign_in_required
def dream_words(request: HttpRequest) -> HttpResponse:
    """The client rewrites their dream in their own words."""
    client = _client(request)

    def fresh(data: Any = None) -> DreamForm:
        dream = selectors.my_words(client)["dream"]
        initial = {"dreams": dream.dreams if dream else "", "version": dream.pk if dream else 0}
        return DreamForm(data, initial=initial)

    return _rewrite(
        request,
        client=client,
        form=fresh(request.POST or None),
        save=lambda data: services.dream_reword(client=client, **data, request=request),
        fresh=fresh,
        what="dream",
        back=f"{reverse('portal:plan')}#my-words",
        heading=_("Your dream, in your words"),
    )


@require_http_methods(["GET", "POST"])
@portal_sign_in_required
def priorities_words(request: HttpRequest) -> HttpResponse:
    """The client rewrites what matters most to them (their priorities)."""
    client = _client(request)

    def fresh(data: Any = None) -> PrioritiesForm:
        words = selectors.my_words(client)
        initial: dict[str, Any] = {
            f"priority_{i}": cell["text"] for i, cell in enumerate(words["priorities"], start=1)
        }
        initial["version"] = words["assessment"].version if words["assessment"] else None
        return PrioritiesForm(data, initial=initial, slots=words["priority_slots"])

    form = fresh(request.POST or None)
    return _rewrite(
        request,
        client=client,
        form=form,
        save=lambda data: services.priorities_reword(
            client=client, version=data["version"], priorities=form.priorities(), request=request
        ),
        fresh=fresh,
        what="priorities",
        back=f"{reverse('portal:plan')}#my-words",
        heading=_("What matters most to you"),
    )


@require_http_methods(["GET", "POST"])
@portal_sign_in_required
def what_helped_words(request: HttpRequest, closure_id: int) -> HttpResponse:
    """The client rewrites what helped them, in their own words."""
    client, closure = _own(request, Closure, closure_id)

    def fresh(data: Any = None) -> WhatHelpedForm:
        closure.refresh_from_db()
        initial = {"what_helped": closure.what_helped, "version": closure.version}
        return WhatHelpedForm(data, initial=initial)

    return _rewrite(
        request,
        client=client,
        form=fresh(request.POST or None),
        save=lambda data: services.what_helped_reword(
            client=client, closure=closure, **data, request=request
        ),
        fresh=fresh,
        what="what-helped",
        back=f"{reverse('portal:plan')}#my-words",
        heading=_("What helped you"),
    )


@require_http_methods(["GET", "POST"])
@portal_sign_in_required
def messages(request: HttpRequest) -> HttpResponse:
    """The client's messages with the staff who work with them; a new one in their words."""
    client = _client(request)
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.message_to_worker(
                    client=client, text=form.cleaned_data["text"], request=request
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                return redirect(f"{reverse('portal:messages')}#latest")
    conversation = selectors.conversation(client=client)  # as it was: new ones show as new
    if request.method == "GET":
        selectors.record_own_read(client, request, what="messages")
        services.messages_mark_read(client=client, by_client=True)
    context = {"client": client, "form": form, "conversation": conversation, "tab": "messages"}
    return render_page(request, "portal/messages.html", context, status=status)


@require_http_methods(["GET", "POST"])
@portal_sign_in_required
def check_in(request: HttpRequest, goal_id: int) -> HttpResponse:
    """The client says how a goal is going, in their own words."""
    client, goal = _own(request, Goal, goal_id)
    levels = goal.gas_levels if goal.gas_complete else []
    form = CheckInForm(request.POST or None, levels=levels)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.check_in(
                    client=client, goal=goal, fields=form.cleaned_data, request=request
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                return redirect(f"{reverse('portal:plan')}#goal-{goal.pk}")
    else:
        selectors.record_own_read(client, request, what="check-in")
    context = {"client": client, "goal": goal, "form": form, "tab": "plan"}
    return render_page(request, "portal/check_in.html", context, status=status)


@require_POST
@portal_sign_in_required
def plan_agree(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    plan = selectors.my_plan(client)["plan"]
    if plan is None:
        raise Http404("No plan")
    try:
        services.plan_agree(client=client, plan=plan, request=request)
    except DomainError as error:
        context = {
            "client": client,
            **selectors.my_plan(client),
            "words": selectors.my_words(client),
            "tab": "plan",
            "agree_error": error.message,
        }
        return render_page(request, "portal/plan.html", context, status=400)
    return redirect(f"{reverse('portal:plan')}#agree")


@portal_sign_in_required
def help_page(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    selectors.record_own_read(client, request, what="help")
    help_ = selectors.my_help(client)
    choices = RatingForm.base_fields["helpful"].choices  # type: ignore[attr-defined]
    words = dict(choices)
    for referral in help_["referrals"]:
        referral.helpful_words = words.get(referral.helpful, "")
    context = {"client": client, **help_, "rating_choices": choices, "tab": "help"}
    return render_page(request, "portal/help.html", context)


@require_POST
@portal_sign_in_required
def referral_rate(request: HttpRequest, referral_id: int) -> HttpResponse:
    client, referral = _own(request, Referral, referral_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        with contextlib.suppress(DomainError):  # not finished yet: the page says so
            services.referral_rate(
                client=client,
                referral=referral,
                helpful=form.cleaned_data["helpful"],
                comment=form.cleaned_data["comment"],
                request=request,
            )
    return redirect(f"{reverse('portal:help')}#referral-{referral.pk}")


@portal_sign_in_required
def my_record(request: HttpRequest, fmt: str) -> HttpResponse:
    """The client downloads a copy of their whole record (JSON or PDF)."""
    if fmt not in record_services.FORMATS:
        raise Http404("No such format")
    client = _client(request)
    content, content_type = record_services.record_copy_for(
        client=client, fmt=fmt, actor_label=services.actor_label(client), request=request
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="my-record.{fmt}"'
    return response


# --- staff ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, client_id: int) -> HttpResponse:
    """The worker invites the client: a one-time code to print or to send by email."""
    write = request.method == "POST"
    client = access_client(
        request.user, client_id, write=write, request=request, read="" if write else "client.viewed"
    )
    form = InviteForm(request.POST or None, client=client)
    status = 200
    if request.method == "POST" and request.POST.get("turn_off"):
        services.account_turn_off(acting_user=request.user, client=client, request=request)  # type: ignore[arg-type]
        return redirect("portal:invite", client_id=client.pk)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                invitation, code = services.invitation_create(
                    acting_user=request.user,  # type: ignore[arg-type]
                    client=client,
                    email=form.cleaned_data["email"],
                    request=request,
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                context = {"client": client, "code": code, "invitation": invitation}
                return render_page(request, "portal/invite_done.html", context, status=200)
    context = {
        "client": client,
        "form": form,
        "has_account": selectors.has_account(client),
        "now": timezone.now(),
    }
    return render_page(request, "portal/invite.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def client_messages(request: HttpRequest, client_id: int) -> HttpResponse:
    """Staff: the client's messages in the portal, and a new one to them."""
    write = request.method == "POST"
    client = access_client(
        request.user, client_id, write=write, request=request, read="" if write else "client.viewed"
    )
    form = MessageForm(request.POST or None)
    status = 200
    if write:
        status = 400
        if form.is_valid():
            try:
                services.message_to_client(
                    acting_user=request.user,  # type: ignore[arg-type]
                    client=client,
                    text=form.cleaned_data["text"],
                    request=request,
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                return redirect(f"{reverse('portal:client-messages', args=[client.pk])}#latest")
    conversation = selectors.conversation(client=client)  # as it was: new ones show as new
    if not write:
        services.messages_mark_read(client=client, by_client=False)
    context = {
        "client": client,
        "form": form,
        "conversation": conversation,
        "has_account": selectors.has_account(client),
    }
    return render_page(request, "portal/client_messages.html", context, status=status)
