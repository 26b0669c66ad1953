"""The worked cases (docs/rules.md, worked cases): the shared examples and our own, through the runner and
through `manage.py assess_cases`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gradebook.regulations.cases import matches, run_case, run_cases

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = json.loads((FIXTURES / "assessment-cases-examples.json").read_text(encoding="utf-8"))
OWN = json.loads((FIXTURES / "assessment-cases-own.json").read_text(encoding="utf-8"))
# the edges a second set of worked cases found: retest and summer eligibility, subject roles, the
# specialised class, subjects of one term (docs/rules.md)
EDGES = json.loads((FIXTURES / "assessment-cases-edges.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", EXAMPLES + OWN + EDGES, ids=lambda c: c["id"])
def test_case(case):
    result = run_case(case)
    assert "error" not in result, result
    assert result["id"] == case["id"]
    assert matches(case["expected"], result["output"]) == [], result["output"]


KINDS = {
    "term_average", "year_average", "comment_subject_result", "academic_result_term", "academic_result_year",
    "honour", "promotion", "retest_after",
}  # fmt: skip


def test_the_cases_are_kept_here_and_cover_every_kind():
    """The public examples live in tests/fixtures with our own: the case test never passes by having
    nothing to run."""
    assert len(EXAMPLES) == 15 and len(OWN) >= 88 and len(EDGES) >= 15
    for cases in (EXAMPLES, OWN):
        assert {c["kind"] for c in cases} == KINDS
    ids = [c["id"] for c in EXAMPLES + OWN + EDGES]
    assert len(ids) == len(set(ids))


def test_output_carries_every_key_of_its_kind():
    keys = {
        "term_average": {"term_average", "complete", "required_regular_count"},
        "year_average": {"year_average"},
        "comment_subject_result": {"result"},
        "academic_result_year": {"level_before_adjustment", "level"},
        "academic_result_term": {"level_before_adjustment", "level"},
        "honour": {"title"},
        "promotion": {"decision"},
        "retest_after": {"eligible_retest_subjects", "academic_year_after", "conduct_year_after", "decision"},
    }
    for case, result in zip(EXAMPLES, run_cases(EXAMPLES), strict=True):
        assert keys[case["kind"]] <= set(result["output"]), case["id"]
        if case["regulation"] == "TT58" and case["kind"] == "academic_result_year":
            assert "overall_average" in result["output"]
        if case["regulation"] == "TT58" and case["kind"] == "retest_after":
            assert "overall_average_after" in result["output"]


@pytest.mark.parametrize(
    "case, message",
    [
        (
            {
                "id": "x1",
                "regulation": "TT22",
                "grade": 7,
                "kind": "term_average",
                "input": {"regular": [11], "midterm": 5, "final": 5},
            },
            "ngoài thang điểm",
        ),
        (
            {
                "id": "x2",
                "regulation": "TT22",
                "grade": 7,
                "kind": "term_average",
                "input": {"regular": [7.25], "midterm": 5, "final": 5},
            },
            "quá một chữ số thập phân",
        ),
        ({"id": "x3", "regulation": "TT22", "grade": 7, "kind": "fly", "input": {}}, "không hỗ trợ"),
        ({"id": "x4", "regulation": "TT99", "grade": 7, "kind": "promotion", "input": {}}, "quy định"),
        (
            {
                "id": "x5",
                "regulation": "TT22",
                "grade": 7,
                "kind": "promotion",
                "input": {"conduct_year": "Giỏi", "academic_year": "Tốt"},
            },
            "không hợp lệ",
        ),
        (
            {
                "id": "x6",
                "regulation": "TT22",
                "grade": 7,
                "kind": "comment_subject_result",
                "input": {"scope": "term", "regular": ["Tốt"], "midterm": "Đ", "final": "Đ"},
            },
            "Đ, CĐ",
        ),
        (
            {
                "id": "x7",
                "regulation": "TT22",
                "grade": 7,
                "kind": "retest_after",
                "input": {
                    "conduct_year": "Tốt",
                    "scored": {"Toán": 6.0},
                    "commented": {},
                    "retest": {"Toán": 7},
                },
            },
            "không thuộc diện",
        ),
        (
            {
                "id": "x8",
                "regulation": "TT22",
                "grade": 7,
                "kind": "academic_result_year",
                "input": {"scored": {"Toán": None}, "commented": {}},
            },
            "thiếu kết quả môn Toán",
        ),
        ("not an object", "đối tượng JSON"),
    ],
)
def test_bad_cases_give_an_error_not_a_crash(case, message):
    result = run_case(case)
    assert message in result["error"]


def test_command_prints_one_output_per_case_in_order(tmp_path):
    cases = EXAMPLES[:3] + [{"id": "broken", "kind": "nope"}] + EXAMPLES[3:5]
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "manage.py", "assess_cases", str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    results = json.loads(out.stdout)
    assert [r["id"] for r in results] == [c["id"] for c in cases]
    assert "error" in results[3]
    assert results[0]["output"]["term_average"] == 7.9


def test_command_check_mode_fails_on_a_mismatch(tmp_path):
    case = dict(EXAMPLES[0], expected={"term_average": 8.0})
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([case], ensure_ascii=False), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "manage.py", "assess_cases", str(path), "--check"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.returncode == 1
    assert "TT22-TA-01: term_average" in out.stderr


def test_command_refuses_malformed_json(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text("[{", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "manage.py", "assess_cases", str(path)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.returncode == 1
    assert "JSON không hợp lệ" in out.stderr
