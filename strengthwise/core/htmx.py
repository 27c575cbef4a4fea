"""htmx helpers: one view serves the full page and, for htmx requests, just the partial."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render `template`, or only `template#partial` when htmx asks for it."""
    if partial and getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, f"{template}#{partial}", context, status=status)
    return render(request, template, context, status=status)
