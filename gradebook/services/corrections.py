"""Sửa điểm: changing scores of a locked period.

The teacher files a request (Giấy đề nghị thay đổi thông tin) naming the cells, the value asked for, the
reason and the evidence — the personal gradebook and the student's test paper (docs/workflows.md §6).
The principal approves (cell by cell) or rejects with a note; the last day for corrections is a number of
days (the school's setting, one week by default) before the term's end-of-term test, and a later request
is approved only with the principal's stated reason for allowing it. The admin board
applies an approved request in front of the witnesses — a board member, the admin board member and the
requester: only the approved cells are written, in one transaction, each with a history
row pointing to the request. The lock is never lifted, so the period is locked again at once.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from accounts.history import attribute
from accounts.models import SCHOOL_BOARD_ROLES, RoleAssignment, User
from audit.models import AuditEvent
from audit.services import record
from gradebook.cells import columns_for, display_value, key_label, key_of
from gradebook.decisions import (  # noqa: F401 (RequestedCell is imported from here by the pages)
    SAVED_SCORE_FIELDS,
    ApprovedCell,
    RequestedCell,
    RequestedChange,
    SavedScore,
    ScoreRow,
    decide_applied_cell,
    decide_requested_cell,
)
from gradebook.models import (
    AssessmentColumn,
    AssessmentKind,
    CorrectionEvidence,
    CorrectionItem,
    CorrectionRequest,
    Enrolment,
    Score,
    TeachingAssignment,
    Term,
)
from gradebook.services.bulk_history import REASON_MAX
from gradebook.services.locks import lock_state
from gradebook.services.scores import write_scores
from sodiem.domain import Actor, DomainError, acting


class CorrectionError(DomainError):
    """A correction step refused; `errors` maps a form field (or a cell "enrolment:column") to its
    message, for the page to show next to the field."""


# -- evidence ---------------------------------------------------------------------------------------

# (content type, extension) by the file's first bytes; the extension of the uploaded name must agree.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
_EXTENSIONS = {"jpg": "jpg", "jpeg": "jpg", "png": "png", "pdf": "pdf"}


@dataclass(frozen=True)
class CheckedFile:
    upload: Any  # an uploaded file
    name: str
    content_type: str
    extension: str
    size: int
    sha256: str


def check_evidence(upload) -> CheckedFile:
    """A photo (JPEG, PNG) or a scan (PDF), no larger than the limit, whose content is what its name
    says: the first bytes decide, the name's extension must agree, an image must decode."""
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1][:200]
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise CorrectionError(
            _("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": limit // (1024 * 1024)}
        )
    if upload.size == 0:
        raise CorrectionError(_("%(name)s is empty.") % {"name": name})
    upload.seek(0)
    head = upload.read(16)
    found = next(((ctype, ext) for magic, ctype, ext in _SIGNATURES if head.startswith(magic)), None)
    if found is None:
        raise CorrectionError(
            _("%(name)s is not a photo or a scan: send JPEG, PNG or PDF files.") % {"name": name}
        )
    content_type, extension = found
    named = _EXTENSIONS.get(name.rsplit(".", 1)[-1].lower() if "." in name else "")
    if named != extension:
        raise CorrectionError(_("The content of %(name)s does not match its extension.") % {"name": name})
    if content_type.startswith("image/"):
        _check_image(upload, name)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload, name, content_type, extension, upload.size, digest.hexdigest())


def _check_image(upload, name: str) -> None:
    from PIL import Image, UnidentifiedImageError

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise CorrectionError(_("%(name)s is damaged or not a real image.") % {"name": name}) from None


# -- deadline and lock state ------------------------------------------------------------------------


def correction_deadline(assignment: TeachingAssignment, term: str) -> date | None:
    """The last day for corrections of this class-subject and term: the school's number of days before
    the end-of-term test (the day the class-subject held it, else the school's test calendar)."""
    final = (
        AssessmentColumn.objects.filter(
            assignment=assignment, term=term, kind=AssessmentKind.FINAL, held_on__isnull=False
        )
        .values_list("held_on", flat=True)
        .first()
    )
    if final is None:
        final = (
            Term.objects.filter(school_year_id=assignment.classroom.school_year_id, code=term)
            .values_list("final_tests_from", flat=True)
            .first()
        )
    if final is None:
        return None
    return final - timedelta(days=assignment.classroom.school_year.school.correction_days_before_final)


def locked_columns(assignment: TeachingAssignment, term: str) -> set[str]:
    """The columns of this class-subject and term that the locks in force close now."""
    state = lock_state(assignment.classroom, term)
    keys = [c.key for c in columns_for(assignment, term)]
    if state.closed:
        return set(keys)
    if state.month_until is None:
        return set()
    held = {
        key_of(c.kind, c.index): c.held_on
        for c in AssessmentColumn.objects.filter(assignment=assignment, term=term, held_on__isnull=False)
    }
    until = state.month_until
    return {key for key in keys if (day := held.get(key)) is not None and day <= until}


def open_cells(assignment: TeachingAssignment, term: str) -> set[tuple[int, str]]:
    """Cells already named in a request still awaiting a decision or the admin board."""
    return {
        (enrolment_id, key_of(kind, index))
        for enrolment_id, kind, index in CorrectionItem.objects.filter(
            request__assignment=assignment,
            request__term=term,
            request__status__in=[CorrectionRequest.Status.SUBMITTED, CorrectionRequest.Status.APPROVED],
        )
        .exclude(approved=False)
        .values_list("enrolment_id", "kind", "index")
    }


# -- the steps --------------------------------------------------------------------------------------


def request_correction(
    by: Actor | User,
    assignment: TeachingAssignment,
    term: str,
    cells: list[RequestedCell],
    *,
    reason: str,
    files: list,
) -> CorrectionRequest:
    """The teacher files a request for locked cells of their own class-subject."""
    actor, ip = acting(by)
    authz.check(actor, Action.REQUEST_CORRECTION, assignment)
    if term not in Term.Code.values:
        raise CorrectionError(_("Unknown term."))
    errors: dict[str, str] = {}
    reason = " ".join((reason or "").split())
    if not reason:
        errors["reason"] = _("State why the scores must change.")
    elif len(reason) > 500:
        errors["reason"] = _("At most %(n)d characters.") % {"n": 500}
    checked = []
    if not files:
        errors["evidence"] = _(
            "Attach the evidence: a photo or scan of your gradebook and of the student's test paper."
        )
    elif len(files) > settings.EVIDENCE_MAX_FILES:
        errors["evidence"] = _("At most %(n)d files.") % {"n": settings.EVIDENCE_MAX_FILES}
    else:
        try:
            checked = [check_evidence(f) for f in files]
        except CorrectionError as exc:
            errors["evidence"] = str(exc)

    pupils: dict[uuid.UUID | None, int] = dict(
        Enrolment.objects.filter(classroom_id=assignment.classroom_id).values_list("uuid", "pk")
    )
    locked = locked_columns(assignment, term)
    pending = open_cells(assignment, term)
    saved = _saved_scores(assignment, term)
    changes: list[RequestedChange] = []
    for cell in cells:
        enrolment_id = pupils.get(_uuid_or_none(cell.enrolment))
        decided = decide_requested_cell(
            cell,
            enrolment_id=enrolment_id,
            subject_kind=assignment.subject.kind,
            locked=locked,
            pending=pending,
            saved=saved.get((enrolment_id, cell.column)) if enrolment_id is not None else None,
        )
        if isinstance(decided, str):
            errors[f"{cell.enrolment}:{cell.column}"] = decided
        else:
            changes.append(decided)
    if not changes and not any(":" in k for k in errors):
        errors["cells"] = _("Type the corrected value in at least one locked cell.")
    if errors:
        raise CorrectionError(_("The request was not sent; see the marked fields."), errors)

    deadline = correction_deadline(assignment, term)
    now = timezone.now()
    with transaction.atomic():
        correction = CorrectionRequest(
            assignment=assignment,
            term=term,
            requested_by=actor,
            requested_at=now,
            reason=reason,
            deadline=deadline,
            late=deadline is not None and timezone.localdate(now) > deadline,
        )
        attribute(correction, actor)
        correction.save()
        items = []
        for change in changes:
            item = CorrectionItem(
                request=correction,
                enrolment_id=change.enrolment_id,
                kind=change.kind,
                index=change.index,
                old_value=change.old[0],
                old_level=change.old[1],
                old_version=change.old_version,
                new_value=change.new[0],
                new_level=change.new[1],
                reason=reason[:300],
            )
            attribute(item, actor)
            item.save()
            items.append(item)
        for f in checked:
            evidence = CorrectionEvidence(
                request=correction,
                original_name=f.name,
                content_type=f.content_type,
                extension=f.extension,
                size=f.size,
                sha256=f.sha256,
                uploaded_by=actor,
            )
            evidence.file.save(f.name, f.upload, save=False)
            evidence.save()
        record(
            AuditEvent.Action.CORRECTION_REQUESTED,
            actor=actor,
            ip=ip,
            school=assignment.classroom.school_year.school,
            obj=correction,
            assignment=str(assignment),
            term=term,
            cells=[_describe(i) for i in items],
            evidence=[f.sha256 for f in checked],
            late=correction.late,
        )
    return correction


def decide_correction(
    by: Actor | User,
    correction: CorrectionRequest,
    *,
    approve: bool,
    note: str = "",
    approved_items: set[int] | None = None,
    late_override_reason: str = "",
) -> CorrectionRequest:
    """The principal approves (all cells, or the ones named) or rejects with a note."""
    actor, ip = acting(by)
    authz.check(actor, Action.DECIDE_CORRECTION, correction)
    note = " ".join((note or "").split())[:500]
    override = " ".join((late_override_reason or "").split())[:500]
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionRequest.Status.SUBMITTED:
            raise CorrectionError(_("This request was already decided."), conflict=True)
        items = list(correction.items.select_related("enrolment__student"))
        chosen: set[int] = set()
        if approve:
            if correction.late and not override:
                raise CorrectionError(
                    errors={
                        "late_override_reason": _(
                            "The request came after the last day for corrections (%(date)s): "
                            "state why you allow it."
                        )
                        % {"date": correction.deadline.strftime("%d/%m/%Y") if correction.deadline else ""}
                    }
                )
            chosen = {i.pk for i in items} if approved_items is None else set(approved_items)
            if not chosen & {i.pk for i in items}:
                raise CorrectionError(
                    errors={"items": _("Approve at least one cell, or reject the request.")}
                )
        elif not note:
            raise CorrectionError(errors={"note": _("Say why the request is rejected.")})
        for item in items:
            item.approved = approve and item.pk in chosen
            attribute(item, actor)
            item.save(update_fields=["approved"])
        correction.status = (
            CorrectionRequest.Status.APPROVED if approve else CorrectionRequest.Status.REJECTED
        )
        correction.decided_by = actor
        correction.decided_at = timezone.now()
        correction.decision_note = note
        correction.late_override_reason = override if approve and correction.late else ""
        attribute(correction, actor)
        correction.save()
        record(
            AuditEvent.Action.CORRECTION_APPROVED if approve else AuditEvent.Action.CORRECTION_REJECTED,
            actor=actor,
            ip=ip,
            school=correction.assignment.classroom.school_year.school,
            obj=correction,
            note=note,
            approved=[_describe(i) for i in items if i.approved],
            late_override_reason=correction.late_override_reason,
        )
    return correction


def board_members(school):
    """Who may witness a correction for the board (BGH: the principal and vice principals)."""
    return RoleAssignment.objects.filter(school=school, role__in=SCHOOL_BOARD_ROLES).select_related("user")


def suggested_record_number(correction: CorrectionRequest) -> str:
    year = correction.assignment.classroom.school_year
    done = CorrectionRequest.objects.filter(
        assignment__classroom__school_year=year, status=CorrectionRequest.Status.APPLIED
    ).count()
    return f"{done + 1:02d}/BB-SĐ"


def apply_correction(
    by: Actor | User,
    correction: CorrectionRequest,
    *,
    witness_board,
    requester_present: bool,
    record_number: str,
    witness_homeroom=None,
    secretary: str = "",
) -> CorrectionRequest:
    """The admin board writes the approved cells, witnessed; the lock stays in force throughout."""
    actor, ip = acting(by)
    authz.check(actor, Action.APPLY_CORRECTION, correction)
    school = correction.assignment.classroom.school_year.school
    errors = {}
    if witness_board is None or not board_members(school).filter(user=witness_board).exists():
        errors["witness_board"] = _("Choose the board member who witnesses the change.")
    elif witness_board.pk in (correction.requested_by_id, actor.pk):
        # four eyes at least: the board's witness is neither the teacher who asked nor the one applying
        errors["witness_board"] = _(
            "The board's witness must be someone other than the requester and the admin board member applying it."
        )
    if not requester_present:
        errors["requester_present"] = _("The requester must witness the change.")
    record_number = " ".join((record_number or "").split())[:40]
    if not record_number:
        errors["record_number"] = _("Give the number of the correction record.")
    elif (
        CorrectionRequest.objects.filter(
            assignment__classroom__school_year_id=correction.assignment.classroom.school_year_id,
            record_number=record_number,
        )
        .exclude(pk=correction.pk)
        .exists()
    ):
        errors["record_number"] = _("This record number is already used this school year.")
    if errors:
        raise CorrectionError(_("The correction was not applied; see the marked fields."), errors)
    with transaction.atomic():
        # the grid's writers of this class-subject wait for this transaction (same row lock)
        TeachingAssignment.objects.select_for_update().only("pk").get(pk=correction.assignment_id)
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionRequest.Status.APPROVED:
            raise CorrectionError(_("Only an approved request can be applied."), conflict=True)
        # checked again on the row as it stands: whoever asked for or approved it does not apply it
        authz.check(actor, Action.APPLY_CORRECTION, correction)
        assignment = correction.assignment
        items = [i for i in correction.items.select_related("enrolment__student") if i.approved]
        saved = _saved_scores(assignment, correction.term, [i.enrolment_id for i in items])
        held = {
            key_of(kind, index): held_on
            for kind, index, held_on in AssessmentColumn.objects.filter(
                assignment=assignment, term=correction.term
            ).values_list("kind", "index", "held_on")
        }
        now = timezone.now()
        why = _("Correction %(number)s: %(reason)s") % {"number": record_number, "reason": correction.reason}
        rows: list[ScoreRow] = []
        for item in items:
            key = key_of(item.kind, item.index)
            decided = decide_applied_cell(
                ApprovedCell(
                    item.enrolment_id,
                    item.kind,
                    item.index,
                    item.old_version,
                    (item.new_value, item.new_level),
                    item.enrolment.student.full_name,
                ),
                saved.get((item.enrolment_id, key)),
                assignment_id=assignment.pk,
                term=correction.term,
                held_on=held.get(key),
                author_id=actor.pk,
                now=now,
                reason=why[:REASON_MAX],
            )
            if isinstance(decided, str):
                raise CorrectionError(decided, conflict=True)
            rows.append(decided)
        write_scores(rows, user=actor, when=now, history={"ip_address": ip, "correction_id": correction.pk})
        for item in items:
            item.applied = True
            attribute(item, actor)
            item.save(update_fields=["applied"])
        correction.status = CorrectionRequest.Status.APPLIED
        correction.applied_by = actor
        correction.applied_at = now
        correction.witness_board = witness_board
        correction.requester_present = True
        correction.witness_homeroom = witness_homeroom
        correction.secretary = " ".join((secretary or "").split())[:150]
        correction.record_number = record_number
        attribute(correction, actor)
        correction.save()
        record(
            AuditEvent.Action.CORRECTION_APPLIED,
            actor=actor,
            ip=ip,
            school=school,
            obj=correction,
            record_number=record_number,
            cells=[_describe(i) for i in items],
            witnesses=[
                witness_board.get_username(),
                actor.get_username(),
                correction.requested_by.get_username(),
            ],
            still_locked=bool(locked_columns(assignment, correction.term)),
        )
    return correction


def _saved_scores(
    assignment: TeachingAssignment, term: str, enrolment_ids: list[int] | None = None
) -> dict[tuple[int, str], SavedScore]:
    scores = Score.objects.filter(assignment=assignment, term=term)
    if enrolment_ids is not None:
        scores = scores.filter(enrolment_id__in=enrolment_ids)
    return {
        (s.enrolment_id, key_of(s.kind, s.index)): s
        for s in (SavedScore(*row) for row in scores.values_list(*SAVED_SCORE_FIELDS))
    }


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def _describe(item: CorrectionItem) -> str:
    old = display_value(item.old_value, item.old_level) or "∅"
    new = display_value(item.new_value, item.new_level) or "∅"
    return f"{item.enrolment.student.full_name} {key_label(key_of(item.kind, item.index))}: {old} → {new}"
