"""Shared vocabulary of the regulations: exact arithmetic, levels, explainable results.

No Django import here or in any regulation module: the rules are plain Python so they can be used in
bulk (a whole school at once) and checked by anyone with `manage.py assess_cases`.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping
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


class Tenths(int):
    """A score already given in tenths (75 = 7,5), e.g. straight from the database in bulk."""

    __slots__ = ()


TENTHS = tuple(Tenths(i) for i in range(101))
_TENTHS_CACHE: dict[Any, int] = {}


def tenths(value: Number) -> int:
    """A score on the 10-point scale with at most one decimal (TT22 Điều 5 khoản 3 điểm b), as an
    exact whole number of tenths: 7,5 → 75. All the circulars' arithmetic is done on these.

    Valid numeric scores are few (0,0 … 10,0), so their conversions are cached; equal numbers (8, 8.0,
    Decimal('8.0')) map to the same tenths, and bools and strings never enter the cache."""
    kind = type(value)
    if kind is Tenths and 0 <= value <= 100:  # type: ignore[operator]
        return value  # type: ignore[return-value]
    if kind is bool:
        raise RuleError(f"Điểm không hợp lệ: {value!r}")
    if kind is not str:
        cached = _TENTHS_CACHE.get(value)
        if cached is not None:
            return cached
    t = _tenths(value)
    if kind is not str:
        _TENTHS_CACHE[value] = t
    return t


def _tenths(value: Number) -> int:
    if type(value) is Decimal and value.is_finite():
        scaled = value * 10
        t = int(scaled)
        if t != scaled:
            raise RuleError(f"Điểm {fmt(value)} có quá một chữ số thập phân")
    elif type(value) is int:
        t = value * 10
    else:
        exact = to_fraction(value) * 10
        if exact.denominator != 1:
            raise RuleError(f"Điểm {fmt(exact / 10)} có quá một chữ số thập phân")
        t = int(exact)
    if t < 0 or t > 100:
        raise RuleError(f"Điểm {fmt(Fraction(t, 10))} nằm ngoài thang điểm 10")
    return t


def check_score(value: Number) -> Fraction:
    """The exact value of a valid score (see `tenths`)."""
    return Fraction(tenths(value), 10)


def divide_half_up(total_tenths: int, weight: int) -> int:
    """(total / weight) rounded to one decimal, half up, in tenths — exact integer arithmetic.

    TT22 Điều 5 khoản 3 điểm b and TT58 Điều 10 khoản 1 điểm c: "lấy đến chữ số thập phân thứ nhất
    sau khi làm tròn số" — ordinary half-up rounding: 51,6/8 = 6,45 → 6,5; 66/8 = 8,25 → 8,3 (Python's
    round() on floats gives 8,2). Scores are never negative, so half up = floor(x + ½).
    """
    return (2 * total_tenths + weight) // (2 * weight)


def from_tenths(t: int) -> Decimal:
    """75 → Decimal('7.5'); 80 → Decimal('8.0')."""
    return Decimal(f"{t // 10}.{t % 10}")


def round1(value: Fraction) -> Decimal:
    """Round an exact value to one decimal, half up (see divide_half_up)."""
    tenths_value = math.floor(value * 10 + Fraction(1, 2))
    return Decimal(tenths_value) / Decimal(10)


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


def fmt_tenths(t: int, fixed: bool = False) -> str:
    """75 → '7,5'; 80 → '8' (or '8,0' when fixed)."""
    if t % 10 or fixed:
        return f"{t // 10},{t % 10}"
    return str(t // 10)


class Explanation:
    """Why a result is what it is: the rule, the formula with the numbers filled in, the inputs.

    Pass `lazy` (a function returning a dict of the other fields) so that bulk computations pay for
    the text only when someone asks "why?"."""

    __slots__ = ("rule", "_text", "_formula", "_inputs", "_steps", "_lazy")

    def __init__(
        self,
        rule: str,
        text: str = "",
        formula: str = "",
        inputs: dict | None = None,
        steps: list[str] | None = None,
        *,
        lazy: Callable[[], dict[str, Any]] | None = None,
    ):
        self.rule = rule
        self._text, self._formula = text, formula
        self._inputs = inputs if inputs is not None else {}
        self._steps = steps if steps is not None else []
        self._lazy = lazy

    def _resolve(self) -> None:
        if self._lazy is not None:
            fields = self._lazy()
            self._lazy = None
            self._text = fields.get("text", self._text)
            self._formula = fields.get("formula", self._formula)
            self._inputs = fields.get("inputs", self._inputs)
            self._steps = fields.get("steps", self._steps)

    @property
    def text(self) -> str:
        self._resolve()
        return self._text

    @property
    def formula(self) -> str:
        self._resolve()
        return self._formula

    @property
    def inputs(self) -> dict[str, Any]:
        self._resolve()
        return self._inputs

    @property
    def steps(self) -> list[str]:
        self._resolve()
        return self._steps

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
    tenths: Tenths | None = None  # the same value in tenths, for bulk work


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


_CANONICAL = frozenset({PASS, FAIL, EXEMPT})
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
    if value is None or value in _CANONICAL:
        return value
    key = " ".join(unicodedata.normalize("NFC", str(value)).lower().split())
    if key not in _COMMENT_WORDS:
        raise RuleError(f"Mức đánh giá không hợp lệ: {value!r} (chỉ nhận Đ, CĐ hoặc Miễn)")
    return _COMMENT_WORDS[key]


def tenths_map(scored: Mapping[str, Any]) -> dict[str, int | None]:
    """Subject averages (one decimal) as tenths; None stays None (not yet computable)."""
    return {subject: None if value is None else tenths(value) for subject, value in scored.items()}


def count_at_least(values: Iterable[int], threshold_tenths: int) -> int:
    return sum(1 for v in values if v >= threshold_tenths)


def comments_map(commented: Mapping[str, Any]) -> dict[str, str | None]:
    return {subject: normalise_comment(value) for subject, value in commented.items()}
