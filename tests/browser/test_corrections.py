"""Sửa điểm in Chromium across three sessions: the teacher asks with evidence, the principal approves,
the admin board makes the change in front of the witnesses; the period stays locked."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from gradebook.models import CorrectionRequest, Score
from gradebook.services import locks
from gradebook.services.scores import CellChange, save_grid
from tests.browser.test_grid import cell, sign_in

pytestmark = pytest.mark.browser


def photo(tmp_path):
    path = tmp_path / "so-diem-ca-nhan.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_the_correction_story_across_three_sessions(live_server, live_world, browser, tmp_path):
    world = live_world
    save_grid(world.math_teacher, world.math, "HK1", [CellChange(str(world.enrolment.uuid), "tx1", "7")])
    lock = locks.decide_lock(
        world.principal,
        world.year,
        term="HK1",
        locked_at=timezone.now() - timedelta(minutes=1),
        decision_number="15/QĐ-THCS",
        decision_date=date(2026, 12, 28),
    )
    locks.carry_out_lock(world.admin_board, lock)

    sessions = {}
    for who in ("teacher", "principal", "admin_board"):
        context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        sessions[who] = context.new_page()
        sessions[who].set_default_timeout(15000)
    teacher, principal, admin = sessions["teacher"], sessions["principal"], sessions["admin_board"]
    sign_in(teacher, live_server, world.math_teacher)
    sign_in(principal, live_server, world.principal)
    sign_in(admin, live_server, world.admin_board)

    # the teacher finds the grid locked and files a request
    teacher.goto(f"{live_server.url}/grid/{world.math.uuid}/HK1/")
    teacher.click("#correction-link")
    field = teacher.locator(f'input[name="cell:{world.enrolment.uuid}:tx1"]')
    field.fill("8,5")
    teacher.fill("#id_reason", "Nhập nhầm điểm bài kiểm tra 15 phút")
    teacher.click("#correction-form button[type=submit]")
    # no evidence: refused, the typed value and reason kept, the message next to the file field
    expect(teacher.locator(".field-error")).to_contain_text("minh chứng")
    expect(field).to_have_value("8,5")
    expect(teacher.locator("#id_reason")).to_have_value("Nhập nhầm điểm bài kiểm tra 15 phút")
    teacher.set_input_files("#id_evidence", str(photo(tmp_path)))
    teacher.click("#correction-form button[type=submit]")
    expect(teacher.locator("#correction-status")).to_have_text("Chờ Hiệu trưởng duyệt")
    correction = CorrectionRequest.objects.get()

    # the principal approves
    principal.goto(f"{live_server.url}/corrections/")
    principal.click(f'tr[data-correction="{correction.uuid}"] a')
    expect(principal.locator("#items")).to_contain_text("8,5")
    principal.check('input[name="decision"][value="approve"]')
    principal.fill("#id_note", "Đồng ý, minh chứng khớp")
    principal.click("#decide-form button[type=submit]")
    expect(principal.locator("#correction-status")).to_have_text("Đã duyệt, chờ Ban quản trị thực hiện")

    # the admin board makes the change with the witnesses
    admin.goto(f"{live_server.url}/corrections/{correction.uuid}/")
    admin.select_option("#id_witness_board", label="Nguyễn Thị Hiệu")
    admin.check("#id_requester_present")
    admin.click("#apply-form button[type=submit]")
    expect(admin.locator("#correction-status")).to_have_text("Đã sửa trên hệ thống")
    # printing the record: the page's form posts (with its CSRF token) and leads to the stored file
    form = admin.locator("form:has(#record-pdf)")
    response = admin.request.post(
        live_server.url + form.get_attribute("action"),
        form={"csrfmiddlewaretoken": form.locator("input[name=csrfmiddlewaretoken]").get_attribute("value")},
    )
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert "/documents/d/" in response.url and response.body().startswith(b"%PDF-")

    assert Score.objects.get(enrolment=world.enrolment, kind="regular", index=1).value == Decimal("8.5")
    # the teacher sees the new value, and the grid still locked
    teacher.goto(f"{live_server.url}/grid/{world.math.uuid}/HK1/")
    expect(teacher.locator(".lock-note")).to_be_visible()
    expect(cell(teacher, 0, "tx1")).to_have_value("8,5")
    for page in sessions.values():
        page.context.close()
