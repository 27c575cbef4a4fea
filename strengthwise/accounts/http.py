"""Typing for requests made by a signed-in staff member (views behind login_required, the API)."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class StaffRequest(HttpRequest):
    user: User  # type: ignore[assignment]
    htmx: HtmxDetails
