"""The cells of the score grid, as plain values: which columns a class-subject has (TT22 Điều 6, 7), their
keys ("tx1", "gk", "ck", "comment"), what a typed cell means and how a saved one is shown. Shared by
the grid's writes (services/scores.py) and every page and export that shows scores."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import gettext as _

from gradebook.models import AssessmentKind, Subject, TeachingAssignment
from gradebook.regulations import registry
from gradebook.regulations.base import fmt
from sodiem.domain import DomainError

COMMENT_COLUMN = "comment"
MAX_COMMENT = 500
_SCORE_RE = re.compile(r"^\d{1,2}(?:[.,]\d)?$")
_LEVELS = {"đ": "D", "d": "D", "đạt": "D", "cđ": "CD", "cd": "CD", "chưa đạt": "CD"}


@dataclass(frozen=True)
class Column:
    key: str  # "tx1", "gk", "ck", "comment"
    kind: str  # AssessmentKind or COMMENT_COLUMN
    index: int
    label: str


def columns_for(assignment: TeachingAssignment, term: str, extra_regular: int = 0) -> list[Column]:
    """The columns the regulation requires for this class-subject (TT22 Điều 6, 7)."""
    rules = registry.get(assignment.classroom.regulation)
    count = rules.regular_count(
        by_comment=assignment.subject.kind == Subject.Kind.COMMENT,
        periods_per_year=assignment.periods_per_year,
        topic_cluster=assignment.topic_cluster,
    )
    count = max(count, extra_regular)
    cols = [Column(f"tx{i}", AssessmentKind.REGULAR, i, key_label(f"tx{i}")) for i in range(1, count + 1)]
    cols.append(Column("gk", AssessmentKind.MIDTERM, 1, key_label("gk")))
    cols.append(Column("ck", AssessmentKind.FINAL, 1, key_label("ck")))
    return cols


def key_label(key: str) -> str:
    """A grid column as the forms name it, one set of terms everywhere (docs/glossary.md): tx1 → ĐĐGtx 1,
    gk → ĐĐGgk, ck → ĐĐGck."""
    if key.startswith("tx"):
        return f"ĐĐGtx {key[2:]}"
    return {"gk": "ĐĐGgk", "ck": "ĐĐGck"}.get(key, key)


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


_PERIODIC_KEYS: dict[str, str] = {AssessmentKind.MIDTERM: "gk", AssessmentKind.FINAL: "ck"}


@lru_cache(maxsize=64)
def key_of(kind: str, index: int) -> str:
    return _PERIODIC_KEYS.get(kind, f"tx{index}")


class CellError(DomainError, ValueError):
    """A typed cell that is not a score (or a level) of this subject."""


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
def display_value(value: Decimal | None, level: str, places: int | None = None) -> str:
    """What the cell shows: 8 / 8,5 / Đ / CĐ; on paper (`places=1`) a mark keeps its decimal: 8,0."""
    if level:
        return "Đ" if level == "D" else "CĐ"
    if value is None:
        return ""
    return fmt(value, places)
