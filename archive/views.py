"""Lưu trữ: the year-end archives of the school and the retention decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts import authz
from accounts.authz import Action
from accounts.reauth import recent_auth_required
from accounts.tenancy import school_or_404
from archive import bundle, services
from archive.forms import ArchiveRequestForm, RetentionForm, RetentionPeriodForm
from archive.models import YearArchive
from audit.models import AuditEvent
from audit.services import record
from sodiem.domain import Actor


@login_required
def archive_home(request):
    school = school_or_404(request)
    authz.check(request.user, Action.ARCHIVE_YEAR, school)
    bound = request.method == "POST"
    form = ArchiveRequestForm(request.POST if bound else None, school=school)
    if bound and form.is_valid():
        try:
            archive = services.request_archive(Actor.of(request), form.cleaned_data["school_year"])
        except bundle.ArchiveError as exc:
            exc.add_to(form)
        else:
            messages.success(
                request, _("The archive of %(year)s is being built.") % {"year": archive.school_year.name}
            )
            return redirect("archive_home")
    return render(
        request,
        "archive/home.html",
        {
            "form": form,
            "archives": services.archives_of(school)[:50],
            "decisions": services.decisions_of(school)[:20],
            "due": len(services.retention_due(school)),
            "may_decide": authz.can(request.user, Action.DECIDE_RETENTION, school),
        },
        status=400 if bound else 200,
    )


def _archive(request, archive_uuid) -> YearArchive:
    archive = get_object_or_404(
        YearArchive.objects.select_related("school", "school_year"), uuid=archive_uuid
    )
    authz.check(request.user, Action.ARCHIVE_YEAR, archive)
    if archive.school_id != school_or_404(request).pk:
        raise Http404
    return archive


@login_required
@require_safe
def archive_detail(request, archive_uuid):
    archive = _archive(request, archive_uuid)
    check = None
    if archive.status == YearArchive.Status.DONE and request.GET.get("verify"):
        with archive.file.open("rb") as f:
            check = bundle.verify(f)
    return render(request, "archive/detail.html", {"archive": archive, "check": check})


@login_required
@require_safe
def archive_download(request, archive_uuid):
    archive = _archive(request, archive_uuid)
    if archive.status != YearArchive.Status.DONE:
        raise Http404
    record(
        AuditEvent.Action.EXPORT,
        actor=Actor.of(request),
        school=archive.school,
        obj=archive,
        form="year-archive",
    )
    response = FileResponse(
        archive.file.open("rb"),
        as_attachment=True,
        filename=f"luu-tru-{archive.school.code}-{archive.school_year.name}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@recent_auth_required(only_post=True)
def retention(request):
    school = school_or_404(request)
    authz.check(request.user, Action.ARCHIVE_YEAR, school)
    due = services.retention_due(school)
    may_decide = authz.can(request.user, Action.DECIDE_RETENTION, school)
    bound = request.method == "POST"
    form = RetentionForm(request.POST if bound else None, due=due) if may_decide else None
    period_form = RetentionPeriodForm(instance=school) if may_decide else None
    if bound and "retention_years" in request.POST:
        authz.check(request.user, Action.DECIDE_RETENTION, school)
        period_form = RetentionPeriodForm(request.POST, instance=school)
        form = RetentionForm(due=due)
        if period_form.is_valid():
            services.set_retention_period(
                Actor.of(request), school, period_form.cleaned_data["retention_years"]
            )
            messages.success(request, _("The retention period is saved."))
            return redirect("archive_retention")
    elif bound:
        authz.check(request.user, Action.DECIDE_RETENTION, school)
        if form.is_valid():
            chosen = set(form.cleaned_data["students"])
            try:
                decision = services.delete_expired(
                    Actor.of(request),
                    school,
                    [d.student for d in due if str(d.student.uuid) in chosen],
                    decision_number=form.cleaned_data["decision_number"],
                )
            except services.RetentionError as exc:
                exc.add_to(form)
            else:
                messages.success(
                    request,
                    _("The records of %(n)d student(s) were deleted.") % {"n": len(decision.students)},
                )
                return redirect("archive_retention")
    return render(
        request,
        "archive/retention.html",
        {
            "due": due,
            "form": form,
            "period_form": period_form,
            "school": school,
            "decisions": services.decisions_of(school)[:20],
        },
        status=400 if bound else 200,
    )
