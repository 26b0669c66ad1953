"""Keeping the records (docs/workflows.md §8): the sealed year-end archive of a school year and the
principal's decisions to delete records past their retention period."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import School, User
from gradebook.models import SchoolYear, private_storage


def archive_path(instance: "YearArchive", filename: str) -> str:
    return f"archives/{instance.school.code}/{instance.school_year.start_year}/{filename}"


class YearArchive(models.Model):
    """One sealed bundle of a school year: every class book, học bạ and the register as PDF/A, the data
    as XML and JSON, and a manifest of SHA-256 hashes signed with the school's certificate."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="year_archives")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="archives")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=archive_path, storage=private_storage, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("year archive")

    def __str__(self):
        return f"{self.school} {self.school_year}"

    @property
    def school_id_for_tenancy(self):
        return self.school_id


class RetentionDecision(models.Model):
    """The principal approved deleting the records of students who left more than the retention period
    ago (docs/workflows.md §8). The decision keeps the list of what was deleted, as a disposal record does."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="retention_decisions")
    decision_number = models.CharField(_("decision number"), max_length=40)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    # [{"name", "date_of_birth", "left_on", "leaving_reason", "register_number"}]
    students = models.JSONField(default=list)
    deleted = models.JSONField(default=dict)  # rows deleted per model

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("retention decision")

    def __str__(self):
        return f"{self.school} {self.decision_number}"

    @property
    def school_id_for_tenancy(self):
        return self.school_id
