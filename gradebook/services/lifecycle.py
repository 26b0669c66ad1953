"""A student's way through the school: class changes, dropouts, transfers between schools of this
system and to or from schools outside it (docs/workflows.md §9).

Within the system a Student row belongs to the school the student attends now; their enrolments stay
in the classes of the schools that taught them. So after a transfer the new school reads the whole
history (the học bạ pages of earlier years included) while the old school keeps its classes' records —
and sees nothing the new school adds.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts import authz
from accounts.authz import Action
from accounts.models import Role, RoleAssignment, School, User
from audit import chain
from audit.models import AuditEvent
from audit.services import record
from gradebook import freshness
from gradebook.models import (
    Absence,
    Classroom,
    ConductResult,
    Enrolment,
    ExternalYearRecord,
    LeavingReason,
    Score,
    Student,
    StudentTransfer,
    SubjectComment,
    Term,
)
from gradebook.regulations import registry
from gradebook.services.structure import StructureError
from gradebook.signals import transfer_out_recorded


class LifecycleError(StructureError):
    pass


def _studying(enrolment: Enrolment) -> None:
    if enrolment.status != Enrolment.Status.STUDYING or enrolment.end_date is not None:
        raise LifecycleError(_("%(name)s is no longer studying in this class.") % {"name": enrolment.student})


def _between(on: date, first: date, last: date) -> None:
    if not (first <= on <= last):
        raise LifecycleError(
            _("The date must fall between %(start)s and %(end)s.")
            % {"start": first.strftime("%d/%m/%Y"), "end": last.strftime("%d/%m/%Y")}
        )


def _within_year(enrolment: Enrolment, on: date) -> None:
    """A day of the enrolment's school year, not before the student joined the class."""
    year = enrolment.classroom.school_year
    _between(on, max(year.start_date, enrolment.start_date), year.end_date)


def _end(enrolment: Enrolment, status: str, on: date) -> None:
    enrolment.status = status
    enrolment.end_date = on
    enrolment.save(update_fields=["status", "end_date"])


def _carry_over(actor: User, old: Enrolment, new: Enrolment, *, reason: str) -> int:
    """What was entered so far in the year goes with the student: scores and comments to the same
    subject in the new class (within a school the same subject; across schools the subject of the same
    code, else the same name), absences and conduct. The old rows stay where they were. Returns the
    number of scores carried."""
    subjects: dict[object, Any] = {}
    for a in new.classroom.assignments.select_related("subject"):
        subjects[a.subject_id] = subjects[("code", a.subject.code)] = subjects[("name", a.subject.name)] = a

    def target(assignment):
        subject = assignment.subject
        return (
            subjects.get(subject.pk)
            or subjects.get(("code", subject.code))
            or subjects.get(("name", subject.name))
        )

    scores: list[Score] = []
    seen: set[tuple] = set()
    for score in Score.objects.filter(enrolment=old).select_related("assignment__subject"):
        assignment = target(score.assignment)
        cell = (assignment.pk if assignment else None, score.term, score.kind, score.index)
        if assignment is None or cell in seen:  # a subject the new class lacks, or two mapped onto one
            continue
        seen.add(cell)
        scores.append(
            Score(
                assignment=assignment,
                enrolment=new,
                term=score.term,
                kind=score.kind,
                index=score.index,
                value=score.value,
                level=score.level,
                held_on=score.held_on,
                updated_by=actor,
                first_entered_at=score.first_entered_at,
                late=score.late,
            )
        )
    _create(actor, Score, scores, reason)
    comments = []
    for c in SubjectComment.objects.filter(enrolment=old).select_related("assignment__subject"):
        assignment = target(c.assignment)
        if assignment is not None and (assignment.pk, c.term) not in seen:
            seen.add((assignment.pk, c.term))
            comments.append(
                SubjectComment(
                    assignment=assignment, enrolment=new, term=c.term, text=c.text, updated_by=actor
                )
            )
    _create(actor, SubjectComment, comments, reason)
    absences = [
        Absence(enrolment=new, date=a.date, session=a.session, excused=a.excused, reason=a.reason)
        for a in Absence.objects.filter(enrolment=old)
    ]
    conduct = [
        ConductResult(enrolment=new, period=c.period, level=c.level, comment=c.comment)
        for c in ConductResult.objects.filter(enrolment=old)
    ]
    _create(actor, Absence, absences, reason)
    _create(actor, ConductResult, conduct, reason)
    return len(scores)


def _create(actor: User, model, objects: list, reason: str) -> None:
    """Copies with their history rows where the model keeps one (the reason says why they appeared)."""
    if hasattr(model, "history"):
        bulk_create_with_history(objects, model, default_user=actor, default_change_reason=reason)
    else:
        model.objects.bulk_create(objects)
    freshness.rows_written(objects)  # bulk: no signal to tell the figures


@transaction.atomic
def change_class(actor: User, enrolment: Enrolment, classroom: Classroom, on: date) -> Enrolment:
    """Chuyển lớp within the year: the student continues in `classroom`, taking their scores, comments,
    conduct and absences so far with them; the old class's books keep them marked "Chuyển lớp"."""
    school = enrolment.classroom.school_year.school
    authz.check(actor, Action.MANAGE_SCHOOL_DATA, school)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("classroom__school_year")
        .get(pk=enrolment.pk)
    )
    _studying(enrolment)
    if (
        classroom.school_year_id != enrolment.classroom.school_year_id
        or classroom.pk == enrolment.classroom_id
    ):
        raise LifecycleError(_("Choose another class of the same school year."))
    if classroom.grade != enrolment.classroom.grade:
        raise LifecycleError(
            _("A class change stays within the grade; use the year rollover between grades.")
        )
    _within_year(enrolment, on)
    _end(enrolment, Enrolment.Status.CLASS_CHANGED, on)
    new = Enrolment.objects.create(student=enrolment.student, classroom=classroom, start_date=on)
    _carry_over(actor, enrolment, new, reason="Chuyển lớp")
    record(
        AuditEvent.Action.CLASS_CHANGED,
        actor=actor,
        school=school,
        obj=enrolment.student,
        from_class=enrolment.classroom.name,
        to_class=classroom.name,
        date=on.isoformat(),
    )
    return new


@transaction.atomic
def record_dropout(actor: User, enrolment: Enrolment, on: date, reason: str) -> None:
    """Bỏ học: the enrolment ends; the student's records stay for the retention period."""
    school = enrolment.classroom.school_year.school
    authz.check(actor, Action.MANAGE_SCHOOL_DATA, school)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("classroom__school_year", "student")
        .get(pk=enrolment.pk)
    )
    _studying(enrolment)
    _within_year(enrolment, on)
    _end(enrolment, Enrolment.Status.DROPPED_OUT, on)
    _left(enrolment.student, on, LeavingReason.DROPPED_OUT)
    record(
        AuditEvent.Action.DROPPED_OUT,
        actor=actor,
        school=school,
        obj=enrolment.student,
        date=on.isoformat(),
        reason=reason,
    )


def _left(student: Student, on: date, reason: str) -> None:
    student.left_on = on
    student.leaving_reason = reason
    student.save(update_fields=["left_on", "leaving_reason", "sort_key"])


def current_enrolment(student: Student) -> Enrolment | None:
    return (
        student.enrolments.filter(
            status=Enrolment.Status.STUDYING,
            end_date__isnull=True,
            classroom__school_year__school_id=student.school_id,
            classroom__school_year__is_current=True,
        )
        .select_related("classroom__school_year__school")
        .first()
    )


@transaction.atomic
def request_transfer(
    actor: User,
    enrolment: Enrolment,
    *,
    on: date,
    to_school: School | None = None,
    other_school_name: str = "",
    reason: str = "",
    decision_number: str = "",
) -> StudentTransfer:
    """The old school's side. To a school of this system only the principal moves the student (docs/workflows.md
    Đ7) and the transfer waits for the receiving school; out of the system the enrolment ends now and
    the học bạ is printed and handed over (the view issues it)."""
    school = enrolment.classroom.school_year.school
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("classroom__school_year", "student")
        .get(pk=enrolment.pk)
    )
    student = enrolment.student
    if to_school is not None:
        authz.check(actor, Action.TRANSFER_STUDENT, school)
        if to_school.pk == school.pk:
            raise LifecycleError(_("Choose another school."))
    else:
        authz.check(actor, Action.MANAGE_SCHOOL_DATA, school)
        if not other_school_name.strip():
            raise LifecycleError(_("Enter the school the student moves to."))
    _studying(enrolment)
    _within_year(enrolment, on)
    if StudentTransfer.objects.filter(student=student, status=StudentTransfer.Status.PENDING).exists():
        raise LifecycleError(_("A transfer of this student is already waiting for the receiving school."))
    transfer = StudentTransfer.objects.create(
        student=student,
        kind=StudentTransfer.Kind.WITHIN if to_school else StudentTransfer.Kind.OUT,
        status=StudentTransfer.Status.PENDING if to_school else StudentTransfer.Status.DONE,
        from_school=school,
        to_school=to_school,
        other_school_name=other_school_name.strip(),
        from_enrolment=enrolment,
        transfer_date=on,
        reason=reason.strip(),
        decision_number=decision_number.strip(),
        requested_by=actor,
    )
    if to_school is None:
        _end(enrolment, Enrolment.Status.TRANSFERRED_OUT, on)
        _left(student, on, LeavingReason.TRANSFERRED_OUT)
    record(
        AuditEvent.Action.TRANSFER_REQUESTED if to_school else AuditEvent.Action.TRANSFER_DONE,
        actor=actor,
        school=school,
        obj=transfer,
        student=str(student.uuid),
        to=to_school.name if to_school else other_school_name,
        date=on.isoformat(),
    )
    if transfer.kind == StudentTransfer.Kind.OUT:
        # the học bạ to hand over is issued by the documents app once this is committed
        transaction.on_commit(
            lambda: transfer_out_recorded.send(sender=StudentTransfer, transfer=transfer, actor=actor)
        )
    return transfer


@transaction.atomic
def cancel_transfer(actor: User, transfer: StudentTransfer) -> None:
    authz.check(actor, Action.TRANSFER_STUDENT, transfer.from_school)
    transfer = StudentTransfer.objects.select_for_update(of=("self",)).get(pk=transfer.pk)
    if transfer.status != StudentTransfer.Status.PENDING:
        raise LifecycleError(_("This transfer is no longer waiting."), conflict=True)
    transfer.status = StudentTransfer.Status.CANCELLED
    transfer.decided_by, transfer.decided_at = actor, timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])


def _check_receiver(actor: User, transfer: StudentTransfer) -> StudentTransfer:
    if transfer.to_school is None:
        raise LifecycleError(_("This transfer is not to a school of this system."))
    authz.check(actor, Action.ACCEPT_TRANSFER, transfer.to_school)
    transfer = (
        StudentTransfer.objects.select_for_update(of=("self",))
        .select_related("student", "from_enrolment")
        .get(pk=transfer.pk)
    )
    if transfer.status != StudentTransfer.Status.PENDING:
        raise LifecycleError(_("This transfer is no longer waiting."), conflict=True)
    return transfer


@transaction.atomic
def refuse_transfer(actor: User, transfer: StudentTransfer, note: str) -> None:
    transfer = _check_receiver(actor, transfer)
    if not note.strip():
        raise LifecycleError(_("Say why the transfer is refused."))
    transfer.status = StudentTransfer.Status.REFUSED
    transfer.decided_by, transfer.decided_at, transfer.decision_note = actor, timezone.now(), note.strip()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    record(AuditEvent.Action.TRANSFER_REFUSED, actor=actor, school=transfer.to_school, obj=transfer)


@transaction.atomic
def accept_transfer(actor: User, transfer: StudentTransfer, classroom: Classroom, on: date) -> Enrolment:
    """The receiving school takes the student into `classroom`: the old enrolment ends, the student
    and their family accounts move to the new school."""
    transfer = _check_receiver(actor, transfer)
    if classroom.school_year.school_id != transfer.to_school_id:
        raise LifecycleError(_("Choose a class of your school."))
    if on < transfer.transfer_date:
        raise LifecycleError(_("The student cannot start before the transfer date."))
    # both schools' chains receive rows: take their locks in one order (audit/chain.py)
    chain.lock_chains([transfer.from_school_id, transfer.to_school_id])
    student = Student.objects.select_for_update(of=("self",)).get(pk=transfer.student_id)
    old = transfer.from_enrolment
    if old is not None and old.status == Enrolment.Status.STUDYING:
        _end(old, Enrolment.Status.TRANSFERRED_OUT, transfer.transfer_date)
    old_school_id = student.school_id
    to_school = transfer.to_school
    if to_school is None:  # a transfer out of the system is never accepted here
        raise LifecycleError(_("This transfer is not to a school of this system."))
    student.school = to_school
    student.left_on, student.leaving_reason = None, ""
    student.save(update_fields=["school", "left_on", "leaving_reason", "sort_key"])
    new = Enrolment.objects.create(student=student, classroom=classroom, start_date=on)
    if old is not None and old.classroom.school_year.start_year == classroom.school_year.start_year:
        # a transfer during the year: the term so far counts at the new school too
        _carry_over(actor, old, new, reason="Chuyển trường")
    _move_family_accounts(student, old_school_id, to_school, actor)
    transfer.status = StudentTransfer.Status.DONE
    transfer.to_enrolment = new
    transfer.decided_by, transfer.decided_at = actor, timezone.now()
    transfer.save(update_fields=["status", "to_enrolment", "decided_by", "decided_at"])
    for school in (transfer.from_school, transfer.to_school):
        record(
            AuditEvent.Action.TRANSFER_DONE,
            actor=actor,
            school=school,
            obj=transfer,
            student=str(student.uuid),
            classroom=classroom.name,
            date=on.isoformat(),
        )
    return new


def _move_family_accounts(student: Student, old_school_id: int, new_school: School, actor: User) -> None:
    """The student's own account and their guardians' parent role follow them; a parent keeps the old
    school's role while another of their children still belongs to it."""

    def move(user, role: str, keep_old: bool) -> None:
        if not keep_old:
            RoleAssignment.objects.filter(user=user, role=role, school_id=old_school_id).delete()
        RoleAssignment.objects.get_or_create(
            user=user, role=role, school=new_school, department=None, defaults={"granted_by": actor}
        )
        authz.forget(user)

    if student.user_id:
        move(student.user, Role.STUDENT, keep_old=False)
    for guardian in student.guardians.exclude(user=None).select_related("user"):
        siblings = Student.objects.filter(school_id=old_school_id, guardians__user=guardian.user).exclude(
            pk=student.pk
        )
        move(guardian.user, Role.PARENT, keep_old=siblings.exists())


@transaction.atomic
def transfer_in(
    actor: User,
    student: Student,
    classroom: Classroom,
    *,
    on: date,
    from_school_name: str,
    reason: str = "",
    decision_number: str = "",
) -> StudentTransfer:
    """Chuyển đến from outside the system: `student` is a new, unsaved profile."""
    school = classroom.school_year.school
    authz.check(actor, Action.MANAGE_SCHOOL_DATA, school)
    if not from_school_name.strip():
        raise LifecycleError(_("Enter the school the student comes from."))
    _between(on, classroom.school_year.start_date, classroom.school_year.end_date)
    if student.personal_id and Student.objects.filter(personal_id=student.personal_id).exists():
        raise LifecycleError(
            _(
                "A student with this personal identification number is already in the system: ask their school to transfer them."
            )
        )
    student.school = school
    student.save()
    enrolment = Enrolment.objects.create(student=student, classroom=classroom, start_date=on)
    transfer = StudentTransfer.objects.create(
        student=student,
        kind=StudentTransfer.Kind.IN,
        status=StudentTransfer.Status.DONE,
        to_school=school,
        other_school_name=from_school_name.strip(),
        to_enrolment=enrolment,
        transfer_date=on,
        reason=reason.strip(),
        decision_number=decision_number.strip(),
        requested_by=actor,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    record(
        AuditEvent.Action.TRANSFER_DONE,
        actor=actor,
        school=school,
        obj=transfer,
        student=str(student.uuid),
        came_from=from_school_name.strip(),
        classroom=classroom.name,
    )
    return transfer


@transaction.atomic
def record_earlier_year(
    actor: User, student: Student, data: dict, subjects: list[dict]
) -> ExternalYearRecord:
    """A year the student spent at a school outside the system, typed in from its học bạ by the admin
    board; printed in the học bạ as coming from that school."""
    authz.check(actor, Action.MANAGE_SCHOOL_DATA, student.school)
    record_ = ExternalYearRecord.objects.create(
        student=student,
        start_year=data["start_year"],
        grade=data["grade"],
        class_name=data["class_name"].strip(),
        school_name=data["school_name"].strip(),
        province_name=data.get("province_name", "").strip(),
        homeroom=data.get("homeroom", "").strip(),
        regulation=registry.regulation_for(data["start_year"], data["grade"]).code,
        subjects=[
            {k: s.get(k, "") for k in ("name", "hk1", "hk2", "year", "retest", "comment")} | {"teacher": ""}
            for s in subjects
            if s.get("name")
        ],
        periods={
            p: {
                "conduct": data.get(f"conduct_{p.lower()}", ""),
                "academic": data.get(f"academic_{p.lower()}", ""),
            }
            for p in (Term.Code.HK1, Term.Code.HK2, "year")
        },
        absences=data.get("absences") or 0,
        decision=data.get("decision", ""),
        honour=data.get("honour", "").strip(),
        homeroom_comment=data.get("homeroom_comment", "").strip(),
        source=ExternalYearRecord.Source.ENTERED,
        created_by=actor,
    )
    record(
        AuditEvent.Action.IMPORT,
        actor=actor,
        school=student.school,
        obj=student,
        earlier_year=f"{record_.start_year}-{record_.start_year + 1}",
        school_name=record_.school_name,
    )
    return record_
