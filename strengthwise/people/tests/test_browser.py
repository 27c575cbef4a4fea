"""End-to-end checks in a real browser: what a caseworker sees and can do, and that it is accessible.

These drive the Debian Chromium at /usr/bin/chromium through Playwright (never a downloaded
browser) against pytest-django's live server, and run axe-core on every page they visit.
Without Chromium the module is skipped, unless STRENGTHWISE_REQUIRE_BROWSER=1 (CI) makes that
a failure.
"""

from __future__ import annotations

import os

# Playwright's sync API runs an asyncio loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told it is safe (it is: nothing here is really async).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from strengthwise.people.personas import DEMO_PASSWORD, create_personas

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000

# Per page (by id): static files that failed to load, requests the CSP blocked.
_PROBLEMS: dict[int, list[str]] = {}


def _unavailable(reason: str) -> None:
    if os.environ.get("STRENGTHWISE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"STRENGTHWISE_REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}")
    pytest.skip(
        f"browser tests skipped: {reason} (set STRENGTHWISE_REQUIRE_BROWSER=1 to fail instead)"
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} does not exist (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - the dev extras install it
        _unavailable(f"Playwright is not installed ({error})")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def new_page(
    browser: Any, live_server: Any, django_db_serialized_rollback: Any, transactional_db: Any
) -> Iterator[Any]:
    """new_page(viewport=None) -> a page in a fresh browser context (own cookies) on the live server.

    The live server runs in another thread, so the data must be committed: transactional_db
    (with serialized rollback, so the rows migrations create — the audit chain head — are
    restored after the flush),
    and each test calls create_personas() itself. Every page records the stylesheets and
    scripts that failed to load and anything the Content-Security-Policy blocked, so a test
    cannot pass against an unstyled, script-less page (see assert_page_assets_loaded).
    """
    contexts: list[Any] = []

    def make(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(base_url=live_server.url, viewport=viewport or DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems: list[str] = []
        _PROBLEMS[id(page)] = problems

        def on_response(response: Any) -> None:
            if response.status >= 400 and "/static/" in response.url:
                problems.append(f"{response.status} for {response.url}")

        def on_console(message: Any) -> None:
            if message.type == "error" and "Content Security Policy" in message.text:
                problems.append(f"CSP blocked something: {message.text}")

        def on_request_failed(request: Any) -> None:
            if not any(request.url in problem for problem in problems):
                problems.append(f"request failed ({request.failure}): {request.url}")

        page.on("response", on_response)
        page.on("requestfailed", on_request_failed)
        page.on("console", on_console)
        return page

    yield make
    for context in contexts:
        for page in context.pages:
            _PROBLEMS.pop(id(page), None)
        context.close()


def assert_page_assets_loaded(page: Any, what: str) -> None:
    """The stylesheet and scripts arrived and the CSP blocked nothing: the page is as users see it."""
    problems = _PROBLEMS.get(id(page), [])
    if problems:
        pytest.fail(
            f"{what} did not load cleanly ({page.url}); is every static directory on the "
            "staticfiles finders' path (STATICFILES_DIRS / app static/)?\n"
            + "\n".join(f"- {p}" for p in problems),
            pytrace=False,
        )
    styled = page.evaluate(
        "() => [...document.styleSheets].some(s => (s.href || '').includes('/static/'))"
    )
    assert styled, f"{what} has no stylesheet from /static/ ({page.url})"


def assert_accessible(page: Any, what: str) -> None:
    """axe-core finds no serious or critical problem on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    # Contrast and layout checks mean nothing on a page whose stylesheet did not load.
    assert_page_assets_loaded(page, what)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    if bad:
        lines = [
            f"axe found {len(bad)} serious/critical accessibility problem(s) on {what} ({page.url}):"
        ]
        for violation in bad:
            lines.append(
                f"- {violation['id']} [{violation['impact']}]: {violation['help']} ({violation['helpUrl']})"
            )
            for node in violation["nodes"]:
                target = " ".join(str(t) for t in node["target"])
                summary = "; ".join(
                    line.strip()
                    for line in node.get("failureSummary", "").splitlines()
                    if line.strip()
                )
                lines.append(f"    at {target}: {summary}")
        pytest.fail("\n".join(lines), pytrace=False)


def sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/clients/$"))


def assert_no_horizontal_scroll(page: Any, what: str) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"] + 1, (
        f"{what} scrolls sideways on a {widths['inner']}px-wide screen "
        f"(content is {widths['scroll']}px wide)"
    )


def test_alice_signs_in_through_the_form_and_lands_on_her_caseload(new_page):
    create_personas()
    page = new_page()
    page.goto("/clients/")  # not signed in: sent to the sign-in page
    page.wait_for_url(re.compile(r"/accounts/sign-in/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert_accessible(page, "the sign-in page")

    page.fill("#id_username", "alice")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(re.compile(r"/clients/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "My caseload"
    caseload = page.locator("table.clients")
    assert caseload.get_by_role("link", name="Dana Whitfield").is_visible()
    assert caseload.get_by_role("link", name="Rosa Hernández").is_visible()
    assert "Alice Moreno" in page.locator(".who").inner_text()
    assert_accessible(page, "the caseload")


def test_search_forgives_a_typo_and_opens_the_face_sheet(new_page):
    personas = create_personas()
    page = new_page()
    sign_in(page, "alice")
    page.goto("/clients/search/")
    assert_accessible(page, "the empty search page")

    with page.expect_response(lambda r: "/clients/search/?q=Witfield" in r.url and r.status == 200):
        page.locator("#id_q").press_sequentially("Witfield", delay=20)
    result = page.locator("#results").get_by_role("link", name="Dana Whitfield")
    result.wait_for(state="visible")
    assert "Witfield" in page.url, "the live search should keep the query in the address bar"
    assert_accessible(page, "the search results")

    result.click()
    page.wait_for_url(re.compile(rf"/clients/{personas.dana.pk}/$"))
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text().startswith("Dana Whitfield")
    assert page.get_by_role("heading", name="Strengths").is_visible()
    assert_accessible(page, "Dana's face sheet")


def test_intake_warns_about_a_likely_duplicate_then_saves_a_different_person(new_page):
    personas = create_personas()
    page = new_page()
    sign_in(page, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New client").click()
    page.wait_for_url(re.compile(r"/clients/new/$"))
    assert_accessible(page, "the intake form")

    page.fill("#id_legal_first_name", "Dana")
    page.fill("#id_legal_last_name", "Whitfeeld")
    page.fill("#id_date_of_birth", "1992-04-17")
    page.get_by_role("button", name="Save and open the face sheet").click()

    warning = page.locator(".duplicates")
    warning.wait_for(state="visible")
    assert warning.get_by_role("heading").inner_text() == "This person may already be on record"
    assert warning.get_by_role("link", name="Dana Whitfield").is_visible()
    # Nothing was typed twice: the form still holds what alice entered.
    assert page.input_value("#id_legal_last_name") == "Whitfeeld"
    assert page.input_value("#id_date_of_birth") == "1992-04-17"
    assert_accessible(page, "the intake duplicate warning")

    page.get_by_role("button", name="This is a different person — save").click()
    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    new_id = int(re.search(r"/clients/(\d+)/$", page.url).group(1))
    assert new_id not in (personas.dana.pk, personas.dana_duplicate.pk)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Dana Whitfeeld")
    assert "Dana Whitfeeld is on record" in page.locator(".messages").inner_text()


def test_phone_and_desktop_layouts_do_not_scroll_sideways(new_page):
    personas = create_personas()
    ARTIFACTS.mkdir(exist_ok=True)
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport)
        sign_in(page, "alice")
        assert page.locator("table.clients").get_by_role("link", name="Dana Whitfield").is_visible()
        assert_page_assets_loaded(page, f"the caseload ({label})")
        assert_no_horizontal_scroll(page, f"the caseload ({label})")
        page.screenshot(path=str(ARTIFACTS / f"caseload-{label}.png"), full_page=True)

        page.locator("table.clients").get_by_role("link", name="Dana Whitfield").click()
        page.wait_for_url(re.compile(rf"/clients/{personas.dana.pk}/$"))
        assert page.get_by_role("heading", level=1).inner_text().startswith("Dana Whitfield")
        assert_no_horizontal_scroll(page, f"Dana's face sheet ({label})")
        page.screenshot(path=str(ARTIFACTS / f"face-sheet-{label}.png"), full_page=True)
        if label == "phone":
            assert_accessible(page, "Dana's face sheet on a phone")


def test_another_workers_client_is_not_found_for_carol(new_page):
    personas = create_personas()
    page = new_page()
    sign_in(page, "carol")
    caseload = page.locator("main").inner_text()
    assert "Keisha Brown" in caseload
    assert "Whitfield" not in caseload

    response = page.goto(f"/clients/{personas.dana.pk}/")
    assert response is not None
    assert response.status == 404
    assert "Not found" in page.locator("h1").inner_text()
    assert "Whitfield" not in page.content()
