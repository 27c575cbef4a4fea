"""Sign in and out."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from .access import landing_for, may_administer
from .http import StaffRequest
from .services import password_changed


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Without a ?next=, the page where the user's role works (`access.landing_for`)."""
        return resolve_url(landing_for(self.request.user))


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
