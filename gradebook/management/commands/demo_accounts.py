"""Print the demo accounts (used by `make run`)."""

from django.core.management.base import BaseCommand

from accounts.models import User
from gradebook.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo accounts and their password."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url, **options):
        existing = set(User.objects.filter(username__in=DEMO_ACCOUNTS).values_list("username", flat=True))
        self.stdout.write("")
        self.stdout.write("=" * 72)
        self.stdout.write(f" Sổ Điểm — demo accounts (password for all: {DEMO_PASSWORD})")
        self.stdout.write("=" * 72)
        for username, role in DEMO_ACCOUNTS.items():
            if username in existing:
                self.stdout.write(f"  {username:<15} {role}")
        self.stdout.write(f"  Open {url} and sign in.")
        self.stdout.write("=" * 72)
        self.stdout.write("")
