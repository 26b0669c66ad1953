"""Class results: the review, the submission (complete results only), the principal's approval that
freezes them, a return with a reason; the year's lists from the engine."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from gradebook.models import (
    Absence,
    ConductResult,
    Enrolment,
    ResultsApproval,
    Score,
    Subject,
    TeachingAssignment,
)
from gradebook.selectors.class_results import class_results
from gradebook.selectors.summer import summer_sheet
from gradebook.services import corrections, homeroom, locks
from gradebook.services import results as service
from gradebook.services import summer as summer_service
from gradebook.services.results import ResultsError
from gradebook.services.scores import CellChange, GridError, columns_for, save_grid
from tests.factories import fill_scores, make_student, make_user

pytestmark = pytest.mark.django_db


def fill(world, enrolment, math="8", literature="8", pe="D", others="8", terms=("HK1", "HK2"), conduct="Tốt"):
    """Every required score of every subject of the class, and the conduct, for the given terms."""
    values = {"toan": math, "ngu-van": literature}
    fill_scores(enrolment, terms=terms, value=lambda a: values.get(a.subject.code, others), level=pe)
    for term in terms if conduct else ():
        ConductResult.objects.update_or_create(enrolment=enrolment, period=term, defaults={"level": conduct})


EXTRA_SUBJECTS = [
    ("tieng-anh", "Tiếng Anh"),
    ("khtn", "Khoa học tự nhiên"),
    ("lich-su-dia-li", "Lịch sử và Địa lí"),
    ("gdcd", "Giáo dục công dân"),
    ("cong-nghe", "Công nghệ"),
    ("tin-hoc", "Tin học"),
]


@pytest.fixture
def klass(world):
    """6A1 with the scored subjects of a real curriculum (TT22 Điều 9 counts 6 subjects) and students
    on every branch: Bình (all 9: Xuất sắc), An (Toán and Ngữ văn 3,0: retest), Cúc (conduct Chưa đạt:
    summer training), Dũng (all 8 but 46 sessions missed: retained)."""
    for order, (code, name) in enumerate(EXTRA_SUBJECTS, start=10):
        subject = Subject.objects.create(
            school=world.school, code=code, name=name, short_name=name, kind=Subject.Kind.SCORE, order=order
        )
        TeachingAssignment.objects.create(classroom=world.classroom, subject=subject, periods_per_year=105)
    an = Enrolment.objects.create(
        student=make_student(world.school, "Nguyễn Văn An", born=date(2015, 1, 2)),
        classroom=world.classroom,
        start_date=world.year.start_date,
    )
    cuc = Enrolment.objects.create(
        student=make_student(world.school, "Phạm Thị Cúc", born=date(2015, 2, 3)),
        classroom=world.classroom,
        start_date=world.year.start_date,
    )
    dung = Enrolment.objects.create(
        student=make_student(world.school, "Lê Văn Dũng", born=date(2015, 3, 4)),
        classroom=world.classroom,
        start_date=world.year.start_date,
    )
    fill(world, world.enrolment, math="9", literature="9", others="9")
    fill(world, an, math="3", literature="3")
    fill(world, cuc, conduct="Chưa đạt")
    fill(world, dung)
    days = [date(2026, 9, 7) + timedelta(days=i) for i in range(60)]
    Absence.objects.bulk_create(Absence(enrolment=dung, date=d, excused=True) for d in days[:46])
    world.an, world.cuc, world.dung = an, cuc, dung
    return world


def test_submission_is_refused_while_a_score_is_missing(world):
    fill(world, world.enrolment, terms=("HK1",))
    Score.objects.filter(enrolment=world.enrolment, kind="final", assignment=world.math).delete()
    with pytest.raises(ResultsError) as refused:
        service.submit_results(world.literature_teacher, world.classroom, "HK1")
    assert refused.value.missing == ["Trần Thị Bình: Toán"]
    data = class_results(world.classroom, "HK1")
    assert not data["complete"] and data["subjects"][0]["unfinished"] == 1
    assert not ResultsApproval.objects.exists()


def test_approval_freezes_the_term_and_a_change_then_needs_a_correction(klass):
    world = klass
    approval = service.submit_results(world.literature_teacher, world.classroom, "HK1", note="Đã kiểm tra")
    assert approval.status == "submitted"
    with pytest.raises(ResultsError):
        service.submit_results(world.literature_teacher, world.classroom, "HK1")
    service.decide_results(world.principal, world.classroom, "HK1", approve=True, note="Đồng ý")
    approval.refresh_from_db()
    assert approval.status == "approved" and approval.snapshot[str(world.enrolment.pk)]["values"][0] == "9,0"
    with pytest.raises(GridError, match="duyệt"):
        save_grid(
            world.math_teacher,
            world.math,
            "HK1",
            [CellChange(str(world.enrolment.uuid), "tx1", "9", 1)],
            reason="x",
        )
    with pytest.raises(homeroom.HomeroomError, match="duyệt"):
        homeroom.save_conduct(
            world.literature_teacher, world.classroom, "HK1", {str(world.enrolment.uuid): ("Khá", "")}
        )
    assert corrections.locked_columns(world.math, "HK1") == {c.key for c in columns_for(world.math, "HK1")}
    # term II stays open
    save_grid(
        world.math_teacher,
        world.math,
        "HK2",
        [CellChange(str(world.enrolment.uuid), "tx1", "9", 1)],
        reason="x",
    )


def test_returned_results_go_back_to_the_homeroom_teacher_with_the_reason(klass):
    world = klass
    service.submit_results(world.literature_teacher, world.classroom, "HK2")
    with pytest.raises(ResultsError, match="lý do"):
        service.decide_results(world.principal, world.classroom, "HK2", approve=False)
    service.decide_results(
        world.principal, world.classroom, "HK2", approve=False, note="Kiểm tra lại điểm Toán"
    )
    assert ResultsApproval.objects.get().decision_note == "Kiểm tra lại điểm Toán"
    save_grid(
        world.math_teacher,
        world.math,
        "HK2",
        [CellChange(str(world.enrolment.uuid), "tx1", "9", 1)],
        reason="x",
    )
    again = service.submit_results(world.literature_teacher, world.classroom, "HK2")
    assert again.status == "submitted" and again.decided_by is None
    assert list(again.history.values_list("status", flat=True)) == ["submitted", "returned", "submitted"]


def test_only_the_homeroom_teacher_submits_and_only_the_principal_decides(klass, other_world):
    world = klass
    vice = make_user("pht_x", "Phan Văn Phó", school=world.school, roles=[Role.VICE_PRINCIPAL])
    for user in (world.math_teacher, world.principal, world.head, world.admin_board):
        with pytest.raises(PermissionDenied):
            service.submit_results(user, world.classroom, "HK1")
    service.submit_results(world.literature_teacher, world.classroom, "HK1")
    for user in (world.literature_teacher, world.math_teacher, vice, world.admin_board):
        with pytest.raises(PermissionDenied):
            service.decide_results(user, world.classroom, "HK1", approve=True)
    with pytest.raises(Exception) as other:
        service.decide_results(other_world.principal, world.classroom, "HK1", approve=True)
    assert other.type.__name__ == "Http404"


def test_a_student_whose_results_changed_after_the_review_is_flagged(klass):
    world = klass
    service.review_results(world.literature_teacher, world.classroom, "HK1")
    assert class_results(world.classroom, "HK1")["changed_count"] == 0
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [CellChange(str(world.an.uuid), "gk", "9", 1)],
        reason="chấm lại",
    )
    data = class_results(world.classroom, "HK1")
    assert [r.enrolment for r in data["rows"] if r.changed] == [world.an]


def test_the_years_lists_come_from_the_engine(klass):
    world = klass
    data = class_results(world.classroom, "year")
    rows = {r.enrolment: r for r in data["rows"]}
    # TT22 Điều 9: Tốt (all ≥ 6,5, ≥ 6 subjects ≥ 8,0); Điều 15: Xuất sắc (Tốt/Tốt and ≥ 6 subjects ≥ 9,0)
    assert (rows[world.enrolment].academic, rows[world.enrolment].decision) == ("Tốt", "Được lên lớp")
    assert rows[world.enrolment].honour == "Học sinh Xuất sắc"
    # all 8,0: Tốt, but not ≥ 9,0 → Học sinh Giỏi; 46 sessions missed (Điều 12 khoản 1 điểm c) → retained
    assert (rows[world.dung].honour, rows[world.dung].decision) == ("Học sinh Giỏi", "Không được lên lớp")
    # two subjects below 3,5: Chưa đạt, no adjustment (two causes, khoản 3) → Điều 14 retest
    assert (rows[world.an].academic, rows[world.an].decision) == ("Chưa đạt", "Kiểm tra, đánh giá lại")
    # conduct Chưa đạt → Điều 13 summer training
    assert rows[world.cuc].decision == "Rèn luyện trong hè"
    assert dict(data["lists"]) == {
        "Được lên lớp": ["Trần Thị Bình"],
        "Không được lên lớp": ["Lê Văn Dũng"],
        "Kiểm tra, đánh giá lại": ["Nguyễn Văn An"],
        "Rèn luyện trong hè": ["Phạm Thị Cúc"],
    }
    assert dict(data["honours"]) == {"Học sinh Xuất sắc": ["Trần Thị Bình"], "Học sinh Giỏi": ["Lê Văn Dũng"]}


def test_the_results_page_walks_review_submit_and_approve(klass, login):
    world = klass
    url = reverse("class_results", args=[world.classroom.uuid, "HK1"])
    gvcn = login(world.literature_teacher)
    page = gvcn.get(url).content.decode()
    assert "Trần Thị Bình" in page and 'id="submit-btn"' in page
    assert gvcn.post(url, {"action": "submit", "note": "Đủ điểm"}).status_code == 302
    page = gvcn.get(url).content.decode()
    assert 'id="submit-btn"' not in page and "Đã nộp" in page
    principal = login(world.principal)
    assert principal.post(url, {"action": "return"}).status_code == 400
    assert principal.post(url, {"action": "approve"}).status_code == 302
    assert ResultsApproval.objects.get().status == "approved"
    assert login(world.math_teacher).post(url, {"action": "submit"}).status_code == 403


def test_a_retest_lifts_a_student_to_promoted_and_summer_training_is_reassessed(klass):
    world = klass
    sheet = {r.enrolment: r for r in summer_sheet(world.classroom)["rows"]}
    assert set(sheet) == {world.an, world.cuc}  # Bình promoted, Dũng retained: no summer
    assert sorted(sheet[world.an].eligible) == ["Ngữ văn", "Toán"]
    assert sheet[world.cuc].needs_training and sheet[world.cuc].eligible == []
    refused = summer_service.save_summer(
        world.literature_teacher,
        world.classroom,
        {
            str(world.an.uuid): {
                "retest": {str(world.math.subject_id): "6", str(world.literature.subject_id): "5,5"}
            },
            str(world.cuc.uuid): {"conduct": "Đạt"},
        },
    )
    assert refused == {}
    sheet = {r.enrolment: r for r in summer_sheet(world.classroom)["rows"]}
    # TT22 Điều 14: the retest results replace the year averages → Đạt → Điều 12: promoted
    assert sheet[world.an].final == "Được lên lớp"
    # Điều 13: conduct re-assessed Đạt after the summer training → promoted
    assert sheet[world.cuc].final == "Được lên lớp"
    retest = Score.objects.get(enrolment=world.an, assignment=world.math, kind="retest")
    assert retest.value == Decimal("6") and retest.history.first().history_user == world.literature_teacher
    # a subject that is not to be retested is refused; retests still too low in two subjects (no
    # adjustment under Điều 9 khoản 3: two causes) keep the student back
    pe = world.classroom.assignments.get(subject__code="gdtc").subject_id
    refused = summer_service.save_summer(
        world.literature_teacher,
        world.classroom,
        {
            str(world.an.uuid): {
                "retest": {
                    str(world.math.subject_id): "2",
                    str(world.literature.subject_id): "2",
                    str(pe): "Đ",
                }
            }
        },
    )
    assert list(refused) == [f"{world.an.uuid}:{pe}"] and "Điều 14" in refused[f"{world.an.uuid}:{pe}"]
    sheet = {r.enrolment: r for r in summer_sheet(world.classroom)["rows"]}
    assert sheet[world.an].final == "Không được lên lớp"  # Điều 12 khoản 3: no further chance


def test_summer_entries_wait_for_the_reopening_of_a_locked_year(klass):
    world = klass
    lock = locks.carry_out_lock(
        world.admin_board,
        locks.decide_lock(
            world.principal,
            world.year,
            term="year",
            locked_at=timezone.now() - timedelta(hours=1),
            decision_number="40/QĐ",
            decision_date=date(2027, 5, 31),
        ),
    )
    entry = {str(world.cuc.uuid): {"conduct": "Đạt"}}
    with pytest.raises(homeroom.HomeroomError, match="khóa"):
        summer_service.save_summer(world.literature_teacher, world.classroom, entry)
    reopening = locks.decide_reopening(
        world.principal,
        lock,
        purpose="Nhập kết quả kiểm tra lại và rèn luyện hè",
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(days=15),
        decision_number="41/QĐ",
        decision_date=date(2027, 7, 30),
    )
    locks.carry_out_reopening(world.admin_board, reopening)
    assert summer_service.save_summer(world.literature_teacher, world.classroom, entry) == {}
    with pytest.raises(PermissionDenied):
        summer_service.save_summer(world.math_teacher, world.classroom, entry)


def test_a_vice_principal_approves_once_the_principal_delegates(klass, login):
    world = klass
    vice = make_user("pht_d", "Phan Văn Phó", school=world.school, roles=[Role.VICE_PRINCIPAL])
    service.submit_results(world.literature_teacher, world.classroom, "HK1")
    with pytest.raises(PermissionDenied):
        service.decide_results(vice, world.classroom, "HK1", approve=True)
    assert login(vice).post(reverse("results_delegation"), {"vice": [str(vice.uuid)]}).status_code == 403
    principal = login(world.principal)
    assert principal.post(reverse("results_delegation"), {"vice": [str(vice.uuid)]}).status_code == 302
    vice = type(vice).objects.get(pk=vice.pk)  # a new request: roles read afresh
    service.decide_results(vice, world.classroom, "HK1", approve=True)
    assert ResultsApproval.objects.get().decided_by == vice
    principal.post(reverse("results_delegation"), {})  # taken back
    vice = type(vice).objects.get(pk=vice.pk)
    service.submit_results(world.literature_teacher, world.classroom, "HK2")
    with pytest.raises(PermissionDenied):
        service.decide_results(vice, world.classroom, "HK2", approve=True)
