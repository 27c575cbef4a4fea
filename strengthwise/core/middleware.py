"""Cross-cutting HTTP behaviour: security headers, no caching of client data, session limits,
and (for `strengthwise bench` only) the server's own time and query count per request."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections
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


class ServerTimingMiddleware:
    """When STRENGTHWISE_SERVER_TIMING is set (`strengthwise bench` sets it for the server it
    starts), every answer says how long Django took over the request and how many SQL queries
    it ran, in a standard `Server-Timing` header:
    `app;dur=12.41, db;dur=3.05, queries;desc="7"`. Off, it is not in the chain at all:
    timings and query counts tell an outsider too much to give them in production.

    Outermost, so `app` covers every other middleware; queries are counted on every database
    connection (the report replica too) by a wrapper around each execution."""

    HEADER = "Server-Timing"

    def __init__(self, get_response: Handler):
        if not settings.STRENGTHWISE_SERVER_TIMING:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counted = {"queries": 0, "seconds": 0.0}

        def count(execute: Any, sql: Any, params: Any, many: bool, context: Any) -> Any:
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                counted["queries"] += 1
                counted["seconds"] += time.perf_counter() - began

        began = time.perf_counter()
        with contextlib.ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(count))
            response = self.get_response(request)
        response.headers[self.HEADER] = (
            f"app;dur={(time.perf_counter() - began) * 1000:.2f}, "
            f"db;dur={counted['seconds'] * 1000:.2f}, "
            f'queries;desc="{counted["queries"]}"'
        )
        return response


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
