"""Khóa sổ: deciding, carrying out and reopening locks, and the check every write path calls.

The principal decides a lock or a reopening (a decision with its number and date); the admin board
carries it out (docs/workflows.md §5). A lock is in force once carried out and from its
`locked_at` (which may be scheduled ahead), unless a carried-out reopening covers the moment.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from accounts.history import attribute
from accounts.models import User
from audit import seals
from audit.models import AuditEvent, ChainSeal
from audit.services import record
from gradebook.models import LockReopening, PeriodLock, SchoolYear
from gradebook.selectors.locks import (  # noqa: F401 (read here, imported from here by the writers)
    LockState,
    LockStateQuery,
    active_lock,
    lock_state,
    lock_state_query,
    month_lock_message,
)
from sodiem.domain import Actor, DomainError, acting


class PeriodLocked(Exception):
    """A write into a locked period; the message says which lock."""


class LockError(DomainError):
    """A lock decision or step refused (bad dates, wrong state); the message is for the user."""


def ensure_open(classroom, term: str, *, at=None) -> LockState:
    """Raise PeriodLocked when the class's book is locked for `term`; otherwise return the lock state,
    whose month locks the caller applies cell by cell."""
    state = lock_state(classroom, term, at=at)
    if state.closed:
        raise PeriodLocked(state.message())
    return state


# -- decisions and their execution ------------------------------------------------------------------


def decide_lock(
    by: Actor | User,
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
) -> PeriodLock:
    """The principal's decision to lock (now or at a scheduled time)."""
    actor, ip = acting(by)
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
        attribute(lock, actor)
        lock.save()
        record(
            AuditEvent.Action.LOCK_DECIDED,
            actor=actor,
            ip=ip,
            school=school_year.school,
            obj=lock,
            period=term,
            scope=str(lock.scope_label),
            locked_at=locked_at.isoformat(),
            decision=lock.decision_number,
        )
    return lock


def _carry_out(by: Actor | User, row, queryset, /, *, school_year, already: str, action: str, **details):
    """The admin board carries out a principal's decision (a lock or a reopening): once, stamped,
    with history and an audit event."""
    actor, ip = acting(by)
    authz.check(actor, Action.CARRY_OUT_LOCK, school_year)
    with transaction.atomic():
        row = queryset.select_for_update().get(pk=row.pk)
        if row.carried_out_at is not None:
            raise LockError(already, conflict=True)
        row.carried_out_by = actor
        row.carried_out_at = timezone.now()
        attribute(row, actor)
        row.save()
        record(action, actor=actor, ip=ip, school=school_year.school, obj=row, **details)
        # the chain's head is sealed once this is committed: the trail up to a lock is anchored
        seals.seal_after_commit(school_year.school_id, ChainSeal.Reason.LOCK)
    return row


def carry_out_lock(actor: Actor | User, lock: PeriodLock) -> PeriodLock:
    """The lock is in force from `locked_at` once the admin board carries it out."""
    return _carry_out(
        actor,
        lock,
        PeriodLock.objects.all(),
        school_year=lock.school_year,
        already=_("This lock was already carried out."),
        action=AuditEvent.Action.LOCK_CARRIED_OUT,
        decision=lock.decision_number,
    )


def decide_reopening(
    by: Actor | User,
    lock: PeriodLock,
    *,
    purpose: str,
    starts_at: datetime,
    ends_at: datetime,
    decision_number: str,
    decision_date: date,
) -> LockReopening:
    """The principal's decision to reopen a lock for a purpose and a time (e.g. 1/8–15/8, retests)."""
    actor, ip = acting(by)
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
        attribute(reopening, actor)
        reopening.save()
        record(
            AuditEvent.Action.REOPEN_DECIDED,
            actor=actor,
            ip=ip,
            school=lock.school_year.school,
            obj=reopening,
            lock=str(lock.uuid),
            purpose=reopening.purpose,
            starts_at=starts_at.isoformat(),
            ends_at=ends_at.isoformat(),
        )
    return reopening


def carry_out_reopening(actor: Actor | User, reopening: LockReopening) -> LockReopening:
    return _carry_out(
        actor,
        reopening,
        LockReopening.objects.select_related("lock"),
        school_year=reopening.lock.school_year,
        already=_("This reopening was already carried out."),
        action=AuditEvent.Action.REOPEN_CARRIED_OUT,
        lock=str(reopening.lock.uuid),
    )
