"""The interface every regulation implements, and the parts that two circulars share word for word.

A new circular is one new module with a subclass of `Regulation`, registered in `registry.py`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar

from gradebook.regulations.base import (
    FAIL,
    PASS,
    TENTHS,
    AverageResult,
    CommentResult,
    Decision,
    Explanation,
    LevelResult,
    Number,
    RuleError,
    divide_half_up,
    fmt,
    fmt_tenths,
    from_tenths,
    normalise_comment,
    tenths,
)


def _plain(text: str) -> str:
    """Lower case without accents or spaces ('Chưa đạt' → 'chuadat', 'CĐ' → 'cd')."""
    text = unicodedata.normalize("NFD", " ".join(str(text or "").split()).lower().replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c) and not c.isspace())


MAKEUP_PENDING = "makeup_pending"
NO_MAKEUP = "no_makeup"


class Regulation:
    """A set of assessment rules (one circular, possibly as amended)."""

    code: str
    title: str
    #: academic levels from best to worst
    academic_levels: ClassVar[tuple[str, ...]]
    #: conduct levels from best to worst
    conduct_levels: ClassVar[tuple[str, ...]]
    #: academic levels below a pass (those that keep a student down or send them to retest)
    failing_levels: ClassVar[tuple[str, ...]] = ()
    #: honour titles from best to worst (without "Không")
    honour_titles: ClassVar[tuple[str, ...]]
    NO_HONOUR = "Không"
    #: regular assessments of a comment-assessed subject per term (an input, not a rule of the text)
    comment_regular_count: ClassVar[int] = 2
    #: TT58 Điều 12: an exempted subject leaves the ranking; TT22 Điều 10: only the practical part is
    #: exempted and replaced by theory, the subject stays
    exemption_removes_subject: ClassVar[bool] = False
    #: TT22 Điều 8 khoản 2: the year's conduct follows from the two terms (a table); TT58 Điều 4 leaves
    #: it to the homeroom teacher's judgement ("chủ yếu căn cứ vào học kỳ II"), `conduct_year` suggesting
    year_conduct_is_derived: ClassVar[bool] = True

    # -- subject level --------------------------------------------------------------------------

    def required_regular_count(self, periods_per_year: int) -> int:
        raise NotImplementedError

    #: whether a learning-topic cluster (cụm chuyên đề học tập, THPT of the 2018 programme) exists
    has_topic_clusters: ClassVar[bool] = False

    def regular_count(self, *, by_comment: bool, periods_per_year: int, topic_cluster: bool = False) -> int:
        """ĐĐGtx due per term for a class-subject: by its periods (or the comment subjects' number), and
        one more when the class studies a learning-topic cluster of the subject (TT22 Điều 6 khoản 2:
        mỗi cụm chuyên đề học tập 01 ĐĐGtx mỗi học kì; docs/rules.md)."""
        count = self.comment_regular_count if by_comment else self.required_regular_count(periods_per_year)
        return count + (1 if topic_cluster and self.has_topic_clusters else 0)

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
        raise NotImplementedError

    def year_average(
        self, term1: Number | None, term2: Number | None, *, taught_terms: Sequence[int] | None = None
    ) -> AverageResult:
        """ĐTBmcn = (ĐTBmhkI + 2 × ĐTBmhkII)/3 from the recorded (rounded) term averages.

        TT22 Điều 9 khoản 1 điểm b; TT58 Điều 10 khoản 1 điểm b, c. Rounded term averages go in
        (docs/rules.md): HK I 6,4 and HK II 51,6/8 = 6,45 → 6,5 give 6,5, not 6,4. A subject taught in
        one term only (`taught_terms` [1] or [2]) takes that term's result (TT58 Điều 10 khoản 3).
        """
        only = self._only_term(taught_terms)
        if only:
            value = term1 if only == 1 else term2
            name = "ĐTBmhkI" if only == 1 else "ĐTBmhkII"
            if value is None:
                return AverageResult(
                    None, False, Explanation(self.one_term_rule, f"Chưa có {name}"), missing=[name]
                )
            t = tenths(value)
            text = (
                f"Môn chỉ dạy ở học kỳ {'I' if only == 1 else 'II'}: ĐTBmcn = {name} = {fmt_tenths(t, True)}"
            )
            return AverageResult(
                from_tenths(t), True, Explanation(self.one_term_rule, text), tenths=TENTHS[t]
            )
        rule = self.year_average_rule
        missing = [name for name, v in (("ĐTBmhkI", term1), ("ĐTBmhkII", term2)) if v is None]
        if missing:
            return AverageResult(
                None,
                False,
                Explanation(rule, "Chưa tính được ĐTBmcn: thiếu " + ", ".join(missing)),
                missing=missing,
            )
        assert term1 is not None and term2 is not None  # noqa: S101 (the missing ones returned above)
        t1, t2 = tenths(term1), tenths(term2)
        total = t1 + 2 * t2
        value = divide_half_up(total, 3)

        def explain() -> dict[str, Any]:
            formula = (
                f"({fmt_tenths(t1)} + 2 × {fmt_tenths(t2)})/3 = {fmt_tenths(total)}/3 = "
                f"{fmt(Fraction(total, 30))} → {fmt_tenths(value, True)}"
            )
            return {
                "text": f"ĐTBmcn = {fmt_tenths(value, True)}",
                "formula": formula,
                "inputs": {"term1": fmt_tenths(t1), "term2": fmt_tenths(t2)},
            }

        return AverageResult(from_tenths(value), True, Explanation(rule, lazy=explain), tenths=TENTHS[value])

    year_average_rule: ClassVar[str] = ""
    #: the subject taught in one term only: that term's result is the year's
    one_term_rule: ClassVar[str] = "TT58 Điều 10 khoản 3"

    @staticmethod
    def _only_term(taught_terms: Sequence[int] | None) -> int | None:
        """1 or 2 when the subject is taught in that term only; None when in both."""
        terms = {int(t) for t in taught_terms or (1, 2)}
        if not terms or not terms <= {1, 2}:
            raise RuleError(f"Học kỳ dạy môn học không hợp lệ: {taught_terms!r} (1, 2 hoặc cả hai)")
        return terms.pop() if len(terms) == 1 else None

    def one_term_comment(self, term1: Any, term2: Any, only: int) -> CommentResult:
        value = normalise_comment(term1 if only == 1 else term2)
        term = "I" if only == 1 else "II"
        if value is None:
            return CommentResult(
                FAIL, False, Explanation(self.one_term_rule, f"Chưa có kết quả học kỳ {term}"), [f"HK {term}"]
            )
        text = f"Môn chỉ dạy ở học kỳ {term}: cả năm = {value}"
        return CommentResult(value, True, Explanation(self.one_term_rule, text))

    def comment_term_result(
        self,
        *,
        regular: Sequence[Any] | None = None,
        midterm: Any = None,
        final: Any = None,
        required_regular_count: int | None = None,
        **kwargs: Any,
    ) -> CommentResult:
        raise NotImplementedError

    def comment_year_result(
        self, term1: Any, term2: Any, *, taught_terms: Sequence[int] | None = None
    ) -> CommentResult:
        raise NotImplementedError

    # -- student level --------------------------------------------------------------------------

    def academic_result(
        self, scored: Mapping[str, Any], commented: Mapping[str, Any], **options: Any
    ) -> LevelResult:
        raise NotImplementedError

    def conduct_year(self, term1: str, term2: str) -> str:
        raise NotImplementedError

    def honour(self, conduct_year: str, academic_year: str, year_averages: Mapping[str, Decimal]) -> Decision:
        raise NotImplementedError

    def promotion(self, conduct_year: str, academic_year: str, absent_sessions: int, grade: int) -> Decision:
        raise NotImplementedError

    # -- after the summer: retests and summer training (shared by both circulars) ---------------

    PROMOTED: ClassVar[str] = "len_lop"
    COMPLETED: ClassVar[str | None] = None  # TT22: grades 9 and 12 complete the programme
    RETAINED: ClassVar[str] = "khong_len_lop"
    SUMMER_TRAINING: ClassVar[str] = "ren_luyen_he"
    RETEST: ClassVar[str] = "kiem_tra_lai"
    SUMMER_TRAINING_AND_RETEST: ClassVar[str | None] = None
    summer_rule: ClassVar[str] = ""
    retest_rule: ClassVar[str] = ""
    reports_overall_average: ClassVar[bool] = False

    def conduct_passes(self, level: str) -> bool:
        """The year's conduct allows promotion."""
        raise NotImplementedError

    def after_summer(
        self,
        *,
        grade: int,
        conduct_year: str,
        absent_sessions: int,
        scored: Mapping[str, Any] | None = None,
        commented: Mapping[str, Any] | None = None,
        academic_year: str | None = None,
        retest: Mapping[str, Any] | None = None,
        summer_training_completed: bool | None = None,
        conduct_reassessed: str | None = None,
        specialized_subject: str | None = None,
        roles: Mapping[str, str | None] | None = None,
    ) -> dict[str, Any]:
        """The decision after the summer. The original year results decide first who goes to summer
        training (TT22 Điều 13, TT58 Điều 17) or to retests (TT22 Điều 14, TT58 Điều 16) at all: a
        student they promote or retain outright (absences, TT58 học lực Kém or học lực and hạnh kiểm
        both Yếu) keeps that decision, whatever retest or re-assessment is given. Summer training comes
        first; a student whose conduct is still below the pass after it is not listed for retests.
        Retest results replace the year results of the eligible subjects, even when lower ("được sử
        dụng thay thế", docs/rules.md), and the level is computed again; a retest of a subject that is
        not eligible is refused."""
        conduct = self.check_level(conduct_year, self.conduct_levels, "Rèn luyện/hạnh kiểm cả năm")
        absent = int(absent_sessions)
        options = {"specialized_subject": specialized_subject, "roles": roles}
        overall = None
        if scored is not None or commented is not None:
            original = self.academic_result(scored or {}, commented or {}, **options)
            if original.level is None:
                raise RuleError("Chưa xếp được kết quả học tập cả năm: " + ", ".join(original.missing))
            academic, overall = original.level, original.overall_average
        elif academic_year is not None:
            academic = self.check_level(academic_year, self.academic_levels, "Học tập/học lực cả năm")
        else:
            raise RuleError("Cần điểm các môn hoặc kết quả học tập cả năm")
        first = self.promotion(conduct, academic, absent, grade)
        steps = [f"Kết quả cả năm ({first.explanation.rule}): {first.explanation.text}"]
        out: dict[str, Any] = {
            "eligible_retest_subjects": [],
            "academic_year_after": academic,
            "conduct_year_after": conduct,
            "decision": first.decision,
        }
        if self.reports_overall_average:
            out["overall_average_after"] = overall
        summer = first.decision in (self.SUMMER_TRAINING, self.SUMMER_TRAINING_AND_RETEST)
        retests = first.decision in (self.RETEST, self.SUMMER_TRAINING_AND_RETEST)
        if not (summer or retests):
            if retest or summer_training_completed is not None:
                steps.append("Không thuộc diện rèn luyện hè hay kiểm tra lại: kết quả cả năm giữ nguyên")
            return self._after(out, first.explanation.text, steps)
        if summer:
            if summer_training_completed and conduct_reassessed:
                conduct = self.check_level(conduct_reassessed, self.conduct_levels, "Đánh giá lại sau hè")
                steps.append(f"{self.summer_rule}: đánh giá lại sau rèn luyện hè: {conduct}")
            else:
                steps.append(f"{self.summer_rule}: chưa hoàn thành rèn luyện trong hè")
            out["conduct_year_after"] = conduct
            if not self.conduct_passes(conduct):
                out["decision"] = self.RETAINED  # not listed for retests either
                return self._after(out, "Không được lên lớp sau rèn luyện hè", steps)
            if not retests:
                out["decision"] = self.promotion(conduct, academic, absent, grade).decision
                return self._after(out, f"Sau rèn luyện hè: {out['decision']}", steps)
        if scored is None and commented is None:
            # the subjects are not known here: the retests are still ahead
            out["decision"] = self.RETEST
            return self._after(out, "Còn kiểm tra lại", steps)
        eligible = self.retest_eligible(scored or {}, commented or {})
        out["eligible_retest_subjects"] = eligible
        scored_after, commented_after = dict(scored or {}), dict(commented or {})
        for subject, value in (retest or {}).items():
            if subject not in eligible:
                raise RuleError(f"Môn {subject} không thuộc diện kiểm tra, đánh giá lại")
            (scored_after if subject in scored_after else commented_after)[subject] = value
            steps.append(
                f"{self.retest_rule}: {subject} đánh giá lại: {fmt(value) if not isinstance(value, str) else value}"
            )
        result = self.academic_result(scored_after, commented_after, **options)
        if result.level is None:
            raise RuleError("Chưa xếp được kết quả học tập: " + ", ".join(result.missing))
        steps += result.explanation.steps
        out["academic_year_after"] = result.level
        if self.reports_overall_average:
            out["overall_average_after"] = result.overall_average
        decision = self.promotion(conduct, result.level, absent, grade).decision
        if decision not in (self.PROMOTED, self.COMPLETED) and retest:
            decision = self.RETAINED  # no further chance after the retests
        out["decision"] = decision
        return self._after(out, f"Sau kiểm tra lại: {decision}", steps)

    def _after(self, out: dict[str, Any], text: str, steps: list[str]) -> dict[str, Any]:
        out["explanation"] = Explanation(f"{self.summer_rule}, {self.retest_rule}", text, steps=steps)
        return out

    def retest_eligible(self, scored: Mapping[str, Any], commented: Mapping[str, Any]) -> list[str]:
        """Subjects with a year average below 5,0 or a year result CĐ (TT22 Điều 14; TT58 Điều 16)."""
        out = [s for s, v in scored.items() if v is not None and tenths(v) < 50]
        out += [s for s, v in commented.items() if normalise_comment(v) == FAIL]
        return out

    # -- helpers --------------------------------------------------------------------------------

    def check_level(self, value: str, levels: Sequence[str], what: str) -> str:
        for level in levels:
            if str(value).strip().lower() == level.lower():
                return level
        raise RuleError(f"{what} không hợp lệ: {value!r} (các mức: {', '.join(levels)})")

    @staticmethod
    def level_typed(text: str, levels: Sequence[str]) -> str | None:
        """The level a teacher typed, in full or by the initials the printed books use (T, K, Đ, CĐ; TB,
        Y), with or without accents, in any case; None when it is none of `levels`."""
        key = _plain(text)
        if not key:
            return None
        for level in levels:
            if key in (_plain(level), _plain("".join(word[0] for word in level.split()))):
                return level
        return None

    def academic_rank(self, level: str) -> int:
        """0 = best."""
        return self.academic_levels.index(self.check_level(level, self.academic_levels, "Mức học tập"))

    def conduct_rank(self, level: str) -> int:
        return self.conduct_levels.index(self.check_level(level, self.conduct_levels, "Mức rèn luyện"))


def weighted_term_average(
    rule: str,
    regular: Sequence[Number | None],
    periodic: Sequence[Number | None],
    final: Number | None,
    *,
    required_regular: int | None,
    required_periodic: int,
    missing_reason: str | None,
    labels: tuple[str, str, str] = ("ĐĐGtx", "ĐĐGgk", "ĐĐGck"),
) -> AverageResult:
    """(Σ regular + 2 × Σ periodic + 3 × final) / (n regular + 2 × n periodic + 3), rounded half up.

    TT22 Điều 9 khoản 1 điểm b and TT58 (TT26) Điều 10: with one midterm, 2 × n periodic + 3 = 5.
    A missing assessment is never a silent zero: while a make-up is pending the average is not
    computable and the missing columns are named; only `no_makeup` turns a missing one into 0
    (TT58 Điều 8 khoản 5; TT26 Điều 8 khoản 4; TT22 Điều 7 [M]).
    """
    tx, gk, ck = labels
    if (
        final is not None
        and None not in regular
        and None not in periodic
        and (required_regular is None or len(regular) >= required_regular)
        and len(periodic) >= required_periodic
    ):  # the common case: everything there
        return _weighted(
            rule,
            [tenths(v) for v in regular if v is not None],
            [tenths(v) for v in periodic if v is not None],
            tenths(final),
            [],
            required_regular,
        )
    missing: list[str] = []
    regular_values: list[int] = []
    for i, v in enumerate(regular, start=1):
        if v is None:
            missing.append(f"{tx}{i}")
        else:
            regular_values.append(tenths(v))
    if required_regular is not None:
        for i in range(len(regular) + 1, required_regular + 1):
            missing.append(f"{tx}{i}")
    periodic_values: list[int] = []
    for i, v in enumerate(periodic, start=1):
        if v is None:
            missing.append(gk if required_periodic == 1 else f"{gk}{i}")
        else:
            periodic_values.append(tenths(v))
    for i in range(len(periodic) + 1, required_periodic + 1):
        missing.append(gk if required_periodic == 1 else f"{gk}{i}")
    final_value = None if final is None else tenths(final)
    if final_value is None:
        missing.append(ck)

    zeroed: list[str] = []
    if missing:
        if missing_reason != NO_MAKEUP:
            return AverageResult(
                None,
                False,
                Explanation(
                    rule,
                    "Chưa tính được ĐTBmhk: còn thiếu " + ", ".join(missing),
                    inputs={"missing": missing},
                ),
                missing=missing,
                required_regular_count=required_regular,
            )
        zeroed = missing
        regular_values += [0] * sum(1 for m in missing if m.startswith(tx))
        periodic_values += [0] * sum(1 for m in missing if m.startswith(gk))
        if final_value is None:
            final_value = 0
    return _weighted(
        rule,
        regular_values,
        periodic_values,
        final_value if final_value is not None else 0,
        zeroed,
        required_regular,
    )


def _weighted(
    rule: str,
    regular_values: list[int],
    periodic_values: list[int],
    final_t: int,
    zeroed: list[str],
    required_regular: int | None,
) -> AverageResult:
    total = sum(regular_values) + 2 * sum(periodic_values) + 3 * final_t
    weight = len(regular_values) + 2 * len(periodic_values) + 3
    value = divide_half_up(total, weight)

    def explain() -> dict[str, Any]:
        terms = [fmt_tenths(v) for v in regular_values] + [f"2 × {fmt_tenths(v)}" for v in periodic_values]
        terms.append(f"3 × {fmt_tenths(final_t)}")
        denominator = f"{len(regular_values)} + {2 * len(periodic_values) + 3}"
        formula = (
            f"({' + '.join(terms)})/({denominator}) = {fmt_tenths(total)}/{weight} = "
            f"{fmt(Fraction(total, 10 * weight))} → {fmt_tenths(value, True)}"
        )
        return {
            "text": f"ĐTBmhk = {fmt_tenths(value, True)}",
            "formula": formula,
            "inputs": {
                "regular": [fmt_tenths(v) for v in regular_values],
                "periodic": [fmt_tenths(v) for v in periodic_values],
                "final": fmt_tenths(final_t),
            },
            "steps": [f"Các điểm thiếu tính 0 (không kiểm tra bù): {', '.join(zeroed)}"] if zeroed else [],
        }

    return AverageResult(
        from_tenths(value),
        True,
        Explanation(rule, lazy=explain),
        required_regular_count=required_regular,
        tenths=TENTHS[value],
    )


def pass_fail_all(rule: str, required: Sequence[tuple[str, Any]]) -> CommentResult:
    """Đạt when every required assessment is present and Đạt; otherwise Chưa đạt (TT22 Điều 9 khoản 1 a)."""
    missing = [label for label, v in required if v is None]
    values = {label: normalise_comment(v) for label, v in required if v is not None}
    failed = [label for label, v in values.items() if v == FAIL]
    if missing:
        text = "Chưa đạt: chưa đủ số lần đánh giá (thiếu " + ", ".join(missing) + ")"
        result = FAIL
    elif failed:
        text = "Chưa đạt: có lần đánh giá Chưa đạt (" + ", ".join(failed) + ")"
        result = FAIL
    else:
        text = f"Đạt: đủ {len(required)} lần đánh giá và tất cả đều Đạt"
        result = PASS
    return CommentResult(
        result, not missing, Explanation(rule, text, inputs={k: v for k, v in values.items()}), missing
    )
