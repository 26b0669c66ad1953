"""The homeroom teacher's screens: a month of attendance, conduct of a term or the year, discipline and awards."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from gradebook.forms import AwardDecisionForm, AwardProposalForm, CellsForm, DisciplineNoteForm
from gradebook.models import (
    Award,
    Classroom,
    ConductResult,
    DisciplineNote,
    Enrolment,
    Term,
)
from gradebook.selectors.homeroom import attendance_sheet, conduct_sheet
from gradebook.services import homeroom as service
from sodiem.domain import Actor

PERIODS = dict(ConductResult.Period.choices)


def viewable_classroom(request, classroom_uuid) -> Classroom:
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
    classroom = viewable_classroom(request, classroom_uuid)
    if month is None:
        return redirect("attendance", classroom.uuid, timezone.localdate().strftime("%Y-%m"))
    first = _month(month)
    editable = authz.can(request.user, Action.MANAGE_CLASSROOM, classroom)
    typed, refused, error = {}, {}, ""
    if request.method == "POST":
        authz.check(request.user, Action.MANAGE_CLASSROOM, classroom)
        form = CellsForm(request.POST, prefixes=("a",), columns=True)
        try:
            if not form.is_valid():
                raise service.HomeroomError(" ".join(form.non_field_errors()))
            if form.cleaned_data["action"] == "confirm":
                service.confirm_attendance_month(request.user, classroom, first)
                messages.success(request, _("The month's attendance is confirmed."))
                return redirect("attendance", classroom.uuid, month)
            typed = {}
            for (row, column), value in form.cells("a").items():
                # "5": day 5 of a class with one session; "5S", "5C": its morning, its afternoon
                day, session = (column[:-1], column[-1]) if column[-1:] in ("S", "C") else (column, "")
                if day.isdigit():
                    typed[(row, int(day), session or classroom.sessions[0])] = value
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
        row.inputs = []
        for d, session, code, reason in row.cells:
            column = f"{d.day.day}{session}" if sheet["two_sessions"] else str(d.day.day)
            saved = f"{code} {reason}".strip()
            row.inputs.append(
                {
                    "day": d,
                    "session": session,
                    "column": column,
                    "value": typed.get((str(row.enrolment.uuid), d.day.day, session), saved)
                    if typed
                    else saved,
                    "code": code,
                    "reason": reason,
                    "error": refused.get(f"{row.enrolment.uuid}:{d.day.day}:{session}", ""),
                }
            )
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
    classroom = viewable_classroom(request, classroom_uuid)
    if period not in PERIODS or period == ConductResult.Period.SUMMER:
        raise Http404
    editable = authz.can(request.user, Action.MANAGE_CLASSROOM, classroom)
    sheet = conduct_sheet(classroom, period)
    if period == "year" and sheet["derived_year"]:
        editable = False
    refused, error, typed = {}, "", {}
    if request.method == "POST":
        authz.check(request.user, Action.MANAGE_CLASSROOM, classroom)
        form = CellsForm(request.POST, prefixes=("level", "comment"))
        try:
            if not form.is_valid():
                raise service.HomeroomError(" ".join(form.non_field_errors()))
            levels, comments = form.cells("level"), form.cells("comment")
            typed = {row: (levels.get(row, ""), comments.get(row, "")) for row in {*levels, *comments}}
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
            "periods": [(p, PERIODS[p]) for p in (Term.Code.HK1, Term.Code.HK2, "year")],
            "editable": editable,
            "error": error,
            "initials": ", ".join("".join(w[0] for w in level.split()) for level in sheet["levels"]),
            **sheet,
        },
        status=400 if error else 200,
    )


@login_required
def discipline(request, classroom_uuid):
    """Discipline notes, awards and sanctions of the class: the GVCN writes and proposes, the principal
    decides the proposals."""
    classroom = viewable_classroom(request, classroom_uuid)
    editable = authz.can(request.user, Action.MANAGE_CLASSROOM, classroom)
    may_decide = authz.can(request.user, Action.DECIDE_RESULTS, classroom)
    error = ""
    if request.method == "POST":
        if not (editable or may_decide):
            raise PermissionDenied(_("You do not have the right to do this."))
        action = request.POST.get("action")
        form_class = {
            "note": DisciplineNoteForm,
            "propose": AwardProposalForm,
            "approve": AwardDecisionForm,
            "reject": AwardDecisionForm,
        }.get(action or "")
        if form_class is None:
            raise Http404
        form = form_class(request.POST)
        try:
            if not form.is_valid():
                raise service.HomeroomError(" ".join(m for ms in form.errors.values() for m in ms))
            data = form.cleaned_data
            if action == "note":
                authz.check(request.user, Action.MANAGE_CLASSROOM, classroom)
                service.add_discipline_note(
                    request.user, classroom, data["enrolment"], data["date"], data["text"]
                )
            elif action == "propose":
                authz.check(request.user, Action.MANAGE_CLASSROOM, classroom)
                service.propose_award(
                    request.user,
                    classroom,
                    data["enrolment"],
                    kind=data["kind"],
                    title=data["title"],
                    reason=data["reason"],
                    day=data["date"],
                )
            else:
                award = get_object_or_404(Award, uuid=data["award"], enrolment__classroom=classroom)
                service.decide_award(
                    Actor.of(request),
                    award,
                    approve=action == "approve",
                    decision_number=data["decision_number"],
                )
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
