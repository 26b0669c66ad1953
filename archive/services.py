"""Writes of the archive app: building a year archive, and deleting records past their retention
period once the principal approved it (never otherwise)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from functools import partial

from django.core.files import File
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from accounts.models import School, User
from archive import bundle
from archive.models import RetentionDecision, YearArchive
from audit import chain
from audit.models import AuditEvent
from audit.services import record
from gradebook.models import CorrectionItem, Enrolment, SchoolYear, Student
from sodiem.domain import Actor, DomainError, acting

logger = logging.getLogger(__name__)


MIN_RETENTION_YEARS = 5  # the học bạ are kept at least five years after the student leaves


class RetentionError(DomainError):
    """A retention decision refused."""


# --- year archive -----------------------------------------------------------------------------


def request_archive(by: Actor | User, year: SchoolYear) -> YearArchive:
    actor, ip = acting(by)
    authz.check(actor, Action.ARCHIVE_YEAR, year.school)
    from transcripts.signing import active_certificate

    if active_certificate(year.school) is None:
        raise bundle.ArchiveError(
            _("The school has no signing certificate in use: the archive cannot be sealed. Upload one first.")
        )
    archive = YearArchive.objects.create(school=year.school, school_year=year, requested_by=actor)
    record(
        AuditEvent.Action.ARCHIVE_CREATED,
        ip=ip,
        actor=actor,
        school=year.school,
        obj=archive,
        year=year.name,
    )
    transaction.on_commit(lambda: build_archive.enqueue(archive.pk))
    return archive


@task()
def build_archive(archive_id: int) -> str:
    return run(YearArchive.objects.select_related("school_year__school", "requested_by").get(pk=archive_id))


def run(archive: YearArchive) -> str:
    """Build the bundle and keep it in private storage with its hashes."""
    YearArchive.objects.filter(pk=archive.pk).update(status=YearArchive.Status.RUNNING)
    path = bundle.temporary_path()
    try:
        manifest = bundle.build(archive.school_year, archive.requested_by, path)
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        with path.open("rb") as f:
            archive.file.save(f"{archive.uuid}.zip", File(f), save=False)
        archive.size = path.stat().st_size
        archive.sha256 = digest.hexdigest()
        archive.counts = manifest["counts"]
        archive.status = YearArchive.Status.DONE
    except Exception as exc:
        logger.exception("year archive %s failed", archive.uuid)
        archive.status = YearArchive.Status.FAILED
        archive.error = (
            str(exc) if isinstance(exc, bundle.ArchiveError) else f"{type(exc).__name__}: {exc}"
        )[:500]
    finally:
        path.unlink(missing_ok=True)
    archive.finished_at = timezone.now()
    archive.save()
    return archive.status


# --- retention --------------------------------------------------------------------------------


@dataclass
class Due:
    student: Student
    left_on: date
    keep_until: date


def _plus_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29/02
        return d.replace(year=d.year + years, day=28)


def retention_due(school: School, today: date | None = None) -> list[Due]:
    """Students who left the school more than its retention period ago (docs/workflows.md §8: at least 5
    years after graduation or transfer) and are not studying anywhere in it."""
    today = today or timezone.localdate()
    due = []
    studying = Enrolment.objects.filter(status=Enrolment.Status.STUDYING, end_date__isnull=True).filter(
        classroom__school_year__is_current=True
    )
    for student in (
        Student.objects.filter(school=school, left_on__isnull=False)
        .exclude(pk__in=studying.values("student_id"))
        .order_by("left_on", "sort_key")
    ):
        if student.left_on is None:
            continue
        keep_until = _plus_years(student.left_on, school.retention_years)
        if keep_until <= today:
            due.append(Due(student, student.left_on, keep_until))
    return due


@transaction.atomic
def set_retention_period(by: Actor | User, school: School, years: int) -> None:
    """The principal sets how many years the records of a student who left are kept (docs/workflows.md,
    retention); recorded with the old and the new period."""
    actor, ip = acting(by)
    authz.check(actor, Action.DECIDE_RETENTION, school)
    if not MIN_RETENTION_YEARS <= years <= 100:
        raise RetentionError(
            _("Records are kept at least %(n)d years after the student leaves.") % {"n": MIN_RETENTION_YEARS}
        )
    school = School.objects.select_for_update().get(pk=school.pk)
    old = school.retention_years
    if years == old:
        return
    school.retention_years = years
    school.save(update_fields=["retention_years"])
    record(
        AuditEvent.Action.RETENTION_PERIOD_SET,
        actor=actor,
        ip=ip,
        school=school,
        obj=school,
        old=old,
        new=years,
    )


@transaction.atomic
def delete_expired(
    by: Actor | User, school: School, students: list[Student], *, decision_number: str, today=None
) -> RetentionDecision:
    """The principal's approval: the listed students' records go, and the decision keeps the list."""
    actor, ip = acting(by)
    authz.check(actor, Action.DECIDE_RETENTION, school)
    if not decision_number.strip():
        raise RetentionError(_("Enter the number of the decision."))
    if not students:
        raise RetentionError(_("Choose at least one student."))
    allowed = {d.student.pk for d in retention_due(school, today)}
    if any(s.pk not in allowed for s in students):
        raise RetentionError(_("A chosen student is not past the retention period."))
    from gradebook.models import Guardian
    from transcripts.models import PrintedDocument

    ids = [s.pk for s in students]
    enrolments = Enrolment.objects.filter(student_id__in=ids)
    deleted = {}
    listed = [
        {
            "name": s.full_name,
            "date_of_birth": s.date_of_birth.isoformat(),
            "register_number": s.register_number,
            "left_on": s.left_on.isoformat() if s.left_on else "",
            "leaving_reason": s.leaving_reason,
        }
        for s in students
    ]
    documents = list(PrintedDocument.objects.filter(student_id__in=ids))
    for document in documents:
        transaction.on_commit(partial(document.file.delete, save=False))
    deleted["documents"] = PrintedDocument.objects.filter(student_id__in=ids).delete()[0]
    deleted["correction_items"] = CorrectionItem.objects.filter(enrolment__in=enrolments).delete()[0]
    deleted["enrolments"] = enrolments.delete()[0]
    users = [s.user for s in students if s.user is not None]
    deleted["students"] = Student.objects.filter(pk__in=ids).delete()[0]
    # the personal data kept in the history tables goes too (the audit trail keeps only ids), through
    # the one lawful path that removes history rows: the chain names them and this decision
    for model, field in ((Student, "id"), (Guardian, "student_id")):
        history_ids = list(
            model.history.model.objects.filter(**{f"{field}__in": ids}).values_list("history_id", flat=True)
        )
        deleted[f"history_{model._meta.model_name}"] = chain.dispose(
            school.pk, model, history_ids, f"{decision_number.strip()}: {len(listed)} học sinh"
        )
    for user in users:
        user.is_active = False
        user.save(update_fields=["is_active"])
    decision = RetentionDecision.objects.create(
        school=school,
        decision_number=decision_number.strip(),
        decided_by=actor,
        students=listed,
        deleted=deleted,
    )
    record(
        AuditEvent.Action.RETENTION_DECIDED,
        ip=ip,
        actor=actor,
        school=school,
        obj=decision,
        students=len(listed),
        deleted=deleted,
    )
    return decision


def archives_of(school: School):
    return YearArchive.objects.filter(school=school).select_related("school_year", "requested_by")


def decisions_of(school: School):
    return RetentionDecision.objects.filter(school=school).select_related("decided_by")
