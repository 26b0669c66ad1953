"""Signing many documents with one confirmation (docs/forms.md §9b): the principal signs a class's or
the school's học bạ, the clerk seals them, a homeroom teacher signs their class's — without confirming
each one. The signer confirms once (password and TOTP) for the list shown to them; the workers then sign
exactly those documents, each only if it is still that person's turn, and the progress page counts them.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.db.models import Count, F, Q
from django.tasks import task
from django.utils import timezone

from accounts import authz
from accounts.models import Role, School, User
from audit.models import AuditEvent
from audit.services import record
from gradebook.models import Enrolment
from sodiem.domain import Actor, acting
from transcripts.documents import Turn, next_turn_of, turn_is_theirs
from transcripts.models import PrintedDocument, SignBatch
from transcripts.signing import SigningError, sign_document

logger = logging.getLogger(__name__)

PART_SIZE = 10  # documents per task: several workers share even one class


def waiting_for(user: User, school: School, *, kind: str = "", classroom=None, limit: int = 2000) -> list:
    """The school's documents whose next signature is the user's, oldest first."""
    found = _candidates(user, school, kind=kind, classroom=classroom)
    # Whose turn each candidate is, decided on plain rows (kind, signers, signatures made, the teacher
    # who keeps it, its class's homeroom teacher): after a year-end printing hundreds of học bạ are
    # candidates on every signer's home page, and only those waiting for this user are read whole.
    mine = _waiting_rows(user, school, found, limit)
    if not mine:
        return []
    return list(
        PrintedDocument.objects.filter(pk__in=[pk for pk, _turn in mine])
        .annotate(signed=Count("signatures"))
        .select_related("classroom__homeroom_teacher", "school", "student", "school_year")
        .order_by("printed_at")
    )


def waiting_counts(user: User, school: School, *, limit: int = 2000) -> tuple[int, int]:
    """(documents waiting for the user's signature, signed documents waiting for their seal): the
    inbox's numbers, without reading the documents."""
    mine = _waiting_rows(user, school, _candidates(user, school), limit)
    to_seal = sum(1 for _pk, turn in mine if turn.step == "seal")
    return len(mine) - to_seal, to_seal


def _waiting_rows(user: User, school: School, found, limit: int) -> list[tuple[int, Turn]]:
    """(id, next turn) of the candidates whose next turn is the user's, oldest first."""
    rows = list(
        found.annotate(signed=Count("signatures"))
        .order_by("printed_at")
        .values_list(
            "pk",
            "kind",
            "subject_signers",
            "teacher_id",
            "classroom__homeroom_teacher_id",
            "student_id",
            "classroom_id",
            "signed",
        )[:limit]
    )
    roles = authz.roles_in(user, school)
    students_homeroom: dict[int, int | None] | None = None

    def homeroom(classroom_id: int | None, class_homeroom: int | None, student_id: int | None) -> int | None:
        """The homeroom teacher of the document's class; of a học bạ, of the student's latest class at
        the school (PrintedDocument.homeroom_teacher), read for every candidate student at the first
        that asks."""
        nonlocal students_homeroom
        if classroom_id:
            return class_homeroom
        if not student_id:
            return None
        if students_homeroom is None:
            students_homeroom = {}
            for student, teacher in (
                Enrolment.objects.filter(
                    student_id__in={r[5] for r in rows if r[5] and not r[6]},
                    classroom__school_year__school=school,
                )
                .order_by("student_id", "-classroom__school_year__start_year", "-start_date")
                .values_list("student_id", "classroom__homeroom_teacher_id")
            ):
                students_homeroom.setdefault(student, teacher)
        return students_homeroom.get(student_id)

    mine = []
    for pk, kind, signers, teacher_id, class_homeroom, student_id, classroom_id, signed in rows:
        turn = next_turn_of(kind, signers, signed)
        asked = partial(homeroom, classroom_id, class_homeroom, student_id)
        if turn is not None and turn_is_theirs(user, roles, turn, teacher_id=teacher_id, homeroom_id=asked):
            mine.append((pk, turn))
    return mine


def _candidates(user: User, school: School, *, kind: str = "", classroom=None):
    """The school's unfinished documents that may wait for the user: for a teacher only those that
    name them."""
    found = PrintedDocument.objects.filter(school=school, complete=False)
    if not authz.roles_in(user, school) & {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK}:
        # a teacher signs only what names them: as a subject teacher of the class, as the teacher who
        # keeps the book, as the homeroom teacher of its class or of the student's class — the rest of
        # the school's documents are not read for them (documents.may_sign decides each candidate)
        homeroom_students = Enrolment.objects.filter(
            classroom__school_year__school=school, classroom__homeroom_teacher=user
        ).values("student_id")
        found = found.filter(
            Q(subject_signers__contains=[[user.pk]])
            | Q(teacher=user)
            | Q(classroom__homeroom_teacher=user)
            | Q(classroom__isnull=True, student_id__in=homeroom_students)
        )
    if kind:
        found = found.filter(kind=kind)
    if classroom is not None:
        # the class's books and papers, and the học bạ of its students (a subquery: no join to count
        # the signatures through)
        of_students = PrintedDocument.objects.filter(
            kind=PrintedDocument.Kind.TRANSCRIPT, student__enrolments__classroom=classroom
        ).values("pk")
        found = found.filter(Q(classroom=classroom) | Q(pk__in=of_students))
    return found


def start_signing(by: Actor | User, school: School, documents: list, description: str) -> SignBatch:
    """Queue the signing of `documents` by the user, who has just confirmed; returns the batch at once."""
    user, ip = acting(by)
    ids = [d.pk for d in documents]
    parts = [ids[i : i + PART_SIZE] for i in range(0, len(ids), PART_SIZE)]
    with transaction.atomic():
        batch = SignBatch.objects.create(
            school=school,
            signer=user,
            description=description[:300],
            documents=ids,
            total=len(ids),
            parts=len(parts),
            status=SignBatch.Status.QUEUED if parts else SignBatch.Status.DONE,
            finished_at=None if parts else timezone.now(),
        )
        record(
            AuditEvent.Action.SIGNING_REQUESTED,
            actor=user,
            ip=ip,
            school=school,
            obj=batch,
            description=batch.description,
            documents=len(ids),
        )
        for part in parts:
            transaction.on_commit(lambda part=part: sign_part.enqueue(batch.pk, part))
    return batch


@task()
def sign_part(batch_id: int, ids: list[int]) -> int:
    """Sign one part of a batch; a document that is no longer the signer's turn is skipped, not failed."""
    batch = SignBatch.objects.select_related("signer", "school").get(pk=batch_id)
    SignBatch.objects.filter(pk=batch_id, status=SignBatch.Status.QUEUED).update(
        status=SignBatch.Status.RUNNING
    )
    keys: dict = {}  # the signer's key opened once for the part
    signed = 0
    documents = PrintedDocument.objects.select_related("school", "school_year", "classroom__homeroom_teacher")
    try:
        found = list(documents.filter(pk__in=ids, school=batch.school).order_by("pk"))
        if len(found) < len(ids):  # deleted since the confirmation
            SignBatch.objects.filter(pk=batch_id).update(skipped=F("skipped") + len(ids) - len(found))
        for document in found:
            try:
                sign_document(document, batch.signer, keys=keys)
            except SigningError:
                SignBatch.objects.filter(pk=batch_id).update(skipped=F("skipped") + 1)
                continue
            signed += 1
            SignBatch.objects.filter(pk=batch_id).update(done=F("done") + 1)
    except Exception as exc:
        logger.exception("signing batch %s failed", batch.uuid)
        SignBatch.objects.filter(pk=batch_id).update(
            status=SignBatch.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:500],
            finished_at=timezone.now(),
        )
        raise
    with transaction.atomic():
        batch = SignBatch.objects.select_for_update().get(pk=batch_id)
        batch.parts_done += 1
        if batch.parts_done == batch.parts and batch.status != SignBatch.Status.FAILED:
            batch.status = SignBatch.Status.DONE
            batch.finished_at = timezone.now()
        batch.save(update_fields=["parts_done", "status", "finished_at"])
    return signed
