"""Test personas (DESIGN.md §5, PERSONAS.md) and helpers shared by every app's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import translation

from strengthwise.accounts.services import api_token_create
from strengthwise.accounts.testing import recovery_code_for, verified_session
from strengthwise.audit.models import AuditEvent
from strengthwise.core import testing_browser
from strengthwise.people.personas import DEMO_PASSWORD, Personas, create_personas


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """A request in Spanish leaves Spanish active in the thread (LocaleMiddleware activates,
    nothing deactivates); without this, a later test's output depended on the order."""
    yield
    translation.deactivate()


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
def demo_agency(db: Any) -> Personas:
    """The whole demo agency as `strengthwise demo` loads it (40 fictional clients besides the
    personas); returns the personas (Dana is `demo_agency.dana`)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    personas = None
    for path in settings.STRENGTHWISE_DEMO_LOADERS:
        result = import_string(path)(clients=40)
        if isinstance(result, dict) and isinstance(result.get("personas"), Personas):
            personas = result["personas"]
    assert personas is not None, "the people demo loader returns the personas"
    return personas


@pytest.fixture
def web() -> Any:
    """web(user) -> a Django test client signed in as `user` (or anonymous for None), past the
    second factor (accounts/tests/test_second_factor.py tests that step itself)."""

    def make(user: Any = None) -> HttpClient:
        client = HttpClient()
        if user is not None:
            client.force_login(user)
            verified_session(client, user)  # as after the second step of signing in
        return client

    return make


class ApiClient:
    def __init__(self, token: str | None):
        self.http = HttpClient()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kw: Any) -> Any:
        return self.http.get(path, headers=self.headers, **kw)

    def post(self, path: str, data: Any, headers: dict[str, str] | None = None) -> Any:
        return self.http.post(
            path, data, content_type="application/json", headers={**self.headers, **(headers or {})}
        )

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


# --- browser tests (strengthwise/core/testing_browser.py has the helpers) ----------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Debian Chromium, one per test module; skipped (or, with
    STRENGTHWISE_REQUIRE_BROWSER=1, failed) when it cannot run. While it is up, Django allows ORM
    calls from this thread (Playwright's sync API keeps an asyncio loop running in it)."""
    yield from testing_browser.launch_chromium()


@pytest.fixture
def new_page(
    browser: Any, live_server: Any, django_db_serialized_rollback: Any, transactional_db: Any
) -> Iterator[Any]:
    """new_page(viewport=None) -> a page in a fresh browser context (own cookies) on the live server.

    The live server runs in another thread, so the data must be committed: transactional_db
    (with serialized rollback, so the rows migrations create — the audit chain head — are
    restored after the flush), and each test calls create_personas() itself. Every page records
    the stylesheets and scripts that failed to load and anything the Content-Security-Policy
    blocked, so a test cannot pass against an unstyled, script-less page
    (see testing_browser.assert_page_assets_loaded).
    """
    contexts: list[Any] = []

    def make(viewport: dict[str, int] | None = None) -> Any:
        return testing_browser.open_page(browser, live_server.url, contexts, viewport)

    yield make
    testing_browser.close_contexts(contexts)


@pytest.fixture
def sign_in() -> Any:
    """sign_in(page, username) -> signs in through the form with the personas' password and a
    one-time recovery code as the second factor, and waits for the page their role lands on."""

    def run(page: Any, username: str) -> None:
        testing_browser.sign_in(page, username, DEMO_PASSWORD, code=recovery_code_for(username))

    return run


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Browser tests last (after pytest-django has put transactional tests after the others).
    After a live-server test the database's content types come back under new ids, which the
    serialized rollback of a later non-browser transactional test (core/tests/test_backup.py)
    cannot load over; browser tests among themselves are unaffected. The cause is under
    investigation; the order keeps every test independent of it.

    Under pytest-xdist (`make test`: two workers, `--dist load`) every worker collects the same
    sorted list and is handed its share as consecutive chunks in this order, so each worker
    still runs its non-transactional tests first, then its transactional ones, then its browser
    tests — and each has a test database of its own (pytest-django adds _gw0, _gw1 to the name;
    an in-memory SQLite database belongs to its process anyway)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    # A transactional test without serialized rollback leaves the content types that its
    # flush re-creates; the next serialized-rollback test (test_backup, the browser tests) then
    # fails to load over them on PostgreSQL. So every transactional test rolls back serialized.
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            raise pytest.UsageError(
                f"{item.nodeid}: use django_db(transaction=True, serialized_rollback=True)"
            )
