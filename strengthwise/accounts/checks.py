"""Deployment checks for signing in (run by `strengthwise check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def second_factor_required(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.STRENGTHWISE_REQUIRE_SECOND_FACTOR:
        return []
    return [
        Error(
            "The second factor at sign-in is switched off (STRENGTHWISE_DEMO is set).",
            hint="Only the demo runs without it: unset STRENGTHWISE_DEMO on a real server.",
            id="strengthwise.E101",
        )
    ]
