"""Entry progress (docs/workflows.md §4): for each class-subject, teacher and department,
the share of the assessments due by a date that are entered, and the late entries; for each homeroom
teacher, the months of attendance not confirmed after their due day and the conduct missing for terms
that have ended.

Due = every assessment column held on or before the date (the teacher sets the day each assessment was
held) × every student studying in the class. A handful of aggregate queries for the whole school."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts.models import User
from gradebook.models import (
    AssessmentColumn,
    AttendanceMonth,
    Classroom,
    ConductResult,
    Enrolment,
    SchoolYear,
    Score,
    TeachingAssignment,
    Term,
)
from gradebook.months import add_months, attendance_due, months_between
from gradebook.selectors.locks import LockState, lock_states


@dataclass
class Progress:
    due: int = 0
    entered: int = 0
    late: int = 0

    @property
    def percent(self) -> int:
        return 100 if not self.due else round(100 * min(self.entered, self.due) / self.due)

    @property
    def behind(self) -> int:
        return max(self.due - self.entered, 0)

    def add(self, other: Progress) -> None:
        self.due += other.due
        self.entered += other.entered
        self.late += other.late


@dataclass
class AssignmentProgress:
    assignment: TeachingAssignment
    terms: dict[str, Progress] = field(default_factory=dict)
    total: Progress = field(default_factory=Progress)

    @property
    def behind_term(self) -> str:
        """The first term with scores still to enter (where the grid link should open)."""
        return next((term for term, p in self.terms.items() if p.behind), Term.Code.HK1)


@dataclass(frozen=True)
class Duty:
    """One thing a homeroom teacher owes: a month's attendance to confirm or a term's conduct to enter."""

    text: str
    classroom: Classroom
    kind: str  # "attendance" or "conduct"
    period: str  # the month as 'YYYY-MM', or the term's code
    missing: int = 0  # students without conduct


@dataclass
class TeacherProgress:
    teacher: User | None
    assignments: list[AssignmentProgress] = field(default_factory=list)
    total: Progress = field(default_factory=Progress)
    duties: list[Duty] = field(default_factory=list)  # what the homeroom teacher owes

    @property
    def homeroom(self) -> list[str]:
        return [d.text for d in self.duties]


def entry_progress(
    school_year: SchoolYear, today: date, *, department_ids: set[int] | None = None, teacher=None
) -> dict:
    """The board for the school, a set of departments, or one teacher (their to-do list)."""
    assignments = TeachingAssignment.objects.filter(classroom__school_year=school_year).select_related(
        "classroom", "subject__department", "teacher"
    )
    if department_ids is not None:
        assignments = assignments.filter(subject__department_id__in=department_ids)
    if teacher is not None:
        assignments = assignments.filter(teacher=teacher)
    ordered_assignments = list(assignments.order_by("classroom__grade", "classroom__name", "subject__order"))
    per_term, studying = _term_progress(
        school_year, today, [(a.pk, a.classroom_id) for a in ordered_assignments]
    )
    teachers: dict[int | None, TeacherProgress] = {}
    departments: dict[str, Progress] = defaultdict(Progress)
    school = Progress()
    for assignment in ordered_assignments:
        row = AssignmentProgress(assignment)
        for term, progress in per_term[assignment.pk].items():
            row.terms[term] = progress
            row.total.add(progress)
        entry = teachers.setdefault(assignment.teacher_id, TeacherProgress(assignment.teacher))
        entry.assignments.append(row)
        entry.total.add(row.total)
        department = assignment.subject.department.name if assignment.subject.department else "—"
        departments[department].add(row.total)
        school.add(row.total)

    if department_ids is None:
        _homeroom_duties(school_year, today, teachers, studying, teacher)
    ordered = sorted(
        teachers.values(), key=lambda t: (-t.total.behind, t.teacher.full_name if t.teacher else "")
    )
    return {"teachers": ordered, "departments": sorted(departments.items()), "school": school, "today": today}


def school_progress(school_year: SchoolYear, today: date) -> Progress:
    """The school's line of the board alone (`entry_progress(…)["school"]`): what the principal's inbox
    and the offices' list of schools show, without the teachers', departments' and homeroom duties'."""
    assignments = TeachingAssignment.objects.filter(classroom__school_year=school_year)
    per_term, _studying = _term_progress(
        school_year, today, list(assignments.values_list("pk", "classroom_id"))
    )
    school = Progress()
    for terms in per_term.values():
        for progress in terms.values():
            school.add(progress)
    return school


def _term_progress(
    school_year: SchoolYear, today: date, assignments: list[tuple[int, int]]
) -> tuple[dict[int, dict[str, Progress]], dict[int, int]]:
    """({class-subject: {term: progress}}, {class: students studying}) for these (class-subject, class)
    pairs: due = the columns held by `today` × the students studying; entered counts a column's cells
    up to the class's size."""
    ids = [pk for pk, _classroom in assignments]
    studying = dict(
        Enrolment.objects.filter(classroom__school_year=school_year, status=Enrolment.Status.STUDYING)
        .values("classroom_id")
        .annotate(n=Count("pk"))
        .values_list("classroom_id", "n")
    )
    held = defaultdict(set)  # (assignment, term) → {(kind, index)} held by today
    for assignment_id, term, kind, index in AssessmentColumn.objects.filter(
        assignment_id__in=ids, held_on__lte=today
    ).values_list("assignment_id", "term", "kind", "index"):
        held[(assignment_id, term)].add((kind, index))
    counts = {}
    for assignment_id, term, kind, index, entered, late in (
        Score.objects.filter(assignment_id__in=ids, enrolment__status=Enrolment.Status.STUDYING)
        .filter(Q(value__isnull=False) | ~Q(level=""))
        .values("assignment_id", "term", "kind", "index")
        .annotate(entered=Count("pk"), late=Count("pk", filter=Q(late=True)))
        .values_list("assignment_id", "term", "kind", "index", "entered", "late")
    ):
        counts[(assignment_id, term, kind, index)] = (entered, late)
    per_term: dict[int, dict[str, Progress]] = {}
    for pk, classroom_id in assignments:
        students = studying.get(classroom_id, 0)
        per_term[pk] = {}
        for term in (Term.Code.HK1, Term.Code.HK2):
            progress = Progress()
            for kind, index in held.get((pk, term), ()):
                entered, late = counts.get((pk, term, kind, index), (0, 0))
                progress.due += students
                progress.entered += min(entered, students)
                progress.late += late
            per_term[pk][term] = progress
    return per_term, studying


def _homeroom_duties(
    school_year: SchoolYear, today: date, teachers: dict, studying: dict[int, int], teacher=None
) -> None:
    """What each homeroom teacher owes; `studying` is the number of students per class."""
    classrooms = Classroom.objects.filter(school_year=school_year).select_related(
        "homeroom_teacher", "school_year__school"
    )
    if teacher is not None:
        classrooms = classrooms.filter(homeroom_teacher=teacher)
    classes = list(classrooms)
    if not classes:
        return
    # one teacher's to-do list reads their classes only, the board the whole school
    scope = {"classroom__in": classes} if teacher is not None else {}
    confirmed = set(
        AttendanceMonth.objects.filter(classroom__school_year=school_year, **scope).values_list(
            "classroom_id", "month"
        )
    )
    terms = list(Term.objects.filter(school_year=school_year))
    ended_terms = [t.code for t in terms if t.end_date < today]
    closed = month_closed(terms, classes)
    per_class_period: defaultdict[tuple[int, str], int] = defaultdict(int)
    for classroom_id, period in ConductResult.objects.filter(
        enrolment__classroom__school_year=school_year,
        enrolment__status=Enrolment.Status.STUDYING,
        period__in=ended_terms,
        **{f"enrolment__{k}": v for k, v in scope.items()},
    ).values_list("enrolment__classroom_id", "period"):
        per_class_period[(classroom_id, period)] += 1
    for classroom in classes:
        if classroom.homeroom_teacher is None:
            continue
        duties = []
        for month in months_between(school_year.start_date, min(today, school_year.end_date)):
            if (
                (classroom.pk, month) not in confirmed
                and attendance_due(classroom, month) <= today
                and not closed(classroom, month)  # a locked month cannot be confirmed any more
            ):
                text = _("%(class)s: attendance of %(month)s not confirmed") % {
                    "class": classroom.name,
                    "month": month.strftime("%m/%Y"),
                }
                duties.append(Duty(text, classroom, "attendance", month.strftime("%Y-%m")))
        for term in ended_terms:
            missing = studying.get(classroom.pk, 0) - per_class_period[(classroom.pk, term)]
            if missing > 0:
                text = _("%(class)s: conduct of %(term)s missing for %(n)d students") % {
                    "class": classroom.name,
                    "term": Term.Code(term).label,
                    "n": missing,
                }
                duties.append(Duty(text, classroom, "conduct", term, missing))
        if duties:
            entry = teachers.setdefault(
                classroom.homeroom_teacher_id, TeacherProgress(classroom.homeroom_teacher)
            )
            entry.duties.extend(duties)


def month_closed(terms: list[Term], classrooms: list[Classroom]):
    """A test (classroom, month) → whether the month's attendance is closed now, by the rule the writes
    follow (`selectors.locks.lock_state`: the locks in force and the approved results of the term, the
    month locks up to their day): every day of the month inside a term is closed. The state of every
    class in a term is read at once (`lock_states`), and only for a term whose months are still owed."""
    states: dict[str, dict[int, LockState]] = {}

    def closed(classroom: Classroom, month: date) -> bool:
        last = add_months(month, 1) - timedelta(days=1)
        overlapping = [t for t in terms if t.start_date <= last and month <= t.end_date]
        for term in overlapping:
            if term.code not in states:
                states[term.code] = lock_states(classrooms, term.code)
            state = states[term.code][classroom.pk]
            if not (state.closed or (state.month_until and state.month_until >= min(last, term.end_date))):
                return False
        return bool(overlapping)

    return closed


def snapshot_data(data: dict) -> dict:
    """What a monthly snapshot keeps of the board: per teacher and department, due / entered / late."""

    def numbers(p: Progress) -> dict:
        return {"due": p.due, "entered": p.entered, "late": p.late, "percent": p.percent}

    return {
        "school": numbers(data["school"]),
        "teachers": {
            str(t.teacher.uuid): {"name": t.teacher.full_name, **numbers(t.total)}
            for t in data["teachers"]
            if t.teacher is not None
        },
        "departments": {name: numbers(p) for name, p in data["departments"]},
    }
