"""School structure: classes, teaching assignments, homeroom teachers, students and enrolments."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts import authz
from accounts.authz import Action
from accounts.models import Role, RoleAssignment, User
from accounts.signals import role_revoked
from gradebook.models import Classroom, Enrolment, GradeSubject, SchoolYear, Student, TeachingAssignment
from gradebook.regulations import registry
from sodiem.domain import DomainError


class StructureError(DomainError):
    """A change of the school's structure refused (classes, assignments, the roster)."""


def _ensure_role(school, user: User, role: str, actor: User | None) -> None:
    RoleAssignment.objects.get_or_create(
        user=user, role=role, school=school, department=None, defaults={"granted_by": actor}
    )
    authz.forget(user)


def _check_staff(school, user: User) -> None:
    if (
        not RoleAssignment.objects.filter(user=user, school=school)
        .exclude(role__in=[Role.PARENT, Role.STUDENT])
        .exists()
    ):
        raise StructureError(_("%(name)s is not a staff member of this school.") % {"name": user})


@transaction.atomic
def create_classroom(actor: User | None, school_year: SchoolYear, grade: int, name: str) -> Classroom:
    """A class with the regulation of its (year, grade) fixed now and its curriculum assigned."""
    if actor is not None:
        authz.check(actor, Action.SET_UP_SCHOOL, school_year.school)
    if grade not in school_year.school.grades:
        raise StructureError(_("Grade %(grade)d is not taught in this school.") % {"grade": grade})
    regulation = registry.regulation_for(school_year.start_year, grade)
    classroom = Classroom.objects.create(
        school_year=school_year, grade=grade, name=name.strip(), regulation=regulation.code
    )
    # the grade's compulsory subjects; a THPT class's electives are chosen for it (services/setup.py)
    for item in GradeSubject.objects.filter(
        school_year=school_year, grade=grade, elective=False
    ).select_related("subject"):
        TeachingAssignment.objects.create(
            classroom=classroom,
            subject=item.subject,
            periods_per_year=item.periods_per_year,
            taught_terms=item.taught_terms,
        )
    return classroom


@transaction.atomic
def set_homeroom_teacher(actor: User | None, classroom: Classroom, teacher: User | None) -> None:
    school = classroom.school_year.school
    if actor is not None:
        authz.check(actor, Action.SET_UP_SCHOOL, school)
    previous = classroom.homeroom_teacher
    if previous is not None and previous != teacher:
        remove_perm("gradebook.manage_classroom", previous, classroom)
        authz.forget(previous)
    if teacher is not None:
        _check_staff(school, teacher)
        assign_perm("gradebook.manage_classroom", teacher, classroom)
        authz.forget(teacher)
        _ensure_role(school, teacher, Role.HOMEROOM_TEACHER, actor)
    classroom.homeroom_teacher = teacher
    classroom.save(update_fields=["homeroom_teacher"])


@transaction.atomic
def assign_teacher(actor: User | None, assignment: TeachingAssignment, teacher: User | None) -> None:
    school = assignment.classroom.school_year.school
    if actor is not None:
        authz.check(actor, Action.SET_UP_SCHOOL, school)
    previous = assignment.teacher
    if previous is not None and previous != teacher:
        remove_perm("gradebook.enter_scores", previous, assignment)
        authz.forget(previous)
    if teacher is not None:
        _check_staff(school, teacher)
        assign_perm("gradebook.enter_scores", teacher, assignment)
        authz.forget(teacher)
        _ensure_role(school, teacher, Role.SUBJECT_TEACHER, actor)
    assignment.teacher = teacher
    assignment.save(update_fields=["teacher"])


@transaction.atomic
def enrol_student(actor: User | None, student: Student, classroom: Classroom, start_date) -> Enrolment:
    if actor is not None:
        authz.check(actor, Action.SET_UP_SCHOOL, classroom.school_year.school)
    if student.school_id != classroom.school_year.school_id:
        raise StructureError(_("The student belongs to another school."))
    if Enrolment.objects.filter(
        student=student, classroom__school_year=classroom.school_year, status=Enrolment.Status.STUDYING
    ).exists():
        raise StructureError(_("%(name)s is already studying in a class this year.") % {"name": student})
    return Enrolment.objects.create(student=student, classroom=classroom, start_date=start_date)


@receiver(role_revoked)
def end_rights_of_a_role(sender, user: User, school, role: str, actor=None, **kwargs) -> None:
    """A homeroom or subject teacher's role removed: the classes and class-subjects it brought end in
    the same transaction. This year's and later ones are left without their teacher (the admin board
    assigns another); earlier years keep the name for their books, without the right."""
    today = timezone.localdate()
    if role == Role.HOMEROOM_TEACHER:
        for classroom in Classroom.objects.filter(
            school_year__school=school, homeroom_teacher=user
        ).select_related("school_year", "homeroom_teacher"):
            if classroom.school_year.end_date >= today:
                set_homeroom_teacher(None, classroom, None)
            else:
                remove_perm("gradebook.manage_classroom", user, classroom)
    elif role == Role.SUBJECT_TEACHER:
        for assignment in TeachingAssignment.objects.filter(
            classroom__school_year__school=school, teacher=user
        ).select_related("classroom__school_year", "teacher"):
            if assignment.classroom.school_year.end_date >= today:
                assign_teacher(None, assignment, None)
            else:
                remove_perm("gradebook.enter_scores", user, assignment)
    authz.forget(user)
