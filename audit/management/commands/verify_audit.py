"""Check the audit trail's hash chain: reports every row changed or removed outside the application."""

from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify
from audit.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the hash chain over the audit events (exit status 1 when it is broken)."

    def handle(self, *args, **options):
        rows = AuditEvent.objects.order_by("id").iterator(chunk_size=5000)
        problems = verify(rows)
        count = AuditEvent.objects.count()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"audit trail broken: {len(problems)} problem(s) in {count} rows")
        self.stdout.write(self.style.SUCCESS(f"audit trail intact: {count} rows"))
