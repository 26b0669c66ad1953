"""Which regulation applies to a (school year, grade) — docs/rules.md: which circular.

TT22 by roadmap: 2021-22 grade 6; 2022-23 grades 7, 10; 2023-24 grades 8, 11; 2024-25 grades 9, 12.
Before that TT58, amended by TT26 from 2020-2021 (in force 11/10/2020). A new circular: add its module
and one line to `_ROADMAP` with the first school year and grades it covers.
"""

from __future__ import annotations

from gradebook.regulations.base import RuleError
from gradebook.regulations.regulation import Regulation
from gradebook.regulations.tt22 import TT22
from gradebook.regulations.tt58 import TT58

_TT22 = TT22()
_TT58 = TT58(amended=False)
_TT58_TT26 = TT58(amended=True)

REGULATIONS: dict[str, Regulation] = {r.code: r for r in (_TT22, _TT58, _TT58_TT26)}

# grade → first school year (start year) under TT22
_TT22_START = {6: 2021, 7: 2022, 10: 2022, 8: 2023, 11: 2023, 9: 2024, 12: 2024}
_TT26_START = 2020


def regulation_for(start_year: int, grade: int) -> Regulation:
    """The regulation in force for a class of `grade` in school year `start_year`-`start_year+1`."""
    if grade not in _TT22_START:
        raise RuleError(f"Khối lớp không hợp lệ: {grade}")
    if start_year >= _TT22_START[grade]:
        return _TT22
    if start_year >= _TT26_START:
        return _TT58_TT26
    return _TT58


def get(code: str) -> Regulation:
    try:
        return REGULATIONS[code]
    except KeyError:
        raise RuleError(f"Không có quy định {code!r}") from None


def parse_school_year(text: str) -> int:
    """'2024-2025' → 2024."""
    try:
        first, second = (int(part) for part in str(text).split("-"))
    except ValueError:
        raise RuleError(f"Năm học không hợp lệ: {text!r} (dạng 2024-2025)") from None
    if second != first + 1:
        raise RuleError(f"Năm học không hợp lệ: {text!r}")
    return first
