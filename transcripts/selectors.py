"""What each printed book shows (docs/forms.md §2–§6), read from the gradebook in bulk.

Numbers come from the regulation engine (`compute_results`, `summer_sheet`), never recomputed here; the
templates only lay them out. Wording printed on the forms is Vietnamese by law, so it is literal here.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q

from accounts.models import School, User
from accounts.selectors import principal_of
from gradebook.models import (
    Absence,
    AssessmentKind,
    Award,
    Classroom,
    ConductResult,
    Enrolment,
    ExternalYearRecord,
    Guardian,
    ResultsApproval,
    SchoolYear,
    Score,
    Student,
    StudentTransfer,
    Subject,
    SubjectComment,
    TeachingAssignment,
    Term,
)
from gradebook.months import month_days, months_between
from gradebook.regulations import registry
from gradebook.regulations.base import fmt
from gradebook.regulations.regulation import Regulation
from gradebook.selectors.class_results import class_results
from gradebook.selectors.results import compute_results
from gradebook.selectors.structure import classroom_assignments
from gradebook.selectors.summer import final_decisions, summer_sheet

LEVEL_NAME: dict[str, str] = {School.Level.THCS: "TRUNG HỌC CƠ SỞ", School.Level.THPT: "TRUNG HỌC PHỔ THÔNG"}
TERM_NAME = {Term.Code.HK1: "HỌC KÌ I", Term.Code.HK2: "HỌC KÌ II"}
WEEKDAY = ("2", "3", "4", "5", "6", "7", "CN")  # thứ Hai … Chủ nhật
PROMOTED = {"len_lop", "hoan_thanh_chuong_trinh"}
SUMMER = {"kiem_tra_lai", "ren_luyen_he", "ren_luyen_he_va_kiem_tra_lai"}
PERIOD_NAMES = {Term.Code.HK1: "Học kì I", Term.Code.HK2: "Học kì II", "year": "Cả năm"}
LEFT: dict[str, str] = {
    Enrolment.Status.TRANSFERRED_OUT: "Chuyển đi",
    Enrolment.Status.DROPPED_OUT: "Bỏ học",
    Enrolment.Status.CLASS_CHANGED: "Chuyển lớp",
}
# why a student left, as the register prints it (the leaving reason wins over the last enrolment)
LEAVING: dict[str, str] = {
    "graduated": "Hoàn thành chương trình",
    "transferred_out": "Chuyển đi",
    "dropped_out": "Bỏ học",
}


def honour_text(honour: str | None) -> str:
    """The engine's honour title as printed ("Học sinh Xuất sắc" …), nothing for none (TT22 Điều 15)."""
    return "" if not honour or honour == Regulation.NO_HONOUR else honour


def show(value) -> str:
    """A value as the books print it: averages and scores with one decimal and a decimal comma."""
    if value is None:
        return ""
    return value if isinstance(value, str) else fmt(value, 1)


def score_text(value, level: str) -> str:
    if level:
        return "Đ" if level == "D" else "CĐ"
    return show(value)


def _after(name: str, prefix: str) -> str:
    """The school's name after a prefix the form already prints ('Trường THCS Lê Quý Đôn' on a
    'TRƯỜNG THCS: …' line is 'Lê Quý Đôn'); the whole name when it does not begin with it."""
    name, prefix = unicodedata.normalize("NFC", name), unicodedata.normalize("NFC", prefix)
    if name.casefold().startswith(prefix.casefold() + " "):
        return name[len(prefix) :].strip()
    return name


def _after_level(school: School, level: str) -> str:
    name = _after(school.name, "Trường")
    for words in (level, LEVEL_NAME[level]):
        name = _after(name, words)
    return name


def school_lines(school: School, year: SchoolYear | None, grade: int | None = None) -> dict:
    """The three lines at the top of every cover (docs/forms.md §2.1, §1.9: the district line became the
    commune line after the 2025 reform) and the managing body of the national header, as they were in
    that school year. The books' covers say 'TRƯỜNG: …' and the học bạ's 'TRƯỜNG THCS: …' (or THPT): the
    name is printed without the words the form already has. A multi-level school prints the level of
    the grade."""
    start = year.start_year if year is not None else None
    level = (
        school.level_of_grade(grade or min(school.grades))
        if school.level == School.Level.MULTI
        else school.level
    )
    unit_label, unit = school.unit_line(start)
    return {
        "school": school,
        "level": level,
        "governing_body": school.managing_body(start),
        "school_after_truong": _after(school.name, "Trường"),
        "school_after_level": _after_level(school, level),
        "unit_label": unit_label,
        "unit": unit,
        "province": school.province.name,
        "level_name": LEVEL_NAME[level],
        "year_label": f"{year.start_year} - {year.start_year + 1}" if year else "20… - 20…",
        "completion": "trung học cơ sở" if level == School.Level.THCS else "trung học phổ thông",
    }


def roster(classroom: Classroom) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(classroom=classroom, status=Enrolment.Status.STUDYING)
        .select_related("student")
        .order_by("student__sort_key")
    )


def regular_count(classroom: Classroom, assignment: TeachingAssignment, entered: int = 0) -> int:
    rules = registry.get(classroom.regulation)
    required = rules.regular_count(
        by_comment=assignment.subject.kind == Subject.Kind.COMMENT,
        periods_per_year=assignment.periods_per_year,
        topic_cluster=assignment.topic_cluster,
    )
    return max(required, entered)


@dataclass
class Cell:
    regular: dict[int, str] = field(default_factory=dict)
    midterm: str = ""
    final: str = ""
    retest: str = ""


def _cells(assignment_ids: list[int], enrolment_ids: list[int]) -> dict[tuple[int, int, str], Cell]:
    cells: dict[tuple[int, int, str], Cell] = defaultdict(Cell)
    for enrolment_id, assignment_id, term, kind, index, value, level in Score.objects.filter(
        assignment_id__in=assignment_ids, enrolment_id__in=enrolment_ids
    ).values_list("enrolment_id", "assignment_id", "term", "kind", "index", "value", "level"):
        text = score_text(value, level)
        cell = cells[(enrolment_id, assignment_id, term)]
        if kind == AssessmentKind.REGULAR:
            cell.regular[index] = text
        elif kind == AssessmentKind.MIDTERM:
            cell.midterm = text
        elif kind == AssessmentKind.FINAL:
            cell.final = text
        elif kind == AssessmentKind.RETEST:
            cell.retest = text
    return cells


def _corrections(assignment_ids: list[int]) -> Counter:
    """Cells changed by an applied correction, per (assignment, term): the page footer counts them
    (docs/forms.md §2.6)."""
    counts: Counter = Counter()
    for assignment_id, term, n in (
        Score.history.filter(assignment_id__in=assignment_ids, correction__isnull=False)
        .values_list("assignment_id", "term")
        .annotate(n=Count("history_id"))
    ):
        counts[(assignment_id, term)] += n
    return counts


def subject_pages(
    classroom: Classroom,
    enrolments: list[Enrolment],
    assignments: list[TeachingAssignment],
    *,
    blank: bool = False,
    comments: bool = False,
    results: dict | None = None,
) -> list[dict]:
    """One page per term and subject (docs/forms.md §2.6, §3): the scores as entered, the averages of the
    engine (`results`, the class's compute_results, computed here when not given); `blank` leaves every
    cell empty (the teacher's book printed at the start of the year)."""
    enrolment_ids = [e.pk for e in enrolments]
    assignment_ids = [a.pk for a in assignments]
    cells = {} if blank else _cells(assignment_ids, enrolment_ids)
    if blank:
        results = {}
    elif results is None:
        results = compute_results(classroom.school_year, [classroom])
    corrections = Counter() if blank else _corrections(assignment_ids)
    texts = {}
    if comments and not blank:
        texts = {
            (e, a, t): text
            for e, a, t, text in SubjectComment.objects.filter(
                assignment_id__in=assignment_ids, enrolment_id__in=enrolment_ids
            ).values_list("enrolment_id", "assignment_id", "term", "text")
        }
    pages = []
    for term in (Term.Code.HK1, Term.Code.HK2):
        for assignment in assignments:
            entered = max(
                (
                    max(c.regular, default=0)
                    for (e, a, t), c in cells.items()
                    if a == assignment.pk and t == term
                ),
                default=0,
            )
            count = regular_count(classroom, assignment, entered)
            rows = []
            for number, enrolment in enumerate(enrolments, 1):
                cell = cells.get((enrolment.pk, assignment.pk, term), Cell())
                subject = (
                    results[enrolment.pk].subjects.get(assignment.subject_id)
                    if enrolment.pk in results
                    else None
                )
                rows.append(
                    {
                        "number": number,
                        "name": enrolment.student.full_name,
                        "regular": [cell.regular.get(i, "") for i in range(1, count + 1)],
                        "midterm": cell.midterm,
                        "final": cell.final,
                        "term": show(subject.value(term)) if subject else "",
                        "year": show(subject.value("year")) if subject and term == Term.Code.HK2 else "",
                        "retest": cell.retest if term == Term.Code.HK2 else "",
                        "comment": texts.get((enrolment.pk, assignment.pk, term), ""),
                        "fifth": number % 5 == 0,
                    }
                )
            pages.append(
                {
                    "term": term,
                    "term_name": TERM_NAME[term],
                    "roman": "I" if term == Term.Code.HK1 else "II",
                    "assignment": assignment,
                    "subject": assignment.subject.printed_name,
                    "comment_kind": assignment.subject.kind == Subject.Kind.COMMENT,
                    "teacher": assignment.teacher.full_name if assignment.teacher else "",
                    "teacher_id": assignment.teacher_id,
                    "regular_count": count,
                    "rows": rows,
                    "corrections": corrections[(assignment.pk, term)],
                    "pass_count": sum(r["term"] == "Đ" for r in rows),
                    "fail_count": sum(r["term"] == "CĐ" for r in rows),
                }
            )
    return pages


def attendance_months(classroom: Classroom, enrolments: list[Enrolment], months: list[date]) -> list[dict]:
    """One page per month of the school year (docs/forms.md §2.5): P / K per session, totals TS, P, K; 31
    day columns, those past the month's end left grey."""
    year = classroom.school_year
    by_day: dict[tuple[int, date], list[bool]] = defaultdict(list)
    for enrolment_id, day, excused in Absence.objects.filter(
        enrolment__in=enrolments, date__range=(year.start_date, year.end_date)
    ).values_list("enrolment_id", "date", "excused"):
        by_day[(enrolment_id, day)].append(excused)
    pages = []
    for month in months:
        dates: list[date | None] = list(month_days(month))
        padding: list[date | None] = [None] * (31 - len(dates))
        days = [
            {"day": n, "weekday": WEEKDAY[d.weekday()] if d else ""} for n, d in enumerate(dates + padding, 1)
        ]
        rows, per_day = [], [0] * 31
        for number, enrolment in enumerate(enrolments, 1):
            marks, excused_n, unexcused_n = [], 0, 0
            for d, on in enumerate(dates + padding):
                flags = by_day.get((enrolment.pk, on), []) if on else []
                excused_n += sum(flags)
                unexcused_n += len(flags) - sum(flags)
                per_day[d] += bool(flags)
                marks.append("".join("P" if f else "K" for f in flags))
            rows.append(
                {
                    "number": number,
                    "name": enrolment.student.full_name,
                    "marks": marks,
                    "total": excused_n + unexcused_n,
                    "excused": excused_n,
                    "unexcused": unexcused_n,
                    "fifth": number % 5 == 0,
                }
            )
        pages.append({"month": month, "length": len(dates), "days": days, "rows": rows, "per_day": per_day})
    return pages


def _split(results: dict) -> tuple[list[int], list[int]]:
    """Column positions of comment subjects and of score subjects (docs/forms.md §2.7 groups them)."""
    comment = [i for i, s in enumerate(results["subjects"]) if s["kind"] == Subject.Kind.COMMENT]
    score = [i for i, s in enumerate(results["subjects"]) if s["kind"] != Subject.Kind.COMMENT]
    return comment, score


def summary(classroom: Classroom, period: str, results: dict) -> dict:
    """A period's results of the class (docs/forms.md §2.7–2.9, §4): every subject's average or level, the
    academic and conduct results, and the counts per level."""
    data = class_results(classroom, period, results)
    comment, score = _split(data)
    rows = []
    for r in data["rows"]:
        rows.append(
            {
                "number": r.number,
                "name": r.enrolment.student.full_name,
                "comment_values": [r.values[i] for i in comment],
                "score_values": [r.values[i] for i in score],
                "academic": r.academic,
                "conduct": r.conduct,
                "absences": r.absences,
                "decision": r.decision,
                "decision_code": r.decision_code,
                "honour": honour_text(r.honour),
                "enrolment_id": r.enrolment.pk,
                "fifth": r.number % 5 == 0,
            }
        )
    rules = registry.get(classroom.regulation)
    total = len(rows)

    def counts(key: str, levels) -> list[dict]:
        tally = Counter(row[key] for row in rows)
        return [
            {"level": level, "n": tally[level], "pct": fmt(100 * tally[level] / total, 2) if total else "0"}
            for level in levels
        ]

    per_subject = [
        {
            "name": data["subjects"][i]["name"],
            "pass": sum(row["comment_values"][k] == "Đ" for row in rows),
            "fail": sum(row["comment_values"][k] == "CĐ" for row in rows),
        }
        for k, i in enumerate(comment)
    ]
    return {
        "period": period,
        "rows": rows,
        "comment_subjects": [data["subjects"][i] for i in comment],
        "score_subjects": [data["subjects"][i] for i in score],
        "teachers": [s for s in data["subjects"]],
        "conduct_counts": counts("conduct", rules.conduct_levels),
        "academic_counts": counts("academic", rules.academic_levels),
        "per_subject": per_subject,
        "total": total,
        "complete": data["complete"],
        "approval": data["approval"],
    }


def year_ranking(classroom: Classroom, year_summary: dict, results: dict) -> dict:
    """Xếp loại cả năm (docs/forms.md §2.9): the year's results, what the summer changed, promotion and
    honours, and the totals of the merged cell."""
    after = {row.enrolment.pk: row for row in summer_sheet(classroom, results)["rows"]}
    promoted = after_summer = retained = 0
    rows = []
    for row in year_summary["rows"]:
        code = row["decision_code"]
        summer = after.get(row["enrolment_id"])
        final = summer.final_code if summer is not None else code
        row["conduct_after"] = summer.conduct_year_after if summer else ""
        row["academic_after"] = summer.academic_after if summer else ""
        row["promoted"] = "x" if final in PROMOTED else ""
        row["retained"] = "x" if final == "khong_len_lop" else ""
        if final in PROMOTED:
            promoted += 1
            after_summer += code in SUMMER
        elif final == "khong_len_lop":
            retained += 1
        rows.append(row)
    return {
        "rows": rows,
        "total": len(rows),
        "promoted": promoted,
        "after_summer": after_summer,
        "retained": retained,
        "final_grade": classroom.grade in (9, 12),
    }


def subject_teachers(classroom: Classroom) -> list[dict]:
    return [
        {
            "subject": a.subject.printed_name,
            "teacher": a.teacher.full_name if a.teacher else "",
            "teacher_id": a.teacher_id,
        }
        for a in classroom_assignments(classroom)
    ]


def profiles(enrolments: list[Enrolment]) -> list[dict]:
    """Sơ yếu lý lịch (docs/forms.md §2.4): the student and the parents or guardian."""
    guardians: defaultdict[int, dict[str, Any]] = defaultdict(dict)
    for g in Guardian.objects.filter(student__in=[e.student_id for e in enrolments]):
        guardians[g.student_id][g.relationship] = g
    rows = []
    for number, enrolment in enumerate(enrolments, 1):
        s = enrolment.student
        family = guardians[s.pk]
        rows.append(
            {
                "number": number,
                "student": s,
                "father": _parent(family.get(Guardian.Relationship.FATHER)),
                "mother": _parent(family.get(Guardian.Relationship.MOTHER)),
                "guardian": _parent(family.get(Guardian.Relationship.GUARDIAN)),
                "fifth": number % 5 == 0,
            }
        )
    return rows


def _parent(g: Guardian | None) -> str:
    if g is None:
        return ""
    return ", ".join(p for p in (g.full_name, g.occupation, g.phone, g.email) if p)


def class_book(classroom: Classroom) -> dict:
    """Sổ theo dõi và đánh giá học sinh (theo lớp học), docs/forms.md §2, in print order."""
    school = classroom.school_year.school
    enrolments = roster(classroom)
    assignments = list(classroom_assignments(classroom))
    results = compute_results(classroom.school_year, [classroom])  # once for every section
    year_summary = summary(classroom, "year", results)
    pages = subject_pages(classroom, enrolments, assignments, results=results)
    terms = [summary(classroom, Term.Code.HK1, results), summary(classroom, Term.Code.HK2, results)]
    for term in terms:
        term["corrections"] = sum(p["corrections"] for p in pages if p["term"] == term["period"])
    year_summary["corrections"] = sum(p["corrections"] for p in pages)
    months = months_between(classroom.school_year.start_date, classroom.school_year.end_date)
    return {
        **school_lines(school, classroom.school_year, classroom.grade),
        "classroom": classroom,
        "homeroom": classroom.homeroom_teacher.full_name if classroom.homeroom_teacher else "",
        "size": len(enrolments),
        "teachers": subject_teachers(classroom),
        "profiles": profiles(enrolments),
        "attendance": attendance_months(classroom, enrolments, months),
        "subject_pages": pages,
        "terms": terms,
        "year": year_summary,
        "ranking": year_ranking(classroom, year_summary, results),
        "months": months,
    }


def results_summary(classroom: Classroom, period: str) -> dict:
    """Bảng tổng hợp kết quả đánh giá giáo dục của lớp (docs/forms.md §4)."""
    school = classroom.school_year.school
    results = compute_results(classroom.school_year, [classroom])
    data = summary(classroom, period, results)
    if period == "year":
        ranking = year_ranking(classroom, data, results)
        data["rows"] = ranking["rows"]
    return {
        **school_lines(school, classroom.school_year, classroom.grade),
        "classroom": classroom,
        "homeroom": classroom.homeroom_teacher.full_name if classroom.homeroom_teacher else "",
        "period_name": {Term.Code.HK1: "Học kì I", Term.Code.HK2: "Học kì II", "year": "Cả năm"}[period],
        "summary": data,
        "is_year": period == "year",
        "conduct_counts": data["conduct_counts"],
        "academic_counts": data["academic_counts"],
        "per_subject": data["per_subject"],
        "teachers": subject_teachers(classroom),
    }


def teacher_book(teacher: User, school_year: SchoolYear, *, blank: bool) -> dict:
    """Sổ theo dõi và đánh giá học sinh (của giáo viên), docs/forms.md §3: every class-subject the teacher
    teaches this year, per term; empty cells when printed at the start of the year."""
    assignments = list(
        TeachingAssignment.objects.filter(teacher=teacher, classroom__school_year=school_year)
        .select_related("classroom", "subject", "teacher", "classroom__school_year")
        .order_by("subject__order", "classroom__grade", "classroom__name")
    )
    blocks = []
    for assignment in assignments:
        classroom = assignment.classroom
        enrolments = roster(classroom)
        for page in subject_pages(classroom, enrolments, [assignment], blank=blank, comments=True):
            page["classroom"] = classroom
            blocks.append(page)
    subjects = sorted({a.subject.name for a in assignments})
    return {
        **school_lines(school_year.school, school_year),
        "teacher": teacher,
        "subjects": ", ".join(subjects),
        "classes": ", ".join(a.classroom.name for a in assignments),
        "blocks": blocks,
        "blank": blank,
        "needs_page_count": True,
    }


def _promotion_text(code: str) -> str:
    return {
        "len_lop": "Được lên lớp",
        "hoan_thanh_chuong_trinh": "Hoàn thành chương trình",
        "khong_len_lop": "Không được lên lớp",
    }.get(code, "")


_SHARED_RESULTS: ContextVar[dict[Any, Any] | None] = ContextVar("shared_class_results", default=None)


@contextmanager
def shared_class_results():
    """Within the block the học bạ of many students compute each class's results once (a class's
    batch, its XML export, the year archive), not once per student: a student's results depend on
    their own records only."""
    if _SHARED_RESULTS.get() is not None:  # inside a larger batch (the archive's class): its memo serves
        yield
        return
    token = _SHARED_RESULTS.set({})
    try:
        yield
    finally:
        _SHARED_RESULTS.reset(token)


def _once_per_batch(key: tuple, together: Callable[[], Any], alone: Callable[[], Any]) -> Any:
    """Inside shared_class_results() what `together` reads, once per batch under `key`; outside one,
    what `alone` reads for the one document being made."""
    shared = _SHARED_RESULTS.get()
    if shared is None:
        return alone()
    if key not in shared:
        shared[key] = together()
    return shared[key]


def school_principal(school: School) -> User | None:
    """The principal of the school, read once per batch inside shared_class_results()."""
    return _once_per_batch(
        ("principal", school.pk), lambda: principal_of(school), lambda: principal_of(school)
    )


def _class_results(enrolment: Enrolment) -> dict:
    classroom = enrolment.classroom
    return _once_per_batch(
        ("results", classroom.pk),
        lambda: compute_results(
            classroom.school_year,
            [classroom],
            also=list(Enrolment.objects.filter(classroom=classroom).values_list("pk", flat=True)),
        ),
        lambda: compute_results(classroom.school_year, [classroom], also=[enrolment.pk]),
    )


@dataclass
class _YearRecords:
    """What a year's pages read besides the results, for one student or for their whole class."""

    assignments: list
    retests: dict[int, dict[int, str]] = field(default_factory=dict)  # enrolment → assignment → text
    comments: dict[int, dict[int, str]] = field(default_factory=dict)
    conduct: dict[int, dict[str, str]] = field(default_factory=dict)  # enrolment → period → level
    homeroom_comments: dict[int, str] = field(default_factory=dict)
    summer: dict[int, Any] = field(default_factory=dict)  # enrolment → summer sheet row
    approval: ResultsApproval | None = None
    awards: dict[int, list[str]] = field(default_factory=dict)
    corrected: dict[int, Counter] = field(default_factory=dict)  # enrolment → subject → cells corrected


def _year_records(enrolment: Enrolment, results: dict) -> _YearRecords:
    """The records of the enrolment's year: inside shared_class_results() read once for the whole
    class (a batch of its học bạ: a few queries per class, not per student), else for the student."""
    classroom = enrolment.classroom
    return _once_per_batch(
        ("records", classroom.pk),
        lambda: _read_year_records(classroom, results, Q(enrolment__classroom=classroom)),
        lambda: _read_year_records(classroom, results, Q(enrolment=enrolment)),
    )


def _read_year_records(classroom: Classroom, results: dict, whose: Q) -> _YearRecords:
    data = _YearRecords(assignments=list(classroom_assignments(classroom)))
    for enrolment_id, assignment_id, value, level in Score.objects.filter(
        whose, kind=AssessmentKind.RETEST
    ).values_list("enrolment_id", "assignment_id", "value", "level"):
        data.retests.setdefault(enrolment_id, {})[assignment_id] = score_text(value, level)
    for enrolment_id, assignment_id, term, text in (
        SubjectComment.objects.filter(whose)
        .order_by("term")
        .values_list("enrolment_id", "assignment_id", "term", "text")
    ):
        # the term II comment when there is one (it speaks of the year), else term I's
        if text and (term == Term.Code.HK2 or assignment_id not in data.comments.get(enrolment_id, {})):
            data.comments.setdefault(enrolment_id, {})[assignment_id] = text
    for enrolment_id, period, level, comment in ConductResult.objects.filter(whose).values_list(
        "enrolment_id", "period", "level", "comment"
    ):
        data.conduct.setdefault(enrolment_id, {})[period] = level
        if period == ConductResult.Period.YEAR:
            data.homeroom_comments[enrolment_id] = comment or ""
    data.summer = {row.enrolment.pk: row for row in summer_sheet(classroom, results)["rows"]}
    data.approval = (
        ResultsApproval.objects.filter(
            classroom=classroom, period=ResultsApproval.Period.YEAR, status=ResultsApproval.Status.APPROVED
        )
        .select_related("decided_by")
        .first()
    )
    for enrolment_id, title in (
        Award.objects.filter(whose, kind=Award.Kind.AWARD, status=Award.Status.APPROVED)
        .order_by("date")
        .values_list("enrolment_id", "title")
    ):
        data.awards.setdefault(enrolment_id, []).append(title)
    for enrolment_id, subject in Score.history.filter(whose, correction__isnull=False).values_list(
        "enrolment_id", "assignment__subject__name"
    ):
        data.corrected.setdefault(enrolment_id, Counter())[subject] += 1
    return data


def transcript_year(enrolment: Enrolment) -> dict:
    """The two pages of one school year in the học bạ (docs/forms.md §5.4, §5.5)."""
    classroom = enrolment.classroom
    year = classroom.school_year
    results = _class_results(enrolment)
    result = results.get(enrolment.pk)
    data = _year_records(enrolment, results)
    assignments = data.assignments
    retests = data.retests.get(enrolment.pk, {})
    comments = data.comments.get(enrolment.pk, {})
    subjects = []
    for a in assignments:
        s = result.subjects.get(a.subject_id) if result else None
        subjects.append(
            {
                "name": a.subject.printed_name,
                "hk1": show(s.value(Term.Code.HK1)) if s else "",
                "hk2": show(s.value(Term.Code.HK2)) if s else "",
                "year": show(s.value("year")) if s else "",
                "retest": retests.get(a.pk, ""),
                "comment": comments.get(a.pk, ""),
                "teacher": a.teacher.full_name if a.teacher else "",
                "teacher_id": a.teacher_id,
            }
        )
    conduct = dict(data.conduct.get(enrolment.pk, {}))
    homeroom_comment = data.homeroom_comments.get(enrolment.pk, "")
    summer = data.summer.get(enrolment.pk)
    decision = result.decision if result else None
    final = summer.final_code if summer is not None else decision
    approval = data.approval
    awards = data.awards.get(enrolment.pk, [])
    academic = {
        p: (result.academic[p].level or "") if result else "" for p in (Term.Code.HK1, Term.Code.HK2, "year")
    }
    if result:
        conduct.setdefault("year", result.conduct.get("year", ""))
    corrected = data.corrected.get(enrolment.pk, Counter())
    return {
        "enrolment": enrolment,
        "classroom": classroom,
        "start_year": year.start_year,
        "grade": classroom.grade,
        "regulation": classroom.regulation,
        "school_name": year.school.name,
        "province_name": year.school.province.name,
        "decision": final or "",
        "external": None,
        # a year left before its end: "Chuyển đi ngày 02/11/2026" on its pages
        "left_text": f"{LEFT[enrolment.status]} ngày {enrolment.end_date:%d/%m/%Y}"
        if enrolment.status in LEFT and enrolment.end_date
        else "",
        "corrections": sum(corrected.values()),
        "corrected_subjects": ", ".join(sorted(corrected)),
        "year_label": f"{year.start_year} - {year.start_year + 1}",
        "subjects": subjects,
        "periods": [
            {"code": p, "name": PERIOD_NAMES[p], "conduct": conduct.get(p, ""), "academic": academic[p]}
            for p in PERIOD_NAMES
        ],
        "absences": result.absent_sessions if result else 0,
        "conduct_after": summer.conduct_year_after if summer else "",
        "academic_after": summer.academic_after if summer else "",
        "promoted": final in PROMOTED and decision not in SUMMER,
        "promoted_after_summer": final in PROMOTED and decision in SUMMER,
        "retained": final == "khong_len_lop",
        "completed": final == "hoan_thanh_chuong_trinh" if classroom.grade in (9, 12) else None,
        "promotion_text": _promotion_text(final or ""),
        "honour": honour_text(result.honour if result else None),
        "awards": awards,
        "homeroom": classroom.homeroom_teacher.full_name if classroom.homeroom_teacher else "",
        "homeroom_comment": homeroom_comment,
        "approval": approval,
    }


def external_year(record: ExternalYearRecord) -> dict:
    """A year at a school outside the system, shaped as transcript_year's pages and marked as such."""
    decision = record.decision
    return {
        "enrolment": None,
        "classroom": {"name": record.class_name},
        "start_year": record.start_year,
        "grade": record.grade,
        "regulation": record.regulation,
        "school_name": record.school_name,
        "province_name": record.province_name,
        "decision": decision,
        "external": record,
        "left_text": "",
        "corrections": 0,
        "corrected_subjects": "",
        "year_label": f"{record.start_year} - {record.start_year + 1}",
        "subjects": [
            {k: str(s.get(k, "")) for k in ("name", "hk1", "hk2", "year", "retest", "comment", "teacher")}
            for s in record.subjects
        ],
        "periods": [
            {
                "code": p,
                "name": PERIOD_NAMES[p],
                "conduct": record.periods.get(p, {}).get("conduct", ""),
                "academic": record.periods.get(p, {}).get("academic", ""),
            }
            for p in PERIOD_NAMES
        ],
        "absences": record.absences,
        "conduct_after": record.periods.get("after", {}).get("conduct", ""),
        "academic_after": record.periods.get("after", {}).get("academic", ""),
        "promoted": decision in PROMOTED,
        "promoted_after_summer": False,
        "retained": decision == "khong_len_lop",
        "completed": decision == "hoan_thanh_chuong_trinh" if record.grade in (9, 12) else None,
        "promotion_text": _promotion_text(decision),
        "honour": record.honour,
        "awards": [],
        "homeroom": record.homeroom,
        "homeroom_comment": record.homeroom_comment,
        "approval": None,
    }


def transcript(student: Student) -> dict:
    """The học bạ of one student (docs/forms.md §5): cover, profile with the course of study, and two pages
    per school year at this school, earlier years first."""
    enrolments = list(
        student.enrolments.filter(Q(status=Enrolment.Status.STUDYING) | Q(end_date__isnull=False))
        .exclude(status=Enrolment.Status.CLASS_CHANGED)
        .select_related("classroom__school_year__school__province", "classroom__homeroom_teacher")
        .order_by("classroom__school_year__start_year", "start_date")
    )
    course = sorted(
        [transcript_year(e) for e in enrolments] + [external_year(r) for r in student.external_years.all()],
        key=lambda y: (y["start_year"], y["enrolment"].start_date if y["enrolment"] else date.min),
    )
    # one pair of pages per school year: after a transfer during the year the receiving school's pages
    # hold the whole year (the term so far came along); the course of study lists both schools
    years = [
        y
        for i, y in enumerate(course)
        if not (i + 1 < len(course) and course[i + 1]["start_year"] == y["start_year"] and y["enrolment"])
    ]
    school = student.school
    first_year = enrolments[0].classroom.school_year if enrolments else None
    guardians = {g.relationship: g for g in student.guardians.all()}
    # a student leaving for another school: the học bạ handed over names where they go (docs/forms.md §5)
    leaving = (
        StudentTransfer.objects.filter(
            student=student,
            from_school=school,
            kind__in=[StudentTransfer.Kind.OUT, StudentTransfer.Kind.WITHIN],
            status__in=[StudentTransfer.Status.PENDING, StudentTransfer.Status.DONE],
        )
        .select_related("to_school")
        .order_by("-transfer_date")
        .first()
    )
    principal = school_principal(school)
    lines = school_lines(school, first_year, grade=enrolments[-1].classroom.grade if enrolments else None)
    return {
        **lines,
        "student": student,
        "father": guardians.get(Guardian.Relationship.FATHER),
        "mother": guardians.get(Guardian.Relationship.MOTHER),
        "guardian": guardians.get(Guardian.Relationship.GUARDIAN),
        "course": [
            {
                "year": y["year_label"],
                "classroom": y["classroom"]["name"] if y["external"] else y["classroom"].name,
                "school": ", ".join(p for p in (y["school_name"], y["province_name"]) if p),
                "register_number": "" if y["external"] else student.register_number,
                "start": y["enrolment"].start_date if y["enrolment"] else None,
            }
            for y in course
        ],
        "blank_course_rows": range(max(0, (4 if lines["level"] == School.Level.THCS else 3) - len(course))),
        "opened_on": enrolments[0].start_date if enrolments else None,
        "transferred_to": (
            {
                "school": leaving.to_school.name if leaving.to_school else leaving.other_school_name,
                "on": leaving.transfer_date,
            }
            if leaving
            else None
        ),
        "years": years,
        "principal": principal.full_name if principal else "",
    }


def register(school: School, school_year: SchoolYear) -> dict:
    """Sổ đăng bộ (docs/forms.md §6): every student who studied at the school up to this year, with the
    course of study year by year (promoted or retained) and when and why they left."""
    years = list(school.school_years.filter(start_year__lte=school_year.start_year).order_by("start_year"))
    decisions: dict[int, str] = {}
    for y in years:
        decisions.update(final_decisions(y))
    by_student = defaultdict(list)
    for e in (
        Enrolment.objects.filter(classroom__school_year__in=years)
        .exclude(status=Enrolment.Status.CLASS_CHANGED)
        .select_related("classroom__school_year")
        .order_by("classroom__school_year__start_year")
    ):
        by_student[e.student_id].append(e)
    guardians: defaultdict[int, dict[str, Any]] = defaultdict(dict)
    for g in Guardian.objects.filter(student_id__in=list(by_student)):
        guardians[g.student_id][g.relationship] = g
    blocks = 3 if school.level == School.Level.THPT else 4
    rows = []
    students = Student.objects.filter(pk__in=list(by_student)).order_by("register_number", "sort_key")
    for number, s in enumerate(students, 1):
        history = by_student[s.pk]
        course = [
            {
                "year": f"{e.classroom.school_year.start_year}-{e.classroom.school_year.start_year + 1}",
                "classroom": e.classroom.name,
                "result": {
                    "len_lop": "Lên lớp",
                    "hoan_thanh_chuong_trinh": "HTCT",
                    "khong_len_lop": "Ở lại",
                }.get(decisions.get(e.pk, ""), ""),
            }
            for e in history[:blocks]
        ]
        course += [{"year": "", "classroom": "", "result": ""}] * (blocks - len(course))
        last = history[-1]
        family = guardians[s.pk]
        rows.append(
            {
                "number": number,
                "student": s,
                "father": _parent_short(family.get(Guardian.Relationship.FATHER)),
                "mother": _parent_short(
                    family.get(Guardian.Relationship.MOTHER) or family.get(Guardian.Relationship.GUARDIAN)
                ),
                "entered": history[0].start_date,
                "entered_class": history[0].classroom.name,
                "course": course,
                "left": last.end_date if last.status in LEFT else s.left_on,
                "left_reason": LEFT.get(last.status) or LEAVING.get(s.leaving_reason, ""),
                "fifth": number % 5 == 0,
            }
        )
    return {
        **school_lines(school, school_year),
        "rows": rows,
        "blocks": range(1, blocks + 1),
        "needs_page_count": True,
    }


def _parent_short(g: Guardian | None) -> str:
    return ", ".join(p for p in (g.full_name, g.occupation) if p) if g else ""
