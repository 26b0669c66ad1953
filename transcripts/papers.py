"""The content of the papers that are stored and signed like the books (docs/forms.md §7, §8): the
correction request (giấy đề nghị), the correction record (biên bản sửa điểm) and the public quality
report. Each signer's block names its anchor (`key`), where the signature is drawn."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import Role, RoleAssignment
from accounts.selectors import principal_of
from gradebook.models import CorrectionRequest, SchoolYear, Term
from gradebook.selectors.corrections import request_rows
from gradebook.selectors.quality_report import quality_report
from gradebook.services.corrections import locked_columns
from transcripts.pdf import SIGN, SIGN_AND_SEAL, date_line, long_date, signer

TERMS = {Term.Code.HK1: "I", Term.Code.HK2: "II"}
DECISION = {True: "Đồng ý", False: "Không đồng ý", None: "Chưa quyết định"}


def _keyed(block: dict, key: str, *, seal: bool = False) -> dict:
    return {**block, "key": key, "seal": seal}


def _correction_context(correction: CorrectionRequest) -> dict:
    evidence = list(correction.evidence.all())
    return {
        "c": correction,
        "school": correction.assignment.classroom.school_year.school,
        "term_name": TERMS.get(correction.term, Term.Code(correction.term).label),
        "evidence_count": len(evidence),
        "evidence_names": ", ".join(e.original_name for e in evidence),
    }


def correction_request(correction: CorrectionRequest) -> dict:
    """Giấy đề nghị thay đổi thông tin (§7.1): every cell asked for with the principal's decision on it,
    the reasons whole."""
    context = _correction_context(correction)
    context["rows"] = request_rows(correction)
    context["decisions"] = DECISION
    context["request_date_line"] = date_line(
        context["school"].printed_place, timezone.localtime(correction.requested_at).date()
    )
    decided = correction.status in (CorrectionRequest.Status.APPROVED, CorrectionRequest.Status.APPLIED)
    rejected = correction.status == CorrectionRequest.Status.REJECTED
    approval = [f"{'☒' if decided else '☐'} Đồng ý   {'☒' if rejected else '☐'} Không đồng ý"]
    if correction.decision_note:
        approval.append(correction.decision_note)
    if correction.late_override_reason:
        approval.append(f"Cho phép sửa sau hạn: {correction.late_override_reason}")
    homeroom = correction.assignment.classroom.homeroom_teacher
    principal = correction.decided_by or principal_of(context["school"])
    context["signers"] = [
        _keyed(
            signer("Người đề nghị", SIGN, name=correction.requested_by.full_name),
            f"person-{correction.requested_by_id}",
        ),
        _keyed(
            signer("Xác nhận của giáo viên chủ nhiệm", SIGN, name=homeroom.full_name if homeroom else ""),
            "homeroom",
        ),
        _keyed(
            signer(
                "Ý kiến phê duyệt của Hiệu trưởng",
                *[("plain", line) for line in approval],
                "Hiệu trưởng",
                SIGN_AND_SEAL,
                name=principal.full_name if principal else "",
            ),
            "principal",
        ),
    ]
    return context


def correction_record(correction: CorrectionRequest) -> dict:
    """Biên bản sửa điểm of an applied request (§7.2)."""
    context = _correction_context(correction)
    rows = request_rows(correction)
    applied = timezone.localtime(correction.applied_at)
    is_principal = RoleAssignment.objects.filter(
        user=correction.witness_board, school=context["school"], role=Role.PRINCIPAL
    ).exists()
    context.update(
        rows=[r for r in rows if r.item.applied],
        not_approved="; ".join(f"{r.student} ({r.column})" for r in rows if not r.item.applied),
        applied=applied,
        applied_day=long_date(applied.date()),
        board_title="Hiệu trưởng" if is_principal else "Phó Hiệu trưởng",
        signers=[
            signer("Thư ký", SIGN, name=correction.secretary),
            _keyed(
                signer("Người đề nghị", SIGN, name=correction.requested_by.full_name),
                f"person-{correction.requested_by_id}",
            ),
            _keyed(
                signer("Quản trị hệ thống", SIGN, name=correction.applied_by.full_name),
                f"person-{correction.applied_by_id}",
            ),
            *(
                [
                    _keyed(
                        signer("Giáo viên chủ nhiệm", SIGN, name=correction.witness_homeroom.full_name),
                        f"person-{correction.witness_homeroom_id}",
                    )
                ]
                if correction.witness_homeroom_id
                and correction.witness_homeroom_id
                not in (correction.requested_by_id, correction.applied_by_id)
                else []
            ),
            _keyed(
                signer(
                    "Chủ trì",
                    "Hiệu trưởng" if is_principal else "Phó Hiệu trưởng",
                    SIGN_AND_SEAL,
                    name=correction.witness_board.full_name,
                ),
                f"person-{correction.witness_board_id}",
                seal=True,
            ),
        ],
        still_locked=bool(locked_columns(correction.assignment, correction.term)),
    )
    return context


def quality_report_paper(school, year: SchoolYear) -> dict:
    """Công khai chất lượng giáo dục of one school year (§8)."""
    principal = principal_of(school)
    return {
        "school": school,
        "year": year,
        "report": quality_report(year),
        "date_line": date_line(school.printed_place, timezone.localdate()),
        "signers": [
            _keyed(
                signer(
                    "Thủ trưởng đơn vị",
                    ("italic", "(Ký tên và đóng dấu)"),
                    name=principal.full_name if principal else "",
                ),
                "principal",
            )
        ],
    }


def named_signers(correction: CorrectionRequest, kind: str) -> list[list]:
    """The people who sign a correction paper by name, in order, before the roles that follow."""
    if kind == "correction_request":
        return [[correction.requested_by_id, "Người đề nghị"]]
    # everyone recorded as present signs the record (the secretary, named by text, signs the paper copy)
    present = [
        [correction.requested_by_id, "Người đề nghị"],
        [correction.applied_by_id, "Quản trị hệ thống"],
    ]
    if correction.witness_homeroom_id and correction.witness_homeroom_id not in (
        correction.requested_by_id,
        correction.applied_by_id,
    ):
        present.append([correction.witness_homeroom_id, "Giáo viên chủ nhiệm"])
    return [*present, [correction.witness_board_id, "Chủ trì"]]
