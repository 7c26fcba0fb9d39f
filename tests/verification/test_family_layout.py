"""How the family pages look in a real Chromium: a checkbox beside its words, a days box that shows "14",
on a phone the download link and "Thu hồi" on screen.

The pages are rendered by the test client and shown to the browser with the app's own stylesheets (no live
server: the seeded city stays in the test's transaction).
"""

from __future__ import annotations

import mimetypes
import os

import pytest
from django.contrib.staticfiles import finders

from hocba.verification.models import ShareLink

CHROMIUM = os.environ.get("HOCBA_CHROMIUM", "/usr/bin/chromium")  # as tests/browser/conftest.py
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM) and os.environ.get("HOCBA_REQUIRE_BROWSER") != "1",
                                 reason=f"{CHROMIUM} không có (apt-get install -y chromium)")]

ORIGIN = "http://hocba.test"


def measure(response, script: str, arg: str, width: int = 1366):
    """Show the rendered page (with the app's stylesheets) in Chromium at ``width`` × 900 and run ``script(arg)``.

    The browser starts only once the page is rendered: Playwright keeps an event loop in this thread while
    it runs, and the fixtures (signing a record) must not see it.
    """
    from playwright.sync_api import sync_playwright

    assert response.status_code == 200
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900}, locale="vi-VN")
            show(page, response.content)
            return page.evaluate(script, arg)
        finally:
            browser.close()


def show(page, html: bytes) -> None:
    """Open ``html`` in ``page`` at a test origin that serves the app's static files."""

    def serve(route):
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        found = finders.find(path.removeprefix("/static/")) if path.startswith("/static/") else None
        if path == "/page/":
            route.fulfill(body=html, content_type="text/html; charset=utf-8")
        elif found:
            with open(found, "rb") as f:
                route.fulfill(body=f.read(), content_type=mimetypes.guess_type(found)[0] or "text/plain")
        else:
            route.fulfill(status=404, body=b"")

    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/page/")


CHECKBOX_AND_WORDS = """(selector) => {
  const box = document.querySelector(selector);
  const label = box.closest('label');
  const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode()) && !node.textContent.trim()) {}
  const range = document.createRange();
  const start = node.textContent.search(/\\S/);
  range.setStart(node, start);
  range.setEnd(node, start + 1);
  const a = box.getBoundingClientRect(), b = range.getBoundingClientRect();
  return {box: {left: a.left, right: a.right, top: a.top, bottom: a.bottom, width: a.width},
          word: {left: b.left, top: b.top, bottom: b.bottom}, text: label.textContent.trim()};
}"""


def test_the_login_code_checkbox_sits_at_the_start_of_its_line(student, login):
    for username in ("hocsinh", "phuhuynh"):
        where = measure(login(username).get("/gia-dinh/bao-mat/"), CHECKBOX_AND_WORDS,
                        "input[type=checkbox][name=email_otp]")
        box, word = where["box"], where["word"]
        assert where["text"].startswith("Mỗi lần đăng nhập")
        assert box["width"] < 30  # a box, not a bar across the card
        assert box["top"] < word["bottom"] and word["top"] < box["bottom"]  # on the line of its words
        assert 0 <= word["left"] - box["right"] < 20  # just before them


FITS = """(selector) => {
  const input = document.querySelector(selector);
  const style = getComputedStyle(input);
  const canvas = document.createElement('canvas').getContext('2d');
  canvas.font = style.font;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {value: input.value, room, text: canvas.measureText(input.value).width};
}"""


def test_the_share_link_days_box_shows_fourteen_beside_its_arrows(signed, login):
    fit = measure(login("phuhuynh").get("/gia-dinh/"), FITS, "input[name=days]")
    spin_buttons = 16  # Chromium's up/down arrows inside a number box
    assert fit["value"] == "14" and fit["room"] >= fit["text"] + spin_buttons, fit
    assert fit["room"] < 10 * fit["text"], fit  # still a small box for a small number


ON_SCREEN = """(selectors) => selectors.map((selector) => {
  const el = document.querySelector(selector);
  const r = el.getBoundingClientRect();
  return {selector, left: r.left, right: r.right, width: r.width, text: el.textContent.trim(),
          page: document.documentElement.scrollWidth};
})"""


def test_on_a_phone_the_download_and_the_share_link_are_on_screen(signed, login):
    guardian = login("phuhuynh")
    guardian.post(f"/gia-dinh/hoc-ba/{signed.year_record_id}/chia-se/", {"days": 7, "note": "Trường THPT A"})
    assert guardian.get(f"/gia-dinh/phien-ban/{signed.pk}/pdf/").status_code == 200  # a line in the access log
    phone = 390
    where = measure(guardian.get("/gia-dinh/"), ON_SCREEN,
                    ["a[href$='/pdf/']", "a.share-url", ".share-links form button", ".access-log td",
                     ".share-links button[data-copy]"], width=phone)
    for item in where:
        # seen without scrolling sideways, inside the table or the page
        assert item["width"] > 0 and item["left"] >= 0 and item["right"] <= phone, item
        assert item["page"] <= phone, item
    assert [item["text"] for item in where[:1] + where[2:3] + where[4:]] == ["PDF đã ký", "Thu hồi",
                                                                           "Sao chép liên kết"]


def test_the_share_link_is_copied_with_one_tap(signed, login):
    """A parent on a phone had to long-press the long address to copy it into Zalo."""
    from playwright.sync_api import sync_playwright

    guardian = login("phuhuynh")
    guardian.post(f"/gia-dinh/hoc-ba/{signed.year_record_id}/chia-se/", {"days": 7, "note": "Trường THPT A"})
    html = guardian.get("/gia-dinh/").content
    url = ShareLink.objects.get().token
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 900}, locale="vi-VN")
            show(page, html)
            page.evaluate("""() => document.addEventListener('copy', () => {
                const box = document.activeElement;
                window.copied = box.value.substring(box.selectionStart, box.selectionEnd);
            })""")
            button = page.locator("button[data-copy]")
            button.click()
            assert button.text_content() == "Đã sao chép"
            copied = page.evaluate("() => window.copied")
        finally:
            browser.close()
    assert copied.startswith("http") and copied.endswith(f"/chia-se/{url}/")
