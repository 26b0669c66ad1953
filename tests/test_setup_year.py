"""Starting a school year (docs/workflows.md §1): the year from the Ministry's frame, the curriculum
presets, classes in bulk, electives and learning-topic clusters, the rights and the refusals."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.authz import PermissionDenied
from accounts.models import Role, School
from gradebook import presets
from gradebook.cells import columns_for
from gradebook.models import (
    Classroom,
    Enrolment,
    GradeSubject,
    SchoolYear,
    Score,
    Subject,
    TeachingAssignment,
)
from gradebook.regulations import registry
from gradebook.services import setup
from tests.factories import make_school, make_student, make_user

pytestmark = pytest.mark.xdist_group("setup_year")


@pytest.fixture
def thpt(db):
    school = make_school("Trường THPT Nguyễn Trãi", code="THPT-NT")
    school.level = School.Level.THPT
    school.save()
    admin = make_user("bqt.nt", school=school, roles=[Role.ADMIN_BOARD])
    return school, admin


def test_class_specs_read_as_schools_write_them():
    assert [n for _, n in presets.class_names("6A1–6A3, 7A1-7A2; 10 Toán")] == [
        "6A1", "6A2", "6A3", "7A1", "7A2", "10 Toán",
    ]  # fmt: skip
    assert presets.class_names("10A1 - 10A2") == [(10, "10A1"), (10, "10A2")]
    for bad in ["6A1-7A3", "6A3-6A1", "A1", "6A1, 6A1", "6A1-6A99"]:
        with pytest.raises(presets.ClassSpecError):
            presets.class_names(bad)


def test_the_year_frame_preset():
    frame = presets.year_frame(2026)
    assert frame.start == date(2026, 9, 5) and frame.end == date(2027, 5, 31)
    assert frame.term1_end == date(2027, 1, 16) and frame.term1_end.weekday() == 5  # a Saturday
    assert frame.term2_start == date(2027, 1, 18) and frame.term2_start.weekday() == 0
    assert frame.data_deadline == date(2026, 9, 20)


def test_a_topic_cluster_is_one_more_regular_assessment():
    """TT22 Điều 6 khoản 2: 105 periods → 4 ĐĐGtx, and the cluster's one more; TT58 has no clusters."""
    tt22 = registry.get("TT22")
    assert tt22.regular_count(by_comment=False, periods_per_year=105) == 4
    assert tt22.regular_count(by_comment=False, periods_per_year=105, topic_cluster=True) == 5
    assert tt22.regular_count(by_comment=True, periods_per_year=70, topic_cluster=True) == 3
    tt58 = registry.get(registry.regulation_for(2020, 10).code)
    assert tt58.regular_count(by_comment=False, periods_per_year=105, topic_cluster=True) == 4


def test_setup_year_command_builds_a_thpt_year_and_says_so(thpt):
    school, _admin = thpt
    out = StringIO()
    call_command(
        "setup_year", "--school", "THPT-NT", "--year", "2026", "--classes", "10A1-10A3,11A1", stdout=out
    )
    year = SchoolYear.objects.get(school=school, start_year=2026)
    assert year.is_current and year.data_deadline == date(2026, 9, 20)
    hk1, hk2 = year.terms.order_by("code")
    assert (hk1.start_date, hk1.end_date, hk2.end_date) == (
        date(2026, 9, 5),
        date(2027, 1, 16),
        date(2027, 5, 31),
    )
    assert hk1.midterm_tests_from and hk1.final_tests_from and hk2.entry_deadline
    curriculum = GradeSubject.objects.filter(school_year=year, grade=10)
    assert curriculum.filter(elective=False).count() == 8 and curriculum.filter(elective=True).count() == 9
    assert curriculum.get(subject__code="lich-su").periods_per_year == 52
    assert Subject.objects.get(school=school, code="gdtc").kind == Subject.Kind.COMMENT
    assert Subject.objects.get(school=school, code="gdqp").kind == Subject.Kind.SCORE
    assert list(Classroom.objects.filter(school_year=year).values_list("name", flat=True)) == [
        "10A1", "10A2", "10A3", "11A1",
    ]  # fmt: skip
    # a class receives the compulsory subjects; its electives are chosen for it
    assert TeachingAssignment.objects.filter(classroom__name="10A1").count() == 8
    assert "Đã tạo: lớp 10A1" in out.getvalue()

    with pytest.raises(CommandError, match="Nothing to do"):
        call_command(
            "setup_year", "--school", "THPT-NT", "--year", "2026", "--classes", "10A1", stdout=StringIO()
        )
    assert Classroom.objects.filter(school_year=year).count() == 4
    with pytest.raises(CommandError, match="khối 6"):
        call_command(
            "setup_year", "--school", "THPT-NT", "--year", "2026", "--classes", "6A1", stdout=StringIO()
        )


def test_the_2006_programme_for_grades_still_under_tt58(db):
    """2022-2023: grades 6 and 7 under TT22 (the 2018 programme), 8 and 9 under TT58 (the old one)."""
    school = make_school()
    admin = make_user(school=school, roles=[Role.ADMIN_BOARD])
    year, _report = setup.set_up_year(admin, school, 2022, classes="6A1,8A1")
    codes = lambda grade: set(  # noqa: E731
        GradeSubject.objects.filter(school_year=year, grade=grade).values_list("subject__code", flat=True)
    )
    assert "khtn" in codes(6) and "vat-li" not in codes(6)
    assert {"vat-li", "hoa-hoc", "the-duc"} <= codes(8) and "khtn" not in codes(8)
    assert Classroom.objects.get(name="8A1").regulation.startswith("TT58") or Classroom.objects.get(
        name="8A1"
    ).regulation.startswith("TT26")


def test_electives_and_clusters_shape_the_grid(thpt):
    school, admin = thpt
    year, _ = setup.set_up_year(admin, school, 2026, classes="10A1")
    classroom = Classroom.objects.get(school_year=year, name="10A1")
    subject = {s.code: s for s in Subject.objects.filter(school=school)}
    setup.choose_electives(
        admin,
        classroom,
        electives=[subject[c] for c in ("vat-li", "hoa-hoc", "sinh-hoc", "tin-hoc")],
        topic_clusters=[subject["toan"], subject["vat-li"], subject["hoa-hoc"]],
        combination="Khoa học tự nhiên 1",
    )
    assert classroom.assignments.count() == 12
    toan = classroom.assignments.get(subject__code="toan")
    ly = classroom.assignments.get(subject__code="vat-li")
    # Toán 105 periods: 4 ĐĐGtx + the cluster's; Vật lí 70: 3 + 1; Ngữ văn without a cluster: 4
    assert [c.key for c in columns_for(toan, "HK1")] == ["tx1", "tx2", "tx3", "tx4", "tx5", "gk", "ck"]
    assert len(columns_for(ly, "HK1")) == 6
    assert len(columns_for(classroom.assignments.get(subject__code="ngu-van"), "HK1")) == 6

    with pytest.raises(setup.SetupError):  # a compulsory subject is not an elective
        setup.choose_electives(admin, classroom, electives=[subject["toan"]], topic_clusters=[])
    with pytest.raises(setup.SetupError):  # a cluster of a subject the class does not study
        setup.choose_electives(
            admin, classroom, electives=[subject["vat-li"]], topic_clusters=[subject["dia-li"]]
        )

    # once scored, an elective stays
    student = make_student(school, born=date(2011, 4, 2))
    enrolment = Enrolment.objects.create(student=student, classroom=classroom, start_date=year.start_date)
    Score.objects.create(
        enrolment=enrolment, assignment=ly, term="HK1", kind="TX", index=1, value=Decimal("8")
    )
    with pytest.raises(setup.SetupError, match="Vật lí"):
        setup.choose_electives(admin, classroom, electives=[subject["dia-li"]], topic_clusters=[])
    assert classroom.assignments.filter(subject__code="vat-li").exists()


def test_calendar_is_editable_until_scores_exist(thpt):
    school, admin = thpt
    year, _ = setup.set_up_year(admin, school, 2026, classes="10A1")
    terms = [
        setup.TermDates(
            t.code, t.start_date, t.end_date, t.midterm_tests_from, t.final_tests_from, t.entry_deadline
        )
        for t in year.terms.order_by("code")
    ]
    terms[0].end_date = date(2027, 1, 9)
    setup.update_calendar(admin, year, data_deadline=date(2026, 9, 25), terms=terms)
    year.refresh_from_db()
    assert year.terms.get(code="HK1").end_date == date(2027, 1, 9) and year.data_deadline == date(2026, 9, 25)

    bad = [setup.TermDates(**{**t.__dict__}) for t in terms]
    bad[1].start_date = date(2027, 1, 5)  # before term I ends
    with pytest.raises(setup.SetupError) as refused:
        setup.update_calendar(admin, year, data_deadline=None, terms=bad)
    assert "HK2-start_date" in refused.value.errors

    classroom = Classroom.objects.get(name="10A1")
    enrolment = Enrolment.objects.create(
        student=make_student(school, born=date(2011, 1, 1)), classroom=classroom, start_date=year.start_date
    )
    Score.objects.create(
        enrolment=enrolment, assignment=classroom.assignments.get(subject__code="toan"), term="HK1", kind="TX",
        index=1, value=Decimal("7"),
    )  # fmt: skip
    terms[0].end_date = date(2027, 1, 16)
    with pytest.raises(setup.SetupError, match="đã có điểm"):
        setup.update_calendar(admin, year, data_deadline=None, terms=terms)
    terms[0].end_date = date(2027, 1, 9)
    terms[0].entry_deadline = date(2027, 1, 12)  # a deadline may still move
    setup.update_calendar(admin, year, data_deadline=date(2026, 9, 30), terms=terms)
    assert year.terms.get(code="HK1").entry_deadline == date(2027, 1, 12)


def test_it_staff_may_set_up_and_teachers_may_not(thpt):
    school, _admin = thpt
    it = make_user(school=school, roles=[Role.IT_STAFF])
    year = setup.create_year(it, school, 2026)
    teacher = make_user(school=school, roles=[Role.SUBJECT_TEACHER, Role.HOMEROOM_TEACHER])
    principal = make_user(school=school, roles=[Role.PRINCIPAL])
    for who in (teacher, principal):
        with pytest.raises(PermissionDenied):
            setup.create_classes(who, year, "10A1")
    assert not Classroom.objects.exists()


def test_one_class_may_differ_from_its_grade_until_it_has_scores(thpt, client):
    school, admin = thpt
    year, _ = setup.set_up_year(admin, school, 2026, classes="10A1,10A2")
    classroom = Classroom.objects.get(name="10A1")
    toan = classroom.assignments.get(subject__code="toan")
    client.force_login(admin)
    url = f"/setup/classes/{classroom.uuid}/electives/"
    page = client.post(
        url, {"action": "periods", "assignment": toan.pk, "periods_per_year": "140", "taught_terms": "both"}
    )
    assert page.status_code == 302
    toan.refresh_from_db()
    assert toan.periods_per_year == 140  # 10A2 keeps its grade's 105
    assert Classroom.objects.get(name="10A2").assignments.get(subject__code="toan").periods_per_year == 105
    page = client.post(
        url, {"action": "periods", "assignment": toan.pk, "periods_per_year": "0", "taught_terms": "both"}
    )
    assert page.status_code == 400 and 'value="0"' in page.content.decode()
    enrolment = Enrolment.objects.create(
        student=make_student(school, born=date(2011, 1, 1)), classroom=classroom, start_date=year.start_date
    )
    Score.objects.create(
        enrolment=enrolment, assignment=toan, term="HK1", kind="TX", index=1, value=Decimal("7")
    )
    with pytest.raises(setup.SetupError, match="đã có điểm"):
        setup.set_class_subject(admin, toan, periods_per_year=105, taught_terms="both")
