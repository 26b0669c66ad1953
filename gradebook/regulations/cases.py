"""The worked-case runner (docs/rules.md, promotion): evaluates one case dict, returns its output dict.

Used by `manage.py assess_cases` and by the tests; any case it cannot evaluate gives {"id", "error"}.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from gradebook.regulations import registry
from gradebook.regulations.base import RuleError
from gradebook.regulations.regulation import Regulation
from gradebook.regulations.tt58 import TT58


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _regulation(case: Mapping[str, Any]) -> Regulation:
    code = str(case.get("regulation", "")).upper()
    data = case.get("input") or {}
    if code == "TT22":
        return registry.get("TT22")
    if code in ("TT58", "TT58+TT26", "TT26"):
        amended = data.get("amended_by_TT26")
        if amended is None:
            start = registry.parse_school_year(data["school_year"]) if data.get("school_year") else 2020
            amended = start >= 2020
        return registry.get("TT58+TT26" if amended else "TT58")
    if "school_year" in data and "grade" in case:
        return registry.regulation_for(registry.parse_school_year(data["school_year"]), int(case["grade"]))
    raise RuleError(f"Không rõ quy định của trường hợp: {case.get('regulation')!r}")


def _term_average(reg: Regulation, data: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    periods = data.get("periods_per_year")
    result = reg.term_average(
        data.get("regular", []),
        data.get("midterm"),
        data.get("final"),
        periods_per_year=periods,
        missing_reason=data.get("missing_reason"),
        periodic=data.get("periodic"),
    )
    out: dict[str, Any] = {"term_average": _num(result.value), "complete": result.complete}
    if periods is not None:
        out["required_regular_count"] = result.required_regular_count
    if result.missing:
        out["missing"] = result.missing
    out["explanation"] = result.explanation.formula or result.explanation.text
    return out


def _year_average(reg: Regulation, data: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    term2 = data.get("term2")
    if "term2_components" in data:
        comp = data["term2_components"]
        t2 = reg.term_average(
            comp.get("regular", []),
            comp.get("midterm"),
            comp.get("final"),
            periods_per_year=comp.get("periods_per_year"),
            missing_reason=comp.get("missing_reason"),
            periodic=comp.get("periodic"),
        )
        out["term2_average"] = _num(t2.value)
        term2 = t2.value
    result = reg.year_average(data.get("term1"), term2, taught_terms=data.get("taught_terms"))
    out["year_average"] = _num(result.value)
    out["explanation"] = result.explanation.formula or result.explanation.text
    return out


def _comment_subject(reg: Regulation, data: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    scope = data.get("scope", "term")
    if scope == "year":
        result = reg.comment_year_result(
            data.get("term1"), data.get("term2"), taught_terms=data.get("taught_terms")
        )
    elif scope == "term":
        keys = ("regular", "midterm", "final", "required_regular_count", "tests", "term_test")
        kwargs = {k: data[k] for k in keys if k in data}
        kwargs.setdefault("regular", [])
        result = reg.comment_term_result(**kwargs)
    else:
        raise RuleError(f"scope phải là 'term' hoặc 'year', không phải {scope!r}")
    return {"result": result.result, "complete": result.complete, "explanation": result.explanation.text}


def _options(data: Mapping[str, Any]) -> dict[str, Any]:
    """The subject roles and the specialised subject, wherever a level is derived from scores: roles
    named by the case ("roles": {subject: role}) or read from the subjects' names."""
    return {"specialized_subject": data.get("specialized_subject"), "roles": data.get("roles")}


def _academic(reg: Regulation, data: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    result = reg.academic_result(data.get("scored", {}), data.get("commented", {}), **_options(data))
    if result.level is None:
        raise RuleError(result.explanation.text)
    out: dict[str, Any] = {"level_before_adjustment": result.level_before_adjustment, "level": result.level}
    if isinstance(reg, TT58):
        out["overall_average"] = _num(result.overall_average)
    out["explanation"] = "; ".join(result.explanation.steps)
    return out


def _derive_conduct(reg: Regulation, data: Mapping[str, Any], out: dict[str, Any]) -> str:
    if data.get("conduct_year") is not None:
        return data["conduct_year"]
    if data.get("conduct_term1") is not None and data.get("conduct_term2") is not None:
        out["conduct_year"] = reg.conduct_year(data["conduct_term1"], data["conduct_term2"])
        return out["conduct_year"]
    raise RuleError("Thiếu kết quả rèn luyện cả năm (conduct_year hoặc conduct_term1 + conduct_term2)")


def _derive_academic(reg: Regulation, data: Mapping[str, Any], out: dict[str, Any]) -> str:
    if data.get("academic_year") is not None:
        return data["academic_year"]
    if "scored" in data or "commented" in data:
        result = reg.academic_result(data.get("scored", {}), data.get("commented", {}), **_options(data))
        if result.level is None:
            raise RuleError(result.explanation.text)
        out["academic_year"] = result.level
        return result.level
    raise RuleError("Thiếu kết quả học tập cả năm (academic_year hoặc scored/commented)")


def _honour(reg: Regulation, data: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    conduct = _derive_conduct(reg, data, out)
    academic = _derive_academic(reg, data, out)
    averages = data.get("year_averages") or data.get("scored") or {}
    decision = reg.honour(conduct, academic, averages)
    out["title"] = decision.decision
    out["explanation"] = decision.explanation.text
    return out


def _promotion(reg: Regulation, data: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    conduct = _derive_conduct(reg, data, out)
    academic = _derive_academic(reg, data, out)
    decision = reg.promotion(conduct, academic, int(data.get("absent_sessions", 0)), int(case["grade"]))
    out["decision"] = decision.decision
    out["explanation"] = decision.explanation.text
    return out


def _retest_after(reg: Regulation, data: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    scratch: dict[str, Any] = {}
    conduct = _derive_conduct(reg, data, scratch)
    result = reg.after_summer(
        **_options(data),
        grade=int(case["grade"]),
        conduct_year=conduct,
        absent_sessions=int(data.get("absent_sessions", 0)),
        scored=data.get("scored"),
        commented=data.get("commented"),
        academic_year=data.get("academic_year"),
        retest=data.get("retest"),
        summer_training_completed=data.get("summer_training_completed"),
        conduct_reassessed=data.get("conduct_reassessed"),
    )
    out = {k: v for k, v in result.items() if k != "explanation"}
    if "overall_average_after" in out:
        out["overall_average_after"] = _num(out["overall_average_after"])
    out["explanation"] = "; ".join(result["explanation"].steps) or result["explanation"].text
    return out


KINDS: dict[str, Callable[[Regulation, Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]] = {
    "term_average": _term_average,
    "year_average": _year_average,
    "comment_subject_result": _comment_subject,
    "academic_result_term": _academic,
    "academic_result_year": _academic,
    "honour": _honour,
    "promotion": _promotion,
    "retest_after": _retest_after,
}


def run_case(case: Any) -> dict[str, Any]:
    """Evaluate one case; never raises."""
    case_id = case.get("id") if isinstance(case, Mapping) else None
    try:
        if not isinstance(case, Mapping):
            raise RuleError("Mỗi trường hợp phải là một đối tượng JSON")
        kind = case.get("kind")
        if kind not in KINDS:
            raise RuleError(f"Loại trường hợp không hỗ trợ: {kind!r}")
        data = case.get("input")
        if not isinstance(data, Mapping):
            raise RuleError("Thiếu 'input'")
        reg = _regulation(case)
        return {"id": case_id, "output": KINDS[kind](reg, data, case)}
    except (RuleError, KeyError, TypeError, ValueError, AttributeError) as exc:
        message = str(exc) if isinstance(exc, RuleError) else f"{type(exc).__name__}: {exc}"
        return {"id": case_id, "error": message}


def run_cases(cases: Any) -> list[dict[str, Any]]:
    if not isinstance(cases, list):
        raise RuleError("Tệp phải chứa một mảng JSON các trường hợp")
    return [run_case(case) for case in cases]


def matches(expected: Mapping[str, Any], output: Mapping[str, Any]) -> list[str]:
    """Keys of `expected` that the output does not match (numbers to 0,01; strings trimmed and
    case-insensitive; lists order-free) — §8."""

    def same(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return a is None and b is None
        if isinstance(a, bool) or isinstance(b, bool):
            return a == b
        if isinstance(a, (int, float)) and isinstance(b, (int, float, Decimal)):
            return abs(float(a) - float(b)) <= 0.01 + 1e-9
        if isinstance(a, str) and isinstance(b, str):
            return a.strip().casefold() == b.strip().casefold()
        if isinstance(a, list) and isinstance(b, list):
            return sorted(map(str, a)) == sorted(map(str, b)) if len(a) == len(b) else False
        return a == b

    return [key for key, value in expected.items() if key not in output or not same(value, output[key])]
