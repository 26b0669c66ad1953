"""Term and year results of a class: the homeroom teacher's review and submission, the principal's
approval (which freezes them: `locks.lock_state` treats approved results like a lock) or return.

docs/workflows.md §7: the principal approves results, promotion and honours once every
teacher has finished entering."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from accounts.history import attribute
from accounts.models import User
from audit.models import AuditEvent
from audit.services import record
from gradebook.models import Classroom, ResultsApproval, ResultsReview
from gradebook.selectors.class_results import class_results
from sodiem.domain import Actor, DomainError, acting


class ResultsError(DomainError):
    """A step refused; `missing` lists what keeps the results from being complete."""

    def __init__(self, message: str, missing: list[str] | None = None, *, conflict: bool | None = None):
        self.missing = missing or []
        super().__init__(message, conflict=conflict)


def _period(period: str) -> str:
    if period not in ResultsApproval.Period.values:
        raise ResultsError(_("Unknown period."))
    return period


def review_results(actor, classroom: Classroom, period: str) -> ResultsReview:
    """The GVCN marks the results as checked: later changes are flagged student by student."""
    authz.check(actor, Action.MANAGE_CLASSROOM, classroom)
    rows = class_results(classroom, _period(period))["rows"]
    review, _created = ResultsReview.objects.update_or_create(
        classroom=classroom,
        period=period,
        defaults={
            "reviewed_by": actor,
            "reviewed_at": timezone.now(),
            "signatures": {str(r.enrolment.pk): r.signature for r in rows},
        },
    )
    return review


def submit_results(by: Actor | User, classroom: Classroom, period: str, *, note: str = "") -> ResultsApproval:
    """Only complete results go to the principal; otherwise the error lists what is missing."""
    actor, ip = acting(by)
    authz.check(actor, Action.MANAGE_CLASSROOM, classroom)
    data = class_results(classroom, _period(period))
    if not data["rows"]:
        raise ResultsError(_("The class has no student."))
    missing = [f"{r.enrolment.student.full_name}: {', '.join(r.missing)}" for r in data["rows"] if r.missing]
    if missing:
        raise ResultsError(_("The results are not complete yet."), missing)
    with transaction.atomic():
        approval = (
            ResultsApproval.objects.select_for_update().filter(classroom=classroom, period=period).first()
        )
        if approval is not None and approval.status != ResultsApproval.Status.RETURNED:
            raise ResultsError(_("These results were already submitted."), conflict=True)
        approval = approval or ResultsApproval(classroom=classroom, period=period)
        approval.status = ResultsApproval.Status.SUBMITTED
        approval.submitted_by, approval.submitted_at = actor, timezone.now()
        approval.submit_note = " ".join(note.split())[:500]
        approval.decided_by, approval.decided_at, approval.decision_note = None, None, ""
        attribute(approval, actor)
        approval.save()
        record(
            AuditEvent.Action.RESULTS_SUBMITTED,
            actor=actor,
            ip=ip,
            school=classroom.school_year.school,
            obj=classroom,
            period=period,
        )
    return approval


def decide_results(
    by: Actor | User, classroom: Classroom, period: str, *, approve: bool, note: str = ""
) -> ResultsApproval:
    """The principal approves (the results are then frozen) or returns them with a reason."""
    actor, ip = acting(by)
    authz.check(actor, Action.DECIDE_RESULTS, classroom)
    note = " ".join((note or "").split())[:500]
    if not approve and not note:
        raise ResultsError(_("Say why the results are returned."))
    with transaction.atomic():
        approval = (
            ResultsApproval.objects.select_for_update()
            .filter(classroom=classroom, period=_period(period))
            .first()
        )
        if approval is None or approval.status != ResultsApproval.Status.SUBMITTED:
            raise ResultsError(_("Only submitted results can be approved or returned."))
        if approve:
            data = class_results(classroom, period)
            if not data["complete"]:
                raise ResultsError(_("The results changed since they were submitted and are not complete."))
            approval.snapshot = {
                str(r.enrolment.pk): {
                    "name": r.enrolment.student.full_name,
                    "values": r.values,
                    "academic": r.academic,
                    "conduct": r.conduct,
                    "decision": r.decision,
                    "honour": r.honour,
                }
                for r in data["rows"]
            }
        approval.status = ResultsApproval.Status.APPROVED if approve else ResultsApproval.Status.RETURNED
        approval.decided_by, approval.decided_at, approval.decision_note = actor, timezone.now(), note
        attribute(approval, actor)
        approval.save()
        record(
            AuditEvent.Action.RESULTS_APPROVED if approve else AuditEvent.Action.RESULTS_RETURNED,
            actor=actor,
            ip=ip,
            school=classroom.school_year.school,
            obj=classroom,
            period=period,
            note=note,
        )
    return approval


def approve_many(by: Actor | User, classrooms: list[Classroom], period: str) -> list[ResultsApproval]:
    """The principal approves the submitted results of several classes in one step: all of them or,
    when one cannot be approved (changed since it was submitted, not the principal's to decide), none —
    the error names each class and why."""
    if not classrooms:
        raise ResultsError(_("Choose at least one class."))
    approved, refused = [], []
    with transaction.atomic():
        for classroom in classrooms:
            try:
                with transaction.atomic():
                    approved.append(decide_results(by, classroom, period, approve=True))
            except ResultsError as exc:
                refused.append(f"{classroom.name}: {exc}")
            except PermissionDenied:
                refused.append(f"{classroom.name}: {_('you may not approve the results of this class')}")
        if refused:
            raise ResultsError(_("Nothing was approved: some classes cannot be approved now."), refused)
    return approved
