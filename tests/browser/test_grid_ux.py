"""The gradebook as a user walkthrough found it: typing over a cell, confirming what is hard to undo, a phone.

Each test is what the user saw: "11", Enter, then 9 gave "119"; "Chốt điểm môn" locked the sheet in one click;
on a 390 px phone the names scrolled away, the message was cut off, the history panel squeezed the table and the
locks page was wider than the screen; the browser's own check of "Số ngày" spoke English.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocba.gradebook import services
from hocba.gradebook.models import EditGrant, GradebookLock, LockLevel
from tests.browser.dialogs import answer_no
from tests.browser.test_grid import cell, grid_url, open_grid, settle, stored, td, where
from tests.gradebook import gb_world
from tests.gradebook.gb_world import fill_class

clock, world = gb_world.clock, gb_world.world  # fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN",
                                   timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def selection(page) -> list:
    """[value, selectionStart, selectionEnd] of the focused cell."""
    return page.evaluate("() => { const e = document.activeElement;"
                         " return [e.value, e.selectionStart, e.selectionEnd]; }")


def all_selected(page) -> bool:
    value, start, end = selection(page)
    return value != "" and (start, end) == (0, len(value))


def locks_url(live_server, w, term=1):
    return live_server.url + reverse("gradebook:school_locks", kwargs={"school_id": w.cls.school_id, "term": term})


# --- 1. typing replaces the cell, as in a spreadsheet --------------------------------------------------------

def test_typing_replaces_the_cell_after_a_move_an_invalid_value_or_esc(world, live_server, sign_in, shot):
    fill_class(world.cls, terms=(1,))
    page = open_grid(sign_in, live_server, world)
    cell(page, 1, "tx1").click()
    assert all_selected(page)  # a click on a cell selects its text (kept as it was)
    page.keyboard.press("ArrowDown")  # a keyboard move selects the whole text of the next cell
    assert where(page) == (2, "tx1") and all_selected(page)
    page.keyboard.press("Tab")
    assert where(page) == (2, "tx2") and all_selected(page)
    page.keyboard.press("ArrowLeft")
    assert where(page) == (2, "tx1")

    page.keyboard.type("11")
    page.keyboard.press("Enter")
    assert where(page) == (2, "tx1")  # refused: the focus stays, with "11" selected
    assert selection(page) == ["11", 0, 2]
    assert "invalid" in td(page, 2, "tx1").get_attribute("class")
    shot(page, "grid-invalid-selected")
    page.keyboard.type("9")  # replaces "11" (it gave "119")
    assert cell(page, 2, "tx1").input_value() == "9"
    page.keyboard.press("Enter")
    settle(page)
    assert stored(world, world.students[1], "tx1") == "9.0"
    assert where(page) == (3, "tx1")

    page.keyboard.press("ArrowUp")
    page.keyboard.type("5")
    page.keyboard.press("Escape")  # back to what the server has, selected
    assert selection(page) == ["9,0", 0, 3]
    page.keyboard.type("8,5")  # replaces it (it gave "9,08,5")
    page.keyboard.press("Tab")
    settle(page)
    assert stored(world, world.students[1], "tx1") == "8.5"

    # Tab and the arrows keep the focus on an invalid value too, selected.
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("abc")
    for key in ("Tab", "ArrowDown", "ArrowRight"):
        page.keyboard.press(key)
        assert where(page) == (2, "tx1") and selection(page) == ["abc", 0, 3]
    page.keyboard.press("Escape")

    # A second click inside the focused cell puts the caret there, to fix one character (Excel's double-click).
    cell(page, 2, "tx1").click()
    value, start, end = selection(page)
    assert value == "8,5" and start == end


# --- 2. what is hard to undo asks first ----------------------------------------------------------------------

def test_finalising_a_subject_asks_first(world, live_server, sign_in, shot):
    fill_class(world.cls, terms=(1,))
    page = open_grid(sign_in, live_server, world)
    finalise = page.get_by_role("button", name="Chốt điểm môn")
    asked = answer_no(page, finalise)
    assert asked == [f"Chốt điểm môn Toán lớp {world.cls.name}, Học kì I? Sau khi chốt, không sửa được điểm nữa;"
                     " chỉ Hiệu trưởng mở lại được."]
    assert finalise.is_visible()  # nothing sent: the sheet stays open
    assert not GradebookLock.objects.filter(level=LockLevel.SUBJECT).exists()
    assert page.evaluate("() => window.hocbaGrid.pending") == 0

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        finalise.click()
    assert page.locator(".gb-toolbar .tag.ok").inner_text() == "Đã chốt điểm môn"
    assert GradebookLock.objects.filter(level=LockLevel.SUBJECT, subject=world.toan, class_group=world.cls).exists()
    shot(page, "grid-finalised")


def test_the_principal_confirms_the_school_lock_and_each_unlock(world, live_server, sign_in, shot):
    page = sign_in("hieutruong")
    page.goto(locks_url(live_server, world))
    asked = []

    def refuse(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    page.get_by_label("Tôi đã biết, vẫn khoá sổ toàn trường").check()
    page.get_by_role("button", name="Khoá sổ toàn trường").click()
    assert asked == ["Khoá sổ toàn trường Học kì I? Sau khi khoá, không ai sửa được điểm Học kì I của trường"
                     " cho tới khi Hiệu trưởng mở khoá."]
    assert GradebookLock.objects.count() == 0

    page.remove_listener("dialog", refuse)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Khoá sổ toàn trường").click()
    assert "Đã khoá sổ toàn trường" in page.locator(".flash").inner_text()
    assert GradebookLock.objects.filter(level=LockLevel.SCHOOL).count() == 1

    unlock = page.locator("form.unlock").first
    unlock.locator("input[name=reason]").fill("Sửa điểm sau phúc khảo")
    asked.clear()
    page.once("dialog", refuse)
    unlock.get_by_role("button", name="Mở khoá").click()
    assert asked == ["Mở khoá sổ toàn trường, Học kì I? Giáo viên sẽ sửa được điểm trở lại."]
    assert GradebookLock.objects.count() == 1
    shot(page, "locks-confirm")


def test_the_days_box_speaks_vietnamese(world, live_server, sign_in):
    page = sign_in("hieutruong")
    page.goto(locks_url(live_server, world))
    form = page.locator("form.grant-form")
    form.locator("input[name=reason]").fill("Sửa điểm phúc khảo")
    for days in ("0", "31", ""):
        form.locator("input[name=days]").fill(days)
        form.get_by_role("button", name="Cho phép sửa sau hạn").click()
        message = form.locator("input[name=days]").evaluate("e => e.validationMessage")
        assert message == "Số ngày là số nguyên từ 1 đến 30."
    assert EditGrant.objects.count() == 0
    form.locator("input[name=days]").fill("2")
    with page.expect_navigation():
        form.get_by_role("button", name="Cho phép sửa sau hạn").click()
    assert "Đã cho phép sửa sau hạn trong 2 ngày." in page.locator(".flash").inner_text()


# --- 3. a phone ------------------------------------------------------------------------------------------------

def visible_at_center(page, locator, cls: str) -> bool:
    """Nothing covers the middle of ``locator`` (its own td.<cls> is what a finger would touch there)."""
    box = locator.bounding_box()
    return page.evaluate("([x, y, cls]) => { const e = document.elementFromPoint(x, y);"
                         " return !!(e && e.closest('td.' + cls)); }",
                         [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, cls])


def assert_names_stay_in_view(page, row_cell, last_cell):
    wrap = page.locator(".sheet-wrap")
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    assert wrap.evaluate("w => w.scrollLeft") > 150  # the table did scroll sideways
    last = last_cell.bounding_box()
    assert last["x"] + last["width"] <= PHONE["width"]  # the last column is in view
    for name_cell in (row_cell("name"), row_cell("num")):
        box = name_cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert visible_at_center(page, row_cell("name"), "name")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_phone_the_grid_keeps_the_names_and_shows_messages_and_history(world, live_server, sign_in, phone,
                                                                          shot):
    fill_class(world.cls, terms=(1,))
    page = sign_in("gvbm", context=phone)
    page.goto(grid_url(live_server, world))
    page.wait_for_function("() => window.hocbaGrid !== undefined")
    shot(page, "phone-grid")
    row1 = lambda cls: page.locator(f"#grid tbody tr:nth-child(1) td.{cls}")  # noqa: E731
    assert_names_stay_in_view(page, row1, page.locator("#grid tbody tr:nth-child(1) td.cmt"))
    shot(page, "phone-grid-scrolled")

    # The keyboard brings a cell out from under the sticky names.
    cell(page, 1, "comment").click()
    for _ in range(page.locator("#grid tbody tr:nth-child(1) input.cell").count() - 1):
        page.keyboard.press("ArrowLeft")
    assert where(page) == (1, "tx1")
    name_right = row1("name").bounding_box()
    assert cell(page, 1, "tx1").bounding_box()["x"] >= name_right["x"] + name_right["width"] - 1
    assert visible_at_center(page, td(page, 1, "tx1"), "c")

    # An invalid value's message fits the screen, over whatever is beside or below it.
    cell(page, 3, "ck").click()
    page.keyboard.type("11")
    page.keyboard.press("Enter")
    message = td(page, 3, "ck").locator(".cell-msg")
    box = message.bounding_box()
    wrap = page.locator(".sheet-wrap").bounding_box()
    assert box["x"] >= wrap["x"] and box["x"] + box["width"] <= wrap["x"] + wrap["width"]
    assert box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("([x, y]) => !!document.elementFromPoint(x, y).closest('.cell-msg')",
                         [box["x"] + 6, box["y"] + box["height"] - 6])
    shot(page, "phone-grid-invalid")
    page.keyboard.press("Escape")

    # The history panel opens over the bottom of the screen; the table keeps its width.
    page.get_by_role("button", name="Lịch sử ô").click()
    panel = page.locator("#history-panel")
    panel.locator("#history-body p, #history-body ol").first.wait_for()
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["y"] + box["height"] <= PHONE["height"]
    assert page.locator(".sheet-wrap").bounding_box()["width"] > 300
    shot(page, "phone-grid-history")
    page.get_by_role("button", name="Đóng").click()
    panel.wait_for(state="hidden")

    # The last row's history: the page makes room below its last row, so that cell stays above the panel.
    last = page.locator("#grid tbody tr").count()
    cell(page, last, "ck").click()
    page.get_by_role("button", name="Lịch sử ô").click()
    panel.locator("#history-body p, #history-body ol").first.wait_for()
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    panel_top = panel.bounding_box()["y"]
    assert cell(page, last, "ck").bounding_box()["y"] + cell(page, last, "ck").bounding_box()["height"] <= panel_top
    shot(page, "phone-grid-history-last-row")
    page.get_by_role("button", name="Đóng").click()
    assert page.evaluate("() => document.body.style.paddingBottom") == ""


def test_on_a_phone_the_homeroom_page_keeps_the_names_and_shows_chua_dat_whole(world, live_server, sign_in, phone,
                                                                               shot):
    fill_class(world.cls, terms=(1,), conduct="Chưa đạt")
    page = sign_in("gvcn", context=phone)
    page.goto(live_server.url + reverse("gradebook:homeroom", kwargs={"class_id": world.cls.pk, "term": 1}))
    page.wait_for_function("() => window.hocbaGrid !== undefined")
    conduct = page.locator('#grid tbody tr:nth-child(1) select[data-field="conduct"]')
    assert conduct.input_value() == "Chưa đạt"
    # Room for the whole "Chưa đạt" beside the select's arrow (it showed "Chưa đạ").
    spare = conduct.evaluate("""s => {
        const st = getComputedStyle(s), ctx = document.createElement('canvas').getContext('2d');
        ctx.font = st.font;
        return s.clientWidth - parseFloat(st.paddingLeft) - ctx.measureText(s.value).width; }""")
    assert spare >= 30  # the arrow takes about 24 px
    shot(page, "phone-homeroom")
    row1 = lambda cls: page.locator(f"#grid tbody tr:nth-child(1) td.{cls}")  # noqa: E731
    assert_names_stay_in_view(page, row1, page.locator("#grid tbody tr:nth-child(1) td.learning"))
    shot(page, "phone-homeroom-scrolled")


def test_on_a_phone_the_locks_page_fits_the_screen(world, live_server, sign_in, phone, shot):
    services.school_term_lock(school=world.cls.school, school_year_id=world.cls.school_year_id, term=1,
                              by=world.hieutruong, open_classes_confirmed=True)
    services.edit_grant_create(school=world.cls.school, class_group=world.cls, subject=world.toan,
                               reason="Sửa điểm phúc khảo bài cuối kì", days=3, by=world.hieutruong)
    page = sign_in("hieutruong", context=phone)
    page.goto(locks_url(live_server, world))
    assert page.locator("form.unlock").count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    unlock = page.locator("form.unlock button")
    unlock.scroll_into_view_if_needed()
    box = unlock.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    shot(page, "phone-locks", full_page=True)


# --- 4. errors in Vietnamese ---------------------------------------------------------------------------------

def test_a_wrong_address_shows_a_vietnamese_page_with_the_menu(world, live_server, sign_in, phone, shot):
    page = sign_in("gvcn", context=phone)
    response = page.goto(f"{live_server.url}/so-diem/lop/{world.cls.pk}/hk3/chu-nhiem/")
    assert response.status == 404
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("h1").inner_text() == "Không tìm thấy trang"
    assert page.get_by_role("link", name="Sổ điểm").first.is_visible()  # the menu is there
    shot(page, "phone-404")
    page.get_by_role("link", name="Về trang chủ").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + reverse("core:home")


def test_on_a_phone_the_year_page_scrolls_in_its_box_and_keeps_the_names(world, live_server, sign_in, phone, shot):
    fill_class(world.cls)
    page = sign_in("gvcn", context=phone)
    page.goto(live_server.url + reverse("gradebook:homeroom_year", kwargs={"class_id": world.cls.pk}))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]  # the page itself fits
    box = page.locator("#year-scroll")
    box.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    assert box.evaluate("w => w.scrollLeft") > 150  # the table scrolled sideways inside its box
    for cls in ("num", "name"):
        cell = page.locator(f"#year-sheet tbody tr:nth-child(1) td.{cls}").bounding_box()
        assert cell["x"] >= 0 and cell["x"] + cell["width"] <= PHONE["width"]
    shot(page, "phone-year-scrolled")


def test_on_a_phone_the_officers_numbers_keep_the_school_names_in_view(world, live_server, sign_in, phone, shot):
    page = sign_in("so", context=phone)
    page.goto(live_server.url + reverse("gradebook:aggregate_list"))
    first = page.locator("table.aggregates tbody tr:first-child td:first-child").first
    name_box = first.bounding_box()
    page.locator(".table-scroll").first.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    assert first.bounding_box()["x"] == pytest.approx(name_box["x"], abs=1)  # the name stayed where it was
    last = page.locator("table.aggregates tbody tr:first-child td:last-child").first.bounding_box()
    assert last["x"] + last["width"] <= 390 + 1  # the last column is in view beside it
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.locator("table.aggregates tbody").first.scroll_into_view_if_needed()
    shot(page, "phone-aggregates-scrolled")
