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
    MANAGE_ACCOUNTS = "manage_accounts"  # admin board: create, import, roles, reset, deactivate
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
    if action == Action.VIEW_LOCKS:
        return staff
    if action == Action.DECIDE_RESULTS:
        # the principal, or a vice principal the principal delegated
        return Role.PRINCIPAL in roles or any(
            ra.role == Role.VICE_PRINCIPAL and ra.may_approve_results
            for ra in _cache(user).get(school_id, [])
        )
    if action in (Action.DECIDE_LOCK, Action.DECIDE_CORRECTION, Action.DELEGATE):
        return Role.PRINCIPAL in roles
    if action in (Action.CARRY_OUT_LOCK, Action.APPLY_CORRECTION):
        return Role.ADMIN_BOARD in roles
    if action == Action.REQUEST_CORRECTION:
        return _object_perm(user, "enter_scores", obj)
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
        return bool(roles & _SCHOOL_WIDE_READERS) or _object_perm(user, "manage_classroom", obj)
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
    if action == Action.MANAGE_CLASSROOM:
        return _object_perm(user, "manage_classroom", obj)
    if action == Action.VIEW_CLASSROOM:
        if roles & (_SCHOOL_WIDE_READERS | {Role.DEPARTMENT_HEAD}):
            return True
        if _object_perm(user, "manage_classroom", obj):
            return True
        return obj.assignments.filter(teacher=user).exists()
    if action == Action.ENTER_SCORES:
        return _object_perm(user, "enter_scores", obj)
    if action == Action.VIEW_SCORES:
        if roles & _SCHOOL_WIDE_READERS or _object_perm(user, "enter_scores", obj):
            return True
        if obj.subject.department_id and obj.subject.department_id in department_ids(user, school_id):
            return True
        return _object_perm(user, "manage_classroom", obj.classroom)
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
