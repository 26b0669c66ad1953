"""Keep the monthly snapshot of the entry progress of every school whose check day is today.

Run it once a day (cron, or a Celery beat / django-tasks schedule): `manage.py snapshot_progress`.
`--date dd/mm/yyyy --force` takes a snapshot for that day whatever the check day."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import School
from gradebook.selectors.structure import current_year
from gradebook.services.progress import take_progress_snapshot


class Command(BaseCommand):
    help = "Snapshot the entry progress of the schools whose monthly check day is today."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="dd/mm/yyyy (default: today)")
        parser.add_argument("--force", action="store_true", help="whatever the school's check day")

    def handle(self, *args, **opts):
        try:
            day = datetime.strptime(opts["date"], "%d/%m/%Y").date() if opts["date"] else timezone.localdate()
        except ValueError:
            raise CommandError("--date is dd/mm/yyyy") from None
        taken = 0
        for school in School.objects.all():
            year = current_year(school)
            if year is None or (not opts["force"] and school.progress_check_day != day.day):
                continue
            take_progress_snapshot(year, day)
            taken += 1
        self.stdout.write(f"{taken} snapshot(s) taken for {day:%d/%m/%Y}.")
