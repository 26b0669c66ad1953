"""Offices (read-only): the province's Department, a commune's office, a district office of the years
before 2025-2026 — the schools they oversee, each school's entry progress and statistics, aggregated;
nothing that names a student."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import authz
from accounts import services as account_services
from accounts.forms import AppointForm
from accounts.models import RoleAssignment
from accounts.reauth import recent_auth_required
from gradebook.selectors import statistics as stats
from gradebook.selectors.progress import entry_progress, school_progress
from gradebook.selectors.statistics import school_statistics
from gradebook.selectors.structure import current_year, office_schools
from sodiem.domain import Actor

PERIODS = stats.PERIODS


def _period(request) -> str:
    return stats.period_of(request.GET.get("period"))


@login_required
@require_safe
def office_overview(request):
    schools = list(office_schools(request.user))
    if not schools:
        raise PermissionDenied(_("This page is for the offices overseeing schools."))
    period = _period(request)
    today = timezone.localdate()
    rows, groups, levels = [], [], None
    for school in schools:
        year = current_year(school)
        if year is None:  # a new school still setting up its year
            rows.append({"school": school, "year": None, "progress": None})
            continue
        data = school_statistics(year, period)
        group = data["school"]
        group.label = school.name
        groups.append(group)
        levels = levels or data["academic_levels"]
        rows.append({"school": school, "year": year, "progress": school_progress(year, today)})
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
            "board": _board(school),
            "appoint_form": AppointForm() if authz.appoints_board_of(request.user, school) else None,
        },
    )


def _board(school):
    return RoleAssignment.objects.filter(school=school, role__in=authz.APPOINTED_FROM_ABOVE).select_related(
        "user"
    )


@login_required
@require_POST
@recent_auth_required
def office_school_appoint(request, school_uuid):
    """The province's Department records the principal or a vice principal it appointed."""
    school = next((s for s in office_schools(request.user) if str(s.uuid) == str(school_uuid)), None)
    if school is None:
        raise Http404
    if not authz.appoints_board_of(request.user, school):
        raise PermissionDenied(_("Only the province's Department of Education appoints the school's board."))
    form = AppointForm(request.POST)
    if form.is_valid():
        try:
            user, password = account_services.appoint(Actor.of(request), school, **form.cleaned_data)
        except account_services.AccountError as exc:
            messages.error(request, str(exc))
        else:
            if password:  # a new account: its temporary password, shown once
                return render(
                    request, "accounts/login_slips.html", {"rows": [{"user": user, "password": password}]}
                )
            messages.success(request, _("%(name)s is appointed.") % {"name": user})
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("office_school", school_uuid=school.uuid)
