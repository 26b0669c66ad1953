"""The homeroom teacher's sheets: a month of attendance with its totals, and conduct of a period."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from gradebook.models import Absence, AttendanceMonth, Classroom, ConductResult, Enrolment, Term
from gradebook.months import EXCUSED, UNEXCUSED, attendance_due, month_days, term_of
from gradebook.regulations import registry
from gradebook.selectors.locks import lock_state

WEEKDAYS = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]


@dataclass
class Totals:
    excused: int = 0
    unexcused: int = 0

    @property
    def total(self) -> int:
        return self.excused + self.unexcused


@dataclass
class AttendanceRow:
    enrolment: Enrolment
    number: int
    marks: dict[tuple[int, str], tuple[str, str]] = field(
        default_factory=dict
    )  # (day, session) → (P/K, reason)
    month: Totals = field(default_factory=Totals)
    term: Totals = field(default_factory=Totals)
    year: Totals = field(default_factory=Totals)
    cells: list = field(default_factory=list)


@dataclass
class Day:
    day: date
    weekday: str
    sunday: bool
    future: bool
    locked: bool
    outside: bool
    off: str = ""  # why the school does not teach that day (the school calendar)

    @property
    def closed(self) -> bool:
        return self.future or self.locked or self.outside or bool(self.off)


def attendance_sheet(classroom: Classroom, month: date) -> dict:
    """Students (Vietnamese order) × days of the month, the month's, term's and year's totals (TT22
    Điều 12 counts the sessions missed in the year), the due date and whether the month was confirmed."""
    month = month.replace(day=1)
    today = timezone.localdate()
    terms = list(Term.objects.filter(school_year_id=classroom.school_year_id))
    states = {t.code: lock_state(classroom, t.code) for t in terms}
    days = []
    for d in month_days(month):
        code = term_of(classroom, d, terms)
        state = states.get(code) if code else None
        locked = bool(state and (state.closed or (state.month_until and d <= state.month_until)))
        year = classroom.school_year
        off = year.day_off(d)
        days.append(Day(d, WEEKDAYS[d.weekday()], d.weekday() == 6, d > today, locked, code is None, off))
    month_term = term_of(classroom, month_days(month)[-1], terms) or term_of(classroom, month, terms)
    term = next((t for t in terms if t.code == month_term), None)
    enrolments = list(
        Enrolment.objects.filter(classroom=classroom).select_related("student").order_by("student__sort_key")
    )
    sessions = list(classroom.sessions)  # "S", "C" or both: a column per session of each day
    absences = Absence.objects.filter(enrolment__classroom=classroom).values_list(
        "enrolment_id", "date", "session", "excused", "reason"
    )
    rows = {}
    number = 0
    for enrolment in enrolments:
        studying = enrolment.status == Enrolment.Status.STUDYING
        number += studying
        rows[enrolment.pk] = AttendanceRow(enrolment, number if studying else 0)
    for enrolment_id, day, session, excused, reason in absences:
        row = rows.get(enrolment_id)
        if row is None:
            continue
        buckets = [row.year]
        if term and term.start_date <= day <= term.end_date:
            buckets.append(row.term)
        if (day.year, day.month) == (month.year, month.month):
            buckets.append(row.month)
            row.marks[(day.day, session)] = (EXCUSED if excused else UNEXCUSED, reason)
        for bucket in buckets:
            if excused:
                bucket.excused += 1
            else:
                bucket.unexcused += 1
    columns = [(d, session) for d in days for session in sessions]
    for row in rows.values():
        row.cells = [(d, session, *row.marks.get((d.day.day, session), ("", ""))) for d, session in columns]
    by_column = Counter(key for row in rows.values() for key in row.marks)
    confirmed = (
        AttendanceMonth.objects.filter(classroom=classroom, month=month)
        .select_related("confirmed_by")
        .first()
    )
    due = attendance_due(classroom, month)
    return {
        "month": month,
        "days": days,
        "sessions": sessions,
        "two_sessions": len(sessions) > 1,
        "columns": columns,
        "rows": list(rows.values()),
        "absent_by_day": [by_column.get((d.day.day, session), 0) for d, session in columns],
        "term": term,
        "due": due,
        "confirmed": confirmed,
        "late": (confirmed.confirmed_at.date() >= due) if confirmed else today >= due,
        "may_confirm": confirmed is None and today >= month_days(month)[-1],
        "any_locked": any(d.locked for d in days),
        "any_open": not all(d.closed for d in days),
    }


@dataclass
class ConductRow:
    enrolment: Enrolment
    number: int
    level: str = ""
    comment: str = ""
    hk1: str = ""
    hk2: str = ""
    derived: str = ""  # the year's level the regulation gives (TT22) or suggests (TT58)


def conduct_sheet(classroom: Classroom, period: str) -> dict:
    rules = registry.get(classroom.regulation)
    results = {}
    for enrolment_id, p, level, comment in ConductResult.objects.filter(
        enrolment__classroom=classroom
    ).values_list("enrolment_id", "period", "level", "comment"):
        results[(enrolment_id, p)] = (level, comment)
    rows = []
    number = 0
    for enrolment in (
        Enrolment.objects.filter(classroom=classroom).select_related("student").order_by("student__sort_key")
    ):
        studying = enrolment.status == Enrolment.Status.STUDYING
        number += studying
        level, comment = results.get((enrolment.pk, period), ("", ""))
        row = ConductRow(enrolment, number if studying else 0, level, comment)
        row.hk1 = results.get((enrolment.pk, Term.Code.HK1), ("", ""))[0]
        row.hk2 = results.get((enrolment.pk, Term.Code.HK2), ("", ""))[0]
        if row.hk1 and row.hk2:
            row.derived = rules.conduct_year(row.hk1, row.hk2)
        rows.append(row)
    return {
        "rows": rows,
        "levels": rules.conduct_levels,
        "derived_year": rules.year_conduct_is_derived,
        "regulation": rules.title,
    }
