"""Printed documents (class book, results summary, teacher's book, học bạ, register; docs/workflows.md §8).

Every PDF the portal issues as a book is kept: its public id and the hash of what it prints go into the
QR code on every page, its file (PDF/A) stays in private storage and grows one incremental revision per
digital signature. The school's signing certificate is kept encrypted; batches of books are rendered by
background workers.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gradebook.models import Enrolment, private_storage


def document_path(instance, filename: str) -> str:
    return f"documents/{instance.school_id}/{instance.uuid}.pdf"


def batch_path(instance, filename: str) -> str:
    return f"batches/{instance.school_id}/{instance.uuid}.zip"


class PrintedDocument(models.Model):
    class Kind(models.TextChoices):
        CLASS_BOOK = "class_book", _("Class book")
        RESULTS_SUMMARY = "results_summary", _("Results summary")
        TEACHER_BOOK = "teacher_book", _("Teacher's book")
        TRANSCRIPT = "transcript", _("Transcript")
        REGISTER = "register", _("Student register")
        CORRECTION_REQUEST = "correction_request", _("Correction request")
        CORRECTION_RECORD = "correction_record", _("Correction record")
        QUALITY_REPORT = "quality_report", _("Public quality report")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey("accounts.School", on_delete=models.PROTECT, related_name="documents")
    school_year = models.ForeignKey(
        "gradebook.SchoolYear", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    classroom = models.ForeignKey(
        "gradebook.Classroom", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    student = models.ForeignKey(
        "gradebook.Student", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    correction = models.ForeignKey(
        "gradebook.CorrectionRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    period = models.CharField(_("period"), max_length=4, blank=True)  # HK1 / HK2 / year (summaries)
    blank = models.BooleanField(_("blank form"), default=False)  # the teacher's book before the year
    title = models.CharField(_("title"), max_length=300)
    # sha256 of the document's content as printed (the body, without print time and QR code): the
    # QR code carries it, so a paper copy can be checked against the portal
    content_hash = models.CharField(max_length=64)
    # what the QR code of the paper copy carries: random, used nowhere else, so that only someone holding
    # the paper reaches the page that shows its pages (a uuid also appears in staff links)
    verify_token = models.CharField(max_length=40, unique=True, editable=False)
    file = models.FileField(upload_to=document_path, storage=private_storage, max_length=200)
    original_sha256 = models.CharField(max_length=64)  # the file as rendered
    pdf_sha256 = models.CharField(max_length=64, db_index=True)  # the file as it stands (after signatures)
    pages = models.PositiveIntegerField(default=0)
    # those who sign by name before the roles, fixed when printed: [[user id, title]] — the subject
    # teachers of a class's books, the requester (and others) of a correction paper
    subject_signers = models.JSONField(default=list, blank=True)
    # where each signer's block is on the page, measured when rendered: {"homeroom": [page, x0, y0, x1,
    # y1], "subject-12": …} in PDF points; each signature's appearance is drawn there
    signature_places = models.JSONField(default=dict, blank=True)
    complete = models.BooleanField(default=False)  # every signature, the seal last, is on it
    printed_at = models.DateTimeField(_("printed at"), default=timezone.now)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        "PrintBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )

    class Meta:
        ordering = ["-printed_at"]
        verbose_name = _("printed document")

    def __str__(self) -> str:
        return self.title

    @property
    def school_id_for_tenancy(self) -> int:
        return self.school_id

    def homeroom_teacher(self):
        """The homeroom teacher of the class the document is of (for a học bạ: of the student's latest
        class at this school), who may read and sign it."""
        if self.classroom_id:
            return self.classroom.homeroom_teacher
        if self.student_id:
            enrolment = (
                Enrolment.objects.filter(
                    student_id=self.student_id, classroom__school_year__school=self.school
                )
                .select_related("classroom__homeroom_teacher")
                .order_by("-classroom__school_year__start_year", "-start_date")
                .first()
            )
            return enrolment.classroom.homeroom_teacher if enrolment else None
        return None


class DocumentVersion(models.Model):
    """Every file of a document the portal handed out: the rendering (number 0) and each signed revision
    (number n after the n-th signature). Verification accepts exactly these bytes and names an earlier
    one as such (docs/forms.md §9b)."""

    document = models.ForeignKey(PrintedDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    signer_name = models.CharField(max_length=150, blank=True)  # whose signature made this version

    class Meta:
        ordering = ["document", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="uniq_document_version")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class DocumentSignature(models.Model):
    """One PAdES signature added to a document, in turn (homeroom or subject teacher, then principal)."""

    document = models.ForeignKey(PrintedDocument, on_delete=models.CASCADE, related_name="signatures")
    order = models.PositiveSmallIntegerField()
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=150)
    role_title = models.CharField(max_length=100)
    field_name = models.CharField(max_length=40)
    signed_at = models.DateTimeField(default=timezone.now)
    # the school's organisation certificate (the seal), or the signer's own
    certificate = models.ForeignKey(
        "SigningCertificate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    personal_certificate = models.ForeignKey(
        "PersonalCertificate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["document", "order"]
        constraints = [models.UniqueConstraint(fields=["document", "order"], name="one_signature_per_turn")]

    def __str__(self) -> str:
        return f"{self.signer_name} ({self.role_title})"


class SigningCertificate(models.Model):
    """The school's signing certificate (PKCS#12), encrypted at rest with the portal's key; only the
    certificate (public part) is kept in clear, for verification."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE, related_name="certificates")
    encrypted_pkcs12 = models.BinaryField()
    encrypted_passphrase = models.BinaryField()
    certificate_der = models.BinaryField()
    subject = models.CharField(_("holder"), max_length=300)
    issuer = models.CharField(_("issuer"), max_length=300)
    serial = models.CharField(max_length=80)
    fingerprint = models.CharField(max_length=64, unique=True)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    active = models.BooleanField(_("in use"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("signing certificate")

    def __str__(self) -> str:
        return self.subject


class SchoolAuthority(models.Model):
    """The school's certificate authority in the portal: it issues its signers' personal certificates
    when the school has none from a public CA (docs/forms.md §9b). Its key is encrypted at rest."""

    school = models.OneToOneField("accounts.School", on_delete=models.CASCADE, related_name="authority")
    encrypted_pkcs12 = models.BinaryField()
    certificate_der = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    # the image of the school's own seal (PNG, transparent background), drawn by the seal signature;
    # without it the portal draws one from the school's name (transcripts/appearance.py)
    seal_png = models.BinaryField(default=b"", blank=True)

    def __str__(self) -> str:
        return f"CA {self.school}"


class PersonalCertificate(models.Model):
    """A signer's certificate in their own name: issued by the school's authority, or a PKCS#12 of the
    person's own from a public CA; encrypted at rest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    school = models.ForeignKey(
        "accounts.School", on_delete=models.CASCADE, related_name="personal_certificates"
    )
    encrypted_pkcs12 = models.BinaryField()
    encrypted_passphrase = models.BinaryField(default=b"", blank=True)  # of an uploaded file
    certificate_der = models.BinaryField()
    subject = models.CharField(max_length=300)
    issuer = models.CharField(max_length=300, blank=True)
    fingerprint = models.CharField(max_length=64, unique=True)
    not_after = models.DateTimeField()
    issued_at = models.DateTimeField(default=timezone.now)
    uploaded = models.BooleanField(default=False)  # the person's own, from a public CA
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.subject


class PrintBatch(models.Model):
    """Printing many books at once (every class's book, the whole school's học bạ) in the background:
    one task per class, in parallel workers; the documents zipped when the last one is done."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Printing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE, related_name="print_batches")
    school_year = models.ForeignKey("gradebook.SchoolYear", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=PrintedDocument.Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)  # documents to render
    done = models.PositiveIntegerField(default=0)
    parts = models.PositiveIntegerField(default=0)  # tasks (classes)
    parts_done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    archive = models.FileField(upload_to=batch_path, storage=private_storage, max_length=200, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.done}/{self.total})"

    @property
    def school_id_for_tenancy(self) -> int:
        return self.school_id

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


class SignBatch(models.Model):
    """One confirmation that signs many documents (a class's or the school's học bạ) in the background:
    exactly the documents listed when the signer confirmed, each only if it is still their turn."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Signing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE, related_name="sign_batches")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=300)
    documents = models.JSONField(default=list)  # the documents' ids, as confirmed
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # no longer the signer's turn, or refused
    parts = models.PositiveIntegerField(default=0)
    parts_done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.description} ({self.done}/{self.total})"

    @property
    def school_id_for_tenancy(self) -> int:
        return self.school_id

    @property
    def percent(self) -> int:
        return round(100 * (self.done + self.skipped) / self.total) if self.total else 0
