"""The one place that decides who may do what to which object.

Every view and service asks `check(user, action, obj)` (raises) or `can(user, action, obj)` (bool).
Tenancy first: an object of a school where the user holds no role does not exist for them (404);
within the school a missing right is a 403 with a Vietnamese message.
Object-level rights of teachers are django-guardian permissions kept in sync by the services
(`gradebook.enter_scores` on a TeachingAssignment, `gradebook.manage_classroom` on a Classroom).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import SCHOOL_BOARD_ROLES, STAFF_ROLES, Role, RoleAssignment, School


class Action(StrEnum):
    VIEW_SCHOOL = "view_school"  # staff pages of the school
    VIEW_ACCOUNTS = "view_accounts"
    MANAGE_ACCOUNTS = "manage_accounts"  # admin board: create and import accounts
    MANAGE_PEOPLE = "manage_people"  # reset, deactivate, roles, two-factor: of people ranked below
    MANAGE_SCHOOL_DATA = "manage_school_data"  # classes, subjects, assignments, students
    VIEW_CLASSROOM = "view_classroom"
    MANAGE_CLASSROOM = "manage_classroom"  # homeroom work on one class
    VIEW_SCORES = "view_scores"  # one class-subject
    ENTER_SCORES = "enter_scores"
    VIEW_STUDENT = "view_student"
    VIEW_LOCKS = "view_locks"  # the lock calendar of a school year
    DECIDE_LOCK = "decide_lock"  # the principal's decision to lock or reopen
    CARRY_OUT_LOCK = "carry_out_lock"  # the admin board carries it out
    REQUEST_CORRECTION = "request_correction"  # the class-subject's teacher, after a lock
    DECIDE_CORRECTION = "decide_correction"  # the principal approves or rejects
    APPLY_CORRECTION = "apply_correction"  # the admin board applies an approved request
    VIEW_CORRECTION = "view_correction"  # one request and its evidence
    VIEW_ALL_CORRECTIONS = "view_all_corrections"  # every request of the school, the correction log
    VIEW_AUDIT = "view_audit"  # the audit trail of the school
    DECIDE_RESULTS = "decide_results"  # approve or return a class's term or year results
    DELEGATE = "delegate"  # the principal delegates approvals to a vice principal
    VIEW_PROGRESS = "view_progress"  # the entry progress board (department heads: their department)
    VIEW_STATISTICS = "view_statistics"  # the school's statistics pages
    EXTRACT_DATA = "extract_data"  # exporting data for reports (seeds 000 Đ5, 003 Đ8)
    PRINT_BOOKS = "print_books"  # print any book of the school (clerk, board, admin board)
    PRINT_CLASS_BOOKS = "print_class_books"  # one class's books and học bạ (also its homeroom teacher)
    MANAGE_CERTIFICATE = "manage_certificate"  # the school's signing certificate
    VIEW_DOCUMENT = "view_document"  # one printed document
    TRANSFER_STUDENT = "transfer_student"  # move a student to another school of the system (principal)
    ACCEPT_TRANSFER = "accept_transfer"  # the receiving school's principal or admin board
    ARCHIVE_YEAR = "archive_year"  # the sealed year-end archive (principal, admin board, clerk)
    DECIDE_RETENTION = "decide_retention"  # approve deleting records past their retention (principal)


_BOARD = set(SCHOOL_BOARD_ROLES)
_SCHOOL_WIDE_READERS = _BOARD | {Role.ADMIN_BOARD, Role.CLERK}

# Who may act on whose account (docs/accounts.md): the province's Department above the principal, the
# principal above the vice principals, they above the admin board, the admin board above everyone else.
# Passwords, two-factor, roles and deactivation only go downward, and only onto people whose every role
# is in the actor's school. The board (principal, vice principals) is appointed from above: by the
# province's Department or the deployment's `manage.py appoint`, never by the school itself.
RANK = {Role.PROVINCE_OFFICE: 5, Role.PRINCIPAL: 4, Role.VICE_PRINCIPAL: 3, Role.ADMIN_BOARD: 2}
APPOINTED_FROM_ABOVE = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL})
_PEOPLE_MANAGERS = {Role.ADMIN_BOARD, Role.PRINCIPAL}
_TEACHING = {Role.SUBJECT_TEACHER}
_HOMEROOM = {Role.HOMEROOM_TEACHER}


def _cache(user) -> dict:
    cache = getattr(user, "_sodiem_roles", None)
    if cache is None:
        cache = {}
        for ra in RoleAssignment.objects.filter(user=user).only(
            "role", "school_id", "department_id", "may_extract_data", "may_approve_results"
        ):
            cache.setdefault(ra.school_id, []).append(ra)
        user._sodiem_roles = cache
    return cache


def forget(user) -> None:
    """Drop the cached roles and object rights (after a grant or removal)."""
    for attr in ("_sodiem_roles", "_sodiem_perms"):
        if hasattr(user, attr):
            delattr(user, attr)


def roles_in(user, school: School | int | None) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active or school is None:
        return set()
    school_id = school if isinstance(school, int) else school.pk
    return {ra.role for ra in _cache(user).get(school_id, [])}


def department_ids(user, school: School | int) -> set[int]:
    school_id = school if isinstance(school, int) else school.pk
    return {
        ra.department_id
        for ra in _cache(user).get(school_id, [])
        if ra.role == Role.DEPARTMENT_HEAD and ra.department_id
    }


def progress_scope(user, school: School) -> set[int] | None:
    """Whose entry progress the user follows: the whole school (None) for the board and the admin
    board, else the departments the user heads."""
    if roles_in(user, school) & (_BOARD | {Role.ADMIN_BOARD}):
        return None
    return department_ids(user, school)


def schools_of(user) -> list[School]:
    """Schools where the user holds a role (offices hold none: they read reports only)."""
    if not getattr(user, "is_authenticated", False):
        return []
    ids = [sid for sid in _cache(user) if sid is not None]
    return list(School.objects.filter(pk__in=ids).order_by("name"))


def school_id_of(obj: Any) -> int:
    if isinstance(obj, School):
        return obj.pk
    for attr in ("school_id_for_tenancy", "school_id"):
        value = getattr(obj, attr, None)
        if value is not None:
            return value
    raise TypeError(f"{type(obj).__name__} has no school")


def is_member(user, obj: Any) -> bool:
    return bool(roles_in(user, school_id_of(obj)))


def rank_of(roles) -> int:
    return max((RANK.get(role, 1) for role in roles), default=0)


def grantable_roles(user, school: School) -> set[str]:
    """The school roles `user` may grant in `school`: below their own rank, never the board's."""
    roles = roles_in(user, school)
    if not roles & _PEOPLE_MANAGERS:
        return set()
    own = rank_of(roles)
    return {role for role in STAFF_ROLES if RANK.get(role, 1) < own} - APPOINTED_FROM_ABOVE


def may_manage_person(user, school: School, person) -> bool:
    """Reset `person`'s password or two-factor, deactivate them, grant or remove their roles: someone
    else, ranked below the user, whose every role is in this school (a teacher who is also the
    principal of another school is out of reach)."""
    if person.pk == user.pk or not roles_in(user, school) & _PEOPLE_MANAGERS:
        return False
    held = list(RoleAssignment.objects.filter(user_id=person.pk).values_list("school_id", "role"))
    if not held or any(school_id != school.pk for school_id, _role in held):
        return False
    return rank_of(roles_in(user, school)) > rank_of(role for _school, role in held)


def appoints_board_of(user, school: School) -> bool:
    """The province's Department over the school: it records in the portal the school's principal and
    vice principals as the competent authority appointed them."""
    return RoleAssignment.objects.filter(
        user_id=user.pk, role=Role.PROVINCE_OFFICE, province_id=school.district.province_id
    ).exists()


def check_person(user, school: School, person) -> None:
    if not may_manage_person(user, school, person):
        raise PermissionDenied(
            _(
                "You cannot act on this account: it ranks as high as yours, or it also belongs to "
                "another school."
            )
        )


def _object_perm(user, codename: str, obj) -> bool:
    """A teacher's right on one object: the django-guardian row the services write (assign_perm), read
    in one query. Global permissions and superusers count for nothing here, by design."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    # kept on the user object like its roles: the view and the service it calls ask the same question
    perms = getattr(user, "_sodiem_perms", None)
    if perms is None:
        perms = user._sodiem_perms = {}
    content_type = ContentType.objects.get_for_model(obj)
    key = (codename, content_type.pk, obj.pk)
    if key not in perms:
        perms[key] = UserObjectPermission.objects.filter(
            user_id=user.pk, content_type=content_type, object_pk=str(obj.pk), permission__codename=codename
        ).exists()
    return perms[key]


def can(user, action: Action | str, obj: Any) -> bool:
    school_id = school_id_of(obj)
    roles = roles_in(user, school_id)
    if not roles:
        return False
    action = Action(action)
    staff = bool(roles & STAFF_ROLES)
    if action == Action.VIEW_SCHOOL:
        return staff
    if action == Action.VIEW_ACCOUNTS:
        return bool(roles & (_BOARD | {Role.ADMIN_BOARD, Role.IT_STAFF}))
    if action in (Action.MANAGE_ACCOUNTS, Action.MANAGE_SCHOOL_DATA):
        return Role.ADMIN_BOARD in roles
    if action == Action.MANAGE_PEOPLE:
        return bool(roles & _PEOPLE_MANAGERS)
    if action == Action.VIEW_LOCKS:
        return staff
    if action == Action.DECIDE_RESULTS:
        # the principal, or a vice principal the principal delegated — never on their own class
        if getattr(obj, "homeroom_teacher_id", None) == user.pk:
            return False
        return Role.PRINCIPAL in roles or any(
            ra.role == Role.VICE_PRINCIPAL and ra.may_approve_results
            for ra in _cache(user).get(school_id, [])
        )
    if action == Action.DECIDE_CORRECTION:
        # separation of duties: nobody decides their own request; the principal's own is decided by a
        # vice principal
        requester = getattr(obj, "requested_by_id", None)
        if requester == user.pk:
            return False
        if Role.PRINCIPAL in roles:
            return True
        return (
            requester is not None
            and Role.VICE_PRINCIPAL in roles
            and RoleAssignment.objects.filter(
                user_id=requester, school_id=school_id, role=Role.PRINCIPAL
            ).exists()
        )
    if action in (Action.DECIDE_LOCK, Action.DELEGATE):
        return Role.PRINCIPAL in roles
    if action == Action.APPLY_CORRECTION:
        # the admin board, if it neither asked for the change nor approved it
        return Role.ADMIN_BOARD in roles and user.pk not in (
            getattr(obj, "requested_by_id", None),
            getattr(obj, "decided_by_id", None),
        )
    if action == Action.CARRY_OUT_LOCK:
        return Role.ADMIN_BOARD in roles
    if action == Action.REQUEST_CORRECTION:
        return bool(roles & _TEACHING) and _object_perm(user, "enter_scores", obj)
    if action == Action.VIEW_STATISTICS:
        return bool(roles & (_BOARD | {Role.ADMIN_BOARD}))
    if action == Action.EXTRACT_DATA:
        # the principal and the admin board; a vice principal only when the principal delegated it
        return bool(roles & {Role.PRINCIPAL, Role.ADMIN_BOARD}) or any(
            ra.role == Role.VICE_PRINCIPAL and ra.may_extract_data for ra in _cache(user).get(school_id, [])
        )
    if action == Action.PRINT_BOOKS:
        return bool(roles & _SCHOOL_WIDE_READERS)
    if action == Action.PRINT_CLASS_BOOKS:
        return bool(roles & _SCHOOL_WIDE_READERS) or (
            bool(roles & _HOMEROOM) and _object_perm(user, "manage_classroom", obj)
        )
    if action == Action.TRANSFER_STUDENT or action == Action.DECIDE_RETENTION:
        return Role.PRINCIPAL in roles
    if action == Action.ACCEPT_TRANSFER:
        return bool(roles & {Role.PRINCIPAL, Role.ADMIN_BOARD})
    if action == Action.ARCHIVE_YEAR:
        return bool(roles & {Role.PRINCIPAL, Role.ADMIN_BOARD, Role.CLERK})
    if action == Action.MANAGE_CERTIFICATE:
        return bool(roles & {Role.PRINCIPAL, Role.ADMIN_BOARD})
    if action == Action.VIEW_DOCUMENT:
        if roles & _SCHOOL_WIDE_READERS or obj.printed_by_id == user.pk or obj.teacher_id == user.pk:
            return True
        from transcripts.documents import homeroom_of

        homeroom = homeroom_of(obj)
        return homeroom is not None and homeroom.pk == user.pk
    if action == Action.VIEW_PROGRESS:
        return bool(roles & (_BOARD | {Role.ADMIN_BOARD, Role.DEPARTMENT_HEAD}))
    if action in (Action.VIEW_ALL_CORRECTIONS, Action.VIEW_AUDIT):
        return bool(roles & (_BOARD | {Role.ADMIN_BOARD}))
    if action == Action.VIEW_CORRECTION:
        return bool(roles & (_BOARD | {Role.ADMIN_BOARD})) or obj.requested_by_id == user.pk
    # a teacher's rights on a class or class-subject hold only while the teacher holds the role that
    # brought them: a role removed ends them at once, whatever object permissions remain
    if action == Action.MANAGE_CLASSROOM:
        return bool(roles & _HOMEROOM) and _object_perm(user, "manage_classroom", obj)
    if action == Action.VIEW_CLASSROOM:
        if roles & (_SCHOOL_WIDE_READERS | {Role.DEPARTMENT_HEAD}):
            return True
        if roles & _HOMEROOM and _object_perm(user, "manage_classroom", obj):
            return True
        return bool(roles & _TEACHING) and obj.assignments.filter(teacher=user).exists()
    if action == Action.ENTER_SCORES:
        return bool(roles & _TEACHING) and _object_perm(user, "enter_scores", obj)
    if action == Action.VIEW_SCORES:
        if roles & _SCHOOL_WIDE_READERS or (roles & _TEACHING and _object_perm(user, "enter_scores", obj)):
            return True
        if obj.subject.department_id and obj.subject.department_id in department_ids(user, school_id):
            return True
        return bool(roles & _HOMEROOM) and _object_perm(user, "manage_classroom", obj.classroom)
    if action == Action.VIEW_STUDENT:
        if roles & _SCHOOL_WIDE_READERS:
            return True
        if Role.PARENT in roles and obj.guardians.filter(user=user).exists():
            return True
        if Role.STUDENT in roles and obj.user_id == user.pk:
            return True
        if not staff:
            return False
        return (
            obj.enrolments.filter(classroom__homeroom_teacher=user).exists()
            or obj.enrolments.filter(classroom__assignments__teacher=user).exists()
        )
    return False


def may_view_students_of(user, classroom) -> bool:
    """VIEW_STUDENT for the students of a class by virtue of the class alone (its roster links to
    their profiles): the school-wide readers, its homeroom teacher and its subject teachers."""
    roles = roles_in(user, school_id_of(classroom))
    if roles & _SCHOOL_WIDE_READERS:
        return True
    if not roles & STAFF_ROLES:
        return False
    return classroom.homeroom_teacher_id == user.pk or classroom.assignments.filter(teacher=user).exists()


def check(user, action: Action | str, obj: Any) -> None:
    """Raise Http404 for another school's object, PermissionDenied for a lesser role."""
    if not is_member(user, obj):
        raise Http404
    if not can(user, action, obj):
        raise PermissionDenied(_("You do not have the right to do this."))


def check_school_role(user, school: School, *roles: str) -> None:
    if not is_member(user, school):
        raise Http404
    if not roles_in(user, school) & set(roles):
        raise PermissionDenied(_("You do not have the right to do this."))
