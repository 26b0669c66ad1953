"""Year rollover: next year's classes from this year's, every student where the year's decision sends
them (TT22 Điều 14, TT58 Điều 16: promoted students move up a grade, retained students stay in the
grade, students who completed the programme leave). Only classes whose year results the principal
approved are moved; the others, and students whose retest or summer training is not complete yet, wait
and move on a later run. Running it again changes nothing that was done (idempotent)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts import authz
from accounts.authz import Action
from accounts.models import User
from audit.models import AuditEvent
from audit.services import record
from gradebook import freshness
from gradebook.models import (
    Classroom,
    Enrolment,
    GradeSubject,
    LeavingReason,
    ResultsApproval,
    SchoolYear,
    Student,
    Term,
)
from gradebook.selectors.summer import final_decisions
from gradebook.services.structure import StructureError, create_classroom, set_homeroom_teacher

PROMOTE, RETAIN, GRADUATE, WAIT, PLACED = "promote", "retain", "graduate", "wait", "placed"


@dataclass
class Move:
    enrolment: Enrolment
    action: str
    to_class: str = ""  # the name of next year's class
    why: str = ""  # for a student who waits


@dataclass
class NewClass:
    grade: int
    name: str
    homeroom: User | None = None
    source: str = ""  # this year's class it continues
    exists: bool = False
    size: int = 0  # students it will hold after the rollover


@dataclass
class Plan:
    year: SchoolYear
    next_start: int
    next_year: SchoolYear | None
    classes: list[NewClass] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    unapproved: list[str] = field(default_factory=list)

    @property
    def next_name(self) -> str:
        return f"{self.next_start}-{self.next_start + 1}"

    @property
    def counts(self) -> Counter:
        return Counter(m.action for m in self.moves)


def next_class_name(name: str, grade: int) -> str:
    """6A1 → 7A1; a name that does not start with its grade gets the new grade in front."""
    prefix = str(grade)
    if name.startswith(prefix) and not name[len(prefix) : len(prefix) + 1].isdigit():
        return f"{grade + 1}{name[len(prefix) :]}"
    return f"{grade + 1}{re.sub(r'^\d+', '', name)}"


def plan(year: SchoolYear) -> Plan:
    school = year.school
    grades = list(school.grades)
    next_year = SchoolYear.objects.filter(school=school, start_year=year.start_year + 1).first()
    result = Plan(year=year, next_start=year.start_year + 1, next_year=next_year)
    placed = set(
        Enrolment.objects.filter(
            classroom__school_year=next_year, status=Enrolment.Status.STUDYING
        ).values_list("student_id", flat=True)
        if next_year
        else []
    )
    classrooms = list(
        Classroom.objects.filter(school_year=year)
        .select_related("homeroom_teacher")
        .order_by("grade", "name")
    )
    approved = set(
        ResultsApproval.objects.filter(
            classroom__school_year=year,
            period=ResultsApproval.Period.YEAR,
            status=ResultsApproval.Status.APPROVED,
        ).values_list("classroom_id", flat=True)
    )
    result.unapproved = [c.name for c in classrooms if c.pk not in approved]
    decisions = final_decisions(year, [c for c in classrooms if c.pk in approved])
    # next year's classes: each class continues one grade up; the first grade's names take the new intake
    wanted: dict[tuple[int, str], NewClass] = {}
    for c in classrooms:
        if c.grade < grades[-1]:
            key = (c.grade + 1, next_class_name(c.name, c.grade))
            wanted.setdefault(key, NewClass(*key, homeroom=c.homeroom_teacher, source=c.name))
        if c.grade == grades[0]:
            wanted.setdefault((c.grade, c.name), NewClass(c.grade, c.name))
    by_class = {c.pk: c for c in classrooms}
    for e in (
        Enrolment.objects.filter(classroom__in=classrooms, status=Enrolment.Status.STUDYING)
        .select_related("student")
        .order_by("classroom__grade", "classroom__name", "student__sort_key")
    ):
        c = by_class[e.classroom_id]
        e.classroom = c
        if e.student_id in placed:
            result.moves.append(Move(e, PLACED))
            continue
        if e.student.left_on is not None:
            result.moves.append(Move(e, GRADUATE))
            continue
        if c.pk not in approved:
            result.moves.append(Move(e, WAIT, why=_("the class's year results are not approved")))
            continue
        decision = decisions.get(e.pk, "")
        if decision == "hoan_thanh_chuong_trinh" or (decision == "len_lop" and c.grade == grades[-1]):
            result.moves.append(Move(e, GRADUATE))
        elif decision == "len_lop":
            key = (c.grade + 1, next_class_name(c.name, c.grade))
            result.moves.append(Move(e, PROMOTE, to_class=key[1]))
        elif decision == "khong_len_lop":
            key = (c.grade, c.name)
            wanted.setdefault(key, NewClass(*key))
            result.moves.append(Move(e, RETAIN, to_class=c.name))
        else:
            result.moves.append(Move(e, WAIT, why=_("the retest or summer training is not complete")))
    existing = (
        set(Classroom.objects.filter(school_year=next_year).values_list("name", flat=True))
        if next_year
        else set()
    )
    sizes = Counter(m.to_class for m in result.moves if m.action in (PROMOTE, RETAIN))
    if next_year:
        sizes.update(
            Enrolment.objects.filter(
                classroom__school_year=next_year, status=Enrolment.Status.STUDYING
            ).values_list("classroom__name", flat=True)
        )
    for key in sorted(wanted):
        new = wanted[key]
        new.exists = new.name in existing
        new.size = sizes[new.name]
        result.classes.append(new)
    return result


def _shift(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29/02
        return d.replace(year=d.year + 1, day=28)


@transaction.atomic
def apply(actor: User, year: SchoolYear, *, make_current: bool = False) -> Plan:
    """Carry out the plan; what an earlier run did is left as it is."""
    school = year.school
    authz.check(actor, Action.MANAGE_SCHOOL_DATA, school)
    # one rollover of a school at a time
    list(SchoolYear.objects.select_for_update().filter(school=school).values_list("pk", flat=True))
    next_year, created = SchoolYear.objects.get_or_create(
        school=school,
        start_year=year.start_year + 1,
        defaults={"start_date": _shift(year.start_date), "end_date": _shift(year.end_date)},
    )
    if created:
        for term in year.terms.all():
            Term.objects.create(
                school_year=next_year,
                code=term.code,
                start_date=_shift(term.start_date),
                end_date=_shift(term.end_date),
                final_tests_from=_shift(term.final_tests_from) if term.final_tests_from else None,
            )
        GradeSubject.objects.bulk_create(
            GradeSubject(
                school_year=next_year,
                grade=g.grade,
                subject_id=g.subject_id,
                periods_per_year=g.periods_per_year,
                taught_terms=g.taught_terms,
            )
            for g in GradeSubject.objects.filter(school_year=year)
        )
    the_plan = plan(year)
    classes = {c.name: c for c in Classroom.objects.filter(school_year=next_year)}
    for new in the_plan.classes:
        if new.name in classes:
            continue
        classroom = create_classroom(actor, next_year, new.grade, new.name)
        if new.homeroom is not None and new.homeroom.is_active:
            try:
                set_homeroom_teacher(actor, classroom, new.homeroom)
            except StructureError:  # no longer on the staff: the admin board chooses another
                pass
        classes[new.name] = classroom
    enrolments = []
    for move in the_plan.moves:
        if move.action in (PROMOTE, RETAIN):
            enrolments.append(
                Enrolment(
                    student_id=move.enrolment.student_id,
                    classroom=classes[move.to_class],
                    start_date=next_year.start_date,
                )
            )
    bulk_create_with_history(enrolments, Enrolment, default_user=actor, default_change_reason="Lên lớp")
    freshness.touched(classrooms={e.classroom_id for e in enrolments})  # bulk: no signal
    graduates = [m.enrolment.student_id for m in the_plan.moves if m.action == GRADUATE]
    for student in Student.objects.filter(pk__in=graduates, left_on__isnull=True):
        student.left_on, student.leaving_reason = year.end_date, LeavingReason.GRADUATED
        student.save(update_fields=["left_on", "leaving_reason", "sort_key"])
    if make_current and not next_year.is_current:
        SchoolYear.objects.filter(school=school, is_current=True).update(is_current=False)
        next_year.is_current = True
        next_year.save(update_fields=["is_current"])
    counts = the_plan.counts
    record(
        AuditEvent.Action.ROLLOVER,
        actor=actor,
        school=school,
        obj=next_year,
        promoted=counts[PROMOTE],
        retained=counts[RETAIN],
        graduated=counts[GRADUATE],
        waiting=counts[WAIT],
    )
    the_plan.next_year = next_year
    return the_plan
