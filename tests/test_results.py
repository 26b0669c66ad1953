"""Results computed in bulk from the database agree with the regulation and take few queries."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradebook.models import Absence, ConductResult, Enrolment, Exemption, Score
from gradebook.regulations.tt22 import TT22
from gradebook.selectors.results import compute_results
from tests.factories import make_student

pytestmark = pytest.mark.django_db


def put(assignment, enrolment, term, kind, index, value=None, level=""):
    Score.objects.create(
        assignment=assignment,
        enrolment=enrolment,
        term=term,
        kind=kind,
        index=index,
        value=None if value is None else Decimal(str(value)),
        level=level,
    )


def fill_math(world, enrolment, term, regular, midterm, final):
    for i, v in enumerate(regular, start=1):
        put(world.math, enrolment, term, "regular", i, v)
    if midterm is not None:
        put(world.math, enrolment, term, "midterm", 1, midterm)
    if final is not None:
        put(world.math, enrolment, term, "final", 1, final)


def test_term_and_year_averages_from_the_database(world):
    # Toán 140 tiết → 4 ĐĐGtx. HK I: (7+8+6+9 + 2×8 + 3×7)/9 = 67/9 = 7,44 → 7,4
    fill_math(world, world.enrolment, "HK1", [7, 8, 6, 9], 8, 7)
    # HK II: (8+8+8+8 + 2×9 + 3×8)/9 = 74/9 = 8,22 → 8,2 ; năm: (7,4 + 16,4)/3 = 7,93 → 7,9
    fill_math(world, world.enrolment, "HK2", [8, 8, 8, 8], 9, 8)
    result = compute_results(world.year)[world.enrolment.pk]
    math = result.subjects[world.math.subject_id]
    assert math.value("HK1") == Decimal("7.4")
    assert math.value("HK2") == Decimal("8.2")
    assert math.value("year") == Decimal("7.9")
    assert math.year.explanation.formula == "(7,4 + 2 × 8,2)/3 = 23,8/3 = 7,933 → 7,9"


def test_missing_score_is_reported_not_zeroed(world):
    fill_math(world, world.enrolment, "HK1", [7, 8, 6], 8, 7)  # the fourth regular is missing
    math = compute_results(world.year)[world.enrolment.pk].subjects[world.math.subject_id]
    assert math.value("HK1") is None
    assert math.terms["HK1"].missing == ["ĐĐGtx4"]
    assert math.value("year") is None


def test_comment_subject_and_full_student_result(world):
    gdtc = world.classroom.assignments.get(subject__code="gdtc")
    literature = world.literature
    for term in ("HK1", "HK2"):
        fill_math(world, world.enrolment, term, [9, 9, 9, 9], 9, 9)
        for i in (1, 2, 3, 4):
            put(literature, world.enrolment, term, "regular", i, 8)
        put(literature, world.enrolment, term, "midterm", 1, 8)
        put(literature, world.enrolment, term, "final", 1, 8)
        for i in (1, 2):
            put(gdtc, world.enrolment, term, "regular", i, level="D")
        put(gdtc, world.enrolment, term, "midterm", 1, level="D")
        put(gdtc, world.enrolment, term, "final", 1, level="CD" if term == "HK1" else "D")
    ConductResult.objects.create(enrolment=world.enrolment, period="HK1", level="Khá")
    ConductResult.objects.create(enrolment=world.enrolment, period="HK2", level="Tốt")
    result = compute_results(world.year)[world.enrolment.pk]
    gdtc_result = result.subjects[gdtc.subject_id]
    assert (
        gdtc_result.value("HK1") == "CĐ"
        and gdtc_result.value("HK2") == "Đ"
        and gdtc_result.value("year") == "Đ"
    )
    # two score subjects only: fewer than 6 ≥ 5,0 → Chưa đạt (the test school has 3 subjects)
    assert result.academic["year"].level == "Chưa đạt"
    assert result.conduct["year"] == "Tốt"  # Điều 8 khoản 2: HK I Khá, HK II Tốt
    assert result.decision == "kiem_tra_lai"


def test_absences_reach_promotion(world):
    ConductResult.objects.create(enrolment=world.enrolment, period="year", level="Tốt")
    from datetime import date, timedelta

    for d in range(46):
        Absence.objects.create(
            enrolment=world.enrolment, date=date(2026, 9, 7) + timedelta(days=d), excused=True
        )
    result = compute_results(world.year)[world.enrolment.pk]
    assert result.absent_sessions == 46


def test_tt58_exemption_removes_the_subject(world):
    world.classroom.regulation = "TT58+TT26"
    world.classroom.save()
    gdtc = world.classroom.assignments.get(subject__code="gdtc")
    Exemption.objects.create(
        enrolment=world.enrolment, subject=gdtc.subject, scope="year", reason="Giấy chứng nhận của bệnh viện"
    )
    result = compute_results(world.year)[world.enrolment.pk]
    assert result.subjects[gdtc.subject_id].value("HK1") == "Miễn"


def test_query_count_does_not_grow_with_students(world, django_assert_max_num_queries):
    for i in range(30):
        student = make_student(world.school, f"Học Sinh Số {i}")
        enrolment = Enrolment.objects.create(
            student=student, classroom=world.classroom, start_date=world.year.start_date
        )
        fill_math(world, enrolment, "HK1", [7, 8, 6, 9], 8, 7)
    with django_assert_max_num_queries(8):
        results = compute_results(world.year)
    assert len(results) == 32


@given(
    st.dictionaries(st.sampled_from(list("ABCDEFGHIJ")), st.integers(0, 100), min_size=1, max_size=10),
    st.dictionaries(st.sampled_from(["X", "Y", "Z", "W"]), st.sampled_from(["Đ", "CĐ"]), max_size=4),
)
def test_leave_one_out_counts_match_recomputing(scores, comments):
    rules = TT22()
    fast = rules._levels_without_each(scores, comments)
    for subject in (*scores, *comments):
        slow = rules._raw_level(
            {s: v for s, v in scores.items() if s != subject},
            {s: v for s, v in comments.items() if s != subject},
        )[0]
        assert fast[subject] == slow
