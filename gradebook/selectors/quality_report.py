"""Công khai chất lượng giáo dục (docs/forms.md §8.3; TT09/2024): the year's results of the school by grade,
each a count and a percentage of the grade's students."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from gradebook.models import Classroom, Enrolment, SchoolYear, Student, StudentTransfer
from gradebook.regulations import registry
from gradebook.selectors.results import compute_results
from gradebook.selectors.summer import SUMMER_DECISIONS, summer_sheet

PROMOTED = {"len_lop", "hoan_thanh_chuong_trinh"}


def _cell(n: int, total: int) -> dict:
    pct = (Decimal(100 * n) / total).quantize(Decimal("0.1")) if total else Decimal(0)
    return {"n": n, "pct": pct}


def quality_report(school_year: SchoolYear) -> dict:
    classrooms = list(Classroom.objects.filter(school_year=school_year))
    grade_of = {c.pk: c.grade for c in classrooms}
    grades = sorted(set(grade_of.values()))
    regulations = {c.regulation for c in classrooms}
    rules = registry.get(sorted(regulations)[0]) if regulations else registry.get("TT22")
    results = compute_results(school_year)
    counts: dict[str, Counter[int]] = defaultdict(Counter)  # row key → grade → n
    students: Counter[int] = Counter()
    summer_classes = set()
    for student in results.values():
        grade = grade_of[student.classroom_id]
        students[grade] += 1
        counts[f"conduct:{student.conduct.get('year') or '—'}"][grade] += 1
        level = student.academic.get("year")
        counts[f"academic:{(level.level if level else None) or '—'}"][grade] += 1
        if student.decision in PROMOTED:
            counts["promoted"][grade] += 1
        elif student.decision in SUMMER_DECISIONS:
            summer_classes.add(student.classroom_id)
        elif student.decision:
            counts["retained"][grade] += 1
        if student.honour and student.honour != rules.NO_HONOUR:
            counts[f"honour:{student.honour}"][grade] += 1
    for classroom in classrooms:
        if classroom.pk not in summer_classes:
            continue
        for row in summer_sheet(classroom)["rows"]:
            if not row.final_code:
                counts["summer_pending"][classroom.grade] += 1
            elif row.final_code in PROMOTED:
                counts["promoted"][classroom.grade] += 1
                counts["promoted_after_summer"][classroom.grade] += 1
            else:
                counts["retained"][classroom.grade] += 1
    for status, key in (
        (Enrolment.Status.TRANSFERRED_OUT, "transferred_out"),
        (Enrolment.Status.DROPPED_OUT, "dropped_out"),
    ):
        for classroom_id in Enrolment.objects.filter(
            classroom__school_year=school_year, status=status
        ).values_list("classroom_id", flat=True):
            counts[key][grade_of[classroom_id]] += 1
    # received from another school during the year (a transfer carried out into one of its classes)
    for classroom_id in StudentTransfer.objects.filter(
        status=StudentTransfer.Status.DONE, to_enrolment__classroom__school_year=school_year
    ).values_list("to_enrolment__classroom_id", flat=True):
        counts["transferred_in"][grade_of[classroom_id]] += 1
    studying = Student.objects.filter(
        enrolments__classroom__school_year=school_year, enrolments__status=Enrolment.Status.STUDYING
    )
    for grade, sex, ethnicity in studying.values_list("enrolments__classroom__grade", "sex", "ethnicity"):
        if sex == Student.Sex.FEMALE:
            counts["female"][grade] += 1
        if ethnicity and ethnicity.strip().lower() != "kinh":
            counts["minority"][grade] += 1

    def line(label: str, key: str, *, indent: bool = False, percent: bool = True) -> dict:
        total = sum(students.values())
        return {
            "label": label,
            "indent": indent,
            "total": _cell(sum(counts[key].values()), total)
            if percent
            else {"n": sum(counts[key].values()), "pct": None},
            "grades": [
                _cell(counts[key][g], students[g]) if percent else {"n": counts[key][g], "pct": None}
                for g in grades
            ],
        }

    sections = [
        (
            "I",
            "Kết quả rèn luyện",
            [line(level, f"conduct:{level}", indent=True) for level in rules.conduct_levels],
        ),
        (
            "II",
            "Kết quả học tập",
            [line(level, f"academic:{level}", indent=True) for level in rules.academic_levels],
        ),
        (
            "III",
            "Tổng hợp kết quả cuối năm",
            [
                line("Được lên lớp (hoàn thành chương trình)", "promoted"),
                line(
                    "trong đó: sau kiểm tra, đánh giá lại, rèn luyện hè", "promoted_after_summer", indent=True
                ),
                line("Không được lên lớp", "retained"),
                line("Chưa xong kiểm tra lại, rèn luyện hè", "summer_pending"),
                *[line(title, f"honour:{title}") for title in rules.honour_titles],
                line("Chuyển đến", "transferred_in", percent=False),
                line("Chuyển đi", "transferred_out", percent=False),
                line("Bỏ học", "dropped_out", percent=False),
            ],
        ),
        (
            "IV",
            "Số học sinh",
            [
                line("Học sinh nữ", "female"),
                line("Học sinh dân tộc thiểu số", "minority"),
            ],
        ),
    ]
    for _number, _title, lines in sections:
        number = 0
        for item in lines:
            if not item["indent"] or _number in ("I", "II"):
                number += 1
                item["number"] = number
    return {
        "grades": grades,
        "students": [students[g] for g in grades],
        "total_students": sum(students.values()),
        "sections": sections,
        "regulation": rules.title,
        "mixed_regulations": len(regulations) > 1,
    }
