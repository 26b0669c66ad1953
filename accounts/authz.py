"""The one place that decides who may do what to which object.

Every view and service asks `check(user, action, obj)` (raises) or `can(user, action, obj)` (bool).
Tenancy first: an object of a school where the user holds no role does not exist for them (404);
within the school a missing right is a 403 with a Vietnamese message.
Object-level rights of teachers are django-guardian permissions kept in sync by the services
(`gradebook.enter_scores` on a TeachingAssignment, `gradebook.manage_classroom` on a Classroom).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import SCHOOL_BOARD_ROLES, STAFF_ROLES, Role, RoleAssignment, School
from accounts.vietnamese import collation_key


class Action(StrEnum):
    VIEW_SCHOOL = "view_school"  # staff pages of the school
    VIEW_ACCOUNTS = "view_accounts"
    MANAGE_ACCOUNTS = "manage_accounts"  # admin board: create and import accounts
    MANAGE_PEOPLE = "manage_people"  # reset, deactivate, roles, two-factor: of people ranked below
    MANAGE_SCHOOL_DATA = "manage_school_data"  # classes, subjects, assignments, students
    SET_UP_SCHOOL = "set_up_school"  # the year's set-up: profile, year, curriculum, classes, imports
    VIEW_SETUP = "view_setup"  # the set-up checklist and the classes' data checks (the BGH reads)
    EDIT_PROFILES = "edit_profiles"  # students' profiles of a class (the data check, corrections)
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
    EXTRACT_DATA = "extract_data"  # exporting data for reports (docs/workflows.md §1)
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
        # with its school: the policy middleware, the menus and the tenancy checks ask for the user's
        # schools on every page (schools_of), answered from here
        for ra in (
            RoleAssignment.objects.filter(user=user)
            .select_related("school")
            .only("role", "school", "department_id", "may_extract_data", "may_approve_results")
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
    schools = {ra.school.pk: ra.school for held in _cache(user).values() for ra in held if ra.school_id}
    return sorted(schools.values(), key=lambda school: collation_key(school.name))


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
    return {str(role) for role in STAFF_ROLES if RANK.get(role, 1) < own} - APPOINTED_FROM_ABOVE


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
        user_id=user.pk, role=Role.PROVINCE_OFFICE, province_id=school.province_id
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


# -- the rules --------------------------------------------------------------------------------------
# One named rule per action, in the table RULES below; each reads the question asked (`Ask`). The table
# reads beside the access matrix (tests/test_access_matrix.py: every URL × method × role, expected).


@dataclass(frozen=True)
class Ask:
    """One question to the rules: may `user`, holding `roles` in the object's school, act on `obj`?"""

    user: Any
    obj: Any
    roles: frozenset[str]
    school_id: int

    def holds(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & set(roles))

    def has(self, codename: str, obj: Any = None) -> bool:
        return _object_perm(self.user, codename, self.obj if obj is None else obj)

    def delegated(self, flag: str) -> bool:
        """A vice principal the principal delegated this to (may_approve_results, may_extract_data)."""
        return any(
            ra.role == Role.VICE_PRINCIPAL and getattr(ra, flag)
            for ra in _cache(self.user).get(self.school_id, [])
        )


Rule = Callable[[Ask], bool]


def held_by(*roles: str | Iterable[str]) -> Rule:
    """The rule "any of these roles"."""
    wanted = frozenset(r for group in roles for r in ([group] if isinstance(group, str) else group))

    def rule(ask: Ask) -> bool:
        return bool(ask.roles & wanted)

    rule.__name__ = "held_by(" + ", ".join(sorted(wanted)) + ")"
    return rule


def staff(ask: Ask) -> bool:
    """Anyone of the school's staff."""
    return ask.holds(STAFF_ROLES)


def results_approver(ask: Ask) -> bool:
    """The principal, or a vice principal the principal delegated — never on their own class."""
    if getattr(ask.obj, "homeroom_teacher_id", None) == ask.user.pk:
        return False
    return Role.PRINCIPAL in ask.roles or ask.delegated("may_approve_results")


def correction_decider(ask: Ask) -> bool:
    """The principal, never on a request of their own; the principal's own request is decided by a
    vice principal (separation of duties, docs/accounts.md)."""
    requester = getattr(ask.obj, "requested_by_id", None)
    if requester == ask.user.pk:
        return False
    if Role.PRINCIPAL in ask.roles:
        return True
    return (
        requester is not None
        and Role.VICE_PRINCIPAL in ask.roles
        and RoleAssignment.objects.filter(
            user_id=requester, school_id=ask.school_id, role=Role.PRINCIPAL
        ).exists()
    )


def correction_applier(ask: Ask) -> bool:
    """The admin board, if it neither asked for the change nor approved it."""
    return Role.ADMIN_BOARD in ask.roles and ask.user.pk not in (
        getattr(ask.obj, "requested_by_id", None),
        getattr(ask.obj, "decided_by_id", None),
    )


def class_subject_teacher(ask: Ask) -> bool:
    """The class-subject's teacher, while they hold the subject-teacher role."""
    return ask.holds(_TEACHING) and ask.has("enter_scores")


def data_extractor(ask: Ask) -> bool:
    """The principal and the admin board; a vice principal only when the principal delegated it."""
    return ask.holds({Role.PRINCIPAL, Role.ADMIN_BOARD}) or ask.delegated("may_extract_data")


def homeroom_teacher(ask: Ask) -> bool:
    """The class's homeroom teacher, while they hold the homeroom role (a role removed ends the right
    at once, whatever object permissions remain)."""
    return ask.holds(_HOMEROOM) and ask.has("manage_classroom")


def profile_editor(ask: Ask) -> bool:
    """Students' profiles of a class: the admin board and IT staff, and the class's homeroom teacher who
    checks them against the paper files (docs/workflows.md §1)."""
    return ask.holds({Role.ADMIN_BOARD, Role.IT_STAFF}) or homeroom_teacher(ask)


def class_book_printer(ask: Ask) -> bool:
    """The school-wide readers, and the class's homeroom teacher for its own books."""
    return ask.holds(_SCHOOL_WIDE_READERS) or homeroom_teacher(ask)


def document_reader(ask: Ask) -> bool:
    """The school-wide readers, who printed it, its teacher, the subject teachers who sign it, its
    class's homeroom teacher."""
    document = ask.obj
    if ask.holds(_SCHOOL_WIDE_READERS) or ask.user.pk in (document.printed_by_id, document.teacher_id):
        return True
    if ask.holds(_TEACHING) and any(
        user_id == ask.user.pk for user_id, _title in document.subject_signers or []
    ):
        return True
    homeroom = document.homeroom_teacher()  # a printed document knows its class's homeroom teacher
    return homeroom is not None and homeroom.pk == ask.user.pk


def correction_reader(ask: Ask) -> bool:
    """The board, the admin board, and the teacher who asked."""
    return ask.holds(_BOARD | {Role.ADMIN_BOARD}) or ask.obj.requested_by_id == ask.user.pk


def classroom_reader(ask: Ask) -> bool:
    """The school-wide readers and department heads, its homeroom teacher, its subject teachers."""
    if ask.holds(_SCHOOL_WIDE_READERS | {Role.DEPARTMENT_HEAD}) or homeroom_teacher(ask):
        return True
    return ask.holds(_TEACHING) and ask.obj.assignments.filter(teacher=ask.user).exists()


def scores_reader(ask: Ask) -> bool:
    """One class-subject's scores: the school-wide readers, its teacher, the head of its department,
    its class's homeroom teacher."""
    if ask.holds(_SCHOOL_WIDE_READERS) or class_subject_teacher(ask):
        return True
    department = ask.obj.subject.department_id
    if department and department in department_ids(ask.user, ask.school_id):
        return True
    return ask.holds(_HOMEROOM) and ask.has("manage_classroom", ask.obj.classroom)


def student_reader(ask: Ask) -> bool:
    """The school-wide readers, the student's parents and the student, the teachers of their classes."""
    student = ask.obj
    if ask.holds(_SCHOOL_WIDE_READERS):
        return True
    if Role.PARENT in ask.roles and student.guardians.filter(user=ask.user).exists():
        return True
    if Role.STUDENT in ask.roles and student.user_id == ask.user.pk:
        return True
    if not staff(ask):
        return False
    return (
        student.enrolments.filter(classroom__homeroom_teacher=ask.user).exists()
        or student.enrolments.filter(classroom__assignments__teacher=ask.user).exists()
    )


RULES: dict[Action, Rule] = {
    Action.VIEW_SCHOOL: staff,
    Action.VIEW_ACCOUNTS: held_by(_BOARD, Role.ADMIN_BOARD, Role.IT_STAFF),
    Action.MANAGE_ACCOUNTS: held_by(Role.ADMIN_BOARD),
    Action.MANAGE_PEOPLE: held_by(_PEOPLE_MANAGERS),  # and then whom: may_manage_person
    Action.MANAGE_SCHOOL_DATA: held_by(Role.ADMIN_BOARD),
    Action.SET_UP_SCHOOL: held_by(Role.ADMIN_BOARD, Role.IT_STAFF),
    Action.VIEW_SETUP: held_by(_BOARD, Role.ADMIN_BOARD, Role.IT_STAFF),
    Action.EDIT_PROFILES: profile_editor,
    Action.VIEW_CLASSROOM: classroom_reader,
    Action.MANAGE_CLASSROOM: homeroom_teacher,
    Action.VIEW_SCORES: scores_reader,
    Action.ENTER_SCORES: class_subject_teacher,
    Action.VIEW_STUDENT: student_reader,
    Action.VIEW_LOCKS: staff,
    Action.DECIDE_LOCK: held_by(Role.PRINCIPAL),
    Action.CARRY_OUT_LOCK: held_by(Role.ADMIN_BOARD),
    Action.REQUEST_CORRECTION: class_subject_teacher,
    Action.DECIDE_CORRECTION: correction_decider,
    Action.APPLY_CORRECTION: correction_applier,
    Action.VIEW_CORRECTION: correction_reader,
    Action.VIEW_ALL_CORRECTIONS: held_by(_BOARD, Role.ADMIN_BOARD),
    Action.VIEW_AUDIT: held_by(_BOARD, Role.ADMIN_BOARD),
    Action.DECIDE_RESULTS: results_approver,
    Action.DELEGATE: held_by(Role.PRINCIPAL),
    Action.VIEW_PROGRESS: held_by(_BOARD, Role.ADMIN_BOARD, Role.DEPARTMENT_HEAD),
    Action.VIEW_STATISTICS: held_by(_BOARD, Role.ADMIN_BOARD),
    Action.EXTRACT_DATA: data_extractor,
    Action.PRINT_BOOKS: held_by(_SCHOOL_WIDE_READERS),
    Action.PRINT_CLASS_BOOKS: class_book_printer,
    Action.MANAGE_CERTIFICATE: held_by(Role.PRINCIPAL, Role.ADMIN_BOARD),
    Action.VIEW_DOCUMENT: document_reader,
    Action.TRANSFER_STUDENT: held_by(Role.PRINCIPAL),
    Action.ACCEPT_TRANSFER: held_by(Role.PRINCIPAL, Role.ADMIN_BOARD),
    Action.ARCHIVE_YEAR: held_by(Role.PRINCIPAL, Role.ADMIN_BOARD, Role.CLERK),
    Action.DECIDE_RETENTION: held_by(Role.PRINCIPAL),
}


def can(user, action: Action | str, obj: Any) -> bool:
    """Tenancy first (no role in the object's school, no right), then the action's rule."""
    school_id = school_id_of(obj)
    roles = roles_in(user, school_id)
    if not roles:
        return False
    return RULES[Action(action)](Ask(user, obj, frozenset(roles), school_id))


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
