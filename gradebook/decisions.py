"""What happens to each cell of a save: pure decisions, no database.

The score grid's save and the two correction steps that write scores are written as
**load → decide → write**: a service loads what it needs under its lock into the typed values below,
asks these functions about each cell, then hands the rows to one write step
(`services.scores.write_scores`). Everything that can refuse a cell — it is not part of the grid, sent
twice, the student left, exempted, a stale version, a locked month, a missing reason, a correction
naming an open or unlocked cell, a score changed after the request — is decided here and tested in
tests/test_decisions.py without a database. The rules behind them are in docs/workflows.md
(score entry, locks and corrections).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID, uuid4

from django.utils.translation import gettext as _

from gradebook.cells import (
    COMMENT_COLUMN,
    MAX_COMMENT,
    CellError,
    column_of,
    display_value,
    key_label,
    key_of,
    parse_cell,
)
from gradebook.models import AssessmentKind
from gradebook.selectors.locks import month_lock_message

# -- what the client sends and what it is told -------------------------------------------------------


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


# -- what a save loads -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SavedScore:
    """A saved score as the save reads it (the fields a decision and a whole-row write need)."""

    enrolment_id: int
    kind: str
    index: int
    uuid: UUID
    value: Decimal | None
    level: str
    version: int
    first_entered_at: datetime | None
    late: bool

    @property
    def content(self) -> tuple[Decimal | None, str]:
        return self.value, self.level


# the order a query must select a SavedScore's fields in
SAVED_SCORE_FIELDS = tuple(f.name for f in fields(SavedScore))
EMPTY: tuple[Decimal | None, str] = (None, "")


class Pupil(NamedTuple):
    """A student of the class roster as the save needs them."""

    id: int  # the enrolment's id
    studying: bool


class SavedComment(NamedTuple):
    text: str
    version: int


@dataclass(frozen=True)
class GridLoad:
    """Everything the decisions of one grid save read, loaded under the class-subject's row lock."""

    term: str
    subject_kind: str  # Subject.Kind
    columns: dict[str, tuple[str, int]]  # column key → (kind, index) of the score columns
    roster: dict[str, Pupil]  # enrolment uuid → pupil
    scores: dict[tuple[int, str], SavedScore]  # (enrolment id, column key) → saved score
    comments: dict[int, SavedComment]  # enrolment id → saved subject comment
    held: dict[str, date | None]  # column key → the day the assessment was held
    exempt: frozenset[int]  # enrolment ids exempted from the subject (TT58 Điều 12)
    month_until: date | None  # scores of assessments held on or before it are locked
    entry_days: tuple[int, int]  # the school's days to enter a regular / a periodic score
    reason: str  # why saved scores change (required to change one)
    name_of: Callable[[int], str]  # an enrolment's student name, for a refusal


# -- what a save writes ------------------------------------------------------------------------------


@dataclass
class ScoreRow:
    """One score row to write, whole: its fields are the Score model's columns (by attname); the
    change reason and whether it is new travel with it (names with "_" are not columns)."""

    uuid: UUID
    assignment_id: int
    enrolment_id: int
    term: str
    kind: str
    index: int
    value: Decimal | None
    level: str
    held_on: date | None
    version: int
    updated_by_id: int
    updated_at: datetime
    first_entered_at: datetime | None
    late: bool
    _reason: str = ""
    _created: bool = False


@dataclass
class CommentRow:
    enrolment_id: int
    text: str
    version: int
    created: bool


@dataclass
class GridDecisions:
    outcomes: list[CellOutcome] = field(default_factory=list)
    scores: list[ScoreRow] = field(default_factory=list)
    comments: list[CommentRow] = field(default_factory=list)


# -- the grid's decisions ----------------------------------------------------------------------------


def decide_grid(
    changes: Iterable[CellChange],
    load: GridLoad,
    *,
    assignment_id: int,
    author_id: int,
    now: datetime,
    today: date,
) -> GridDecisions:
    """Each cell on its own: a bad cell never blocks the good ones."""
    decided = GridDecisions()
    seen: set[tuple[str, str]] = set()
    for change in changes:
        outcome = CellOutcome(change.enrolment, change.column, "refused")
        decided.outcomes.append(outcome)
        pupil = refuse_cell(change, load, seen, outcome)
        if pupil is None:
            continue
        if change.column == COMMENT_COLUMN:
            row = decide_comment(change, load.comments.get(pupil.id), outcome)
            if row is not None:
                row.enrolment_id = pupil.id
                decided.comments.append(row)
            continue
        score = decide_score(
            change,
            pupil.id,
            load,
            outcome,
            assignment_id=assignment_id,
            author_id=author_id,
            now=now,
            today=today,
        )
        if score is not None:
            decided.scores.append(score)
    return decided


def refuse_cell(
    change: CellChange, load: GridLoad, seen: set[tuple[str, str]], outcome: CellOutcome
) -> Pupil | None:
    """The checks every cell passes first; the pupil when it passes, else None with the message set."""
    pupil = load.roster.get(change.enrolment)
    if pupil is None or (change.column not in load.columns and change.column != COMMENT_COLUMN):
        outcome.message = _("This cell is not part of the grid.")
        return None
    if (change.enrolment, change.column) in seen:
        outcome.message = _("The same cell was sent twice.")
        return None
    seen.add((change.enrolment, change.column))
    if not pupil.studying:
        outcome.message = _("%(name)s no longer studies in this class.") % {"name": load.name_of(pupil.id)}
        return None
    return pupil


def decide_score(
    change: CellChange,
    enrolment_id: int,
    load: GridLoad,
    outcome: CellOutcome,
    *,
    assignment_id: int,
    author_id: int,
    now: datetime,
    today: date,
) -> ScoreRow | None:
    """A score cell: parsed, checked against the exemption, the version the client saw, the reason a
    change of a saved score needs and the month lock; the row to write, or None."""
    try:
        value, level = parse_cell(load.subject_kind, change.value)
    except CellError as exc:
        outcome.message = str(exc)
        return None
    if enrolment_id in load.exempt and (value is not None or level):
        outcome.message = _("%(name)s is exempted from this subject: no score is entered.") % {
            "name": load.name_of(enrolment_id)
        }
        return None
    saved = load.scores.get((enrolment_id, change.column))
    version, content = (saved.version, saved.content) if saved is not None else (0, EMPTY)
    outcome.value, outcome.version = display_value(*content), version
    if (value, level) == content:
        outcome.status = "unchanged"  # whatever version the client saw: nothing to write
        return None
    if change.version != version:
        outcome.status = "conflict"  # the service names who changed it (read only for a conflict)
        return None
    had_value = content != EMPTY
    if had_value and not load.reason:
        outcome.message = _("Changing a saved score needs a reason.")
        return None
    held_on = load.held.get(change.column)
    if load.month_until and held_on and held_on <= load.month_until:
        outcome.message = month_lock_message(load.month_until)
        return None
    kind, index = load.columns[change.column]
    row = next_row(
        saved,
        (assignment_id, enrolment_id, load.term, kind, index),
        (value, level),
        held_on=held_on,
        author_id=author_id,
        now=now,
        reason=load.reason if had_value else "",
    )
    if row.first_entered_at is None and (value is not None or level):
        row.first_entered_at = now
        row.late = is_late(held_on, kind, load.entry_days, today)
    outcome.status = "saved"
    outcome.value, outcome.version = display_value(value, level), row.version
    return row


def next_row(
    saved: SavedScore | None,
    cell: tuple[int, int, str, str, int],
    content: tuple[Decimal | None, str],
    *,
    held_on: date | None,
    author_id: int,
    now: datetime,
    reason: str,
) -> ScoreRow:
    """The row that follows `saved` (or the first one) of the cell (assignment id, enrolment id, term,
    kind, index): the new content, the next version, the same uuid, first entry and late flag."""
    assignment_id, enrolment_id, term, kind, index = cell
    value, level = content
    return ScoreRow(
        uuid=saved.uuid if saved else uuid4(),
        assignment_id=assignment_id,
        enrolment_id=enrolment_id,
        term=term,
        kind=kind,
        index=index,
        value=value,
        level=level,
        held_on=held_on,
        version=(saved.version if saved else 0) + 1,
        updated_by_id=author_id,
        updated_at=now,
        first_entered_at=saved.first_entered_at if saved else None,
        late=saved.late if saved else False,
        _reason=reason,
        _created=saved is None,
    )


def is_late(held_on: date | None, kind: str, entry_days: tuple[int, int], today: date) -> bool:
    """A first entry later than the school's days after the assessment (regular, periodic)."""
    if held_on is None:
        return False
    regular_days, periodic_days = entry_days
    return today > held_on + timedelta(days=regular_days if kind == AssessmentKind.REGULAR else periodic_days)


def decide_comment(change: CellChange, saved: SavedComment | None, outcome: CellOutcome) -> CommentRow | None:
    """A subject comment cell (TT22 Điều 7): at most MAX_COMMENT characters, the version the client saw."""
    text = " ".join(str(change.value or "").split())
    if len(text) > MAX_COMMENT:
        outcome.message = _("A comment has at most %(n)d characters.") % {"n": MAX_COMMENT}
        return None
    version = saved.version if saved else 0
    outcome.value, outcome.version = (saved.text if saved else ""), version
    if text == outcome.value:
        outcome.status = "unchanged"
        return None
    if change.version != version:
        outcome.status = "conflict"
        return None
    outcome.status, outcome.value, outcome.version = "saved", text, version + 1
    return CommentRow(0, text, version + 1, saved is None)


def conflict_message(who: str, when: str) -> str:
    return _("Changed meanwhile by %(who)s at %(when)s.") % {"who": who or "?", "when": when}


# -- corrections -------------------------------------------------------------------------------------


@dataclass
class RequestedCell:
    enrolment: str  # enrolment uuid
    column: str  # "tx1", "gk", "ck"
    value: str  # the value asked for, as typed ("8,5", "Đ", "" to clear)


@dataclass(frozen=True, slots=True)
class RequestedChange:
    """One cell of a correction request: the saved value and version it replaces and the new value."""

    enrolment_id: int
    kind: str
    index: int
    old: tuple[Decimal | None, str]
    old_version: int
    new: tuple[Decimal | None, str]


def decide_requested_cell(
    cell: RequestedCell,
    *,
    enrolment_id: int | None,
    subject_kind: str,
    locked: set[str],
    pending: set[tuple[int, str]],
    saved: SavedScore | None,
) -> RequestedChange | str:
    """A cell a teacher asks to correct: only a locked column (an open one is changed in the grid),
    not one already in a request awaiting a decision, a valid value that differs from the saved one.
    The change, or the message for the cell."""
    try:
        kind, index = column_of(cell.column)
    except ValueError:
        enrolment_id = None
    if enrolment_id is None:
        return _("This cell is not part of the grid.")
    if cell.column not in locked:
        return _("This column is not locked: change it in the score grid, with a reason.")
    if (enrolment_id, cell.column) in pending:
        return _("This cell is already in a request awaiting a decision.")
    try:
        new = parse_cell(subject_kind, cell.value)
    except CellError as exc:
        return str(exc)
    old = saved.content if saved else EMPTY
    if new == old:
        return _("The new value is the value already entered.")
    return RequestedChange(enrolment_id, kind, index, old, saved.version if saved else 0, new)


@dataclass(frozen=True, slots=True)
class ApprovedCell:
    """An approved cell of a correction as the admin board applies it."""

    enrolment_id: int
    kind: str
    index: int
    old_version: int
    new: tuple[Decimal | None, str]
    student_name: str


def decide_applied_cell(
    cell: ApprovedCell,
    saved: SavedScore | None,
    *,
    assignment_id: int,
    term: str,
    held_on: date | None,
    author_id: int,
    now: datetime,
    reason: str,
) -> ScoreRow | str:
    """An approved cell written by the admin board: only over the version the request saw (a score
    changed since then needs a new request); the row, or the message that stops the whole correction."""
    version = saved.version if saved else 0
    if version != cell.old_version:
        return _(
            "The score of %(name)s (%(column)s) changed after the request: the teacher files a new request."
        ) % {"name": cell.student_name, "column": key_label(key_of(cell.kind, cell.index))}
    row = next_row(
        saved,
        (assignment_id, cell.enrolment_id, term, cell.kind, cell.index),
        cell.new,
        held_on=held_on,
        author_id=author_id,
        now=now,
        reason=reason,
    )
    row.first_entered_at = row.first_entered_at or now
    return row
