"""Thông tư 22/2021/TT-BGDĐT: đánh giá học sinh THCS và THPT.

Articles cited from the circular's text; docs/rules.md says what each rule does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gradebook.regulations.base import (
    EXEMPT,
    FAIL,
    AverageResult,
    CommentResult,
    Decision,
    Explanation,
    LevelResult,
    Number,
    RuleError,
    comments_map,
    count_at_least,
    fmt_tenths,
    normalise_comment,
    tenths_map,
)
from gradebook.regulations.regulation import Regulation, pass_fail_all, weighted_term_average

GOOD = "Tốt"
FAIR = "Khá"
PASSED = "Đạt"
NOT_PASSED = "Chưa đạt"
LEVELS = (GOOD, FAIR, PASSED, NOT_PASSED)

EXCELLENT_STUDENT = "Học sinh Xuất sắc"
GOOD_STUDENT = "Học sinh Giỏi"

# Promotion decisions (docs/rules.md, promotion)
PROMOTED = "len_lop"
COMPLETED = "hoan_thanh_chuong_trinh"
RETAINED = "khong_len_lop"
SUMMER_TRAINING = "ren_luyen_he"
RETEST = "kiem_tra_lai"
SUMMER_TRAINING_AND_RETEST = "ren_luyen_he_va_kiem_tra_lai"

MAX_ABSENT_SESSIONS = 45

# Điều 8 khoản 2: year conduct from (HK I, HK II). Rows: HK II; columns: HK I.
_CONDUCT_YEAR = {
    GOOD: {GOOD: GOOD, FAIR: GOOD, PASSED: FAIR, NOT_PASSED: FAIR},
    FAIR: {GOOD: FAIR, FAIR: FAIR, PASSED: FAIR, NOT_PASSED: PASSED},
    PASSED: {GOOD: FAIR, FAIR: PASSED, PASSED: PASSED, NOT_PASSED: PASSED},
    NOT_PASSED: {GOOD: NOT_PASSED, FAIR: NOT_PASSED, PASSED: NOT_PASSED, NOT_PASSED: NOT_PASSED},
}


class TT22(Regulation):
    code = "TT22"
    title = "Thông tư 22/2021/TT-BGDĐT"
    academic_levels = LEVELS
    conduct_levels = LEVELS
    failing_levels = (NOT_PASSED,)  # Điều 9 khoản 2 điểm d; Điều 12, 14 (not promoted, re-assessed)
    honour_titles = (EXCELLENT_STUDENT, GOOD_STUDENT)
    year_average_rule = "TT22 Điều 9 khoản 1 điểm b; Điều 5 khoản 3 điểm b (làm tròn)"
    # TT22 says nothing of a subject taught in one term; TT58's rule is read into it (docs/rules.md)
    one_term_rule = "TT22 Điều 9 khoản 1 (môn dạy một học kì: như TT58 Điều 10 khoản 3) [I]"
    #: the "≥ 06 môn" thresholds of Điều 9 khoản 2 and Điều 15 khoản 1
    MIN_SUBJECTS = 6

    has_topic_clusters = True

    def required_regular_count(self, periods_per_year: int) -> int:
        """TT22 Điều 6 khoản 2 điểm b: 35 tiết → 02; trên 35 đến 70 → 03; trên 70 → 04 ĐĐGtx/học kì."""
        if periods_per_year <= 0:
            raise RuleError("Số tiết/năm học phải lớn hơn 0")
        if periods_per_year <= 35:
            return 2
        if periods_per_year <= 70:
            return 3
        return 4

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
        """ĐTBmhk = (TĐĐGtx + 2 × ĐĐGgk + 3 × ĐĐGck)/(Số ĐĐGtx + 5) — TT22 Điều 9 khoản 1 điểm b."""
        required = None if periods_per_year is None else self.required_regular_count(periods_per_year)
        return weighted_term_average(
            "TT22 Điều 9 khoản 1 điểm b; Điều 6 khoản 2 điểm b (số ĐĐGtx); Điều 5 khoản 3 điểm b (làm tròn)",
            regular,
            [midterm],
            final,
            required_regular=required,
            required_periodic=1,
            missing_reason=missing_reason,
        )

    def comment_term_result(
        self,
        *,
        regular: Sequence[Any] | None = None,
        midterm: Any = None,
        final: Any = None,
        required_regular_count: int | None = None,
        **_: Any,
    ) -> CommentResult:
        """TT22 Điều 9 khoản 1 điểm a: Đạt = đủ số lần kiểm tra, đánh giá và tất cả các lần Đạt.

        An exempted practical part (Điều 10) is replaced by theory assessments, so the count stays.
        """
        count = self.comment_regular_count if required_regular_count is None else required_regular_count
        regular = list(regular or []) + [None] * max(0, count - len(regular or []))
        required = [(f"ĐĐGtx{i}", v) for i, v in enumerate(regular, start=1)]
        required += [("ĐĐGgk", midterm), ("ĐĐGck", final)]
        return pass_fail_all("TT22 Điều 9 khoản 1 điểm a", required)

    def comment_year_result(
        self, term1: Any, term2: Any, *, taught_terms: Sequence[int] | None = None
    ) -> CommentResult:
        """TT22 Điều 9 khoản 1 điểm a: cả năm Đạt khi học kì II Đạt; học kì I không xét. A subject
        taught in one term only takes that term's result (docs/rules.md)."""
        only = self._only_term(taught_terms)
        if only:
            return self.one_term_comment(term1, term2, only)
        t2 = normalise_comment(term2)
        rule = "TT22 Điều 9 khoản 1 điểm a (cả năm theo học kì II)"
        if t2 is None:
            return CommentResult(FAIL, False, Explanation(rule, "Chưa có kết quả học kì II"), ["HK II"])
        return CommentResult(t2, True, Explanation(rule, f"Cả năm = kết quả học kì II ({t2})"))

    # -- kết quả học tập (Điều 9 khoản 2, 3) -----------------------------------------------------

    def _level_of(self, fails: int, lowest: int, n8: int, n65: int, n5: int) -> str:
        """Điều 9 khoản 2 from the counts (averages in tenths)."""
        if fails == 0 and lowest >= 65 and n8 >= self.MIN_SUBJECTS:
            return GOOD
        if fails == 0 and lowest >= 50 and n65 >= self.MIN_SUBJECTS:
            return FAIR
        if fails <= 1 and n5 >= self.MIN_SUBJECTS and lowest >= 35:
            return PASSED
        return NOT_PASSED

    def _raw_level(self, scores: Mapping[str, int], comments: Mapping[str, str]) -> tuple[str, str]:
        """Điều 9 khoản 2 on subject averages in tenths: the level and the condition that decided it."""
        values = scores.values()
        fails = sum(1 for c in comments.values() if c == FAIL)
        lowest = min(values, default=100)
        n8, n65, n5 = count_at_least(values, 80), count_at_least(values, 65), count_at_least(values, 50)
        level = self._level_of(fails, lowest, n8, n65, n5)
        if level == GOOD:
            return GOOD, f"mọi môn nhận xét Đạt; mọi ĐTB ≥ 6,5; {n8} môn ≥ 8,0 (cần ≥ 6)"
        if level == FAIR:
            return FAIR, f"mọi môn nhận xét Đạt; mọi ĐTB ≥ 5,0; {n65} môn ≥ 6,5 (cần ≥ 6)"
        if level == PASSED:
            return (
                PASSED,
                f"{fails} môn nhận xét Chưa đạt (tối đa 1); {n5} môn ≥ 5,0 (cần ≥ 6); không môn nào dưới 3,5",
            )
        reasons = []
        if fails > 1:
            reasons.append(f"{fails} môn nhận xét Chưa đạt")
        if n5 < self.MIN_SUBJECTS:
            reasons.append(f"chỉ {n5} môn ≥ 5,0")
        if lowest < 35:
            reasons.append(f"có môn dưới 3,5 ({fmt_tenths(lowest, True)})")
        return NOT_PASSED, "; ".join(reasons) or "không đủ điều kiện mức Đạt"

    def _levels_without_each(self, scores: Mapping[str, int], comments: Mapping[str, str]) -> dict[str, str]:
        """The khoản 2 level with each subject left out in turn, from the counts (O(1) per subject)."""
        values = sorted(scores.values())
        fails = sum(1 for c in comments.values() if c == FAIL)
        n8, n65, n5 = count_at_least(values, 80), count_at_least(values, 65), count_at_least(values, 50)
        out = {}
        for subject, v in scores.items():
            lowest = (values[1] if len(values) > 1 else 100) if v == values[0] else values[0]
            out[subject] = self._level_of(fails, lowest, n8 - (v >= 80), n65 - (v >= 65), n5 - (v >= 50))
        lowest_all = values[0] if values else 100
        for subject, c in comments.items():
            out[subject] = self._level_of(fails - (c == FAIL), lowest_all, n8, n65, n5)
        return out

    def academic_result(
        self, scored: Mapping[str, Any], commented: Mapping[str, Any], **options: Any
    ) -> LevelResult:
        """Điều 9 khoản 2 (levels) and khoản 3 (adjustment), on the rounded subject averages."""
        rule = "TT22 Điều 9 khoản 2, khoản 3"
        scores = tenths_map(scored)
        comments = {s: c for s, c in comments_map(commented).items() if c != EXEMPT}
        missing = [s for s, v in scores.items() if v is None] + [s for s, v in comments.items() if v is None]
        if missing:
            return LevelResult(
                None,
                None,
                Explanation(rule, "Chưa xếp được: thiếu kết quả môn " + ", ".join(missing)),
                missing=missing,
            )
        scores_t: dict[str, int] = {s: v for s, v in scores.items() if v is not None}
        comments_d: dict[str, str] = {s: v for s, v in comments.items() if v is not None}
        level, why = self._raw_level(scores_t, comments_d)
        rank = LEVELS.index(level)
        # Khoản 3 [reading, docs/rules.md: learning result]: leave each subject out in turn; a subject is the only
        # cause when without it the level would be Tốt or Khá, two or more levels above the actual one.
        # Only Đạt and Chưa đạt can be two levels below Tốt/Khá.
        culprits: list[tuple[str, str]] = []
        if rank >= 2:
            for subject, without in self._levels_without_each(scores_t, comments_d).items():
                if without in (GOOD, FAIR) and rank - LEVELS.index(without) >= 2:
                    culprits.append((subject, without))
        final = LEVELS[rank - 1] if len(culprits) == 1 else level

        def explain() -> dict[str, Any]:
            steps = [f"Mức theo khoản 2: {level} ({why})"]
            if len(culprits) == 1:
                subject, without = culprits[0]
                steps.append(
                    f"Khoản 3: chỉ do môn {subject} mà bị hạ từ {without} xuống {level} (≥ 2 mức) "
                    f"→ điều chỉnh lên mức liền kề: {final}"
                )
            elif culprits:
                steps.append("Khoản 3: bị hạ mức do nhiều môn → không điều chỉnh")
            inputs = {**{s: fmt_tenths(v, True) for s, v in scores_t.items()}, **comments_d}
            return {"text": f"Kết quả học tập: {final}", "inputs": inputs, "steps": steps}

        return LevelResult(final, level, Explanation(rule, lazy=explain))

    # -- rèn luyện, khen thưởng, lên lớp ------------------------------------------------------

    def conduct_year(self, term1: str, term2: str) -> str:
        """Điều 8 khoản 2: the year conduct from HK I and HK II (the table in docs/rules.md: conduct)."""
        t1 = self.check_level(term1, LEVELS, "Kết quả rèn luyện học kì I")
        t2 = self.check_level(term2, LEVELS, "Kết quả rèn luyện học kì II")
        return _CONDUCT_YEAR[t2][t1]

    def honour(self, conduct_year: str, academic_year: str, year_averages: Mapping[str, Any]) -> Decision:
        """Điều 15 khoản 1: Học sinh Xuất sắc / Học sinh Giỏi (only the higher one)."""
        rule = "TT22 Điều 15 khoản 1"
        conduct = self.check_level(conduct_year, LEVELS, "Kết quả rèn luyện cả năm")
        academic = self.check_level(academic_year, LEVELS, "Kết quả học tập cả năm")
        if conduct != GOOD or academic != GOOD:
            return Decision(
                self.NO_HONOUR,
                Explanation(rule, f"Rèn luyện {conduct}, học tập {academic}: cần cả hai mức Tốt"),
            )
        n9 = count_at_least([v for v in tenths_map(year_averages).values() if v is not None], 90)
        if n9 >= self.MIN_SUBJECTS:
            return Decision(
                EXCELLENT_STUDENT,
                Explanation(rule, f"Rèn luyện Tốt, học tập Tốt, {n9} môn ĐTBmcn ≥ 9,0 (cần ≥ 6)"),
            )
        return Decision(
            GOOD_STUDENT,
            Explanation(rule, f"Rèn luyện Tốt, học tập Tốt; {n9} môn ≥ 9,0 (chưa đủ 6 cho Xuất sắc)"),
        )

    def promotion(self, conduct_year: str, academic_year: str, absent_sessions: int, grade: int) -> Decision:
        """Điều 12 khoản 1 (lên lớp / hoàn thành chương trình), Điều 13 (rèn luyện hè), Điều 14 (đánh giá lại)."""
        conduct = self.check_level(conduct_year, LEVELS, "Kết quả rèn luyện cả năm")
        academic = self.check_level(academic_year, LEVELS, "Kết quả học tập cả năm")
        absent = int(absent_sessions)
        if absent < 0:
            raise RuleError("Số buổi nghỉ không thể âm")
        if absent > MAX_ABSENT_SESSIONS:
            return Decision(
                RETAINED,
                Explanation(
                    "TT22 Điều 12 khoản 1 điểm c, khoản 3",
                    f"Nghỉ {absent} buổi, quá 45 buổi → không được lên lớp",
                ),
            )
        conduct_ok, academic_ok = conduct != NOT_PASSED, academic != NOT_PASSED
        if conduct_ok and academic_ok:
            decision = COMPLETED if grade in (9, 12) else PROMOTED
            text = "Được công nhận hoàn thành chương trình" if decision == COMPLETED else "Được lên lớp"
            return Decision(
                decision,
                Explanation(
                    "TT22 Điều 12 khoản 1",
                    f"{text}: rèn luyện {conduct}, học tập {academic}, nghỉ {absent} buổi (≤ 45)",
                ),
            )
        if not conduct_ok and not academic_ok:
            return Decision(
                SUMMER_TRAINING_AND_RETEST,
                Explanation(
                    "TT22 Điều 13, Điều 14 [I]",
                    "Rèn luyện và học tập cả năm Chưa đạt: rèn luyện trong hè, sau đó đánh giá lại các môn",
                ),
            )
        if not conduct_ok:
            return Decision(
                SUMMER_TRAINING,
                Explanation("TT22 Điều 13", "Rèn luyện cả năm Chưa đạt: rèn luyện trong kì nghỉ hè"),
            )
        return Decision(
            RETEST,
            Explanation(
                "TT22 Điều 14",
                "Rèn luyện từ Đạt trở lên, học tập Chưa đạt: kiểm tra, đánh giá lại các môn chưa đạt",
            ),
        )

    PROMOTED = PROMOTED
    COMPLETED = COMPLETED
    RETAINED = RETAINED
    SUMMER_TRAINING = SUMMER_TRAINING
    RETEST = RETEST
    SUMMER_TRAINING_AND_RETEST = SUMMER_TRAINING_AND_RETEST
    summer_rule = "TT22 Điều 13"
    retest_rule = "TT22 Điều 14"

    def conduct_passes(self, level: str) -> bool:
        return self.check_level(level, LEVELS, "Kết quả rèn luyện") != NOT_PASSED
