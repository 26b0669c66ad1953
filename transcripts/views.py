"""Printed forms handed out as PDF (A4, docs/forms.md). Views check the right, build the context from the
selectors and hand the rendering to `transcripts.pdf`."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts import authz
from accounts.authz import Action
from accounts.models import RoleAssignment, User
from accounts.selectors import principal_of
from accounts.tenancy import current_school, school_or_404
from audit import seals
from audit.models import ChainSeal
from audit.selectors import ScoreChangeFilter, score_changes
from gradebook.models import Classroom, CorrectionRequest, SchoolYear
from gradebook.selectors.corrections import visible_correction
from gradebook.selectors.structure import current_year_or_404
from gradebook.services import data_check
from gradebook.services.homeroom import add_months, parse_month
from sodiem.http import uuid_or_404
from transcripts.documents import Kind, Target, current_document, current_or_issue
from transcripts.pdf import SIGN, SIGN_AND_SEAL, date_line, pdf_response, signer, stored_pdf_response


def _correction(request, correction_uuid) -> CorrectionRequest:
    return visible_correction(request.user, current_school(request), correction_uuid)


def _paper(request, kind: str, school, year, correction=None):
    """A paper stored like the books. POST prints it — issued now, or the stored one when it still
    states the same — and opens its file; GET opens the stored one while it is current, else a page
    with the button that prints it (a GET never writes)."""
    classroom = correction.assignment.classroom if correction else None  # its homeroom teacher signs
    target = Target(kind, school, year, classroom=classroom, correction=correction)
    if request.method == "POST":
        document = current_or_issue(target, user=request.user)
        return redirect("document_file", document_uuid=document.uuid)
    document = current_document(target)
    if document is not None:
        return stored_pdf_response(request, document)
    return render(
        request, "transcripts/paper_print.html", {"title": target.title, "action": request.get_full_path()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def correction_request_pdf(request, correction_uuid):
    """Giấy đề nghị thay đổi thông tin (docs/forms.md §7.1), stored and signable like the books."""
    correction = _correction(request, correction_uuid)
    classroom = correction.assignment.classroom
    return _paper(
        request, Kind.CORRECTION_REQUEST, classroom.school_year.school, classroom.school_year, correction
    )


@login_required
@require_http_methods(["GET", "POST"])
def correction_record_pdf(request, correction_uuid):
    """Biên bản sửa điểm of an applied request (docs/forms.md §7.2), stored and signable."""
    correction = _correction(request, correction_uuid)
    if correction.status != CorrectionRequest.Status.APPLIED:
        raise Http404
    classroom = correction.assignment.classroom
    return _paper(
        request, Kind.CORRECTION_RECORD, classroom.school_year.school, classroom.school_year, correction
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
@require_http_methods(["GET", "POST"])
def quality_report_pdf(request):
    """Công khai chất lượng giáo dục (docs/forms.md §8) of the current school year, or of the finished
    year chosen (`?year=2025`: schools publish the previous year's before 30/6 and keep it five years)."""
    school = school_or_404(request)
    authz.check(request.user, Action.VIEW_STATISTICS, school)
    year = current_year_or_404(school)
    chosen = request.POST.get("year") or request.GET.get("year")
    if chosen:
        try:
            start_year = int(chosen)
        except ValueError:
            raise Http404 from None
        year = get_object_or_404(SchoolYear, school=school, start_year=start_year)
    return _paper(request, Kind.QUALITY_REPORT, school, year)


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
