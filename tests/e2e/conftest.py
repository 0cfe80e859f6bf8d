"""Browser tests: Playwright (Python) driving Debian's chromium against the live server.

Locally they skip with a reason when chromium is missing; with REQUIRE_BROWSER_TESTS=1 (CI) a
missing browser is a failure instead.
"""

import functools
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make in
# that thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    # The walks over every page check markup (axe, sideways scrolling), which the database does
    # not change: CI runs them in its SQLite leg. The PostgreSQL leg still opens every page in
    # the isolation walk (tests/test_isolation.py) and runs every other browser test.
    on_postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    skip_walk = pytest.mark.skip(
        reason="a markup walk: the database does not change markup, the SQLite run walks it "
        "(MARKUP_WALKS=1 runs it here too)"
    )
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if (
                on_postgres
                and item.get_closest_marker("markup_walk")
                and os.environ.get("MARKUP_WALKS") != "1"
            ):
                item.add_marker(skip_walk)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(message + "; REQUIRE_BROWSER_TESTS=1 makes this a failure")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    # Every page runs under the app's Content-Security-Policy: anything it blocks (an inline
    # style or script, an asset from elsewhere) is a broken page, so it fails the test.
    blocked = []
    new_page.on(
        "console",
        lambda message: (
            blocked.append(f"{new_page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield new_page
    context.close()
    assert not blocked, "the Content-Security-Policy blocked:\n" + "\n".join(blocked)


def log_in(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@functools.cache
def _axe():
    """One Axe (it reads axe-core's script from disk when made)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def assert_accessible(page, *, preload=True):
    """axe-core (shipped inside axe-playwright-python) finds no WCAG 2.x A/AA violation.

    ``preload=False`` for pages whose stylesheets ``@import`` others (the Django admin's): axe
    would copy them into ``<style>`` elements of its own, which the Content-Security-Policy
    blocks, and the page fixture would blame the page.

    A click that follows a link returns once the new page has started to arrive; axe run on a
    document still being parsed finds no ``documentElement``, so the page is first loaded."""
    page.wait_for_load_state("load")
    results = _axe().run(
        page,
        options={
            "preload": preload,
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
            },
            # Only violations are asserted: axe then skips collecting the details of every
            # passing and inapplicable check, which is most of its time on a big page.
            "resultTypes": ["violations"],
        },
    )
    violations = results.response["violations"]
    assert not violations, results.generate_report()
