"""Audit events: logins, refused access, role grants, locks, corrections, exports, PDFs … (field
history is django-simple-history).

Rows are append-only: PostgreSQL refuses UPDATE and DELETE on the table (trigger, migration 0002), and
each row carries the SHA-256 of its content and of the previous row's hash, so `manage.py verify_audit`
finds a row changed or removed by someone with direct database access."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logout")
        ACCESS_DENIED = "access_denied", _("Access refused")
        ROLE_GRANTED = "role_granted", _("Role granted")
        ROLE_REMOVED = "role_removed", _("Role removed")
        ACCOUNT_CREATED = "account_created", _("Account created")
        ACCOUNT_DEACTIVATED = "account_deactivated", _("Account deactivated")
        PASSWORD_RESET = "password_reset", _("Password reset")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")
        LOCK_DECIDED = "lock_decided", _("Lock decided")
        LOCK_CARRIED_OUT = "lock_carried_out", _("Lock carried out")
        REOPEN_DECIDED = "reopen_decided", _("Reopening decided")
        REOPEN_CARRIED_OUT = "reopen_carried_out", _("Reopening carried out")
        CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
        CORRECTION_APPROVED = "correction_approved", _("Correction approved")
        CORRECTION_REJECTED = "correction_rejected", _("Correction rejected")
        CORRECTION_APPLIED = "correction_applied", _("Correction applied")
        EVIDENCE_VIEWED = "evidence_viewed", _("Evidence viewed")
        PDF = "pdf", _("PDF generated")
        RESULTS_SUBMITTED = "results_submitted", _("Results submitted")
        RESULTS_APPROVED = "results_approved", _("Results approved")
        RESULTS_RETURNED = "results_returned", _("Results returned")
        REMINDER_SENT = "reminder_sent", _("Reminder sent")
        CERTIFICATE_UPLOADED = "certificate_uploaded", _("Signing certificate uploaded")
        DOCUMENT_SIGNED = "document_signed", _("Document signed")
        PRINT_REQUESTED = "print_requested", _("Printing requested")
        CLASS_CHANGED = "class_changed", _("Class changed")
        DROPPED_OUT = "dropped_out", _("Dropout recorded")
        TRANSFER_REQUESTED = "transfer_requested", _("Transfer requested")
        TRANSFER_DONE = "transfer_done", _("Transfer done")
        TRANSFER_REFUSED = "transfer_refused", _("Transfer refused")
        ROLLOVER = "rollover", _("Year rollover")
        ARCHIVE_CREATED = "archive_created", _("Year archive created")
        RETENTION_DECIDED = "retention_decided", _("Deletion of old records approved")
        BACKUP = "backup", _("Backup")
        RESTORE = "restore", _("Restore")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No cascading update or delete may touch an audit row: plain references, names kept in the row.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    school = models.ForeignKey(
        "accounts.School",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["school", "at"])]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_name} {self.action}"
