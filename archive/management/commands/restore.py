"""`manage.py restore DIR --yes`: replace the database and the stored files with a backup's, on the
principal's request (docs/workflows.md §8), then check that every table has the backup's rows and content.
Exit status 1 when a table differs."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.backup import BackupError, restore
from audit.models import AuditEvent
from audit.services import record


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` (everything written since is lost)."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path)
        parser.add_argument("--yes", action="store_true", help="confirm: the current data is replaced")
        parser.add_argument("--requested-by", default="", help="who asked for the restore (the principal)")

    def handle(self, *args, backup, yes, requested_by, **options):
        if not yes:
            raise CommandError("This replaces every record and file with the backup's: add --yes to go on.")
        try:
            report = restore(backup)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for line in report.differences:
            self.stdout.write(f"  {line}")
        if not report.ok:
            self.stdout.write(self.style.ERROR(f"Restored, but {len(report.differences)} table(s) differ."))
            raise SystemExit(1)
        # written after the check: the audit row is the first thing after the restored state
        record(AuditEvent.Action.RESTORE, path=str(backup), requested_by=requested_by)
        self.stdout.write(self.style.SUCCESS(f"Restored {backup}: {report.tables} tables match the backup."))
