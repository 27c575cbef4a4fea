"""Cross-cutting HTTP behaviour: security headers, no caching of client data, session limits."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

# Strict policy: no inline scripts or styles anywhere (DESIGN §4). The API docs page is the
# one exception and gets its own, still self-only, policy.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)
CSP_API_DOCS = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)

Handler = Callable[[HttpRequest], HttpResponse]


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = CSP_API_DOCS if request.path.startswith("/api/docs") else CSP
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class NoStoreMiddleware:
    """Pages seen by a signed-in user may hold client data: never let a browser cache them."""

    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response


class SessionLifetimeMiddleware:
    """End a session 12 hours after sign-in whatever the activity; and renew it for the idle
    limit (SESSION_COOKIE_AGE) as it is used — at most once per SESSION_RENEW_SECONDS, not on
    every request: each renewal is a write, which on SQLite queues behind every other write.
    A session therefore ends between SESSION_COOKIE_AGE − SESSION_RENEW_SECONDS and
    SESSION_COOKIE_AGE after its last request."""

    KEY = "_sw_signed_in_at"
    RENEWED = "_sw_renewed_at"

    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            started = request.session.get(self.KEY)
            now = int(time.time())
            if started is None:
                request.session[self.KEY] = now
            elif now - int(started) > settings.SESSION_ABSOLUTE_LIMIT_SECONDS:
                logout(request)
                return redirect(settings.LOGIN_URL)
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            last = session.get(self.RENEWED)
            # A session saved anyway (changed by this request) is renewed by that save too.
            if (
                session.modified
                or last is None
                or now - int(last) >= settings.SESSION_RENEW_SECONDS
            ):
                session[self.RENEWED] = now  # saved (and its expiry moved) by SessionMiddleware
        return response
