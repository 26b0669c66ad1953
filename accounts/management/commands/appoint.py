"""`manage.py appoint --school CODE --role principal|vice_principal --username NAME [--full-name "…"]`: the
deployment's IT staff appoint a school's principal or vice principal on the Department's decision (the
Department's own account may do it in the portal). A new account's temporary password is printed once."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, School
from accounts.services import AccountError, appoint


class Command(BaseCommand):
    help = "Appoint a school's principal or vice principal."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="the school's code")
        parser.add_argument("--role", required=True, choices=[Role.PRINCIPAL, Role.VICE_PRINCIPAL])
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", default="", help="for a new account")

    def handle(self, *args, school, role, username, full_name, **options):
        found = School.objects.filter(code=school).first()
        if found is None:
            raise CommandError(f"no school with the code {school}")
        try:
            user, password = appoint(None, found, username=username, role=role, full_name=full_name)
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"{user.username} is now {Role(role).label} of {found.name}."))
        if password:
            self.stdout.write(f"New account {user.username}: temporary password {password}")
