"""Issuing a printed book: build its content, render it to PDF/A with the page furniture every printout
carries (school and document name, page n / N, print time, seam-stamp band, QR code with the document's
id and content hash), keep it, and say who signs it in which order.

The content hash is taken over the document's body as rendered (everything it states, without the print
time and the QR code itself), so a paper copy can be checked against the portal's record.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts import authz
from accounts.models import Role, School, User
from gradebook.models import Classroom, CorrectionRequest, SchoolYear, Student, Term
from sodiem.qr import qr_data_uri
from transcripts import kept_pages, papers, selectors
from transcripts.models import DocumentVersion, PrintBatch, PrintedDocument
from transcripts.pdf import SIGN, SIGN_AND_SEAL, date_line, layout, signer

Kind = PrintedDocument.Kind

FORM_NAME = {
    Kind.CLASS_BOOK: "Sổ theo dõi và đánh giá học sinh (theo lớp học)",
    Kind.RESULTS_SUMMARY: "Bảng tổng hợp kết quả đánh giá giáo dục",
    Kind.TEACHER_BOOK: "Sổ theo dõi và đánh giá học sinh (của giáo viên)",
    Kind.TRANSCRIPT: "Học bạ",
    Kind.REGISTER: "Sổ đăng bộ",
    Kind.CORRECTION_REQUEST: "Giấy đề nghị thay đổi thông tin",
    Kind.CORRECTION_RECORD: "Biên bản sửa điểm",
    Kind.QUALITY_REPORT: "Công khai chất lượng giáo dục",
}
TEMPLATE = {
    Kind.CLASS_BOOK: "transcripts/class_book.html",
    Kind.RESULTS_SUMMARY: "transcripts/results_summary.html",
    Kind.TEACHER_BOOK: "transcripts/teacher_book.html",
    Kind.TRANSCRIPT: "transcripts/transcript.html",
    Kind.REGISTER: "transcripts/register.html",
    Kind.CORRECTION_REQUEST: "transcripts/correction_request.html",
    Kind.CORRECTION_RECORD: "transcripts/correction_record.html",
    Kind.QUALITY_REPORT: "transcripts/quality_report.html",
}
PAPERS = (Kind.CORRECTION_REQUEST, Kind.CORRECTION_RECORD)
PERIOD_NAME = {Term.Code.HK1: "học kì I", Term.Code.HK2: "học kì II", "year": "cả năm"}


@dataclass(frozen=True)
class Target:
    """What a document is about: a class (class book, summary), a student (học bạ), a teacher
    (teacher's book) or the school (register), in a school year."""

    kind: str
    school: School
    school_year: SchoolYear
    classroom: Classroom | None = None
    student: Student | None = None
    teacher: User | None = None
    period: str = ""
    blank: bool = False
    correction: CorrectionRequest | None = None

    @property
    def title(self) -> str:
        name = FORM_NAME[self.kind]
        year = f"năm học {self.school_year.start_year}-{self.school_year.start_year + 1}"
        if self.kind == Kind.CLASS_BOOK:
            return f"{name} — lớp {self.classroom.name}, {year}"
        if self.kind == Kind.RESULTS_SUMMARY:
            return f"{name} — lớp {self.classroom.name}, {PERIOD_NAME[self.period]}, {year}"
        if self.kind == Kind.TEACHER_BOOK:
            blank = " (bản trắng đầu năm)" if self.blank else ""
            return f"{name} — {self.teacher.full_name}, {year}{blank}"
        if self.kind == Kind.TRANSCRIPT:
            return f"{name} — {self.student.full_name}"
        if self.kind in PAPERS:
            c = self.correction
            number = (
                f" số {c.record_number}" if self.kind == Kind.CORRECTION_RECORD and c.record_number else ""
            )
            return f"{name}{number} — {c.requested_by.full_name}, lớp {c.assignment.classroom.name}, môn {c.assignment.subject.name}, ngày {timezone.localtime(c.requested_at):%d/%m/%Y}"
        return f"{name} — {year}"


def content(target: Target) -> dict:
    """The document's data, from the gradebook (transcripts.selectors)."""
    if target.kind == Kind.CLASS_BOOK:
        data = selectors.class_book(target.classroom)
    elif target.kind == Kind.RESULTS_SUMMARY:
        data = selectors.results_summary(target.classroom, target.period)
    elif target.kind == Kind.TEACHER_BOOK:
        data = selectors.teacher_book(target.teacher, target.school_year, blank=target.blank)
    elif target.kind == Kind.TRANSCRIPT:
        data = selectors.transcript(target.student)
    elif target.kind == Kind.CORRECTION_REQUEST:
        return papers.correction_request(target.correction)
    elif target.kind == Kind.CORRECTION_RECORD:
        return papers.correction_record(target.correction)
    elif target.kind == Kind.QUALITY_REPORT:
        return papers.quality_report_paper(target.school, target.school_year)
    else:
        data = selectors.register(target.school, target.school_year)
    if target.kind == Kind.TRANSCRIPT:
        # the pages of the document's year carry its signatures (the subject teachers', the homeroom
        # teacher's, the principal's and the seal)
        for year in data["years"]:
            year["signing"] = not year["external"] and year["start_year"] == target.school_year.start_year
    data["date_line"] = date_line(target.school.printed_place, timezone.localdate())
    data["blank_date_line"] = date_line(target.school.printed_place, None)
    data["SIGN"], data["SIGN_AND_SEAL"] = SIGN, SIGN_AND_SEAL
    principal = selectors.school_principal(target.school)
    data["principal_signer"] = signer(
        "Hiệu trưởng", SIGN_AND_SEAL, name=principal.full_name if principal else ""
    )
    return data


def new_verify_token() -> str:
    return secrets.token_urlsafe(18)  # 144 random bits; 24 characters, short enough for a small QR


def verification_url(token: str) -> str:
    """The QR code's address: the paper check of one document (transcripts/views_books.verify_paper)."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse('verify_paper', args=[token])}"


def document_html(
    target: Target, data: dict, *, document_uuid, printed_at, token: str = "", laid_out: dict | None = None
) -> tuple[str, str]:
    """(the whole HTML, the content hash): the document's body, hashed, inside the page furniture. With
    `laid_out`, the data the pages are laid out from (blank pages where kept pages go): the hash is
    still over the whole body."""
    body = render_to_string(TEMPLATE[target.kind], data)
    content_hash = hashlib.sha256(body.encode()).hexdigest()
    if laid_out is not None:
        body = render_to_string(TEMPLATE[target.kind], laid_out)
    html = render_to_string(
        "transcripts/document.html",
        {
            "body": mark_safe(body),  # noqa: S308 — rendered by our own template, values escaped there
            "school": target.school,
            "kind_label": FORM_NAME[target.kind],
            "printed_at": timezone.localtime(printed_at),
            "qr": qr_data_uri(verification_url(token or new_verify_token())),
            "short_id": str(document_uuid)[:8],
        },
    )
    return html, content_hash


def render(target: Target, *, document_uuid=None, printed_at=None, data: dict | None = None, token: str = ""):
    """(pdf bytes, content hash, page count) of a document; PDF/A-3b, the archive format."""
    document_uuid = document_uuid or uuid.uuid4()
    printed_at = printed_at or timezone.now()
    token = token or new_verify_token()
    data = content(target) if data is None else data
    laid_out, kept = None, {}
    if target.kind == Kind.TRANSCRIPT:
        # the parts that read as at an earlier printing (cover, guide, page 1, the years it does not
        # sign) drawn from their kept pages over blank pages of this document (transcripts/kept_pages.py)
        laid_out = {**data, "years": [dict(y) for y in data["years"]]}
        kept = kept_pages.prepare(laid_out)
    html, content_hash = document_html(
        target, data, document_uuid=document_uuid, printed_at=printed_at, token=token, laid_out=laid_out
    )
    rendered = layout(html, document=True)
    if data.get("needs_page_count"):
        # the closing line states the book's page count ("Sổ này có … trang"): lay out once more with it
        data["page_count"] = len(rendered.pages)
        html, content_hash = document_html(
            target, data, document_uuid=document_uuid, printed_at=printed_at, token=token
        )
        rendered = layout(html, document=True)
    pdf = kept_pages.stamp(rendered.write_pdf(pdf_variant="pdf/a-3b"), rendered, kept)
    return pdf, content_hash, len(rendered.pages), signature_places(rendered)


def signature_places(rendered) -> dict[str, list]:
    """Each signer's block, found by its id (`sig-homeroom`, `sig-subject-12`, `sig-principal`, … ; a
    block repeated on later pages ends in `--n`): its first page and box in PDF points, the origin at the
    bottom left (WeasyPrint measures CSS pixels from the top left; 1 px = 0.75 pt)."""
    places: dict[str, list] = {}
    for index, page in enumerate(rendered.pages):
        for name, (x0, y0, x1, y1) in page.anchors.items():
            if name.startswith("sig-"):
                key = name[4:].split("--")[0]
                places.setdefault(
                    key,
                    [index, *(round(v * 0.75, 2) for v in (x0, page.height - y1, x1, page.height - y0))],
                )
    return places


def current_document(target: Target) -> PrintedDocument | None:
    """The paper as stored, when what it states has not changed since it was last issued (its
    signatures on it)."""
    body = render_to_string(TEMPLATE[target.kind], content(target))
    content_hash = hashlib.sha256(body.encode()).hexdigest()
    return (
        PrintedDocument.objects.filter(
            school=target.school,
            school_year=target.school_year,
            kind=target.kind,
            correction=target.correction,
            content_hash=content_hash,
        )
        .order_by("-printed_at")
        .first()
    )


def current_or_issue(target: Target, *, user: User | None) -> PrintedDocument:
    """The stored paper while it is current, else a new one: a correction paper or a quality report
    printed twice unchanged is one document."""
    return current_document(target) or issue(target, user=user)


def issue(target: Target, *, user: User | None, batch: PrintBatch | None = None) -> PrintedDocument:
    """Render and keep one document; its row and its file are written together."""
    document_uuid = uuid.uuid4()
    printed_at = timezone.now()
    token = new_verify_token()
    pdf, content_hash, pages, places = render(
        target, document_uuid=document_uuid, printed_at=printed_at, token=token
    )
    digest = hashlib.sha256(pdf).hexdigest()
    document = PrintedDocument(
        uuid=document_uuid,
        school=target.school,
        school_year=target.school_year,
        kind=target.kind,
        classroom=target.classroom,
        student=target.student,
        teacher=target.teacher,
        period=target.period,
        blank=target.blank,
        title=target.title,
        content_hash=content_hash,
        verify_token=token,
        correction=target.correction,
        subject_signers=subject_signers(target),
        signature_places=places,
        original_sha256=digest,
        pdf_sha256=digest,
        pages=pages,
        printed_at=printed_at,
        printed_by=user,
        batch=batch,
    )
    document.file.save(f"{document_uuid}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            document.save()
            DocumentVersion.objects.create(document=document, number=0, sha256=digest, created_at=printed_at)
    except BaseException:
        document.file.delete(save=False)  # no file without its row
        raise
    return document


# -- who signs, in which order -------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    step: str  # subject / homeroom / teacher / principal
    title: str  # printed with the signature
    user_id: int | None = None  # a subject teacher's turn is theirs alone


def subject_signers(target: Target) -> list[list]:
    """The subject teachers of the class a document is about, each once, in the order of their first
    subject: [[user id, "Giáo viên môn học (Toán, Tin học)"]] — they sign their subjects' part first
    ("GVBM ký xác nhận, GVCN ký xác nhận, Hiệu trưởng ký xác nhận"; docs/forms.md §2.11)."""
    if target.kind in PAPERS:
        return papers.named_signers(target.correction, target.kind)
    classroom = target.classroom
    if target.kind == Kind.TRANSCRIPT and target.student is not None:
        enrolment = (
            target.student.enrolments.filter(classroom__school_year=target.school_year)
            .select_related("classroom")
            .order_by("-start_date")
            .first()
        )
        classroom = enrolment.classroom if enrolment else None
    if classroom is None or target.kind not in (Kind.CLASS_BOOK, Kind.RESULTS_SUMMARY, Kind.TRANSCRIPT):
        return []
    subjects: dict[int, list[str]] = {}
    for assignment in (
        classroom.assignments.filter(teacher__isnull=False)
        .select_related("subject")
        .order_by("subject__order", "subject__name")
    ):
        subjects.setdefault(assignment.teacher_id, []).append(assignment.subject.printed_name)
    return [[teacher_id, f"Giáo viên môn học ({', '.join(names)})"] for teacher_id, names in subjects.items()]


SEAL = Turn("seal", "Văn thư (đóng dấu)")


def turns(document: PrintedDocument) -> list[Turn]:
    """Signers in order (docs/forms.md §2.11, §4, §5, §9b): the subject teachers of the class, the teacher
    who keeps the book, the principal, then the clerk with the school's seal."""
    principal = Turn("principal", "Hiệu trưởng")
    if document.kind == Kind.REGISTER:
        return [principal, SEAL]
    if document.kind == Kind.QUALITY_REPORT:
        return [Turn("principal", "Thủ trưởng đơn vị"), SEAL]
    if document.kind in PAPERS:
        people = [Turn("person", title, user_id) for user_id, title in document.subject_signers or []]
        if document.kind == Kind.CORRECTION_REQUEST:
            return [*people, Turn("homeroom", "Giáo viên chủ nhiệm"), principal, SEAL]
        return [*people, SEAL]
    if document.kind == Kind.TEACHER_BOOK:
        return [Turn("teacher", "Giáo viên môn học"), principal, SEAL]
    subjects = [Turn("subject", title, user_id) for user_id, title in document.subject_signers or []]
    return [*subjects, Turn("homeroom", "Giáo viên chủ nhiệm"), principal, SEAL]


def homeroom_of(document: PrintedDocument) -> User | None:
    return document.homeroom_teacher()


def next_turn(document: PrintedDocument) -> Turn | None:
    done = getattr(document, "signed", None)
    if done is None:
        done = document.signatures.count()
    order = turns(document)
    return order[done] if done < len(order) else None


def next_turn_of(kind: str, subject_signers: list | None, signed: int) -> Turn | None:
    """next_turn() of a document read as a plain row: its kind, signers and signatures made."""
    # turns() reads the kind and the signers only
    return next_turn(SimpleNamespace(kind=kind, subject_signers=subject_signers, signed=signed))  # type: ignore[arg-type]


def may_sign(user: User, document: PrintedDocument, turn: Turn) -> bool:
    return turn_is_theirs(
        user,
        authz.roles_in(user, document.school),
        turn,
        teacher_id=document.teacher_id,
        homeroom_id=lambda: getattr(homeroom_of(document), "pk", None),
    )


def turn_is_theirs(
    user: User, roles: set, turn: Turn, *, teacher_id, homeroom_id: Callable[[], int | None]
) -> bool:
    """Whether `turn` of a document is the user's, who holds `roles` in its school: the document told by
    the teacher who keeps it and (asked only for the homeroom teacher's turn) its homeroom teacher's id —
    a list of documents read as plain rows asks the same rule (signing_batches.waiting_for)."""
    if turn.step == "principal":
        return bool(roles & {Role.PRINCIPAL, Role.VICE_PRINCIPAL})
    if turn.step == "seal":
        return Role.CLERK in roles
    if turn.step == "teacher":
        return teacher_id == user.pk
    if turn.step in ("subject", "person"):
        return turn.user_id == user.pk
    homeroom = homeroom_id()
    return homeroom is not None and homeroom == user.pk


def signature_title(user: User, document: PrintedDocument, turn: Turn) -> str:
    """A vice principal signs for the principal: `KT. HIỆU TRƯỞNG / PHÓ HIỆU TRƯỞNG` (docs/forms.md §1.7)."""
    if turn.step == "principal" and Role.PRINCIPAL not in authz.roles_in(user, document.school):
        return "KT. Hiệu trưởng - Phó Hiệu trưởng"
    return turn.title


def approved_transcript(student) -> PrintedDocument | None:
    """The latest học bạ of the student signed by everyone in turn and sealed: what the family
    may download (docs/workflows.md §1). A transcript still waiting for a signature is not shown to them."""
    candidates = (
        PrintedDocument.objects.filter(
            kind=Kind.TRANSCRIPT, student=student, school=student.school, blank=False
        )
        .filter(complete=True)
        .order_by("-printed_at")
    )
    return candidates.first()
