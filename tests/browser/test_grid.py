"""The score grid in Chromium: keyboard, paste from Excel, averages, save, drafts, conflicts."""

from datetime import date

import pytest
from playwright.sync_api import expect

from gradebook.models import Enrolment, Score
from tests.factories import PASSWORD, make_student

pytestmark = pytest.mark.browser

PASTE = """(text) => {
  const dt = new DataTransfer();
  dt.setData('text/plain', text);
  document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
}"""


@pytest.fixture
def grid_world(live_world):
    for name, day in (("Nguyễn Văn An", 2), ("Phạm Thị Cúc", 3)):
        student = make_student(live_world.school, name, born=date(2015, 4, day))
        Enrolment.objects.create(
            student=student, classroom=live_world.classroom, start_date=live_world.year.start_date
        )
    return live_world


def sign_in(page, server, user):
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def cell(page, row, column):
    return page.locator("#grid tbody tr").nth(row).locator(f'input[data-col="{column}"]')


def test_type_paste_see_average_save_and_reload(live_server, grid_world, page):
    sign_in(page, live_server, grid_world.math_teacher)
    url = f"{live_server.url}/grid/{grid_world.math.uuid}/HK1/"
    page.goto(url)
    # rows in Vietnamese order: An, Bình, Cúc
    assert [page.locator("#grid tbody tr .name").nth(i).inner_text().strip() for i in range(3)] == [
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Phạm Thị Cúc",
    ]
    cell(page, 0, "tx1").click()
    page.keyboard.type("8")
    page.keyboard.press("Tab")
    page.keyboard.type("7.5")  # a point is accepted, shown as a comma
    page.keyboard.press("Enter")  # moves down
    expect(cell(page, 1, "tx2")).to_be_focused()
    page.keyboard.type("11")  # invalid: a message on the cell
    assert "0 đến 10" in page.locator("#grid tbody tr").nth(1).locator(".cell-error").inner_text()
    page.keyboard.press("Delete")  # clears
    # paste a 3 × 4 block copied from Excel (tx3, tx4, gk, ck) with decimal commas
    cell(page, 0, "tx3").click()
    page.evaluate(PASTE, "9\t8,5\t7\t8\n6,5\t7\t8\t7,5\n5\t6\t6,5\t7\n")
    assert cell(page, 1, "tx4").input_value() == "7"
    assert cell(page, 2, "ck").input_value() == "7"
    assert cell(page, 0, "tx2").input_value() == "7,5"
    # row An: tx1 8, tx2 7,5, tx3 9, tx4 8,5, gk 7, ck 8 → (33 + 14 + 24)/9 = 71/9 = 7,89 → 7,9
    expect(page.locator("#grid tbody tr").nth(0).locator(".avg-value")).to_have_text("7,9")
    assert "unsaved" not in page.inner_text("#status")  # Vietnamese status
    assert "chưa lưu" in page.inner_text("#status")
    page.keyboard.press("Control+s")
    page.wait_for_selector("#check-dialog[open]")
    assert "An" in page.inner_text("#check-diff")
    page.click("#check-confirm")
    expect(page.locator("#status")).to_contain_text("Đã lưu")
    assert Score.objects.filter(assignment=grid_world.math, term="HK1").count() == 14
    page.reload()
    assert cell(page, 0, "tx2").input_value() == "7,5"
    assert cell(page, 2, "gk").input_value() == "6,5"
    assert page.locator("#grid tbody tr").nth(0).locator(".avg-value").inner_text() == "7,9"
    assert page.locator("#draft-banner").is_hidden()


def test_unsaved_cells_are_offered_back_after_closing_the_page(live_server, grid_world, browser):
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    sign_in(page, live_server, grid_world.math_teacher)
    url = f"{live_server.url}/grid/{grid_world.math.uuid}/HK1/"
    page.goto(url)
    cell(page, 1, "gk").click()
    page.keyboard.type("6,5")
    page.close(run_before_unload=False)  # the tab is closed unsaved
    page = context.new_page()
    page.goto(url)
    assert page.locator("#draft-banner").is_visible()
    assert "1 ô" in page.inner_text("#draft-text")
    page.click("#draft-restore")
    assert cell(page, 1, "gk").input_value() == "6,5"
    assert "1 ô chưa lưu" in page.inner_text("#status")
    assert not Score.objects.exists()
    context.close()


def test_two_people_on_one_cell_see_the_conflict(live_server, grid_world, browser):
    url = f"{live_server.url}/grid/{grid_world.math.uuid}/HK1/"
    first, second = browser.new_context(), browser.new_context()
    a, b = first.new_page(), second.new_page()
    for page in (a, b):
        sign_in(page, live_server, grid_world.math_teacher)
        page.goto(url)
    cell(a, 0, "tx1").fill("8")
    cell(a, 0, "tx1").dispatch_event("input")
    a.click("#save-btn")
    a.wait_for_selector("#check-dialog[open]")
    a.click("#check-confirm")
    expect(a.locator("#status")).to_contain_text("Đã lưu")
    cell(b, 0, "tx1").fill("5")
    cell(b, 0, "tx1").dispatch_event("input")
    cell(b, 0, "tx2").fill("6")
    cell(b, 0, "tx2").dispatch_event("input")
    b.click("#save-btn")
    b.wait_for_selector("#check-dialog[open]")
    b.click("#check-confirm")
    b.wait_for_selector("#conflicts:not([hidden])")
    text = b.inner_text("#conflicts")
    assert "hiện là 8" in text and "của bạn: 5" in text and grid_world.math_teacher.full_name in text
    assert "conflict" in cell(b, 0, "tx1").get_attribute("class")
    b.click("#conflicts .take-theirs")
    assert cell(b, 0, "tx1").input_value() == "8"
    assert Score.objects.get(kind="regular", index=1).value == 8
    assert Score.objects.get(kind="regular", index=2).value == 6  # the other cell still saved
    first.close()
    second.close()


def test_a_locked_columns_cells_are_grey_as_the_banner_says(live_server, grid_world, page):
    from tests.test_corrections import lock_term

    lock_term(grid_world)
    sign_in(page, live_server, grid_world.math_teacher)
    page.goto(f"{live_server.url}/grid/{grid_world.math.uuid}/HK1/")
    expect(page.locator(".lock-note")).to_contain_text("đã khóa")
    locked = cell(page, 0, "tx1")
    expect(locked).to_have_attribute("readonly", "")
    background = locked.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(238, 241, 244)", background  # not the transparent of an open cell
    # an open term's cells stay white
    page.goto(f"{live_server.url}/grid/{grid_world.math.uuid}/HK2/")
    open_cell = cell(page, 0, "tx1")
    expect(open_cell).not_to_have_attribute("readonly", "")
    assert open_cell.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"


def test_a_wrong_cell_says_why_without_covering_the_next_and_blocks_the_save(live_server, grid_world, page):
    sign_in(page, live_server, grid_world.math_teacher)
    page.goto(f"{live_server.url}/grid/{grid_world.math.uuid}/HK1/")
    expect(page.locator("#grid thead")).to_contain_text("ĐĐGtx 1")  # the forms' terms, not TX1
    cell(page, 0, "tx1").click()
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    page.keyboard.type("12")
    page.keyboard.press("Enter")  # Bình's cell is wrong; the cursor is on Cúc's, which stays visible
    expect(cell(page, 2, "tx1")).to_be_focused()
    cell(page, 1, "tx1").focus()
    message = page.locator("#cell-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Trần Thị Bình, ĐĐGtx 1")
    below = cell(page, 2, "tx1").bounding_box()
    box = message.bounding_box()
    overlaps = not (
        box["x"] + box["width"] <= below["x"]
        or below["x"] + below["width"] <= box["x"]
        or box["y"] + box["height"] <= below["y"]
        or below["y"] + below["height"] <= box["y"]
    )
    assert not overlaps
    # nothing is checked or saved while the red cell is there: no dialog, the status says why
    page.keyboard.press("Control+s")
    expect(page.locator("#status")).to_contain_text("ô tô đỏ")
    assert page.locator("#check-dialog[open]").count() == 0
    assert Score.objects.count() == 0
    page.keyboard.press("Delete")
    page.keyboard.press("Control+s")
    page.wait_for_selector("#check-dialog[open]")
    page.click("#check-confirm")
    expect(page.locator("#status")).to_contain_text("Đã lưu")
    assert Score.objects.count() == 1


def test_a_column_of_marks_from_a_phone(live_server, grid_world, browser):
    """At 390 × 844 the grid is the names and one assessment column, chosen at the top; the marks are
    typed with the decimal comma, Enter goes down, and the same check and save keep them."""
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server, grid_world.math_teacher)
    page.goto(f"{live_server.url}/grid/{grid_world.math.uuid}/HK1/")
    expect(page.locator("#phone-column")).to_be_visible()
    expect(cell(page, 0, "tx1")).to_be_visible()
    expect(cell(page, 0, "tx2")).to_be_hidden()
    assert cell(page, 0, "tx1").get_attribute("inputmode") == "decimal"
    page.select_option("#phone-column", "tx2")
    expect(cell(page, 0, "tx2")).to_be_visible()
    expect(cell(page, 0, "tx1")).to_be_hidden()
    expect(page.locator('#grid th[data-col="tx2"] input.col-date')).to_be_visible()  # its date, at the top
    cell(page, 0, "tx2").click()
    for mark in ("7,5", "8", "9.5"):
        page.keyboard.type(mark)
        page.keyboard.press("Enter")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide"
    page.click("#save-btn")
    page.wait_for_selector("#check-dialog[open]")
    page.click("#check-confirm")
    expect(page.locator("#status")).to_contain_text("Đã lưu")
    saved = sorted(str(s.value) for s in Score.objects.filter(kind="regular", index=2))
    assert saved == ["7.5", "8.0", "9.5"]
    context.close()
