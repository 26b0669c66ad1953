"""The homeroom teacher's attendance and conduct (docs/workflows.md §3)."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from gradebook.models import (
    Absence,
    AttendanceMonth,
    Award,
    ConductResult,
    DisciplineNote,
    Enrolment,
    PeriodLock,
)
from gradebook.regulations import registry
from gradebook.selectors.homeroom import attendance_sheet, conduct_sheet
from gradebook.selectors.results import compute_results
from gradebook.services import homeroom, locks
from gradebook.services.homeroom import HomeroomError
from tests.factories import make_student

pytestmark = pytest.mark.django_db
OCTOBER = date(2026, 10, 1)


@pytest.fixture
def after_october(monkeypatch):
    """Today is 25/11/2026 in these tests (the demo's date): October is over, the 5th of November past."""
    now = timezone.make_aware(datetime(2026, 11, 25, 9, 0))
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


def mark(world, day, text, enrolment=None):
    return {(str((enrolment or world.enrolment).uuid), day): text}


def test_a_month_of_attendance_with_totals_per_month_term_and_year(world, after_october):
    gvcn = world.literature_teacher
    entries = {**mark(world, 2, "P ốm"), **mark(world, 3, "K"), **mark(world, 9, "p"), **mark(world, 10, "")}
    report = homeroom.save_attendance(gvcn, world.classroom, OCTOBER, entries)
    assert (report.saved, report.removed, report.refused) == (3, 0, {})
    homeroom.save_attendance(gvcn, world.classroom, date(2026, 11, 1), mark(world, 4, "K"))
    sheet = attendance_sheet(world.classroom, OCTOBER)
    row = next(r for r in sheet["rows"] if r.enrolment == world.enrolment)
    assert row.marks == {
        (2, "S"): ("P", "ốm"),
        (3, "S"): ("K", ""),
        (9, "S"): ("P", ""),
    }  # the morning: one session
    assert (row.month.excused, row.month.unexcused) == (2, 1)
    assert (row.term.total, row.year.total) == (4, 4)
    # emptying a day removes its absence, with history
    report = homeroom.save_attendance(gvcn, world.classroom, OCTOBER, mark(world, 3, ""))
    assert report.removed == 1
    absence_history = Absence.history.filter(date=date(2026, 10, 3)).order_by("history_id")
    assert [h.history_type for h in absence_history] == ["+", "-"]
    assert absence_history.last().history_user == gvcn
    row = next(
        r for r in attendance_sheet(world.classroom, OCTOBER)["rows"] if r.enrolment == world.enrolment
    )
    assert row.year.total == 3


def test_a_bad_cell_is_refused_alone_and_the_future_cannot_be_marked(world, after_october):
    entries = {**mark(world, 2, "X"), **mark(world, 5, "K")}
    report = homeroom.save_attendance(world.literature_teacher, world.classroom, OCTOBER, entries)
    assert report.saved == 1 and "P" in report.refused[f"{world.enrolment.uuid}:2:S"]
    report = homeroom.save_attendance(
        world.literature_teacher, world.classroom, date(2026, 11, 1), mark(world, 30, "K")
    )
    assert "trước" in report.refused[f"{world.enrolment.uuid}:30:S"]
    assert Absence.objects.count() == 1


def test_absences_reach_the_promotion_through_the_engine(world, after_october):
    """TT22 Điều 12 khoản 1 điểm c: more than 45 sessions missed in the year → not promoted."""
    school_days = [
        date(2026, 9, 7) + timedelta(days=i)
        for i in range(80)
        if (date(2026, 9, 7) + timedelta(days=i)).weekday() < 6
    ]
    Absence.objects.bulk_create(
        Absence(enrolment=world.enrolment, date=d, excused=True) for d in school_days[:46]
    )
    student = compute_results(world.year, [world.classroom])[world.enrolment.pk]
    assert student.absent_sessions == 46
    rules = registry.get(world.classroom.regulation)
    assert rules.promotion("Tốt", "Tốt", student.absent_sessions, 6).decision == "khong_len_lop"
    assert rules.promotion("Tốt", "Tốt", student.absent_sessions - 1, 6).decision == "len_lop"


def test_the_month_is_confirmed_and_flagged_late_after_the_due_day(world, after_october):
    sheet = attendance_sheet(world.classroom, OCTOBER)
    assert sheet["due"] == date(2026, 11, 5) and sheet["late"] and sheet["may_confirm"]
    confirmed = homeroom.confirm_attendance_month(world.literature_teacher, world.classroom, OCTOBER)
    assert AttendanceMonth.objects.get() == confirmed
    assert attendance_sheet(world.classroom, OCTOBER)["late"]  # confirmed on 25/11: after the 5th
    with pytest.raises(HomeroomError):
        homeroom.confirm_attendance_month(world.literature_teacher, world.classroom, OCTOBER)
    with pytest.raises(HomeroomError, match="ngày cuối"):
        homeroom.confirm_attendance_month(world.literature_teacher, world.classroom, date(2026, 11, 1))
    with pytest.raises(HomeroomError, match="ngoài năm học"):
        homeroom.confirm_attendance_month(world.literature_teacher, world.classroom, date(2026, 7, 1))
    world.school.attendance_due_day = 28
    world.school.save()
    world.classroom.refresh_from_db()
    assert not attendance_sheet(world.classroom, date(2026, 10, 1))["late"]


def test_only_the_classs_homeroom_teacher_writes(world, after_october):
    for user in (world.math_teacher, world.head, world.principal, world.clerk):
        with pytest.raises(PermissionDenied):
            homeroom.save_attendance(user, world.classroom, OCTOBER, mark(world, 2, "K"))
        with pytest.raises(PermissionDenied):
            homeroom.save_conduct(user, world.classroom, "HK1", {str(world.enrolment.uuid): ("Tốt", "")})
    with pytest.raises(PermissionDenied):
        homeroom.save_attendance(world.literature_teacher, world.other_classroom, OCTOBER, {})
    assert not Absence.objects.exists() and not ConductResult.objects.exists()


def test_locks_close_attendance_and_conduct(world, after_october):
    month_lock = locks.decide_lock(
        world.principal,
        world.year,
        term="month",
        month_end=date(2026, 10, 31),
        locked_at=timezone.now() - timedelta(hours=1),
        decision_number="25/QĐ",
        decision_date=date(2026, 10, 31),
    )
    locks.carry_out_lock(world.admin_board, month_lock)
    report = homeroom.save_attendance(
        world.literature_teacher, world.classroom, OCTOBER, {**mark(world, 30, "K")}
    )
    assert "31/10/2026" in report.refused[f"{world.enrolment.uuid}:30:S"]
    assert (
        homeroom.save_attendance(
            world.literature_teacher, world.classroom, date(2026, 11, 1), mark(world, 3, "K")
        ).saved
        == 1
    )
    assert attendance_sheet(world.classroom, OCTOBER)["days"][0].locked
    PeriodLock.objects.create(
        school_year=world.year,
        term="HK1",
        locked_at=timezone.now() - timedelta(minutes=1),
        carried_out_at=timezone.now(),
        decision_number="2",
    )
    with pytest.raises(HomeroomError, match="khóa"):
        homeroom.save_attendance(
            world.literature_teacher, world.classroom, date(2026, 11, 1), mark(world, 4, "K")
        )
    with pytest.raises(HomeroomError, match="khóa"):
        homeroom.save_conduct(
            world.literature_teacher, world.classroom, "HK1", {str(world.enrolment.uuid): ("Tốt", "")}
        )
    homeroom.save_conduct(
        world.literature_teacher, world.classroom, "HK2", {str(world.enrolment.uuid): ("Tốt", "")}
    )


def test_conduct_levels_of_the_regulation_and_the_derived_year(world, after_october):
    gvcn, key = world.literature_teacher, str(world.enrolment.uuid)
    refused = homeroom.save_conduct(gvcn, world.classroom, "HK1", {key: ("Trung bình", "")})
    assert "Tốt, Khá, Đạt, Chưa đạt" in refused[key]  # TT22 levels
    assert homeroom.save_conduct(gvcn, world.classroom, "HK1", {key: ("Tốt", "Chăm ngoan")}) == {}
    assert homeroom.save_conduct(gvcn, world.classroom, "HK2", {key: ("Khá", "")}) == {}
    with pytest.raises(HomeroomError, match="hai học kì"):
        homeroom.save_conduct(gvcn, world.classroom, "year", {key: ("Tốt", "")})
    row = conduct_sheet(world.classroom, "year")["rows"][0]
    assert (row.hk1, row.hk2, row.derived) == ("Tốt", "Khá", "Khá")  # TT22 Điều 8 khoản 2 table
    assert ConductResult.objects.get(period="HK1").history.first().history_user == gvcn
    assert homeroom.save_conduct(gvcn, world.classroom, "HK1", {key: ("", "")}) == {}
    assert not ConductResult.objects.filter(period="HK1").exists()
    # the initials of the printed books, in any case, with or without accents
    assert homeroom.save_conduct(gvcn, world.classroom, "HK1", {key: ("cđ", "")}) == {}
    assert ConductResult.objects.get(period="HK1").level == "Chưa đạt"
    assert homeroom.save_conduct(gvcn, world.classroom, "HK1", {key: ("d", "")}) == {}
    assert ConductResult.objects.get(period="HK1").level == "Đạt"
    assert key in homeroom.save_conduct(gvcn, world.classroom, "HK1", {key: ("TB", "")})  # not a TT22 level


def test_the_attendance_page_keeps_refused_cells_and_saves_the_others(world, login, after_october):
    other = make_student(world.school, "Phạm Văn Cường", born=date(2015, 6, 1))
    second = Enrolment.objects.create(
        student=other, classroom=world.classroom, start_date=world.year.start_date
    )
    client = login(world.literature_teacher)
    url = reverse("attendance", args=[world.classroom.uuid, "2026-10"])
    page = client.get(url).content.decode()
    assert f'name="a:{world.enrolment.uuid}:2"' in page
    response = client.post(url, {f"a:{world.enrolment.uuid}:2": "Q", f"a:{second.uuid}:6": "P họp gia đình"})
    page = response.content.decode()
    assert response.status_code == 400 and 'value="Q"' in page and "Gõ P" in page
    assert Absence.objects.get().reason == "họp gia đình"
    assert login(world.math_teacher).post(url, {f"a:{world.enrolment.uuid}:3": "K"}).status_code == 403
    assert login(world.math_teacher).get(url).status_code == 200  # a teacher of the class reads it
    response = login(world.literature_teacher).post(url, {"action": "confirm"})
    assert response.status_code == 302 and AttendanceMonth.objects.filter(classroom=world.classroom).exists()


def test_the_conduct_page(world, login, after_october):
    client = login(world.literature_teacher)
    url = reverse("conduct", args=[world.classroom.uuid, "HK1"])
    key = str(world.enrolment.uuid)
    response = client.post(url, {f"level:{key}": "", f"comment:{key}": "Lễ phép"})
    assert response.status_code == 400 and "Lễ phép" in response.content.decode()
    assert client.post(url, {f"level:{key}": "Tốt", f"comment:{key}": "Lễ phép"}).status_code == 302
    assert ConductResult.objects.get().comment == "Lễ phép"
    year = client.get(reverse("conduct", args=[world.classroom.uuid, "year"])).content.decode()
    assert 'name="level:' not in year  # TT22: derived, not typed


def test_discipline_notes_and_award_proposals_decided_by_the_principal(world, login, after_october):
    url = reverse("discipline", args=[world.classroom.uuid])
    gvcn = login(world.literature_teacher)
    response = gvcn.post(
        url,
        {"action": "note", "enrolment": str(world.enrolment.uuid), "date": "31/02/2026", "text": "Đi muộn"},
    )
    assert response.status_code == 400 and "dd/mm/yyyy" in response.content.decode()
    assert 'value="Đi muộn"' in response.content.decode()  # what was typed stays
    gvcn.post(
        url,
        {
            "action": "note",
            "enrolment": str(world.enrolment.uuid),
            "date": "20/11/2026",
            "text": "Đi muộn 3 buổi",
        },
    )
    note = DisciplineNote.objects.get()
    assert note.recorded_by == world.literature_teacher and note.history.count() == 1
    gvcn.post(
        url,
        {
            "action": "propose",
            "enrolment": str(world.enrolment.uuid),
            "kind": "award",
            "title": "Giấy khen",
            "reason": "Đạt giải Nhì học sinh giỏi cấp huyện",
            "date": "20/11/2026",
        },
    )
    award = Award.objects.get()
    assert award.status == "proposed"
    assert (
        login(world.math_teacher)
        .post(
            url, {"action": "note", "enrolment": str(world.enrolment.uuid), "date": "20/11/2026", "text": "x"}
        )
        .status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        homeroom.decide_award(world.literature_teacher, award, approve=True, decision_number="1")
    principal = login(world.principal)
    assert (
        principal.post(url, {"action": "approve", "award": str(award.uuid)}).status_code == 400
    )  # no number
    assert (
        principal.post(
            url, {"action": "approve", "award": str(award.uuid), "decision_number": "12/QĐ-KT"}
        ).status_code
        == 302
    )
    award.refresh_from_db()
    assert (award.status, award.decision_number, award.decided_by) == (
        "approved",
        "12/QĐ-KT",
        world.principal,
    )
    assert "Giấy khen" in principal.get(url).content.decode()


def test_no_attendance_on_the_days_the_school_does_not_teach(world, login, after_october):
    """Sundays, and the days off of the school calendar, are closed on the sheet and refused by the write;
    the calendar is set on the year's page (a line per day off, in dd/mm/yyyy)."""
    gvcn = world.literature_teacher
    world.year.holidays = [["2026-10-12", "2026-10-13", "Nghỉ bù"]]
    world.year.save()
    assert world.year.day_off(date(2026, 10, 4)) == "Chủ nhật"
    assert world.year.day_off(date(2026, 10, 12)) == "Nghỉ bù"
    assert world.year.day_off(date(2026, 10, 10)) == ""  # a Saturday the school teaches
    report = homeroom.save_attendance(gvcn, world.classroom, date(2026, 10, 1), mark(world, 4, "K"))
    assert "Chủ nhật" in report.refused[f"{world.enrolment.uuid}:4:S"]
    report = homeroom.save_attendance(gvcn, world.classroom, date(2026, 10, 1), mark(world, 13, "P"))
    assert "Nghỉ bù" in report.refused[f"{world.enrolment.uuid}:13:S"]
    assert not Absence.objects.exists()
    page = login(gvcn).get(reverse("attendance", args=[world.classroom.uuid, "2026-10"])).content.decode()
    assert f'name="a:{world.enrolment.uuid}:4"' not in page  # no input on a Sunday
    assert f'name="a:{world.enrolment.uuid}:12"' not in page and 'title="Nghỉ bù"' in page
    assert f'name="a:{world.enrolment.uuid}:10"' in page
    # the admin board sets the calendar: Saturdays off, Tết; a bad line is named in Vietnamese
    client = login(world.admin_board)
    url = reverse("setup_year")
    form = client.get(url).context["form"]
    data = {
        k: (v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else v) for k, v in form.initial.items() if v
    }
    data.update(
        school_days=["0", "1", "2", "3", "4"], holidays="06/02/2027 - 14/02/2027 Tết Nguyên đán\n32/01/2027 x"
    )
    response = client.post(url, data)
    assert response.status_code == 400 and "Dòng 2" in response.content.decode()
    data["holidays"] = "04/02/2027 - 14/02/2027 Tết Nguyên đán"
    assert client.post(url, data).status_code == 302
    world.year.refresh_from_db()
    assert world.year.school_days == "01234"
    assert world.year.holidays == [["2027-02-04", "2027-02-14", "Tết Nguyên đán"]]
    assert world.year.day_off(date(2026, 10, 10)) == "Không học"


def test_a_class_of_two_sessions_takes_attendance_morning_and_afternoon(world, login, after_october):
    """Each session missed is one buổi (TT22 Điều 12 khoản 1 điểm c): a class studying mornings and
    afternoons has two cells a day, and a day missed whole counts two."""
    gvcn, key = world.literature_teacher, str(world.enrolment.uuid)
    client = login(world.admin_board)
    response = client.post(
        reverse("setup_classes"), {"action": "sessions", f"sessions:{world.classroom.uuid}": "SC"}
    )
    assert response.status_code == 302
    world.classroom.refresh_from_db()
    assert world.classroom.sessions == "SC"
    url = reverse("attendance", args=[world.classroom.uuid, "2026-10"])
    page = login(gvcn).get(url).content.decode()
    assert f'name="a:{key}:5S"' in page and f'name="a:{key}:5C"' in page
    response = login(gvcn).post(url, {f"a:{key}:5S": "P ốm", f"a:{key}:5C": "P ốm", f"a:{key}:6C": "K"})
    assert response.status_code == 302
    assert sorted(Absence.objects.values_list("date__day", "session", "excused")) == [
        (5, "C", True),
        (5, "S", True),
        (6, "C", False),
    ]
    sheet = attendance_sheet(world.classroom, date(2026, 10, 1))
    row = next(r for r in sheet["rows"] if r.enrolment == world.enrolment)
    assert (row.month.excused, row.month.unexcused) == (2, 1)  # three sessions missed
    # the afternoon holds absences: it cannot be dropped from the class
    response = client.post(
        reverse("setup_classes"), {"action": "sessions", f"sessions:{world.classroom.uuid}": "S"}
    )
    world.classroom.refresh_from_db()
    assert world.classroom.sessions == "SC"
    # the family reads the session of each absence
    page = login(world.parent).get(reverse("student_detail", args=[world.student.uuid])).content.decode()
    assert "Chiều" in page[page.index('id="absence-dates"') :]
