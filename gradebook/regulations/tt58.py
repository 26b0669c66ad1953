"""Thông tư 58/2011/TT-BGDĐT (quy chế đánh giá, xếp loại học sinh THCS và THPT), as amended by
Thông tư 26/2020/TT-BGDĐT from 11/10/2020 (docs/rules.md).

Two instances: `TT58(amended=False)` for years up to 2019-2020 and `TT58(amended=True)` after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from gradebook.regulations.base import (
    EXEMPT,
    FAIL,
    PASS,
    AverageResult,
    CommentResult,
    Decision,
    Explanation,
    LevelResult,
    Number,
    RuleError,
    comments_map,
    divide_half_up,
    fmt,
    fmt_tenths,
    from_tenths,
    normalise_comment,
    tenths_map,
)
from gradebook.regulations.regulation import Regulation, weighted_term_average
from gradebook.regulations.roles import FOREIGN_LANGUAGE, LITERATURE, MATH, role_from_name, roles_of

EXCELLENT = "Giỏi"
GOOD = "Khá"
AVERAGE = "Trung bình"
WEAK = "Yếu"
POOR = "Kém"
RANKS = (EXCELLENT, GOOD, AVERAGE, WEAK, POOR)

CONDUCT_GOOD, CONDUCT_FAIR, CONDUCT_AVERAGE, CONDUCT_WEAK = "Tốt", "Khá", "Trung bình", "Yếu"
CONDUCTS = (CONDUCT_GOOD, CONDUCT_FAIR, CONDUCT_AVERAGE, CONDUCT_WEAK)

GOOD_STUDENT = "Học sinh giỏi"
ADVANCED_STUDENT = "Học sinh tiên tiến"

PROMOTED = "len_lop"
RETAINED = "khong_len_lop"
SUMMER_TRAINING = "ren_luyen_he"
RETEST = "kiem_tra_lai"

MAX_ABSENT_SESSIONS = 45

# Điều 13 khoản 1–3, in tenths: (overall average and key subject ≥, every subject ≥)
# for Giỏi, Khá, Trung bình.
_THRESHOLDS = {
    EXCELLENT: (80, 65),
    GOOD: (65, 50),
    AVERAGE: (50, 35),
}
# Điều 13 khoản 6: (level the average reaches, level actually reached) → adjusted level.
_ADJUSTMENT = {
    (EXCELLENT, AVERAGE): GOOD,
    (EXCELLENT, WEAK): AVERAGE,
    (GOOD, WEAK): AVERAGE,
    (GOOD, POOR): WEAK,
}


def subject_role(name: str) -> str | None:
    """Toán, Ngữ văn and the foreign language by their usual names (roles.role_from_name)."""
    return role_from_name(name)


class TT58(Regulation):
    academic_levels = RANKS
    conduct_levels = CONDUCTS
    failing_levels = (WEAK, POOR)  # Điều 13; Điều 15 khoản 2, Điều 16 (Kém kept down, Yếu retests)
    year_conduct_is_derived = False  # Điều 4: the GVCN's judgement, chiefly on term II
    honour_titles = (GOOD_STUDENT, ADVANCED_STUDENT)
    year_average_rule = "TT58 Điều 10 khoản 1 điểm b, c"
    exemption_removes_subject = True

    def __init__(self, amended: bool = True):
        self.amended = amended
        self.code = "TT58+TT26" if amended else "TT58"
        self.title = (
            "Thông tư 58/2011/TT-BGDĐT, sửa đổi bởi Thông tư 26/2020/TT-BGDĐT"
            if amended
            else "Thông tư 58/2011/TT-BGDĐT"
        )

    @property
    def key_subjects(self) -> tuple[str, ...]:
        # TT26 (amending Điều 13 khoản 1–3 điểm a): "1 trong 3 môn Toán, Ngữ văn, Ngoại ngữ";
        # TT58 gốc: "1 trong 2 môn Toán, Ngữ văn".
        return (MATH, LITERATURE, FOREIGN_LANGUAGE) if self.amended else (MATH, LITERATURE)

    def required_regular_count(self, periods_per_year: int) -> int:
        """TT26 (Điều 8 khoản 1 as amended): ≤ 35 tiết/năm → 2; > 35 đến 70 → 3; > 70 → 4 ĐĐGtx.

        TT58 gốc Điều 8 khoản 1 counts periods per week (35 weeks): ≤ 1 tiết/tuần → ít nhất 2;
        > 1 và < 3 → ít nhất 3; ≥ 3 → ít nhất 4.
        """
        if periods_per_year <= 0:
            raise RuleError("Số tiết/năm học phải lớn hơn 0")
        if self.amended:
            return 2 if periods_per_year <= 35 else 3 if periods_per_year <= 70 else 4
        per_week = Fraction(periods_per_year, 35)
        return 2 if per_week <= 1 else 3 if per_week < 3 else 4

    def term_average(
        self,
        regular: Sequence[Number | None],
        midterm: Number | None,
        final: Number | None,
        *,
        periods_per_year: int | None = None,
        missing_reason: str | None = None,
        periodic: Sequence[Number | None] | None = None,
    ) -> AverageResult:
        """TT26: (TĐĐGtx + 2 × ĐĐGgk + 3 × ĐĐGck)/(Số ĐĐGtx + 5).
        TT58 gốc Điều 10 khoản 1 điểm a: (TĐKTtx + 2 × TĐKTđk + 3 × ĐKThk)/(Số KTtx + 2 × Số KTđk + 3)."""
        required = None if periods_per_year is None else self.required_regular_count(periods_per_year)
        if self.amended:
            return weighted_term_average(
                "TT58 Điều 10 khoản 1 (sửa đổi bởi TT26/2020); Điều 8 khoản 1",
                regular,
                [midterm],
                final,
                required_regular=required,
                required_periodic=1,
                missing_reason=missing_reason,
            )
        periodic_values = list(
            periodic if periodic is not None else ([midterm] if midterm is not None else [])
        )
        return weighted_term_average(
            "TT58 Điều 10 khoản 1 điểm a, c",
            regular,
            periodic_values,
            final,
            required_regular=required,
            required_periodic=len(periodic_values),
            missing_reason=missing_reason,
            labels=("KTtx", "KTđk", "KThk"),
        )

    def comment_term_result(
        self,
        *,
        tests: Sequence[Any] | None = None,
        term_test: Any = None,
        regular: Sequence[Any] | None = None,
        midterm: Any = None,
        final: Any = None,
        required_regular_count: int | None = None,
        **_: Any,
    ) -> CommentResult:
        """TT58 Điều 10 khoản 2 điểm a: Đ = đủ số lần kiểm tra và 2/3 số bài trở lên Đ, trong đó có bài
        kiểm tra học kỳ. Under TT26 the same reading on ĐĐGtx + ĐĐGgk and ĐĐGck [M]."""
        rule = "TT58 Điều 10 khoản 2 điểm a"
        if tests is None:
            tests = list(regular or [])
            if required_regular_count is not None:
                tests += [None] * max(0, required_regular_count - len(tests))
            tests.append(midterm)
            term_test = final
        labels = [f"bài {i}" for i in range(1, len(tests) + 1)] + ["bài kiểm tra học kỳ"]
        values = [normalise_comment(v) for v in list(tests) + [term_test]]
        missing = [label for label, v in zip(labels, values, strict=True) if v is None]
        if missing:
            return CommentResult(
                FAIL,
                False,
                Explanation(rule, "Chưa đủ số lần kiểm tra: thiếu " + ", ".join(missing)),
                missing,
            )
        passed = sum(1 for v in values if v == PASS)
        total = len(values)
        ok = Fraction(passed, total) >= Fraction(2, 3) and values[-1] == PASS
        text = f"{passed}/{total} bài Đ ({'≥' if Fraction(passed, total) >= Fraction(2, 3) else '<'} 2/3), bài kiểm tra học kỳ {values[-1]}"
        return CommentResult(PASS if ok else FAIL, True, Explanation(rule, text))

    def comment_year_result(
        self, term1: Any, term2: Any, *, taught_terms: Sequence[int] | None = None
    ) -> CommentResult:
        """TT58 Điều 10 khoản 2 điểm b: Đ khi học kỳ II Đ (cả hai kỳ Đ, hoặc HK I CĐ và HK II Đ);
        khoản 3: a subject taught in one term only takes that term's result."""
        only = self._only_term(taught_terms)
        if only:
            return self.one_term_comment(term1, term2, only)
        rule = "TT58 Điều 10 khoản 2 điểm b"
        t1, t2 = normalise_comment(term1), normalise_comment(term2)
        if t2 == EXEMPT and t1 not in (None, EXEMPT):
            return CommentResult(
                t1, True, Explanation("TT58 Điều 12", f"Miễn học kỳ II: lấy kết quả học kỳ I ({t1})")
            )
        if t2 is None:
            return CommentResult(FAIL, False, Explanation(rule, "Chưa có kết quả học kỳ II"), ["HK II"])
        return CommentResult(t2, True, Explanation(rule, f"Cả năm theo học kỳ II: {t2}"))

    # -- học lực (Điều 11, 13) -----------------------------------------------------------------

    def _key_ok(self, scores: Mapping[str, int], threshold: int, roles: Mapping[str, str | None]) -> bool:
        """ "Điểm trung bình của 1 trong 3 (TT58 gốc: 2) môn Toán, Ngữ văn, Ngoại ngữ từ … trở lên": with
        none of them among the subjects the condition is not met — it never passes by default."""
        keys = [v for s, v in scores.items() if roles.get(s) in self.key_subjects]
        return any(v >= threshold for v in keys)

    def _reaches(
        self,
        target: str,
        overall: int,
        scores: Mapping[str, int],
        roles: Mapping[str, str | None],
        specialized: str | None,
    ) -> bool:
        """The overall average (and the key / specialised subject) reach the level `target`."""
        avg_min = _THRESHOLDS[target][0]
        spec_ok = specialized is None or scores.get(specialized, 0) >= avg_min
        return overall >= avg_min and self._key_ok(scores, avg_min, roles) and spec_ok

    def _rank(
        self,
        overall: int,
        scores: Mapping[str, int],
        comments: Mapping[str, str],
        roles: Mapping[str, str | None],
        specialized: str | None,
    ) -> str:
        lowest = min(scores.values(), default=100)
        comments_ok = all(c == PASS for c in comments.values())
        for rank, (_avg_min, floor) in _THRESHOLDS.items():
            if self._reaches(rank, overall, scores, roles, specialized) and lowest >= floor and comments_ok:
                return rank
        if overall >= 35 and lowest >= 20:
            return WEAK
        return POOR

    def academic_result(
        self, scored: Mapping[str, Any], commented: Mapping[str, Any], **options: Any
    ) -> LevelResult:
        """Điều 11 (ĐTBhk/ĐTBcn = plain mean of the score subjects, rounded) and Điều 13 (học lực),
        khoản 6 (adjustment when a single subject pulls the rank down)."""
        rule = "TT58 Điều 11, Điều 13" + (" (sửa đổi bởi TT26/2020)" if self.amended else "")
        specialized = options.get("specialized_subject")
        scores = tenths_map(scored)
        # Điều 12: a subject exempted for the whole year takes no part in the ranking.
        comments = {s: c for s, c in comments_map(commented).items() if c != EXEMPT}
        missing = [s for s, v in scores.items() if v is None] + [s for s, v in comments.items() if v is None]
        if missing:
            return LevelResult(
                None,
                None,
                Explanation(rule, "Chưa xếp được: thiếu kết quả môn " + ", ".join(missing)),
                missing=missing,
            )
        if not scores:
            raise RuleError("Không có môn tính điểm để tính ĐTB các môn")
        scores_t: dict[str, int] = {s: v for s, v in scores.items() if v is not None}
        comments_d: dict[str, str] = {s: v for s, v in comments.items() if v is not None}
        roles = roles_of(scores_t, options.get("roles"))
        total = sum(scores_t.values())
        overall = divide_half_up(total, len(scores_t))
        rank = self._rank(overall, scores_t, comments_d, roles, specialized)
        final = rank
        adjusted_by: tuple[str, str] | None = None
        if all(c == PASS for c in comments_d.values()):
            for target in (EXCELLENT, GOOD):
                below = [s for s, v in scores_t.items() if v < _THRESHOLDS[target][1]]
                if (
                    len(below) == 1
                    and (target, rank) in _ADJUSTMENT
                    and self._reaches(target, overall, scores_t, roles, specialized)
                ):
                    final = _ADJUSTMENT[(target, rank)]
                    adjusted_by = (target, below[0])
                    break

        def explain() -> dict[str, Any]:
            formula = (
                f"ĐTB = {fmt_tenths(total)}/{len(scores_t)} = {fmt(Fraction(total, 10 * len(scores_t)))} "
                f"→ {fmt_tenths(overall, True)}"
            )
            steps = [formula, f"Xếp loại theo Điều 13 khoản 1–5: {rank}"]
            if adjusted_by:
                target, subject = adjusted_by
                steps.append(
                    f"Khoản 6: ĐTB đạt loại {target} nhưng do môn {subject} ({fmt_tenths(scores_t[subject], True)}) "
                    f"nên bị xếp {rank} → điều chỉnh thành {final}"
                )
            inputs = {**{s: fmt_tenths(v, True) for s, v in scores_t.items()}, **comments_d}
            return {"text": f"Học lực: {final}", "formula": formula, "inputs": inputs, "steps": steps}

        return LevelResult(final, rank, Explanation(rule, lazy=explain), overall_average=from_tenths(overall))

    # -- hạnh kiểm, khen thưởng, lên lớp --------------------------------------------------------

    def conduct_year(self, term1: str, term2: str) -> str:
        """Điều 4: "chủ yếu căn cứ vào xếp loại hạnh kiểm học kỳ II và sự tiến bộ" — a judgement of the
        GVCN; the suggestion is the HK II level [I]."""
        self.check_level(term1, CONDUCTS, "Hạnh kiểm học kỳ I")
        return self.check_level(term2, CONDUCTS, "Hạnh kiểm học kỳ II")

    def honour(
        self, conduct_year: str, academic_year: str, year_averages: Mapping[str, Any] | None = None
    ) -> Decision:
        """Điều 18: Học sinh giỏi (hạnh kiểm Tốt, học lực Giỏi); Học sinh tiên tiến (≥ Khá, ≥ Khá)."""
        rule = "TT58 Điều 18"
        conduct = self.conduct_rank(conduct_year)
        academic = self.academic_rank(academic_year)
        if conduct == 0 and academic == 0:
            return Decision(GOOD_STUDENT, Explanation(rule, "Hạnh kiểm Tốt, học lực Giỏi"))
        if conduct <= 1 and academic <= 1:
            return Decision(ADVANCED_STUDENT, Explanation(rule, "Hạnh kiểm và học lực từ Khá trở lên"))
        return Decision(self.NO_HONOUR, Explanation(rule, "Chưa đạt điều kiện danh hiệu"))

    def promotion(self, conduct_year: str, academic_year: str, absent_sessions: int, grade: int) -> Decision:
        """Điều 15 (lên lớp / không lên lớp), Điều 16 (kiểm tra lại), Điều 17 (rèn luyện hè)."""
        conduct = self.check_level(conduct_year, CONDUCTS, "Hạnh kiểm cả năm")
        academic = self.check_level(academic_year, RANKS, "Học lực cả năm")
        absent = int(absent_sessions)
        if absent < 0:
            raise RuleError("Số buổi nghỉ không thể âm")
        if absent > MAX_ABSENT_SESSIONS:
            return Decision(
                RETAINED, Explanation("TT58 Điều 15 khoản 2 điểm a", f"Nghỉ {absent} buổi, quá 45 buổi")
            )
        if academic == POOR:
            return Decision(RETAINED, Explanation("TT58 Điều 15 khoản 2 điểm b", "Học lực cả năm loại Kém"))
        if academic == WEAK and conduct == CONDUCT_WEAK:
            return Decision(
                RETAINED, Explanation("TT58 Điều 15 khoản 2 điểm c", "Học lực và hạnh kiểm đều loại Yếu")
            )
        if conduct == CONDUCT_WEAK:
            return Decision(SUMMER_TRAINING, Explanation("TT58 Điều 17", "Hạnh kiểm Yếu: rèn luyện trong hè"))
        if academic == WEAK:
            return Decision(
                RETEST, Explanation("TT58 Điều 16", "Học lực Yếu, hạnh kiểm từ Trung bình: kiểm tra lại")
            )
        return Decision(
            PROMOTED,
            Explanation(
                "TT58 Điều 15 khoản 1", f"Hạnh kiểm {conduct}, học lực {academic}, nghỉ {absent} buổi"
            ),
        )

    PROMOTED = PROMOTED
    RETAINED = RETAINED
    SUMMER_TRAINING = SUMMER_TRAINING
    RETEST = RETEST
    summer_rule = "TT58 Điều 17"
    retest_rule = "TT58 Điều 16"
    reports_overall_average = True

    def conduct_passes(self, level: str) -> bool:
        return self.check_level(level, CONDUCTS, "Hạnh kiểm") != CONDUCT_WEAK
