"""Sửa điểm screens: the teacher's request, the principal's decision, the admin board's application,
and the evidence, served only to those with the right."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import authz
from accounts.authz import Action
from accounts.models import STAFF_ROLES, User
from accounts.tenancy import current_school, school_or_404
from audit.models import AuditEvent
from audit.services import record
from gradebook.forms import CorrectionApplyForm, CorrectionDecisionForm, CorrectionRequestForm
from gradebook.models import CorrectionEvidence, CorrectionRequest, TeachingAssignment, Term
from gradebook.selectors.corrections import correction_requests, request_rows, visible_correction
from gradebook.selectors.grid import grid as grid_data
from gradebook.services import corrections as service
from gradebook.services.corrections import CorrectionError, RequestedCell
from sodiem.domain import Actor

TERMS = dict(Term.Code.choices)


def _correction(request, correction_uuid) -> CorrectionRequest:
    return visible_correction(request.user, current_school(request), correction_uuid)


@login_required
@require_safe
def correction_list(request):
    school = school_or_404(request)
    authz.check(request.user, Action.VIEW_SCHOOL, school)
    status = request.GET.get("status", "")
    return render(
        request,
        "gradebook/corrections.html",
        {
            "requests": correction_requests(request.user, school, status=status),
            "statuses": CorrectionRequest.Status.choices,
            "status": status,
        },
    )


@login_required
def correction_new(request, assignment_uuid, term):
    if term not in TERMS:
        raise Http404
    assignment = get_object_or_404(
        TeachingAssignment.objects.select_related("classroom__school_year__school", "subject", "teacher"),
        uuid=assignment_uuid,
    )
    authz.check(request.user, Action.REQUEST_CORRECTION, assignment)
    locked = service.locked_columns(assignment, term)
    form = CorrectionRequestForm(request.POST or None)
    typed = (
        {
            f"{row}:{column}": value.strip()
            for (row, column), value in form.cells("cell").items()
            if value.strip()
        }
        if form.is_valid()
        else {}
    )
    errors: dict[str, str] = {}
    message = ""
    if request.method == "POST":
        cells = [RequestedCell(*key.split(":", 1), value) for key, value in typed.items() if ":" in key]
        try:
            correction = service.request_correction(
                Actor.of(request),
                assignment,
                term,
                cells,
                reason=form.cleaned_data.get("reason", "") if form.is_valid() else "",
                files=request.FILES.getlist("evidence"),
            )
        except CorrectionError as exc:
            errors, message = exc.errors, str(exc)
        else:
            messages.success(request, _("The request is sent to the principal."))
            return redirect("correction_detail", correction.uuid)
    data = grid_data(assignment, term)
    for row in data["rows"]:
        for cell in row.cells:
            cell.correctable = row.studying and cell.key in locked
            cell.typed = typed.get(f"{row.enrolment.uuid}:{cell.key}", "")
            cell.error = errors.get(f"{row.enrolment.uuid}:{cell.key}", "")
    return render(
        request,
        "gradebook/correction_new.html",
        {
            "assignment": assignment,
            "term": term,
            "term_name": TERMS[term],
            "locked": locked,
            "deadline": service.correction_deadline(assignment, term),
            "errors": errors,
            "message": message,
            "reason": request.POST.get("reason", ""),
            "max_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
            **data,
        },
    )


def _detail_context(request, correction, decide_form=None, apply_form=None) -> dict:
    school = correction.assignment.classroom.school_year.school
    user = request.user
    context = {
        "correction": correction,
        "rows": request_rows(correction),
        "evidence": list(correction.evidence.all()),
        "term_name": TERMS[correction.term],
    }
    if correction.status == CorrectionRequest.Status.SUBMITTED and authz.can(
        user, Action.DECIDE_CORRECTION, correction
    ):
        form = decide_form or CorrectionDecisionForm(correction=correction)
        context["decide_form"] = form
        context["checked"] = {str(pk) for pk in (form["items"].value() or [])}
    if correction.status == CorrectionRequest.Status.APPROVED and authz.can(
        user, Action.APPLY_CORRECTION, correction
    ):
        context["apply_form"] = apply_form or _apply_form(correction, school, applier=user)
    return context


def _apply_form(correction, school, data=None, *, applier=None) -> CorrectionApplyForm:
    # the board's witness is neither the requester nor the one applying (separation of duties)
    board = (
        User.objects.filter(pk__in=service.board_members(school).values("user_id"))
        .exclude(pk__in=[correction.requested_by_id, getattr(applier, "pk", None)])
        .order_by("full_name")
    )
    staff = (
        User.objects.filter(role_assignments__school=school, role_assignments__role__in=STAFF_ROLES)
        .distinct()
        .order_by("full_name")
    )
    form = CorrectionApplyForm(
        data, board=board, homeroom=staff, suggested_number=service.suggested_record_number(correction)
    )
    if data is None:
        form.initial["witness_homeroom"] = correction.assignment.classroom.homeroom_teacher_id
    return form


@login_required
@require_safe
def correction_detail(request, correction_uuid):
    correction = _correction(request, correction_uuid)
    return render(request, "gradebook/correction_detail.html", _detail_context(request, correction))


@login_required
@require_POST
def correction_decide(request, correction_uuid):
    correction = _correction(request, correction_uuid)
    authz.check(request.user, Action.DECIDE_CORRECTION, correction)
    form = CorrectionDecisionForm(request.POST, correction=correction)
    if form.is_valid():
        data = form.cleaned_data
        try:
            service.decide_correction(
                Actor.of(request),
                correction,
                approve=data["decision"] == "approve",
                note=data["note"],
                approved_items=set(data["items"]),
                late_override_reason=data.get("late_override_reason", ""),
            )
        except CorrectionError as exc:
            exc.add_to(form)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("correction_detail", correction.uuid)
    context = _detail_context(request, correction, decide_form=form)
    return render(request, "gradebook/correction_detail.html", context, status=400)


@login_required
@require_POST
def correction_apply(request, correction_uuid):
    correction = _correction(request, correction_uuid)
    authz.check(request.user, Action.APPLY_CORRECTION, correction)
    school = correction.assignment.classroom.school_year.school
    form = _apply_form(correction, school, request.POST, applier=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            service.apply_correction(Actor.of(request), correction, **data)
        except CorrectionError as exc:
            exc.add_to(form)
        else:
            messages.success(request, _("The correction is made; the period stays locked."))
            return redirect("correction_detail", correction.uuid)
    context = _detail_context(request, correction, apply_form=form)
    return render(request, "gradebook/correction_detail.html", context, status=400)


@login_required
@require_safe
def correction_evidence(request, correction_uuid, evidence_id):
    correction = _correction(request, correction_uuid)
    evidence = get_object_or_404(CorrectionEvidence, pk=evidence_id, request=correction)
    record(
        AuditEvent.Action.EVIDENCE_VIEWED,
        actor=Actor.of(request),
        school=correction.assignment.classroom.school_year.school,
        obj=correction,
        file=evidence.original_name,
        sha256=evidence.sha256,
    )
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=evidence.content_type == "application/pdf" and "download" in request.GET,
        filename=evidence.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    return response
