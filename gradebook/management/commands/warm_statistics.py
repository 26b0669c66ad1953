"""Keep every school's statistics computed: `manage.py warm_statistics` (daily jobs, and after a
deployment). Each class's figures of the current year are computed where missing and kept for another
month (gradebook/selectors/statistics.py `keep_warm`); the page then never starts from nothing."""

from django.core.management.base import BaseCommand

from accounts.models import School
from gradebook.selectors.statistics import keep_warm
from gradebook.selectors.structure import current_year


class Command(BaseCommand):
    help = "Compute and keep every school's class statistics of the current year."

    def add_arguments(self, parser):
        parser.add_argument("--school", help="one school's code (default: every school)")

    def handle(self, *args, **opts):
        schools = School.objects.order_by("code")
        if opts["school"]:
            schools = schools.filter(code=opts["school"])
        computed = warmed = 0
        for school in schools:
            year = current_year(school)
            if year is None:
                continue
            computed += keep_warm(year)
            warmed += 1
        self.stdout.write(f"{warmed} school(s) kept warm; {computed} class(es) computed.")
