"""Khóa sổ screens: the lock calendar, the principal's decisions, the admin board's execution."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import authz
from accounts.authz import Action
from accounts.tenancy import current_school, school_or_404
from gradebook.forms import LockDecisionForm, ReopeningForm
from gradebook.models import LockReopening, PeriodLock
from gradebook.selectors.structure import current_year_or_404
from gradebook.services import locks as lock_service
from sodiem.domain import Actor


def _year(request):
    return current_year_or_404(school_or_404(request))


def _status(lock: PeriodLock, now) -> str:
    if lock.carried_out_at is None:
        return _("Decided, waiting for the admin board")
    if lock.locked_at > now:
        return _("Scheduled")
    for reopening in lock.reopenings.all():
        if reopening.carried_out_at and reopening.starts_at <= now < reopening.ends_at:
            return _("Reopened until %(time)s") % {
                "time": timezone.localtime(reopening.ends_at).strftime("%H:%M %d/%m/%Y")
            }
    return _("Locked")


@login_required
def lock_list(request):
    year = _year(request)
    authz.check(request.user, Action.VIEW_LOCKS, year)
    may_decide = authz.can(request.user, Action.DECIDE_LOCK, year)
    form = LockDecisionForm(request.POST or None, school_year=year) if may_decide else None
    if request.method == "POST":
        authz.check(request.user, Action.DECIDE_LOCK, year)
        if form.is_valid():
            data = form.cleaned_data
            try:
                lock_service.decide_lock(
                    Actor.of(request),
                    year,
                    term=data["term"],
                    locked_at=data["locked_at"],
                    decision_number=data["decision_number"],
                    decision_date=data["decision_date"],
                    grade=data["grade"] if data["scope"] == "grade" else None,
                    classroom=data["classroom"] if data["scope"] == "classroom" else None,
                    month_end=data["month_end"],
                    note=data["note"],
                )
            except lock_service.LockError as exc:
                exc.add_to(form)
            else:
                messages.success(request, _("The decision is recorded; the admin board carries it out."))
                return redirect("lock_list")
    now = timezone.now()
    locks = list(
        PeriodLock.objects.filter(school_year=year)
        .select_related("classroom", "decided_by", "carried_out_by")
        .prefetch_related("reopenings__decided_by", "reopenings__carried_out_by")
        .order_by("-locked_at")
    )
    for lock in locks:
        lock.status = _status(lock, now)
    return render(
        request,
        "gradebook/locks.html",
        {
            "year": year,
            "locks": locks,
            "form": form,
            "reopen_form": ReopeningForm() if may_decide else None,
            "may_decide": may_decide,
            "may_carry_out": authz.can(request.user, Action.CARRY_OUT_LOCK, year),
        },
    )


def _of_current_school(request, school_year) -> None:
    """A lock of another school than the one the user works in now is not found."""
    if school_year.school_id != getattr(current_school(request), "pk", None):
        raise Http404


def _lock(request, lock_uuid) -> PeriodLock:
    lock = get_object_or_404(PeriodLock.objects.select_related("school_year__school"), uuid=lock_uuid)
    _of_current_school(request, lock.school_year)
    return lock


@login_required
@require_POST
def lock_carry_out(request, lock_uuid):
    lock = _lock(request, lock_uuid)
    lock_service.carry_out_lock(Actor.of(request), lock)  # a refusal is shown by DomainErrorMiddleware
    messages.success(request, _("The lock is carried out."))
    return redirect("lock_list")


@login_required
def lock_reopen(request, lock_uuid):
    lock = _lock(request, lock_uuid)
    authz.check(request.user, Action.DECIDE_LOCK, lock.school_year)
    form = ReopeningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lock_service.decide_reopening(Actor.of(request), lock, **data)
        except lock_service.LockError as exc:
            exc.add_to(form)
        else:
            messages.success(request, _("The reopening is recorded; the admin board carries it out."))
            return redirect("lock_list")
    return render(request, "gradebook/lock_reopen.html", {"lock": lock, "form": form})


@login_required
@require_POST
def reopening_carry_out(request, reopening_uuid):
    reopening = get_object_or_404(
        LockReopening.objects.select_related("lock__school_year__school"), uuid=reopening_uuid
    )
    _of_current_school(request, reopening.lock.school_year)
    lock_service.carry_out_reopening(Actor.of(request), reopening)  # a refusal: DomainErrorMiddleware
    messages.success(request, _("The reopening is carried out."))
    return redirect("lock_list")
