"""The score grid of one class-subject-term, shaped for the page (a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max

from gradebook.cells import COMMENT_COLUMN, Column, columns_for, display_value, key_label, key_of
from gradebook.models import (
    AssessmentColumn,
    AssessmentKind,
    Enrolment,
    Exemption,
    Score,
    Subject,
    SubjectComment,
)
from gradebook.regulations import registry
from gradebook.regulations.base import AverageResult, CommentResult, RuleError, fmt


@dataclass
class GridCell:
    key: str
    value: str = ""
    version: int = 0
    late: bool = False
    locked: bool = False  # inside a locked month

    @property
    def label(self) -> str:
        return key_label(self.key)


@dataclass
class GridRow:
    enrolment: Enrolment
    number: int
    cells: list[GridCell] = field(default_factory=list)
    comment: GridCell = field(default_factory=lambda: GridCell(COMMENT_COLUMN))
    average: str = ""
    explanation: str = ""
    exempt: bool = False
    studying: bool = True
    readonly: bool = True


def grid(assignment, term: str, editable: bool = False, month_until=None) -> dict:
    """The grid's rows and columns; `month_until` (from the lock state) marks the cells of a locked
    month read-only."""
    extra = (
        Score.objects.filter(assignment=assignment, term=term, kind=AssessmentKind.REGULAR).aggregate(
            m=Max("index")
        )["m"]
        or 0
    )
    columns: list[Column] = columns_for(assignment, term, extra_regular=extra)
    enrolments = list(
        Enrolment.objects.filter(classroom_id=assignment.classroom_id)
        .select_related("student")
        .order_by("student__sort_key")
    )
    cells: dict[tuple[int, str], GridCell] = {}
    raw: dict[tuple[int, str], Any] = {}
    for enrolment_id, kind, index, value, level, version, late in Score.objects.filter(
        assignment=assignment, term=term
    ).values_list("enrolment_id", "kind", "index", "value", "level", "version", "late"):
        key = key_of(kind, index)
        cells[(enrolment_id, key)] = GridCell(key, display_value(value, level), version, late)
        raw[(enrolment_id, key)] = value if value is not None else ({"D": "Đ", "CD": "CĐ"}.get(level))
    comments = {
        enrolment_id: GridCell(COMMENT_COLUMN, text, version)
        for enrolment_id, text, version in SubjectComment.objects.filter(
            assignment=assignment, term=term
        ).values_list("enrolment_id", "text", "version")
    }
    exempt = set(
        Exemption.objects.filter(
            subject_id=assignment.subject_id,
            enrolment__classroom_id=assignment.classroom_id,
            scope__in=[term, "year"],
        ).values_list("enrolment_id", flat=True)
    )
    dates = {
        key_of(kind, index): held_on
        for kind, index, held_on in AssessmentColumn.objects.filter(
            assignment=assignment, term=term
        ).values_list("kind", "index", "held_on")
    }
    locked_keys = {k for k, d in dates.items() if month_until and d and d <= month_until}
    rules = registry.get(assignment.classroom.regulation)
    comment_subject = assignment.subject.kind == Subject.Kind.COMMENT
    rows = []
    number = 0
    for enrolment in enrolments:
        studying = enrolment.status == Enrolment.Status.STUDYING
        if studying:
            number += 1
        row = GridRow(
            enrolment,
            number if studying else 0,
            studying=studying,
            exempt=enrolment.pk in exempt,
            readonly=not (editable and studying),
        )
        row.cells = [cells.get((enrolment.pk, c.key)) or GridCell(c.key) for c in columns]
        if locked_keys:
            for cell in row.cells:
                cell.locked = cell.key in locked_keys
        row.comment = comments.get(enrolment.pk) or GridCell(COMMENT_COLUMN)
        regular = [raw.get((enrolment.pk, c.key)) for c in columns if c.kind == AssessmentKind.REGULAR]
        result: AverageResult | CommentResult
        try:
            if comment_subject:
                result = rules.comment_term_result(
                    regular=regular,
                    midterm=raw.get((enrolment.pk, "gk")),
                    final=raw.get((enrolment.pk, "ck")),
                    required_regular_count=len(regular),
                )
                row.average = result.result if result.complete else ""
            else:
                average = rules.term_average(
                    regular, raw.get((enrolment.pk, "gk")), raw.get((enrolment.pk, "ck"))
                )
                row.average = fmt(average.value, 1) if average.value is not None else ""
                result = average
            row.explanation = (
                f"{result.explanation.formula or result.explanation.text} ({result.explanation.rule})"
            )
        except RuleError as exc:
            row.explanation = str(exc)
        rows.append(row)
    return {
        "columns": columns,
        "rows": rows,
        "dates": dates,
        "comment_subject": comment_subject,
        "month_locked_until": month_until if locked_keys else None,
    }
