"""Keep the portal and the staff side apart, whichever session a browser carries.

A portal session (`session["portal"]`) belongs to a client account and reaches only `/portal/`
(and static files, the health check and the language switch): any staff page or API operation
answers 404 to it. A staff session never counts as a portal session — portal pages look only at
the portal key, and only when no staff user is signed in."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import SimpleLazyObject

SESSION_KEY = "portal"
# A client who gave the right password and still owes their code app's code (views.code).
PENDING_KEY = "portal_pending"
PORTAL_PREFIX = "/portal/"
# What a portal session may still reach besides the portal.
SHARED_PREFIXES = ("/i18n/", "/healthz")


def session_check(account: Any) -> str:
    """Changes when the password does: a session from before a reset stops working."""
    return salted_hmac("strengthwise.portal.session", account.password).hexdigest()


def signed_in_account(request: HttpRequest) -> Any:
    """The portal account of this session, or None (also None for any staff session)."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return None
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    from .models import PortalAccount

    account = (
        PortalAccount.objects.filter(pk=data["id"], active=True).select_related("client").first()
    )
    if account is None or not constant_time_compare(str(data.get("check")), session_check(account)):
        return None
    return account


def pending_account(request: HttpRequest) -> Any:
    """The account of a client who gave the right password and still owes their code app's
    code (views.code), or None."""
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    from .models import PortalAccount

    account = (
        PortalAccount.objects.filter(pk=data["id"], active=True).select_related("client").first()
    )
    if account is None or not constant_time_compare(str(data.get("check")), session_check(account)):
        return None
    return account


class PortalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.portal_account = SimpleLazyObject(lambda: signed_in_account(request))  # type: ignore[attr-defined]
        path = request.path
        in_portal = path.startswith(PORTAL_PREFIX)
        if (
            not in_portal
            and SESSION_KEY in request.session
            and not path.startswith((*SHARED_PREFIXES, settings.STATIC_URL))
            and not request.user.is_authenticated
        ):
            if not request.portal_account:  # type: ignore[attr-defined]
                # A portal key that no longer opens an account (a changed password, an account
                # turned off) is dropped, so it does not keep the staff sign-in out of reach.
                request.session.pop(SESSION_KEY, None)
            else:
                # A client's session never reaches a staff page or the staff API.
                return HttpResponseNotFound("Not found")
        if in_portal and not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            account = request.portal_account  # type: ignore[attr-defined]
            if account:
                language = account.client.preferred_language
                if language in dict(settings.LANGUAGES):
                    translation.activate(language)
                    request.LANGUAGE_CODE = language
        return self.get_response(request)


def require_account(request: HttpRequest) -> Any:
    account = request.portal_account  # type: ignore[attr-defined]
    if not account:
        raise Http404("Not signed in to the portal")
    return account


def portal_sign_in_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A portal page: a client's session reaches it; anyone else is sent to the portal's sign-in,
    except a staff session, which gets 404 (staff never act in the portal as a client)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.portal_account:  # type: ignore[attr-defined]
            if request.user.is_authenticated:
                raise Http404("Staff do not use the portal")
            return redirect_to_login(request.get_full_path(), reverse("portal:sign-in"))
        return view(request, *args, **kwargs)

    return wrapped
