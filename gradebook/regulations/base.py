"""Shared vocabulary of the regulations: exact arithmetic, levels, explainable results.

No Django import here or in any regulation module: the rules are plain Python so they can be used in
bulk (a whole school at once) and checked by anyone with `manage.py assess_cases`.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

PASS = "Đ"  # noqa: S105 — the level Đạt, not a password
FAIL = "CĐ"  # Chưa đạt
EXEMPT = "Miễn"

Number = Decimal | int | float | str | Fraction


class RuleError(ValueError):
    """Input that a regulation cannot evaluate (the message says why, in Vietnamese)."""


def to_fraction(value: Number) -> Fraction:
    """Exact value of a score; floats go through their shortest decimal representation (8.25 → 8,25)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise RuleError(f"Điểm không hợp lệ: {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise RuleError(f"Điểm không hợp lệ: {value!r}")
        return Fraction(Decimal(repr(value)))
    try:
        return Fraction(Decimal(str(value).replace(",", ".")))
    except Exception:  # noqa: BLE001 — any unparsable input becomes a rule error
        raise RuleError(f"Điểm không hợp lệ: {value!r}") from None


def check_score(value: Number) -> Fraction:
    """A score on the 10-point scale with at most one decimal (TT22 Điều 5 khoản 3 điểm b)."""
    exact = to_fraction(value)
    if exact < 0 or exact > 10:
        raise RuleError(f"Điểm {fmt(exact)} nằm ngoài thang điểm 10")
    if (exact * 10).denominator != 1:
        raise RuleError(f"Điểm {fmt(exact)} có quá một chữ số thập phân")
    return exact


def round1(value: Fraction) -> Decimal:
    """Round to one decimal, half up, on the exact value.

    TT22 Điều 5 khoản 3 điểm b and TT58 Điều 10 khoản 1 điểm c: "lấy đến chữ số thập phân thứ nhất
    sau khi làm tròn số" — the ordinary (half-up) rounding: 6,45 → 6,5; 8,25 → 8,3. Python's round()
    on floats would give 8,2. Scores are never negative, so half up = floor(x·10 + ½)/10.
    """
    tenths = math.floor(value * 10 + Fraction(1, 2))
    return Decimal(tenths) / Decimal(10)


def fmt(value: Number | None, places: int | None = None) -> str:
    """Vietnamese number: decimal comma; `places` fixes the decimals, otherwise as few as exact."""
    if value is None:
        return "—"
    if isinstance(value, Fraction):
        if value.denominator in (1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 100, 1000):
            value = Decimal(value.numerator) / Decimal(value.denominator)
        else:
            return fmt(Decimal(value.numerator) / Decimal(value.denominator), 3 if places is None else places)
    d = Decimal(str(value))
    if places is not None:
        text = f"{d:.{places}f}"
    else:
        text = format(d.normalize(), "f")
    return text.replace(".", ",")


@dataclass
class Explanation:
    """Why a result is what it is: the rule, the formula with the numbers filled in, the inputs."""

    rule: str
    text: str
    formula: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "text": self.text,
            "formula": self.formula,
            "inputs": self.inputs,
            "steps": self.steps,
        }


@dataclass
class AverageResult:
    """A subject average (ĐTBmhk, ĐTBmcn, ĐTBhk …). `value` is None while it is not computable."""

    value: Decimal | None
    complete: bool
    explanation: Explanation
    missing: list[str] = field(default_factory=list)
    required_regular_count: int | None = None


@dataclass
class CommentResult:
    """Đ / CĐ of a comment-assessed subject."""

    result: str
    complete: bool
    explanation: Explanation
    missing: list[str] = field(default_factory=list)


@dataclass
class LevelResult:
    """Kết quả học tập (TT22) or học lực (TT58)."""

    level: str | None
    level_before_adjustment: str | None
    explanation: Explanation
    overall_average: Decimal | None = None
    missing: list[str] = field(default_factory=list)


@dataclass
class Decision:
    """Promotion decision with its reason."""

    decision: str
    explanation: Explanation


def count_at_least(values: Iterable[Decimal], threshold: str) -> int:
    limit = Decimal(threshold)
    return sum(1 for v in values if v >= limit)


_COMMENT_WORDS = {
    "đ": PASS,
    "d": PASS,
    "đạt": PASS,
    "dat": PASS,
    "cđ": FAIL,
    "cd": FAIL,
    "chưa đạt": FAIL,
    "chua dat": FAIL,
    "miễn": EXEMPT,
    "mien": EXEMPT,
}


def normalise_comment(value: Any) -> str | None:
    """'Đ', 'D', 'Đạt' → Đ; 'CĐ', 'CD', 'Chưa đạt' → CĐ; 'Miễn' → Miễn; None stays None."""
    if value is None:
        return None
    key = " ".join(unicodedata.normalize("NFC", str(value)).lower().split())
    if key not in _COMMENT_WORDS:
        raise RuleError(f"Mức đánh giá không hợp lệ: {value!r} (chỉ nhận Đ, CĐ hoặc Miễn)")
    return _COMMENT_WORDS[key]


def scores_map(scored: Mapping[str, Any]) -> dict[str, Decimal | None]:
    """Subject averages as one-decimal Decimals; None stays None (not yet computable)."""
    out: dict[str, Decimal | None] = {}
    for subject, value in scored.items():
        out[subject] = None if value is None else Decimal(str(round1(check_score(value))))
        if value is not None and to_fraction(value) != to_fraction(out[subject]):
            raise RuleError(f"ĐTB môn {subject} phải có một chữ số thập phân: {value!r}")
    return out


def comments_map(commented: Mapping[str, Any]) -> dict[str, str | None]:
    return {subject: normalise_comment(value) for subject, value in commented.items()}


def weighted_formula(parts: list[tuple[int, list[Fraction]]], total: Fraction, weight: int) -> str:
    """'(8 + 7 + 9 + 2 × 7,5 + 3 × 8)/(3 + 5)' and the like."""
    terms = []
    for coefficient, values in parts:
        for v in values:
            terms.append(fmt(v) if coefficient == 1 else f"{coefficient} × {fmt(v)}")
    return f"({' + '.join(terms)})/{weight} = {fmt(total)}/{weight}"
