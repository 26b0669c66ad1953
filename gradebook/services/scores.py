"""Score entry: the grid of one class-subject-term.

`save_grid` is the only code that writes scores and subject comments. It checks the right, the lock,
validates every cell on its own (a bad cell never blocks the good ones), refuses stale writes cell by
cell (each cell carries its version), and writes in one transaction with bulk writes that keep a
django-simple-history row for every changed cell (who, when, IP, old → new, why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import mean

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts import authz
from accounts.authz import Action
from accounts.history import attribute
from accounts.models import User
from gradebook import freshness
from gradebook.cells import (  # noqa: F401 (the grid's vocabulary, imported from here by the writers)
    COMMENT_COLUMN,
    MAX_COMMENT,
    CellError,
    Column,
    column_of,
    columns_for,
    display_value,
    key_label,
    key_of,
    parse_cell,
)
from gradebook.decisions import (  # noqa: F401 (CellChange and CellOutcome are imported from here too)
    SAVED_SCORE_FIELDS,
    CellChange,
    CellOutcome,
    CommentRow,
    GridLoad,
    Pupil,
    SavedComment,
    SavedScore,
    ScoreRow,
    conflict_message,
    decide_grid,
)
from gradebook.models import (
    AssessmentColumn,
    AssessmentKind,
    Enrolment,
    Exemption,
    Score,
    Subject,
    SubjectComment,
    TeachingAssignment,
    Term,
)
from gradebook.regulations import registry
from gradebook.regulations.base import AverageResult, CommentResult, RuleError, fmt
from gradebook.services.bulk_history import REASON_MAX, read_together, upsert_with_history
from gradebook.services.locks import lock_state, lock_state_query, month_lock_message
from sodiem.domain import Actor, DomainError, acting


class GridError(DomainError):
    """The whole save is refused (no right, locked period, stale form…)."""


@dataclass
class SaveReport:
    outcomes: list[CellOutcome] = field(default_factory=list)

    def by_status(self, status: str) -> list[CellOutcome]:
        return [o for o in self.outcomes if o.status == status]

    def as_dict(self) -> dict:
        return {
            "saved": len(self.by_status("saved")),
            "refused": len(self.by_status("refused")),
            "conflicts": len(self.by_status("conflict")),
            "cells": [o.__dict__ for o in self.outcomes],
        }


def _load_comments(
    assignment: TeachingAssignment, term: str, enrolment_ids: set[int]
) -> dict[int, SavedComment]:
    return {
        enrolment_id: SavedComment(text, version)
        for enrolment_id, text, version in SubjectComment.objects.filter(
            assignment=assignment, term=term, enrolment_id__in=enrolment_ids
        ).values_list("enrolment_id", "text", "version")
    }


def _score_author(cell_uuid) -> tuple[str, str]:
    return _who(
        Score.objects.filter(uuid=cell_uuid)
        .select_related("updated_by")
        .only("updated_at", "updated_by")
        .first()
    )


def _comment_author(assignment: TeachingAssignment, term: str, enrolment_id: int) -> tuple[str, str]:
    return _who(
        SubjectComment.objects.filter(assignment=assignment, term=term, enrolment_id=enrolment_id)
        .select_related("updated_by")
        .first()
    )


def _student_name(enrolment_id: int) -> str:
    return str(Enrolment.objects.select_related("student").get(pk=enrolment_id).student)


def _exempt_ids(assignment: TeachingAssignment, term: str, enrolment_ids) -> set[int]:
    return set(
        Exemption.objects.filter(
            subject=assignment.subject, enrolment_id__in=enrolment_ids, scope__in=[term, Exemption.Scope.YEAR]
        ).values_list("enrolment_id", flat=True)
    )


def _who(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    author = obj.updated_by  # loaded with the row by every caller (select_related)
    name = author.get_full_name() if author else ""
    return name, timezone.localtime(obj.updated_at).strftime("%H:%M %d/%m/%Y") if obj.updated_at else ""


def save_grid(
    by: Actor | User,
    assignment: TeachingAssignment,
    term: str,
    changes: list[CellChange],
    *,
    reason: str = "",
    dates: dict[str, date | None] | None = None,
) -> SaveReport:
    """Write the changed cells of one class-subject-term: load under the class-subject's row lock,
    decide each cell (gradebook/decisions.py), write the decided rows in one step."""
    actor, ip = acting(by)
    authz.check(actor, Action.ENTER_SCORES, assignment)
    if term not in Term.Code.values:
        raise GridError(_("Unknown term."))
    reason = " ".join((reason or "").split())[:REASON_MAX].strip()
    now = timezone.now()
    with transaction.atomic():
        load = _load_grid(assignment, term, changes, reason)
        if dates:
            _save_dates(assignment, term, dates, load.held, actor, load.month_until)
        decided = decide_grid(
            changes,
            load,
            assignment_id=assignment.pk,
            author_id=actor.pk,
            now=now,
            today=timezone.localdate(now),
        )
        for outcome in decided.outcomes:
            if outcome.status == "conflict":  # who changed it meanwhile: read only for a conflict
                pupil = load.roster[outcome.enrolment]
                if outcome.column == COMMENT_COLUMN:
                    who = _comment_author(assignment, term, pupil.id)
                else:
                    saved = load.scores.get((pupil.id, outcome.column))
                    who = _score_author(saved.uuid) if saved else ("", "")
                outcome.changed_by, outcome.changed_at = who
                outcome.message = conflict_message(*who)
        history = {"ip_address": ip, "correction_id": None}  # grid entry, not a correction
        write_scores(
            decided.scores, user=actor, when=now, history=history, classroom_id=assignment.classroom_id
        )
        _write_comments(assignment, term, decided.comments, actor, now, reason, history)
    return SaveReport(decided.outcomes)


def _load_grid(assignment: TeachingAssignment, term: str, changes: list[CellChange], reason: str) -> GridLoad:
    """One writer at a time per class-subject: the row lock serialises saves, so version checks and
    inserts of new cells cannot race (two tabs, two people, a retry). The row lock, the period locks in
    force, the roster, the saved cells and the columns' dates are read in one round trip, the row lock
    first (the student's name only appears in a refusal: loaded then)."""
    locks = lock_state_query(assignment.classroom, term)
    _row, lock_rows, roster, cell_rows, column_rows = read_together(
        TeachingAssignment.objects.filter(pk=assignment.pk).select_for_update().values_list("pk"),
        locks,
        Enrolment.objects.filter(classroom_id=assignment.classroom_id)
        .order_by()  # not the roster order: that would join the students for nothing
        .values_list("uuid", "pk", "status"),
        Score.objects.filter(assignment=assignment, term=term).values_list(*SAVED_SCORE_FIELDS),
        AssessmentColumn.objects.filter(assignment=assignment, term=term).values_list(
            "kind", "index", "held_on"
        ),
    )
    state = locks.state(lock_rows)
    if state.closed:
        raise GridError(state.message(), conflict=True)
    studying = Enrolment.Status.STUDYING
    pupils = {str(uuid_): Pupil(pk, status == studying) for uuid_, pk, status in roster}
    wanted = {pupils[c.enrolment].id for c in changes if c.enrolment in pupils}
    school = assignment.classroom.school_year.school
    saved = [SavedScore(*row) for row in cell_rows]
    return GridLoad(
        term=term,
        subject_kind=assignment.subject.kind,
        columns={c.key: (c.kind, c.index) for c in columns_for(assignment, term, extra_regular=20)},
        roster=pupils,
        scores={(s.enrolment_id, key_of(s.kind, s.index)): s for s in saved},
        comments=(
            _load_comments(assignment, term, wanted)
            if any(c.column == COMMENT_COLUMN for c in changes)
            else {}
        ),
        held={key_of(kind, index): held_on for kind, index, held_on in column_rows},
        exempt=frozenset(
            _exempt_ids(assignment, term, wanted)
            if registry.get(assignment.classroom.regulation).exemption_removes_subject
            else ()
        ),
        month_until=state.month_until,
        entry_days=(school.regular_entry_days, school.periodic_entry_days),
        reason=reason,
        name_of=_student_name,
    )


def write_scores(rows: list[ScoreRow], *, user, when, history: dict, classroom_id: int | None = None) -> None:
    """The one write of scores (grid saves and corrections): every row upserted whole, one history row
    each, in one statement on PostgreSQL (services/bulk_history.py); the class's figures are new after
    the commit (gradebook/freshness.py: the caller who knows the class saves a query)."""
    if classroom_id is not None:
        freshness.touched(classrooms=[classroom_id] if rows else [])
    else:
        freshness.touched(assignments={row.assignment_id for row in rows})
    upsert_with_history(
        Score,
        rows,
        unique_fields=["assignment", "enrolment", "term", "kind", "index"],
        reasons=[row._reason for row in rows],
        created=[row._created for row in rows],
        user=user,
        when=when,
        extra_history=history,
    )


def _write_comments(assignment, term, rows: list[CommentRow], actor, now, reason: str, history: dict) -> None:
    if not rows:
        return
    existing = {
        c.enrolment_id: c
        for c in SubjectComment.objects.filter(
            assignment=assignment, term=term, enrolment_id__in=[r.enrolment_id for r in rows if not r.created]
        )
    }
    new: list[SubjectComment] = []
    changed: list[SubjectComment] = []
    for row in rows:
        comment = (
            SubjectComment(assignment=assignment, enrolment_id=row.enrolment_id, term=term)
            if row.created
            else existing[row.enrolment_id]
        )
        comment.text, comment.version = row.text, row.version
        comment.updated_by, comment.updated_at = actor, now
        comment._change_reason = reason  # type: ignore[attr-defined]  # django-simple-history reads it
        (new if row.created else changed).append(comment)
    if new:
        bulk_create_with_history(new, SubjectComment, default_user=actor, custom_historical_attrs=history)
    if changed:
        bulk_update_with_history(
            changed,
            SubjectComment,
            ["text", "version", "updated_by", "updated_at"],
            default_user=actor,
            custom_historical_attrs=history,
        )


def _save_dates(assignment, term, dates, held, actor, month_until=None) -> None:
    """Write the column dates typed in the grid's header that differ from the saved ones (`held`,
    column key → date, updated here); a date inside a locked month stays as it is."""
    changed = {}
    for key, held_on in dates.items():
        try:
            column_of(key)
        except ValueError:
            continue
        old = held.get(key)
        if old == held_on or (month_until and any(d and d <= month_until for d in (old, held_on))):
            continue
        changed[key] = held_on
    if not changed:
        return
    existing = {
        key_of(c.kind, c.index): c for c in AssessmentColumn.objects.filter(assignment=assignment, term=term)
    }
    for key, held_on in changed.items():
        column = existing.get(key)
        if column is None:
            kind, index = column_of(key)
            column = AssessmentColumn(assignment=assignment, term=term, kind=kind, index=index)
        column.held_on = held_on
        attribute(column, actor)
        column.save()
        held[key] = held_on


# -- before saving: the diff and the mistake guard ---------------------------------------------------


@dataclass
class DiffLine:
    student: str
    column: str
    old: str
    new: str
    conflict: str = ""  # set when someone else saved this cell after the teacher loaded it


@dataclass
class CheckReport:
    diff: list[DiffLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    needs_reason: bool = False
    invalid: dict[str, str] = field(default_factory=dict)  # "enrolment:column" → message

    def as_dict(self) -> dict:
        return {
            "diff": [d.__dict__ for d in self.diff],
            "warnings": self.warnings,
            "needs_reason": self.needs_reason,
            "invalid": self.invalid,
        }


def check_grid(actor, assignment: TeachingAssignment, term: str, changes: list[CellChange]) -> CheckReport:
    """What a save would change (old → new per student) and the signs of a typing mistake:
    a column shifted by one row or one column, a block identical to another class's or subject's,
    and a score far from the student's others. Writes nothing."""
    authz.check(actor, Action.ENTER_SCORES, assignment)
    report = CheckReport()
    enrolments = {
        str(e.uuid): e
        for e in Enrolment.objects.filter(classroom_id=assignment.classroom_id).select_related("student")
    }
    order = sorted(enrolments.values(), key=lambda e: e.student.sort_key)
    position = {e.pk: i for i, e in enumerate(order)}
    rows = {
        (s.enrolment_id, key_of(s.kind, s.index)): s
        for s in Score.objects.filter(assignment=assignment, term=term).select_related("updated_by")
    }
    saved: dict[tuple[int, str], Decimal | str | None] = {
        key: s.value if s.value is not None else s.level for key, s in rows.items()
    }
    # columns of a locked month: the save will refuse them; say so now rather than after the save
    month_until = lock_state(assignment.classroom, term).month_until
    locked_keys = (
        {
            key_of(c.kind, c.index)
            for c in AssessmentColumn.objects.filter(
                assignment=assignment, term=term, held_on__lte=month_until
            )
        }
        if month_until
        else set()
    )
    new_values: dict[tuple[int, str], Decimal | str | None] = {}
    for change in changes:
        enrolment = enrolments.get(change.enrolment)
        if enrolment is None or change.column == COMMENT_COLUMN:
            continue
        try:
            value, level = parse_cell(assignment.subject.kind, change.value)
        except CellError as exc:
            report.invalid[f"{change.enrolment}:{change.column}"] = str(exc)
            continue
        new = value if value is not None else (level or None)
        old = saved.get((enrolment.pk, change.column))
        if new == old:
            continue
        current = rows.get((enrolment.pk, change.column))
        if change.column in locked_keys:
            report.diff.append(
                DiffLine(
                    enrolment.student.full_name,
                    key_label(change.column),
                    _show(old),
                    _show(new),
                    month_lock_message(month_until) + " " + _("It will not be saved."),  # type: ignore[arg-type]
                )
            )
            continue
        if change.version != (current.version if current else 0):
            # Saved by someone else since this grid was loaded: the save will refuse this cell and
            # show both values; no reason is asked for a change that will not be made.
            who, when = _who(current)
            report.diff.append(
                DiffLine(
                    enrolment.student.full_name,
                    key_label(change.column),
                    _show(old),
                    _show(new),
                    _("changed meanwhile by %(who)s at %(when)s: it will not be saved")
                    % {"who": who or "?", "when": when},
                )
            )
            continue
        new_values[(enrolment.pk, change.column)] = new
        report.diff.append(
            DiffLine(enrolment.student.full_name, key_label(change.column), _show(old), _show(new))
        )
        if old not in (None, ""):
            report.needs_reason = True
    after = dict(saved)
    after.update(new_values)
    _warn_shifts(report, new_values, saved, position, order)
    _warn_copies(report, assignment, term, new_values, order)
    _warn_outliers(report, new_values, after, enrolments)
    return report


def _show(value) -> str:
    if value in (None, ""):
        return "∅"
    if isinstance(value, Decimal):
        return fmt(value)
    return "Đ" if value == "D" else "CĐ"


def _column_values(values: dict, column: str, order) -> list:
    return [values.get((e.pk, column)) for e in order]


def _warn_shifts(report, new_values, saved, position, order) -> None:
    columns = sorted({c for _, c in new_values})
    all_columns = sorted({c for _, c in saved} | set(columns))
    for column in columns:
        typed = {(e, c): v for (e, c), v in new_values.items() if c == column}
        if len(typed) < 5:
            continue
        for shift in (-1, 1):
            hits = total = 0
            for (enrolment_id, _c), value in typed.items():
                i = position[enrolment_id] + shift
                if 0 <= i < len(order):
                    neighbour = saved.get((order[i].pk, column))
                    if neighbour is not None:
                        total += 1
                        hits += neighbour == value
            if (
                total >= 5
                and hits / total >= 0.8
                and any(saved.get((e, column)) != v for (e, _c), v in typed.items())
            ):
                report.warnings.append(
                    _(
                        "Column %(column)s looks shifted by one row: the new values match the saved ones of the row %(dir)s."
                    )
                    % {"column": key_label(column), "dir": _("above") if shift == -1 else _("below")}
                )
        for other in all_columns:
            if other == column:
                continue
            pairs = [
                (v, saved.get((e, other)))
                for (e, _c), v in typed.items()
                if saved.get((e, other)) is not None
            ]
            if len(pairs) >= 5 and sum(a == b for a, b in pairs) / len(pairs) >= 0.9:
                report.warnings.append(
                    _(
                        "The values typed in %(column)s are the same as those of column %(other)s: typed into the wrong column?"
                    )
                    % {"column": key_label(column), "other": key_label(other)}
                )


def _warn_copies(report, assignment, term, new_values, order) -> None:
    """A block identical to another class's (same teacher) or another subject's (same class)."""
    columns = sorted({c for _, c in new_values})
    if not columns:
        return
    ours = {c: [v for (e, cc), v in new_values.items() if cc == c and v is not None] for c in columns}
    others = TeachingAssignment.objects.filter(
        classroom__school_year_id=assignment.classroom.school_year_id
    ).exclude(pk=assignment.pk)
    others = others.filter(teacher_id=assignment.teacher_id) | others.filter(
        classroom_id=assignment.classroom_id
    )
    other_ids = {a.pk: a for a in others.select_related("classroom", "subject")}
    if not other_ids:
        return
    sequences: dict[tuple[int, str], list] = {}
    for assignment_id, _sort_key, kind, index, value, level in (
        Score.objects.filter(assignment_id__in=list(other_ids), term=term)
        .order_by("enrolment__student__sort_key")
        .values_list("assignment_id", "enrolment__student__sort_key", "kind", "index", "value", "level")
    ):
        sequences.setdefault((assignment_id, key_of(kind, index)), []).append(
            value if value is not None else level
        )
    for column, values in ours.items():
        if len(values) < 5:
            continue
        for (assignment_id, other_column), seq in sequences.items():
            if len(seq) >= len(values) and _longest_common_run(values, seq) >= max(5, int(0.8 * len(values))):
                other = other_ids[assignment_id]
                report.warnings.append(
                    _(
                        "Column %(column)s is the same as column %(other_column)s of %(subject)s, class %(class)s: is this the right class and subject?"
                    )
                    % {
                        "column": key_label(column),
                        "other_column": key_label(other_column),
                        "subject": other.subject.name,
                        "class": other.classroom.name,
                    }
                )
                break


def _longest_common_run(a: list, b: list) -> int:
    best = 0
    for offset in range(-len(a) + 1, len(b)):
        run = 0
        for i, value in enumerate(a):
            j = i + offset
            if 0 <= j < len(b) and b[j] == value:
                run += 1
                best = max(best, run)
            else:
                run = 0
    return best


def _warn_outliers(report, new_values, after, enrolments) -> None:
    by_uuid = {e.pk: e for e in enrolments.values()}
    for (enrolment_id, column), value in new_values.items():
        if not isinstance(value, Decimal):
            continue
        others = [
            v for (e, c), v in after.items() if e == enrolment_id and c != column and isinstance(v, Decimal)
        ]
        if len(others) >= 2 and abs(value - Decimal(str(mean(others)))) >= 4:
            report.warnings.append(
                _(
                    "%(name)s: %(value)s in %(column)s is far from the student's other scores (about %(usual)s)."
                )
                % {
                    "name": by_uuid[enrolment_id].student.full_name,
                    "value": fmt(value),
                    "column": key_label(column),
                    "usual": fmt(round(Decimal(str(mean(others))), 1)),
                }
            )


# -- the average as you type ---------------------------------------------------------------------


def preview_row(actor, assignment: TeachingAssignment, term: str, values: dict[str, str]) -> dict:
    """The term average (or Đ/CĐ) of one row as typed, by the server's engine, with its explanation."""
    authz.check(actor, Action.VIEW_SCORES, assignment)
    rules = registry.get(assignment.classroom.regulation)
    errors: dict[str, str] = {}
    parsed: dict[str, Decimal | str | None] = {}
    for column in columns_for(assignment, term):
        try:
            value, level = parse_cell(assignment.subject.kind, values.get(column.key, ""))
        except CellError as exc:
            errors[column.key] = str(exc)
            value, level = None, ""
        parsed[column.key] = value if value is not None else ({"D": "Đ", "CD": "CĐ"}.get(level))
    regular = [parsed[c.key] for c in columns_for(assignment, term) if c.kind == AssessmentKind.REGULAR]
    result: AverageResult | CommentResult
    try:
        if assignment.subject.kind == Subject.Kind.COMMENT:
            result = rules.comment_term_result(
                regular=regular, midterm=parsed["gk"], final=parsed["ck"], required_regular_count=len(regular)
            )
            shown = result.result if result.complete else ""
        else:
            average = rules.term_average(
                regular, parsed["gk"], parsed["ck"], periods_per_year=assignment.periods_per_year
            )
            shown = fmt(average.value, 1) if average.value is not None else ""
            result = average
    except RuleError as exc:
        return {"average": "", "explanation": str(exc), "errors": errors}
    explanation = result.explanation
    text = explanation.formula or explanation.text
    return {"average": shown, "explanation": f"{text} ({explanation.rule})", "errors": errors}
