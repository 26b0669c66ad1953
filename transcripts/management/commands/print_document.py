"""manage.py print_document — one printed form as the pages print it, for IT staff and scheduled jobs.

    manage.py print_document --school THCS-LQD --kind class_book --class 6A1 --output 6A1.pdf
    manage.py print_document --school THCS-LQD --kind results_summary --class 6A1 --term HK1 --output x.pdf
    manage.py print_document --school THCS-LQD --kind transcript --student 0100000001 --output hb.pdf
    manage.py print_document --school THCS-LQD --kind teacher_book --teacher gvbm --output gv.pdf
    manage.py print_document --school THCS-LQD --kind register --output so-dang-bo.pdf

The document is issued like one printed from the pages (kept, versioned, in the audit trail, signable),
by the account given with --user (default: the school's clerk, else its admin board), who must be allowed
to print it. The year is the school's current one unless --year.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts import authz
from accounts.authz import Action
from accounts.models import Role, RoleAssignment, School, User
from audit.models import AuditEvent
from audit.services import record
from gradebook.models import Classroom, SchoolYear, Student
from transcripts.documents import Kind, Target, issue


class Command(BaseCommand):
    help = "Print one document of a school to a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True)
        parser.add_argument("--kind", required=True, choices=Kind.values)
        parser.add_argument("--class", dest="classroom", help="the class's name, e.g. 6A1")
        parser.add_argument("--term", choices=["HK1", "HK2", "year"], help="results_summary: the period")
        parser.add_argument("--student", help="transcript: the student's UUID or Ministry id")
        parser.add_argument("--teacher", help="teacher_book: the teacher's username")
        parser.add_argument("--blank", action="store_true", help="teacher_book: the blank book of the year")
        parser.add_argument("--year", type=int, help="start year; default: the school's current year")
        parser.add_argument("--user", help="print as this account (clerk, admin board, principal)")
        parser.add_argument("--output", required=True, type=Path)

    def handle(self, *args, **o):
        school = School.objects.filter(code=o["school"]).first()
        if school is None:
            raise CommandError(f"No school with the code {o['school']}.")
        years = SchoolYear.objects.filter(school=school)
        year = (
            years.filter(start_year=o["year"]).first() if o["year"] else years.filter(is_current=True).first()
        )
        if year is None:
            raise CommandError(f"{school.code} has no school year {o['year'] or '(current)'}.")
        user = self._user(school, o["user"])
        target = self._target(school, year, o)
        allowed = authz.can(user, Action.PRINT_BOOKS, school) or (
            target.classroom is not None and authz.can(user, Action.PRINT_CLASS_BOOKS, target.classroom)
        )
        if not allowed:
            raise CommandError(f"{user.username} may not print this document.")
        document = issue(target, user=user)
        with document.file.open("rb") as f:
            data = f.read()
        o["output"].write_bytes(data)
        record(
            AuditEvent.Action.PDF, actor=user, school=school, obj=document, form=target.kind, bytes=len(data)
        )
        self.stdout.write(
            f"{document.title}: {document.pages} pages, document {document.uuid} → {o['output']}"
        )

    def _user(self, school: School, username: str | None) -> User:
        holders = RoleAssignment.objects.filter(school=school).select_related("user")
        if username:
            found = holders.filter(user__username=username).first()
        else:
            found = holders.filter(role=Role.CLERK).first() or holders.filter(role=Role.ADMIN_BOARD).first()
        if found is None:
            raise CommandError(f"{username or 'No clerk or admin board'} in {school.code}.")
        return found.user

    def _target(self, school: School, year: SchoolYear, o) -> Target:
        kind = o["kind"]
        classroom = None
        if kind in (Kind.CLASS_BOOK, Kind.RESULTS_SUMMARY):
            classroom = Classroom.objects.filter(school_year=year, name=o["classroom"] or "").first()
            if classroom is None:
                raise CommandError(f"Give --class: a class of {year} (no class {o['classroom']}).")
        if kind == Kind.RESULTS_SUMMARY and not o["term"]:
            raise CommandError("Give --term HK1, HK2 or year.")
        student = teacher = None
        if kind == Kind.TRANSCRIPT:
            value = (o["student"] or "").strip()
            students = Student.objects.filter(school=school)
            student = students.filter(moet_code=value).first() if value else None
            if student is None and len(value) == 36:
                student = students.filter(uuid=value).first()
            if student is None:
                raise CommandError(f"Give --student: the UUID or Ministry id of a student of {school.code}.")
        if kind == Kind.TEACHER_BOOK:
            teacher = User.objects.filter(username=o["teacher"] or "").first()
            if (
                teacher is None
                or not teacher.teaching_assignments.filter(classroom__school_year=year).exists()
            ):
                raise CommandError(f"Give --teacher: the username of a teacher of {year}.")
        return Target(
            kind,
            school,
            year,
            classroom=classroom,
            student=student,
            teacher=teacher,
            period=o["term"] or "",
            blank=o["blank"],
        )
