"""`manage.py verify_audit [--school CODE]`: verify the trail's chains, their seals and the current rows
against their history (docs/integrity.md). Names every break; exit status 1 when anything is wrong."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from audit.verify import check_and_record, school_label


class Command(BaseCommand):
    help = "Verify the audit and history chains of every school (or one) and report every break."

    def add_arguments(self, parser):
        parser.add_argument("--school", help="the school's code (default: every chain)")

    def handle(self, *args, school=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("the trail's chains are kept by PostgreSQL; this database keeps none")
        chains = None
        if school:
            from django.apps import apps

            found = apps.get_model("accounts", "School").objects.filter(code=school).first()
            if found is None:
                raise CommandError(f"no school with the code {school}")
            chains = [found.pk]
        reports = check_and_record(chains)
        broken = 0
        for report in reports:
            name = school_label(report.chain)
            if report.ok:
                self.stdout.write(f"{name}: intact ({report.links} links, {report.rows} rows)")
                continue
            broken += len(report.problems)
            self.stdout.write(self.style.ERROR(f"{name}: {len(report.problems)} problem(s)"))
            for problem in report.problems:
                self.stdout.write(f"  [{problem.kind}] {problem.table} {problem.row}: {problem.text}")
        if broken:
            raise CommandError(f"audit trail broken: {broken} problem(s) in {len(reports)} chain(s)")
        self.stdout.write(self.style.SUCCESS(f"audit trail intact: {len(reports)} chain(s)"))
