"""Sửa điểm: changing scores of a locked period.

The teacher files a request (Giấy đề nghị thay đổi thông tin) naming the cells, the value asked for, the
reason and the evidence — the personal gradebook and the student's test paper (seeds 002 I.6, 003 Đ7.4).
The principal approves (cell by cell) or rejects with a note; the last day for corrections is a number of
days (the school's setting, one week by default) before the term's end-of-term test, and a later request
is approved only with the principal's stated reason for allowing it (seeds 002, 003). The admin board
applies an approved request in front of the witnesses — a board member, the admin board member and the
requester (seed 002 I.6): only the approved cells are written, in one transaction, each with a history
row pointing to the request. The lock is never lifted, so the period is locked again at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from accounts.models import SCHOOL_BOARD_ROLES, RoleAssignment
from audit.models import AuditEvent
from audit.services import client_ip, record
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
from gradebook.services.bulk_history import REASON_MAX, upsert_with_history
from gradebook.services.locks import lock_state
from gradebook.services.scores import CellError, column_of, columns_for, display_value, key_of, parse_cell


class CorrectionError(Exception):
    """A correction step refused; `errors` maps a form field (or a cell "enrolment:column") to its
    message, for the page to show next to the field."""

    def __init__(self, message: str = "", errors: dict[str, str] | None = None):
        self.errors = errors or {}
        super().__init__(message or next(iter(self.errors.values()), ""))


@dataclass
class RequestedCell:
    enrolment: str  # enrolment uuid
    column: str  # "tx1", "gk", "ck"
    value: str  # the value asked for, as typed ("8,5", "Đ", "" to clear)


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
    upload: object
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
    return {key for key in keys if held.get(key) and held[key] <= state.month_until}


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
    actor,
    assignment: TeachingAssignment,
    term: str,
    cells: list[RequestedCell],
    *,
    reason: str,
    files: list,
    request=None,
) -> CorrectionRequest:
    """The teacher files a request for locked cells of their own class-subject."""
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

    enrolments = {str(e.uuid): e for e in Enrolment.objects.filter(classroom_id=assignment.classroom_id)}
    locked = locked_columns(assignment, term)
    pending = open_cells(assignment, term)
    scores = {
        (s.enrolment_id, key_of(s.kind, s.index)): s
        for s in Score.objects.filter(assignment=assignment, term=term)
    }
    items: list[CorrectionItem] = []
    for cell in cells:
        key = f"{cell.enrolment}:{cell.column}"
        enrolment = enrolments.get(cell.enrolment)
        try:
            kind, index = column_of(cell.column)
        except ValueError:
            enrolment = None
        if enrolment is None:
            errors[key] = _("This cell is not part of the grid.")
            continue
        if cell.column not in locked:
            errors[key] = _("This column is not locked: change it in the score grid, with a reason.")
            continue
        if (enrolment.pk, cell.column) in pending:
            errors[key] = _("This cell is already in a request awaiting a decision.")
            continue
        try:
            value, level = parse_cell(assignment.subject.kind, cell.value)
        except CellError as exc:
            errors[key] = str(exc)
            continue
        current = scores.get((enrolment.pk, cell.column))
        old = (current.value, current.level) if current else (None, "")
        if (value, level) == old:
            errors[key] = _("The new value is the value already entered.")
            continue
        items.append(
            CorrectionItem(
                enrolment=enrolment,
                kind=kind,
                index=index,
                old_value=old[0],
                old_level=old[1],
                old_version=current.version if current else 0,
                new_value=value,
                new_level=level,
                reason=reason[:300],
            )
        )
    if not items and not any(":" in k for k in errors):
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
        correction._history_user = actor
        correction.save()
        for item in items:
            item.request = correction
            item._history_user = actor
            item.save()
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
            request=request,
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
    actor,
    correction: CorrectionRequest,
    *,
    approve: bool,
    note: str = "",
    approved_items: set[int] | None = None,
    late_override_reason: str = "",
    request=None,
) -> CorrectionRequest:
    """The principal approves (all cells, or the ones named) or rejects with a note."""
    authz.check(actor, Action.DECIDE_CORRECTION, correction)
    note = " ".join((note or "").split())[:500]
    override = " ".join((late_override_reason or "").split())[:500]
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionRequest.Status.SUBMITTED:
            raise CorrectionError(_("This request was already decided."))
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
                        % {"date": correction.deadline.strftime("%d/%m/%Y")}
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
            item._history_user = actor
            item.save(update_fields=["approved"])
        correction.status = (
            CorrectionRequest.Status.APPROVED if approve else CorrectionRequest.Status.REJECTED
        )
        correction.decided_by = actor
        correction.decided_at = timezone.now()
        correction.decision_note = note
        correction.late_override_reason = override if approve and correction.late else ""
        correction._history_user = actor
        correction.save()
        record(
            AuditEvent.Action.CORRECTION_APPROVED if approve else AuditEvent.Action.CORRECTION_REJECTED,
            actor=actor,
            request=request,
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
    actor,
    correction: CorrectionRequest,
    *,
    witness_board,
    requester_present: bool,
    record_number: str,
    witness_homeroom=None,
    secretary: str = "",
    request=None,
) -> CorrectionRequest:
    """The admin board writes the approved cells, witnessed; the lock stays in force throughout."""
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

    ip = client_ip(request)
    with transaction.atomic():
        # the grid's writers of this class-subject wait for this transaction (same row lock)
        TeachingAssignment.objects.select_for_update().only("pk").get(pk=correction.assignment_id)
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionRequest.Status.APPROVED:
            raise CorrectionError(_("Only an approved request can be applied."))
        # checked again on the row as it stands: whoever asked for or approved it does not apply it
        authz.check(actor, Action.APPLY_CORRECTION, correction)
        assignment = correction.assignment
        items = [i for i in correction.items.select_related("enrolment__student") if i.approved]
        scores = {
            (s.enrolment_id, s.kind, s.index): s
            for s in Score.objects.filter(
                assignment=assignment, term=correction.term, enrolment_id__in=[i.enrolment_id for i in items]
            )
        }
        columns = {
            (c.kind, c.index): c.held_on
            for c in AssessmentColumn.objects.filter(assignment=assignment, term=correction.term)
        }
        now = timezone.now()
        new, changed = [], []
        for item in items:
            score = scores.get((item.enrolment_id, item.kind, item.index))
            if (score.version if score else 0) != item.old_version:
                raise CorrectionError(
                    _(
                        "The score of %(name)s (%(column)s) changed after the request: "
                        "the teacher files a new request."
                    )
                    % {
                        "name": item.enrolment.student.full_name,
                        "column": key_of(item.kind, item.index).upper(),
                    }
                )
            if score is None:
                score = Score(
                    assignment=assignment,
                    enrolment=item.enrolment,
                    term=correction.term,
                    kind=item.kind,
                    index=item.index,
                    version=0,
                    held_on=columns.get((item.kind, item.index)),
                    first_entered_at=now,
                )
                new.append(score)
            else:
                changed.append(score)
            score.value, score.level = item.new_value, item.new_level
            score.version += 1
            score.updated_by = actor
            score.updated_at = now
        written = new + changed
        why = _("Correction %(number)s: %(reason)s") % {"number": record_number, "reason": correction.reason}
        upsert_with_history(
            Score,
            written,
            unique_fields=["assignment", "enrolment", "term", "kind", "index"],
            reasons=[why[:REASON_MAX]] * len(written),
            created=[True] * len(new) + [False] * len(changed),
            user=actor,
            when=now,
            extra_history={"ip_address": ip, "correction_id": correction.pk},
        )
        for item in items:
            item.applied = True
            item._history_user = actor
            item.save(update_fields=["applied"])
        correction.status = CorrectionRequest.Status.APPLIED
        correction.applied_by = actor
        correction.applied_at = now
        correction.witness_board = witness_board
        correction.requester_present = True
        correction.witness_homeroom = witness_homeroom
        correction.secretary = " ".join((secretary or "").split())[:150]
        correction.record_number = record_number
        correction._history_user = actor
        correction.save()
        record(
            AuditEvent.Action.CORRECTION_APPLIED,
            actor=actor,
            request=request,
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


def _describe(item: CorrectionItem) -> str:
    old = display_value(item.old_value, item.old_level) or "∅"
    new = display_value(item.new_value, item.new_level) or "∅"
    return f"{item.enrolment.student.full_name} {key_of(item.kind, item.index).upper()}: {old} → {new}"
