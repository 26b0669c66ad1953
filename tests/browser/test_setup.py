"""A new THPT school from `manage.py create_school` to its first saved score, only through the pages and
Excel files — the roster written by LibreOffice, as a school's office would save it (docs/workflows.md §1)."""

import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from gradebook.models import Score, Student, TeachingAssignment

pytestmark = pytest.mark.browser

PASTE = """(text) => {
  const dt = new DataTransfer();
  dt.setData('text/plain', text);
  document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
}"""

NEW_PASSWORD = "Truong@Moi2026"  # noqa: S105 — a test's password
SECTOR = [
    "STT", "Mã lớp", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Quốc tịch",
    "Tỉnh", "Huyện", "Xã", "Họ tên cha", "Năm sinh cha", "Họ tên mẹ", "Năm sinh mẹ", "Số ĐDCN",
]  # fmt: skip
STUDENTS = [
    ("0100300001", "Nguyễn Minh Anh", "03/04/2011", "Nữ", "Phường Ngọc Hà", "001311000001"),
    ("0100300002", "Trần Quốc Bảo", "21/11/2011", "Nam", "Phường Kim Mã", "001211000002"),
    ("0100300003", "Lò Thị Cúc", "09/08/2011", "Nữ", "Phường Cống Vị", "001311000003"),
]


def first_sign_in(page, server, username, password):
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/password/**")
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def roster_by_libreoffice(folder: Path) -> Path:
    """The sector database's layout, with formulas in the STT column, saved again by LibreOffice Calc."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH HỌC SINH LỚP 10A1"])
    sheet.append(SECTOR)
    for n, (moet, name, born, sex, ward, personal) in enumerate(STUDENTS, start=1):
        sheet.append(
            ["=ROW()-2", "10A1", moet, name, born, sex, "Kinh", "Việt Nam", "Thành phố Hà Nội",
             "Quận Ba Đình", ward, "Nguyễn Văn Cha", 1980, "Lê Thị Mẹ", 1983, personal]
        )  # fmt: skip
        for column in ("C", "E", "P"):
            sheet[f"{column}{n + 2}"].number_format = "@"
    source = folder / "source" / "danh-sach-10A1.xlsx"
    source.parent.mkdir()
    workbook.save(source)
    out = folder / "lo"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{folder}/profile", "--headless", "--convert-to", "xlsx",
         "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    written = out / "danh-sach-10A1.xlsx"
    assert "LibreOffice" in (load_workbook(written).properties.creator or "") + str(
        __import__("zipfile").ZipFile(written).read("docProps/app.xml")
    )
    return written


def test_from_create_school_to_the_first_saved_score(live_server, transactional_db, page, tmp_path):
    if not shutil.which("soffice"):
        pytest.fail("LibreOffice not found: run `make install` (it installs libreoffice-calc-nogui)")
    out = StringIO()
    call_command(
        "create_school", "--province", "01", "Thành phố Hà Nội", "--commune", "00004", "Phường Ba Đình",
        "--code", "THPT-BD", "--name", "Trường THPT Ba Đình", "--level", "THPT",
        "--admin", "bqt.bd", "Lê Văn Quản", stdout=out,
    )  # fmt: skip
    password = out.getvalue().split("temporary password: ")[1].strip()
    first_sign_in(page, live_server, "bqt.bd", password)

    # the checklist: nothing done
    page.goto(f"{live_server.url}/setup/")
    expect(page.locator("#not-ready")).to_be_visible()
    # profile
    page.click("#step-profile a")
    page.fill("#id_moet_code", "01000789")
    page.click("main form button[type=submit]")
    expect(page.locator("#step-profile")).to_contain_text("✓ Xong")
    # year from the Ministry's frame
    page.click("#step-year a")
    page.fill("#id_start_year", "2026")
    page.click("main form button[type=submit]")
    expect(page.locator("#id_HK1-start_date")).to_have_value("05/09/2026")
    # curriculum from the preset
    page.goto(f"{live_server.url}/setup/curriculum/")
    page.click("text=Thêm môn học theo mẫu")
    expect(page.locator("#g10 h2")).to_contain_text("17 môn")
    # a class, its electives and a learning-topic cluster of Toán
    page.goto(f"{live_server.url}/setup/classes/")
    page.fill("#id_classes", "10A1")
    page.click("#new-classes button")
    page.click("text=Chọn môn lựa chọn")
    for name in ("Vật lí", "Hóa học", "Sinh học", "Tin học"):
        page.locator("#id_electives").get_by_label(name, exact=True).check()
    page.locator("#id_topic_clusters").get_by_label("Toán", exact=True).check()
    page.fill("#id_combination", "Khoa học tự nhiên")
    page.click("main form button[type=submit]")
    expect(page.locator("#class-list")).to_contain_text("Khoa học tự nhiên")

    # a teacher's account, as today
    page.goto(f"{live_server.url}/accounts/staff/new/")
    page.fill("#id_username", "gv.toan.bd")
    page.fill("#id_full_name", "Phan Thị Toán")
    page.get_by_label("Giáo viên bộ môn", exact=True).check()
    page.click("main form button[type=submit]")
    teacher_password = page.locator("code").nth(1).inner_text().strip()

    # the assignment matrix: downloaded, filled in Excel, uploaded, checked, saved
    page.goto(f"{live_server.url}/setup/assignments/")
    with page.expect_download() as download:
        page.click("text=Tải về dạng Excel")
    exported = tmp_path / "xuat.xlsx"
    download.value.save_as(exported)
    book = load_workbook(exported)
    sheet = book.active
    heading = [c.value for c in sheet[2]]
    sheet.cell(3, heading.index("Toán") + 1, "Phan Thị Toán")
    sheet.cell(3, heading.index("GVCN") + 1, "gv.toan.bd")
    filled = tmp_path / "phan-cong.xlsx"
    book.save(filled)
    page.set_input_files("#import input[type=file]", str(filled))
    page.click("#import button")
    expect(page.locator("#preview")).to_contain_text("Mới")
    page.click("#confirm")
    expect(page.locator(".messages")).to_contain_text("Đã lưu 2 phân công")

    # the matrix page: a block pasted from Excel fills the cells from the focused one; arrows move
    page.goto(f"{live_server.url}/setup/assignments/")
    first = page.locator("#matrix tbody tr").first.locator("input.cell")
    expect(first.nth(0)).to_have_value("Phan Thị Toán (gv.toan.bd)")
    first.nth(1).click()
    page.evaluate(PASTE, "gv.toan.bd\tPhan Thị Toán\n")
    expect(first.nth(1)).to_have_value("gv.toan.bd")
    expect(first.nth(2)).to_have_value("Phan Thị Toán")
    assert "changed" in first.nth(2).get_attribute("class")
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    expect(first.nth(2)).to_be_focused()
    page.click("#matrix-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Đã lưu 1 phân công")  # Văn; Toán unchanged

    # the roster as LibreOffice wrote it: preview (nothing written), then confirm
    page.goto(f"{live_server.url}/setup/roster/")
    page.set_input_files("#upload input[type=file]", str(roster_by_libreoffice(tmp_path)))
    page.click("#upload button")
    expect(page.locator("#counts")).to_contain_text("3 mới")
    assert not Student.objects.exists()
    page.click("#confirm")
    expect(page.locator(".messages")).to_contain_text("3 mới")
    anh = Student.objects.get(moet_code="0100300001")
    assert anh.date_of_birth.isoformat() == "2011-04-03" and anh.personal_id == "001311000001"

    # the teacher signs in and saves the first score; Toán has 4 + 1 (the cluster) regular assessments
    page.context.clear_cookies()
    first_sign_in(page, live_server, "gv.toan.bd", teacher_password)
    toan = TeachingAssignment.objects.get(classroom__name="10A1", subject__code="toan")
    page.goto(f"{live_server.url}/grid/{toan.uuid}/HK1/")
    expect(page.locator('#grid tbody tr input[data-col="tx5"]').first).to_be_visible()
    page.locator('#grid tbody tr input[data-col="tx1"]').first.click()
    page.keyboard.type("8,5")
    page.keyboard.press("Control+s")
    page.wait_for_selector("#check-dialog[open]")
    page.click("#check-confirm")
    expect(page.locator("#status")).to_contain_text("Đã lưu")
    score = Score.objects.get(assignment=toan)
    assert str(score.value) == "8.5" and score.enrolment.student.full_name == "Nguyễn Minh Anh"
