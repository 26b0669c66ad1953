"""Every result of a school year computed from the database in bulk.

A handful of queries load plain tuples for the whole year (or some classes); the regulation engine
then works on plain data, with no query per student. Used by the class results pages, the lists,
the statistics and bench/results.py.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, IntegerField, Q
from django.db.models.functions import Cast, Round

from gradebook.models import (
    Absence,
    AssessmentKind,
    Classroom,
    ConductResult,
    Enrolment,
    Exemption,
    SchoolYear,
    Score,
    Subject,
    TaughtTerms,
    TeachingAssignment,
    Term,
)
from gradebook.regulations import registry
from gradebook.regulations.base import (
    EXEMPT,
    FAIL,
    PASS,
    TENTHS,
    AverageResult,
    CommentResult,
    Explanation,
    LevelResult,
)
from gradebook.regulations.regulation import Regulation

TERMS = (Term.Code.HK1.value, Term.Code.HK2.value)
_LEVEL_TO_TEXT = {"D": PASS, "CD": FAIL}


@dataclass
class SubjectResult:
    subject_id: int
    subject_name: str
    kind: str
    terms: dict[str, AverageResult | CommentResult] = field(default_factory=dict)  # the terms taught
    year: AverageResult | CommentResult | None = None
    taught: tuple[int, ...] = (1, 2)
    role: str = ""

    def value(self, period: str):
        """The average (Decimal) or Đ/CĐ of a term or the year; None while not computable."""
        result = self.year if period == "year" else self.terms.get(period)
        if result is None:
            return None
        if isinstance(result, AverageResult):
            return result.value
        return result.result if result.complete else None

    def engine_value(self, period: str):
        """Like value(), with averages in tenths (what the engine takes fastest)."""
        result = self.year if period == "year" else self.terms.get(period)
        if isinstance(result, AverageResult):
            return result.tenths
        return self.value(period)


@dataclass
class StudentResult:
    enrolment_id: int
    classroom_id: int
    regulation: str
    subjects: dict[int, SubjectResult] = field(default_factory=dict)
    academic: dict[str, LevelResult] = field(default_factory=dict)  # HK1, HK2, year
    conduct: dict[str, str] = field(default_factory=dict)  # HK1, HK2, year (entered or derived)
    absent_sessions: int = 0
    decision: str | None = None
    honour: str | None = None
    specialized_subject: str | None = None  # lớp chuyên: the specialised subject's name


def _score_value(kind: str, value, level):
    if kind == Subject.Kind.COMMENT:
        return _LEVEL_TO_TEXT.get(level)
    return value


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while building many small acyclic objects.

    A school year is ~10⁵ results; with the collector on, its repeated full passes over them cost
    as much as the computation itself. Reference counting still frees everything; the collector's
    previous state is restored afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compute_results(
    school_year: SchoolYear, classrooms: Iterable[Classroom] | None = None, *, also: Iterable[int] = ()
) -> dict[int, StudentResult]:
    """Results of every studying student of the given classes (default: the whole year), and of the
    enrolments `also` names whatever their status (the học bạ of a student who left mid-year shows
    what they had at this school)."""
    with _gc_paused():
        return _compute_results(school_year, classrooms, list(also))


def _compute_results(
    school_year: SchoolYear, classrooms: Iterable[Classroom] | None, also: list[int]
) -> dict[int, StudentResult]:
    class_qs = Classroom.objects.filter(school_year=school_year)
    if classrooms is not None:
        class_qs = class_qs.filter(pk__in=[c.pk for c in classrooms])
    class_rows = {
        pk: (grade, regulation) for pk, grade, regulation in class_qs.values_list("pk", "grade", "regulation")
    }
    # lớp chuyên: the specialised subject's name (TT58 Điều 13)
    specialized = dict(
        class_qs.filter(specialized_subject__isnull=False).values_list("pk", "specialized_subject__name")
    )
    class_ids = list(class_rows)

    enrolments = list(
        Enrolment.objects.filter(classroom_id__in=class_ids)
        .filter(Q(status=Enrolment.Status.STUDYING) | Q(pk__in=also))
        .values_list("pk", "classroom_id")
    )
    enrolment_class = dict(enrolments)
    # (assignment id) → (classroom id, subject id, subject name, kind, periods, taught terms, role,
    # learning-topic cluster)
    assignments: dict[int, Any] = {
        pk: tuple(rest)
        for pk, *rest in TeachingAssignment.objects.filter(classroom_id__in=class_ids).values_list(
            "pk",
            "classroom_id",
            "subject_id",
            "subject__name",
            "subject__kind",
            "periods_per_year",
            "taught_terms",
            "subject__role",
            "topic_cluster",
        )
    }
    # cells[(enrolment, assignment, term)] = [{index: regular}, midterm, final]
    cells: dict[tuple[int, int, str], list] = {}
    position: dict[str, int] = {AssessmentKind.MIDTERM: 1, AssessmentKind.FINAL: 2}
    for enrolment_id, assignment_id, term, kind, index, value, level in (
        Score.objects.filter(assignment_id__in=list(assignments), enrolment_id__in=list(enrolment_class))
        .annotate(tenths=Cast(Round(F("value") * 10), IntegerField()))
        .values_list("enrolment_id", "assignment_id", "term", "kind", "index", "tenths", "level")
    ):
        v = TENTHS[value] if value is not None else _LEVEL_TO_TEXT.get(level)
        if v is None:
            continue
        key = (enrolment_id, assignment_id, term)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = [{}, None, None]
        if kind == AssessmentKind.REGULAR:
            cell[0][index] = v
        elif kind in position:
            cell[position[kind]] = v
    exemptions: defaultdict[tuple[int, int], set[str]] = defaultdict(set)
    for enrolment_id, subject_id, scope in Exemption.objects.filter(
        enrolment_id__in=list(enrolment_class)
    ).values_list("enrolment_id", "subject_id", "scope"):
        exemptions[(enrolment_id, subject_id)].add(scope)
    conduct: defaultdict[int, dict[str, str]] = defaultdict(dict)
    for enrolment_id, period, level in ConductResult.objects.filter(
        enrolment_id__in=list(enrolment_class)
    ).values_list("enrolment_id", "period", "level"):
        conduct[enrolment_id][period] = level
    absences: defaultdict[int, int] = defaultdict(int)
    for enrolment_id in Absence.objects.filter(enrolment_id__in=list(enrolment_class)).values_list(
        "enrolment_id", flat=True
    ):
        absences[enrolment_id] += 1

    by_class_assignments: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
    for assignment_id, (
        classroom_id,
        _subject_id,
        _name,
        kind,
        periods,
        _taught,
        _role,
        topic_cluster,
    ) in assignments.items():
        rules = registry.get(class_rows[classroom_id][1])
        required = rules.regular_count(
            by_comment=kind == Subject.Kind.COMMENT, periods_per_year=periods, topic_cluster=topic_cluster
        )
        by_class_assignments[classroom_id].append((assignment_id, required))
    empty: list[Any] = [{}, None, None]

    results: dict[int, StudentResult] = {}
    for enrolment_id, classroom_id in enrolments:
        grade, code = class_rows[classroom_id]
        rules = registry.get(code)
        student = StudentResult(enrolment_id, classroom_id, code, absent_sessions=absences[enrolment_id])
        for assignment_id, required in by_class_assignments[classroom_id]:
            _, subject_id, name, kind, periods, taught_terms, role, _cluster = assignments[assignment_id]
            taught = TaughtTerms.numbers(taught_terms)
            subject = SubjectResult(subject_id, name, kind, taught=taught, role=role)
            exempt = exemptions.get((enrolment_id, subject_id), ())
            for number, term in enumerate(TERMS, start=1):
                if number not in taught:
                    continue  # not taught this term: no result, not in the term's level
                cell = cells.get((enrolment_id, assignment_id, term), empty)
                subject.terms[term] = _term_result(
                    rules, kind, periods, required, cell, term in exempt or "year" in exempt
                )
            subject.year = _year_result(rules, kind, subject)
            student.subjects[subject_id] = subject
        _student_levels(rules, grade, student, conduct[enrolment_id], specialized.get(classroom_id))
        results[enrolment_id] = student
    return results


def _term_result(rules: Regulation, kind: str, periods: int, required: int, cell, exempt_term: bool):
    regular_map, midterm, final = cell
    count = max(required, max(regular_map, default=0))
    regular = [regular_map.get(i) for i in range(1, count + 1)]
    if kind == Subject.Kind.COMMENT:
        if exempt_term and rules.exemption_removes_subject:
            return CommentResult(EXEMPT, True, Explanation("TT58 Điều 12", "Miễn"))
        return rules.comment_term_result(
            regular=regular, midterm=midterm, final=final, required_regular_count=count
        )
    return rules.term_average(regular, midterm, final, periods_per_year=periods)


def _year_result(rules: Regulation, kind: str, subject: SubjectResult):
    t1, t2 = subject.terms.get(Term.Code.HK1), subject.terms.get(Term.Code.HK2)
    if kind == Subject.Kind.COMMENT:
        c1 = t1 if isinstance(t1, CommentResult) else None
        c2 = t2 if isinstance(t2, CommentResult) else None
        return rules.comment_year_result(
            c1.result if c1 is not None and c1.complete else None,
            c2.result if c2 is not None and c2.complete else None,
            taught_terms=subject.taught,
        )
    a1 = t1 if isinstance(t1, AverageResult) else None
    a2 = t2 if isinstance(t2, AverageResult) else None
    return rules.year_average(
        a1.value if a1 is not None else None,
        a2.value if a2 is not None else None,
        taught_terms=subject.taught,
    )


def rule_options(student: StudentResult, specialized: str | None = None) -> dict:
    """What the engine needs besides the results: the subjects' roles from the curriculum and the
    class's specialised subject (TT58 Điều 13)."""
    return {
        "roles": {s.subject_name: s.role or None for s in student.subjects.values()},
        "specialized_subject": specialized,
    }


def _student_levels(
    rules: Regulation, grade: int, student: StudentResult, conduct: dict[str, str], specialized: str | None
) -> None:
    student.specialized_subject = specialized
    options = rule_options(student, specialized)
    for number, period in enumerate((*TERMS, "year"), start=1):
        scored: dict[str, Decimal | None] = {}
        commented: dict[str, str | None] = {}
        for subject in student.subjects.values():
            if period != "year" and number not in subject.taught:
                continue
            value = subject.engine_value(period)
            if subject.kind == Subject.Kind.COMMENT:
                commented[subject.subject_name] = value
            else:
                scored[subject.subject_name] = value
        student.academic[period] = rules.academic_result(scored, commented, **options)
    student.conduct = dict(conduct)
    if "year" not in student.conduct and Term.Code.HK1 in conduct and Term.Code.HK2 in conduct:
        student.conduct["year"] = rules.conduct_year(conduct[Term.Code.HK1], conduct[Term.Code.HK2])
    academic_year = student.academic["year"].level
    conduct_year = student.conduct.get("year")
    if academic_year is None or conduct_year is None:
        return
    student.decision = rules.promotion(conduct_year, academic_year, student.absent_sessions, grade).decision
    year_averages = {
        s.subject_name: s.value("year") for s in student.subjects.values() if s.kind == Subject.Kind.SCORE
    }
    student.honour = rules.honour(conduct_year, academic_year, year_averages).decision
