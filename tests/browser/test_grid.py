"""The entry grid as a teacher uses it, in a real Chromium.

Keyboard moves, typing 8,5, pasting a column, invalid values, a stale write from a second tab.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from hocba.gradebook import services
from hocba.gradebook.models import SubjectTermScore
from hocba.gradebook.sheet import sheet_shape
from tests.gradebook import gb_world
from tests.gradebook.gb_world import circular22_average, fill_class

clock, world = gb_world.clock, gb_world.world  # fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def grid_url(live_server, w, term=1):
    return live_server.url + reverse("gradebook:sheet", kwargs={"class_id": w.cls.pk, "subject_id": w.toan.pk,
                                                                "term": term})


def cell(page, row: int, field: str):
    return page.locator(f'#grid tbody tr:nth-child({row}) input[data-field="{field}"]')


def td(page, row: int, field: str):
    return page.locator(f'#grid tbody tr:nth-child({row}) td:has(> input[data-field="{field}"])')


def where(page) -> tuple[int, str]:
    """(row number, field) of the focused cell."""
    row, field = page.evaluate("() => [document.activeElement.closest('tr').rowIndex,"
                               " document.activeElement.dataset.field]")
    return row, field


def settle(page):
    page.wait_for_function("() => window.hocbaGrid && window.hocbaGrid.pending === 0")


def stored(w, student_id: int, field: str):
    row = SubjectTermScore.objects.filter(class_group=w.cls, subject=w.toan, term=1,
                                          student_id=student_id).first()
    return row.cell(field) if row else None


def open_grid(sign_in, live_server, w, page=None):
    page = page or sign_in("gvbm")
    page.goto(grid_url(live_server, w))
    page.wait_for_function("() => window.hocbaGrid !== undefined")
    return page


def test_arrows_enter_and_tab_move_like_a_spreadsheet(world, live_server, sign_in):
    page = open_grid(sign_in, live_server, world)
    cell(page, 1, "tx1").click()
    assert where(page) == (1, "tx1")
    page.keyboard.press("ArrowRight")
    assert where(page) == (1, "tx2")
    page.keyboard.press("ArrowDown")
    assert where(page) == (2, "tx2")
    page.keyboard.press("Enter")  # Enter moves down, like Excel
    assert where(page) == (3, "tx2")
    page.keyboard.press("Tab")
    assert where(page) == (3, "tx3")
    page.keyboard.press("Shift+Tab")
    assert where(page) == (3, "tx2")
    page.keyboard.press("ArrowUp")
    assert where(page) == (2, "tx2")
    page.keyboard.press("ArrowLeft")
    assert where(page) == (2, "tx1")
    page.keyboard.press("Shift+Enter")
    assert where(page) == (1, "tx1")


def test_typing_8_comma_5_saves_it_and_a_complete_row_shows_its_average(world, live_server, sign_in, shot):
    page = open_grid(sign_in, live_server, world)
    shape = sheet_shape(class_group=world.cls, subject=world.toan)
    cell(page, 1, "tx1").click()
    page.keyboard.type("8,5")
    page.keyboard.press("Enter")
    settle(page)
    assert cell(page, 1, "tx1").input_value() == "8,5"
    assert stored(world, world.students[0], "tx1") == "8.5"
    assert where(page) == (2, "tx1")
    # The rest of the row, typed with dots and commas, moving with Tab.
    typed = {"tx2": "7", "tx3": "6.5", "tx4": "9", "gk": "7,5", "ck": "8"}
    cell(page, 1, "tx2").click()
    for field in shape.fields[1:]:
        page.keyboard.type(typed[field])
        page.keyboard.press("Tab")
    settle(page)
    average = page.locator("#grid tbody tr:nth-child(1) td[data-avg]")
    tx = ["8.5", "7", "6.5", "9"][: shape.tx_count]
    expected = circular22_average(tx, "7.5", "8").replace(".", ",")
    assert average.inner_text() == expected
    assert cell(page, 1, "tx3").input_value() == "6,5"
    page.reload()
    assert cell(page, 1, "tx3").input_value() == "6,5"
    assert page.locator("#grid tbody tr:nth-child(1) td[data-avg]").inner_text() == expected
    # Clicking a filled cell and typing replaces its value, like a spreadsheet.
    cell(page, 1, "tx3").click()
    page.keyboard.type("7.5")
    page.keyboard.press("Enter")
    settle(page)
    assert cell(page, 1, "tx3").input_value() == "7,5"
    assert stored(world, world.students[0], "tx3") == "7.5"
    cell(page, 2, "tx1").click()
    page.keyboard.type("9")
    page.keyboard.press("Enter")
    settle(page)
    cell(page, 3, "tx1").focus()
    shot(page, "grid")


PASTE = """(text) => {
  const data = new DataTransfer();
  data.setData('text/plain', text);
  document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                                     cancelable: true}));
}"""


def test_clearing_a_regular_mark_empties_the_average_and_says_what_is_missing(world, live_server, sign_in, shot):
    shape = sheet_shape(class_group=world.cls, subject=world.toan)
    values = [*["7", "8", "6,5", "9"][: shape.tx_count], "7,5", "8"]
    for field, value in zip(shape.fields, values, strict=True):
        services.score_update(class_group=world.cls, subject=world.toan, student_id=world.students[0], term=1,
                              field=field, raw=value, expected="", by=world.gvbm)
    page = open_grid(sign_in, live_server, world)
    average = page.locator("#grid tbody tr:nth-child(1) td[data-avg]")
    assert average.inner_text() == circular22_average(
        [v.replace(",", ".") for v in values[: shape.tx_count]], "7.5", "8").replace(".", ",")
    assert average.get_attribute("title") is None
    last_tx = f"tx{shape.tx_count}"
    cell(page, 1, last_tx).click()
    page.keyboard.press("Backspace")
    page.keyboard.press("Enter")
    settle(page)
    assert stored(world, world.students[0], last_tx) is None
    why = f"Chưa đủ điểm: thiếu TX{shape.tx_count} (cần {shape.tx_count} ĐĐGtx, GK và CK)"
    assert average.locator("[aria-hidden=true]").inner_text() == "—"
    assert average.get_attribute("title") == why
    assert average.locator(".gb-sr").inner_text() == why  # what a screen reader says for the cell
    assert "missing" in average.get_attribute("class")
    shot(page, "grid-average-missing")
    # Typed back, the average returns and the explanation goes.
    cell(page, 1, last_tx).click()
    page.keyboard.type(values[shape.tx_count - 1])
    page.keyboard.press("Enter")
    settle(page)
    assert average.get_attribute("title") is None and average.locator(".gb-sr").count() == 0
    assert average.inner_text() == average.get_attribute("data-avg") != ""
    page.reload()  # the server renders the same cell as the script leaves it
    assert page.locator("#grid tbody tr:nth-child(2) td[data-avg]").get_attribute("title") == (
        f"Chưa đủ điểm: cần {shape.tx_count} ĐĐGtx, GK và CK")


def test_pasting_a_column_from_excel_fills_the_cells_downward_and_saves_each(world, live_server, sign_in):
    page = open_grid(sign_in, live_server, world)
    cell(page, 2, "gk").click()
    page.evaluate(PASTE, "7\r\n8,5\r\n9.0\r\n6\r\n")
    settle(page)
    assert [cell(page, r, "gk").input_value() for r in range(1, 7)] == ["", "7,0", "8,5", "9,0", "6,0", ""]
    assert [stored(world, s, "gk") for s in world.students[1:5]] == ["7.0", "8.5", "9.0", "6.0"]
    # A block (two columns) fills rightward too; a bad value in it is marked and not sent.
    cell(page, 1, "tx1").click()
    page.evaluate(PASTE, "5\t6\n12\t7\n")
    settle(page)
    assert [stored(world, world.students[0], f) for f in ("tx1", "tx2")] == ["5.0", "6.0"]
    assert stored(world, world.students[1], "tx1") is None
    assert stored(world, world.students[1], "tx2") == "7.0"
    assert "invalid" in td(page, 2, "tx1").get_attribute("class")
    assert "1 ô không hợp lệ" in page.locator("#grid-status").inner_text()


@pytest.mark.parametrize(("typed", "message"), [
    ("11", "Điểm 11 nằm ngoài thang 0–10."),
    ("8,55", "Điểm 8,55 có quá một chữ số thập phân."),
    ("abc", "'abc' không phải là điểm số (ví dụ hợp lệ: 8,5)."),
])
def test_an_invalid_value_is_marked_at_once_in_vietnamese_and_not_saved(world, live_server, sign_in, shot,
                                                                         typed, message):
    page = open_grid(sign_in, live_server, world)
    requests = []
    page.on("request", lambda r: requests.append(r) if r.method == "POST" else None)
    cell(page, 3, "tx2").click()
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    assert where(page) == (3, "tx2")  # the focus stays on the bad cell
    box = td(page, 3, "tx2")
    assert "invalid" in box.get_attribute("class")
    assert box.locator(".cell-msg").inner_text() == f"TX2: {message}"
    assert message in page.locator("#grid-status").inner_text()
    assert cell(page, 3, "tx2").input_value() == typed  # what was typed stays visible
    page.keyboard.press("Tab")  # cannot leave with Tab either
    assert where(page) == (3, "tx2")
    assert requests == []
    assert stored(world, world.students[2], "tx2") is None
    if typed == "11":
        shot(page, "grid-invalid")
    page.keyboard.press("Escape")  # back to what the server has
    assert cell(page, 3, "tx2").input_value() == ""
    assert "invalid" not in (box.get_attribute("class") or "")


def test_a_stale_write_from_a_second_tab_shows_the_newer_value_and_keeps_what_was_typed(
        world, live_server, sign_in, browser_context, shot):
    first = open_grid(sign_in, live_server, world)
    second = open_grid(sign_in, live_server, world, page=browser_context.new_page())
    cell(first, 1, "ck").click()
    first.keyboard.type("7")
    first.keyboard.press("Enter")
    settle(first)
    assert stored(world, world.students[0], "ck") == "7.0"

    cell(second, 1, "ck").click()
    second.keyboard.type("9,5")
    second.keyboard.press("Enter")
    settle(second)
    box = td(second, 1, "ck")
    assert "stale" in box.get_attribute("class")
    assert "vừa được người khác sửa thành '7,0'" in box.locator(".cell-msg").inner_text()
    assert cell(second, 1, "ck").input_value() == "9,5"
    assert stored(world, world.students[0], "ck") == "7.0"
    shot(second, "grid-stale")
    # Leaving the cell does not overwrite; Enter on it does, knowingly.
    cell(second, 1, "ck").click()
    second.keyboard.press("Enter")
    settle(second)
    assert stored(world, world.students[0], "ck") == "9.5"
    assert "stale" not in (box.get_attribute("class") or "")


def test_cell_history_opens_on_demand(world, live_server, sign_in):
    page = open_grid(sign_in, live_server, world)
    cell(page, 1, "gk").click()
    for value in ("6", "6,5"):
        page.keyboard.type(value)
        page.keyboard.press("Enter")
        settle(page)
        cell(page, 1, "gk").click()
    page.keyboard.press("Alt+L")
    panel = page.locator("#history-panel")
    panel.locator("ol.history").wait_for()
    items = panel.locator("ol.history li")
    assert items.count() == 2
    assert "6,0" in items.nth(0).inner_text() and "6,5" in items.nth(0).inner_text()
    assert world.gvbm.teacher.full_name in items.nth(0).inner_text()
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")


def test_locked_sheet_is_read_only_for_the_teacher(world, live_server, sign_in):
    services.school_term_lock(school=world.cls.school, school_year_id=world.cls.school_year_id, term=1,
                              by=world.hieutruong, open_classes_confirmed=True)
    page = open_grid(sign_in, live_server, world)
    assert "Hiệu trưởng đã khoá sổ" in page.locator("#readonly-reason").inner_text()
    cell(page, 1, "tx1").click()
    page.keyboard.type("8")
    assert cell(page, 1, "tx1").input_value() == ""


def test_homeroom_and_closing_pages(world, live_server, sign_in, browser_context, shot, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    fill_class(world.cls, terms=(1,))
    gvcn = sign_in("gvcn")
    gvcn.goto(live_server.url + reverse("gradebook:homeroom", kwargs={"class_id": world.cls.pk, "term": 1}))
    gvcn.wait_for_function("() => window.hocbaGrid !== undefined")
    conduct = gvcn.locator('#grid tbody tr:nth-child(1) select[data-field="conduct"]')
    conduct.select_option("Khá")
    absences = gvcn.locator('#grid tbody tr:nth-child(1) input[data-field="absent_excused"]')
    absences.click()
    gvcn.keyboard.type("2")
    gvcn.keyboard.press("Enter")
    settle(gvcn)
    from hocba.gradebook.models import HomeroomTermEntry

    entry = HomeroomTermEntry.objects.get(class_group=world.cls, student_id=world.students[0], term=1)
    assert (entry.conduct, entry.absent_excused) == ("Khá", 2)
    shot(gvcn, "homeroom")
    shot(gvcn, "homeroom-full", full_page=True)

    gvcn.context.clear_cookies()
    principal = sign_in("hieutruong", context=gvcn.context)
    principal.goto(live_server.url + reverse("gradebook:closing"))
    principal.locator("form.closing-form").first.locator("select").select_option("hk1")
    principal.locator("form.closing-form").first.locator("button").click()
    card = principal.locator("[data-run]").first
    card.locator('[data-status]').wait_for()
    principal.wait_for_function("() => document.querySelector('[data-run]').dataset.finished === '1'")
    assert card.locator("[data-done]").inner_text() == card.locator("[data-total]").inner_text()
    shot(principal, "closing")


def test_principal_locks_the_school_and_unlocks_with_a_reason(world, live_server, sign_in, shot):
    from hocba.core.models import AuditEntry
    from hocba.gradebook.models import GradebookLock

    page = sign_in("hieutruong")
    page.on("dialog", lambda dialog: dialog.accept())  # "Khoá sổ toàn trường…?", "Mở khoá…?": yes
    page.goto(live_server.url + reverse("gradebook:school_locks", kwargs={"school_id": world.cls.school_id,
                                                                          "term": 1}))
    assert world.cls.name in page.locator("#open-classes").inner_text()  # classes not closed yet, named
    page.get_by_role("button", name="Khoá sổ toàn trường").click()  # not confirmed: the browser refuses to send
    assert page.locator("input[name=confirm]").evaluate("e => e.validationMessage").startswith("Hãy đánh dấu")
    assert GradebookLock.objects.count() == 0
    page.get_by_label("Tôi đã biết, vẫn khoá sổ toàn trường").check()
    page.get_by_role("button", name="Khoá sổ toàn trường").click()
    page.wait_for_load_state()
    assert "Đã khoá sổ toàn trường" in page.locator(".flash").inner_text()
    unlock = page.locator("form.unlock").first
    unlock.get_by_role("button", name="Mở khoá").click()  # no reason: the browser refuses to send
    assert GradebookLock.objects.count() == 1
    shot(page, "locks")
    unlock.locator("input[name=reason]").fill("Sửa điểm sau phúc khảo")
    unlock.get_by_role("button", name="Mở khoá").click()
    page.wait_for_load_state()
    assert "Đã mở khoá" in page.locator(".flash").inner_text()
    assert GradebookLock.objects.count() == 0
    assert AuditEntry.objects.get(action="gradebook:lock:remove").after["reason"] == "Sửa điểm sau phúc khảo"


def test_my_sheets_leads_the_teacher_to_the_grid(world, live_server, sign_in, shot):
    page = sign_in("gvbm")
    page.get_by_role("link", name="Sổ điểm").first.click()
    row = page.locator("table.grid tbody tr", has_text=world.cls.name).filter(has_text="Toán")
    shot(page, "my-sheets")
    row.get_by_role("link", name="Nhập điểm HK I", exact=True).click()
    page.wait_for_function("() => window.hocbaGrid !== undefined")
    assert page.locator("h1").inner_text().startswith(f"Toán · lớp {world.cls.name}")


def test_the_closing_progress_bar_follows_a_running_closing(world, live_server, sign_in, shot):
    from django.utils import timezone

    from hocba.gradebook.models import ClosingRun

    run = ClosingRun.objects.create(school_year=world.cls.school_year, period="year", school=world.cls.school,
                                    status=ClosingRun.Status.RUNNING, total=80, done=20,
                                    started_by=world.hieutruong, created_at=timezone.now())
    page = sign_in("hieutruong")
    page.goto(live_server.url + reverse("gradebook:closing"))
    card = page.locator(f'[data-run="{run.pk}"]')
    assert card.locator("[data-percent]").inner_text() == "25"
    assert card.locator("[data-status]").inner_text() == "Đang chạy"
    shot(page, "closing-running")
    ClosingRun.objects.filter(pk=run.pk).update(done=60)
    page.wait_for_function(f"() => document.querySelector('[data-run=\"{run.pk}\"] [data-done]').textContent"
                           " === '60'")
    assert card.locator("[data-bar]").evaluate("el => el.value") == 75
    ClosingRun.objects.filter(pk=run.pk).update(status=ClosingRun.Status.DONE, done=80, failed=1,
                                                messages=["9A1, học sinh #1: thiếu điểm môn Toán"])
    page.wait_for_function(f"() => document.querySelector('[data-run=\"{run.pk}\"]').dataset.finished"
                           " === '1'")
    assert card.locator("[data-status]").inner_text() == "Hoàn thành, 1 học sinh lỗi"
    assert card.locator("[data-messages] li").inner_text() == "9A1, học sinh #1: thiếu điểm môn Toán"
