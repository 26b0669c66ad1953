"""`OLD_CERTIFICATE_KEY=… manage.py rotate_certificate_key`: after setting a new CERTIFICATE_KEY, re-encrypt
the schools' stored signing certificates with it (they were encrypted with the old one). All or nothing."""

import os

from django.core.management.base import BaseCommand, CommandError

from transcripts.signing import SigningError, rotate_certificate_key


class Command(BaseCommand):
    help = "Re-encrypt the stored signing certificates with the current CERTIFICATE_KEY."

    def add_arguments(self, parser):
        parser.add_argument(
            "--old-key-env",
            default="OLD_CERTIFICATE_KEY",
            help="the environment variable holding the previous key (default OLD_CERTIFICATE_KEY)",
        )

    def handle(self, *args, old_key_env, **options):
        old = os.environ.get(old_key_env, "")
        if not old:
            raise CommandError(f"set {old_key_env} to the previous CERTIFICATE_KEY")
        try:
            rotated = rotate_certificate_key(old)
        except SigningError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"{rotated} certificate(s) re-encrypted with the current key"))
