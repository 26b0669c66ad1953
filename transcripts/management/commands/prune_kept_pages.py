"""Delete the kept pages (transcripts/kept_pages.py) not written for a while.

Kept pages are a cache addressed by what they say: a file no document needs any more (a year corrected
since, a student gone) is never used again, and one deleted while still useful is only laid out anew
at the next printing. The daily jobs run this with the default age: longer than a school year, so the
pages a year-end run made are still there for the next one.
"""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from transcripts.kept_pages import PREFIX


class Command(BaseCommand):
    help = "Delete kept pages of printed documents older than --days (default 400)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=400)

    def handle(self, *args, days: int, **options):
        if not default_storage.exists(PREFIX):
            self.stdout.write("0 kept pages deleted")
            return
        before = timezone.now() - timedelta(days=days)
        deleted = 0
        folders, _files = default_storage.listdir(PREFIX)
        for folder in folders:
            _subfolders, files = default_storage.listdir(f"{PREFIX}/{folder}")
            for name in files:
                path = f"{PREFIX}/{folder}/{name}"
                if default_storage.get_modified_time(path) < before:
                    default_storage.delete(path)
                    deleted += 1
        self.stdout.write(f"{deleted} kept pages deleted")
