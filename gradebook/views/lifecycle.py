"""Screens of a student's way through the school (docs/workflows.md §9): class change, dropout, transfers out and
in, the year rollover, and the học bạ as XML."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import authz
from accounts.authz import Action
from accounts.tenancy import school_or_404
from gradebook.forms import (
    AcceptTransferForm,
    ClassChangeForm,
    DropoutForm,
    EarlierSubjectFormSet,
    EarlierYearForm,
    FamilyAccountsForm,
    RefuseTransferForm,
    RolloverForm,
    TransferOutForm,
)
from gradebook.models import Classroom, Student, StudentTransfer, Subject
from gradebook.selectors.structure import current_year, current_year_or_404
from gradebook.services import lifecycle, rollover
from gradebook.services.structure import StructureError
from sodiem.domain import Actor

logger = logging.getLogger(__name__)


def _student(request, student_uuid) -> Student:
    """A student of the school the user works in now (another school's student is not found)."""
    student = get_object_or_404(Student.objects.select_related("school"), uuid=student_uuid)
    if student.school_id != school_or_404(request).pk:
        raise Http404
    return student


@login_required
def student_move(request, student_uuid):
    """Chuyển lớp, bỏ học, chuyển trường for the student's current enrolment."""
    student = _student(request, student_uuid)
    school = student.school
    manage = authz.can(request.user, Action.MANAGE_SCHOOL_DATA, school)
    transfer_within = authz.can(request.user, Action.TRANSFER_STUDENT, school)
    if not (manage or transfer_within):
        authz.check(request.user, Action.MANAGE_SCHOOL_DATA, school)
    enrolment = lifecycle.current_enrolment(student)
    action = request.POST.get("action") if request.method == "POST" else None
    bound = request.POST if action else None
    forms = {}
    if enrolment is not None:
        forms = {
            "change_class": ClassChangeForm(bound if action == "change_class" else None, enrolment=enrolment),
            "dropout": DropoutForm(bound if action == "dropout" else None),
            "transfer": TransferOutForm(bound if action == "transfer" else None, school=school),
        }
    status = 200
    if action:
        if enrolment is None or action not in forms:
            raise Http404
        if action != "transfer":
            authz.check(request.user, Action.MANAGE_SCHOOL_DATA, school)
        form = forms[action]
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "change_class":
                    lifecycle.change_class(request.user, enrolment, data["classroom"], data["on"])
                    messages.success(
                        request, _("The student now studies in %(c)s.") % {"c": data["classroom"]}
                    )
                elif action == "dropout":
                    lifecycle.record_dropout(request.user, enrolment, data["on"], data["reason"])
                    messages.success(request, _("The dropout is recorded."))
                else:
                    within = data["kind"] == TransferOutForm.WITHIN
                    transfer = lifecycle.request_transfer(
                        request.user,
                        enrolment,
                        on=data["on"],
                        to_school=data["to_school"] if within else None,
                        other_school_name="" if within else data["other_school_name"],
                        reason=data["reason"],
                        decision_number=data["decision_number"],
                    )
                    if within:
                        messages.success(
                            request, _("The transfer waits for the receiving school to accept it.")
                        )
                    else:
                        return redirect(_hand_over(request, transfer))
                return redirect("student_detail", student_uuid=student.uuid)
            except (StructureError, PermissionDenied) as exc:
                exc.add_to(form)
        status = 400
    return render(
        request,
        "gradebook/student_move.html",
        {
            "student": student,
            "enrolment": enrolment,
            "forms": forms,
            "manage": manage,
            "transfer_within": transfer_within,
            "transfers": student.transfers.select_related("from_school", "to_school")[:20],
        },
        status=status,
    )


def _hand_over(request, transfer: StudentTransfer) -> str:
    """Out of the system: the học bạ was printed when the transfer was committed (the documents app),
    to be certified and handed over (docs/workflows.md, "Transfers")."""
    transfer.refresh_from_db(fields=["transcript_uuid"])
    if transfer.transcript_uuid is None:  # the transfer stands; the học bạ can be printed again
        messages.warning(
            request,
            _(
                "The transfer is recorded, but the học bạ could not be printed now: print it from Printed books."
            ),
        )
        return reverse("student_detail", kwargs={"student_uuid": transfer.student.uuid})
    messages.success(
        request, _("The transfer is recorded. The học bạ below is to be signed, stamped and handed over.")
    )
    return reverse("document_detail", kwargs={"document_uuid": transfer.transcript_uuid})


@login_required
@require_safe
def transfer_list(request):
    school = school_or_404(request)
    # the principal and the admin board (who also holds MANAGE_SCHOOL_DATA) answer the transfers
    authz.check(request.user, Action.ACCEPT_TRANSFER, school)
    transfers = list(
        StudentTransfer.objects.filter(Q(from_school=school) | Q(to_school=school))
        .select_related("student", "from_school", "to_school", "requested_by", "decided_by")
        .order_by("-requested_at")[:200]
    )
    year = current_year(school)
    for t in transfers:
        t.incoming = t.to_school_id == school.pk and t.kind == StudentTransfer.Kind.WITHIN
        if t.incoming and t.status == StudentTransfer.Status.PENDING and year:
            t.accept_form = AcceptTransferForm(school_year=year, prefix=str(t.uuid))
            t.refuse_form = RefuseTransferForm(prefix=str(t.uuid))
    return render(
        request,
        "gradebook/transfers.html",
        {
            "transfers": transfers,
            "year": year,
            "may_transfer_in": authz.can(request.user, Action.MANAGE_SCHOOL_DATA, school),
        },
    )


def _transfer(request, transfer_uuid, *, side: str) -> StudentTransfer:
    """A transfer of the school the user works in, on its `side` ("to": the receiving school accepts or
    refuses; "from": the old school withdraws it); the other side is refused, any other school finds
    nothing."""
    school = school_or_404(request)
    transfer = get_object_or_404(
        StudentTransfer.objects.select_related("student", "from_school", "to_school"), uuid=transfer_uuid
    )
    if school.pk not in (transfer.from_school_id, transfer.to_school_id):
        raise Http404
    if school.pk != (transfer.to_school_id if side == "to" else transfer.from_school_id):
        raise PermissionDenied(_("You do not have the right to do this."))
    authz.check(request.user, Action.ACCEPT_TRANSFER if side == "to" else Action.TRANSFER_STUDENT, school)
    return transfer


@login_required
@require_POST
def transfer_accept(request, transfer_uuid):
    transfer = _transfer(request, transfer_uuid, side="to")
    year = current_year(transfer.to_school)
    form = AcceptTransferForm(request.POST, school_year=year, prefix=str(transfer.uuid))
    if form.is_valid():
        try:
            lifecycle.accept_transfer(
                request.user, transfer, form.cleaned_data["classroom"], form.cleaned_data["on"]
            )
        except StructureError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(name)s now studies at your school.") % {"name": transfer.student})
            return redirect("student_detail", student_uuid=transfer.student.uuid)
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("transfer_list")


@login_required
@require_POST
def transfer_refuse(request, transfer_uuid):
    transfer = _transfer(request, transfer_uuid, side="to")
    form = RefuseTransferForm(request.POST, prefix=str(transfer.uuid))
    if form.is_valid():
        try:
            lifecycle.refuse_transfer(request.user, transfer, form.cleaned_data["note"])
        except StructureError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The transfer is refused."))
    else:
        messages.error(request, _("Say why the transfer is refused."))
    return redirect("transfer_list")


@login_required
@require_POST
def transfer_cancel(request, transfer_uuid):
    transfer = _transfer(request, transfer_uuid, side="from")
    try:
        lifecycle.cancel_transfer(request.user, transfer)
    except StructureError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The transfer is cancelled."))
    return redirect("transfer_list")


@login_required
def rollover_view(request):
    """Lên lớp: the preview of every move, then the rollover."""
    school = school_or_404(request)
    authz.check(request.user, Action.MANAGE_SCHOOL_DATA, school)
    year = current_year_or_404(school)
    form = RolloverForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            done = rollover.apply(request.user, year, make_current=form.cleaned_data["make_current"])
        except StructureError as exc:
            exc.add_to(form)
        else:
            counts = done.counts
            messages.success(
                request,
                _("Year %(year)s: %(p)d promoted, %(r)d retained, %(g)d left the school; %(w)d still wait.")
                % {
                    "year": done.next_year.name,
                    "p": counts[rollover.PROMOTE],
                    "r": counts[rollover.RETAIN],
                    "g": counts[rollover.GRADUATE],
                    "w": counts[rollover.WAIT],
                },
            )
            return redirect("rollover")
    the_plan = rollover.plan(year)
    return render(
        request,
        "gradebook/rollover.html",
        {"plan": the_plan, "form": form, "counts": the_plan.counts, "actions": rollover},
        status=400 if form.is_bound else 200,
    )


@login_required
def earlier_year_new(request, student_uuid):
    """The học bạ of a year at a school outside the system, typed in by the admin board."""
    student = _student(request, student_uuid)
    authz.check(request.user, Action.MANAGE_SCHOOL_DATA, student.school)
    bound = request.method == "POST"
    form = EarlierYearForm(request.POST if bound else None, student=student)
    names = list(
        Subject.objects.filter(school=student.school).order_by("order").values_list("name", flat=True)
    )
    subjects = EarlierSubjectFormSet(
        request.POST if bound else None, prefix="subjects", initial=[{"name": n} for n in names[:30]]
    )
    if bound and form.is_valid() and subjects.is_valid():
        lifecycle.record_earlier_year(
            request.user,
            student,
            form.cleaned_data,
            [f.cleaned_data for f in subjects.forms if f.cleaned_data],
        )
        messages.success(request, _("The earlier year is recorded."))
        return redirect("student_detail", student_uuid=student.uuid)
    return render(
        request,
        "gradebook/earlier_year.html",
        {"student": student, "form": form, "subjects": subjects},
        status=400 if bound else 200,
    )


@login_required
def family_accounts(request, classroom_uuid):
    """Accounts for the class's students and parents, created in bulk, with printable login slips."""
    from gradebook.services import family

    classroom = get_object_or_404(
        Classroom.objects.select_related("school_year__school"), uuid=classroom_uuid
    )
    school = classroom.school_year.school
    authz.check(request.user, Action.MANAGE_ACCOUNTS, school)
    form = FamilyAccountsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        slips = family.create_family_accounts(
            Actor.of(request),
            classroom,
            students=form.cleaned_data["students"],
            parents=form.cleaned_data["parents"],
        )
        if not slips:
            messages.info(request, _("Everyone of the class already has an account."))
            return redirect("family_accounts", classroom_uuid=classroom.uuid)
        # a signed-in page: AccountPolicyMiddleware marks it no-store (the passwords are not cached)
        return render(
            request,
            "accounts/login_slips.html",
            {"rows": slips, "imported": True, "classroom": classroom, "site_url": settings.SITE_URL},
        )
    return render(
        request,
        "gradebook/family_accounts.html",
        {"classroom": classroom, "rows": family.family_status(classroom)},
    )
