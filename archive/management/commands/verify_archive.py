"""`manage.py verify_archive FILE…`: check sealed year archives — the signature over the manifest, every
file against its SHA-256, nothing added. Exit status 0 when every archive is intact, 1 otherwise."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive import bundle


class Command(BaseCommand):
    help = "Check sealed year archives: signature, every file's SHA-256, nothing added."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files, **options):
        all_ok = True
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            result = bundle.verify(path)
            all_ok &= result.ok
            manifest = result.manifest
            self.stdout.write(
                f"{path}: {'VALID' if result.ok else 'NOT VALID'}"
                + (f" — {manifest['school']['name']}, {manifest['school_year']}" if manifest else "")
            )
            if result.signer:
                when = f" at {result.signed_at:%d/%m/%Y %H:%M}" if result.signed_at else ""
                self.stdout.write(f"  signed by {result.signer}{when}; {result.checked} files checked")
            for error in result.errors:
                self.stdout.write(f"  {error}")
        if not all_ok:
            raise SystemExit(1)
