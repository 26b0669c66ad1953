"""`manage.py create_db_roles --admin-url URL`: the two PostgreSQL roles of a deployment (the owner that
migrates, the application role the processes connect as) and, optionally, the database owned by the
owner. Idempotent. Needs a role that may create roles; `make run`, `make test` and docker-compose run it."""

import os

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the owner and application PostgreSQL roles (and the database) when missing."

    def add_arguments(self, parser):
        parser.add_argument("--admin-url", default=os.environ.get("DATABASE_ADMIN_URL", ""))
        parser.add_argument("--owner", default="sodiem_owner")
        parser.add_argument("--app", default=os.environ.get("DATABASE_APP_ROLE", "sodiem_app"))
        parser.add_argument("--database", default="", help="create this database, owned by the owner")
        parser.add_argument("--owner-password-env", default="", help="variable holding the owner's password")
        parser.add_argument("--app-password-env", default="", help="variable holding the app role's password")

    def handle(self, *args, admin_url, owner, app, database, owner_password_env, app_password_env, **options):
        import psycopg

        from audit.dbroles import create_roles

        if not admin_url:
            raise CommandError("--admin-url (or DATABASE_ADMIN_URL) is required")
        passwords = {
            owner: os.environ.get(owner_password_env, "") if owner_password_env else "",
            app: os.environ.get(app_password_env, "") if app_password_env else "",
        }
        try:
            done = create_roles(admin_url, owner=owner, app=app, passwords=passwords, database=database)
        except psycopg.Error as exc:
            raise CommandError(f"could not create the roles: {exc}") from None
        for line in done:
            self.stdout.write(line)
        self.stdout.write(f"roles ready: owner {owner}, application {app}")
