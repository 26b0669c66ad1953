"""The entry progress board (docs/workflows.md §4): counts compared with ones made here by hand."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from audit.models import AuditEvent
from gradebook.models import AssessmentColumn, AttendanceMonth, Enrolment, ProgressSnapshot
from gradebook.selectors.progress import entry_progress, school_progress
from gradebook.services.scores import CellChange, save_grid
from tests.factories import make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def progress_world(world):
    """6A1 with three students; math held TX1 (10/10) and TX2 (10/11), literature TX1 (12/10)."""
    for name, day in (("Nguyễn Văn An", 2), ("Phạm Thị Cúc", 3)):
        Enrolment.objects.create(
            student=make_student(world.school, name, born=date(2015, 4, day)),
            classroom=world.classroom,
            start_date=world.year.start_date,
        )
    columns = [
        (world.math, "regular", 1, date(2026, 10, 10)),
        (world.math, "regular", 2, date(2026, 11, 10)),
        (world.math, "regular", 3, date(2026, 12, 10)),  # not yet held on 25/11
        (world.literature, "regular", 1, date(2026, 10, 12)),
    ]
    for assignment, kind, index, held in columns:
        AssessmentColumn.objects.create(
            assignment=assignment, term="HK1", kind=kind, index=index, held_on=held
        )
    enrolments = list(world.classroom.enrolments.order_by("pk"))
    # math: TX1 for all three, TX2 for one; literature: TX1 for two
    save_grid(
        world.math_teacher, world.math, "HK1", [CellChange(str(e.uuid), "tx1", "7") for e in enrolments]
    )
    save_grid(world.math_teacher, world.math, "HK1", [CellChange(str(enrolments[0].uuid), "tx2", "8")])
    save_grid(
        world.literature_teacher,
        world.literature,
        "HK1",
        [CellChange(str(e.uuid), "tx1", "6") for e in enrolments[:2]],
    )
    return world


def test_progress_counts_what_is_due_and_entered(progress_world):
    world = progress_world
    data = entry_progress(world.year, date(2026, 11, 25))
    by_teacher = {t.teacher: t for t in data["teachers"] if t.teacher}
    math = by_teacher[world.math_teacher]
    # due: 2 held columns × 3 students = 6; entered 3 + 1 = 4
    assert (math.total.due, math.total.entered, math.total.behind, math.total.percent) == (6, 4, 2, 67)
    literature = by_teacher[world.literature_teacher]
    assert (literature.total.due, literature.total.entered) == (3, 2)
    assert (data["school"].due, data["school"].entered) == (9, 6)
    # the teacher furthest behind comes first
    assert data["teachers"][0].teacher == world.math_teacher
    # on 15/10 only the October columns were due
    early = {t.teacher: t for t in entry_progress(world.year, date(2026, 10, 15))["teachers"] if t.teacher}
    assert (early[world.math_teacher].total.due, early[world.math_teacher].total.entered) == (3, 3)


def test_the_schools_line_alone_is_the_boards(progress_world, django_assert_max_num_queries):
    """The principal's inbox and the offices' list of schools read the school's line without the
    teachers' rows and the homeroom duties: the same numbers, in three queries whatever the size."""
    world = progress_world
    for day in (date(2026, 10, 15), date(2026, 11, 25), date(2026, 12, 31)):
        board = entry_progress(world.year, day)["school"]
        with django_assert_max_num_queries(4):
            line = school_progress(world.year, day)
        assert (line.due, line.entered, line.late, line.behind) == (
            board.due,
            board.entered,
            board.late,
            board.behind,
        )
    assert (
        school_progress(world.year, date(2026, 11, 25)).due,
        school_progress(world.year, date(2026, 11, 25)).entered,
    ) == (9, 6)


def test_homeroom_duties_list_unconfirmed_months(progress_world):
    world = progress_world
    data = entry_progress(world.year, date(2026, 11, 25))
    gvcn = next(t for t in data["teachers"] if t.teacher == world.literature_teacher)
    # September and October are due (before 5/10 and 5/11); November not yet
    assert gvcn.homeroom == [
        "6A1: chưa xác nhận chuyên cần tháng 09/2026",
        "6A1: chưa xác nhận chuyên cần tháng 10/2026",
    ]
    AttendanceMonth.objects.create(
        classroom=world.classroom,
        month=date(2026, 9, 1),
        confirmed_by=world.literature_teacher,
        confirmed_at=timezone.now(),
    )
    data = entry_progress(world.year, date(2026, 11, 25))
    gvcn = next(t for t in data["teachers"] if t.teacher == world.literature_teacher)
    assert gvcn.homeroom == ["6A1: chưa xác nhận chuyên cần tháng 10/2026"]
    # after the year: its months only (September–May), not the summer's
    late = entry_progress(world.year, date(2027, 8, 20))
    gvcn = next(t for t in late["teachers"] if t.teacher == world.literature_teacher)
    months = [d for d in gvcn.homeroom if "chuyên cần" in d]
    assert months[-1] == "6A1: chưa xác nhận chuyên cần tháng 05/2027" and len(months) == 8


def test_the_board_sees_the_school_a_department_head_the_department(progress_world, login):
    world = progress_world
    world.math.subject.department = world.department
    world.math.subject.save()
    url = reverse("progress") + "?date=25/11/2026"
    page = login(world.principal).get(url).content.decode()
    assert "Vũ Văn Toán" in page and "Đỗ Thị Văn" in page and "67%" in page
    assert reverse("grid", args=[world.math.uuid, "HK1"]) in page  # drill down to the grid
    page = login(world.head).get(url).content.decode()
    assert "Vũ Văn Toán" in page and "Đỗ Thị Văn" not in page
    assert login(world.math_teacher).get(url).status_code == 403
    assert login(world.parent).get(url).status_code == 403


def test_reminders_reach_the_teachers_behind_by_notification_and_mail(progress_world, login, mailoutbox):
    world = progress_world
    world.math_teacher.email = "toan@example.edu.vn"
    world.math_teacher.save()
    principal = login(world.principal)
    response = principal.post(reverse("progress") + "?date=25/11/2026", {"action": "remind"})
    assert response.status_code == 302
    notes = {n.user: n.text for n in Notification.objects.all()}
    assert set(notes) == {world.math_teacher, world.literature_teacher}
    assert "6A1 — Toán: 2" in notes[world.math_teacher]
    assert "chuyên cần tháng 10/2026" in notes[world.literature_teacher]
    assert [m.to for m in mailoutbox] == [["toan@example.edu.vn"]]
    assert AuditEvent.objects.filter(action="reminder_sent", details__teachers=2).exists()
    # the teacher sees the message and the to-do list on the home page, and can dismiss the message
    teacher = login(world.math_teacher)
    page = teacher.get(reverse("home")).content.decode()
    assert 'id="notifications"' in page and 'id="inbox"' in page
    assert reverse("grid", args=[world.math.uuid, "HK1"]) in page
    teacher.post(reverse("accounts:notifications_read"))
    assert 'id="notifications"' not in teacher.get(reverse("home")).content.decode()
    assert login(world.math_teacher).post(reverse("progress"), {"action": "remind"}).status_code == 403


def test_the_monthly_snapshot_is_kept_and_shown_beside_the_board(progress_world, login):
    world = progress_world
    call_command("snapshot_progress", date="24/10/2026", stdout=io.StringIO())  # not the check day
    assert not ProgressSnapshot.objects.exists()
    call_command("snapshot_progress", date="25/10/2026", stdout=io.StringIO())
    call_command("snapshot_progress", date="25/11/2026", stdout=io.StringIO())
    october, november = ProgressSnapshot.objects.order_by("taken_on")
    key = str(world.math_teacher.uuid)
    assert (october.data["teachers"][key]["due"], october.data["teachers"][key]["entered"]) == (3, 3)
    assert november.data["teachers"][key]["percent"] == 67
    page = login(world.principal).get(reverse("progress") + "?date=25/11/2026").content.decode()
    assert "25/10" in page and "100%" in page and "67%" in page
