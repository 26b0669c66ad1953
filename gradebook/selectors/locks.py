"""Reading the lock state of a class and term: the locks in force, the approval that froze the results,
the month locks (gradebook/services/locks.py writes the decisions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook.models import Classroom, LockReopening, PeriodLock, ResultsApproval

# Every write of the grid asks this, so it is one plain statement rather than querysets the ORM would
# compile each time (1,8 → 0,3 ms), and it can join the grid's other reads in one round trip. A lock
# is in force once carried out and from its `locked_at`, for the whole school, its grade or its class,
# unless a carried-out reopening covers the moment. Approved results freeze the term like a lock.
# The same statement reads any number of classes of a year at once (a board of the whole school asks
# every class): each row names its class.
_STATE_SQL = """
    SELECT 'lock', c.id, l.id, l.term, l.month_end FROM {classroom} c
    JOIN {lock} l ON l.school_year_id = c.school_year_id
      AND (l.classroom_id IS NULL OR l.classroom_id = c.id)
      AND (l.grade IS NULL OR l.grade = c.grade)
    WHERE c.id IN ({classes}) AND l.carried_out_at IS NOT NULL AND l.locked_at <= %s
      AND l.term IN (%s, 'year', 'month')
      AND NOT EXISTS (
          SELECT 1 FROM {reopening} r
          WHERE r.lock_id = l.id AND r.carried_out_at IS NOT NULL AND r.starts_at <= %s AND r.ends_at > %s
      )
    UNION ALL
    SELECT 'approval', a.classroom_id, a.id, a.period, NULL FROM {approval} a
    WHERE a.classroom_id IN ({classes}) AND a.status = %s AND a.period IN (%s, 'year')
"""


@dataclass(frozen=True)
class LockStateQuery:
    """The statement that reads the lock state of classes in one term, and what its rows mean; run by
    `lock_state`/`lock_states`, or by a caller that sends it with other reads (`sql_with_params`,
    `state`)."""

    sql: str
    params: tuple
    classroom_ids: tuple[int, ...]

    def sql_with_params(self) -> tuple[str, tuple]:
        return self.sql, self.params

    def state(self, rows) -> LockState:
        """The state of the one class asked for."""
        (state,) = self.states(rows).values()
        return state

    def states(self, rows) -> dict[int, LockState]:
        """Each class's state; the decisions themselves are read (all at once) only for the classes
        something closes."""
        locks: dict[int, list] = {pk: [] for pk in self.classroom_ids}
        approvals: dict[int, list] = {pk: [] for pk in self.classroom_ids}
        for kind, classroom_id, pk, scope, month_end in rows:
            if kind == "lock":
                locks[classroom_id].append((pk, scope, month_end))
            else:
                approvals[classroom_id].append((scope, pk))
        closing = {
            classroom_id: next((pk for pk, scope, _end in found if scope != PeriodLock.Scope.MONTH), None)
            for classroom_id, found in locks.items()
        }
        # the term's approval before the year's ('HK1' < 'HK2' < 'year')
        approved = {classroom_id: min(found)[1] for classroom_id, found in approvals.items() if found}
        lock_objects = PeriodLock.objects.in_bulk({pk for pk in closing.values() if pk})
        approval_objects = ResultsApproval.objects.in_bulk(set(approved.values())) if approved else {}
        return {
            classroom_id: LockState(
                lock=lock_objects.get(closing[classroom_id]),
                month_until=max(
                    (_DATE.to_python(end) for _pk, scope, end in found if scope == PeriodLock.Scope.MONTH),
                    default=None,
                ),
                approved=approval_objects.get(approved.get(classroom_id)),
            )
            for classroom_id, found in locks.items()
        }


_DATE = models.DateField()  # a raw SQLite row gives the date as text


def lock_states_query(classrooms, term: str, *, at: datetime | None = None) -> LockStateQuery:
    """The statement for these classes (of one school year, at least one) in `term`."""
    ids = tuple(dict.fromkeys(c.pk for c in classrooms))
    moment = connection.ops.adapt_datetimefield_value(at or timezone.now())
    sql = _STATE_SQL.format(
        classroom=Classroom._meta.db_table,
        lock=PeriodLock._meta.db_table,
        reopening=LockReopening._meta.db_table,
        approval=ResultsApproval._meta.db_table,
        classes=", ".join(["%s"] * len(ids)),
    )  # table names from the models; every value is bound
    params = (*ids, moment, term, moment, moment, *ids, ResultsApproval.Status.APPROVED, term)
    return LockStateQuery(sql, params, ids)


def lock_state_query(classroom, term: str, *, at: datetime | None = None) -> LockStateQuery:
    return lock_states_query([classroom], term, at=at)


@dataclass(frozen=True)
class LockState:
    """What is closed for one class and term now: the term (or year) lock in force, the principal's
    approval of the term's (or year's) results, which freezes them like a lock, and the last day
    covered by the month locks in force (assessments held on or before it are closed)."""

    lock: PeriodLock | None
    month_until: date | None
    approved: ResultsApproval | None = None

    @property
    def closed(self) -> bool:
        return self.lock is not None or self.approved is not None

    def message(self) -> str:
        """Why the whole term is closed ('' when it is not)."""
        if self.lock is not None:
            return _(
                "The book of %(term)s is locked since %(date)s; a change now needs a correction request."
            ) % {
                "term": self.lock.get_term_display(),
                "date": timezone.localtime(self.lock.locked_at).strftime("%d/%m/%Y"),
            }
        if self.approved is not None:
            return _(
                "The results of %(period)s were approved by the principal on %(date)s; a change now needs "
                "a correction request."
            ) % {
                "period": self.approved.get_period_display(),
                "date": timezone.localtime(self.approved.decided_at).strftime("%d/%m/%Y"),
            }
        return ""


def lock_state(classroom, term: str, *, at=None) -> LockState:
    """The locks in force for `term` of this class (a year lock closes both terms), and the approval
    that froze the term's or the year's results, in one query."""
    query = lock_state_query(classroom, term, at=at)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.params)
        return query.state(cursor.fetchall())


def lock_states(classrooms, term: str, *, at=None) -> dict[int, LockState]:
    """`lock_state` of many classes of one year at once, by class id: one query, and one for each kind
    of decision that closes some of them."""
    if not classrooms:
        return {}
    query = lock_states_query(classrooms, term, at=at)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.params)
        return query.states(cursor.fetchall())


def active_lock(classroom, term: str, *, at=None) -> PeriodLock | None:
    """The lock in force that closes `term` of this class (a year lock closes both terms)."""
    return lock_state(classroom, term, at=at).lock


def month_lock_message(until: date) -> str:
    return _(
        "Assessments held on or before %(date)s are locked; a change now needs a correction request."
    ) % {"date": until.strftime("%d/%m/%Y")}
