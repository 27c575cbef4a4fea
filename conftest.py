"""Test personas (DESIGN.md §5, PERSONAS.md) and helpers shared by every app's tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from strengthwise.accounts.services import api_token_create
from strengthwise.audit.models import AuditEvent
from strengthwise.people.personas import Personas, create_personas


@pytest.fixture
def personas(db: Any) -> Personas:
    return create_personas()


@pytest.fixture
def alice(personas: Personas) -> Any:
    return personas.alice


@pytest.fixture
def bob(personas: Personas) -> Any:
    return personas.bob


@pytest.fixture
def carol(personas: Personas) -> Any:
    return personas.carol


@pytest.fixture
def mallory(personas: Personas) -> Any:
    return personas.mallory


@pytest.fixture
def dana(personas: Personas) -> Any:
    return personas.dana


@pytest.fixture
def web() -> Any:
    """web(user) -> a Django test client signed in as `user` (or anonymous for None)."""

    def make(user: Any = None) -> HttpClient:
        client = HttpClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


class ApiClient:
    def __init__(self, token: str | None):
        self.http = HttpClient()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kw: Any) -> Any:
        return self.http.get(path, headers=self.headers, **kw)

    def post(self, path: str, data: Any) -> Any:
        return self.http.post(path, data, content_type="application/json", headers=self.headers)

    def patch(self, path: str, data: Any) -> Any:
        return self.http.patch(path, data, content_type="application/json", headers=self.headers)


@pytest.fixture
def api() -> Any:
    """api(user) -> a JSON client carrying a fresh bearer token for `user` (None: no token)."""

    def make(user: Any = None) -> ApiClient:
        return ApiClient(
            api_token_create(acting_user=None, user=user) if user is not None else None
        )

    return make


@pytest.fixture
def audit_events() -> Any:
    """audit_events(action, **filters) -> matching events, newest last."""

    def find(action: str, **filters: Any) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(action=action, **filters).order_by("seq"))

    return find
