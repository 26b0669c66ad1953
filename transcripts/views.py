"""Printed forms handed out as PDF (A4, docs/forms.md). Views check the right, build the context from the
selectors and hand the rendering to `transcripts.pdf`."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts import authz
from accounts.authz import Action
from accounts.models import Role, RoleAssignment, User
from accounts.selectors import principal_of
from accounts.tenancy import current_school, school_or_404
from audit import seals
from audit.models import ChainSeal
from audit.selectors import ScoreChangeFilter, score_changes
from gradebook.models import Classroom, CorrectionRequest, Term
from gradebook.selectors.corrections import request_rows, visible_correction
from gradebook.selectors.quality_report import quality_report
from gradebook.selectors.structure import current_year_or_404
from gradebook.services import data_check
from gradebook.services.corrections import locked_columns
from gradebook.services.homeroom import add_months, parse_month
from sodiem.http import uuid_or_404
from transcripts.pdf import SIGN, SIGN_AND_SEAL, date_line, long_date, pdf_response, signer

TERMS = {Term.Code.HK1: "I", Term.Code.HK2: "II"}


def _correction(request, correction_uuid) -> CorrectionRequest:
    return visible_correction(request.user, current_school(request), correction_uuid)


def _correction_context(correction) -> dict:
    evidence = list(correction.evidence.all())
    return {
        "c": correction,
        "school": correction.assignment.classroom.school_year.school,
        "term_name": TERMS.get(correction.term, Term.Code(correction.term).label),
        "evidence_count": len(evidence),
        "evidence_names": ", ".join(e.original_name for e in evidence),
    }


@login_required
@require_safe
def correction_request_pdf(request, correction_uuid):
    """Giấy đề nghị thay đổi thông tin (docs/forms.md §7.1)."""
    correction = _correction(request, correction_uuid)
    context = _correction_context(correction)
    context["rows"] = request_rows(correction)
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
    context["signers"] = [
        signer("Người đề nghị", SIGN, name=correction.requested_by.full_name),
        signer("Xác nhận của giáo viên chủ nhiệm", SIGN, name=homeroom.full_name if homeroom else ""),
        signer(
            "Ý kiến phê duyệt của Hiệu trưởng",
            *[("plain", line) for line in approval],
            "Hiệu trưởng",
            SIGN_AND_SEAL,
            name=correction.decided_by.full_name if correction.decided_by else "",
        ),
    ]
    return pdf_response(
        request,
        "transcripts/correction_request.html",
        context,
        filename=f"giay-de-nghi-sua-diem-{correction.requested_at:%Y%m%d}",
        school=context["school"],
        obj=correction,
        form="correction_request",
    )


@login_required
@require_safe
def correction_record_pdf(request, correction_uuid):
    """Biên bản sửa điểm of an applied request (docs/forms.md §7.2)."""
    correction = _correction(request, correction_uuid)
    if correction.status != CorrectionRequest.Status.APPLIED:
        raise Http404
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
            signer("Người đề nghị", SIGN, name=correction.requested_by.full_name),
            signer("Quản trị hệ thống", SIGN, name=correction.applied_by.full_name),
            signer(
                "Chủ trì",
                "Hiệu trưởng" if is_principal else "Phó Hiệu trưởng",
                SIGN_AND_SEAL,
                name=correction.witness_board.full_name,
            ),
        ],
        still_locked=bool(locked_columns(correction.assignment, correction.term)),
    )
    return pdf_response(
        request,
        "transcripts/correction_record.html",
        context,
        filename=f"bien-ban-sua-diem-{correction.record_number}",
        school=context["school"],
        obj=correction,
        form="correction_record",
    )


@login_required
@require_safe
def correction_log_pdf(request):
    """Nhật ký sửa điểm of a month, for one teacher or all (docs/workflows.md §6: the board prints it
    before the monthly staff meeting). A change of a saved score, by the grid or by a correction."""
    school = school_or_404(request)
    authz.check(request.user, Action.VIEW_ALL_CORRECTIONS, school)
    month = parse_month(request.GET.get("month")) or timezone.localdate().replace(day=1)
    teacher = None
    if request.GET.get("teacher"):
        teacher = get_object_or_404(
            User,
            pk__in=RoleAssignment.objects.filter(school=school).values("user_id"),
            uuid=uuid_or_404(request.GET["teacher"]),
        )
    rows = score_changes(
        school,
        ScoreChangeFilter(
            teacher=teacher.pk if teacher else None,
            date_from=month,
            date_to=add_months(month, 1) - timedelta(days=1),
            modifications_only=True,
        ),
    )
    rows.reverse()  # oldest first on paper
    principal = principal_of(school)
    # the paper anchors the school's chain as it stands now (docs/integrity.md): its head and the time
    seal = seals.seal(school.pk, ChainSeal.Reason.PRINT)
    return pdf_response(
        request,
        "transcripts/correction_log.html",
        {
            "school": school,
            "month": month,
            "teacher": teacher,
            "rows": rows,
            "user": request.user,
            "seal": seal,
            "signers": [
                signer("Người lập", SIGN, name=request.user.full_name),
                signer("Hiệu trưởng", SIGN_AND_SEAL, name=principal.full_name if principal else ""),
            ],
            "date_line": date_line(school.printed_place, timezone.localdate()),
        },
        filename=f"nhat-ky-sua-diem-{month:%Y-%m}" + (f"-{teacher.username}" if teacher else ""),
        school=school,
        form="correction_log",
        obj=teacher,
    )


@login_required
@require_safe
def quality_report_pdf(request):
    """Công khai chất lượng giáo dục of the current school year (docs/forms.md §8.3)."""
    school = school_or_404(request)
    year = current_year_or_404(school)
    authz.check(request.user, Action.VIEW_STATISTICS, school)
    principal = principal_of(school)
    return pdf_response(
        request,
        "transcripts/quality_report.html",
        {
            "school": school,
            "year": year,
            "report": quality_report(year),
            "date_line": date_line(school.printed_place, timezone.localdate()),
            "signers": [
                signer(
                    "Thủ trưởng đơn vị",
                    ("italic", "(Ký tên và đóng dấu)"),
                    name=principal.full_name if principal else "",
                )
            ],
        },
        filename=f"cong-khai-chat-luong-{year.name}",
        school=school,
        form="quality_report",
    )


@login_required
@require_safe
def data_check_record_pdf(request, classroom_uuid):
    """Biên bản kiểm tra dữ liệu đầu năm of a class (docs/forms.md §10): the corrections made between the
    check's opening and its confirmation, signed by the homeroom teacher and the principal."""
    classroom = get_object_or_404(
        Classroom.objects.select_related("school_year__school", "homeroom_teacher"), uuid=classroom_uuid
    )
    school = classroom.school_year.school
    if not authz.can(request.user, Action.VIEW_SETUP, school):  # the BGH, the admin board
        authz.check(request.user, Action.EDIT_PROFILES, classroom)  # else the class's homeroom teacher
    check = data_check.check_of(classroom)
    if check is None or check.confirmed_at is None:
        raise Http404
    confirmed = timezone.localtime(check.confirmed_at)
    principal = principal_of(school)
    context = {
        "school": school,
        "governing_body": school.managing_body(classroom.school_year.start_year),
        "classroom": classroom,
        "check": check,
        "changes": data_check.changes_during(check),
        "students": classroom.enrolments.filter(status="studying").count(),
        "confirmed": confirmed,
        "date_line": date_line(school.printed_place, confirmed.date()),
        "signers": [
            signer(
                "Giáo viên chủ nhiệm", SIGN, name=check.confirmed_by.full_name if check.confirmed_by else ""
            ),
            signer("Hiệu trưởng", SIGN_AND_SEAL, name=principal.full_name if principal else ""),
        ],
    }
    return pdf_response(
        request,
        "transcripts/data_check_record.html",
        context,
        filename=f"bien-ban-kiem-tra-du-lieu-{classroom.name}",
        school=school,
        obj=classroom,
        form="data_check_record",
    )
