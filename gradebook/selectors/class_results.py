"""The class results page: every student × every subject of a term or the year, the academic and
conduct results, absences, the promotion and honour of the year, and what the homeroom teacher must
chase (docs/workflows.md §3): missing scores, unfinished subjects, results changed since the last review."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from gradebook.models import Classroom, Enrolment, ResultsApproval, ResultsReview, Subject
from gradebook.regulations import registry
from gradebook.regulations.base import fmt
from gradebook.selectors.results import compute_results
from gradebook.selectors.structure import classroom_assignments

# the engine's decisions (docs/rules.md, promotion) as the lists name them
DECISIONS = {
    "len_lop": gettext_lazy("Promoted"),
    "hoan_thanh_chuong_trinh": gettext_lazy("Completed the programme"),
    "khong_len_lop": gettext_lazy("Retained"),
    "ren_luyen_he": gettext_lazy("Summer conduct training"),
    "kiem_tra_lai": gettext_lazy("To retest"),
    "ren_luyen_he_va_kiem_tra_lai": gettext_lazy("Summer training and retest"),
}


@dataclass
class ResultRow:
    enrolment: Enrolment
    number: int
    values: list[str] = field(default_factory=list)  # per subject column: "7,8" / "Đ" / "" (missing)
    academic: str = ""
    conduct: str = ""
    absences: int = 0
    decision: str = ""
    decision_code: str = ""  # the engine's code (len_lop, kiem_tra_lai …)
    honour: str = ""
    missing: list[str] = field(default_factory=list)
    changed: bool = False
    signature: str = ""


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return fmt(value, 1)


def class_results(classroom: Classroom, period: str, results: dict | None = None) -> dict:
    """`results`: the class's compute_results when the caller already has them."""
    if results is None:
        results = compute_results(classroom.school_year, [classroom])
    assignments = list(classroom_assignments(classroom).select_related("subject", "teacher"))
    columns = [(a.subject_id, a.subject.short_name or a.subject.name, a) for a in assignments]
    review = ResultsReview.objects.filter(classroom=classroom, period=period).first()
    approval = (
        ResultsApproval.objects.filter(classroom=classroom, period=period)
        .select_related("submitted_by", "decided_by")
        .first()
    )
    rows: list[ResultRow] = []
    unfinished: Counter[str] = Counter()
    number = 0
    for enrolment in (
        Enrolment.objects.filter(classroom=classroom, status=Enrolment.Status.STUDYING)
        .select_related("student")
        .order_by("student__sort_key")
    ):
        number += 1
        student = results.get(enrolment.pk)
        row = ResultRow(enrolment, number)
        if student is not None:
            for subject_id, name, _assignment in columns:
                subject = student.subjects.get(subject_id)
                value = subject.value(period) if subject else None
                row.values.append(_show(value))
                if value is None:
                    row.missing.append(name)
                    unfinished[subject_id] += 1
            level = student.academic.get(period)
            row.academic = (level.level or "") if level else ""
            row.conduct = student.conduct.get(period, "")
            row.absences = student.absent_sessions
            if period == "year":
                row.decision_code = student.decision or ""
                row.decision = str(DECISIONS.get(row.decision_code, row.decision_code))
                row.honour = student.honour or ""
        if not row.conduct:
            row.missing.append(_("conduct"))
        row.signature = hashlib.sha256(
            "|".join([*row.values, row.academic, row.conduct, str(row.absences)]).encode()
        ).hexdigest()[:16]
        if review is not None:
            row.changed = review.signatures.get(str(enrolment.pk)) != row.signature
        rows.append(row)
    subjects = [
        {
            "name": name,
            "kind": a.subject.kind,
            "teacher": a.teacher.full_name if a.teacher else "",
            "unfinished": unfinished[subject_id],
            "assignment": a,
        }
        for subject_id, name, a in columns
    ]
    lists: dict[str, list[str]] = {}
    for r in rows:
        if r.decision:
            lists.setdefault(r.decision, []).append(r.enrolment.student.full_name)
    honours: dict[str, list[str]] = {}
    for r in rows:
        if r.honour and r.honour != "Không":
            honours.setdefault(r.honour, []).append(r.enrolment.student.full_name)
    return {
        "rows": rows,
        "subjects": subjects,
        "complete": all(not r.missing for r in rows),
        "missing_count": sum(len(r.missing) for r in rows),
        "review": review,
        "approval": approval,
        "changed_count": sum(r.changed for r in rows),
        "lists": sorted(lists.items()),  # (decision, [names in roster order])
        "honours": sorted(honours.items()),
        "comment_kind": Subject.Kind.COMMENT,
    }


@dataclass
class ApprovalRow:
    """One class on the principal's approval table: its summary and what deserves a second look."""

    classroom: Classroom
    approval: ResultsApproval
    students: int
    academic: list[tuple[str, int]]
    conduct: list[tuple[str, int]]
    decisions: list[tuple[str, int]]
    warnings: list[str]

    @property
    def clean(self) -> bool:
        return not self.warnings


def approval_table(classrooms: list[Classroom], period: str) -> list[ApprovalRow]:
    """The classes' submitted results of `period`, each summed up (levels counted in its regulation's
    order) with its warnings: results missing or changed since the homeroom teacher's review, students
    below the pass level. Results computed once for all the classes."""
    if not classrooms:
        return []
    results = compute_results(classrooms[0].school_year, classrooms)
    table = []
    for classroom in classrooms:
        data = class_results(classroom, period, results)
        rows = data["rows"]
        academic, conduct = Counter(r.academic for r in rows), Counter(r.conduct for r in rows)
        decisions = Counter(r.decision for r in rows if r.decision_code and r.decision_code != "len_lop")
        warnings = []
        if not data["complete"]:
            warnings.append(
                ngettext("%(n)d result missing", "%(n)d results missing", data["missing_count"])
                % {"n": data["missing_count"]}
            )
        if data["review"] is None:
            warnings.append(_("not reviewed by the homeroom teacher"))
        elif data["changed_count"]:
            warnings.append(
                ngettext(
                    "%(n)d student changed since the homeroom teacher's review",
                    "%(n)d students changed since the homeroom teacher's review",
                    data["changed_count"],
                )
                % {"n": data["changed_count"]}
            )
        rules = registry.get(classroom.regulation)
        weak = sum(n for level, n in academic.items() if level in rules.failing_levels)
        if weak:
            warnings.append(
                ngettext("%(n)d student below the pass level", "%(n)d students below the pass level", weak)
                % {"n": weak}
            )
        table.append(
            ApprovalRow(
                classroom=classroom,
                approval=data["approval"],
                students=len(rows),
                academic=[(level, academic.get(level, 0)) for level in rules.academic_levels],
                conduct=[(level, conduct.get(level, 0)) for level in rules.conduct_levels],
                decisions=sorted(decisions.items()),
                warnings=warnings,
            )
        )
    return table
