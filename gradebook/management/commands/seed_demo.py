"""manage.py seed_demo — a realistic THCS school (grades 6–9), deterministic.

Default: 4 classes per grade, 38–45 students per class, full profiles and guardians, the TT22 subject
list with its periods, teachers with assignments, the demo accounts, and the scores of term I entered
so far. `--size N` makes a school of about N students (for benchmarks); `--scores full` fills both
terms, conduct and absences (a finished year).
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.history import attribute
from accounts.models import Department, District, Role, RoleAssignment, School, User
from accounts.selectors import principal_of
from accounts.services import place
from audit import seals
from audit.models import ChainSeal
from audit.verify import check_and_record
from gradebook import demo_data as D
from gradebook import demo_thpt, presets
from gradebook.demo_thpt import THPT_CODE
from gradebook.models import (
    Absence,
    AssessmentColumn,
    AssessmentKind,
    Classroom,
    ConductResult,
    DataCheck,
    Enrolment,
    GradeSubject,
    Guardian,
    PeriodLock,
    ResultsApproval,
    SchoolYear,
    Score,
    Student,
    Subject,
    Term,
)
from gradebook.regulations import registry
from gradebook.services import locks
from gradebook.services.structure import assign_teacher, create_classroom, set_homeroom_teacher
from gradebook.signals import demo_school_seeded

DEMO_PASSWORD = "SoDiem@2026"  # noqa: S105 — printed on start; demo only
DEMO_SCHOOL_CODE = "THCS-LQD"
# username → (full name, role label)
DEMO_ACCOUNTS = {
    "hieutruong": "Hiệu trưởng",
    "phohieutruong": "Phó hiệu trưởng",
    "bqt": "Ban quản trị",
    "vanthu": "Văn thư",
    "totruong": "Tổ trưởng chuyên môn (Tổ Khoa học Tự nhiên)",
    "gvcn": "Giáo viên chủ nhiệm lớp 6A1",
    "gvbm": "Giáo viên bộ môn (Toán 6A1, 6A2 …)",
    "phuhuynh": "Phụ huynh (một học sinh lớp 6A1)",
    "hocsinh": "Học sinh lớp 6A1",
    "vhxh": "Phòng Văn hóa – Xã hội, UBND phường Cầu Giấy (chỉ xem báo cáo)",
    "sogd": "Sở GD&ĐT Hà Nội (chỉ xem báo cáo)",
    "bqt.thpt": "Ban quản trị Trường THPT Nguyễn Trãi (thiết lập năm học)",
    "gv.thpt": "Giáo viên Toán, chủ nhiệm lớp 10A1, Trường THPT Nguyễn Trãi",
}


def weighted(rng: random.Random, pairs):
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def clamp_score(x: float, step: float) -> Decimal:
    value = max(0.0, min(10.0, round(x / step) * step))
    return Decimal(f"{value:.1f}")


class Command(BaseCommand):
    help = "Create the demo school (deterministic)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size", type=int, default=0, help="about this many students (default: 16 classes of 38–45)"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--school-code", default=DEMO_SCHOOL_CODE)
        parser.add_argument("--school-name", default="Trường THCS Lê Quý Đôn")
        parser.add_argument("--year", type=int, default=2026, help="start year of the current school year")
        parser.add_argument("--scores", choices=["none", "partial", "full"], default="partial")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the school exists")
        parser.add_argument(
            "--years",
            type=int,
            default=1,
            choices=range(1, 5),
            help="school years the students have at the school (grade 9 has up to four): the earlier ones "
            "finished, scored and approved",
        )
        parser.add_argument("--no-accounts", action="store_true", help="no demo accounts (benchmark schools)")

    def handle(self, *args, **opts):
        if School.objects.filter(code=opts["school_code"]).exists():
            if opts["if_empty"]:
                self.stdout.write(f"School {opts['school_code']} already exists; nothing to do.")
                return
            raise CommandError(f"School {opts['school_code']} already exists")
        rng = random.Random(opts["seed"])
        with transaction.atomic():
            school = self._build(rng, opts)
        if connection.vendor == "postgresql":
            # the planner's statistics of the tables just filled in bulk, as autovacuum would gather them
            # in the minutes after (without them a teacher's entry progress was planned as a nested loop
            # over every enrolment: 19 ms instead of 2)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        # the school's trail sealed and checked once, as the nightly job would (PostgreSQL only)
        seals.seal(school.pk, ChainSeal.Reason.DAILY)
        check_and_record([school.pk])
        students = Student.objects.filter(school=school).count()
        self.stdout.write(self.style.SUCCESS(f"Created {school.name}: {students} students."))
        if (
            not opts["no_accounts"]
            and not opts["size"]
            and not School.objects.filter(code=THPT_CODE).exists()
        ):
            # beside it a THPT school set up through the portal's own services (gradebook/demo_thpt.py)
            with transaction.atomic():
                thpt = demo_thpt.build(rng, start_year=opts["year"], password=DEMO_PASSWORD)
                thpt_year = SchoolYear.objects.get(school=thpt, is_current=True)
                self._scores(rng, thpt_year, list(Classroom.objects.filter(school_year=thpt_year)), False)
            seals.seal(thpt.pk, ChainSeal.Reason.DAILY)
            check_and_record([thpt.pk])
            students = Student.objects.filter(school=thpt).count()
            self.stdout.write(self.style.SUCCESS(f"Created {thpt.name}: {students} students."))

    # ------------------------------------------------------------------------------------------

    def _build(self, rng: random.Random, opts) -> School:
        # since 1/7/2025 a THCS is managed by its commune or ward (accounts/units.py)
        province, commune = place(("01", "Thành phố Hà Nội"), ("00166", "Phường Cầu Giấy"))
        # before 1/7/2025 under Quận Cầu Giấy's education office: the earlier years print it
        district, _ = District.objects.get_or_create(
            province=province, code="005", defaults={"name": "Quận Cầu Giấy"}
        )
        school = School.objects.create(
            province=province,
            commune=commune,
            district=district,
            code=opts["school_code"],
            name=opts["school_name"],
            address="Số 1 Nguyễn Văn Huyên, Cầu Giấy, Hà Nội",
            phone="024 3756 0000",
            email="thcs-lqd@example.edu.vn",
            moet_code="01000123",
        )
        start = opts["year"]
        year = SchoolYear.objects.create(
            school=school,
            start_year=start,
            start_date=date(start, 9, 5),
            end_date=date(start + 1, 5, 31),
            is_current=True,
            data_deadline=date(start, 9, 20),
            holidays=presets.national_holidays(start),
        )
        Term.objects.create(
            school_year=year,
            code=Term.Code.HK1,
            start_date=date(start, 9, 5),
            end_date=date(start + 1, 1, 17),
            midterm_tests_from=date(start, 11, 2),
            final_tests_from=date(start, 12, 21),
            entry_deadline=date(start + 1, 1, 17),
        )
        Term.objects.create(
            school_year=year,
            code=Term.Code.HK2,
            start_date=date(start + 1, 1, 19),
            end_date=date(start + 1, 5, 31),
            midterm_tests_from=date(start + 1, 3, 15),
            final_tests_from=date(start + 1, 5, 3),
            entry_deadline=date(start + 1, 5, 31),
        )
        departments = {
            name: Department.objects.create(school=school, name=name) for name in {s[4] for s in D.SUBJECTS}
        }
        subjects = []
        for order, (code, name, short, kind, dept, periods) in enumerate(D.SUBJECTS, start=1):
            subject = Subject.objects.create(
                school=school,
                code=code,
                name=name,
                short_name=short,
                kind=kind,
                department=departments[dept],
                order=order,
            )
            subjects.append(subject)
            for grade, p in zip(range(6, 10), periods, strict=True):
                GradeSubject.objects.create(
                    school_year=year, grade=grade, subject=subject, periods_per_year=p
                )

        if opts["size"]:
            class_count = max(4, math.ceil(opts["size"] / 41))
            per_grade = [class_count // 4 + (1 if g < class_count % 4 else 0) for g in range(4)]
        else:
            per_grade = [4, 4, 4, 4]
        classrooms: list[Classroom] = []
        for g_index, grade in enumerate(range(6, 10)):
            for n in range(1, per_grade[g_index] + 1):
                classrooms.append(create_classroom(None, year, grade, f"{grade}A{n}"))

        staff = self._staff(rng, school, subjects, classrooms, departments, opts)
        students_per_class = self._students(rng, school, classrooms, opts["size"])
        self._data_checked(classrooms, start)
        if not opts["no_accounts"]:
            self._family_accounts(school, classrooms[0], students_per_class[classrooms[0].pk])
        if opts["scores"] != "none":
            self._scores(rng, year, classrooms, opts["scores"] == "full")
        for back in range(1, opts["years"]):
            self._earlier_year(rng, year, classrooms, back)
        if not opts["no_accounts"]:
            self._october_locked(school, year)
            self._signing_certificate(school)
        del staff
        return school

    def _data_checked(self, classrooms, start: int) -> None:
        """As by late November: every class checked its students' data against the paper files in
        September, before the school's deadline (20/9)."""
        for index, classroom in enumerate(classrooms):
            day = date(start, 9, 14 + index % 5)
            DataCheck.objects.create(
                classroom=classroom,
                opened_at=timezone.make_aware(datetime(start, 9, 10, 7, 30)),
                opened_by=classroom.homeroom_teacher,
                confirmed_at=timezone.make_aware(datetime(day.year, day.month, day.day, 16, 0)),
                confirmed_by=classroom.homeroom_teacher,
                note="Đã đối chiếu với giấy khai sinh và học bạ",
            )

    def _signing_certificate(self, school: School) -> None:
        """The documents app gives the demo school a self-signed certificate (gradebook/signals.py)."""
        demo_school_seeded.send(
            sender=type(self), school=school, principal=User.objects.get(username="hieutruong")
        )

    def _october_locked(self, school: School, year: SchoolYear) -> None:
        """As in a real school in late November: the principal's decision locking the assessments of
        September and October, carried out by the admin board on 1/11 (so a correction can be tried)."""
        principal = User.objects.get(username="hieutruong")
        admin_board = User.objects.get(username="bqt")
        start = year.start_year
        locked_at = timezone.make_aware(datetime(start, 11, 1, 7, 0))
        lock = locks.decide_lock(
            principal,
            year,
            term=PeriodLock.Scope.MONTH,
            month_end=date(start, 10, 31),
            locked_at=locked_at,
            decision_number=f"25/QĐ-{school.code}",
            decision_date=date(start, 10, 31),
            note="Khóa sổ điểm tháng 9 và tháng 10",
        )
        lock = locks.carry_out_lock(admin_board, lock)
        if locked_at < timezone.now():
            # the demo tells its past as it happened: carried out on the morning it took effect, not at
            # the moment the demo was seeded; saved with its history, as every change (the integrity
            # check compares each row with its latest history)
            lock.carried_out_at = locked_at
            attribute(lock, admin_board)
            lock.save(update_fields=["carried_out_at"])

    def _user(
        self, username: str, full_name: str, school: School, roles, department=None, demo=False
    ) -> User:
        user = User(username=username, full_name=full_name, email=f"{username}@example.edu.vn")
        if demo:
            if not hasattr(self, "_demo_hash"):  # one hash for all: a demo password hashed once
                from django.contrib.auth.hashers import make_password

                self._demo_hash = make_password(DEMO_PASSWORD)
            user.password = self._demo_hash
            user.mark_password_changed()
        else:
            user.set_unusable_password()
            user.must_change_password = True
        user.save()
        for role in roles:
            RoleAssignment.objects.create(
                user=user,
                role=role,
                school=school,
                department=department if role == Role.DEPARTMENT_HEAD else None,
            )
        return user

    def _person_name(self, rng: random.Random, female: bool) -> str:
        family = weighted(rng, D.FAMILY_NAMES)
        middle = rng.choice(D.FEMALE_MIDDLE if female else D.MALE_MIDDLE)
        given = rng.choice(D.FEMALE_GIVEN if female else D.MALE_GIVEN)
        return f"{family} {middle} {given}"

    def _staff(self, rng, school, subjects, classrooms, departments, opts):
        demo = not opts["no_accounts"]
        prefix = "" if demo else f"{school.code.lower()}-"
        if demo:
            self._user("hieutruong", "Nguyễn Thị Thanh Hương", school, [Role.PRINCIPAL], demo=True)
            self._user("phohieutruong", "Trần Văn Bình", school, [Role.VICE_PRINCIPAL], demo=True)
            self._user("bqt", "Lê Minh Tuấn", school, [Role.ADMIN_BOARD, Role.IT_STAFF], demo=True)
            self._user("vanthu", "Phạm Thị Lan", school, [Role.CLERK], demo=True)
            for username, full_name, scope in (
                ("vhxh", "Đỗ Văn Hải", {"role": Role.COMMUNE_OFFICE, "commune": school.commune}),
                ("sogd", "Vũ Thị Thu Hà", {"role": Role.PROVINCE_OFFICE, "province": school.province}),
            ):
                office = User.objects.filter(username=username).first()
                if office is None:
                    office = User(username=username, full_name=full_name, email=f"{username}@example.gov.vn")
                    office.set_password(DEMO_PASSWORD)
                    office.mark_password_changed()
                    office.save()
                RoleAssignment.objects.get_or_create(user=office, **scope)
        # Teachers: enough per subject for ~18 periods a week each.
        teachers_by_subject: dict[int, list[User]] = {}
        counter = 0
        for subject in subjects:
            weekly = (
                sum(
                    a.periods_per_year
                    for c in classrooms
                    for a in c.assignments.all()
                    if a.subject_id == subject.pk
                )
                / 35
            )
            needed = max(1, math.ceil(weekly / 18))
            teachers_by_subject[subject.pk] = []
            for _ in range(needed):
                counter += 1
                female = rng.random() < 0.7
                name = self._person_name(rng, female)
                if demo and subject.code == "toan" and not teachers_by_subject[subject.pk]:
                    username = "gvbm"
                else:
                    username = f"{prefix}gv{counter:03d}"
                # every demo teacher may sign in (each signs their subjects' part of a class book)
                teacher = self._user(username, name, school, [Role.SUBJECT_TEACHER], demo=demo)
                teachers_by_subject[subject.pk].append(teacher)
        # Department heads: the first teacher of the first subject of each department.
        for department in departments.values():
            first = next(s for s in subjects if s.department_id == department.pk)
            head = teachers_by_subject[first.pk][0]
            if demo and department.name == "Tổ Khoa học Tự nhiên":
                head = self._user(
                    "totruong",
                    "Vũ Quốc Khánh",
                    school,
                    [Role.SUBJECT_TEACHER, Role.DEPARTMENT_HEAD],
                    department,
                    demo=True,
                )
                teachers_by_subject[first.pk].append(head)
            else:
                RoleAssignment.objects.create(
                    user=head, role=Role.DEPARTMENT_HEAD, school=school, department=department
                )
        # Assignments: round-robin per subject, so each teacher gets a balanced load.
        for subject in subjects:
            pool = teachers_by_subject[subject.pk]
            for i, classroom in enumerate(classrooms):
                assignment = classroom.assignments.get(subject=subject)
                assign_teacher(None, assignment, pool[i % len(pool)])
        # Homeroom teachers: one per class, from the teachers of that class.
        used: set[int] = set()
        for index, classroom in enumerate(classrooms):
            if demo and index == 0:
                teacher = self._user("gvcn", "Hoàng Thị Mai", school, [Role.SUBJECT_TEACHER], demo=True)
                assign_teacher(None, classroom.assignments.get(subject__code="ngu-van"), teacher)
            else:
                candidates = [
                    a.teacher
                    for a in classroom.assignments.select_related("teacher")
                    if a.teacher and a.teacher.pk not in used
                ]
                teacher = candidates[0] if candidates else classroom.assignments.first().teacher
            used.add(teacher.pk)
            set_homeroom_teacher(None, classroom, teacher)
        return teachers_by_subject

    def _earlier_year(self, rng, year: SchoolYear, classrooms: list[Classroom], back: int) -> SchoolYear:
        """The school year `back` years before `year`, finished: each class's students were in the class
        of the same letter `back` grades lower (9A1 was 8A1, 7A1, 6A1) with the same teachers, every
        score of both terms entered, conduct and absences, the year's results approved by the principal."""
        start = year.start_year - back
        past = SchoolYear.objects.create(
            school=year.school,
            start_year=start,
            start_date=date(start, 9, 5),
            end_date=date(start + 1, 5, 31),
            holidays=presets.national_holidays(start),
        )
        for term in year.terms.all():
            Term.objects.create(
                school_year=past,
                code=term.code,
                start_date=term.start_date.replace(year=term.start_date.year - back),
                end_date=term.end_date.replace(year=term.end_date.year - back),
                midterm_tests_from=term.midterm_tests_from.replace(year=term.midterm_tests_from.year - back),
                final_tests_from=term.final_tests_from.replace(year=term.final_tests_from.year - back),
                entry_deadline=term.entry_deadline.replace(year=term.entry_deadline.year - back),
            )
        for row in GradeSubject.objects.filter(school_year=year):
            GradeSubject.objects.create(
                school_year=past, grade=row.grade, subject=row.subject, periods_per_year=row.periods_per_year
            )
        by_name = {c.name: c for c in classrooms}
        made, enrolments = [], []
        for classroom in classrooms:
            grade = classroom.grade - back
            if grade < 6:
                continue
            name = f"{grade}{classroom.name[len(str(classroom.grade)) :]}"
            earlier = create_classroom(None, past, grade, name)
            same = by_name.get(name, classroom)  # the teachers of today's class of that name
            teachers = dict(same.assignments.values_list("subject_id", "teacher_id"))
            for assignment in earlier.assignments.select_related("classroom__school_year__school"):
                if teachers.get(assignment.subject_id):
                    assign_teacher(None, assignment, User.objects.get(pk=teachers[assignment.subject_id]))
            if same.homeroom_teacher_id:
                set_homeroom_teacher(None, earlier, same.homeroom_teacher)
            made.append(earlier)
            enrolments += [
                Enrolment(student_id=e.student_id, classroom=earlier, start_date=past.start_date)
                for e in classroom.enrolments.all()
            ]
        bulk_create_with_history(enrolments, Enrolment, batch_size=1000)
        self._scores(rng, past, made, True)
        principal = principal_of(year.school)
        decided = timezone.make_aware(datetime(start + 1, 5, 28, 9, 0))
        for earlier in made:
            earlier.refresh_from_db()
            if earlier.homeroom_teacher_id is None or principal is None:
                continue
            for period in ResultsApproval.Period.values:
                ResultsApproval.objects.create(
                    classroom=earlier,
                    period=period,
                    status=ResultsApproval.Status.APPROVED,
                    submitted_by=earlier.homeroom_teacher,
                    submitted_at=decided - timedelta(days=2),
                    decided_by=principal,
                    decided_at=decided,
                )
        return past

    def _students(self, rng, school, classrooms, size):
        students: list[Student] = []
        placement: list[Classroom] = []
        total_target = size or 0
        for index, classroom in enumerate(classrooms):
            count = rng.randint(38, 45)
            if total_target:
                remaining = total_target - len(students)
                count = max(1, min(45, remaining // (len(classrooms) - index)))
            birth_year = classroom.school_year.start_year - (classroom.grade - 6) - 11
            for _ in range(count):
                female = rng.random() < 0.49
                family = weighted(rng, D.FAMILY_NAMES)
                middle = rng.choice(D.FEMALE_MIDDLE if female else D.MALE_MIDDLE)
                given = rng.choice(D.FEMALE_GIVEN if female else D.MALE_GIVEN)
                born = date(birth_year, 1, 1) + timedelta(days=rng.randint(0, 364))
                serial = len(students) + 1
                student = Student(
                    school=school,
                    family_name=family,
                    middle_name=middle,
                    given_name=given,
                    date_of_birth=born,
                    place_of_birth=rng.choice(D.PLACES),
                    sex="F" if female else "M",
                    ethnicity=weighted(rng, D.ETHNICITIES),
                    home_town=rng.choice(D.PLACES),
                    address=f"Số {rng.randint(1, 200)} {rng.choice(D.STREETS)}, Hà Nội",
                    personal_id=f"001{rng.randint(2, 3)}{born.year % 100:02d}{rng.randint(0, 999999):06d}",
                    moet_code=f"{school.code[:4].upper()}{classroom.school_year.start_year % 100:02d}{serial:05d}",
                    register_number=f"{serial:04d}/{classroom.school_year.start_year - (classroom.grade - 6)}",
                )
                student.compute_sort_key()
                students.append(student)
                placement.append(classroom)
        # Personal ids must be unique: fix the rare collision deterministically.
        seen = set(Student.objects.exclude(personal_id="").values_list("personal_id", flat=True))
        for student in students:
            while student.personal_id in seen:
                student.personal_id = f"{(int(student.personal_id) + 1) % 10**12:012d}"
            seen.add(student.personal_id)
        bulk_create_with_history(students, Student, batch_size=1000)
        enrolments = [
            Enrolment(student=s, classroom=c, start_date=c.school_year.start_date)
            for s, c in zip(students, placement, strict=True)
        ]
        bulk_create_with_history(enrolments, Enrolment, batch_size=1000)
        guardians = []
        for student in students:
            father = self._person_name(rng, False).split()
            father[0] = student.family_name
            guardians.append(
                Guardian(
                    student=student,
                    relationship="father",
                    full_name=" ".join(father),
                    year_of_birth=student.date_of_birth.year - rng.randint(26, 40),
                    occupation=rng.choice(D.OCCUPATIONS),
                    phone=f"09{rng.randint(10000000, 99999999)}",
                )
            )
            guardians.append(
                Guardian(
                    student=student,
                    relationship="mother",
                    full_name=self._person_name(rng, True),
                    year_of_birth=student.date_of_birth.year - rng.randint(24, 38),
                    occupation=rng.choice(D.OCCUPATIONS),
                    phone=f"08{rng.randint(10000000, 99999999)}",
                )
            )
        bulk_create_with_history(guardians, Guardian, batch_size=2000)
        by_class: dict[int, list[Student]] = {}
        for student, classroom in zip(students, placement, strict=True):
            by_class.setdefault(classroom.pk, []).append(student)
        return by_class

    def _family_accounts(self, school, classroom, students):
        first = sorted(students, key=lambda s: s.sort_key)[0]
        parent = User(
            username="phuhuynh",
            full_name=first.guardians.get(relationship="mother").full_name,
            email="phuhuynh@example.com",
        )
        parent.set_password(DEMO_PASSWORD)
        parent.mark_password_changed()
        parent.save()
        RoleAssignment.objects.create(user=parent, role=Role.PARENT, school=school)
        # saved one by one: every change of a record with history leaves its history row
        mother = first.guardians.get(relationship="mother")
        mother.user = parent
        mother.save(update_fields=["user"])
        pupil = User(username="hocsinh", full_name=first.full_name)
        pupil.set_password(DEMO_PASSWORD)
        pupil.mark_password_changed()
        pupil.save()
        RoleAssignment.objects.create(user=pupil, role=Role.STUDENT, school=school)
        first.user = pupil
        first.save(update_fields=["user"])

    def _scores(self, rng, year: SchoolYear, classrooms, full: bool):
        """Scores of every class-subject. Partial = term I as of late November: the regular scores but
        the last, and the midterm; full = both terms complete, conduct and absences."""
        scores: list[Score] = []
        column_rows: list[AssessmentColumn] = []
        conducts: list[ConductResult] = []
        absences: list[Absence] = []
        start = year.start_year
        for classroom in classrooms:
            regulation = registry.get(classroom.regulation)
            enrolments = list(classroom.enrolments.all())
            ability = {e.pk: rng.gauss(6.9, 1.25) for e in enrolments}
            for assignment in classroom.assignments.select_related("subject"):
                comment = assignment.subject.kind == Subject.Kind.COMMENT
                count = regulation.regular_count(
                    by_comment=comment,
                    periods_per_year=assignment.periods_per_year,
                    topic_cluster=assignment.topic_cluster,
                )
                for term in (Term.Code.HK1, Term.Code.HK2) if full else (Term.Code.HK1,):
                    base = date(start, 9, 20) if term == Term.Code.HK1 else date(start + 1, 2, 2)
                    columns = [
                        (AssessmentKind.REGULAR, i, base + timedelta(days=14 * (i - 1)))
                        for i in range(1, count + 1)
                    ]
                    columns += [
                        (AssessmentKind.MIDTERM, 1, base + timedelta(days=45)),
                        (AssessmentKind.FINAL, 1, base + timedelta(days=95)),
                    ]
                    if not full:
                        columns = [
                            c
                            for c in columns
                            if c[0] == AssessmentKind.MIDTERM
                            or (c[0] == AssessmentKind.REGULAR and c[1] < count)
                        ]
                    column_rows.extend(
                        AssessmentColumn(
                            assignment=assignment, term=term, kind=kind, index=index, held_on=day
                        )
                        for kind, index, day in columns
                    )
                    # Late November: a quarter of the teachers have not finished entering the latest
                    # regular assessment (the progress board has someone to remind).
                    behind = not full and rng.random() < 0.25
                    for kind, index, held in columns:
                        latest = kind == AssessmentKind.REGULAR and index == count - 1
                        for e in enrolments:
                            if behind and latest and rng.random() < 0.6:
                                continue
                            if comment:
                                level = "CD" if ability[e.pk] + rng.gauss(0, 1) < 3.6 else "D"
                                scores.append(
                                    Score(
                                        assignment=assignment,
                                        enrolment=e,
                                        term=term,
                                        kind=kind,
                                        index=index,
                                        level=level,
                                        held_on=held,
                                    )
                                )
                            else:
                                step = 0.5 if kind == AssessmentKind.REGULAR else 0.25
                                value = clamp_score(rng.gauss(ability[e.pk], 1.1), step)
                                value = Decimal(str(value)).quantize(Decimal("0.1"))
                                scores.append(
                                    Score(
                                        assignment=assignment,
                                        enrolment=e,
                                        term=term,
                                        kind=kind,
                                        index=index,
                                        value=value,
                                        held_on=held,
                                    )
                                )
                if len(scores) > 20000:
                    bulk_create_with_history(scores, Score, batch_size=5000)
                    scores = []
            if full:
                for e in enrolments:
                    a = ability[e.pk]
                    for period in (Term.Code.HK1, Term.Code.HK2):
                        level = "Tốt" if a + rng.gauss(0, 1) > 6.5 else "Khá" if a > 5.2 else "Đạt"
                        conducts.append(ConductResult(enrolment=e, period=period, level=level))
                    days = int(max(0, rng.gauss(4, 4)))
                    for d in rng.sample(range(1, 250), days):
                        day = date(start, 9, 5) + timedelta(days=d)
                        if year.day_off(day):  # a Sunday or a day off: nobody is marked absent
                            continue
                        absences.append(Absence(enrolment=e, date=day, excused=rng.random() < 0.8))
        bulk_create_with_history(scores, Score, batch_size=5000)
        bulk_create_with_history(column_rows, AssessmentColumn, batch_size=5000)
        bulk_create_with_history(conducts, ConductResult, batch_size=5000)
        bulk_create_with_history(absences, Absence, batch_size=5000)
