"""Small builders for test data (plain functions: explicit and fast)."""

from __future__ import annotations

import itertools
from datetime import date

from accounts.models import Commune, Department, District, Province, Role, RoleAssignment, School, User
from gradebook.models import Classroom, Enrolment, GradeSubject, Guardian, SchoolYear, Student, Subject, Term
from gradebook.services.structure import assign_teacher, create_classroom, set_homeroom_teacher

_seq = itertools.count(1)
PASSWORD = "Mat-khau-thu-2026"  # noqa: S105


def make_school(
    name: str = "Trường THCS Thử Nghiệm", code: str | None = None, district: District | None = None
) -> School:
    n = next(_seq)
    province, _ = Province.objects.get_or_create(code="01", defaults={"name": "Thành phố Hà Nội"})
    if district is None:  # the district of the years before 2025-2026
        district, _ = District.objects.get_or_create(
            province=province, code="001", defaults={"name": "Quận Ba Đình"}
        )
    commune, _ = Commune.objects.get_or_create(
        province=district.province, code="00004", defaults={"name": "Phường Ba Đình", "kind": "phường"}
    )
    return School.objects.create(
        province=district.province, commune=commune, district=district, code=code or f"SCH{n}", name=name
    )


def make_user(
    username: str | None = None,
    full_name: str = "Nguyễn Văn Thử",
    *,
    school: School | None = None,
    roles=(),
    department: Department | None = None,
    password: str = PASSWORD,
    must_change: bool = False,
) -> User:
    user = User(username=username or f"user{next(_seq)}", full_name=full_name)
    user.set_password(password)
    user.must_change_password = must_change
    if not must_change:
        user.mark_password_changed()
    user.save()
    for role in roles:
        RoleAssignment.objects.create(
            user=user,
            role=role,
            school=school,
            department=department if role == Role.DEPARTMENT_HEAD else None,
        )
    return user


def make_year(school: School, start: int = 2026) -> SchoolYear:
    year = SchoolYear.objects.create(
        school=school,
        start_year=start,
        start_date=date(start, 9, 5),
        end_date=date(start + 1, 5, 31),
        is_current=True,
    )
    Term.objects.create(
        school_year=year, code="HK1", start_date=date(start, 9, 5), end_date=date(start + 1, 1, 17)
    )
    Term.objects.create(
        school_year=year, code="HK2", start_date=date(start + 1, 1, 19), end_date=date(start + 1, 5, 31)
    )
    return year


SUBJECTS = [
    ("toan", "Toán", "score", 140),
    ("ngu-van", "Ngữ văn", "score", 140),
    ("gdtc", "Giáo dục thể chất", "comment", 70),
]


def make_curriculum(year: SchoolYear, grade: int = 6) -> list[Subject]:
    subjects = []
    for order, (code, name, kind, periods) in enumerate(SUBJECTS, start=1):
        subject, _ = Subject.objects.get_or_create(
            school=year.school,
            code=code,
            defaults={"name": name, "short_name": name, "kind": kind, "order": order},
        )
        GradeSubject.objects.get_or_create(
            school_year=year, grade=grade, subject=subject, defaults={"periods_per_year": periods}
        )
        subjects.append(subject)
    return subjects


def make_student(
    school: School, full_name: str = "Trần Thị Bình", born: date = date(2015, 3, 1), **extra
) -> Student:
    family, *middle, given = full_name.split()
    return Student.objects.create(
        school=school,
        family_name=family,
        middle_name=" ".join(middle),
        given_name=given,
        date_of_birth=born,
        sex="F",
        **extra,
    )


class SchoolWorld:
    """A school with a year, one class 6A1, its teachers, a student and the usual accounts."""

    def __init__(self, name: str = "Trường THCS Thử Nghiệm", tag: str = "a"):
        self.school = make_school(name)
        self.year = make_year(self.school)
        self.subjects = make_curriculum(self.year)
        self.department = Department.objects.create(school=self.school, name="Tổ Tự nhiên")
        self.principal = make_user(f"ht_{tag}", "Nguyễn Thị Hiệu", school=self.school, roles=[Role.PRINCIPAL])
        self.admin_board = make_user(
            f"bqt_{tag}", "Lê Văn Quản", school=self.school, roles=[Role.ADMIN_BOARD]
        )
        self.clerk = make_user(f"vt_{tag}", "Phạm Thị Thư", school=self.school, roles=[Role.CLERK])
        self.math_teacher = make_user(
            f"gvtoan_{tag}", "Vũ Văn Toán", school=self.school, roles=[Role.SUBJECT_TEACHER]
        )
        self.literature_teacher = make_user(
            f"gvvan_{tag}", "Đỗ Thị Văn", school=self.school, roles=[Role.SUBJECT_TEACHER]
        )
        self.head = make_user(
            f"tt_{tag}",
            "Hồ Văn Tổ",
            school=self.school,
            roles=[Role.SUBJECT_TEACHER, Role.DEPARTMENT_HEAD],
            department=self.department,
        )
        self.classroom: Classroom = create_classroom(None, self.year, 6, "6A1")
        self.other_classroom: Classroom = create_classroom(None, self.year, 6, "6A2")
        set_homeroom_teacher(None, self.classroom, self.literature_teacher)
        self.math = self.classroom.assignments.get(subject__code="toan")
        self.literature = self.classroom.assignments.get(subject__code="ngu-van")
        assign_teacher(None, self.math, self.math_teacher)
        assign_teacher(None, self.literature, self.literature_teacher)
        self.other_math = self.other_classroom.assignments.get(subject__code="toan")
        assign_teacher(None, self.other_math, self.head)
        self.student = make_student(self.school, "Trần Thị Bình")
        self.enrolment = Enrolment.objects.create(
            student=self.student, classroom=self.classroom, start_date=self.year.start_date
        )
        self.other_student = make_student(self.school, "Lê Văn An")
        Enrolment.objects.create(
            student=self.other_student, classroom=self.other_classroom, start_date=self.year.start_date
        )
        self.parent = make_user(f"ph_{tag}", "Trần Văn Cha", school=self.school, roles=[Role.PARENT])
        Guardian.objects.create(
            student=self.student, relationship="father", full_name="Trần Văn Cha", user=self.parent
        )
        self.pupil = make_user(f"hs_{tag}", "Trần Thị Bình", school=self.school, roles=[Role.STUDENT])
        self.student.user = self.pupil
        self.student.save()


def sign_subject_turns(document) -> int:
    """The subject teachers of a document sign their part, in turn (before the homeroom teacher)."""
    from transcripts import signing

    signed = 0
    for user_id, _title in document.subject_signers:
        signing.sign_document(document, User.objects.get(pk=user_id))
        signed += 1
    document.refresh_from_db()
    return signed


def print_paper(client, url: str, data: dict | None = None):
    """Print a stored paper the way its page does (POST), then open the file it leads to."""
    response = client.post(url, data or {})
    assert response.status_code == 302, (response.status_code, url)
    return client.get(response["Location"])


def fill_scores(enrolment, terms=("HK1", "HK2"), value=lambda assignment: "8", level="D") -> None:
    """Every required score of every subject of the student's class for the terms (as the regulation
    asks: gradebook/cells.py), a score subject `value(assignment)`, a comment subject `level`."""
    from decimal import Decimal

    from gradebook.cells import columns_for
    from gradebook.models import Score

    for assignment in enrolment.classroom.assignments.select_related("subject", "classroom"):
        for term in terms:
            for column in columns_for(assignment, term):
                score = Score(
                    assignment=assignment,
                    enrolment=enrolment,
                    term=term,
                    kind=column.kind,
                    index=column.index,
                )
                if assignment.subject.kind == Subject.Kind.COMMENT:
                    score.level = level
                else:
                    score.value = Decimal(value(assignment))
                score.save()
