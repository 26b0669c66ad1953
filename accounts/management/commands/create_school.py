"""manage.py create_school — a new school of the deployment with its first admin-board account.

    manage.py create_school --province 01 "Thành phố Hà Nội" --district 005 "Quận Cầu Giấy" \\
        --code THCS-NT --name "Trường THCS Nghĩa Tân" --level THCS --admin bqt.nghiatan "Lê Văn Quản"

Prints the admin's temporary password (to be changed at first sign-in). Everything else (accounts,
roles) is then done in the portal by that admin board.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import District, Province, Role, RoleAssignment, School, User
from accounts.services import temporary_password, validate_account_fields


class Command(BaseCommand):
    help = "Create a school and its first admin-board account."

    def add_arguments(self, parser):
        parser.add_argument("--province", nargs=2, metavar=("CODE", "NAME"), required=True)
        parser.add_argument("--district", nargs=2, metavar=("CODE", "NAME"), required=True)
        parser.add_argument("--code", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--level", choices=["THCS", "THPT"], default="THCS")
        parser.add_argument("--admin", nargs=2, metavar=("USERNAME", "FULL_NAME"), required=True)

    @transaction.atomic
    def handle(self, *args, **o):
        if School.objects.filter(code=o["code"]).exists():
            raise CommandError(f"School {o['code']} already exists")
        username, full_name = o["admin"]
        errors = validate_account_fields(username, full_name, "")
        if errors:
            raise CommandError(" ".join(errors.values()))
        province, _ = Province.objects.get_or_create(
            code=o["province"][0], defaults={"name": o["province"][1]}
        )
        district, _ = District.objects.get_or_create(
            province=province, code=o["district"][0], defaults={"name": o["district"][1]}
        )
        school = School.objects.create(district=district, code=o["code"], name=o["name"], level=o["level"])
        password = temporary_password()
        admin = User(username=username, full_name=full_name, must_change_password=True)
        admin.set_password(password)
        admin.save()
        RoleAssignment.objects.create(user=admin, role=Role.ADMIN_BOARD, school=school)
        self.stdout.write(self.style.SUCCESS(f"Created {school.name} ({school.code})."))
        self.stdout.write(f"Admin board account: {username}  temporary password: {password}")
