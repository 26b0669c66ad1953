"""`manage.py verify_pdf FILE…`: is each PDF one the portal issued, unchanged, and who signed it.
Exit status 0 when every file is valid, 1 otherwise."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from transcripts.signing import verify_pdf


class Command(BaseCommand):
    help = "Check PDF files issued by the portal: intact, signatures valid, who signed."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files, **options):
        all_ok = True
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror}") from None
            result = verify_pdf(data)
            all_ok &= result.ok
            verdict = {
                result.VALID: "VALID",
                result.EARLIER: "EARLIER VERSION",
                result.NOT_ISSUED: "NOT ISSUED BY THIS PORTAL",
            }.get(result.status, "NOT VALID")
            self.stdout.write(f"{path}: {verdict} (sha256 {result.sha256})")
            if result.superseded_by is not None:
                later = result.superseded_by
                self.stdout.write(
                    f"  superseded by the version signed on {later.created_at:%d/%m/%Y %H:%M}"
                    f" ({later.signer_name})"
                )
            if result.error:
                self.stdout.write(f"  {result.error}")
            if result.document is not None:
                d = result.document
                self.stdout.write(
                    f"  issued by {d.school.name} at {d.printed_at:%d/%m/%Y %H:%M}, document {d.uuid}"
                )
            for s in result.signatures:
                checks = []
                checks.append("intact" if s.intact and s.valid else "CHANGED")
                checks.append("school certificate" if s.trusted else "UNKNOWN certificate")
                if not s.modifications_ok:
                    checks.append("CHANGED after signing")
                when = f"{s.signed_at:%d/%m/%Y %H:%M}" if s.signed_at else "?"
                self.stdout.write(f"  {s.field}: {s.signer} ({s.holder}), {when}: {', '.join(checks)}")
            if not result.signatures and not result.error:
                self.stdout.write("  no digital signature")
        if not all_ok:
            raise SystemExit(1)
