"""manage.py setup_year — a school year from the presets, as the "Thiết lập năm học" pages make it.

    manage.py setup_year --school THPT-NT --year 2026 --preset thpt --classes "10A1-10A3,11A1-11A2"

Creates the year and its terms (the Ministry's year frame), the departments, subjects and each grade's
curriculum (the 2018 programme, or the 2006 one for grades still under TT58), and the classes named.
What exists is kept. Prints what was done; exits non-zero when nothing was.
"""

from django.core.management.base import BaseCommand, CommandError

from gradebook.management.commands._setup import school_and_actor
from gradebook.services.setup import SetupError, set_up_year


class Command(BaseCommand):
    help = "Set up a school year: terms, curriculum and classes from the presets."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="the school's code")
        parser.add_argument("--year", type=int, required=True, help="start year, e.g. 2026 for 2026-2027")
        parser.add_argument("--preset", choices=["thcs", "thpt"], help="default: by the school's level")
        parser.add_argument("--classes", default="", help='e.g. "10A1-10A3,11A1-11A2"')
        parser.add_argument("--user", help="act as this admin-board or IT-staff account")

    def handle(self, *args, **o):
        school, actor = school_and_actor(o["school"], o["user"])
        try:
            school_year, report = set_up_year(
                actor, school, o["year"], preset=o["preset"], classes=o["classes"]
            )
        except SetupError as exc:
            raise CommandError(str(exc)) from None
        for line in report.lines():
            self.stdout.write(line)
        if not report.did_something:
            raise CommandError(f"Nothing to do: {school_year} is already set up as asked.")
        self.stdout.write(self.style.SUCCESS(f"{school.name}: {school_year} set up."))
