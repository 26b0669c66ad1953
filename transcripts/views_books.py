"""The printing centre: print the books (in the background), follow a batch, download, sign in turn,
the school's signing certificate; and the public verification pages."""

from __future__ import annotations

import shutil
import subprocess
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import authz
from accounts.authz import Action
from accounts.models import User
from accounts.reauth import recent_auth_required, right_password, wrong_password
from accounts.tenancy import current_school, school_or_404
from audit.models import AuditEvent
from audit.services import record
from gradebook.models import Classroom, Student
from gradebook.selectors.structure import current_year
from sodiem.domain import Actor
from sodiem.http import client_ip, uuid_or_404
from transcripts import documents, printing, signing, signing_batches
from transcripts.forms import CertificateForm, PrintForm, SealImageForm, SignForm, VerifyForm
from transcripts.models import (
    PersonalCertificate,
    PrintBatch,
    PrintedDocument,
    SchoolAuthority,
    SignBatch,
    SigningCertificate,
)
from transcripts.pdf import stored_pdf_response

Kind = PrintedDocument.Kind
CLASS_KINDS = (Kind.CLASS_BOOK, Kind.RESULTS_SUMMARY, Kind.TRANSCRIPT)


def _school_and_year(request):
    school = current_school(request)
    if school is None or not authz.can(request.user, Action.VIEW_SCHOOL, school):
        raise PermissionDenied
    return school, current_year(school)


def _teachers_of(year):
    """Everyone who teaches a class-subject this year (whose teacher's book can be printed)."""
    return User.objects.filter(teaching_assignments__classroom__school_year=year).distinct()


@login_required
@require_safe
def documents_home(request):
    school, year = _school_and_year(request)
    user = request.user
    school_wide = authz.can(user, Action.PRINT_BOOKS, school)
    classes = (
        Classroom.objects.filter(school_year=year)
        .select_related("homeroom_teacher")
        .order_by("grade", "name")
    )
    if not school_wide:
        classes = classes.filter(homeroom_teacher=user)
    teachers = _teachers_of(year).order_by("full_name")
    if not school_wide:
        teachers = teachers.filter(pk=user.pk)
    batches = PrintBatch.objects.filter(school=school)
    if not school_wide:
        batches = batches.filter(requested_by=user)
    recent = (
        PrintedDocument.objects.filter(school=school)
        .select_related("printed_by")
        .prefetch_related("signatures")
    )
    if not school_wide:
        recent = recent.filter(printed_by=user) | recent.filter(teacher=user)
    return render(
        request,
        "transcripts/documents_home.html",
        {
            "school": school,
            "year": year,
            "school_wide": school_wide,
            "classes": list(classes),
            "teachers": list(teachers),
            "batches": list(batches[:10]),
            "recent": list(recent[:30]),
            "awaiting": signing_batches.waiting_for(user, school, limit=300),
            "certificate": signing.active_certificate(school),
            "may_manage_certificate": authz.can(user, Action.MANAGE_CERTIFICATE, school),
            "form": PrintForm(),
            "Kind": Kind,
        },
    )


@login_required
@require_POST
def print_request(request):
    """Start printing; the answer comes at once and leads to the batch's progress page."""
    school, year = _school_and_year(request)
    user = request.user
    form = PrintForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("documents_home")
    kind, target = form.cleaned_data["kind"], form.cleaned_data["target"]
    options = {
        "period": form.cleaned_data.get("period") or "",
        "blank": form.cleaned_data.get("blank", False),
    }
    school_wide = authz.can(user, Action.PRINT_BOOKS, school)
    if kind == Kind.REGISTER:
        if not school_wide:
            raise PermissionDenied
        batch = printing.start_batch(Actor(user, client_ip(request)), school, year, kind)
    elif kind == Kind.TEACHER_BOOK:
        if target == "all":
            if not school_wide:
                raise PermissionDenied
            teachers = list(_teachers_of(year))
        else:
            teacher = get_object_or_404(User, uuid=uuid_or_404(target))
            if teacher.pk != user.pk and not school_wide:
                raise PermissionDenied
            if not teacher.teaching_assignments.filter(classroom__school_year=year).exists():
                raise Http404
            teachers = [teacher]
        batch = printing.start_batch(
            Actor(user, client_ip(request)), school, year, kind, teachers=teachers, **options
        )
    elif kind == Kind.TRANSCRIPT and target.startswith("student:"):
        student = get_object_or_404(Student, uuid=uuid_or_404(target.removeprefix("student:")), school=school)
        enrolment = student.enrolments.filter(classroom__school_year=year).select_related("classroom").first()
        if not school_wide and not (
            enrolment and authz.can(user, Action.PRINT_CLASS_BOOKS, enrolment.classroom)
        ):
            raise PermissionDenied
        batch = printing.start_batch(Actor(user, client_ip(request)), school, year, kind, students=[student])
    else:
        if target == "all":
            if not school_wide:
                raise PermissionDenied
            classrooms = list(Classroom.objects.filter(school_year=year).order_by("grade", "name"))
        else:
            classroom = get_object_or_404(Classroom, uuid=uuid_or_404(target), school_year=year)
            authz.check(user, Action.PRINT_CLASS_BOOKS, classroom)
            classrooms = [classroom]
        batch = printing.start_batch(
            Actor(user, client_ip(request)), school, year, kind, classrooms=classrooms, **options
        )
    return redirect("print_batch", batch_uuid=batch.uuid)


def _batch(request, batch_uuid) -> PrintBatch:
    batch = get_object_or_404(PrintBatch.objects.select_related("school"), uuid=batch_uuid)
    if not authz.is_member(request.user, batch):
        raise Http404
    if batch.requested_by_id != request.user.pk and not authz.can(
        request.user, Action.PRINT_BOOKS, batch.school
    ):
        raise PermissionDenied
    return batch


@login_required
@require_safe
def batch_detail(request, batch_uuid):
    batch = _batch(request, batch_uuid)
    return render(
        request,
        "transcripts/batch.html",
        {
            "batch": batch,
            "documents": list(batch.documents.order_by("title")[:200])
            if batch.status == PrintBatch.Status.DONE
            else [],
        },
    )


@login_required
@require_safe
def batch_status(request, batch_uuid):
    batch = _batch(request, batch_uuid)
    return JsonResponse(
        {
            "status": batch.status,
            "state": str(batch.get_status_display()),  # what the page says: Đang chờ, Đang in, Xong
            "done": batch.done,
            "total": batch.total,
            "percent": batch.percent,
            "error": batch.error,
        }
    )


@login_required
@require_safe
def batch_download(request, batch_uuid):
    batch = _batch(request, batch_uuid)
    if batch.status != PrintBatch.Status.DONE:
        raise Http404
    single = printing.single_document(batch)
    if single is not None:
        return redirect("document_file", document_uuid=single.uuid)
    if not batch.archive:
        raise Http404
    record(
        AuditEvent.Action.EXPORT,
        actor=Actor.of(request),
        school=batch.school,
        obj=batch,
        form="batch-zip",
        documents=batch.total,
    )
    response = FileResponse(batch.archive.open("rb"), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="so-diem-{batch.kind}-{batch.requested_at:%Y%m%d-%H%M}.zip"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _document(request, document_uuid) -> PrintedDocument:
    document = get_object_or_404(
        PrintedDocument.objects.select_related("school", "classroom__homeroom_teacher", "student", "teacher"),
        uuid=document_uuid,
    )
    authz.check(request.user, Action.VIEW_DOCUMENT, document)
    return document


def _document_page(request, document: PrintedDocument, form: SignForm | None = None, status: int = 200):
    """The document's page: facts, signatures in turn, and the signing form when it is the user's turn."""
    turn = documents.next_turn(document)
    my_turn = turn is not None and documents.may_sign(request.user, document, turn)
    if my_turn and form is None:
        form = SignForm(user=request.user)
    return render(
        request,
        "transcripts/document_detail.html",
        {
            "document": document,
            "signatures": list(document.signatures.all()),
            "turns": documents.turns(document),
            "turn": turn,
            "my_turn": my_turn,
            "form": form if my_turn else None,
            "certificate": signing.active_certificate(document.school),
            "my_certificate": PersonalCertificate.objects.filter(
                user=request.user, school=document.school, active=True
            ).first(),
        },
        status=status,
    )


@login_required
@require_safe
def document_detail(request, document_uuid):
    return _document_page(request, _document(request, document_uuid))


@login_required
@require_safe
def document_file(request, document_uuid):
    return _pdf_response(request, _document(request, document_uuid))


@login_required
@require_safe
def family_transcript(request, student_uuid):
    """The approved học bạ of a student, for the student and their parents (and the school's staff who
    may see the student): the latest copy signed by everyone in turn."""
    from gradebook.models import Student

    student = get_object_or_404(Student.objects.select_related("school"), uuid=student_uuid)
    authz.check(request.user, Action.VIEW_STUDENT, student)
    document = documents.approved_transcript(student)
    if document is None:
        raise Http404(_("The học bạ has not been signed and approved yet."))
    return _pdf_response(request, document)


def _pdf_response(request, document: PrintedDocument):
    return stored_pdf_response(request, document)


@login_required
@require_POST
def document_sign(request, document_uuid):
    document = _document(request, document_uuid)
    turn = documents.next_turn(document)
    if turn is None or not documents.may_sign(request.user, document, turn):
        raise PermissionDenied(_("It is not your turn to sign this document."))
    form = SignForm(request.POST, user=request.user)
    if form.has_error("password") and (ended := wrong_password(request, "signing")):
        return ended
    if form.is_valid():
        right_password(request)
        try:
            signing.sign_document(document, Actor.of(request))
        except signing.SigningError as exc:
            exc.add_to(form)
        else:
            messages.success(request, _("Signed. The document now carries your digital signature."))
            return redirect("document_detail", document_uuid=document.uuid)
    return _document_page(request, document, form, status=400)


def _waiting_choice(request, school, year):
    """The documents waiting for the user's signature, narrowed by the kind and class chosen."""
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    kind = kind if kind in Kind.values else ""
    classroom = None
    class_id = request.GET.get("classroom") or request.POST.get("classroom") or ""
    if class_id:
        classroom = Classroom.objects.filter(school_year__school=school, uuid=uuid_or_404(class_id)).first()
    waiting = signing_batches.waiting_for(request.user, school, kind=kind, classroom=classroom)
    return kind, classroom, waiting


@login_required
@require_http_methods(["GET", "POST"])
def sign_many(request):
    """Sign every document waiting for the user (of one kind, of one class) with one confirmation."""
    school, year = _school_and_year(request)
    kind, classroom, waiting = _waiting_choice(request, school, year)
    form = SignForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST":
        valid = form.is_valid()
        if form.has_error("password") and (ended := wrong_password(request, "signing")):
            return ended
        if not waiting:
            form.add_error(None, _("Nothing waits for your signature in this choice any more."))
        elif valid:
            right_password(request)
            parts = [str(Kind(kind).label) if kind else _("documents"), classroom.name if classroom else ""]
            batch = signing_batches.start_signing(
                Actor.of(request),
                school,
                waiting,
                _("%(count)s %(what)s") % {"count": len(waiting), "what": " — ".join(p for p in parts if p)},
            )
            return redirect("sign_batch", batch_uuid=batch.uuid)
    classes = Classroom.objects.filter(school_year=year).order_by("grade", "name")
    return render(
        request,
        "transcripts/sign_many.html",
        {
            "waiting": waiting,
            "form": form,
            "kind": kind,
            "classroom": classroom,
            "kinds": Kind.choices,
            "classes": list(classes),
        },
        status=400 if request.method == "POST" else 200,
    )


def _sign_batch(request, batch_uuid) -> SignBatch:
    batch = get_object_or_404(SignBatch, uuid=batch_uuid)
    if batch.signer_id != request.user.pk:
        raise Http404
    return batch


@login_required
@require_safe
def sign_batch(request, batch_uuid):
    return render(request, "transcripts/sign_batch.html", {"batch": _sign_batch(request, batch_uuid)})


@login_required
@require_safe
def sign_batch_status(request, batch_uuid):
    batch = _sign_batch(request, batch_uuid)
    return JsonResponse(
        {
            "status": batch.status,
            "state": str(batch.get_status_display()),
            "done": batch.done,
            "skipped": batch.skipped,
            "total": batch.total,
            "percent": batch.percent,
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
@recent_auth_required(only_post=True)
def certificate(request):
    school = school_or_404(request)
    authz.check(request.user, Action.MANAGE_CERTIFICATE, school)
    seal_post = request.method == "POST" and "seal" in request.POST
    form = CertificateForm(
        request.POST if request.method == "POST" and not seal_post else None,
        request.FILES if request.method == "POST" and not seal_post else None,
    )
    seal_form = SealImageForm(request.POST if seal_post else None, request.FILES if seal_post else None)
    if request.method == "POST" and not seal_post and form.is_valid():
        try:
            signing.store_certificate(
                school, form.cleaned_data["file"].read(), form.cleaned_data["passphrase"], Actor.of(request)
            )
        except signing.SigningError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("The signing certificate is saved (encrypted)."))
            return redirect("certificate")
    if seal_post and seal_form.is_valid():
        signing.store_seal_image(school, seal_form.cleaned_data["image"], Actor.of(request))
        messages.success(request, _("The seal's image is saved; the next seal signatures draw it."))
        return redirect("certificate")
    return render(
        request,
        "transcripts/certificate.html",
        {
            "form": form,
            "seal_form": seal_form,
            "has_seal_image": bool(
                SchoolAuthority.objects.filter(school=school).exclude(seal_png=b"").exists()
            ),
            "certificates": SigningCertificate.objects.filter(school=school),
            "school": school,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@recent_auth_required(only_post=True)
def my_certificate(request):
    """A signer's own certificate: the one the school's authority issued them, or their own PKCS#12 from
    a public CA (chữ ký số cá nhân), uploaded here and kept encrypted."""
    school, _year = _school_and_year(request)
    form = CertificateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            signing.store_personal_certificate(
                request.user,
                school,
                form.cleaned_data["file"].read(),
                form.cleaned_data["passphrase"],
                Actor.of(request),
            )
        except signing.SigningError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("Your certificate is saved (encrypted); you now sign with it."))
            return redirect("my_certificate")
    return render(
        request,
        "transcripts/my_certificate.html",
        {
            "form": form,
            "certificates": PersonalCertificate.objects.filter(user=request.user, school=school),
        },
        status=400 if request.method == "POST" else 200,
    )


# -- public verification ------------------------------------------------------------------------


@require_safe
def verify_document(request, document_uuid):
    """What the QR code of a paper copy leads to: that the document exists, its hash, issuer and
    signers — nothing else about the student."""
    document = get_object_or_404(PrintedDocument.objects.select_related("school"), uuid=document_uuid)
    claimed = request.GET.get("h", "")[:64]
    return render(
        request,
        "transcripts/verify_document.html",
        {
            "document": document,
            "kind_label": documents.FORM_NAME[document.kind],
            "claimed": claimed,
            "matches": claimed == document.content_hash if claimed else None,
            "signatures": list(document.signatures.values("signer_name", "role_title", "signed_at")),
        },
    )


PAPER_CHECKS_PER_MINUTE = 30  # pages opened from a QR code
PAPER_IMAGES_PER_MINUTE = 150  # their page images (a class book has some fifty)


def _paper(
    request, token: str, *, what: str = "check", limit: int = PAPER_CHECKS_PER_MINUTE
) -> PrintedDocument:
    """The document a paper copy's QR code names; a bounded number of lookups a minute from one address,
    so tokens cannot be tried in bulk (they are 144 random bits anyway)."""
    from django.core.cache import cache

    key = f"paper-{what}:{client_ip(request)}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=90)
    if cache.incr(key) > limit:
        raise TooManyChecks
    if len(token) > 40:
        raise Http404
    return get_object_or_404(
        PrintedDocument.objects.select_related("school", "school_year", "classroom", "student"),
        verify_token=token,
    )


class TooManyChecks(Exception):
    pass


@require_safe
def verify_paper(request, token):
    """What the QR code of a paper copy opens: the document as the portal issued it — its pages as
    images, its student, class and year — for whoever holds the paper to compare, page by page."""
    try:
        document = _paper(request, token)
    except TooManyChecks:
        return render(request, "transcripts/verify_paper.html", {"busy": True}, status=429)
    versions = list(document.versions.order_by("number"))
    return render(
        request,
        "transcripts/verify_paper.html",
        {
            "document": document,
            "kind_label": documents.FORM_NAME[document.kind],
            "signatures": list(document.signatures.order_by("order")),
            "pages": range(1, document.pages + 1),
            "current": versions[-1] if versions else None,
        },
    )


@require_safe
def verify_paper_page(request, token, page):
    """One page of the document as an image (the current version, 60 dpi: enough to compare marks)."""
    try:
        document = _paper(request, token, what="image", limit=PAPER_IMAGES_PER_MINUTE)
    except TooManyChecks:
        return HttpResponse(status=429)
    if not 1 <= page <= max(document.pages, 1) or page > 200:
        raise Http404
    with document.file.open("rb") as f:
        pdf = f.read()
    pdftoppm = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"  # poppler-utils
    try:
        png = subprocess.run(  # noqa: S603 — a fixed program and arguments; the PDF goes in on stdin
            [pdftoppm, "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", "-"],
            input=pdf,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        raise Http404 from None  # a stored file poppler cannot draw: nothing to show
    if not png:
        raise Http404
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_http_methods(["GET", "POST"])
def verify_upload(request):
    """Anyone may check a PDF file: is it the portal's, unchanged, and who signed it."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = signing.verify_pdf(form.cleaned_data["file"].read())
    return render(request, "transcripts/verify_upload.html", {"form": form, "result": result})
