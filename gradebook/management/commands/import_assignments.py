"""manage.py import_assignments — the teaching-assignment matrix from an Excel file, as the page does.

    manage.py import_assignments phan-cong.xlsx --school THPT-NT [--year 2026] [--dry-run] [--from 10/11/2026]

One row per class, a column per subject (the heading is the subject's name, short name or code), a GVCN
column for the homeroom teacher; a cell names a teacher by username, full name, or "Name (username)".
Prints every cell's fate; writes the new and changed ones unless --dry-run. Exits non-zero when nothing
could be written.
"""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from gradebook.management.commands._setup import add_import_arguments, import_context
from gradebook.services import assignments


class Command(BaseCommand):
    help = "Import the teaching-assignment matrix from Excel (preview with --dry-run)."

    def add_arguments(self, parser):
        add_import_arguments(parser)
        parser.add_argument("--from", dest="effective", help="the day the changes take effect, dd/mm/yyyy")

    def handle(self, *args, **o):
        school, actor, school_year, name, data = import_context(o)
        effective = None
        if o["effective"]:
            try:
                effective = datetime.strptime(o["effective"], "%d/%m/%Y").date()
            except ValueError:
                raise CommandError("--from takes a date dd/mm/yyyy.") from None
        try:
            batch, result = assignments.upload(actor, school_year, name, data)
            if not o["dry_run"] and result.writable:
                result = assignments.apply(actor, batch, effective=effective)
        except assignments.AssignmentError as exc:
            raise CommandError(str(exc)) from None
        for cell in result.cells:
            line = f"{cell.label}: {cell.fate} — {cell.text}"
            if cell.reason:
                line += f" ({cell.reason})"
            self.stdout.write(line)
        self.stdout.write(
            f"{school.name}, {school_year}: {result.count('new')} new, {result.count('changed')} changed, "
            f"{result.count('unchanged')} unchanged, {result.count('refused')} refused"
            + (" (dry run: nothing written)" if o["dry_run"] else "")
        )
        if not result.writable:
            raise CommandError("Nothing to write.")
