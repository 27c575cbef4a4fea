"""Sign in and out."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _

from .access import landing_for, may_administer
from .http import StaffRequest


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Without a ?next=, the page where the user's role works (`access.landing_for`)."""
        return resolve_url(landing_for(self.request.user))


class SignOutView(auth_views.LogoutView):
    pass


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
