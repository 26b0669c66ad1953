"""The school's reports: the entry progress board, the statistics page and its export."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts import authz
from accounts.authz import Action
from accounts.tenancy import school_or_404
from audit.models import AuditEvent
from audit.services import record
from gradebook.excel_statistics import statistics_workbook
from gradebook.forms import ProgressActionForm
from gradebook.models import (
    ProgressSnapshot,
)
from gradebook.selectors import statistics as stats
from gradebook.selectors.progress import entry_progress
from gradebook.selectors.setup import setup_summary
from gradebook.selectors.statistics import school_statistics
from gradebook.selectors.structure import current_year_or_404
from gradebook.services import progress as progress_service
from sodiem.domain import Actor
from sodiem.http import xlsx_response


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
        form = ProgressActionForm(request.POST)
        action = form.cleaned_data["action"] if form.is_valid() else ""
        if action == "remind":
            count = progress_service.remind_teachers_behind(Actor.of(request), year, day)
            messages.success(request, _("%(n)d teachers reminded.") % {"n": count})
        elif action == "snapshot" and whole_school:
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
        {
            "year": year,
            "whole_school": whole_school,
            "snapshots": snapshots,
            **setup_summary(school, year),
            **data,
        },
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
            "period_name": stats.PERIODS[period],
            "periods": list(stats.PERIODS.items()),
            "may_export": authz.can(request.user, Action.EXTRACT_DATA, school),
            "may_delegate": authz.can(request.user, Action.DELEGATE, school),
            "school_years": list(school.school_years.order_by("-start_year")[:6]),
            # the term's mid-term marks, there before any term result (docs/workflows.md §10)
            "midterm": stats.midterm_distribution(year, period) if period != "year" else [],
            **data,
        },
    )


@login_required
@require_safe
def statistics_export(request):
    """The statistics as .xlsx (levels, subject bands, decisions); needs the right to extract data."""
    school, year, period, data = _statistics(request)
    authz.check(request.user, Action.EXTRACT_DATA, school)
    content = statistics_workbook(data, f"{year.name} — {stats.PERIODS[period]}")
    record(AuditEvent.Action.EXPORT, actor=Actor.of(request), school=school, what="statistics", period=period)
    return xlsx_response(content, f"thong-ke-{year.name}-{period}.xlsx")
