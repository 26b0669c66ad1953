"""The principal signs in with a real browser and reaches the home page."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_principal_signs_in_and_reaches_home(live_server, live_world, page):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url  # anonymous → sign-in page
    assert page.locator("h1").inner_text() == "Đăng nhập"  # Vietnamese even for an English browser
    page.fill("#id_username", live_world.principal.username)
    page.fill("#id_password", "sai mật khẩu")
    page.click("button[type=submit]")
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.inner_text("main")
    assert page.input_value("#id_username") == live_world.principal.username  # what was typed is kept
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "Xin chào, Nguyễn Thị Hiệu" in page.inner_text("h1")
    assert "Ban giám hiệu" in page.inner_text("#board")
    page.click("text=Tất cả các lớp")
    assert "6A1" in page.inner_text("table")
