"""`manage.py seal_chains [--school CODE]`: seal the heads of the chains now (the scheduler runs it daily;
locks, archives and backups seal on their own). docs/integrity.md."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from audit import seals
from audit.models import ChainSeal


class Command(BaseCommand):
    help = "Seal the head of every chain (or one school's) with the integrity key and the school's signature."

    def add_arguments(self, parser):
        parser.add_argument("--school", help="the school's code (default: every chain)")

    def handle(self, *args, school=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("the trail's chains are kept by PostgreSQL; this database keeps none")
        if school:
            from django.apps import apps

            found = apps.get_model("accounts", "School").objects.filter(code=school).first()
            if found is None:
                raise CommandError(f"no school with the code {school}")
            made = [seals.seal(found.pk, ChainSeal.Reason.MANUAL)]
        else:
            made = seals.seal_all(ChainSeal.Reason.DAILY)
        for record in made:
            self.stdout.write(f"chain {record.chain}: sealed at link {record.seq} {record.head[:16]}…")
        self.stdout.write(f"{len(made)} chain(s) sealed")
