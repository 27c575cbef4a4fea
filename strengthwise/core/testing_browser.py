"""Helpers for the browser tests: Chromium through Playwright against pytest-django's live server.

The fixtures that use these (``browser``, ``new_page``) live in the repository's root
conftest.py; the test modules import the helpers from here. Nothing here is used at runtime:
Playwright and axe-core are imported only when a browser test runs.

These drive the Debian Chromium at /usr/bin/chromium (never a downloaded browser) and run
axe-core on the pages the tests visit. Without Chromium the browser tests are skipped, unless
STRENGTHWISE_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000

# Per page (by id): static files that failed to load, requests the CSP blocked.
_PROBLEMS: dict[int, list[str]] = {}


def unavailable(reason: str) -> None:
    """Skip the browser test, or fail it when STRENGTHWISE_REQUIRE_BROWSER=1."""
    if os.environ.get("STRENGTHWISE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"STRENGTHWISE_REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}")
    pytest.skip(
        f"browser tests skipped: {reason} (set STRENGTHWISE_REQUIRE_BROWSER=1 to fail instead)"
    )


@contextmanager
def async_unsafe_allowed() -> Iterator[None]:
    """While Playwright runs, let Django use the ORM from this thread.

    Playwright's sync API leaves an asyncio loop marked as running in this thread from start()
    to stop(); Django refuses ORM calls from such a thread unless told it is safe (it is:
    nothing here is really async). Only for as long as the browser is up, so the rest of the
    suite keeps Django's guard.
    """
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def launch_chromium() -> Iterator[Any]:
    """Yield a headless Chromium; skip (or fail, in CI) when it cannot run here."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} does not exist (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - the dev extras install it
        unavailable(f"Playwright is not installed ({error})")
    with async_unsafe_allowed():
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception:
            playwright.stop()
            raise
        try:
            yield chromium
        finally:
            chromium.close()
            playwright.stop()


def expect(target: Any, message: str | None = None) -> Any:
    """Playwright's auto-waiting assertions, imported only when a browser test runs (so a missing
    Playwright skips the browser tests instead of breaking collection)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target, message)


def open_page(browser: Any, base_url: str, contexts: list[Any], viewport: Any = None) -> Any:
    """A page in a fresh browser context (own cookies) that records what failed to load."""
    context = browser.new_context(base_url=base_url, viewport=viewport or DESKTOP)
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


def close_contexts(contexts: list[Any]) -> None:
    for context in contexts:
        for page in context.pages:
            _PROBLEMS.pop(id(page), None)
        context.close()


def wait_until_loaded(page: Any) -> None:
    """Wait for the page's load event: its stylesheets and scripts have arrived (or failed).

    A click that follows a link returns once the new page has started loading, not when it has
    loaded; a check made straight after it raced the stylesheet's download, and lost when the
    machine was busy (two test workers, or anything else on the CPU)."""
    page.wait_for_load_state("load")


def assert_page_assets_loaded(page: Any, what: str) -> None:
    """The stylesheet and scripts arrived and the CSP blocked nothing: the page is as users see it."""
    wait_until_loaded(page)
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


# The rules of WCAG 2.1 levels A and AA, as axe-core tags them.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_accessible(page: Any, what: str) -> None:
    """axe-core finds no serious or critical problem on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    # Contrast and layout checks mean nothing on a page whose stylesheet did not load.
    assert_page_assets_loaded(page, what)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    _fail_on(bad, page, f"serious/critical accessibility problem(s) on {what}")


def assert_wcag_clean(page: Any, what: str) -> None:
    """axe-core finds no violation of any WCAG 2.1 level A or AA rule, whatever its impact
    (minor and moderate included), on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    assert_page_assets_loaded(page, what)
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    _fail_on(results.response["violations"], page, f"WCAG 2.1 A/AA violation(s) on {what}")


def _fail_on(bad: list[dict[str, Any]], page: Any, what: str) -> None:
    if bad:
        lines = [f"axe found {len(bad)} {what} ({page.url}):"]
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


def sign_in(page: Any, username: str, password: str, code: str = "") -> None:
    """Sign in through the form, as a person would; lands where the role works (a worker's
    caseload, a supervisor's team view, a program manager's reports, an admin's settings).

    (The tests use the ``sign_in`` fixture in conftest.py, which knows the personas' password:
    core may not import people.)"""
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    if code:  # the second step: an authenticator code or a recovery code
        page.wait_for_url(re.compile(r"/accounts/two-factor/"))
        page.fill("#id_code", code)
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/(clients|team|reports|settings)/$"))


def assert_no_horizontal_scroll(page: Any, what: str) -> None:
    wait_until_loaded(page)  # measured without the stylesheet, any page would pass or fail
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"] + 1, (
        f"{what} scrolls sideways on a {widths['inner']}px-wide screen "
        f"(content is {widths['scroll']}px wide)"
    )


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot to test-artifacts/<name>.png (for people to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # caret="initial": Playwright's default hides the caret by setting a style on every input,
    # which left an empty style="" behind; htmx's settle could copy it onto an element it swapped
    # in at the same moment, and the CSP then reported an inline style (a race that failed the
    # intake journey now and then). Leaving the caret alone changes nothing on the page.
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path
