"""The grid as Excel: the template downloads, a filled file (Excel-like or LibreOffice) imports cell by
cell with a preview of old → new, and the round trip is exact."""

import uuid
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from gradebook.excel_grid import FIRST_ROW, KEY_ROW
from gradebook.models import Enrolment, Score, SubjectComment
from gradebook.services.scores import CellChange, save_grid

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def fixed_codes(world):
    Enrolment.objects.filter(pk=world.enrolment.pk).update(
        uuid=uuid.UUID("00000000-0000-4000-8000-000000000001")
    )
    second = Enrolment.objects.get(student=world.other_student)
    second.classroom = world.classroom
    second.uuid = uuid.UUID("00000000-0000-4000-8000-000000000002")
    second.save()
    world.enrolment.refresh_from_db()
    return second


def upload(client, world, path_or_bytes, name="diem.xlsx"):
    content = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return client.post(
        reverse("grid_import", args=[world.math.uuid, "HK1"]), {"file": SimpleUploadedFile(name, content)}
    )


def test_template_has_the_roster_keys_and_protection(world, client):
    save_grid(world.math_teacher, world.math, "HK1", [CellChange(str(world.enrolment.uuid), "tx1", "8,5")])
    client.force_login(world.math_teacher)
    response = client.get(reverse("grid_excel", args=[world.math.uuid, "HK1"]))
    sheet = load_workbook(BytesIO(response.content)).active
    keys = [c.value for c in sheet[KEY_ROW]]
    assert keys[:7] == ["enrolment", "number", "code", "name", "dob", "tx1", "tx2"]
    assert sheet.protection.sheet
    row = [c.value for c in sheet[FIRST_ROW]]
    assert row[0] == str(world.enrolment.uuid) and row[3] == "Trần Thị Bình" and row[5] == 8.5
    assert sheet.cell(FIRST_ROW, 6).protection.locked is False
    assert sheet.cell(FIRST_ROW, 4).protection.locked is True


@pytest.mark.parametrize("fixture", ["grid-openpyxl.xlsx", "grid-libreoffice.xlsx"])
def test_filled_file_imports_cell_by_cell(world, client, fixture):
    fixed_codes(world)
    save_grid(world.math_teacher, world.math, "HK1", [CellChange(str(world.enrolment.uuid), "tx1", "6")])
    client.force_login(world.math_teacher)
    response = upload(client, world, FIXTURES / fixture)
    preview = response.context["preview"]
    assert response.context["error"] == ""
    lines = {(line.student, line.column): (line.old, line.new) for line in preview.lines}
    assert lines[("Trần Thị Bình", "ĐĐGtx 1")] == ("6", "8")
    assert lines[("Trần Thị Bình", "ĐĐGtx 2")] == (
        "∅",
        "7,5",
    )  # a number cell (7.5 in Excel) shown as the grid does
    assert lines[("Trần Thị Bình", "ĐĐGtx 3")] == ("∅", "9,5")  # decimal comma typed as text
    assert lines[("Trần Thị Bình", "Nhận xét")] == ("∅", "Chăm chỉ")
    assert [(r.student, r.column) for r in preview.refused] == [("Lê Văn An", "ĐĐGtx 2")]  # "12"
    assert "Điểm không được lớn hơn 10" in preview.refused[0].new
    assert Score.objects.count() == 1  # nothing written by the preview
    response = client.post(
        reverse("grid_import", args=[world.math.uuid, "HK1"]),
        {"confirm": "1", "reason": "Nhập lại theo sổ cá nhân"},
    )
    assert response.status_code == 302
    values = {
        (s.enrolment.student.given_name, s.kind, s.index): s.value
        for s in Score.objects.select_related("enrolment__student")
    }
    assert values[("Bình", "regular", 1)] == Decimal("8.0")
    assert values[("Bình", "regular", 2)] == Decimal("7.5")
    assert values[("Bình", "regular", 3)] == Decimal("9.5")
    assert values[("Bình", "final", 1)] == Decimal("7.0")
    assert values[("An", "regular", 4)] == Decimal("6.5")
    assert ("An", "regular", 2) not in values
    assert SubjectComment.objects.get().text == "Chăm chỉ"
    changed = Score.objects.get(enrolment=world.enrolment, kind="regular", index=1)
    assert (
        changed.history.order_by("-history_date").first().history_change_reason == "Nhập lại theo sổ cá nhân"
    )


def test_round_trip_is_exact(world, client):
    fixed_codes(world)
    changes = [
        CellChange(str(world.enrolment.uuid), c, v)
        for c, v in [("tx1", "8,5"), ("tx2", "7"), ("gk", "9"), ("comment", "Tốt")]
    ]
    save_grid(world.math_teacher, world.math, "HK1", changes)
    client.force_login(world.math_teacher)
    exported = client.get(reverse("grid_excel", args=[world.math.uuid, "HK1"])).content
    preview = upload(client, world, exported).context["preview"]
    assert preview.lines == [] and preview.refused == []


def test_wrong_file_is_refused_with_a_message(world, client):
    client.force_login(world.math_teacher)
    page = upload(client, world, b"PK\x03\x04 not really").content.decode()
    assert "Đây không phải tệp Excel" in page or "Không đọc được tệp Excel" in page
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Họ tên", "Điểm"])
    buffer = BytesIO()
    wb.save(buffer)
    page = upload(client, world, buffer.getvalue()).content.decode()
    assert "không phải tệp mẫu điểm" in page


def test_only_the_teacher_imports(world, client):
    client.force_login(world.literature_teacher)
    assert upload(client, world, FIXTURES / "grid-openpyxl.xlsx").status_code == 403
