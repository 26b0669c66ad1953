"""manage.py import_roster — the student roster from an Excel file, as the page imports it.

    manage.py import_roster danh_sach.xlsx --school THPT-NT [--year 2026] [--dry-run]

The sector database's layout or the portal's template (columns by their headings). Prints every row's
fate — new, updated, unchanged, refused and why; writes the new and updated rows unless --dry-run.
Exits non-zero when nothing could be written.
"""

from django.core.management.base import BaseCommand, CommandError

from gradebook.management.commands._setup import add_import_arguments, import_context
from gradebook.services import roster


class Command(BaseCommand):
    help = "Import the student roster from Excel (preview with --dry-run)."

    def add_arguments(self, parser):
        add_import_arguments(parser)

    def handle(self, *args, **o):
        school, actor, school_year, name, data = import_context(o)
        try:
            batch, result = roster.upload(actor, school_year, name, data)
            if not o["dry_run"] and result.writable:
                result = roster.apply(actor, batch)
        except roster.RosterError as exc:
            raise CommandError(str(exc)) from None
        for row in result.rows:
            line = f"row {row.number}: {row.fate_label} — {row.name}"
            if row.reasons:
                line += ": " + "; ".join(row.reasons)
            elif row.changes:
                line += " (" + ", ".join(row.changes) + ")"
            self.stdout.write(line)
        counts = result.counts
        self.stdout.write(
            f"{school.name}, {school_year}: {counts['new']} new, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['refused']} refused"
            + (" (dry run: nothing written)" if o["dry_run"] else "")
        )
        if not result.writable:
            raise CommandError("Nothing to write.")
