"""The summer sheet: students to retest or to train in the summer, what they may retest, what was
entered, and the final decision the engine gives after the summer (TT22 Điều 12–14; TT58 Điều 16–17)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gradebook.cells import display_value
from gradebook.models import AssessmentKind, Classroom, ConductResult, Enrolment, Score, Subject
from gradebook.regulations import registry
from gradebook.regulations.base import RuleError
from gradebook.selectors.class_results import DECISIONS
from gradebook.selectors.results import compute_results, rule_options

SUMMER_DECISIONS = {"kiem_tra_lai", "ren_luyen_he", "ren_luyen_he_va_kiem_tra_lai"}


@dataclass
class SummerRow:
    enrolment: Enrolment
    decision: str  # before the summer
    eligible: list[str] = field(default_factory=list)  # subject names to retest
    subjects: list[dict] = field(default_factory=list)  # {id, name, year, retest}
    needs_training: bool = False
    conduct_after: str = ""
    final: str = ""  # after the summer, as the lists name it ("" while incomplete)
    final_code: str = ""  # the engine's decision after the summer
    academic_after: str = ""  # the year's academic and conduct results after the summer (học bạ, class book)
    conduct_year_after: str = ""
    explanation: str = ""


def summer_sheet(classroom: Classroom, results: dict | None = None) -> dict:
    """`results`: the class's compute_results when the caller already has them."""
    rules = registry.get(classroom.regulation)
    if results is None:
        results = compute_results(classroom.school_year, [classroom])
    # (enrolment, subject) → (as shown, as the engine takes it)
    retests = {
        (enrolment_id, subject_id): (display_value(value, level), value if value is not None else level)
        for enrolment_id, subject_id, value, level in Score.objects.filter(
            assignment__classroom=classroom, kind=AssessmentKind.RETEST
        ).values_list("enrolment_id", "assignment__subject_id", "value", "level")
    }
    summer_conduct = dict(
        ConductResult.objects.filter(
            enrolment__classroom=classroom, period=ConductResult.Period.SUMMER
        ).values_list("enrolment_id", "level")
    )
    rows = []
    for enrolment in (
        Enrolment.objects.filter(classroom=classroom, status=Enrolment.Status.STUDYING)
        .select_related("student")
        .order_by("student__sort_key")
    ):
        student = results.get(enrolment.pk)
        if student is None or student.decision not in SUMMER_DECISIONS:
            continue
        scored = {
            s.subject_name: s.value("year") for s in student.subjects.values() if s.kind == Subject.Kind.SCORE
        }
        commented = {
            s.subject_name: s.value("year")
            for s in student.subjects.values()
            if s.kind == Subject.Kind.COMMENT
        }
        row = SummerRow(enrolment, str(DECISIONS.get(student.decision, student.decision)))
        row.needs_training = student.decision in (rules.SUMMER_TRAINING, rules.SUMMER_TRAINING_AND_RETEST)
        row.conduct_after = summer_conduct.get(enrolment.pk, "")
        options = rule_options(student, student.specialized_subject)
        facts = {
            "grade": classroom.grade,
            "conduct_year": student.conduct["year"],
            "absent_sessions": student.absent_sessions,
            "scored": scored,
            "commented": commented,
            **options,
        }
        # who may retest at all, as the engine decides it from the year's results: a student sent to
        # summer training first is listed for retests only once their conduct has been re-assessed as
        # passing (TT22 Điều 13–14; TT58 Điều 16–17)
        probe = rules.after_summer(
            **facts,
            summer_training_completed=True if row.needs_training and row.conduct_after else None,
            conduct_reassessed=row.conduct_after or None,
        )
        row.eligible = probe["eligible_retest_subjects"]
        retest_values: dict[str, Any] = {}
        for subject in student.subjects.values():
            if subject.subject_name in row.eligible:
                typed, raw = retests.get((enrolment.pk, subject.subject_id), ("", None))
                row.subjects.append(
                    {
                        "id": subject.subject_id,
                        "name": subject.subject_name,
                        "year": display_value(subject.value("year"), "")
                        if subject.kind == Subject.Kind.SCORE
                        else subject.value("year"),
                        "retest": typed,
                    }
                )
                if raw is not None:
                    retest_values[subject.subject_name] = {"D": "Đ", "CD": "CĐ"}.get(str(raw), raw)
        complete = len(retest_values) == len(row.eligible) and (not row.needs_training or row.conduct_after)
        if complete:
            try:
                after = rules.after_summer(
                    **facts,
                    retest=retest_values or None,
                    summer_training_completed=True if row.needs_training else None,
                    conduct_reassessed=row.conduct_after or None,
                )
            except RuleError as exc:
                row.explanation = str(exc)
            else:
                row.final_code = after["decision"]
                row.academic_after = after["academic_year_after"] or ""
                row.conduct_year_after = after["conduct_year_after"] or ""
                row.final = str(DECISIONS.get(after["decision"], after["decision"]))
                row.explanation = after["explanation"].text
        rows.append(row)
    return {"rows": rows, "levels": rules.conduct_levels}


def final_decisions(school_year, classrooms=None) -> dict[int, str]:
    """Each studying enrolment's decision for the year, the one after the summer for a student sent to
    a retest or summer training ("" while that is not complete, or while the year has no result)."""
    results = compute_results(school_year, classrooms)
    decisions = {enrolment_id: result.decision or "" for enrolment_id, result in results.items()}
    summer_classes = {r.classroom_id for r in results.values() if r.decision in SUMMER_DECISIONS}
    for classroom in Classroom.objects.filter(pk__in=summer_classes):
        for row in summer_sheet(classroom, results)["rows"]:
            decisions[row.enrolment.pk] = row.final_code
    return decisions
