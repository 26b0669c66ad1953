"""Khóa sổ: deciding, carrying out and reopening locks, and the check every write path calls.

The principal decides a lock or a reopening (a decision with its number and date); the admin board
carries it out (seeds 000 Đ4, 003 Đ3, 004 II.1). A lock is in force once carried out and from its
`locked_at` (which may be scheduled ahead), unless a carried-out reopening covers the moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from audit import seals
from audit.models import AuditEvent, ChainSeal
from audit.services import record
from gradebook.models import LockReopening, PeriodLock, ResultsApproval, SchoolYear


class PeriodLocked(Exception):
    """A write into a locked period; the message says which lock."""


class LockError(Exception):
    """A lock decision or step refused (bad dates, wrong state); the message is for the user."""


# Every write of the grid asks this, so it is one plain statement rather than querysets the ORM would
# compile each time (1,8 → 0,3 ms), and it can join the grid's other reads in one round trip. A lock
# is in force once carried out and from its `locked_at`, for the whole school, its grade or its class,
# unless a carried-out reopening covers the moment. Approved results freeze the term like a lock.
_STATE_SQL = """
    SELECT 'lock', l.id, l.term, l.month_end FROM {lock} l
    WHERE l.school_year_id = %s AND l.carried_out_at IS NOT NULL AND l.locked_at <= %s
      AND (l.classroom_id IS NULL OR l.classroom_id = %s)
      AND (l.grade IS NULL OR l.grade = %s)
      AND l.term IN (%s, 'year', 'month')
      AND NOT EXISTS (
          SELECT 1 FROM {reopening} r
          WHERE r.lock_id = l.id AND r.carried_out_at IS NOT NULL AND r.starts_at <= %s AND r.ends_at > %s
      )
    UNION ALL
    SELECT 'approval', a.id, a.period, NULL FROM {approval} a
    WHERE a.classroom_id = %s AND a.status = %s AND a.period IN (%s, 'year')
"""


@dataclass(frozen=True)
class LockStateQuery:
    """The statement that reads the lock state of one class and term, and what its rows mean; run by
    `lock_state`, or by a caller that sends it with other reads (`sql_with_params`, `state`)."""

    sql: str
    params: tuple

    def sql_with_params(self) -> tuple[str, tuple]:
        return self.sql, self.params

    def state(self, rows) -> LockState:
        locks = [(pk, scope, month_end) for kind, pk, scope, month_end in rows if kind == "lock"]
        closing = next((pk for pk, scope, _end in locks if scope != PeriodLock.Scope.MONTH), None)
        # the term's approval before the year's ('HK1' < 'HK2' < 'year')
        approvals = sorted((period, pk) for kind, pk, period, _end in rows if kind == "approval")
        month_ends = [_DATE.to_python(end) for _pk, scope, end in locks if scope == PeriodLock.Scope.MONTH]
        return LockState(  # the decisions themselves are read only when something is closed
            lock=PeriodLock.objects.get(pk=closing) if closing else None,
            month_until=max(month_ends, default=None),
            approved=ResultsApproval.objects.get(pk=approvals[0][1]) if approvals else None,
        )


_DATE = models.DateField()  # a raw SQLite row gives the date as text


def lock_state_query(classroom, term: str, *, at: datetime | None = None) -> LockStateQuery:
    moment = connection.ops.adapt_datetimefield_value(at or timezone.now())
    sql = _STATE_SQL.format(
        lock=PeriodLock._meta.db_table,
        reopening=LockReopening._meta.db_table,
        approval=ResultsApproval._meta.db_table,
    )  # table names from the models; every value is bound
    params = (
        classroom.school_year_id,
        moment,
        classroom.pk,
        classroom.grade,
        term,
        moment,
        moment,
        classroom.pk,
        ResultsApproval.Status.APPROVED,
        term,
    )
    return LockStateQuery(sql, params)


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


def active_lock(classroom, term: str, *, at=None) -> PeriodLock | None:
    """The lock in force that closes `term` of this class (a year lock closes both terms)."""
    return lock_state(classroom, term, at=at).lock


def ensure_open(classroom, term: str, *, at=None) -> LockState:
    """Raise PeriodLocked when the class's book is locked for `term`; otherwise return the lock state,
    whose month locks the caller applies cell by cell."""
    state = lock_state(classroom, term, at=at)
    if state.closed:
        raise PeriodLocked(state.message())
    return state


def month_lock_message(until: date) -> str:
    return _(
        "Assessments held on or before %(date)s are locked; a change now needs a correction request."
    ) % {"date": until.strftime("%d/%m/%Y")}


# -- decisions and their execution ------------------------------------------------------------------


def decide_lock(
    actor,
    school_year: SchoolYear,
    *,
    term: str,
    locked_at: datetime,
    decision_number: str,
    decision_date: date,
    grade: int | None = None,
    classroom=None,
    month_end: date | None = None,
    note: str = "",
    request=None,
) -> PeriodLock:
    """The principal's decision to lock (now or at a scheduled time)."""
    authz.check(actor, Action.DECIDE_LOCK, school_year)
    if term == PeriodLock.Scope.MONTH and month_end is None:
        raise LockError(_("A month lock needs the last day it covers."))
    if classroom is not None and classroom.school_year_id != school_year.pk:
        raise LockError(_("This class is not in that school year."))
    if not decision_number.strip():
        raise LockError(_("The decision number is required."))
    with transaction.atomic():
        lock = PeriodLock(
            school_year=school_year,
            term=term,
            grade=None if classroom is not None else grade,
            classroom=classroom,
            month_end=month_end if term == PeriodLock.Scope.MONTH else None,
            locked_at=locked_at,
            decision_number=decision_number.strip(),
            decision_date=decision_date,
            decision=note.strip(),
            decided_by=actor,
        )
        lock._history_user = actor
        lock.save()
        record(
            AuditEvent.Action.LOCK_DECIDED,
            actor=actor,
            request=request,
            school=school_year.school,
            obj=lock,
            period=term,
            scope=str(lock.scope_label),
            locked_at=locked_at.isoformat(),
            decision=lock.decision_number,
        )
    return lock


def _carry_out(actor, row, queryset, /, *, school_year, already: str, action: str, request, **details):
    """The admin board carries out a principal's decision (a lock or a reopening): once, stamped,
    with history and an audit event."""
    authz.check(actor, Action.CARRY_OUT_LOCK, school_year)
    with transaction.atomic():
        row = queryset.select_for_update().get(pk=row.pk)
        if row.carried_out_at is not None:
            raise LockError(already)
        row.carried_out_by = actor
        row.carried_out_at = timezone.now()
        row._history_user = actor
        row.save()
        record(action, actor=actor, request=request, school=school_year.school, obj=row, **details)
        # the chain's head is sealed once this is committed: the trail up to a lock is anchored
        seals.seal_after_commit(school_year.school_id, ChainSeal.Reason.LOCK)
    return row


def carry_out_lock(actor, lock: PeriodLock, *, request=None) -> PeriodLock:
    """The lock is in force from `locked_at` once the admin board carries it out."""
    return _carry_out(
        actor,
        lock,
        PeriodLock.objects.all(),
        school_year=lock.school_year,
        already=_("This lock was already carried out."),
        action=AuditEvent.Action.LOCK_CARRIED_OUT,
        request=request,
        decision=lock.decision_number,
    )


def decide_reopening(
    actor,
    lock: PeriodLock,
    *,
    purpose: str,
    starts_at: datetime,
    ends_at: datetime,
    decision_number: str,
    decision_date: date,
    request=None,
) -> LockReopening:
    """The principal's decision to reopen a lock for a purpose and a time (e.g. 1/8–15/8, retests)."""
    authz.check(actor, Action.DECIDE_LOCK, lock.school_year)
    if not purpose.strip():
        raise LockError(_("State the purpose of the reopening."))
    if ends_at <= starts_at:
        raise LockError(_("The reopening must end after it starts."))
    if not decision_number.strip():
        raise LockError(_("The decision number is required."))
    with transaction.atomic():
        reopening = LockReopening(
            lock=lock,
            purpose=purpose.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            decision_number=decision_number.strip(),
            decision_date=decision_date,
            decided_by=actor,
        )
        reopening._history_user = actor
        reopening.save()
        record(
            AuditEvent.Action.REOPEN_DECIDED,
            actor=actor,
            request=request,
            school=lock.school_year.school,
            obj=reopening,
            lock=str(lock.uuid),
            purpose=reopening.purpose,
            starts_at=starts_at.isoformat(),
            ends_at=ends_at.isoformat(),
        )
    return reopening


def carry_out_reopening(actor, reopening: LockReopening, *, request=None) -> LockReopening:
    return _carry_out(
        actor,
        reopening,
        LockReopening.objects.select_related("lock"),
        school_year=reopening.lock.school_year,
        already=_("This reopening was already carried out."),
        action=AuditEvent.Action.REOPEN_CARRIED_OUT,
        request=request,
        lock=str(reopening.lock.uuid),
    )
