"""The học bạ as XML (transcripts/xml_hocba.py) in the portal: a student's or a class's file to export, and
a transfer in from outside the system — typed in, or from the old school's XML học bạ, shown before it
is written (the documents sit above the gradebook: these views use both)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts import authz
from accounts.authz import Action
from accounts.tenancy import school_or_404
from audit.models import AuditEvent
from audit.services import record
from gradebook.forms import TransferInForm
from gradebook.models import Classroom, Student
from gradebook.selectors.structure import current_year_or_404
from gradebook.services import lifecycle
from gradebook.services.structure import StructureError
from sodiem.domain import Actor
from sodiem.http import uuid_or_404
from sodiem.text import file_name
from transcripts import xml_hocba

_PENDING_XML = "transfer_in_xml"


@login_required
def transfer_in(request):
    """Chuyển đến from outside the system: typed in, or from the old school's học bạ XML — shown first,
    written only once confirmed."""
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
                        "transcripts/transfer_in_preview.html",
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
            exc.add_to(form)
    return render(
        request, "transcripts/transfer_in.html", {"form": form}, status=400 if form.is_bound else 200
    )


def _transfer_in_confirm(request, school):
    """The previewed XML file, imported as it was shown (its SHA-256 checked), or nothing."""
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
    record(AuditEvent.Action.EXPORT, actor=Actor.of(request), school=school, obj=obj, form="hocba.xml")
    response = HttpResponse(data, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="hoc-ba-{file_name(name, limit=80) or "xml"}.xml"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def student_xml(request, student_uuid):
    student = get_object_or_404(Student.objects.select_related("school"), uuid=student_uuid)
    if student.school_id != school_or_404(request).pk:
        raise Http404
    authz.check(request.user, Action.PRINT_BOOKS, student.school)
    return _xml_response(
        request, student.school, xml_hocba.export_student(student), student.full_name, student
    )


@login_required
@require_safe
def classroom_xml(request, classroom_uuid):
    classroom = get_object_or_404(
        Classroom.objects.select_related("school_year__school"), uuid=classroom_uuid
    )
    authz.check(request.user, Action.PRINT_CLASS_BOOKS, classroom)
    school = classroom.school_year.school
    name = f"{classroom.name}-{classroom.school_year.name}"
    return _xml_response(request, school, xml_hocba.export_classroom(classroom), name, classroom)
