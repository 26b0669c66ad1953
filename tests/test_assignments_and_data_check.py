"""Teaching assignments as a matrix and from Excel; one student's profile; the start-of-year data
check and its record (docs/workflows.md §1)."""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from accounts import authz
from accounts.authz import Action, PermissionDenied
from accounts.models import Role
from audit.models import AuditEvent
from gradebook.models import Classroom, Student, TeachingAssignment
from gradebook.services import assignments, data_check, setup
from gradebook.services.structure import StructureError
from tests.factories import make_school, make_user

pytestmark = pytest.mark.xdist_group("assignments")


@pytest.fixture
def year(db):
    school = make_school()
    admin = make_user("bqt.pc", school=school, roles=[Role.ADMIN_BOARD])
    year, _ = setup.set_up_year(admin, school, 2026, classes="6A1-6A2")
    make_user("gv.toan", "Nguyễn Văn Toán", school=school, roles=[Role.SUBJECT_TEACHER])
    make_user("gv.van", "Trần Thị Văn", school=school, roles=[Role.SUBJECT_TEACHER])
    make_user("gv.van2", "Trần Thị Văn", school=school, roles=[Role.SUBJECT_TEACHER])
    return year, admin


def _cells(year, *specs):
    m = assignments.matrix(year)
    out = []
    for class_name, code, username in specs:
        classroom = next(c for c in m.classes if c.name == class_name)
        subject = next((s for s in m.subjects if s.code == code), None)
        teacher, reason = assignments.find_teacher(username, m.staff)
        out.append(assignments.CellChange(classroom, subject, teacher, reason=reason))
    return out


def test_the_matrix_gives_the_grid_rights_at_once_and_dates_the_change(year):
    year, admin = year
    result = assignments.save_matrix(
        admin, year, _cells(year, ("6A1", "toan", "gv.toan"), ("6A1", None, "gv.van"))
    )
    assert [c.fate for c in result.cells] == ["new", "new"]
    toan = TeachingAssignment.objects.get(classroom__name="6A1", subject__code="toan")
    teacher = toan.teacher
    assert teacher.username == "gv.toan" and authz.can(teacher, Action.ENTER_SCORES, toan)
    assert Classroom.objects.get(name="6A1").homeroom_teacher.username == "gv.van"
    # a replacement from 10/11: the old teacher loses the grid, the new one has it, the trail keeps the day
    assignments.save_matrix(
        admin, year, _cells(year, ("6A1", "toan", "gv.van")), effective=date(2026, 11, 10)
    )
    fresh = TeachingAssignment.objects.get(pk=toan.pk)
    authz.forget(teacher)
    assert not authz.can(teacher, Action.ENTER_SCORES, fresh)
    event = AuditEvent.objects.filter(action=AuditEvent.Action.TEACHING_ASSIGNED).order_by("-at").first()
    assert event.details["effective"] == "2026-11-10"
    assert event.details["changes"] == [
        {"cell": "6A1 — Toán", "before": "Nguyễn Văn Toán", "after": "Trần Thị Văn"}
    ]


def test_cells_that_cannot_be_taken_say_why(year):
    year, admin = year
    m = assignments.matrix(year)
    assert assignments.find_teacher("Trần Thị Văn", m.staff)[0] is None  # two people of that name
    assert "2" in assignments.find_teacher("Trần Thị Văn", m.staff)[1]
    assert assignments.find_teacher("Trần Thị Văn (gv.van2)", m.staff)[0].username == "gv.van2"
    assert assignments.find_teacher("nguyen van toan", m.staff)[0].username == "gv.toan"
    result = assignments.save_matrix(admin, year, _cells(year, ("6A1", "toan", "ai.do")))
    assert (
        result.cells[0].fate == "refused"
        and not TeachingAssignment.objects.filter(teacher__isnull=False).exists()
    )


def test_the_excel_matrix_round_trips_with_a_preview(year):
    year, admin = year
    assignments.save_matrix(admin, year, _cells(year, ("6A1", "toan", "gv.toan")))
    data = assignments.export_file(year)
    sheet = load_workbook(BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("Lớp", "GVCN", "Ngữ văn") and rows[2][0] == "6A1"
    toan_column = rows[1].index("Toán")
    assert rows[2][toan_column] == "Nguyễn Văn Toán (gv.toan)"
    # the same file back: nothing to write
    _batch, result = assignments.upload(admin, year, "pc.xlsx", data)
    assert result.writable == 0 and result.count("unchanged") == 1
    # edited: 6A2's Toán and homeroom teacher
    book = load_workbook(BytesIO(data))
    book.active.cell(4, toan_column + 1, "gv.toan")
    book.active.cell(4, 2, "Trần Thị Văn (gv.van)")
    book.active.cell(3, 3, "Người Lạ")
    buffer = BytesIO()
    book.save(buffer)
    batch, result = assignments.upload(admin, year, "pc.xlsx", buffer.getvalue())
    fates = sorted((c.label, c.fate) for c in result.cells)
    assert ("6A2 — Toán", "new") in fates and ("6A1 — Văn", "refused") in fates
    assert not TeachingAssignment.objects.filter(classroom__name="6A2", teacher__isnull=False).exists()
    assignments.apply(admin, batch)
    assert (
        TeachingAssignment.objects.get(classroom__name="6A2", subject__code="toan").teacher.username
        == "gv.toan"
    )
    assert Classroom.objects.get(name="6A2").homeroom_teacher.username == "gv.van"


def test_a_homeroom_teacher_checks_the_class_and_the_record_lists_the_changes(year):
    year, admin = year
    assignments.save_matrix(admin, year, _cells(year, ("6A1", None, "gv.van")))
    classroom = Classroom.objects.get(name="6A1")
    gvcn = classroom.homeroom_teacher
    authz.forget(gvcn)
    student = data_check.save_student(
        admin,
        classroom,
        {
            "family_name": "Lê",
            "middle_name": "Văn",
            "given_name": "Tám",
            "date_of_birth": date(2015, 2, 3),
            "sex": "M",
        },
        guardians={"father": {"full_name": "Lê Văn Bố", "year_of_birth": 1980}},
    )
    data_check.open_check(gvcn, classroom)
    data_check.save_student(
        gvcn,
        classroom,
        {"family_name": "Lê", "middle_name": "Văn", "given_name": "Tám", "date_of_birth": date(2015, 3, 2), "sex": "M",
         "place_of_birth": "Hà Nội"},
        student=student,
        guardians={"father": {"full_name": "Lê Văn Bố", "year_of_birth": 1979}},
    )  # fmt: skip
    check = data_check.confirm_check(gvcn, classroom, "Đã đối chiếu với giấy khai sinh")
    changes = {(c.field, c.before, c.after, c.by) for c in data_check.changes_during(check)}
    assert ("Ngày sinh", "03/02/2015", "02/03/2015", gvcn.full_name) in changes
    assert ("Nơi sinh", "", "Hà Nội", gvcn.full_name) in changes
    assert ("Năm sinh (cha)", "1980", "1979", gvcn.full_name) in changes
    with pytest.raises(StructureError):
        data_check.confirm_check(gvcn, classroom)
    # another class's homeroom teacher, a subject teacher: no
    other = make_user(school=year.school, roles=[Role.SUBJECT_TEACHER])
    with pytest.raises(PermissionDenied):
        data_check.save_student(other, classroom, {"family_name": "X", "given_name": "Y"}, student=student)
    with pytest.raises(PermissionDenied):
        data_check.open_check(admin, Classroom.objects.get(name="6A2"))


def test_a_profile_refused_field_by_field(year):
    year, admin = year
    classroom = Classroom.objects.get(name="6A1")
    with pytest.raises(data_check.ProfileError) as refused:
        data_check.save_student(
            admin, classroom,
            {"family_name": "Lê", "given_name": "", "date_of_birth": date(2024, 1, 1), "sex": "X", "personal_id": "12",
             "ethnicity": "Xyz"},
        )  # fmt: skip
    assert set(refused.value.errors) == {"given_name", "date_of_birth", "sex", "personal_id", "ethnicity"}
    assert not Student.objects.exists()


def test_import_assignments_command(year, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    year, admin = year
    book = load_workbook(BytesIO(assignments.export_file(year)))
    heading = [c.value for c in book.active[2]]
    book.active.cell(3, heading.index("Toán") + 1, "gv.toan")
    book.active.cell(4, heading.index("Toán") + 1, "Ai Đó")
    path = tmp_path / "pc.xlsx"
    book.save(path)
    out = StringIO()
    call_command("import_assignments", str(path), "--school", year.school.code, "--dry-run", stdout=out)
    assert "1 new" in out.getvalue() and "1 refused" in out.getvalue()
    assert not TeachingAssignment.objects.filter(teacher__isnull=False).exists()
    call_command(
        "import_assignments", str(path), "--school", year.school.code, "--from", "10/09/2026", stdout=out
    )
    assert (
        TeachingAssignment.objects.get(classroom__name="6A1", subject__code="toan").teacher.username
        == "gv.toan"
    )
    with pytest.raises(CommandError, match="Nothing to write"):
        call_command("import_assignments", str(path), "--school", year.school.code, stdout=StringIO())
