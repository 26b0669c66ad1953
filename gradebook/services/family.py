"""Read-only accounts for students and their parents, created in bulk from a class's roster by the admin
board, with login slips to hand out (docs/workflows.md §1)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from accounts import authz
from accounts.authz import Action
from accounts.models import Role, RoleAssignment, User
from accounts.services import new_account
from gradebook.models import Classroom, Enrolment, Guardian, Student
from sodiem.domain import Actor, acting

RELATION_SUFFIX: dict[str, str] = {
    Guardian.Relationship.FATHER: "cha",
    Guardian.Relationship.MOTHER: "me",
    Guardian.Relationship.GUARDIAN: "gh",
}


@dataclass
class Slip:
    user: User
    password: str
    student: Student
    relation: str  # "" for the student's own account, else the guardian's relationship as shown


def _base(student: Student) -> str:
    """Usernames follow the Ministry code when there is one (unique, printed in the học bạ)."""
    if student.moet_code:
        return slugify(student.moet_code)
    return slugify(f"{student.given_name}{student.date_of_birth:%d%m%y}") or f"hs{student.pk}"


def _free(username: str) -> str:
    candidate, n = username, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{username}-{n}"
    return candidate


def _account(who: Actor, school, username: str, full_name: str, role: str) -> tuple[User, str]:
    user, password = new_account(who, school, username=_free(username), full_name=full_name)
    RoleAssignment.objects.create(user=user, role=role, school=school, granted_by=who.user)
    return user, password


@transaction.atomic
def create_family_accounts(
    actor: Actor | User, classroom: Classroom, *, students: bool = True, parents: bool = True
) -> list[Slip]:
    """An account for every studying student and every named guardian of the class who has none yet;
    running it again creates only what is missing. The passwords exist only in the slips returned."""
    who = Actor(*acting(actor))
    school = classroom.school_year.school
    authz.check(who.user, Action.MANAGE_ACCOUNTS, school)
    slips: list[Slip] = []
    enrolments = (
        Enrolment.objects.filter(
            classroom=classroom, status=Enrolment.Status.STUDYING, student__school=school
        )
        .select_related("student")
        .order_by("student__sort_key")
    )
    for e in enrolments:
        student = Student.objects.select_for_update(of=("self",)).get(pk=e.student_id)
        if students and student.user_id is None:
            user, password = _account(who, school, f"hs.{_base(student)}", student.full_name, Role.STUDENT)
            student.user = user
            student.save(update_fields=["user", "sort_key"])
            slips.append(Slip(user, password, student, ""))
        if parents:
            for guardian in student.guardians.filter(user=None).exclude(full_name=""):
                username = f"ph.{_base(student)}.{RELATION_SUFFIX.get(guardian.relationship, 'gh')}"
                user, password = _account(who, school, username, guardian.full_name, Role.PARENT)
                guardian.user = user
                guardian.save(update_fields=["user"])
                slips.append(Slip(user, password, student, guardian.get_relationship_display()))
    return slips


def family_status(classroom: Classroom) -> list[dict]:
    """Who of the class has an account: the student and each guardian."""
    rows = []
    for e in (
        Enrolment.objects.filter(classroom=classroom, status=Enrolment.Status.STUDYING)
        .select_related("student__user")
        .prefetch_related("student__guardians__user")
        .order_by("student__sort_key")
    ):
        rows.append({"student": e.student, "guardians": list(e.student.guardians.all())})
    return rows
