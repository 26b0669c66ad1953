"""`manage.py backup [--output DIR]`: a copy of the database (pg_dump) and of the stored files, with a
manifest of per-table row counts and content hashes. Run it from cron per term and year (docs/workflows.md §8)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.backup import BackupError, backup, prune
from audit.models import AuditEvent
from audit.services import record


class Command(BaseCommand):
    help = "Back up the database and the stored files (restore with `manage.py restore DIR --yes`)."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=Path("backups"), help="parent directory")
        parser.add_argument(
            "--keep", type=int, default=0, help="then keep only this many newest backups (0: keep all)"
        )

    def handle(self, *args, output, keep, **options):
        try:
            target = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        record(AuditEvent.Action.BACKUP, path=str(target))
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}"))
        if keep > 0:
            for path in prune(output, keep):
                self.stdout.write(f"removed the older backup {path}")
