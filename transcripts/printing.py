"""Printing in the background: a request names what to print, gets a PrintBatch at once and is sent to
its progress page; the work is split into one task per class (or per teacher), which the workers
(`manage.py db_worker`, several in parallel) render; the last task to finish zips the documents.
"""

from __future__ import annotations

import logging
import zipfile
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from accounts.models import School, User
from audit.models import AuditEvent
from audit.services import record
from gradebook.models import Classroom, Enrolment, SchoolYear, Student
from sodiem.domain import Actor, acting
from sodiem.text import file_name
from transcripts.documents import Kind, Target, issue
from transcripts.models import PrintBatch, PrintedDocument
from transcripts.selectors import shared_class_results

logger = logging.getLogger(__name__)


def start_batch(
    by: Actor | User,
    school: School,
    school_year: SchoolYear,
    kind: str,
    *,
    classrooms: list[Classroom] = (),
    students: list[Student] = (),
    teachers: list[User] = (),
    period: str = "",
    blank: bool = False,
) -> PrintBatch:
    """Queue the printing of `kind` for the given classes (one book each, or the học bạ of all their
    students), students (their học bạ) or teachers (their books); the register is one document."""
    user, ip = acting(by)
    parts: list[dict] = []
    total = 0
    if kind == Kind.REGISTER:
        parts, total = [{}], 1
    elif kind == Kind.TEACHER_BOOK:
        parts = [{"teacher": t.pk} for t in teachers]
        total = len(parts)
    elif kind == Kind.TRANSCRIPT and students:
        ids = [s.pk for s in students]
        parts = [{"students": ids[i : i + 45]} for i in range(0, len(ids), 45)]
        total = len(ids)
    elif kind == Kind.TRANSCRIPT:
        for classroom in classrooms:
            ids = list(
                Enrolment.objects.filter(classroom=classroom, status=Enrolment.Status.STUDYING)
                .order_by("student__sort_key")
                .values_list("student_id", flat=True)
            )
            if ids:
                parts.append({"students": ids})
                total += len(ids)
    else:
        parts = [{"classroom": c.pk} for c in classrooms]
        total = len(parts)
    with transaction.atomic():
        batch = PrintBatch.objects.create(
            school=school,
            school_year=school_year,
            kind=kind,
            total=total,
            parts=len(parts),
            requested_by=user,
            status=PrintBatch.Status.QUEUED if parts else PrintBatch.Status.DONE,
            finished_at=None if parts else timezone.now(),
        )
        record(
            AuditEvent.Action.PRINT_REQUESTED,
            actor=user,
            ip=ip,
            school=school,
            obj=batch,
            kind=kind,
            documents=total,
        )
        for part in parts:
            part.update(period=period, blank=blank)
            transaction.on_commit(lambda part=part: print_part.enqueue(batch.pk, part))
    return batch


def targets(batch: PrintBatch, part: dict):
    school, year = batch.school, batch.school_year
    common = {"kind": batch.kind, "school": school, "school_year": year, "period": part.get("period", "")}
    if batch.kind == Kind.REGISTER:
        yield Target(**common)
    elif batch.kind == Kind.TEACHER_BOOK:
        yield Target(**common, teacher=User.objects.get(pk=part["teacher"]), blank=part.get("blank", False))
    elif batch.kind == Kind.TRANSCRIPT:
        students = Student.objects.select_related("school__province", "school__commune").in_bulk(
            part["students"]
        )
        for pk in part["students"]:
            yield Target(**common, student=students[pk])
    else:
        yield Target(
            **common,
            classroom=Classroom.objects.select_related("school_year__school").get(pk=part["classroom"]),
        )


@task()
def print_part(batch_id: int, part: dict) -> int:
    """Render one part of a batch (a class, a teacher, up to 45 students); the last part zips."""
    batch = PrintBatch.objects.select_related("school__province", "school_year", "requested_by").get(
        pk=batch_id
    )
    if batch.status == PrintBatch.Status.FAILED:
        return 0
    PrintBatch.objects.filter(pk=batch_id, status=PrintBatch.Status.QUEUED).update(
        status=PrintBatch.Status.RUNNING
    )
    made = 0
    try:
        with shared_class_results():  # a part is one class: its results computed once
            for target in targets(batch, part):
                issue(target, user=batch.requested_by, batch=batch)
                made += 1
                PrintBatch.objects.filter(pk=batch_id).update(done=F("done") + 1)
    except Exception as exc:
        logger.exception("printing batch %s failed", batch.uuid)
        PrintBatch.objects.filter(pk=batch_id).update(
            status=PrintBatch.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:500],
            finished_at=timezone.now(),
        )
        raise
    with transaction.atomic():
        batch = PrintBatch.objects.select_for_update().get(pk=batch_id)
        batch.parts_done += 1
        batch.save(update_fields=["parts_done"])
        last = batch.parts_done == batch.parts
    if last:
        finish(batch)
    return made


def finish(batch: PrintBatch) -> None:
    """Zip the batch's documents (one file per document, named after it) and mark it done."""
    documents = list(batch.documents.order_by("title"))
    if len(documents) > 1:
        buffer = BytesIO()
        names: set[str] = set()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for document in documents:
                name = file_name(document.title, limit=120) or str(document.uuid)
                while name in names:
                    name += "-1"
                names.add(name)
                with document.file.open("rb") as f:
                    archive.writestr(f"{name}.pdf", f.read())
        batch.archive.save(f"{batch.uuid}.zip", ContentFile(buffer.getvalue()), save=False)
    batch.status = PrintBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.save(update_fields=["archive", "status", "finished_at"])


def single_document(batch: PrintBatch) -> PrintedDocument | None:
    return batch.documents.first() if batch.total == 1 else None
