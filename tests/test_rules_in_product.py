"""The rules' edges in the product, not only in the engine (docs/rules.md): nobody reaches a retest the
year does not send there; subject roles come from the curriculum; the lớp chuyên condition holds in the
results and the printed học bạ; a subject taught in one term takes that term's result for the year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import School
from gradebook.models import (
    ConductResult,
    Enrolment,
    GradeSubject,
    Score,
    Subject,
    TaughtTerms,
)
from gradebook.selectors.results import compute_results
from gradebook.selectors.summer import summer_sheet
from gradebook.services import summer as summer_service
from gradebook.services.structure import create_classroom
from tests.factories import fill_scores, make_school, make_student, make_year
from tests.test_class_results import fill
from tests.test_printed_books import stored, text_of
from transcripts.documents import Kind, Target, issue

pytestmark = pytest.mark.django_db


def enrol(world, name, born=date(2015, 5, 5)):
    return Enrolment.objects.create(
        student=make_student(world.school, name, born=born),
        classroom=world.classroom,
        start_date=world.year.start_date,
    )


def subject_id(world, code):
    return str(world.classroom.assignments.get(subject__code=code).subject_id)


# --- who may retest at all -------------------------------------------------------------------------


def test_a_student_sent_only_to_summer_training_cannot_be_given_a_retest(klass):
    world = klass
    ha = enrol(world, "Vũ Thị Hà")
    fill(world, ha, math="4", conduct="Chưa đạt")  # học tập Đạt (Toán 4,0 ≥ 3,5), rèn luyện Chưa đạt
    row = next(r for r in summer_sheet(world.classroom)["rows"] if r.enrolment == ha)
    assert row.needs_training and row.eligible == []  # Toán < 5,0 but học tập passed: no retest
    refused = summer_service.save_summer(
        world.literature_teacher,
        world.classroom,
        {ha.uuid.hex: {"retest": {subject_id(world, "toan"): "9"}, "conduct": ""}},
    )
    assert "Điều 14" in " ".join(refused.values())
    assert not Score.objects.filter(enrolment=ha, kind="retest").exists()


def test_retests_wait_for_the_summer_training_when_both_failed(klass):
    world = klass
    khoa = enrol(world, "Đỗ Minh Khoa")
    fill(world, khoa, math="3", literature="3", conduct="Chưa đạt")
    toan, van = subject_id(world, "toan"), subject_id(world, "ngu-van")
    row = next(r for r in summer_sheet(world.classroom)["rows"] if r.enrolment == khoa)
    assert row.decision and row.eligible == []  # listed for summer training first, not for retests
    refused = summer_service.save_summer(
        world.literature_teacher, world.classroom, {khoa.uuid.hex: {"retest": {toan: "6"}}}
    )
    assert refused and not Score.objects.filter(enrolment=khoa, kind="retest").exists()
    # the summer's conduct re-assessed as passing: now the subjects under 5,0 may be retested
    summer_service.save_summer(world.literature_teacher, world.classroom, {khoa.uuid.hex: {"conduct": "Đạt"}})
    row = next(r for r in summer_sheet(world.classroom)["rows"] if r.enrolment == khoa)
    assert sorted(row.eligible) == ["Ngữ văn", "Toán"]
    refused = summer_service.save_summer(
        world.literature_teacher, world.classroom, {khoa.uuid.hex: {"retest": {toan: "6", van: "5,5"}}}
    )
    assert refused == {}
    row = next(r for r in summer_sheet(world.classroom)["rows"] if r.enrolment == khoa)
    assert row.final_code == "len_lop"


def test_summer_training_not_passed_ends_in_retention_without_retests(klass):
    world = klass
    khoa = enrol(world, "Đỗ Minh Khoa")
    fill(world, khoa, math="3", literature="3", conduct="Chưa đạt")
    summer_service.save_summer(
        world.literature_teacher, world.classroom, {khoa.uuid.hex: {"conduct": "Chưa đạt"}}
    )
    row = next(r for r in summer_sheet(world.classroom)["rows"] if r.enrolment == khoa)
    assert row.eligible == [] and row.final_code == "khong_len_lop"


# --- a lớp chuyên under TT58 -----------------------------------------------------------------------

TT58_SUBJECTS = [
    ("toan", "Toán"), ("ngu-van", "Ngữ văn"), ("tieng-anh", "Tiếng Anh"), ("vat-li", "Vật lí"),
    ("hoa-hoc", "Hóa học"), ("sinh-hoc", "Sinh học"), ("lich-su", "Lịch sử"), ("dia-li", "Địa lí"),
    ("gdcd", "Giáo dục công dân"), ("cong-nghe", "Công nghệ"), ("tin-hoc", "Tin học"),
]  # fmt: skip


@pytest.fixture
def chuyen():
    """A THPT chuyên in 2023-2024: class 12 Hóa (TT58 as amended by TT26 for grade 12 that year)."""
    school = make_school("Trường THPT chuyên Thử Nghiệm", code="THPT-CH")
    School.objects.filter(pk=school.pk).update(level=School.Level.THPT)
    school.refresh_from_db()
    year = make_year(school, 2023)
    subjects = {}
    for order, (code, name) in enumerate(TT58_SUBJECTS, start=1):
        subjects[code] = Subject.objects.create(
            school=school, code=code, name=name, short_name=name, kind=Subject.Kind.SCORE, order=order
        )
        GradeSubject.objects.create(school_year=year, grade=12, subject=subjects[code], periods_per_year=105)
    pe = Subject.objects.create(
        school=school, code="the-duc", name="Thể dục", short_name="TD", kind=Subject.Kind.COMMENT, order=20
    )
    GradeSubject.objects.create(school_year=year, grade=12, subject=pe, periods_per_year=70)
    classroom = create_classroom(None, year, 12, "12 Hóa")
    assert classroom.regulation == "TT58+TT26"
    student = make_student(school, "Lâm Bảo Ngọc", born=date(2006, 4, 4))
    enrolment = Enrolment.objects.create(student=student, classroom=classroom, start_date=year.start_date)
    fill_scores(enrolment, value=lambda assignment: "7.9" if assignment.subject.code == "hoa-hoc" else "8.5")
    for period in ("HK1", "HK2", "year"):
        ConductResult.objects.create(enrolment=enrolment, period=period, level="Tốt")
    return classroom, enrolment, subjects


def test_the_specialised_subject_condition_holds_in_the_results_and_the_printed_hoc_ba(chuyen):
    classroom, enrolment, subjects = chuyen
    result = compute_results(classroom.school_year, [classroom])[enrolment.pk]
    assert result.academic["year"].level == "Giỏi"  # an ordinary class: Giỏi, Học sinh giỏi
    assert result.honour == "Học sinh giỏi"
    classroom.specialized_subject = subjects["hoa-hoc"]
    classroom.save()
    result = compute_results(classroom.school_year, [classroom])[enrolment.pk]
    # lớp chuyên Hóa: the môn chuyên 7,9 < 8,0 → not Giỏi (TT58 Điều 13 khoản 1 điểm a)
    assert result.academic["year"].level == "Khá" and result.honour == "Học sinh tiên tiến"
    year = classroom.school_year
    target = Target(kind=Kind.TRANSCRIPT, school=year.school, school_year=year, student=enrolment.student)
    text = text_of(stored(issue(target, user=None)))
    assert "Học sinh tiên tiến" in text and "Học sinh giỏi" not in text


def test_the_key_subjects_come_from_the_curriculum_not_from_names(chuyen):
    classroom, enrolment, subjects = chuyen
    # the school calls its Toán "Toán học", its English "Ngoại ngữ" — the roles stay
    Subject.objects.filter(pk=subjects["toan"].pk).update(name="Toán học")
    assert Subject.objects.get(pk=subjects["toan"].pk).role == Subject.Role.MATH
    # a subject whose name looks like a language but that the school marks as an ethnic language
    english = subjects["tieng-anh"]
    english.role = Subject.Role.ETHNIC_LANGUAGE
    english.save()
    result = compute_results(classroom.school_year, [classroom])[enrolment.pk]
    assert result.academic["year"].level == "Giỏi"  # Toán học 8,5 is still Toán
    new = Subject.objects.create(
        school=classroom.school_year.school,
        code="tieng-khmer",
        name="Tiếng Khmer",
        short_name="Khmer",
        kind="score",
    )
    assert new.role == Subject.Role.ETHNIC_LANGUAGE


# --- a subject taught in one term ------------------------------------------------------------------


def test_a_subject_taught_in_term_two_only_takes_that_terms_result(klass):
    world = klass
    cong_nghe = world.classroom.assignments.get(subject__code="cong-nghe")
    cong_nghe.taught_terms = TaughtTerms.HK2
    cong_nghe.save()
    Score.objects.filter(assignment=cong_nghe, term="HK1").delete()
    result = compute_results(world.year, [world.classroom])[world.enrolment.pk]
    subject = result.subjects[cong_nghe.subject_id]
    assert subject.value("HK1") is None and subject.value("year") == subject.value("HK2") == Decimal("9.0")
    # term I is ranked without it, and the year's result is complete
    assert result.academic["HK1"].level is not None and result.academic["year"].level == "Tốt"
