"""A student's record of the current year as the family sees it: every score as entered, the term and
year results computed by the engine, conduct and attendance (docs/workflows.md §1)."""

from __future__ import annotations

from collections import defaultdict

from gradebook.cells import display_value
from gradebook.models import Absence, AssessmentKind, Enrolment, Score, Term
from gradebook.regulations.base import fmt
from gradebook.selectors.results import compute_results

ORDER: dict[str, int] = {
    AssessmentKind.REGULAR: 0,
    AssessmentKind.MIDTERM: 1,
    AssessmentKind.FINAL: 2,
    AssessmentKind.RETEST: 3,
}
LABEL: dict[str, str] = {
    AssessmentKind.MIDTERM: "GK",
    AssessmentKind.FINAL: "CK",
    AssessmentKind.RETEST: "KTL",
}


def _show(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else fmt(value, 1)


def student_record(enrolment: Enrolment) -> dict:
    classroom = enrolment.classroom
    result = compute_results(classroom.school_year, [classroom]).get(enrolment.pk)
    cells = defaultdict(list)
    for subject_id, term, kind, index, value, level in (
        Score.objects.filter(enrolment=enrolment)
        .values_list("assignment__subject_id", "term", "kind", "index", "value", "level")
        .order_by("assignment__subject__order")
    ):
        shown = display_value(value, level)
        if shown:
            cells[(subject_id, term)].append(
                (ORDER.get(kind, 9), index, LABEL.get(kind, f"TX{index}"), shown)
            )
    subjects = []
    for assignment in classroom.assignments.select_related("subject").order_by("subject__order"):
        subject = result.subjects.get(assignment.subject_id) if result else None
        subjects.append(
            {
                "name": assignment.subject.name,
                "terms": [
                    {
                        "scores": [
                            (label, shown)
                            for _o, _i, label, shown in sorted(cells[(assignment.subject_id, t)])
                        ],
                        "average": _show(subject.value(t)) if subject else "",
                    }
                    for t in (Term.Code.HK1, Term.Code.HK2)
                ],
                "year": _show(subject.value("year")) if subject else "",
            }
        )
    absences = list(Absence.objects.filter(enrolment=enrolment).order_by("date"))
    levels = {
        p: (result.academic[p].level or "") if result and p in result.academic else ""
        for p in (Term.Code.HK1, Term.Code.HK2, "year")
    }
    return {
        "enrolment": enrolment,
        "subjects": subjects,
        "academic": levels,
        "conduct": result.conduct if result else {},
        "absences": absences,
        "excused": sum(a.excused for a in absences),
        "unexcused": sum(not a.excused for a in absences),
    }
