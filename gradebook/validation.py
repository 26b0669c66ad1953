"""Checks of a student's data the database cannot make itself."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

# Điều lệ trường THCS, THPT (Thông tư 32/2020/TT-BGDĐT) Điều 33: a student enters grade 6 at 11 and
# grade 10 at 15 (the age counted by the year of birth), so grade g at g + 5; ethnic-minority, disabled
# and disadvantaged students may enter up to 3 years older, and a student may repeat a year at most 3
# times in a level; a gifted one may start early or skip a grade. Up to 2 years younger and 6 years older
# are accepted; anything outside is a typing mistake until the profile proves otherwise.
YOUNGER, OLDER = 2, 6


def birth_problem(born: date | None, grade: int, start_year: int, today: date | None = None) -> str:
    """Why a date of birth cannot be right for a student of `grade` in the school year starting in
    `start_year` ("" when it can)."""
    if born is None:
        return ""
    today = today or timezone.localdate()
    if born > today:
        return _("the date of birth %(date)s is in the future.") % {"date": f"{born:%d/%m/%Y}"}
    age = start_year - born.year
    expected = grade + 5
    if not expected - YOUNGER <= age <= expected + OLDER:
        return _(
            "the date of birth %(date)s does not fit grade %(grade)s (students of grade %(grade)s are born "
            "around %(year)s)."
        ) % {"date": f"{born:%d/%m/%Y}", "grade": grade, "year": start_year - expected}
    return ""
