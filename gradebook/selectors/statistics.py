"""Statistics of a school year (docs/workflows.md §10): per class, grade and school, for a term or the year, the
distribution of academic and conduct results, per subject the distribution of averages in bands (or
Đ/CĐ), and for the year the promotion decisions and honours.

The results of a whole school take a second or more to compute (the engine on every student); they are
computed per class and kept in the cache under the class's version (gradebook/freshness.py): a write
makes its class's version new, so a view after it recomputes that class alone, and nothing computed
before a write is served after it. The page says which change it includes last."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from gradebook import freshness
from gradebook.models import (
    AssessmentKind,
    Classroom,
    Enrolment,
    ResultsApproval,
    SchoolYear,
    Score,
    Subject,
    TeachingAssignment,
    Term,
)
from gradebook.regulations import registry
from gradebook.regulations.base import fmt
from gradebook.selectors.class_results import DECISIONS
from gradebook.selectors.results import compute_results

PERIODS = dict(ResultsApproval.Period.choices)  # HK1, HK2, year


def period_of(text: str | None) -> str:
    """The period a request asks for; term I when it asks for none or nonsense."""
    return text if text in PERIODS else Term.Code.HK1


# the bands of subject averages on the statistics page (docs/rules.md)
BANDS = (
    ("0–3,4", Decimal("0"), Decimal("3.4")),
    ("3,5–4,9", Decimal("3.5"), Decimal("4.9")),
    ("5,0–6,4", Decimal("5.0"), Decimal("6.4")),
    ("6,5–7,9", Decimal("6.5"), Decimal("7.9")),
    ("8,0–10", Decimal("8.0"), Decimal("10")),
)


@dataclass
class Group:
    """One row of a statistics table: a class, a grade or the school."""

    label: str
    students: int = 0
    academic: Counter = field(default_factory=Counter)
    conduct: Counter = field(default_factory=Counter)
    decisions: Counter = field(default_factory=Counter)
    honours: Counter = field(default_factory=Counter)
    bands: dict[str, Counter] = field(default_factory=dict)  # subject → band → n (picklable: cached)

    def add(self, other: Group) -> None:
        self.students += other.students
        self.academic.update(other.academic)
        self.conduct.update(other.conduct)
        self.decisions.update(other.decisions)
        self.honours.update(other.honours)
        for subject, counts in other.bands.items():
            self.bands.setdefault(subject, Counter()).update(counts)

    def percent(self, n: int) -> Decimal:
        return (Decimal(100 * n) / self.students).quantize(Decimal("0.1")) if self.students else Decimal(0)


@dataclass
class ClassFigures:
    """A class's groups for the three periods, computed at one version of the class (gradebook/freshness.py)."""

    groups: dict[str, Group]
    computed_at: datetime
    version: str = ""


def _band(value: Decimal) -> str:
    for label, low, high in BANDS:
        if low <= value <= high:
            return label
    return BANDS[-1][0]


def class_figures(school_year: SchoolYear, classrooms: list[Classroom]) -> dict[int, ClassFigures]:
    """Each class's figures at its current version: from the cache (two round trips for the whole
    school), the classes missing computed together and kept. A write in one class leaves the other
    classes' figures where they are, a write in another school leaves them all."""
    return _kept_or_computed(school_year, classrooms)[0]


def keep_warm(school_year: SchoolYear) -> int:
    """Every class's figures of the year computed and kept for another TIMEOUT, their versions too: the
    daily jobs run it (`manage.py warm_statistics`), so that the statistics page finds the school
    computed after a restart of the cache, a fresh deployment, or a month in which a class had no
    write. Returns the number of classes that had to be computed."""
    figures, computed = _kept_or_computed(
        school_year, list(Classroom.objects.filter(school_year=school_year))
    )
    for pk, item in figures.items():
        cache.touch(freshness.version_key(pk), freshness.TIMEOUT)
        if pk not in computed:  # those computed now were just kept for a TIMEOUT
            cache.touch(freshness.figures_key(pk, item.version), freshness.TIMEOUT)
    return len(computed)


def _kept_or_computed(
    school_year: SchoolYear, classrooms: list[Classroom]
) -> tuple[dict[int, ClassFigures], set[int]]:
    """(each class's figures at its current version, the classes that had to be computed for it)."""
    current = freshness.versions(c.pk for c in classrooms)
    keys = {c.pk: freshness.figures_key(c.pk, current[c.pk]) for c in classrooms}
    found = cache.get_many(keys.values())
    figures = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [c for c in classrooms if c.pk not in figures]
    computed: dict[int, ClassFigures] = {}
    if missing:
        computed = compute_figures(school_year, missing)
        for pk, item in computed.items():
            item.version = current[pk]
        cache.set_many({keys[pk]: item for pk, item in computed.items()}, freshness.TIMEOUT)
        figures.update(computed)
    return figures, set(computed)


def compute_figures(school_year: SchoolYear, classrooms: list[Classroom]) -> dict[int, ClassFigures]:
    """The groups of these classes for every period, from one computation of their results."""
    now = timezone.now()
    results = compute_results(school_year, classrooms)
    figures = {
        c.pk: ClassFigures({period: Group(c.name) for period in PERIODS}, computed_at=now) for c in classrooms
    }
    for student in results.values():
        for period, group in figures[student.classroom_id].groups.items():
            _count(group, student, period)
    return figures


def _count(group: Group, student, period: str) -> None:
    group.students += 1
    level = student.academic.get(period)
    group.academic[(level.level if level else None) or "—"] += 1
    group.conduct[student.conduct.get(period) or "—"] += 1
    if period == "year":
        group.decisions[str(DECISIONS.get(student.decision or "", "—"))] += 1
        if student.honour and student.honour != "Không":
            group.honours[student.honour] += 1
    for subject in student.subjects.values():
        value = subject.value(period)
        if value is None:
            band = "—"
        elif subject.kind == Subject.Kind.COMMENT:
            band = value
        else:
            band = _band(value)
        group.bands.setdefault(subject.subject_name, Counter())[band] += 1


def school_statistics(school_year: SchoolYear, period: str) -> dict:
    """The tables of the statistics page for a period: every class, the grades, the school; and how
    fresh they are (the latest change they include, the oldest computation they come from)."""
    classrooms = list(Classroom.objects.filter(school_year=school_year).order_by("grade", "name"))
    figures = class_figures(school_year, classrooms)
    by_class = {pk: item.groups[period] for pk, item in figures.items()}
    subjects: dict[str, str] = {}  # name → kind, in curriculum order
    for name, kind in (
        TeachingAssignment.objects.filter(classroom__school_year=school_year)
        .order_by("subject__order")
        .values_list("subject__name", "subject__kind")
        .distinct()
    ):
        subjects.setdefault(name, kind)
    grades: dict[int, Group] = {}
    school = Group("Toàn trường")
    for classroom in classrooms:
        grade = grades.setdefault(classroom.grade, Group(f"Khối {classroom.grade}"))
        grade.add(by_class[classroom.pk])
        school.add(by_class[classroom.pk])
    regulations = {c.regulation for c in classrooms}
    rules = registry.get(sorted(regulations)[0]) if regulations else None
    written = [f.version for f in figures.values() if freshness.by_write(f.version)]
    return {
        "classes": [(c.grade, by_class[c.pk]) for c in classrooms],
        "grades": [grades[g] for g in sorted(grades)],
        "school": school,
        "academic_levels": list(rules.academic_levels) + ["—"] if rules else ["—"],
        "conduct_levels": list(rules.conduct_levels) + ["—"] if rules else ["—"],
        "subjects": list(subjects.items()),
        "bands": [b[0] for b in BANDS] + ["—"],
        "comment_bands": ["Đ", "CĐ", "—"],
        "decisions": sorted({d for g in grades.values() for d in g.decisions}),
        "honours": sorted({h for g in grades.values() for h in g.honours}),
        "mixed_regulations": len(regulations) > 1,
        "latest_change": max(map(freshness.changed_at, written), default=None),
        "computed_at": min((f.computed_at for f in figures.values()), default=None),
    }


def table(
    groups: list[Group], counter: str, levels: list[str], *, total_from: int | None = None
) -> list[dict]:
    """Rows ready for the page: counts per level, percentages and the segments of a 160-px bar chart."""
    rows = []
    for index, group in enumerate(groups):
        counts = [getattr(group, counter).get(level, 0) for level in levels]
        parts, x = [], 0.0
        for i, (level, n) in enumerate(zip(levels, counts, strict=True)):
            width = 160 * n / group.students if group.students else 0
            if width:
                parts.append({"x": round(x, 1), "w": round(width, 1), "i": i, "label": level, "n": n})
            x += width
        rows.append(
            {
                "label": group.label,
                "students": group.students,
                "cells": [(n, group.percent(n)) for n in counts],
                "bar": parts,
                "total": total_from is not None and index >= total_from,
            }
        )
    return rows


def subject_table(group: Group, subjects, bands, comment_bands) -> list[dict]:
    return [
        {
            "name": name,
            "cells": [group.bands.get(name, {}).get(b, 0) if kind != "comment" else None for b in bands]
            if kind != "comment"
            else [],
            "comment": [group.bands.get(name, {}).get(b, 0) for b in comment_bands]
            if kind == "comment"
            else [],
        }
        for name, kind in subjects
    ]


def page_tables(data: dict) -> dict:
    """The tables of a statistics page: every class, then the grades and the school as totals."""
    classes = [group for _grade, group in data["classes"]]
    everything = [*classes, *data["grades"], data["school"]]
    totals = [*data["grades"], data["school"]]
    return {
        "academic_rows": table(everything, "academic", data["academic_levels"], total_from=len(classes)),
        "conduct_rows": table(everything, "conduct", data["conduct_levels"], total_from=len(classes)),
        "decision_rows": table(totals, "decisions", data["decisions"], total_from=0),
        "honour_rows": table(totals, "honours", data["honours"], total_from=0),
        "subject_rows": subject_table(data["school"], data["subjects"], data["bands"], data["comment_bands"]),
    }


@dataclass
class MidtermRow:
    subject: str
    label: str  # the grade, or the school
    comment: bool
    students: int = 0
    bands: Counter = field(default_factory=Counter)  # band (or Đ/CĐ) → marks
    total: Decimal = Decimal(0)

    @property
    def entered(self) -> int:
        return sum(self.bands.values())

    @property
    def band_counts(self) -> list[int]:
        return [self.bands.get(label, 0) for label, _low, _high in BANDS]

    @property
    def comment_counts(self) -> list[int]:
        return [self.bands.get(label, 0) for label in Score.Level.labels]

    @property
    def average(self) -> str:
        if self.comment or not self.entered:
            return ""
        return fmt(self.total / self.entered, 2)


def midterm_distribution(school_year: SchoolYear, term: str) -> list[MidtermRow]:
    """The mid-term marks (ĐĐGgk: TT22 Điều 7; TT58 as amended by TT26) of a term as they stand,
    per subject and grade then the school: marks per band (Đ/CĐ for subjects assessed by comment), how
    many of the students are marked, the mean. Usable before any term result exists. Two grouped queries."""
    students: Counter = Counter()  # (subject, grade) → students studying in a class taught the subject
    kinds: dict[str, str] = {}
    studying = dict(
        Enrolment.objects.filter(classroom__school_year=school_year, status=Enrolment.Status.STUDYING)
        .values("classroom_id")
        .annotate(n=Count("pk"))
        .values_list("classroom_id", "n")
    )
    for name, kind, grade, classroom_id in (
        TeachingAssignment.objects.filter(classroom__school_year=school_year)
        .order_by("subject__order", "classroom__grade")
        .values_list("subject__name", "subject__kind", "classroom__grade", "classroom_id")
    ):
        kinds.setdefault(name, kind)
        students[(name, grade)] += studying.get(classroom_id, 0)
    rows: dict[tuple[str, int | None], MidtermRow] = {}
    for (name, grade), n in students.items():
        rows[(name, grade)] = MidtermRow(name, f"Khối {grade}", kinds[name] == Subject.Kind.COMMENT, n)
    for name, grade, value, level, n in (
        Score.objects.filter(
            assignment__classroom__school_year=school_year,
            term=term,
            kind=AssessmentKind.MIDTERM,
            index=1,
            enrolment__status=Enrolment.Status.STUDYING,
        )
        .filter(Q(value__isnull=False) | ~Q(level=""))
        .values("assignment__subject__name", "assignment__classroom__grade", "value", "level")
        .annotate(n=Count("pk"))
        .values_list("assignment__subject__name", "assignment__classroom__grade", "value", "level", "n")
    ):
        row = rows.get((name, grade))
        if row is None:
            continue
        if value is None:
            row.bands[Score.Level(level).label if level in Score.Level.values else level] += n
        else:
            row.bands[_band(value)] += n
            row.total += value * n
    ordered: list[MidtermRow] = []
    for name in kinds:
        grades = sorted(
            (row for (subject, _g), row in rows.items() if subject == name), key=lambda r: r.label
        )
        school = MidtermRow(name, "Toàn trường", kinds[name] == Subject.Kind.COMMENT)
        for row in grades:
            school.students += row.students
            school.bands.update(row.bands)
            school.total += row.total
        ordered += [*grades, school]
    return ordered
