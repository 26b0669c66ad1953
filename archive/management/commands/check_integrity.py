"""`manage.py check_integrity [--backup DIR] [--archives]`: the regular integrity check (seed 001 Đ8.3).
The audit chain, every stored printed document against its SHA-256, every year archive against its
signed manifest and, given a backup, the backup's own hashes. Exit status 1 on any problem."""

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand

from archive import bundle
from archive.backup import BackupError, check_backup
from archive.models import YearArchive
from audit.chain import verify as verify_chain
from audit.models import AuditEvent
from transcripts.models import PrintedDocument


class Command(BaseCommand):
    help = "Check the audit chain, stored documents, year archives and (optionally) a backup."

    def add_arguments(self, parser):
        parser.add_argument("--backup", type=Path, help="also check this backup directory")

    def handle(self, *args, backup, **options):
        problems: list[str] = []
        problems += [f"audit: {p}" for p in verify_chain(AuditEvent.objects.order_by("id").iterator())]
        documents = 0
        for document in PrintedDocument.objects.only("uuid", "file", "pdf_sha256").iterator():
            documents += 1
            try:
                with document.file.open("rb") as f:
                    digest = hashlib.file_digest(f, "sha256").hexdigest()
            except OSError:
                problems.append(f"document {document.uuid}: file missing")
                continue
            if digest != document.pdf_sha256:
                problems.append(f"document {document.uuid}: file changed (SHA-256 differs)")
        archives = 0
        for archive in YearArchive.objects.filter(status=YearArchive.Status.DONE).select_related(
            "school_year"
        ):
            archives += 1
            try:
                with archive.file.open("rb") as f:
                    result = bundle.verify(f)
            except OSError:
                problems.append(f"archive {archive.uuid}: file missing")
                continue
            problems += [f"archive {archive.school_year.name} ({archive.uuid}): {e}" for e in result.errors]
        if backup:
            try:
                check_backup(backup)
            except BackupError as exc:
                problems.append(f"backup: {exc}")
        for line in problems:
            self.stdout.write(f"  {line}")
        summary = f"{documents} documents, {archives} archives checked; audit chain checked"
        if problems:
            self.stdout.write(self.style.ERROR(f"{len(problems)} problem(s). {summary}."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(f"All intact. {summary}."))
