"""The lock check every write path calls before writing assessment data."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook.models import PeriodLock


class PeriodLocked(Exception):
    """A write into a locked period; the message says which lock."""


def active_lock(classroom, term: str, *, at=None) -> PeriodLock | None:
    """The lock that closes `term` of this class now (a year lock closes both terms)."""
    now = at or timezone.now()
    return (
        PeriodLock.objects.filter(
            school_year_id=classroom.school_year_id, locked_at__lte=now, term__in=[term, "year"]
        )
        .filter(Q(classroom__isnull=True) | Q(classroom=classroom))
        .filter(Q(grade__isnull=True) | Q(grade=classroom.grade))
        .exclude(reopened_until__gt=now)
        .first()
    )


def ensure_open(classroom, term: str, *, at=None) -> None:
    """Raise PeriodLocked when the class's book is locked for `term`."""
    lock = active_lock(classroom, term, at=at)
    if lock is not None:
        raise PeriodLocked(
            _("The book of %(term)s is locked since %(date)s; a change now needs a correction request.")
            % {
                "term": lock.get_term_display(),
                "date": timezone.localtime(lock.locked_at).strftime("%d/%m/%Y"),
            }
        )
