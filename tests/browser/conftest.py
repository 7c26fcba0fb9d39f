"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Without /usr/bin/chromium the tests are skipped locally, and fail when HOCBA_REQUIRE_BROWSER=1
(CI sets it), so a missing browser can never turn CI green. Screenshots go to
``HOCBA_SCREENSHOT_DIR`` when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("HOCBA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
# Playwright's sync API keeps an event loop in the test thread; Django would refuse ORM calls made there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    required = os.environ.get("HOCBA_REQUIRE_BROWSER") == "1"
    for item in items:
        if "browser" in item.keywords and not required:
            item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} không có (apt-get install -y chromium)"))


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module: Playwright's sync API keeps an asyncio loop running in this thread while it
    is open, and later tests on the same worker (PAdES signing uses asyncio.run) must not inherit it."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"HOCBA_REQUIRE_BROWSER=1 nhưng không có {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="vi-VN",
                                   timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def sign_in(live_server, browser_context):
    """``sign_in("gvbm")`` → a page signed in through the login form."""

    def _sign_in(username: str, context=None):
        page = (context or browser_context).new_page()
        page.goto(f"{live_server.url}/dang-nhap/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "hocba-demo")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/dang-nhap/" not in url)
        return page

    return _sign_in


@pytest.fixture
def shot():
    """``shot(page, "grid")`` saves a full-page screenshot when HOCBA_SCREENSHOT_DIR is set."""
    folder = os.environ.get("HOCBA_SCREENSHOT_DIR")

    def _shot(page, name: str, **kwargs):
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"hocba-{name}.png"), **kwargs)

    return _shot
