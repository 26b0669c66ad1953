"""`manage.py archive_year --school CODE --year 2026 [--output FILE]`: build the sealed year-end archive
now (the page queues the same work for the worker)."""

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive import services
from archive.models import YearArchive
from gradebook.models import SchoolYear


class Command(BaseCommand):
    help = "Build the sealed archive of a school year (PDF/A books, XML/JSON data, signed manifest)."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="school code")
        parser.add_argument("--year", type=int, required=True, help="start year, e.g. 2026 for 2026-2027")
        parser.add_argument("--output", type=Path, help="also copy the bundle to this file")

    def handle(self, *args, school, year, output, **options):
        try:
            school_year = SchoolYear.objects.select_related("school").get(
                school__code=school, start_year=year
            )
        except SchoolYear.DoesNotExist:
            raise CommandError(f"No school year {year} at school {school}") from None
        archive = YearArchive.objects.create(school=school_year.school, school_year=school_year)
        status = services.run(archive)
        if status != YearArchive.Status.DONE:
            raise CommandError(f"The archive failed: {archive.error}")
        self.stdout.write(
            f"{archive.file.name}: {archive.size} bytes, sha256 {archive.sha256}, {archive.counts}"
        )
        if output:
            with archive.file.open("rb") as src, output.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            self.stdout.write(f"copied to {output}")
