"""A parent on a phone (390 × 844): the child's scores as a table, comments, attendance; nothing wider
than the screen."""

from datetime import date

import pytest
from playwright.sync_api import expect

from gradebook.models import Absence
from gradebook.services.scores import CellChange, save_grid
from tests.browser.test_grid import sign_in

pytestmark = pytest.mark.browser


def test_the_family_page_fits_a_phone(live_server, live_world, browser, tmp_path):
    world = live_world
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [
            CellChange(str(world.enrolment.uuid), "tx1", "7,5"),
            CellChange(str(world.enrolment.uuid), "tx2", "9"),
            CellChange(str(world.enrolment.uuid), "gk", "8"),
            CellChange(str(world.enrolment.uuid), "comment", "Cần luyện thêm các bài toán có lời văn"),
        ],
    )
    Absence.objects.create(enrolment=world.enrolment, date=date(2026, 10, 5), excused=True, reason="ốm")
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server, world.parent)
    page.click("#children a")
    expect(page.locator("#record-HK1")).to_contain_text("ĐĐGtx 2")
    expect(page.locator("#record-HK1")).to_contain_text("Cần luyện thêm")
    expect(page.locator("#absence-dates")).to_contain_text("05/10/2026")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390-px screen"
    page.screenshot(path=tmp_path / "family-390.png", full_page=True)  # to look at when it fails
    context.close()
