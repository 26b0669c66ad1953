"""District and province offices (read-only): the schools they oversee, each school's entry progress
and statistics, aggregated; nothing that names a student."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from gradebook.selectors import statistics as stats
from gradebook.selectors.progress import entry_progress
from gradebook.selectors.statistics import school_statistics
from gradebook.selectors.structure import current_year, office_schools

PERIODS = stats.PERIODS


def _period(request) -> str:
    return stats.period_of(request.GET.get("period"))


@login_required
@require_safe
def office_overview(request):
    schools = list(office_schools(request.user))
    if not schools:
        raise PermissionDenied(_("This page is for the district and province offices."))
    period = _period(request)
    today = timezone.localdate()
    rows, groups, levels = [], [], None
    for school in schools:
        year = current_year(school)
        if year is None:
            continue
        data = school_statistics(year, period)
        group = data["school"]
        group.label = school.name
        groups.append(group)
        levels = levels or data["academic_levels"]
        rows.append({"school": school, "year": year, "progress": entry_progress(year, today)["school"]})
    total = stats.Group(_("All schools"))
    for group in groups:
        total.add(group)
    return render(
        request,
        "gradebook/office.html",
        {
            "rows": rows,
            "period": period,
            "period_name": PERIODS[period],
            "periods": list(PERIODS.items()),
            "levels": levels or [],
            "academic_rows": stats.table([*groups, total], "academic", levels or [], total_from=len(groups)),
            "today": today,
        },
    )


@login_required
@require_safe
def office_school(request, school_uuid):
    school = next((s for s in office_schools(request.user) if str(s.uuid) == str(school_uuid)), None)
    if school is None:
        raise Http404
    year = current_year(school)
    if year is None:
        raise Http404
    period = _period(request)
    data = school_statistics(year, period)
    progress = entry_progress(year, timezone.localdate())
    return render(
        request,
        "gradebook/office_school.html",
        {
            "school": school,
            "year": year,
            "period": period,
            "period_name": PERIODS[period],
            "periods": list(PERIODS.items()),
            "academic_levels": data["academic_levels"],
            "conduct_levels": data["conduct_levels"],
            **stats.page_tables(data),
            "departments": progress["departments"],
            "school_progress": progress["school"],
        },
    )
