"""A class's results: the homeroom teacher submits them, the principal (or a delegated vice principal)
approves or returns them; the summer retests and training; the principal's delegations."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import authz
from accounts import services as account_services
from accounts.authz import Action
from accounts.models import Role, RoleAssignment
from accounts.tenancy import school_or_404
from gradebook.forms import CellsForm, NoteForm
from gradebook.models import (
    ResultsApproval,
)
from gradebook.selectors import statistics as stats
from gradebook.selectors.class_results import approval_table, class_results
from gradebook.selectors.structure import current_year_or_404
from gradebook.selectors.summer import summer_sheet
from gradebook.services import homeroom as service
from gradebook.services import results as results_service
from gradebook.services import summer as summer_service
from gradebook.views.homeroom import viewable_classroom
from sodiem.domain import Actor


@login_required
def class_results_page(request, classroom_uuid, period):
    classroom = viewable_classroom(request, classroom_uuid)
    if period not in stats.PERIODS:
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
        note_form = NoteForm(request.POST)
        note = note_form.cleaned_data["note"] if note_form.is_valid() else ""
        try:
            if action == "review":
                results_service.review_results(request.user, classroom, period)
                messages.success(request, _("Marked as reviewed: later changes will be flagged."))
            elif action == "submit":
                results_service.submit_results(Actor.of(request), classroom, period, note=note)
                messages.success(request, _("The results are submitted to the principal."))
            elif action in ("approve", "return"):
                results_service.decide_results(
                    Actor.of(request),
                    classroom,
                    period,
                    approve=action == "approve",
                    note=note,
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
            "period_name": stats.PERIODS[period],
            "periods": list(stats.PERIODS.items()),
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
    classroom = viewable_classroom(request, classroom_uuid)
    editable = authz.can(request.user, Action.MANAGE_CLASSROOM, classroom)
    refused, error, typed = {}, "", {}
    if request.method == "POST":
        authz.check(request.user, Action.MANAGE_CLASSROOM, classroom)
        form = CellsForm(request.POST, prefixes=("retest",), columns=True)
        cells = CellsForm(request.POST, prefixes=("conduct",))
        if form.is_valid() and cells.is_valid():
            for (enrolment, subject), value in form.cells("retest").items():
                typed.setdefault(enrolment, {"retest": {}})["retest"][subject] = value
            for enrolment, value in cells.cells("conduct").items():
                typed.setdefault(enrolment, {"retest": {}})["conduct"] = value
        try:
            if form.errors or cells.errors:
                raise service.HomeroomError(" ".join(form.non_field_errors() + cells.non_field_errors()))
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
def results_approvals(request):
    """The principal's table of submitted class results of a period (a grade or the whole school), each
    class summed up with its warnings, approved together in one step."""
    school = school_or_404(request)
    authz.check(request.user, Action.DECIDE_RESULTS, school)
    year = current_year_or_404(school)
    source = request.POST if request.method == "POST" else request.GET
    period = source.get("period", "")
    waiting = ResultsApproval.objects.filter(
        classroom__school_year=year, status=ResultsApproval.Status.SUBMITTED
    ).select_related("classroom__school_year__school", "classroom__homeroom_teacher", "submitted_by")
    counts = Counter(a.period for a in waiting)
    if period not in ResultsApproval.Period.values:
        period = max(ResultsApproval.Period.values, key=lambda p: (counts[p], p == "HK1"))
    grade = source.get("grade", "")
    grade = grade if grade.isdigit() else ""
    approvals = [
        a
        for a in waiting
        if a.period == period
        and (not grade or str(a.classroom.grade) == grade)
        and authz.can(request.user, Action.DECIDE_RESULTS, a.classroom)
    ]
    approvals.sort(key=lambda a: (a.classroom.grade, a.classroom.name))
    error, refused, chosen = "", [], None
    if request.method == "POST":
        chosen = set(request.POST.getlist("classes"))
        picked = [a.classroom for a in approvals if str(a.classroom.uuid) in chosen]
        try:
            done = results_service.approve_many(Actor.of(request), picked, period)
        except results_service.ResultsError as exc:
            error, refused = str(exc), exc.missing
        else:
            messages.success(
                request,
                ngettext(
                    "The results of %(n)d class are approved.",
                    "The results of %(n)d classes are approved.",
                    len(done),
                )
                % {"n": len(done)},
            )
            return redirect(f"{reverse('results_approvals')}?period={period}&grade={grade}")
    rows = approval_table([a.classroom for a in approvals], period)
    for row in rows:
        row.checked = (str(row.classroom.uuid) in chosen) if chosen is not None else row.clean  # type: ignore[attr-defined]
    return render(
        request,
        "gradebook/results_approvals.html",
        {
            "rows": rows,
            "period": period,
            "periods": [(p, label, counts[p]) for p, label in ResultsApproval.Period.choices],
            "grade": grade,
            "grades": sorted({a.classroom.grade for a in waiting}),
            "error": error,
            "refused": refused,
        },
        status=400 if error else 200,
    )
