"""Hold a signed-in session at the second-factor page until it has passed (second_factor.py)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .second_factor import needs_second_factor

# What a session that owes its second factor may still reach: the sign-in steps themselves,
# signing out, the language switch, static files, the health check, and the API (which takes
# bearer tokens only, never a session).
OPEN_PREFIXES = (
    "/accounts/sign-in/",
    "/accounts/sign-out/",
    "/accounts/two-factor/",
    "/i18n/",
    "/healthz",
    "/api/",
)


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if (
            not path.startswith(OPEN_PREFIXES)
            and not path.startswith(settings.STATIC_URL)
            and needs_second_factor(request)
        ):
            target = reverse("accounts:two-factor")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return HttpResponseRedirect(target)
        return self.get_response(request)
