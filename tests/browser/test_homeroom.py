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
    gvcn.select_option(f'select[name="level:{world.enrolment.uuid}"]', "Tốt")
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
