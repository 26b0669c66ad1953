"""Audit events (logins, refused access, role grants, locks, corrections, exports, PDFs …) and the
records that make the whole trail tamper-evident (docs/integrity.md).

Field history is django-simple-history. Every history table and the audit events are append-only in
PostgreSQL and hash-chained per school by the database itself (`audit/chain.py`): ChainLink rows, one
per inserting statement and school, each holding the SHA-256 of every row it covers and the hash of the
previous link. ChainSeal rows anchor a chain's head outside the database's reach (a keyed MAC, the
school's signature, a copy on disk, in backups, archives and printed logs). IntegrityCheck keeps what
the last verification found."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
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
        SIGNING_REQUESTED = "signing_requested", _("Documents signed in one confirmation")
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
        TWO_FACTOR_ADDED = "two_factor_added", _("Two-factor device added")
        TWO_FACTOR_RESET = "two_factor_reset", _("Two-factor sign-in reset")
        PASSWORD_CHECK_FAILED = "password_check_failed", _("Wrong password given to confirm an action")
        SESSION_ENDED = "session_ended", _("Session ended for repeated wrong passwords")
        ROLE_APPOINTED = "role_appointed", _("Principal or vice principal appointed")
        RETENTION_PERIOD_SET = "retention_period_set", _("Retention period changed")
        YEAR_SET_UP = "year_set_up", _("School year set up")
        SCHOOL_PROFILE_CHANGED = "school_profile_changed", _("School profile changed")
        DATA_CHECK_CONFIRMED = "data_check_confirmed", _("Start-of-year data check confirmed")
        TEACHING_ASSIGNED = "teaching_assigned", _("Teaching assignments changed")

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

    # the chain this table's rows join: the event's school (audit/chain.py)
    chain_school = "school"

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["school", "at"])]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_name} {self.action}"


class ChainLayout(models.Model):
    """The columns of a chained table, in the order its rows are hashed, as they were when a link was
    written: a column added later by a migration does not change the hash of older rows."""

    table_name = models.CharField(max_length=63)
    columns = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["table_name", "columns"], name="uniq_chain_layout")]

    def __str__(self):
        return self.table_name


class ChainLink(models.Model):
    """One link of a school's chain, written by the database when a statement inserts rows into a
    chained table (or removes them on the lawful path of a retention decision). Never written by the
    application: see audit/chain.py for the trigger and the hash."""

    class Kind(models.TextChoices):
        INSERT = "insert", _("Rows added")
        DISPOSE = "dispose", _("Rows removed by a retention decision")

    chain = models.IntegerField()  # the school's id; 0 for rows of no school (accounts, sign-ins)
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    table_name = models.CharField(max_length=63)
    layout = models.ForeignKey(
        ChainLayout, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False
    )
    at = models.DateTimeField()
    row_ids = ArrayField(models.BigIntegerField())
    row_hashes = models.BinaryField()  # SHA-256 of each row, 32 bytes each, in row_ids order
    note = models.TextField(blank=True)
    prev_hash = models.BinaryField()
    hash = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="uniq_chain_seq")]

    def __str__(self):
        return f"{self.chain}#{self.seq} {self.table_name}"


class ChainSeal(models.Model):
    """A chain's head (its last link) at a moment, keyed with the deployment's integrity key and, when
    the school has a certificate, signed with it. Also written to a file outside the database and into
    backups, year archives and the printed correction log: rows removed after a seal, or a chain
    rewritten before it, no longer match it."""

    class Reason(models.TextChoices):
        DAILY = "daily", _("Daily seal")
        LOCK = "lock", _("Lock carried out")
        ARCHIVE = "archive", _("Year archive")
        BACKUP = "backup", _("Backup")
        PRINT = "print", _("Printed correction log")
        MANUAL = "manual", _("On request")

    chain = models.IntegerField()
    seq = models.BigIntegerField()
    head = models.CharField(max_length=64)  # hex SHA-256 of the link at `seq` ("" for an empty chain)
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    key_id = models.CharField(max_length=16)
    mac = models.CharField(max_length=64)
    signature = models.TextField(blank=True)  # base64 CMS by the school's certificate, when it has one

    class Meta:
        ordering = ["chain", "seq", "at"]
        indexes = [models.Index(fields=["chain", "at"])]

    def __str__(self):
        return f"{self.chain}#{self.seq} {self.at:%d/%m/%Y %H:%M}"


class IntegrityCheck(models.Model):
    """What one verification of a chain found (manage.py verify_audit, check_integrity; nightly)."""

    chain = models.IntegerField()
    at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField()
    links = models.PositiveIntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    problems = models.JSONField(default=list)  # [{"kind", "table", "row", "text"}], the first 200

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["chain", "at"])]

    def __str__(self):
        return f"{self.chain} {self.at:%d/%m/%Y %H:%M} {'ok' if self.ok else 'broken'}"
