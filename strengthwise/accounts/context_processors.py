"""What every page's navigation may offer the signed-in user (decided in `access.py`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import navigation_for
from .second_factor import needs_second_factor


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or needs_second_factor(request):
        return {}
    return {"nav": navigation_for(user)}
