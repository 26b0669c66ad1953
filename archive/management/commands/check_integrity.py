"""`manage.py check_integrity [--backup DIR]`: the regular integrity check (docs/workflows.md §8; the scheduler
runs it nightly). Every school's chain, its seals and its current rows against their trail
(audit/verify.py), every stored printed document against its SHA-256, every year archive against its
signed manifest (its seal checked against the chain too) and, given one, a backup's own hashes and
seals. Exit status 1 on any problem."""

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand

from archive import bundle
from archive.backup import BackupError, check_backup
from archive.models import YearArchive
from audit.verify import check_and_record, school_label
from transcripts.models import PrintedDocument


class Command(BaseCommand):
    help = "Check the trail's chains, stored documents, year archives and (optionally) a backup."

    def add_arguments(self, parser):
        parser.add_argument("--backup", type=Path, help="also check this backup directory")

    def handle(self, *args, backup, **options):
        problems: list[str] = []
        anchors: list[tuple[dict, str]] = []
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
            if result.ok and result.manifest.get("seal"):
                anchors.append((result.manifest["seal"], f"archive {archive.school_year.name}"))
        if backup:
            try:
                manifest = check_backup(backup)
                anchors += [(seal, f"backup {backup.name}") for seal in manifest.get("seals", [])]
            except BackupError as exc:
                problems.append(f"backup: {exc}")
        reports = check_and_record(extra_anchors=anchors)
        for report in reports:
            problems += [
                f"{school_label(report.chain)}: [{p.kind}] {p.table} {p.row}: {p.text}"
                for p in report.problems
            ]
        for line in problems:
            self.stdout.write(f"  {line}")
        summary = (
            f"{documents} documents, {archives} archives, {len(reports)} chains "
            f"({sum(r.links for r in reports)} links, {sum(r.rows for r in reports)} rows) checked"
        )
        if problems:
            self.stdout.write(self.style.ERROR(f"{len(problems)} problem(s). {summary}."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(f"All intact. {summary}."))
