"""The roster from the sector database's Excel (docs/workflows.md §1): every row's fate before anything
is written, each refusal with its reason, the error file, idempotent re-imports, guardians, enrolment."""

import unicodedata
from datetime import date
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from accounts.authz import PermissionDenied
from accounts.models import Role
from gradebook.models import Enrolment, Guardian, ImportBatch, Student
from gradebook.services import roster, setup
from tests.factories import make_school, make_student, make_user

pytestmark = pytest.mark.xdist_group("roster_import")

# The sector database's columns, in its order, as the published template words them (kept here on
# its own: the test checks the portal against the template, not against itself)
SECTOR = [
    "STT", "Mã lớp", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Quốc tịch",
    "Tỉnh", "Huyện", "Xã", "Họ tên cha", "Năm sinh cha", "Họ tên mẹ", "Năm sinh mẹ", "Số ĐDCN",
]  # fmt: skip


def row(n, cls, moet, name, born, sex="Nam", ethnicity="Kinh", commune=("Thành phố Hà Nội", "", "Phường Cầu Giấy"),
        father="Nguyễn Văn Cha", mother="Trần Thị Mẹ", personal=""):  # fmt: skip
    return [
        n,
        cls,
        moet,
        name,
        born,
        sex,
        ethnicity,
        "Việt Nam",
        *commune,
        father,
        1980,
        mother,
        1982,
        personal,
    ]


def xlsx(rows, header=SECTOR, *, before=None, hide=(), merge=None, title="Danh sach"):
    workbook = Workbook()
    sheet = workbook.active
    if before is not None:  # a first sheet without the table (instructions)
        sheet.title = "Hướng dẫn"
        sheet.append([before])
        sheet = workbook.create_sheet(title)
    else:
        sheet.title = title
    sheet.append(["DANH SÁCH HỌC SINH"])
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    for number in hide:
        sheet.row_dimensions[number].hidden = True
    if merge:
        sheet.merge_cells(merge)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD = [
    row(1, "6A1", "0100000001", "Nguyễn Văn An", "15/03/2015", personal="001215000001"),
    row(2, "6A1", "0100000002", "Lê Thị Bình", "02/11/2015", sex="Nữ", personal="001315000002"),
    row(3, "6A2", "", "Phạm Minh Châu", "20/01/2015", sex="Nữ", ethnicity="Tày"),
]


@pytest.fixture
def school_year(db):
    school = make_school()
    admin = make_user("bqt.roster", school=school, roles=[Role.ADMIN_BOARD])
    year, _ = setup.set_up_year(admin, school, 2026, classes="6A1-6A2,7A1")
    return year, admin


def test_preview_writes_nothing_then_confirmation_writes_students_guardians_enrolments(school_year):
    year, admin = school_year
    batch, result = roster.upload(admin, year, "ds.xlsx", xlsx(GOOD))
    assert [r.fate for r in result.rows] == ["new", "new", "new"]
    assert not Student.objects.exists()
    roster.apply(admin, batch)
    an = Student.objects.get(moet_code="0100000001")
    assert (an.family_name, an.middle_name, an.given_name) == ("Nguyễn", "Văn", "An")
    assert an.date_of_birth == date(2015, 3, 15) and an.personal_id == "001215000001"
    assert an.enrolments.get().classroom.name == "6A1"
    assert {(g.relationship, g.full_name, g.year_of_birth) for g in an.guardians.all()} == {
        ("father", "Nguyễn Văn Cha", 1980), ("mother", "Trần Thị Mẹ", 1982),
    }  # fmt: skip
    assert Student.objects.get(given_name="Châu").ethnicity == "Tày"
    assert an.history.first().history_user == admin  # traced to the person
    with pytest.raises(roster.RosterError, match="đã được ghi"):
        roster.apply(admin, batch)


def test_the_same_file_twice_writes_nothing_the_second_time(school_year):
    year, admin = school_year
    roster.apply(admin, roster.upload(admin, year, "ds.xlsx", xlsx(GOOD))[0])
    counts = (Student.history.count(), Guardian.history.count(), Enrolment.history.count())
    batch, result = roster.upload(admin, year, "ds.xlsx", xlsx(GOOD))
    assert [r.fate for r in result.rows] == ["unchanged"] * 3
    roster.apply(admin, batch)
    assert (Student.history.count(), Guardian.history.count(), Enrolment.history.count()) == counts
    assert Student.objects.count() == 3

    # a corrected file updates by Ministry id or personal id, never duplicates
    changed = [list(r) for r in GOOD]
    changed[0][14] = 1983  # the mother's year of birth
    changed[1][2] = ""  # no Ministry id: found by the personal id
    changed[1][3] = "Lê Thị Bích"
    batch, result = roster.upload(admin, year, "ds.xlsx", xlsx(changed))
    assert [r.fate for r in result.rows] == ["updated", "updated", "unchanged"]
    assert result.rows[0].changes == ["Mẹ"] and "Tên" in result.rows[1].changes
    roster.apply(admin, batch)
    assert Student.objects.count() == 3
    assert Student.objects.get(personal_id="001315000002").given_name == "Bích"


@pytest.mark.parametrize(
    "bad, reason",
    [
        (row(1, "6A1", "", "Hà Văn Dũng", "31/02/2015"), "không có thật"),
        (row(1, "6A1", "", "Hà Văn Dũng", "2015-03-01"), "dd/mm/yyyy"),
        (row(1, "6A1", "", "Hà Văn Dũng", "01/03/2005"), "không hợp lý với khối 6"),
        (row(1, "6A1", "", "Hà Văn Dũng", "01/03/2015", personal="00121500001"), "không đủ 12 chữ số"),
        (row(1, "6A1", "", "Hà Văn Dũng", "01/03/2015", sex="Khác"), "không phải Nam hoặc Nữ"),
        (row(1, "6A1", "", "Hà Văn Dũng", "01/03/2015", ethnicity="Xyz"), "danh mục 54 dân tộc"),
        (row(1, "6Z9", "", "Hà Văn Dũng", "01/03/2015"), "không có lớp 6Z9"),
        (row(1, "6A1", "", "Dũng", "01/03/2015"), "không phải họ và tên đầy đủ"),
        (row(1, "6A1", "", "Nguyễn 2 An", "01/03/2015"), "không phải họ và tên đầy đủ"),
        (row(1, "", "", "Hà Văn Dũng", "01/03/2015"), "cột Mã lớp để trống"),
        (
            row(
                1, "6A1", "", "Hà Văn Dũng", "01/03/2015", commune=("Thành phố Hà Nội", "", "Phường Sài Gòn")
            ),
            "không thuộc Thành phố Hà Nội",
        ),
        (
            row(
                1,
                "6A1",
                "",
                "Hà Văn Dũng",
                "01/03/2015",
                commune=("Thành phố Hà Nội", "Quận Ba Đình", "Phường Dịch Vọng"),
            ),
            "không thuộc Thành phố Hà Nội",
        ),
    ],
)
def test_each_bad_row_is_refused_with_its_reason_and_the_good_ones_stay(school_year, bad, reason):
    year, admin = school_year
    batch, result = roster.upload(admin, year, "ds.xlsx", xlsx([GOOD[0], bad]))
    assert result.rows[0].fate == "new"
    assert result.rows[1].fate == "refused" and reason in "; ".join(result.rows[1].reasons)
    roster.apply(admin, batch)
    assert Student.objects.count() == 1


def test_the_old_three_level_address_and_nfd_text_are_accepted(school_year):
    year, admin = school_year
    nfd = unicodedata.normalize("NFD", "Đỗ Thị Hằng")
    old = row(
        1,
        "6A1",
        "",
        nfd,
        "01/03/2015",
        sex="Nữ",
        commune=("Thành phố Hà Nội", "Quận Cầu Giấy", "Phường Dịch Vọng"),
    )
    batch, result = roster.upload(admin, year, "ds.xlsx", xlsx([old]))
    assert result.rows[0].fate == "new", result.rows[0].reasons
    roster.apply(admin, batch)
    assert Student.objects.get().given_name == unicodedata.normalize("NFC", "Hằng")


def test_duplicates_and_ids_held_by_others_are_refused(school_year):
    year, admin = school_year
    other_school = make_school("Trường khác")
    make_student(other_school, "Vũ Văn Khác", personal_id="001215009999")
    here = make_student(year.school, "Đặng Văn Ở", born=date(2015, 5, 5), moet_code="0100000077")
    rows = [
        GOOD[0],
        row(2, "6A2", "0100000001", "Nguyễn Văn An", "15/03/2015"),  # the same Ministry id again
        row(3, "6A1", "", "Lò Văn Sáu", "01/01/2015", personal="001215009999"),  # another school's
        row(4, "6A1", "0100000077", "Đặng Văn Ở", "05/05/2015", personal="001315000002"),
        GOOD[1],  # personal id 001315000002 again, another Ministry id
    ]
    _batch, result = roster.upload(admin, year, "ds.xlsx", xlsx(rows))
    fates = {r.number: (r.fate, "; ".join(r.reasons)) for r in result.rows}
    assert fates[3] == ("new", "")
    assert fates[4][0] == "refused" and "dòng 3" in fates[4][1]
    assert fates[5][0] == "refused" and "trường khác" in fates[5][1]
    assert fates[6][0] == "updated"  # the student already here, found by the Ministry id
    assert fates[7][0] == "refused" and "dòng 6" in fates[7][1]
    assert here.pk


def test_hidden_rows_merged_cells_and_the_sheet_to_read(school_year):
    year, admin = school_year
    data = xlsx(GOOD, before="Hướng dẫn nhập liệu", hide=(4,), merge="L5:L6")
    _batch, result = roster.upload(admin, year, "ds.xlsx", data)
    assert result.sheet == "Danh sach"
    fates = {r.number: (r.fate, "; ".join(r.reasons)) for r in result.rows}
    assert fates[3] == ("new", "")
    assert fates[4][0] == "refused" and "bị ẩn" in fates[4][1]
    assert fates[5][0] == "refused" and "ô gộp" in fates[5][1]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"PK\x03\x04 not really", "không phải tệp Excel"),
        (b"plain text", "không phải tệp Excel"),
        (None, "tiêu đề cột"),
        ("formula", "công thức"),
    ],
)
def test_a_file_that_cannot_be_read_says_why_and_keeps_nothing(school_year, data, message):
    year, admin = school_year
    if data is None:
        data = xlsx([["a", "b"]], header=["Cột 1", "Cột 2"])
    elif data == "formula":
        workbook = Workbook()
        workbook.active.append(SECTOR)
        workbook.active.append(
            row(1, "6A1", "", "Nguyễn Văn An", "01/03/2015")[:3] + ['=CONCAT("Nguyễn ","An")']
        )
        buffer = BytesIO()
        workbook.save(buffer)
        data = buffer.getvalue()
    with pytest.raises(roster.RosterError, match=message):
        roster.upload(admin, year, "ds.xlsx", data)
    assert not ImportBatch.objects.exists()


def test_the_error_file_lists_the_refused_rows_with_their_reasons(school_year):
    year, admin = school_year
    bad = row(2, "6A1", "", "Hà Văn Dũng", "31/02/2015", sex="Khác")
    _batch, result = roster.upload(admin, year, "ds.xlsx", xlsx([GOOD[0], bad]))
    sheet = load_workbook(BytesIO(roster.error_file(result))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Dòng" and rows[0][-1] == "Lý do" and "Họ và tên (*)" in rows[0]
    assert len(rows) == 2 and rows[1][0] == 4 and "Hà Văn Dũng" in rows[1]
    assert "không có thật" in rows[1][-1] and "không phải Nam hoặc Nữ" in rows[1][-1]


def test_the_portal_template_reads_back(school_year):
    year, admin = school_year
    template = load_workbook(BytesIO(roster.template_file(year))).active
    assert [c.value for c in template[1]] == roster.TEMPLATE
    _batch, result = roster.upload(admin, year, "mau.xlsx", roster.template_file(year))
    assert [r.fate for r in result.rows] == ["new"], result.rows[0].reasons


def test_teachers_cannot_import(school_year):
    year, _admin = school_year
    teacher = make_user(school=year.school, roles=[Role.SUBJECT_TEACHER, Role.HOMEROOM_TEACHER])
    with pytest.raises(PermissionDenied):
        roster.upload(teacher, year, "ds.xlsx", xlsx(GOOD))


def test_import_roster_command(school_year, tmp_path):
    year, _admin = school_year
    path = tmp_path / "ds.xlsx"
    path.write_bytes(xlsx(GOOD))
    out = StringIO()
    call_command("import_roster", str(path), "--school", year.school.code, "--dry-run", stdout=out)
    assert "3 new" in out.getvalue() and not Student.objects.exists()
    call_command("import_roster", str(path), "--school", year.school.code, stdout=StringIO())
    assert Student.objects.count() == 3
    with pytest.raises(CommandError, match="Nothing to write"):
        call_command("import_roster", str(path), "--school", year.school.code, stdout=StringIO())
