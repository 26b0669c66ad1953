"""The regulation engine as plain Python: arithmetic, explanations, registry, properties."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradebook.regulations import registry
from gradebook.regulations.base import RuleError, fmt, round1, to_fraction
from gradebook.regulations.tt22 import LEVELS, TT22
from gradebook.regulations.tt58 import RANKS, TT58

tt22 = TT22()


def test_no_django_in_the_rules():
    import ast
    from pathlib import Path

    for path in Path(__file__).resolve().parents[1].joinpath("gradebook", "regulations").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                )
                assert not any(
                    n.split(".")[0] in {"django", "accounts", "audit", "transcripts"} for n in names
                ), path


@pytest.mark.parametrize(
    "exact, rounded",
    [
        ("6.45", "6.5"),
        ("8.25", "8.3"),
        ("6.449999", "6.4"),
        ("0.05", "0.1"),
        ("9.95", "10.0"),
        ("7.0", "7.0"),
    ],
)
def test_round_half_up_on_exact_values(exact, rounded):
    assert round1(to_fraction(exact)) == Decimal(rounded)


def test_float_inputs_are_taken_at_their_decimal_value():
    # 0.1 + 0.2 style surprises must not move a rounding: 8.25 as a float is exactly 8.25 here
    assert tt22.term_average([8.0, 8.0, 8.0], 9.0, 8.0).value == Decimal("8.3")
    assert round(66 / 8, 1) == 8.2  # what a float implementation would have printed


def test_explanation_shows_the_formula_with_numbers():
    result = tt22.term_average([8, 7, 9], 7.5, 8.0, periods_per_year=70)
    assert result.value == Decimal("7.9")
    assert result.explanation.formula == "(8 + 7 + 9 + 2 × 7,5 + 3 × 8)/(3 + 5) = 63/8 = 7,875 → 7,9"
    assert "Điều 9 khoản 1 điểm b" in result.explanation.rule


def test_missing_score_is_named_never_zero():
    result = tt22.term_average([8, None, 7], 7, None, periods_per_year=140)
    assert result.value is None and not result.complete
    assert result.missing == ["ĐĐGtx2", "ĐĐGtx4", "ĐĐGck"]
    assert "còn thiếu ĐĐGtx2, ĐĐGtx4, ĐĐGck" in result.explanation.text


def test_year_average_explanation():
    result = tt22.year_average(Decimal("6.4"), Decimal("6.5"))
    assert result.explanation.formula == "(6,4 + 2 × 6,5)/3 = 19,4/3 = 6,467 → 6,5"


def test_academic_result_explains_the_adjustment():
    scored = {s: 8.0 for s in ["Toán", "Ngữ văn", "Tiếng Anh", "GDCD", "LS&ĐL", "KHTN", "Công nghệ"]}
    scored["Tin học"] = 3.0
    result = tt22.academic_result(scored, {"GDTC": "Đ"})
    assert (result.level_before_adjustment, result.level) == ("Chưa đạt", "Đạt")
    assert any("chỉ do môn Tin học" in step for step in result.explanation.steps)


@pytest.mark.parametrize(
    "start, grade, code",
    [
        (2021, 6, "TT22"),
        (2021, 7, "TT58+TT26"),
        (2022, 7, "TT22"),
        (2022, 10, "TT22"),
        (2023, 8, "TT22"),
        (2023, 9, "TT58+TT26"),
        (2024, 9, "TT22"),
        (2023, 12, "TT58+TT26"),
        (2024, 12, "TT22"),
        (2019, 9, "TT58"),
        (2020, 9, "TT58+TT26"),
        (2030, 6, "TT22"),
    ],
)
def test_registry_picks_the_regulation_by_roadmap(start, grade, code):
    assert registry.regulation_for(start, grade).code == code


def test_registry_refuses_unknown_grades_and_codes():
    with pytest.raises(RuleError):
        registry.regulation_for(2024, 5)
    with pytest.raises(RuleError):
        registry.get("TT99")


def test_fmt_uses_decimal_comma():
    assert fmt(Decimal("6.5"), 1) == "6,5"
    assert fmt(Decimal("8")) == "8"


# -- properties --------------------------------------------------------------------------------

scores = st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n) / 10)


@given(st.lists(scores, min_size=2, max_size=4), scores, scores)
def test_term_average_stays_within_its_inputs(regular, midterm, final):
    value = tt22.term_average(regular, midterm, final).value
    inputs = [*regular, midterm, final]
    assert min(inputs) <= value <= max(inputs)


@given(scores, scores)
def test_year_average_stays_within_the_term_averages(t1, t2):
    value = tt22.year_average(t1, t2).value
    assert min(t1, t2) <= value <= max(t1, t2)


@given(st.lists(scores, min_size=2, max_size=4), scores, scores, st.integers(0, 5), st.integers(0, 3))
def test_raising_a_score_never_lowers_the_term_average(regular, midterm, final, which, bump):
    before = tt22.term_average(regular, midterm, final).value
    raised = list(regular)
    i = which % len(raised)
    raised[i] = min(Decimal(10), raised[i] + bump)
    assert tt22.term_average(raised, midterm, final).value >= before


SUBJECTS = ["Toán", "Ngữ văn", "Tiếng Anh", "GDCD", "LS&ĐL", "KHTN", "Công nghệ", "Tin học"]
COMMENTED = ["GDTC", "Nghệ thuật", "HĐTN", "GDĐP"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(scores, min_size=8, max_size=8),
    st.lists(st.booleans(), min_size=4, max_size=4),
    st.integers(0, 7),
    st.integers(1, 60),
)
def test_tt22_raising_a_score_never_lowers_the_level(values, passes, which, bump):
    scored = dict(zip(SUBJECTS, values, strict=True))
    commented = {s: "Đ" if p else "CĐ" for s, p in zip(COMMENTED, passes, strict=True)}
    before = tt22.academic_result(scored, commented).level
    subject = SUBJECTS[which]
    scored[subject] = min(Decimal(10), scored[subject] + Decimal(bump) / 10)
    after = tt22.academic_result(scored, commented).level
    assert LEVELS.index(after) <= LEVELS.index(before)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(scores, min_size=8, max_size=8),
    st.lists(st.booleans(), min_size=4, max_size=4),
    st.integers(0, 3),
)
def test_tt22_turning_a_comment_to_pass_never_lowers_the_level(values, passes, which):
    scored = dict(zip(SUBJECTS, values, strict=True))
    commented = {s: "Đ" if p else "CĐ" for s, p in zip(COMMENTED, passes, strict=True)}
    before = tt22.academic_result(scored, commented).level
    commented[COMMENTED[which]] = "Đ"
    assert LEVELS.index(tt22.academic_result(scored, commented).level) <= LEVELS.index(before)


SUBJECTS58 = [
    "Toán",
    "Ngữ văn",
    "Tiếng Anh",
    "Vật lí",
    "Hóa học",
    "Sinh học",
    "Lịch sử",
    "Địa lí",
    "GDCD",
    "Công nghệ",
    "Tin học",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(scores, min_size=11, max_size=11), st.integers(0, 10), st.integers(1, 60), st.booleans())
def test_tt58_raising_a_score_never_lowers_the_rank(values, which, bump, amended):
    rules = TT58(amended=amended)
    scored = dict(zip(SUBJECTS58, values, strict=True))
    commented = {"Thể dục": "Đ", "Âm nhạc": "Đ", "Mĩ thuật": "Đ"}
    before = rules.academic_result(scored, commented).level
    subject = SUBJECTS58[which]
    scored[subject] = min(Decimal(10), scored[subject] + Decimal(bump) / 10)
    after = rules.academic_result(scored, commented).level
    assert RANKS.index(after) <= RANKS.index(before)


@pytest.mark.parametrize(
    ("typed", "levels", "level"),
    [
        ("T", TT22.conduct_levels, "Tốt"),
        ("cđ", TT22.conduct_levels, "Chưa đạt"),
        ("CD", TT22.conduct_levels, "Chưa đạt"),
        ("chua  dat", TT22.conduct_levels, "Chưa đạt"),
        ("Đ", TT22.conduct_levels, "Đạt"),
        ("tb", TT58.conduct_levels, "Trung bình"),
        ("y", TT58.conduct_levels, "Yếu"),
        ("Khá", TT58.conduct_levels, "Khá"),
        ("TB", TT22.conduct_levels, None),
        ("", TT22.conduct_levels, None),
        ("Tốtt", TT22.conduct_levels, None),
    ],
)
def test_a_level_is_typed_in_full_or_by_the_books_initials(typed, levels, level):
    assert TT22.level_typed(typed, levels) == level
