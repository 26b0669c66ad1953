"""Score entry: the grid of one class-subject-term.

`save_grid` is the only code that writes scores and subject comments. It checks the right, the lock,
validates every cell on its own (a bad cell never blocks the good ones), refuses stale writes cell by
cell (each cell carries its version), and writes in one transaction with bulk writes that keep a
django-simple-history row for every changed cell (who, when, IP, old → new, why).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from statistics import mean
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts import authz
from accounts.authz import Action
from gradebook.models import (
    AssessmentColumn,
    AssessmentKind,
    Enrolment,
    Exemption,
    Score,
    Subject,
    SubjectComment,
    TeachingAssignment,
)
from gradebook.regulations import registry
from gradebook.regulations.base import RuleError, fmt
from gradebook.services.bulk_history import REASON_MAX, read_together, upsert_with_history
from gradebook.services.locks import lock_state, lock_state_query, month_lock_message

COMMENT_COLUMN = "comment"
MAX_COMMENT = 500
_SCORE_RE = re.compile(r"^\d{1,2}(?:[.,]\d)?$")
_LEVELS = {"đ": "D", "d": "D", "đạt": "D", "cđ": "CD", "cd": "CD", "chưa đạt": "CD"}


class GridError(Exception):
    """The whole save is refused (no right, locked period, stale form…)."""


@dataclass(frozen=True)
class Column:
    key: str  # "tx1", "gk", "ck", "comment"
    kind: str  # AssessmentKind or COMMENT_COLUMN
    index: int
    label: str


def columns_for(assignment: TeachingAssignment, term: str, extra_regular: int = 0) -> list[Column]:
    """The columns the regulation requires for this class-subject (TT22 Điều 6, 7)."""
    rules = registry.get(assignment.classroom.regulation)
    if assignment.subject.kind == Subject.Kind.COMMENT:
        count = rules.comment_regular_count
    else:
        count = rules.required_regular_count(assignment.periods_per_year)
    count = max(count, extra_regular)
    cols = [Column(f"tx{i}", AssessmentKind.REGULAR, i, f"TX{i}") for i in range(1, count + 1)]
    cols.append(Column("gk", AssessmentKind.MIDTERM, 1, "GK"))
    cols.append(Column("ck", AssessmentKind.FINAL, 1, "CK"))
    return cols


@lru_cache(maxsize=64)  # the grid's few column keys, checked against the grid's columns before
def column_of(key: str) -> tuple[str, int]:
    if key == "gk":
        return AssessmentKind.MIDTERM, 1
    if key == "ck":
        return AssessmentKind.FINAL, 1
    match = re.fullmatch(r"tx(\d{1,2})", key)
    if match and 1 <= int(match.group(1)) <= 20:
        return AssessmentKind.REGULAR, int(match.group(1))
    raise ValueError(key)


@lru_cache(maxsize=64)
def key_of(kind: str, index: int) -> str:
    return {AssessmentKind.MIDTERM: "gk", AssessmentKind.FINAL: "ck"}.get(kind, f"tx{index}")


class CellError(ValueError):
    pass


def parse_cell(subject_kind: str, raw) -> tuple[Decimal | None, str]:
    """Typed text → (value, level). '' clears. '8,5' and '8.5' both mean 8,5."""
    text = " ".join(str(raw or "").split())
    # every valid entry is short; a long one is refused without taking a place in the cache
    return _parse_text(subject_kind, text) if len(text) <= 10 else _parse_text.__wrapped__(subject_kind, text)


@lru_cache(maxsize=1024)  # a grid repeats the same few dozen entries
def _parse_text(subject_kind: str, text: str) -> tuple[Decimal | None, str]:
    if text == "":
        return None, ""
    if subject_kind == Subject.Kind.COMMENT:
        level = _LEVELS.get(text.lower())
        if level is None:
            raise CellError(_("Enter Đ (Đạt) or CĐ (Chưa đạt)."))
        return None, level
    if not _SCORE_RE.match(text):
        raise CellError(_("Enter a score from 0 to 10 with at most one decimal, e.g. 8 or 8,5."))
    value = Decimal(text.replace(",", "."))
    if value > 10:
        raise CellError(_("A score cannot be above 10."))
    return value.quantize(Decimal("0.1")), ""


@lru_cache(maxsize=256)
def display_value(value: Decimal | None, level: str) -> str:
    """What the cell shows: 8 / 8,5 / Đ / CĐ."""
    if level:
        return "Đ" if level == "D" else "CĐ"
    if value is None:
        return ""
    return fmt(value)


@dataclass
class CellChange:
    enrolment: str  # enrolment uuid
    column: str
    value: str
    version: int = 0  # the version the client saw; 0 = the cell was empty


@dataclass
class CellOutcome:
    enrolment: str
    column: str
    status: str  # saved | unchanged | refused | conflict
    message: str = ""
    value: str = ""  # the value now in the database
    version: int = 0
    changed_by: str = ""
    changed_at: str = ""


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


# What a save reads of a saved cell: enough to decide (value, version, first entry) and to write the
# row back whole. Plain tuples, not 400 model instances; the author and the time of the last change
# are read only for a conflict (see _score_author).
_CELL_FIELDS = (
    "enrolment_id",
    "kind",
    "index",
    "uuid",
    "value",
    "level",
    "version",
    "first_entered_at",
    "late",
)


def _load_comments(assignment: TeachingAssignment, term: str, enrolment_ids: set[int]):
    comments = SubjectComment.objects.filter(assignment=assignment, term=term, enrolment_id__in=enrolment_ids)
    return {c.enrolment_id: c for c in comments.select_related("updated_by")}


def _score_author(cell_uuid) -> tuple[str, str]:
    return _who(
        Score.objects.filter(uuid=cell_uuid)
        .select_related("updated_by")
        .only("updated_at", "updated_by")
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


def _is_late(held_on: date | None, kind: str, school, today: date) -> bool:
    if held_on is None:
        return False
    limit = school.regular_entry_days if kind == AssessmentKind.REGULAR else school.periodic_entry_days
    return today > held_on + timedelta(days=limit)


def save_grid(
    actor,
    assignment: TeachingAssignment,
    term: str,
    changes: list[CellChange],
    *,
    reason: str = "",
    dates: dict[str, date | None] | None = None,
    ip: str | None = None,
) -> SaveReport:
    """Write the changed cells of one class-subject-term; see the module docstring."""
    authz.check(actor, Action.ENTER_SCORES, assignment)
    if term not in ("HK1", "HK2"):
        raise GridError(_("Unknown term."))
    reason = " ".join((reason or "").split())[:REASON_MAX].strip()
    school = assignment.classroom.school_year.school
    subject_kind = assignment.subject.kind
    score_columns = {c.key: (c.kind, c.index) for c in columns_for(assignment, term, extra_regular=20)}
    report = SaveReport()
    now = timezone.now()
    today = timezone.localdate()
    history = {"ip_address": ip, "correction_id": None}  # grid entry, not a correction

    with transaction.atomic():
        # One writer at a time per class-subject: the row lock serialises saves, so version checks and
        # inserts of new cells cannot race (two tabs, two people, a retry). The row lock, the period
        # locks in force, the roster (the student's name only appears in a refusal: loaded then), the
        # saved cells and the columns' dates are read in one round trip, the row lock first.
        locks = lock_state_query(assignment.classroom, term)
        cells = Score.objects.filter(assignment=assignment, term=term)
        _row, lock_rows, roster, cell_rows, column_rows = read_together(
            TeachingAssignment.objects.filter(pk=assignment.pk).select_for_update().values_list("pk"),
            locks,
            Enrolment.objects.filter(classroom_id=assignment.classroom_id)
            .order_by()  # not the roster order: that would join the students for nothing
            .values_list("uuid", "pk", "status"),
            cells.values_list(*_CELL_FIELDS),
            AssessmentColumn.objects.filter(assignment=assignment, term=term).values_list(
                "kind", "index", "held_on"
            ),
        )
        state = locks.state(lock_rows)
        if state.closed:
            raise GridError(state.message())
        month_until = state.month_until
        enrolments = {str(uuid_): (pk, status) for uuid_, pk, status in roster}  # uuid → (id, status)
        scores = {(row[0], key_of(row[1], row[2])): row for row in cell_rows}
        held = {key_of(kind, index): held_on for kind, index, held_on in column_rows}
        wanted = {enrolments[c.enrolment][0] for c in changes if c.enrolment in enrolments}
        comments = (
            _load_comments(assignment, term, wanted)
            if any(c.column == COMMENT_COLUMN for c in changes)
            else {}
        )
        exempt = (
            _exempt_ids(assignment, term, wanted)
            if registry.get(assignment.classroom.regulation).exemption_removes_subject
            else set()
        )
        if dates:
            _save_dates(assignment, term, dates, held, actor, month_until)

        new_scores: list[SimpleNamespace] = []
        changed_scores: list[SimpleNamespace] = []
        new_comments: list[SubjectComment] = []
        changed_comments: list[SubjectComment] = []
        seen: set[tuple[str, str]] = set()
        studying = Enrolment.Status.STUDYING
        assignment_id, actor_id = assignment.pk, actor.pk
        for change in changes:
            outcome = CellOutcome(change.enrolment, change.column, "refused")
            report.outcomes.append(outcome)
            enrolment = enrolments.get(change.enrolment)
            if enrolment is None or (change.column not in score_columns and change.column != COMMENT_COLUMN):
                outcome.message = _("This cell is not part of the grid.")
                continue
            if (change.enrolment, change.column) in seen:
                outcome.message = _("The same cell was sent twice.")
                continue
            seen.add((change.enrolment, change.column))
            enrolment_id, status = enrolment
            if status != studying:
                outcome.message = _("%(name)s no longer studies in this class.") % {
                    "name": _student_name(enrolment_id)
                }
                continue
            if change.column == COMMENT_COLUMN:
                _comment_change(
                    actor,
                    assignment,
                    term,
                    enrolment_id,
                    change,
                    comments,
                    outcome,
                    new_comments,
                    changed_comments,
                    reason,
                )
                continue
            try:
                value, level = parse_cell(subject_kind, change.value)
            except CellError as exc:
                outcome.message = str(exc)
                continue
            if enrolment_id in exempt and (value is not None or level):
                outcome.message = _("%(name)s is exempted from this subject: no score is entered.") % {
                    "name": _student_name(enrolment_id)
                }
                continue
            current = scores.get((enrolment_id, change.column))
            if current is None:
                current_version, current_value = 0, (None, "")
            else:
                current_version, current_value = current[6], (current[4], current[5])
            if change.version != current_version:
                outcome.value, outcome.version = display_value(*current_value), current_version
                if (value, level) == current_value:
                    outcome.status = "unchanged"
                    continue
                outcome.status = "conflict"
                outcome.changed_by, outcome.changed_at = _score_author(current[3])
                outcome.message = _("Changed meanwhile by %(who)s at %(when)s.") % {
                    "who": outcome.changed_by or "?",
                    "when": outcome.changed_at,
                }
                continue
            if (value, level) == current_value:
                outcome.status = "unchanged"
                outcome.value, outcome.version = display_value(*current_value), current_version
                continue
            had_value = current_value != (None, "")
            if had_value and not reason:
                outcome.message = _("Changing a saved score needs a reason.")
                outcome.value, outcome.version = display_value(*current_value), current_version
                continue
            held_on = held.get(change.column)
            if month_until and held_on and held_on <= month_until:
                outcome.message = month_lock_message(month_until)
                outcome.value, outcome.version = display_value(*current_value), current_version
                continue
            kind, index = score_columns[change.column]
            row = SimpleNamespace(
                uuid=current[3] if current else uuid.uuid4(),
                assignment_id=assignment_id,
                enrolment_id=enrolment_id,
                term=term,
                kind=kind,
                index=index,
                value=value,
                level=level,
                held_on=held_on,
                version=current_version + 1,
                updated_by_id=actor_id,
                updated_at=now,
                first_entered_at=current[7] if current else None,
                late=current[8] if current else False,
                _reason=reason if had_value else "",
            )
            if row.first_entered_at is None and (value is not None or level):
                row.first_entered_at = now
                row.late = _is_late(held_on, kind, school, today)
            (changed_scores if current else new_scores).append(row)
            outcome.status = "saved"
            outcome.value, outcome.version = display_value(value, level), row.version

        written = new_scores + changed_scores
        upsert_with_history(
            Score,
            written,
            unique_fields=["assignment", "enrolment", "term", "kind", "index"],
            reasons=[row._reason for row in written],
            created=[True] * len(new_scores) + [False] * len(changed_scores),
            user=actor,
            when=now,
            extra_history=history,
        )
        if new_comments:
            bulk_create_with_history(
                new_comments, SubjectComment, default_user=actor, custom_historical_attrs=history
            )
        if changed_comments:
            bulk_update_with_history(
                changed_comments,
                SubjectComment,
                ["text", "version", "updated_by", "updated_at"],
                default_user=actor,
                custom_historical_attrs=history,
            )
    return report


def _comment_change(
    actor, assignment, term, enrolment_id, change, comments, outcome, new_comments, changed_comments, reason
):
    text = " ".join(str(change.value or "").split())
    if len(text) > MAX_COMMENT:
        outcome.message = _("A comment has at most %(n)d characters.") % {"n": MAX_COMMENT}
        return
    current = comments.get(enrolment_id)
    current_version = current.version if current else 0
    outcome.value = current.text if current else ""
    outcome.version = current_version
    if change.version != current_version:
        if text == outcome.value:
            outcome.status = "unchanged"
            return
        outcome.status = "conflict"
        outcome.changed_by, outcome.changed_at = _who(current)
        outcome.message = _("Changed meanwhile by %(who)s at %(when)s.") % {
            "who": outcome.changed_by or "?",
            "when": outcome.changed_at,
        }
        return
    if text == outcome.value:
        outcome.status = "unchanged"
        return
    if current is None:
        current = SubjectComment(assignment=assignment, enrolment_id=enrolment_id, term=term, version=0)
        new_comments.append(current)
    else:
        changed_comments.append(current)
    current.text = text
    current.version += 1
    current.updated_by = actor
    current.updated_at = timezone.now()
    current._change_reason = reason
    outcome.status = "saved"
    outcome.value = text
    outcome.version = current.version


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
        column._history_user = actor
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
    saved = {key: s.value if s.value is not None else s.level for key, s in rows.items()}
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
                    change.column.upper(),
                    _show(old),
                    _show(new),
                    month_lock_message(month_until) + " " + _("It will not be saved."),
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
                    change.column.upper(),
                    _show(old),
                    _show(new),
                    _("changed meanwhile by %(who)s at %(when)s: it will not be saved")
                    % {"who": who or "?", "when": when},
                )
            )
            continue
        new_values[(enrolment.pk, change.column)] = new
        report.diff.append(
            DiffLine(enrolment.student.full_name, change.column.upper(), _show(old), _show(new))
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
                    % {"column": column.upper(), "dir": _("above") if shift == -1 else _("below")}
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
                    % {"column": column.upper(), "other": other.upper()}
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
                        "column": column.upper(),
                        "other_column": other_column.upper(),
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
                    "column": column.upper(),
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
    try:
        if assignment.subject.kind == Subject.Kind.COMMENT:
            result = rules.comment_term_result(
                regular=regular, midterm=parsed["gk"], final=parsed["ck"], required_regular_count=len(regular)
            )
            shown = result.result if result.complete else ""
        else:
            result = rules.term_average(
                regular, parsed["gk"], parsed["ck"], periods_per_year=assignment.periods_per_year
            )
            shown = fmt(result.value, 1) if result.value is not None else ""
    except RuleError as exc:
        return {"average": "", "explanation": str(exc), "errors": errors}
    explanation = result.explanation
    text = explanation.formula or explanation.text
    return {"average": shown, "explanation": f"{text} ({explanation.rule})", "errors": errors}
