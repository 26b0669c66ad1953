"""Khóa sổ: the principal decides, the admin board carries out; scheduled, month and reopened locks."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from gradebook.models import AssessmentColumn, PeriodLock, Score
from gradebook.services import locks
from gradebook.services.scores import CellChange, GridError, check_grid, save_grid

pytestmark = pytest.mark.django_db
NOW = timezone.now


def change(world, column, value, version=0):
    return CellChange(str(world.enrolment.uuid), column, value, version)


def decide(world, **fields):
    fields.setdefault("term", "HK1")
    fields.setdefault("locked_at", NOW() - timedelta(minutes=5))
    return locks.decide_lock(
        world.principal, world.year, decision_number="12/QĐ-THCS", decision_date=date(2026, 12, 20), **fields
    )


def test_a_decided_lock_takes_effect_only_once_carried_out(world):
    lock = decide(world)
    save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "7")])  # not carried out yet
    locks.carry_out_lock(world.admin_board, lock)
    with pytest.raises(GridError, match="khóa"):
        save_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "8", 1)], reason="x")
    actions = list(AuditEvent.objects.filter(object_id=str(lock.uuid)).values_list("action", flat=True))
    assert sorted(actions) == ["lock_carried_out", "lock_decided"]
    assert lock.history.count() == 2


def test_a_scheduled_lock_closes_the_book_at_its_time(world):
    lock = locks.carry_out_lock(world.admin_board, decide(world, locked_at=NOW() + timedelta(hours=2)))
    assert locks.active_lock(world.classroom, "HK1") is None
    assert locks.active_lock(world.classroom, "HK1", at=NOW() + timedelta(hours=3)) == lock
    assert locks.active_lock(world.classroom, "HK2", at=NOW() + timedelta(hours=3)) is None


def test_a_year_lock_closes_both_terms_and_a_class_lock_only_its_class(world):
    locks.carry_out_lock(world.admin_board, decide(world, term="year", classroom=world.other_classroom))
    assert locks.active_lock(world.classroom, "HK2") is None
    assert locks.active_lock(world.other_classroom, "HK1") is not None
    assert locks.active_lock(world.other_classroom, "HK2") is not None


def test_a_reopening_for_a_purpose_and_a_time(world):
    lock = locks.carry_out_lock(world.admin_board, decide(world))
    start, end = NOW() - timedelta(minutes=1), NOW() + timedelta(days=15)
    reopening = locks.decide_reopening(
        world.principal,
        lock,
        purpose="Nhập điểm kiểm tra lại",
        starts_at=start,
        ends_at=end,
        decision_number="30/QĐ-THCS",
        decision_date=date(2027, 7, 30),
    )
    assert locks.active_lock(world.classroom, "HK1") == lock  # decided, not yet carried out
    locks.carry_out_reopening(world.admin_board, reopening)
    assert locks.active_lock(world.classroom, "HK1") is None
    assert locks.active_lock(world.classroom, "HK1", at=end + timedelta(seconds=1)) == lock  # locked again
    with pytest.raises(locks.LockError):
        locks.decide_reopening(
            world.principal,
            lock,
            purpose="x",
            starts_at=end,
            ends_at=start,
            decision_number="1",
            decision_date=date.today(),
        )


def test_a_month_lock_closes_only_the_assessments_held_in_it(world):
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [change(world, "tx1", "7"), change(world, "tx2", "6")],
        dates={"tx1": date(2026, 9, 20), "tx2": date(2026, 10, 5)},
    )
    locks.carry_out_lock(world.admin_board, decide(world, term="month", month_end=date(2026, 9, 30)))
    report = save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [change(world, "tx1", "9", 1), change(world, "tx2", "8", 1)],
        reason="Nhập nhầm",
        dates={"tx1": date(2026, 10, 1)},
    )
    by_column = {o.column: o for o in report.outcomes}
    assert by_column["tx1"].status == "refused" and "30/09/2026" in by_column["tx1"].message
    assert by_column["tx2"].status == "saved"
    assert AssessmentColumn.objects.get(assignment=world.math, kind="regular", index=1).held_on == date(
        2026, 9, 20
    )
    assert Score.objects.get(assignment=world.math, kind="regular", index=1).value == 7
    # the check before saving says so already, and asks no reason for a cell that will not be saved
    report = check_grid(world.math_teacher, world.math, "HK1", [change(world, "tx1", "9", 1)])
    (line,) = report.diff
    assert "30/09/2026" in line.conflict and "không được lưu" in line.conflict
    assert not report.needs_reason


def test_the_grid_shows_the_locked_month_read_only(client, world, login):
    save_grid(
        world.math_teacher, world.math, "HK1", [], dates={"tx1": date(2026, 9, 20), "tx2": date(2026, 10, 5)}
    )
    locks.carry_out_lock(world.admin_board, decide(world, term="month", month_end=date(2026, 9, 30)))
    login(world.math_teacher)
    page = client.get(reverse("grid", args=[world.math.uuid, "HK1"])).content.decode()
    assert "Các cột có ngày kiểm tra đến hết 30/09/2026 đã khóa" in page
    row = page[page.index("<tr data-enrolment") :]
    tx1 = re.search(r'<input class="cell[^>]*data-col="tx1"[^>]*>', row).group(0)
    tx2 = re.search(r'<input class="cell[^>]*data-col="tx2"[^>]*>', row).group(0)
    assert "readonly" in tx1 and "readonly" not in tx2


def test_a_month_lock_needs_its_last_day(world):
    with pytest.raises(locks.LockError):
        decide(world, term="month")


@pytest.mark.parametrize("who", ["admin_board", "math_teacher", "clerk"])
def test_only_the_principal_decides(world, who):
    with pytest.raises(PermissionDenied):
        locks.decide_lock(
            getattr(world, who),
            world.year,
            term="HK1",
            locked_at=NOW(),
            decision_number="1",
            decision_date=date.today(),
        )


@pytest.mark.parametrize("who", ["principal", "math_teacher"])
def test_only_the_admin_board_carries_out(world, who):
    lock = decide(world)
    with pytest.raises(PermissionDenied):
        locks.carry_out_lock(getattr(world, who), lock)
    assert PeriodLock.objects.get(pk=lock.pk).carried_out_at is None


def test_the_lock_screens_from_decision_to_execution(client, world, login):
    login(world.principal)
    url = reverse("lock_list")
    bad = client.post(
        url,
        {
            "term": "month",
            "scope": "grade",
            "locked_at": "31/13/2026",
            "decision_number": "12/QĐ",
            "decision_date": "20/12/2026",
        },
    )
    assert bad.status_code == 200
    form = bad.context["form"]
    assert set(form.errors) >= {"locked_at", "month_end", "grade"}
    assert "12/QĐ" in bad.content.decode()  # what was typed stays
    response = client.post(
        url,
        {
            "term": "HK1",
            "scope": "classroom",
            "classroom": world.classroom.pk,
            "locked_at": "20/12/2026 17:00",
            "decision_number": "12/QĐ-THCS",
            "decision_date": "20/12/2026",
        },
    )
    assert response.status_code == 302
    lock = PeriodLock.objects.get()
    assert lock.classroom == world.classroom and timezone.localtime(lock.locked_at).replace(
        tzinfo=None
    ) == datetime(2026, 12, 20, 17, 0)
    page = client.get(url).content.decode()
    assert "Đã quyết định, chờ Ban quản trị thực hiện" in page
    client.logout()
    login(world.admin_board)
    assert "lock-form" not in client.get(url).content.decode()  # the admin board does not decide
    assert client.post(url, {"term": "HK1"}).status_code == 403
    client.post(reverse("lock_carry_out", args=[lock.uuid]))
    assert PeriodLock.objects.get().carried_out_by == world.admin_board
    client.logout()
    login(world.math_teacher)
    assert client.get(url).status_code == 200  # teachers see the calendar
    assert client.post(reverse("lock_carry_out", args=[lock.uuid])).status_code == 403


def test_the_lock_states_of_many_classes_read_at_once_are_each_class_own(world, django_assert_num_queries):
    """The board of a whole school reads every class's state in one statement (`lock_states`): for a
    school, a grade and a class lock, month locks, a reopened lock, one not carried out, one scheduled,
    approved and submitted results, each class gets what `lock_state` says of it alone."""
    from gradebook.models import Classroom, ResultsApproval
    from gradebook.selectors.locks import lock_state, lock_states
    from gradebook.services.structure import create_classroom

    grade7: Classroom = create_classroom(None, world.year, 7, "7A1")
    plain: Classroom = create_classroom(None, world.year, 7, "7A2")
    classes = [world.classroom, world.other_classroom, grade7, plain]
    now = NOW()

    def lock(**fields):
        fields.setdefault("locked_at", now - timedelta(hours=1))
        fields.setdefault("carried_out_at", now)
        return PeriodLock.objects.create(school_year=world.year, **fields)

    lock(term="HK1", grade=6)  # grade 6, term I
    lock(term="year", classroom=grade7)  # 7A1, the whole year
    lock(term="month", month_end=date(2026, 9, 30))  # the school's September
    lock(term="month", month_end=date(2026, 10, 31), classroom=plain)  # 7A2's October too
    reopened = lock(term="HK2", classroom=world.other_classroom)
    reopened.reopenings.create(
        purpose="Thi lại",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        carried_out_at=now,
    )
    lock(term="HK2", classroom=world.classroom, carried_out_at=None)  # decided, not carried out
    lock(term="HK2", grade=7, locked_at=now + timedelta(hours=2))  # scheduled
    ResultsApproval.objects.create(
        classroom=plain,
        period="HK1",
        status=ResultsApproval.Status.APPROVED,
        submitted_at=now,
        submitted_by=world.literature_teacher,
        decided_at=now,
    )
    ResultsApproval.objects.create(
        classroom=world.classroom,
        period="year",
        status=ResultsApproval.Status.SUBMITTED,
        submitted_at=now,
        submitted_by=world.literature_teacher,
    )
    for moment in (None, now + timedelta(hours=3), now + timedelta(days=2)):
        for term in ("HK1", "HK2"):
            alone = {c.pk: lock_state(c, term, at=moment) for c in classes}
            assert lock_states(classes, term, at=moment) == alone, (term, moment)
    # the states differ between the classes (the comparison above is not of four empty states)
    hk2 = lock_states(classes, "HK2", at=now + timedelta(hours=3))
    assert [hk2[c.pk].closed for c in classes] == [False, False, True, True]
    hk1 = lock_states(classes, "HK1")
    assert [hk1[c.pk].closed for c in classes] == [True, True, True, True]
    assert hk1[plain.pk].approved and hk1[plain.pk].month_until == date(2026, 10, 31)
    assert hk1[world.classroom.pk].month_until == date(2026, 9, 30)
    with django_assert_num_queries(1):  # nothing closes these now: the decisions are not read
        open_now = lock_states([world.classroom, world.other_classroom, plain], "HK2")
    assert not any(s.closed for s in open_now.values()) and open_now[plain.pk].month_until
    with django_assert_num_queries(3):  # the states, the locks and the approvals that close them
        lock_states(classes, "HK1")
