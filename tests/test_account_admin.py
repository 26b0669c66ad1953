"""Admin board screens: accounts one by one, in bulk from Excel, roles, reset, deactivate."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import RoleAssignment, User
from accounts.services import IMPORT_HEADERS
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def xlsx(rows, headers=IMPORT_HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("danh-sach.xlsx", buffer.getvalue())


def test_create_account_shows_a_login_slip_and_forces_change(world, client):
    client.force_login(world.admin_board)
    response = client.post(
        reverse("accounts:staff_create"),
        {
            "username": "gv.hoa",
            "full_name": "Ngô Thị Hoa",
            "email": "hoa@example.edu.vn",
            "roles": ["subject_teacher", "clerk"],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mật khẩu tạm" in page and "gv.hoa" in page
    user = User.objects.get(username="gv.hoa")
    assert user.must_change_password
    assert set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == {
        "subject_teacher",
        "clerk",
    }
    assert AuditEvent.objects.filter(action="account_created", actor=world.admin_board).exists()


def test_create_account_errors_stay_next_to_fields_and_keep_input(world, client):
    client.force_login(world.admin_board)
    response = client.post(
        reverse("accounts:staff_create"),
        {
            "username": world.clerk.username,
            "full_name": "Ngô Thị Hoa",
            "email": "khong-phai-email",
            "roles": ["department_head"],
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "đã có người dùng" in page
    assert "không phải địa chỉ email hợp lệ" in page
    assert "Chọn tổ chuyên môn" in page
    assert 'value="Ngô Thị Hoa"' in page
    assert not User.objects.filter(full_name="Ngô Thị Hoa").exists()


def test_import_template_downloads_with_the_expected_headers(world, client):
    client.force_login(world.admin_board)
    response = client.get(reverse("accounts:staff_import_template"))
    sheet = load_workbook(BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == IMPORT_HEADERS


def test_bulk_import_reports_bad_rows_one_by_one_and_creates_only_valid(world, client):
    client.force_login(world.admin_board)
    rows = [
        ["gv.an", "Phạm Văn An", "an@example.edu.vn", "0912000001", "Giáo viên bộ môn", ""],
        ["gv.an", "Phạm Văn An Hai", "", "", "Giáo viên bộ môn", ""],  # duplicate in file
        [world.clerk.username, "Trùng Tên", "", "", "Văn thư", ""],  # duplicate in database
        ["gv.binh", "", "", "", "Giáo viên bộ môn", ""],  # missing name
        ["gv.chi", "Lê Thị Chi", "chi@@sai", "", "Văn thư", ""],  # bad e-mail
        ["gv.dung", "Hồ Văn Dũng", "", "", "Phù thủy", ""],  # unknown role
        ["gv.em", "Đinh Thị Em", "", "", "Tổ trưởng, Giáo viên bộ môn", "Tổ Tự nhiên"],
    ]
    response = client.post(reverse("accounts:staff_import"), {"file": xlsx(rows)})
    page = response.content.decode()
    report = response.context["report"]
    refused = {r.number: " ".join(r.errors) for r in report.refused_rows}
    assert set(refused) == {3, 4, 5, 6, 7}
    assert "trùng với dòng 2" in refused[3]
    assert "đã có người dùng" in refused[4]
    assert "Chưa nhập họ và tên" in refused[5]
    assert "không phải địa chỉ email hợp lệ" in refused[6]
    assert "Vai trò không hợp lệ: Phù thủy" in refused[7]
    assert [r.number for r in report.valid_rows] == [2, 8]
    assert "bị từ chối" in page
    assert not User.objects.filter(username__in=["gv.an", "gv.em"]).exists()  # nothing written by the check

    response = client.post(reverse("accounts:staff_import_confirm"))
    assert response.status_code == 200
    assert set(User.objects.filter(username__startswith="gv.").values_list("username", flat=True)) == {
        "gv.an",
        "gv.em",
    }
    em = User.objects.get(username="gv.em")
    assert RoleAssignment.objects.get(user=em, role="department_head").department == world.department
    assert "Mật khẩu tạm" in response.content.decode()


def test_bulk_import_with_wrong_headers_is_refused_whole(world, client):
    client.force_login(world.admin_board)
    response = client.post(
        reverse("accounts:staff_import"),
        {"file": xlsx([["x", "Y Z", "", "", "Văn thư", ""]], headers=["Họ tên", "Tài khoản"])},
    )
    page = response.content.decode()
    assert "Tiêu đề cột không đúng mẫu" in page
    assert response.context["report"] is None
    assert not User.objects.filter(username="x").exists()


def test_bulk_import_refuses_a_non_excel_file(world, client):
    client.force_login(world.admin_board)
    fake = SimpleUploadedFile("danh-sach.xlsx", b"not a zip at all")
    page = client.post(reverse("accounts:staff_import"), {"file": fake}).content.decode()
    assert "Đây không phải tệp Excel" in page


def test_bulk_import_is_all_or_nothing_when_a_row_fails_at_write_time(world, client):
    """Rows validated at preview may fail at confirm (someone took the username meanwhile):
    then nothing of the batch is created."""
    client.force_login(world.admin_board)
    rows = [["gv.one", "Một Người", "", "", "Văn thư", ""], ["gv.two", "Hai Người", "", "", "Văn thư", ""]]
    client.post(reverse("accounts:staff_import"), {"file": xlsx(rows)})
    User.objects.create(username="gv.two", full_name="Kẻ Nhanh Tay")
    response = client.post(reverse("accounts:staff_import_confirm"))
    assert response.status_code == 302
    assert not User.objects.filter(username="gv.one").exists()


def test_grant_and_remove_role(world, client):
    client.force_login(world.admin_board)
    url = reverse("accounts:staff_detail", args=[world.math_teacher.uuid])
    client.post(url, {"role": "clerk"})
    ra = RoleAssignment.objects.get(user=world.math_teacher, role="clerk", school=world.school)
    client.post(reverse("accounts:staff_remove_role", args=[world.math_teacher.uuid, ra.uuid]))
    assert not RoleAssignment.objects.filter(pk=ra.pk).exists()
    assert (
        AuditEvent.objects.filter(action="role_granted").exists()
        and AuditEvent.objects.filter(action="role_removed").exists()
    )


def test_reset_password_forces_a_change(world, client):
    client.force_login(world.admin_board)
    old = world.math_teacher.password
    response = client.post(reverse("accounts:staff_reset_password", args=[world.math_teacher.uuid]))
    assert "Mật khẩu tạm" in response.content.decode()
    world.math_teacher.refresh_from_db()
    assert world.math_teacher.password != old and world.math_teacher.must_change_password


def test_deactivate_account(world, client):
    client.force_login(world.admin_board)
    client.post(reverse("accounts:staff_deactivate", args=[world.clerk.uuid]))
    world.clerk.refresh_from_db()
    assert not world.clerk.is_active
    assert not RoleAssignment.objects.filter(user=world.clerk).exists()


def test_admin_board_cannot_deactivate_itself(world, client):
    client.force_login(world.admin_board)
    client.post(reverse("accounts:staff_deactivate", args=[world.admin_board.uuid]))
    world.admin_board.refresh_from_db()
    assert world.admin_board.is_active


def test_staff_list_sorts_the_vietnamese_way(world, client):
    client.force_login(world.principal)
    people = client.get(reverse("accounts:staff_list")).context["people"]
    names = [p.full_name for p in people]
    # given names: Hiệu, Quản, Thư, Toán, Tổ, Văn (d < đ, o < ô…)
    assert names == [
        "Nguyễn Thị Hiệu",
        "Lê Văn Quản",
        "Phạm Thị Thư",
        "Vũ Văn Toán",
        "Hồ Văn Tổ",
        "Đỗ Thị Văn",
    ]


def test_create_school_command_makes_a_school_and_its_admin_board(db):
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import School

    out = StringIO()
    call_command(
        "create_school",
        "--province",
        "79",
        "Thành phố Hồ Chí Minh",
        "--commune",
        "26740",
        "Phường Sài Gòn",
        "--code",
        "THCS-MOI",
        "--name",
        "Trường THCS Mới",
        "--admin",
        "bqt.moi",
        "Lê Văn Mới",
        stdout=out,
    )
    school = School.objects.get(code="THCS-MOI")
    admin = User.objects.get(username="bqt.moi")
    assert admin.must_change_password
    assert RoleAssignment.objects.filter(user=admin, role="admin_board", school=school).exists()
    password = out.getvalue().split("temporary password: ")[1].strip()
    assert admin.check_password(password)
    # since 1/7/2025: province + ward, the ward's People's Committee manages a THCS
    assert (school.province.code, school.commune.code, school.district) == ("79", "26740", None)
    assert school.managing_body(2026) == "Ủy ban nhân dân Phường Sài Gòn"


@pytest.mark.parametrize(
    "province, commune, message",
    [
        (("79", "Thành phố Hồ Chí Minh"), ("00166", "Phường Cầu Giấy"), "Phường Cầu Giấy"),
        (("99", "Tỉnh Không Có"), ("26740", "Phường Sài Gòn"), "99"),
        (("79", "Thành phố Hồ Chí Minh"), ("26740", "Quận 1"), "Quận 1"),
    ],
)
def test_create_school_refuses_a_place_that_does_not_exist(db, province, commune, message):
    from django.core.management import CommandError, call_command

    from accounts.models import School

    with pytest.raises(CommandError, match=message):
        call_command(
            "create_school",
            "--province",
            *province,
            "--commune",
            *commune,
            "--code",
            "THCS-X",
            "--name",
            "Trường THCS X",
            "--admin",
            "bqt.x",
            "Lê Văn X",
        )
    assert not School.objects.filter(code="THCS-X").exists()
