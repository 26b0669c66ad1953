from django.db.models import Prefetch, Q

from accounts.models import Role, RoleAssignment, School, User
from accounts.vietnamese import person_sort_key


def staff_accounts(school: School, *, never_signed_in: bool = False):
    """The accounts holding a staff role in the school (not a family's); `never_signed_in`: only the
    active ones nobody has signed in with yet — the list the admin board's inbox counts."""
    people = (
        User.objects.filter(role_assignments__school=school)
        .exclude(role_assignments__role__in=["parent", "student"], role_assignments__school=school)
        .distinct()
    )
    if never_signed_in:
        people = people.filter(is_active=True, last_login__isnull=True)
    return people


def staff_of(school: School, query: str = "", *, never_signed_in: bool = False) -> list[User]:
    """People holding a staff role in the school, with their roles there, in Vietnamese name order;
    `never_signed_in`: only the active accounts nobody has signed in with yet."""
    people = staff_accounts(school, never_signed_in=never_signed_in).prefetch_related(
        Prefetch(
            "role_assignments",
            queryset=RoleAssignment.objects.filter(school=school).select_related("department"),
            to_attr="school_roles",
        )
    )
    if query:
        people = people.filter(
            Q(full_name__icontains=query) | Q(username__icontains=query) | Q(email__icontains=query)
        )
    return sorted(people, key=lambda u: person_sort_key(u.full_name or u.username))


def principal_of(school: School) -> User | None:
    """The school's principal (the name printed under `HIỆU TRƯỞNG`), None while the post is empty."""
    assignment = (
        RoleAssignment.objects.filter(school=school, role=Role.PRINCIPAL).select_related("user").first()
    )
    return assignment.user if assignment else None
