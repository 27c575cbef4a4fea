"""Sign in and out, the second factor, password and account security."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from strengthwise.core.errors import DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.validation import parse_id

from . import second_factor
from .access import landing_for, may_administer
from .forms import ApiTokenForm, EnrolmentForm, SecondFactorForm
from .http import StaffRequest
from .services import api_token_create, api_token_revoke, api_tokens, password_changed


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Without a ?next=, the page where the user's role works (`access.landing_for`)."""
        return resolve_url(landing_for(self.request.user))

    def get_success_url(self) -> str:
        """After the password, the second factor (with where they were going kept)."""
        url = super().get_success_url()
        if second_factor.needs_second_factor(self.request):
            return f"{reverse('accounts:two-factor')}?{urlencode({'next': url})}"
        return url


class SignOutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every user changes their own password: the current one first, then the new one twice
    (the agency's password rules apply). Audited; other sessions of the user end."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-changed")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        password_changed(acting_user=form.user, request=self.request)
        messages.success(self.request, _("Your password is changed."))
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where each role's work is (`access.landing_for`); signing in lands here."""
    return redirect(landing_for(request.user))


@login_required
def settings_home(request: StaffRequest) -> HttpResponse:
    """The agency admin's page: the agency's settings, each with what it is for."""
    if not may_administer(request.user):
        message = _("Only the agency's admins change its settings.")
        return render(request, "not_allowed.html", {"message": message}, status=403)
    return render(request, "accounts/settings.html", {"agency": request.user.agency})


@login_required
def password_changed_page(request: HttpRequest) -> HttpResponse:
    return redirect(landing_for(request.user))


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(landing_for(request.user))


@login_required
def two_factor(request: StaffRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app (or a recovery code);
    someone without an authenticator sets one up here first (QR code, then a code from it,
    then their recovery codes, shown once)."""
    if second_factor.is_verified(request):
        return redirect(_safe_next(request))
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not second_factor.has_authenticator(user):
        return _enrol(request, next_url)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            method = second_factor.second_factor_verify(
                user=user, code=form.cleaned_data["code"], request=request
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            if method == "recovery code":
                left = second_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(left)s are left. "
                        "Make new ones on the Account security page."
                    )
                    % {"left": left},
                )
            return redirect(_safe_next(request))
    return render(request, "accounts/two_factor.html", {"form": form, "next": next_url})


def _enrol(request: StaffRequest, next_url: str) -> HttpResponse:
    device = second_factor.enrolment_device(user=request.user)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.enrolment_confirm(
                user=request.user, code=form.cleaned_data["code"], request=request
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _safe_next(request), "first_time": True},
            )
    context = {
        "form": form,
        "next": next_url,
        "qr": second_factor.qr_svg(device),
        "secret": second_factor.secret_for_typing(device),
        "required": settings.STRENGTHWISE_REQUIRE_SECOND_FACTOR,
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
def security(request: StaffRequest) -> HttpResponse:
    """Account security: the password, the second factor and the recovery codes."""
    user = request.user
    if request.method == "POST" and request.POST.get("action") == "renew-codes":
        try:
            codes = second_factor.recovery_codes_renew(user=user, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": reverse("accounts:security"), "first_time": False},
            )
    context = {
        "has_authenticator": second_factor.has_authenticator(user),
        "codes_left": second_factor.recovery_codes_left(user),
        "required": settings.STRENGTHWISE_REQUIRE_SECOND_FACTOR,
    }
    return render(request, "accounts/security.html", context)


@login_required
def tokens(request: StaffRequest) -> HttpResponse:
    """API tokens: each person makes, sees and revokes their own; an agency admin also sees
    and revokes every token of their agency's staff. A new token is shown once, here."""
    user = request.user
    form = ApiTokenForm(request.POST if request.POST.get("action") == "create" else None)
    created = ""
    if request.method == "POST" and request.POST.get("action") == "revoke":
        try:
            token_id = parse_id(request.POST.get("token"))
            if token_id is None:
                raise DomainError(_("That token was not found."))
            row = api_token_revoke(acting_user=user, token_id=token_id)
        except DomainError:
            messages.error(request, _("That token was not found or is already revoked."))
        else:
            messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": row.prefix})
        return redirect("accounts:tokens")
    if request.method == "POST" and form.is_valid():
        try:
            created = api_token_create(
                acting_user=user,
                user=user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            form = ApiTokenForm()
    context = {
        "form": form,
        "created": created,
        "own": api_tokens(user=user),
        "agency_tokens": (
            [t for t in api_tokens(agency_id=user.agency_id) if t.user_id != user.pk]
            if may_administer(user)
            else None
        ),
    }
    return render(request, "accounts/tokens.html", context)
