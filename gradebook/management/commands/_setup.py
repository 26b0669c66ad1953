"""What the set-up commands share: the school by its code, the person they act as, the report."""

from __future__ import annotations

from django.core.management.base import CommandError

from accounts.models import Role, RoleAssignment, School, User


def school_and_actor(code: str, username: str | None) -> tuple[School, User]:
    """The school, and who the command acts as: `--user`, else the school's first admin-board (or IT
    staff) account — the trail names a person, never "the system"."""
    school = School.objects.filter(code=code).first()
    if school is None:
        raise CommandError(f"No school with the code {code}.")
    holders = RoleAssignment.objects.filter(school=school, role__in=[Role.ADMIN_BOARD, Role.IT_STAFF])
    if username:
        holders = holders.filter(user__username=username)
    found = holders.select_related("user").order_by("role", "pk").first()
    if found is None:
        raise CommandError(f"{username or 'No one'} holds the admin board or IT staff role in {code}.")
    return school, found.user


def year_of(school: School, start_year: int | None):
    """The year a command works on: `--year`, else the school's current one."""
    from gradebook.models import SchoolYear

    years = SchoolYear.objects.filter(school=school)
    found = (
        years.filter(start_year=start_year).first() if start_year else years.filter(is_current=True).first()
    )
    if found is None:
        raise CommandError(
            f"{school.code} has no school year {start_year or '(current)'}: run setup_year first."
        )
    return found


def add_import_arguments(parser) -> None:
    """The arguments every import command takes: the file, the school, the year, a dry run, who acts."""
    parser.add_argument("file")
    parser.add_argument("--school", required=True)
    parser.add_argument("--year", type=int, help="start year; default: the school's current year")
    parser.add_argument("--dry-run", action="store_true", help="show every fate, write nothing")
    parser.add_argument("--user", help="act as this admin-board or IT-staff account")


def import_context(o: dict):
    """(school, actor, school year, file name, bytes) of an import command's arguments."""
    from pathlib import Path

    school, actor = school_and_actor(o["school"], o["user"])
    school_year = year_of(school, o["year"])
    path = Path(o["file"])
    if not path.is_file():
        raise CommandError(f"No file {path}.")
    return school, actor, school_year, path.name, path.read_bytes()
