"""The calendar of a school year: months, days, terms, the attendance marks and when a month's attendance
is due. Plain functions shared by the homeroom writes and the pages that read attendance."""

from __future__ import annotations

import calendar
from datetime import date

from django.utils.translation import gettext as _

from gradebook.models import Classroom, Term

EXCUSED, UNEXCUSED = "P", "K"  # có phép, không phép (the letters of the paper book)
_CODES = {"p": EXCUSED, "cp": EXCUSED, "k": UNEXCUSED, "kp": UNEXCUSED}
MAX_REASON = 200


def parse_mark(raw: str) -> tuple[str, str]:
    """'P', 'K', 'P ốm' (with a reason), '' (present) → (code, reason)."""
    text = " ".join(str(raw or "").split())
    if not text:
        return "", ""
    code, _sep, reason = text.partition(" ")
    mark = _CODES.get(code.lower())
    if mark is None:
        raise ValueError(_("Type P (excused) or K (unexcused), optionally followed by the reason."))
    if len(reason) > MAX_REASON:
        raise ValueError(_("The reason has at most %(n)d characters.") % {"n": MAX_REASON})
    return mark, reason


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after (or before) `month`'s."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, until: date) -> list[date]:
    """The first days of the months from `start`'s to `until`'s, both included."""
    months, month = [], start.replace(day=1)
    while month <= until:
        months.append(month)
        month = add_months(month, 1)
    return months


def parse_month(text: str | None) -> date | None:
    """'2026-11' → 1/11/2026; None when it is not a month."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def month_days(month: date) -> list[date]:
    return [
        date(month.year, month.month, d)
        for d in range(1, calendar.monthrange(month.year, month.month)[1] + 1)
    ]


def term_of(classroom: Classroom, day: date, terms=None) -> str | None:
    for term in terms if terms is not None else Term.objects.filter(school_year_id=classroom.school_year_id):
        if term.start_date <= day <= term.end_date:
            return term.code
    return None


def attendance_due(classroom: Classroom, month: date) -> date:
    """The day before which a month's attendance is due: the school's day of the next month."""
    return add_months(month, 1).replace(day=classroom.school_year.school.attendance_due_day)
