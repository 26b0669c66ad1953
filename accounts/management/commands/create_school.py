"""manage.py create_school — a new school of the deployment with its first admin-board account.

    manage.py create_school --province 01 "Thành phố Hà Nội" --commune 00166 "Phường Cầu Giấy" \\
        --code THCS-NT --name "Trường THCS Nghĩa Tân" --level THCS --admin bqt.nghiatan "Lê Văn Quản"

The province and the commune are today's units (accounts/units.py: codes of the General Statistics
Office; the name given must be the unit's). Prints the admin's temporary password (to be changed at the
first sign-in). Everything else — the school's profile, year, curriculum, classes, teachers and roster —
is then done in the portal by that admin board ("Thiết lập năm học").
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.services import AccountError, create_school


class Command(BaseCommand):
    help = "Create a school and its first admin-board account."

    def add_arguments(self, parser):
        parser.add_argument("--province", nargs=2, metavar=("CODE", "NAME"), required=True)
        parser.add_argument("--commune", nargs=2, metavar=("CODE", "NAME"), required=True)
        parser.add_argument("--code", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--level", choices=["THCS", "THPT", "MULTI"], default="THCS")
        parser.add_argument("--moet-code", default="", help="the Ministry's school code")
        parser.add_argument("--admin", nargs=2, metavar=("USERNAME", "FULL_NAME"), required=True)

    def handle(self, *args, **o):
        try:
            school, admin, password = create_school(
                province=o["province"],
                commune=o["commune"],
                code=o["code"],
                name=o["name"],
                level=o["level"],
                moet_code=o["moet_code"],
                admin=o["admin"],
            )
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Created {school.name} ({school.code}), {school.commune}."))
        self.stdout.write(f"Admin board account: {admin.username}  temporary password: {password}")
