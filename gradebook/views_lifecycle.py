"""Screens of a student's way through the school (issue 10): class change, dropout, transfers out and
in, the year rollover, and the học bạ as XML."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import authz
from accounts.authz import Action
from accounts.tenancy import school_or_404
from audit.models import AuditEvent
from audit.services import record
from gradebook.forms import (
    AcceptTransferForm,
    ClassChangeForm,
    DropoutForm,
    EarlierSubjectFormSet,
    EarlierYearForm,
    RefuseTransferForm,
    RolloverForm,
    TransferInForm,
    TransferOutForm,
)
from gradebook.models import Classroom, Student, StudentTransfer, Subject
from gradebook.selectors.structure import current_year, current_year_or_404
from gradebook.services import lifecycle, rollover
from gradebook.services.structure import StructureError
from sodiem.http import uuid_or_404

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
                form.add_error(None, str(exc))
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
    """Out of the system: the học bạ is printed now, to be certified and handed over (seed 000 Đ7)."""
    from transcripts.documents import Kind, Target, issue

    enrolment = transfer.from_enrolment
    try:
        document = issue(
            Target(
                kind=Kind.TRANSCRIPT,
                school=transfer.from_school,
                school_year=enrolment.classroom.school_year,
                student=transfer.student,
            ),
            user=request.user,
        )
    except Exception:  # the transfer stands; the học bạ can be printed again from the books page
        logger.exception("học bạ of transfer %s not printed", transfer.uuid)
        messages.warning(
            request,
            _(
                "The transfer is recorded, but the học bạ could not be printed now: print it from Printed books."
            ),
        )
        return reverse("student_detail", kwargs={"student_uuid": transfer.student.uuid})
    transfer.transcript_uuid = document.uuid
    transfer.save(update_fields=["transcript_uuid"])
    messages.success(
        request, _("The transfer is recorded. The học bạ below is to be signed, stamped and handed over.")
    )
    return reverse("document_detail", kwargs={"document_uuid": document.uuid})


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


_PENDING_XML = "transfer_in_xml"


@login_required
def transfer_in(request):
    """Chuyển đến from outside the system: typed in, or from the old school's học bạ XML — shown first,
    written only once confirmed."""
    from transcripts import xml_hocba

    school = school_or_404(request)
    authz.check(request.user, Action.MANAGE_SCHOOL_DATA, school)
    year = current_year_or_404(school)
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _transfer_in_confirm(request, school)
    bound = request.method == "POST"
    form = TransferInForm(request.POST if bound else None, request.FILES if bound else None, school_year=year)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["xml"]:
                # read one byte past the cap: parse() refuses an oversized file without holding it all
                raw = data["xml"].read(xml_hocba.max_bytes() + 1)
                parsed = xml_hocba.parse(raw)
                found = xml_hocba.problems(parsed, data["classroom"])
                if found:
                    for problem in found[:50]:
                        form.add_error("xml", problem)
                else:
                    request.session[_PENDING_XML] = {
                        "school": str(school.uuid),
                        "classroom": str(data["classroom"].uuid),
                        "on": data["on"].isoformat(),
                        "file": xml_hocba.hold(raw),
                        "sha256": parsed.sha256,
                    }
                    return render(
                        request,
                        "gradebook/transfer_in_preview.html",
                        {"parsed": parsed, "classroom": data["classroom"], "on": data["on"]},
                    )
            else:
                student = form.student()
                lifecycle.transfer_in(
                    request.user,
                    student,
                    data["classroom"],
                    on=data["on"],
                    from_school_name=data["from_school_name"],
                    decision_number=data["decision_number"],
                )
                messages.success(
                    request, _("%(n)d student(s) joined class %(c)s.") % {"n": 1, "c": data["classroom"]}
                )
                return redirect("transfer_list")
        except xml_hocba.XmlImportError as exc:
            form.add_error("xml", str(exc))
        except StructureError as exc:
            form.add_error(None, str(exc))
    return render(request, "gradebook/transfer_in.html", {"form": form}, status=400 if form.is_bound else 200)


def _transfer_in_confirm(request, school):
    """The previewed XML file, imported as it was shown (its SHA-256 checked), or nothing."""
    from transcripts import xml_hocba

    pending = request.session.pop(_PENDING_XML, None)
    if not pending or pending.get("school") != str(school.uuid):
        messages.error(request, _("Nothing to import: upload the file again."))
        return redirect("transfer_in")
    classroom = get_object_or_404(
        Classroom, uuid=uuid_or_404(pending["classroom"]), school_year__school=school
    )
    data = xml_hocba.take(pending["file"], pending["sha256"])
    if data is None:
        messages.error(request, _("Nothing to import: upload the file again."))
        return redirect("transfer_in")
    try:
        parsed = xml_hocba.parse(data)
        students = xml_hocba.import_transfers(
            request.user, classroom, parsed, on=date.fromisoformat(pending["on"])
        )
    except (xml_hocba.XmlImportError, StructureError) as exc:
        messages.error(request, _("Nothing was imported: %(error)s") % {"error": exc})
        return redirect("transfer_in")
    messages.success(
        request, _("%(n)d student(s) joined class %(c)s.") % {"n": len(students), "c": classroom}
    )
    return redirect("transfer_list")


def _xml_response(request, school, data: bytes, name: str, obj) -> HttpResponse:
    record(AuditEvent.Action.EXPORT, request=request, school=school, obj=obj, form="hocba.xml")
    response = HttpResponse(data, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hoc-ba-{slugify(name)[:80] or "xml"}.xml"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def student_xml(request, student_uuid):
    from transcripts import xml_hocba

    student = _student(request, student_uuid)
    authz.check(request.user, Action.PRINT_BOOKS, student.school)
    return _xml_response(
        request, student.school, xml_hocba.export_student(student), student.full_name, student
    )


@login_required
@require_safe
def classroom_xml(request, classroom_uuid):
    from transcripts import xml_hocba

    classroom = get_object_or_404(
        Classroom.objects.select_related("school_year__school"), uuid=classroom_uuid
    )
    authz.check(request.user, Action.PRINT_CLASS_BOOKS, classroom)
    school = classroom.school_year.school
    name = f"{classroom.name}-{classroom.school_year.name}"
    return _xml_response(request, school, xml_hocba.export_classroom(classroom), name, classroom)


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
            form.add_error(None, str(exc))
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
    if request.method == "POST":
        slips = family.create_family_accounts(
            request.user,
            classroom,
            students="students" in request.POST,
            parents="parents" in request.POST,
            request=request,
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
