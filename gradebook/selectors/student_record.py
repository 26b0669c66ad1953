"""A student's record of the current year as the family sees it (docs/workflows.md §1): per term a table of
every assessment as entered (one column per ĐĐGtx, then ĐĐGgk, ĐĐGck), the subject average and the
teacher's comment; the term and year results computed by the engine, conduct with the homeroom teacher's
comment, attendance by date, the awards decided."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from gradebook.cells import columns_for, display_value, key_label
from gradebook.models import (
    Absence,
    AssessmentKind,
    Award,
    ConductResult,
    Enrolment,
    Score,
    SubjectComment,
    Term,
)
from gradebook.regulations.base import fmt
from gradebook.selectors.class_results import DECISIONS
from gradebook.selectors.results import compute_results


def _show(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else fmt(value, 1)


@dataclass
class SubjectLine:
    name: str
    regular: list[str]
    midterm: str
    final: str
    average: str
    comment: str


@dataclass
class TermRecord:
    code: str
    label: str
    headings: list[str]  # ĐĐGtx 1 … ĐĐGtx n
    lines: list[SubjectLine] = field(default_factory=list)
    academic: str = ""
    conduct: str = ""
    conduct_comment: str = ""


def student_record(enrolment: Enrolment) -> dict:
    classroom = enrolment.classroom
    result = compute_results(classroom.school_year, [classroom]).get(enrolment.pk)
    marks: dict[tuple[int, str], dict[tuple[str, int], str]] = defaultdict(dict)
    for assignment_id, term, kind, index, value, level in Score.objects.filter(
        enrolment=enrolment
    ).values_list("assignment_id", "term", "kind", "index", "value", "level"):
        marks[(assignment_id, term)][(kind, index)] = display_value(value, level)
    comments = {(c.assignment_id, c.term): c.text for c in SubjectComment.objects.filter(enrolment=enrolment)}
    conduct = {c.period: c for c in ConductResult.objects.filter(enrolment=enrolment)}
    assignments = list(
        classroom.assignments.select_related("subject", "classroom").order_by(
            "subject__order", "subject__name"
        )
    )
    terms = []
    for code in (Term.Code.HK1, Term.Code.HK2):
        count = max(
            (sum(c.kind == AssessmentKind.REGULAR for c in columns_for(a, code)) for a in assignments),
            default=0,
        )
        count = max(
            [count]
            + [i for (a, t), m in marks.items() if t == code for (k, i) in m if k == AssessmentKind.REGULAR]
        )
        record = TermRecord(
            code, str(Term.Code(code).label), [key_label(f"tx{i}") for i in range(1, count + 1)]
        )
        for a in assignments:
            got = marks.get((a.pk, code), {})
            subject = result.subjects.get(a.subject_id) if result else None
            record.lines.append(
                SubjectLine(
                    name=a.subject.name,
                    regular=[got.get((AssessmentKind.REGULAR, i), "") for i in range(1, count + 1)],
                    midterm=got.get((AssessmentKind.MIDTERM, 1), ""),
                    final=got.get((AssessmentKind.FINAL, 1), ""),
                    average=_show(subject.value(code)) if subject else "",
                    comment=comments.get((a.pk, code), ""),
                )
            )
        academic = result.academic.get(code) if result else None
        record.academic = (academic.level or "") if academic else ""
        record.conduct = result.conduct.get(code, "") if result else ""
        record.conduct_comment = conduct[code].comment if code in conduct else ""
        terms.append(record)
    year_level = result.academic.get("year") if result else None
    year = {
        "lines": [
            (
                a.subject.name,
                *(
                    _show(s.value(p)) if (s := result.subjects.get(a.subject_id) if result else None) else ""
                    for p in (Term.Code.HK1, Term.Code.HK2, "year")
                ),
            )
            for a in assignments
        ],
        "academic": (year_level.level or "") if year_level else "",
        "conduct": result.conduct.get("year", "") if result else "",
        "decision": str(DECISIONS.get(result.decision or "", "")) if result and result.decision else "",
        "honour": result.honour if result and result.honour and result.honour != "Không" else "",
    }
    absences = list(Absence.objects.filter(enrolment=enrolment).order_by("date"))
    by_month = Counter(a.date.strftime("%m/%Y") for a in absences)
    return {
        "enrolment": enrolment,
        "terms": terms,
        "year": year,
        "absences": absences,
        "absences_by_month": sorted(by_month.items(), key=lambda m: (m[0][3:], m[0][:2])),
        "excused": sum(a.excused for a in absences),
        "unexcused": sum(not a.excused for a in absences),
        "awards": list(
            Award.objects.filter(enrolment=enrolment, status=Award.Status.APPROVED).order_by("date")
        ),
    }
