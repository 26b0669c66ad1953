"""The sealed year-end archive (docs/workflows.md §8: at year end the school extracts and keeps its data, sealed,
PDF preferred; regular integrity checks).

A bundle is one zip file:

    manifest.json          what the bundle holds: every file with its SHA-256 and size
    manifest.json.p7s      a detached CMS signature of manifest.json by the school's certificate
    pdf/so-theo-doi/…      every class book (the signed copy when one exists), PDF/A
    pdf/hoc-ba/<class>/…   the học bạ of every student who finished the year, PDF/A
    pdf/so-dang-bo.pdf     the student register
    data/hoc-ba/<class>.xml  the học bạ as XML (transcripts/schema/hocba-1.0.xsd)
    data/<model>.json      the year's records as Django JSON (classes, students, scores, results…)

`verify` checks the signature over the manifest, then every file against it, and that nothing was
added; any changed byte makes it fail and says where.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from django.core import serializers
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import seals
from audit.models import ChainSeal
from gradebook.models import (
    Absence,
    Award,
    Classroom,
    ConductResult,
    CorrectionItem,
    CorrectionRequest,
    DisciplineNote,
    Enrolment,
    Exemption,
    ExternalYearRecord,
    Guardian,
    PeriodLock,
    ResultsApproval,
    SchoolYear,
    Score,
    Student,
    StudentTransfer,
    Subject,
    SubjectComment,
    TeachingAssignment,
    Term,
)
from sodiem.domain import DomainError
from sodiem.text import file_name

FORMAT = "sodiem-year-archive/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"
MAX_MEMBER_BYTES = 2 * 1024**3  # a member larger than this is not ours (zip bomb guard)


class ArchiveError(DomainError):
    """A year archive that cannot be built or read."""


def _year_querysets(year: SchoolYear) -> dict[str, object]:
    enrolments = Enrolment.objects.filter(classroom__school_year=year)
    students = Student.objects.filter(enrolments__in=enrolments).distinct()
    return {
        "school_year": SchoolYear.objects.filter(pk=year.pk),
        "terms": Term.objects.filter(school_year=year),
        "subjects": Subject.objects.filter(school=year.school),
        "classrooms": Classroom.objects.filter(school_year=year),
        "teaching_assignments": TeachingAssignment.objects.filter(classroom__school_year=year),
        "students": students,
        "guardians": Guardian.objects.filter(student__in=students),
        "external_years": ExternalYearRecord.objects.filter(student__in=students),
        "enrolments": enrolments,
        "transfers": StudentTransfer.objects.filter(
            Q(from_enrolment__in=enrolments) | Q(to_enrolment__in=enrolments)
        ),
        "scores": Score.objects.filter(enrolment__in=enrolments),
        "subject_comments": SubjectComment.objects.filter(enrolment__in=enrolments),
        "exemptions": Exemption.objects.filter(enrolment__in=enrolments),
        "conduct_results": ConductResult.objects.filter(enrolment__in=enrolments),
        "absences": Absence.objects.filter(enrolment__in=enrolments),
        "discipline_notes": DisciplineNote.objects.filter(enrolment__in=enrolments),
        "awards": Award.objects.filter(enrolment__in=enrolments),
        "results_approvals": ResultsApproval.objects.filter(classroom__school_year=year),
        "period_locks": PeriodLock.objects.filter(school_year=year),
        "correction_requests": CorrectionRequest.objects.filter(assignment__classroom__school_year=year),
        "correction_items": CorrectionItem.objects.filter(request__assignment__classroom__school_year=year),
    }


def _pdf_of(target, user: User | None) -> bytes:
    """The latest signed copy of the document when there is one (it carries the signatures); otherwise
    a fresh one, kept as a PrintedDocument so that its QR code verifies."""
    from transcripts.documents import issue
    from transcripts.models import PrintedDocument

    signed = (
        PrintedDocument.objects.filter(
            school=target.school,
            school_year=target.school_year,
            kind=target.kind,
            classroom=target.classroom,
            student=target.student,
            blank=False,
            signatures__isnull=False,
        )
        .order_by("-printed_at")
        .first()
    )
    document = signed or issue(target, user=user)
    with document.file.open("rb") as f:
        return f.read()


class _Writer:
    def __init__(self, path: Path):
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.files: list[dict] = []

    def add(self, name: str, data: bytes, *, compress: bool = True) -> None:
        info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        self.zip.writestr(info, data)
        self.files.append({"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})


def build(year: SchoolYear, user: User | None, path: Path, *, progress=None) -> dict:
    """Write the bundle of `year` to `path`; returns the manifest."""
    from transcripts import signing, xml_hocba
    from transcripts.documents import Kind, Target
    from transcripts.selectors import shared_class_results

    school = year.school
    certificate = signing.active_certificate(school)
    if certificate is None:
        raise ArchiveError(
            _("The school has no signing certificate in use: the archive cannot be sealed. Upload one first.")
        )
    writer = _Writer(path)
    counts = {"class_books": 0, "transcripts": 0, "xml": 0, "data": 0}
    classrooms = list(Classroom.objects.filter(school_year=year).order_by("grade", "name"))
    common = {"school": school, "school_year": year}
    try:
        for classroom in classrooms:
            folder = file_name(classroom.name) or str(classroom.pk)
            pdf = _pdf_of(Target(kind=Kind.CLASS_BOOK, classroom=classroom, **common), user)
            writer.add(f"pdf/so-theo-doi/{folder}.pdf", pdf, compress=False)
            counts["class_books"] += 1
            enrolments = (
                Enrolment.objects.filter(
                    classroom=classroom, status=Enrolment.Status.STUDYING, student__school=school
                )
                .select_related("student")
                .order_by("student__sort_key")
            )
            with shared_class_results():  # the class's results once for its học bạ and its XML
                for number, e in enumerate(enrolments, 1):
                    pdf = _pdf_of(Target(kind=Kind.TRANSCRIPT, student=e.student, **common), user)
                    name = file_name(e.student.full_name) or str(e.student.uuid)
                    writer.add(f"pdf/hoc-ba/{folder}/{number:02d}-{name}.pdf", pdf, compress=False)
                    counts["transcripts"] += 1
                writer.add(f"data/hoc-ba/{folder}.xml", xml_hocba.export_classroom(classroom))
            counts["xml"] += 1
            if progress:
                progress(classroom)
        writer.add("pdf/so-dang-bo.pdf", _pdf_of(Target(kind=Kind.REGISTER, **common), user), compress=False)
        for name, queryset in _year_querysets(year).items():
            writer.add(f"data/{name}.json", serializers.serialize("json", queryset, indent=1).encode())
            counts["data"] += 1
        # the school's chain sealed for the archive: its head travels inside the signed manifest
        seal = seals.seal(school.pk, ChainSeal.Reason.ARCHIVE)
        manifest = {
            "format": FORMAT,
            "seal": seals.as_dict(seal) if seal else None,
            "school": {"code": school.code, "name": school.name},
            "school_year": year.name,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "created_by": user.get_username() if user else "",
            "certificate_fingerprint": certificate.fingerprint,
            "counts": counts,
            "files": writer.files,
        }
        data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
        signature = signing.sign_detached(data, certificate)
        writer.zip.writestr(MANIFEST, data)
        writer.zip.writestr(SIGNATURE, signature)
    finally:
        writer.zip.close()
    return manifest


@dataclass
class ArchiveCheck:
    manifest: dict = field(default_factory=dict)
    signer: str = ""
    signed_at: object = None
    signature_valid: bool = False
    trusted: bool = False
    checked: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.signature_valid and self.trusted


def _check_signature(result: ArchiveCheck, data: bytes, signature: bytes, extra_roots=()) -> None:
    from transcripts.signing import check_detached

    check = check_detached(data, signature, extra_roots)
    if not check.readable:
        result.errors.append(f"{SIGNATURE}: chữ ký không đọc được")
        return
    result.signature_valid, result.trusted = check.valid, check.trusted
    result.signer, result.signed_at = check.signer, check.signed_at
    if not result.signature_valid:
        result.errors.append(f"{MANIFEST}: chữ ký số không khớp — bảng kê đã bị thay đổi")
    elif not result.trusted:
        result.errors.append(f"{SIGNATURE}: chứng thư ký không phải của một trường trong hệ thống")


def verify(source, *, extra_roots=()) -> ArchiveCheck:
    """Check a bundle (a path or a binary file object)."""
    from lxml import etree

    from transcripts import xml_hocba

    result = ArchiveCheck()
    try:
        bundle = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        result.errors.append(f"Không mở được tệp lưu trữ ({type(exc).__name__})")
        return result
    with bundle:
        names = set(bundle.namelist())
        for required in (MANIFEST, SIGNATURE):
            if required not in names:
                result.errors.append(f"Thiếu {required}")
        if result.errors:
            return result
        data = bundle.read(MANIFEST)
        _check_signature(result, data, bundle.read(SIGNATURE), extra_roots)
        try:
            result.manifest = json.loads(data)
            listed = {f["path"]: f for f in result.manifest["files"]}
        except (ValueError, KeyError, TypeError):
            result.errors.append(f"{MANIFEST}: không đọc được bảng kê")
            return result
        for extra in sorted(names - set(listed) - {MANIFEST, SIGNATURE}):
            result.errors.append(f"{extra}: tệp không có trong bảng kê")
        for path, entry in listed.items():
            if path not in names:
                result.errors.append(f"{path}: thiếu tệp")
                continue
            info = bundle.getinfo(path)
            if info.file_size != entry["size"] or info.file_size > MAX_MEMBER_BYTES:
                result.errors.append(f"{path}: kích thước khác bảng kê")
                continue
            digest = hashlib.sha256()
            try:
                with bundle.open(path) as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        digest.update(chunk)
            except (zipfile.BadZipFile, OSError, zlib.error, EOFError) as exc:  # CRC or deflate error
                result.errors.append(f"{path}: dữ liệu hỏng ({exc})")
                continue
            if digest.hexdigest() != entry["sha256"]:
                result.errors.append(f"{path}: mã băm SHA-256 khác bảng kê — tệp đã bị thay đổi")
                continue
            if path.endswith(".xml"):
                try:
                    root = etree.parse(io.BytesIO(bundle.read(path)), xml_hocba._parser()).getroot()
                    xml_hocba.schema().assertValid(root)
                except (etree.XMLSyntaxError, etree.DocumentInvalid) as exc:
                    result.errors.append(f"{path}: không theo lược đồ học bạ ({exc})")
                    continue
            result.checked += 1
    return result


def temporary_path() -> Path:
    handle = tempfile.NamedTemporaryFile(prefix="sodiem-archive-", suffix=".zip", delete=False)
    handle.close()
    return Path(handle.name)
