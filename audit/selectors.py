"""Reading the trail: score changes from django-simple-history (old → new, who, when, IP, why, the
correction request behind it) and the audit events, filtered for the audit page, its Excel export and
the monthly correction log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import RoleAssignment
from audit.models import AuditEvent, ChainSeal, IntegrityCheck
from gradebook.cells import display_value
from gradebook.models import CorrectionItem, Score, column_label


@dataclass
class ScoreChangeFilter:
    teacher: int | None = None  # the class-subject's teacher
    classroom: int | None = None
    student: str = ""  # part of the student's name
    subject: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    modifications_only: bool = False  # a saved value changed (sửa điểm), not first entries


@dataclass
class ScoreChange:
    at: datetime
    by: str
    ip: str
    classroom: str
    subject: str
    student: str
    term: str
    column: str
    old: str
    new: str
    reason: str
    approver: str
    record_number: str
    correction_uuid: str
    kind: str  # "+" entered, "~" changed, "-" removed


def _local_bounds(date_from: date | None, date_to: date | None):
    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tz) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time.min, tz) if date_to else None
    return start, end


def score_changes(school, flt: ScoreChangeFilter, *, limit: int | None = None) -> list[ScoreChange]:
    History = Score.history.model
    previous = History.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by(
        "-history_id"
    )
    qs = (
        History.objects.filter(assignment__classroom__school_year__school=school)
        .annotate(
            old_value=Subquery(previous.values("value")[:1]),
            old_level=Subquery(previous.values("level")[:1]),
        )
        .select_related(
            "history_user",
            "assignment__classroom",
            "assignment__subject",
            "enrolment__student",
            "correction__decided_by",
        )
        .order_by("-history_date", "-history_id")
    )
    if flt.teacher:
        qs = qs.filter(assignment__teacher_id=flt.teacher)
    if flt.classroom:
        qs = qs.filter(assignment__classroom_id=flt.classroom)
    if flt.subject:
        qs = qs.filter(assignment__subject_id=flt.subject)
    for word in flt.student.split():
        qs = qs.filter(
            Q(enrolment__student__family_name__icontains=word)
            | Q(enrolment__student__middle_name__icontains=word)
            | Q(enrolment__student__given_name__icontains=word)
        )
    start, end = _local_bounds(flt.date_from, flt.date_to)
    if start:
        qs = qs.filter(history_date__gte=start)
    if end:
        qs = qs.filter(history_date__lt=end)
    if flt.modifications_only:
        qs = qs.filter(history_type="~").filter(
            Q(old_value__isnull=False) | ~Q(old_level="") | Q(correction__isnull=False)
        )
    if limit:
        qs = qs[:limit]
    history = list(qs)
    # A score written before its history was kept (an import) has no previous row: a correction's
    # request still says what was entered.
    items = {
        (i.request_id, i.enrolment_id, i.kind, i.index): i
        for i in CorrectionItem.objects.filter(
            request_id__in={h.correction_id for h in history if h.correction_id}
        )
    }
    rows = []
    for h in history:
        old = display_value(h.old_value, h.old_level or "", 1)
        item = items.get((h.correction_id, h.enrolment_id, h.kind, h.index)) if h.correction_id else None
        if not old and item is not None:
            old = display_value(item.old_value, item.old_level, 1)
        new = display_value(h.value, h.level, 1)
        if flt.modifications_only and old == new:
            continue  # a date or flag changed, not the score
        correction = h.correction
        rows.append(
            ScoreChange(
                at=timezone.localtime(h.history_date),
                by=(h.history_user.full_name or h.history_user.username) if h.history_user else "",
                ip=h.ip_address or "",
                classroom=h.assignment.classroom.name,
                subject=h.assignment.subject.name,
                student=h.enrolment.student.full_name,
                term=h.term,
                column=column_label(h.kind, h.index),
                old=old,
                new=new,
                # the history keeps 100 characters of the reason; a correction keeps it whole
                reason=(item.reason if item and item.reason else correction.reason if correction else "")
                or h.history_change_reason
                or "",
                approver=correction.decided_by.full_name if correction and correction.decided_by else "",
                record_number=correction.record_number if correction else "",
                correction_uuid=str(correction.uuid) if correction else "",
                kind=h.history_type,
            )
        )
    return rows


@dataclass
class EventFilter:
    actor: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_events(school, flt: EventFilter, *, limit: int | None = None):
    members = RoleAssignment.objects.filter(school=school).values("user_id")
    # logins and logouts carry no school: those of the school's people belong to its trail
    qs = AuditEvent.objects.filter(Q(school=school) | Q(school__isnull=True, actor_id__in=members)).order_by(
        "-at", "-id"
    )
    if flt.actor:
        qs = qs.filter(actor_id=flt.actor)
    if flt.action:
        qs = qs.filter(action=flt.action)
    start, end = _local_bounds(flt.date_from, flt.date_to)
    if start:
        qs = qs.filter(at__gte=start)
    if end:
        qs = qs.filter(at__lt=end)
    return qs[:limit] if limit else qs


def integrity_checks(school, limit: int = 10):
    """The latest verifications of the school's chain (audit/verify.py), newest first."""
    return list(IntegrityCheck.objects.filter(chain=school.pk).order_by("-at")[:limit])


def integrity_seals(school, limit: int = 10):
    return list(ChainSeal.objects.filter(chain=school.pk).order_by("-at")[:limit])
