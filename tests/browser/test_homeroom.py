"""A homeroom teacher in Chromium: attendance, conduct, the results submitted; the principal approves."""

import pytest
from playwright.sync_api import expect

from gradebook.models import Absence, ResultsApproval
from tests.browser.test_grid import sign_in
from tests.test_class_results import fill

pytestmark = pytest.mark.browser


def test_gvcn_from_attendance_to_submission_and_the_principal_approves(live_server, live_world, browser):
    world = live_world
    fill(world, world.enrolment, terms=("HK1",), conduct="")  # every score of term I, no conduct yet
    contexts = [
        browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 900}) for _ in range(2)
    ]
    gvcn, principal = (c.new_page() for c in contexts)
    for page in (gvcn, principal):
        page.set_default_timeout(15000)
    sign_in(gvcn, live_server, world.literature_teacher)
    sign_in(principal, live_server, world.principal)

    gvcn.goto(f"{live_server.url}/classes/{world.classroom.uuid}/")
    gvcn.click("#homeroom-links >> text=Chuyên cần")
    gvcn.goto(f"{live_server.url}/classes/{world.classroom.uuid}/attendance/2026-10/")
    gvcn.fill(f'input[name="a:{world.enrolment.uuid}:5"]', "P ốm")
    gvcn.fill(f'input[name="a:{world.enrolment.uuid}:6"]', "K")
    gvcn.click("#attendance-form button[type=submit]:not([name])")
    expect(gvcn.locator(f'tr[data-enrolment="{world.enrolment.uuid}"] .year-total')).to_have_text("1")
    assert Absence.objects.filter(enrolment=world.enrolment).count() == 2

    gvcn.goto(f"{live_server.url}/classes/{world.classroom.uuid}/results/HK1/")
    gvcn.click("#submit-btn")  # conduct is still missing: refused, and the page says what is missing
    expect(gvcn.locator("#results-error")).to_contain_text("Trần Thị Bình: rèn luyện")
    gvcn.goto(f"{live_server.url}/classes/{world.classroom.uuid}/conduct/HK1/")
    gvcn.fill(f'input[name="level:{world.enrolment.uuid}"]', "t")  # the initial is enough
    gvcn.click("#conduct-form button[type=submit]")
    expect(gvcn.locator(".messages")).to_contain_text("Đã lưu")
    gvcn.goto(f"{live_server.url}/classes/{world.classroom.uuid}/results/HK1/")
    gvcn.fill("#id_note", "Đã kiểm tra đủ điểm")
    gvcn.click("#submit-btn")
    expect(gvcn.locator("#results-status")).to_contain_text("Đã nộp")

    principal.goto(f"{live_server.url}/classes/{world.classroom.uuid}/results/HK1/")
    principal.click("#approve-btn")
    expect(principal.locator("#results-status")).to_contain_text("Đã duyệt")
    assert ResultsApproval.objects.get().status == "approved"
    # frozen: the homeroom teacher's own subject grid of term I is read only now
    gvcn.goto(f"{live_server.url}/grid/{world.literature.uuid}/HK1/")
    expect(gvcn.locator(".lock-note")).to_contain_text("đã được Hiệu trưởng duyệt")
    expect(gvcn.locator("#save-btn")).to_have_count(0)
    for context in contexts:
        context.close()


def test_conduct_is_a_grid_filled_by_paste_and_for_everyone(live_server, live_world, browser):
    """41 drop-downs no more: a column pasted from Excel fills down (level, tab, comment), one level fills
    every student without one, Enter moves down, a wrong level blocks the save and says why."""
    from datetime import date

    from gradebook.models import ConductResult, Enrolment
    from tests.factories import make_student

    world = live_world
    for i, name in enumerate(("Nguyễn Văn An", "Phạm Thị Cúc", "Lê Minh Dũng")):
        Enrolment.objects.create(
            student=make_student(world.school, name, born=date(2015, 3, i + 1)),
            classroom=world.classroom,
            start_date=world.year.start_date,
        )
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server, world.literature_teacher)
    page.goto(f"{live_server.url}/classes/{world.classroom.uuid}/conduct/HK1/")
    cells = page.locator("input.level-cell")
    expect(cells).to_have_count(4)
    # roster order: An, Bình, Cúc, Dũng; paste two rows from Excel into the first cell
    cells.nth(0).focus()
    page.evaluate(
        """text => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.activeElement.dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true})
            );
        }""",
        "T\tChăm ngoan\r\nk\tCần cố gắng hơn\r\n",
    )
    expect(cells.nth(0)).to_have_value("Tốt")
    expect(cells.nth(1)).to_have_value("Khá")
    expect(page.locator("input.comment-cell").nth(1)).to_have_value("Cần cố gắng hơn")
    # Enter goes down; a wrong level is red and blocks the save
    cells.nth(2).fill("X")
    cells.nth(2).press("Enter")
    expect(cells.nth(3)).to_be_focused()
    expect(cells.nth(2)).to_have_class("level-cell invalid")
    page.click("#conduct-save")
    expect(page.locator("#conduct-status")).to_contain_text("tô đỏ")
    assert ConductResult.objects.count() == 0
    # the rest take Tốt in one step, then one is changed
    cells.nth(2).fill("")
    page.select_option("#fill-level", "Tốt")
    page.click("#fill-empty")
    expect(cells.nth(2)).to_have_value("Tốt")
    expect(cells.nth(3)).to_have_value("Tốt")
    cells.nth(3).fill("Đ")
    cells.nth(3).press("Enter")
    expect(page.locator("#conduct-tally")).to_contain_text("Tốt: 2 · Khá: 1 · Đạt: 1")
    page.click("#conduct-save")
    expect(page.locator(".messages")).to_contain_text("Đã lưu")
    saved = dict(ConductResult.objects.values_list("enrolment__student__given_name", "level"))
    assert saved == {"An": "Tốt", "Bình": "Khá", "Cúc": "Tốt", "Dũng": "Đạt"}
    assert ConductResult.objects.get(enrolment__student__given_name="Bình").comment == "Cần cố gắng hơn"
    context.close()


def test_the_principal_goes_from_the_inbox_to_approving_a_grade(live_server, live_world, browser):
    from gradebook.services import results as results_service
    from gradebook.services.structure import set_homeroom_teacher
    from tests.test_inbox import complete

    world = live_world
    set_homeroom_teacher(None, world.other_classroom, world.head)
    for classroom, teacher in (
        (world.classroom, world.literature_teacher),
        (world.other_classroom, world.head),
    ):
        complete(classroom)
        results_service.review_results(teacher, classroom, "HK1")
        results_service.submit_results(teacher, classroom, "HK1")
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server, world.principal)
    item = page.locator('#inbox li[data-key="results-submitted"] a')
    expect(item).to_contain_text("2 lớp đã nộp kết quả")
    item.click()
    expect(page.locator("#approvals tbody tr")).to_have_count(2)
    # two scored subjects only: every student is below the pass level (TT22 Điều 9 counts six), which
    # the table says, so nothing is ticked for the principal; one box ticks the grade
    expect(page.locator("#approvals .warnings").first).to_contain_text("dưới mức đạt")
    expect(page.locator('input[name="classes"]:checked')).to_have_count(0)
    page.check("#check-all")
    expect(page.locator('input[name="classes"]:checked')).to_have_count(2)
    page.click("#approve-many")
    expect(page.locator(".messages")).to_contain_text("Đã phê duyệt kết quả của 2 lớp")
    assert set(ResultsApproval.objects.values_list("status", flat=True)) == {"approved"}
    page.goto(f"{live_server.url}/")
    expect(page.locator('#inbox li[data-key="results-submitted"]')).to_have_count(0)
    context.close()
