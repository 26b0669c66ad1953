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
from statistics import mean
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts import authz
from accounts.authz import Action
from accounts.models import User
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
from gradebook.services.bulk_history import REASON_MAX, upsert_with_history
from gradebook.services.locks import PeriodLocked, ensure_open, lock_state, month_lock_message

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


def column_of(key: str) -> tuple[str, int]:
    if key == "gk":
        return AssessmentKind.MIDTERM, 1
    if key == "ck":
        return AssessmentKind.FINAL, 1
    match = re.fullmatch(r"tx(\d{1,2})", key)
    if match and 1 <= int(match.group(1)) <= 20:
        return AssessmentKind.REGULAR, int(match.group(1))
    raise ValueError(key)


def key_of(kind: str, index: int) -> str:
    return {AssessmentKind.MIDTERM: "gk", AssessmentKind.FINAL: "ck"}.get(kind, f"tx{index}")


class CellError(ValueError):
    pass


def parse_cell(subject_kind: str, raw: str) -> tuple[Decimal | None, str]:
    """Typed text → (value, level). '' clears. '8,5' and '8.5' both mean 8,5."""
    text = " ".join(str(raw or "").split())
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


def _load(assignment: TeachingAssignment, term: str, enrolment_ids: set[int], whole_class: bool):
    """The saved cells of the students concerned (the whole class without an IN list: a save of the
    whole grid would otherwise send 45 ids and make the planner work for nothing)."""
    scores = Score.objects.filter(assignment=assignment, term=term)
    comments = SubjectComment.objects.filter(assignment=assignment, term=term).select_related("updated_by")
    if not whole_class:
        scores = scores.filter(enrolment_id__in=enrolment_ids)
        comments = comments.filter(enrolment_id__in=enrolment_ids)
    # Plain rows, not model instances: a whole grid is 400+ cells and the upsert reads attributes only.
    # The author's name is needed only for a conflict, rare: loaded then (see _who).
    rows = (
        SimpleNamespace(**dict(zip(SCORE_FIELDS, values, strict=True)))
        for values in scores.values_list(*SCORE_FIELDS)
    )
    return {(r.enrolment_id, key_of(r.kind, r.index)): r for r in rows}, {c.enrolment_id: c for c in comments}


SCORE_FIELDS = [f.attname for f in Score._meta.concrete_fields]


def _exempt_ids(assignment: TeachingAssignment, term: str, enrolment_ids) -> set[int]:
    return set(
        Exemption.objects.filter(
            subject=assignment.subject, enrolment_id__in=enrolment_ids, scope__in=[term, Exemption.Scope.YEAR]
        ).values_list("enrolment_id", flat=True)
    )


def _who(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    author = User.objects.filter(pk=obj.updated_by_id).first() if obj.updated_by_id else None
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
    try:
        month_until = ensure_open(assignment.classroom, term).month_until
    except PeriodLocked as exc:
        raise GridError(str(exc)) from None
    reason = " ".join((reason or "").split())[:REASON_MAX].strip()
    school = assignment.classroom.school_year.school
    subject_kind = assignment.subject.kind
    valid_columns = {c.key for c in columns_for(assignment, term, extra_regular=20)} | {COMMENT_COLUMN}
    report = SaveReport()
    now = timezone.now()
    today = timezone.localdate()
    history = {"ip_address": ip, "correction_id": None}  # grid entry, not a correction

    with transaction.atomic():
        # One writer at a time per class-subject: the row lock serialises saves, so version checks and
        # inserts of new cells cannot race (two tabs, two people, a retry).
        TeachingAssignment.objects.select_for_update().only("pk").get(pk=assignment.pk)
        # the student's name only appears in a refusal (rare): loaded then
        enrolments = {
            str(e.uuid): e
            for e in Enrolment.objects.filter(classroom_id=assignment.classroom_id).only(
                "pk", "uuid", "status"
            )
        }
        wanted = {enrolments[c.enrolment].pk for c in changes if c.enrolment in enrolments}
        scores, comments = _load(assignment, term, wanted, whole_class=len(wanted) == len(enrolments))
        exempt = (
            _exempt_ids(assignment, term, wanted)
            if registry.get(assignment.classroom.regulation).exemption_removes_subject
            else set()
        )
        columns = {
            (c.kind, c.index): c for c in AssessmentColumn.objects.filter(assignment=assignment, term=term)
        }
        if dates:
            _save_dates(assignment, term, dates, columns, actor, ip, month_until)

        new_scores: list[Score] = []
        changed_scores: list[Score] = []
        new_comments: list[SubjectComment] = []
        changed_comments: list[SubjectComment] = []
        seen: set[tuple[str, str]] = set()
        for change in changes:
            outcome = CellOutcome(change.enrolment, change.column, "refused")
            report.outcomes.append(outcome)
            enrolment = enrolments.get(change.enrolment)
            if enrolment is None or change.column not in valid_columns:
                outcome.message = _("This cell is not part of the grid.")
                continue
            if (change.enrolment, change.column) in seen:
                outcome.message = _("The same cell was sent twice.")
                continue
            seen.add((change.enrolment, change.column))
            if enrolment.status != Enrolment.Status.STUDYING:
                outcome.message = _("%(name)s no longer studies in this class.") % {"name": enrolment.student}
                continue
            if change.column == COMMENT_COLUMN:
                _comment_change(
                    actor,
                    assignment,
                    term,
                    enrolment,
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
            if enrolment.pk in exempt and (value is not None or level):
                outcome.message = _("%(name)s is exempted from this subject: no score is entered.") % {
                    "name": enrolment.student
                }
                continue
            current = scores.get((enrolment.pk, change.column))
            current_version = current.version if current else 0
            current_value = (current.value, current.level) if current else (None, "")
            outcome.value = display_value(*current_value)
            outcome.version = current_version
            if change.version != current_version:
                if (value, level) == current_value:
                    outcome.status = "unchanged"
                    continue
                outcome.status = "conflict"
                outcome.changed_by, outcome.changed_at = _who(current)
                outcome.message = _("Changed meanwhile by %(who)s at %(when)s.") % {
                    "who": outcome.changed_by or "?",
                    "when": outcome.changed_at,
                }
                continue
            if (value, level) == current_value:
                outcome.status = "unchanged"
                continue
            had_value = current is not None and (current.value is not None or current.level)
            if had_value and not reason:
                outcome.message = _("Changing a saved score needs a reason.")
                continue
            kind, index = column_of(change.column)
            column = columns.get((kind, index))
            if month_until and column and column.held_on and column.held_on <= month_until:
                outcome.message = month_lock_message(month_until)
                continue
            if current is None:
                current = SimpleNamespace(
                    id=None,
                    uuid=uuid.uuid4(),
                    assignment_id=assignment.pk,
                    enrolment_id=enrolment.pk,
                    term=term,
                    kind=kind,
                    index=index,
                    version=0,
                    first_entered_at=None,
                    late=False,
                )
                new_scores.append(current)
            else:
                changed_scores.append(current)
            current.value, current.level = value, level
            current.version += 1
            current.updated_by_id = actor.pk
            current.updated_at = now
            current.held_on = column.held_on if column else None
            if current.first_entered_at is None and (value is not None or level):
                current.first_entered_at = now
                current.late = _is_late(current.held_on, kind, school, today)
            current._change_reason = reason if had_value else ""
            outcome.status = "saved"
            outcome.value = display_value(value, level)
            outcome.version = current.version

        written = new_scores + changed_scores
        upsert_with_history(
            Score,
            written,
            unique_fields=["assignment", "enrolment", "term", "kind", "index"],
            reasons=[score._change_reason for score in written],
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
    actor, assignment, term, enrolment, change, comments, outcome, new_comments, changed_comments, reason
):
    text = " ".join(str(change.value or "").split())
    if len(text) > MAX_COMMENT:
        outcome.message = _("A comment has at most %(n)d characters.") % {"n": MAX_COMMENT}
        return
    current = comments.get(enrolment.pk)
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
        current = SubjectComment(assignment=assignment, enrolment=enrolment, term=term, version=0)
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


def _save_dates(assignment, term, dates, columns, actor, ip, month_until=None) -> None:
    for key, held_on in dates.items():
        try:
            kind, index = column_of(key)
        except ValueError:
            continue
        column = columns.get((kind, index))
        if column is None:
            column = AssessmentColumn(assignment=assignment, term=term, kind=kind, index=index)
            columns[(kind, index)] = column
        if month_until and any(d and d <= month_until for d in (column.held_on, held_on)):
            continue  # a date inside a locked month stays as it is
        if column.held_on != held_on:
            column.held_on = held_on
            column._history_user = actor
            column.save()


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
