"""The homeroom teacher's screens: a month of attendance, conduct of a term or the year."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts import authz
from accounts import services as account_services
from accounts.authz import Action
from accounts.models import Role, RoleAssignment
from accounts.tenancy import school_or_404
from audit.models import AuditEvent
from audit.services import record
from gradebook.excel_statistics import statistics_workbook
from gradebook.models import (
    Award,
    Classroom,
    ConductResult,
    DisciplineNote,
    Enrolment,
    ProgressSnapshot,
    ResultsApproval,
)
from gradebook.selectors import statistics as stats
from gradebook.selectors.class_results import class_results
from gradebook.selectors.homeroom import attendance_sheet, conduct_sheet
from gradebook.selectors.progress import entry_progress
from gradebook.selectors.statistics import school_statistics
from gradebook.selectors.structure import current_year_or_404
from gradebook.selectors.summer import summer_sheet
from gradebook.services import homeroom as service
from gradebook.services import progress as progress_service
from gradebook.services import results as results_service
from gradebook.services import summer as summer_service
from sodiem.domain import Actor
from sodiem.http import uuid_or_404

PERIODS = dict(ConductResult.Period.choices)


def _classroom(request, classroom_uuid) -> Classroom:
    classroom = get_object_or_404(
        Classroom.objects.select_related("school_year__school", "homeroom_teacher"), uuid=classroom_uuid
    )
    authz.check(request.user, Action.VIEW_CLASSROOM, classroom)
    return classroom


def _month(text: str) -> date:
    month = service.parse_month(text)
    if month is None:
        raise Http404
    return month


@login_required
def attendance(request, classroom_uuid, month=None):
    classroom = _classroom(request, classroom_uuid)
    if month is None:
        return redirect("attendance", classroom.uuid, timezone.localdate().strftime("%Y-%m"))
    first = _month(month)
    editable = authz.can(request.user, Action.MANAGE_CLASSROOM, classroom)
    typed, refused, error = {}, {}, ""
    if request.method == "POST":
        authz.check(request.user, Action.MANAGE_CLASSROOM, classroom)
        try:
            if request.POST.get("action") == "confirm":
                service.confirm_attendance_month(request.user, classroom, first)
                messages.success(request, _("The month's attendance is confirmed."))
                return redirect("attendance", classroom.uuid, month)
            for key, value in request.POST.items():
                if key.startswith("a:"):
                    _prefix, enrolment, day = key.split(":", 2)
                    if day.isdigit():
                        typed[(enrolment, int(day))] = value
            report = service.save_attendance(request.user, classroom, first, typed)
        except service.HomeroomError as exc:
            error = str(exc)
        else:
            refused = report.refused
            if not refused:
                messages.success(
                    request,
                    _("Saved: %(saved)d absences recorded, %(removed)d removed.")
                    % {"saved": report.saved, "removed": report.removed},
                )
                return redirect("attendance", classroom.uuid, month)
            error = _("The other cells are saved; the marked cells were refused.")
    sheet = attendance_sheet(classroom, first)
    for row in sheet["rows"]:
        row.inputs = [
            {
                "day": d,
                "value": typed.get((str(row.enrolment.uuid), d.day.day), f"{code} {reason}".strip())
                if typed
                else f"{code} {reason}".strip(),
                "code": code,
                "reason": reason,
                "error": refused.get(f"{row.enrolment.uuid}:{d.day.day}", ""),
            }
            for d, code, reason in row.cells
        ]
    return render(
        request,
        "gradebook/attendance.html",
        {
            "classroom": classroom,
            "editable": editable,
            "error": error,
            "previous": service.add_months(first, -1).strftime("%Y-%m"),
            "next": service.add_months(first, 1).strftime("%Y-%m"),
            **sheet,
        },
        status=400 if error else 200,
    )


@login_required
def conduct(request, classroom_uuid, period):
    classroom = _classroom(request, classroom_uuid)
    if period not in PERIODS or period == ConductResult.Period.SUMMER:
        raise Http404
    editable = authz.can(request.user, Action.MANAGE_CLASSROOM, classroom)
    sheet = conduct_sheet(classroom, period)
    if period == "year" and sheet["derived_year"]:
        editable = False
    refused, error, typed = {}, "", {}
    if request.method == "POST":
        authz.check(request.user, Action.MANAGE_CLASSROOM, classroom)
        typed = {
            row_uuid: (request.POST.get(f"level:{row_uuid}", ""), request.POST.get(f"comment:{row_uuid}", ""))
            for row_uuid in {k.split(":", 1)[1] for k in request.POST if k.startswith(("level:", "comment:"))}
        }
        try:
            refused = service.save_conduct(request.user, classroom, period, typed)
        except service.HomeroomError as exc:
            error = str(exc)
        else:
            if not refused:
                messages.success(request, _("Conduct saved."))
                return redirect("conduct", classroom.uuid, period)
            error = _("The other students are saved; the marked rows were refused.")
        sheet = conduct_sheet(classroom, period)
    for row in sheet["rows"]:
        key = str(row.enrolment.uuid)
        if key in typed:
            row.level, row.comment = typed[key]
        row.error = refused.get(key, "")
    return render(
        request,
        "gradebook/conduct.html",
        {
            "classroom": classroom,
            "period": period,
            "period_name": PERIODS[period],
            "periods": [(p, PERIODS[p]) for p in ("HK1", "HK2", "year")],
            "editable": editable,
            "error": error,
            **sheet,
        },
        status=400 if error else 200,
    )


RESULT_PERIODS = stats.PERIODS


@login_required
def class_results_page(request, classroom_uuid, period):
    classroom = _classroom(request, classroom_uuid)
    if period not in RESULT_PERIODS:
        raise Http404
    error, missing = "", []
    if request.method == "POST":
        # the homeroom teacher reviews and submits, the principal (or a delegate) decides
        if not (
            authz.can(request.user, Action.MANAGE_CLASSROOM, classroom)
            or authz.can(request.user, Action.DECIDE_RESULTS, classroom)
        ):
            raise PermissionDenied(_("You do not have the right to do this."))
        action = request.POST.get("action")
        try:
            if action == "review":
                results_service.review_results(request.user, classroom, period)
                messages.success(request, _("Marked as reviewed: later changes will be flagged."))
            elif action == "submit":
                results_service.submit_results(
                    Actor.of(request), classroom, period, note=request.POST.get("note", "")
                )
                messages.success(request, _("The results are submitted to the principal."))
            elif action in ("approve", "return"):
                results_service.decide_results(
                    Actor.of(request),
                    classroom,
                    period,
                    approve=action == "approve",
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("The decision is recorded."))
            else:
                raise Http404
        except results_service.ResultsError as exc:
            error, missing = str(exc), exc.missing
        else:
            return redirect("class_results", classroom.uuid, period)
    data = class_results(classroom, period)
    approval = data["approval"]
    submitted = approval is not None and approval.status == ResultsApproval.Status.SUBMITTED
    open_for_submit = approval is None or approval.status == ResultsApproval.Status.RETURNED
    return render(
        request,
        "gradebook/class_results.html",
        {
            "classroom": classroom,
            "period": period,
            "period_name": RESULT_PERIODS[period],
            "periods": list(RESULT_PERIODS.items()),
            "may_manage": authz.can(request.user, Action.MANAGE_CLASSROOM, classroom) and open_for_submit,
            "may_decide": submitted and authz.can(request.user, Action.DECIDE_RESULTS, classroom),
            "may_delegate": authz.can(request.user, Action.DELEGATE, classroom),
            "error": error,
            "missing": missing,
            "note": request.POST.get("note", ""),
            **data,
        },
        status=400 if error else 200,
    )


@login_required
def summer(request, classroom_uuid):
    """Retests and summer training of the class, and the final promotion after the summer."""
    classroom = _classroom(request, classroom_uuid)
    editable = authz.can(request.user, Action.MANAGE_CLASSROOM, classroom)
    refused, error, typed = {}, "", {}
    if request.method == "POST":
        authz.check(request.user, Action.MANAGE_CLASSROOM, classroom)
        for key, value in request.POST.items():
            if key.startswith(("retest:", "conduct:")):
                kind, enrolment, *rest = key.split(":")
                entry = typed.setdefault(enrolment, {"retest": {}})
                if kind == "retest" and rest:
                    entry["retest"][rest[0]] = value
                elif kind == "conduct":
                    entry["conduct"] = value
        try:
            refused = summer_service.save_summer(request.user, classroom, typed)
        except service.HomeroomError as exc:
            error = str(exc)
        else:
            if not refused:
                messages.success(request, _("Saved; the final decisions are recomputed."))
                return redirect("summer", classroom.uuid)
            error = _("The other cells are saved; the marked cells were refused.")
    sheet = summer_sheet(classroom)
    for row in sheet["rows"]:
        key = str(row.enrolment.uuid)
        for subject in row.subjects:
            if key in typed:
                subject["retest"] = typed[key]["retest"].get(str(subject["id"]), subject["retest"])
            subject["error"] = refused.get(f"{key}:{subject['id']}", "")
        if key in typed and "conduct" in typed[key]:
            row.conduct_after = typed[key]["conduct"]
        row.conduct_error = refused.get(f"{key}:conduct", "")
    return render(
        request,
        "gradebook/summer.html",
        {"classroom": classroom, "editable": editable, "error": error, **sheet},
        status=400 if error else 200,
    )


@login_required
def results_delegation(request):
    """The principal chooses which vice principals may approve class results."""
    school = school_or_404(request)
    authz.check(request.user, Action.DELEGATE, school)
    vices = RoleAssignment.objects.filter(school=school, role=Role.VICE_PRINCIPAL).select_related("user")
    if request.method == "POST":
        for right, field in (("may_approve_results", "vice"), ("may_extract_data", "extract")):
            chosen = set(request.POST.getlist(field))
            for assignment in vices:
                account_services.delegate_results_approval(
                    Actor.of(request),
                    school,
                    assignment.user,
                    str(assignment.user.uuid) in chosen,
                    right=right,
                )
        messages.success(request, _("The delegation is saved."))
        return redirect("results_delegation")
    return render(request, "gradebook/results_delegation.html", {"vices": vices})


@login_required
def discipline(request, classroom_uuid):
    """Discipline notes, awards and sanctions of the class: the GVCN writes and proposes, the principal
    decides the proposals."""
    classroom = _classroom(request, classroom_uuid)
    editable = authz.can(request.user, Action.MANAGE_CLASSROOM, classroom)
    may_decide = authz.can(request.user, Action.DECIDE_RESULTS, classroom)
    error = ""
    if request.method == "POST":
        if not (editable or may_decide):
            raise PermissionDenied(_("You do not have the right to do this."))
        action = request.POST.get("action")
        try:
            if action == "note":
                authz.check(request.user, Action.MANAGE_CLASSROOM, classroom)
                service.add_discipline_note(
                    request.user,
                    classroom,
                    request.POST.get("enrolment", ""),
                    _date(request.POST.get("date", "")),
                    request.POST.get("text", ""),
                )
            elif action == "propose":
                authz.check(request.user, Action.MANAGE_CLASSROOM, classroom)
                service.propose_award(
                    request.user,
                    classroom,
                    request.POST.get("enrolment", ""),
                    kind=request.POST.get("kind", ""),
                    title=request.POST.get("title", ""),
                    reason=request.POST.get("reason", ""),
                    day=_date(request.POST.get("date", "")),
                )
            elif action in ("approve", "reject"):
                award = get_object_or_404(
                    Award, uuid=uuid_or_404(request.POST.get("award")), enrolment__classroom=classroom
                )
                service.decide_award(
                    Actor.of(request),
                    award,
                    approve=action == "approve",
                    decision_number=request.POST.get("decision_number", ""),
                )
            else:
                raise Http404
        except service.HomeroomError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("discipline", classroom.uuid)
    roster = (
        Enrolment.objects.filter(classroom=classroom, status=Enrolment.Status.STUDYING)
        .select_related("student")
        .order_by("student__sort_key")
    )
    return render(
        request,
        "gradebook/discipline.html",
        {
            "classroom": classroom,
            "editable": editable,
            "may_decide": may_decide,
            "error": error,
            "posted": request.POST,
            "roster": roster,
            "notes": DisciplineNote.objects.filter(enrolment__classroom=classroom).select_related(
                "enrolment__student", "recorded_by"
            ),
            "awards": Award.objects.filter(enrolment__classroom=classroom).select_related(
                "enrolment__student", "proposed_by", "decided_by"
            ),
            "kinds": Award.Kind.choices,
            "today": timezone.localdate(),
        },
        status=400 if error else 200,
    )


def _date(text: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise service.HomeroomError(_("Type the date as dd/mm/yyyy.")) from None


@login_required
@require_http_methods(["GET", "POST"])
def progress(request):
    """The entry progress board: the board sees the school, a department head their department; the
    monthly snapshots side by side; reminders to the teachers behind."""
    school = school_or_404(request)
    year = current_year_or_404(school)
    authz.check(request.user, Action.VIEW_PROGRESS, school)
    departments = authz.progress_scope(request.user, school)
    whole_school = departments is None
    day = timezone.localdate()
    if request.GET.get("date"):
        try:
            day = datetime.strptime(request.GET["date"], "%d/%m/%Y").date()
        except ValueError:
            messages.error(request, _("Type the date as dd/mm/yyyy."))
    if request.method == "POST":
        if request.POST.get("action") == "remind":
            count = progress_service.remind_teachers_behind(Actor.of(request), year, day)
            messages.success(request, _("%(n)d teachers reminded.") % {"n": count})
        elif request.POST.get("action") == "snapshot" and whole_school:
            progress_service.take_progress_snapshot(year, day)
            messages.success(request, _("The snapshot is kept."))
        return redirect(f"{request.path}?date={day:%d/%m/%Y}")
    data = entry_progress(year, day, department_ids=departments)
    snapshots = list(ProgressSnapshot.objects.filter(school_year=year))
    for teacher in data["teachers"]:
        key = str(teacher.teacher.uuid) if teacher.teacher else ""
        teacher.history = [s.data.get("teachers", {}).get(key, {}).get("percent", "") for s in snapshots]
    return render(
        request,
        "gradebook/progress.html",
        {"year": year, "whole_school": whole_school, "snapshots": snapshots, **data},
    )


def _statistics(request):
    school = school_or_404(request)
    year = current_year_or_404(school)
    authz.check(request.user, Action.VIEW_STATISTICS, school)
    period = stats.period_of(request.GET.get("period"))
    return school, year, period, school_statistics(year, period)


@login_required
@require_safe
def statistics(request):
    school, year, period, data = _statistics(request)
    return render(
        request,
        "gradebook/statistics.html",
        {
            **stats.page_tables(data),
            "year": year,
            "period": period,
            "period_name": RESULT_PERIODS[period],
            "periods": list(RESULT_PERIODS.items()),
            "may_export": authz.can(request.user, Action.EXTRACT_DATA, school),
            "may_delegate": authz.can(request.user, Action.DELEGATE, school),
            **data,
        },
    )


@login_required
@require_safe
def statistics_export(request):
    """The statistics as .xlsx (levels, subject bands, decisions); needs the right to extract data."""
    school, year, period, data = _statistics(request)
    authz.check(request.user, Action.EXTRACT_DATA, school)
    content = statistics_workbook(data, f"{year.name} — {RESULT_PERIODS[period]}")
    record(AuditEvent.Action.EXPORT, actor=Actor.of(request), school=school, what="statistics", period=period)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="thong-ke-{year.name}-{period}.xlsx"'
    return response
