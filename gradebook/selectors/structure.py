from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from accounts import authz
from accounts.models import OFFICE_ROLES, Role, RoleAssignment, School
from audit.models import IntegrityCheck
from gradebook.models import Classroom, Enrolment, SchoolYear, Student, TeachingAssignment
from gradebook.selectors.inbox import inbox


def current_year(school: School) -> SchoolYear | None:
    return school.school_years.filter(is_current=True).first() or school.school_years.first()


def current_year_or_404(school: School) -> SchoolYear:
    """The school's current year; a school not set up yet has none to show."""
    year = current_year(school)
    if year is None:
        raise Http404
    return year


def classrooms_of_year(school_year: SchoolYear):
    return (
        Classroom.objects.filter(school_year=school_year)
        .select_related("homeroom_teacher")
        .annotate(size=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.STUDYING)))
        .order_by("grade", "name")
    )


def visible_classrooms(user, school: School, school_year: SchoolYear):
    """Every class for school-wide readers; otherwise the classes the user teaches or heads."""
    qs = classrooms_of_year(school_year)
    roles = authz.roles_in(user, school)
    if roles & {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD, Role.CLERK, Role.DEPARTMENT_HEAD}:
        return qs
    # a subquery, not a join: joining the assignments would multiply the count of students per class
    mine = Classroom.objects.filter(Q(homeroom_teacher=user) | Q(assignments__teacher=user)).values("pk")
    return qs.filter(pk__in=mine)


def roster(classroom: Classroom) -> list[Enrolment]:
    """The class list in Vietnamese order (given name, then the rest), numbered."""
    enrolments = list(
        Enrolment.objects.filter(classroom=classroom).select_related("student").order_by("student__sort_key")
    )
    for number, enrolment in enumerate(enrolments, start=1):
        enrolment.number = number  # type: ignore[attr-defined]  # the roster's position
    return enrolments


def classroom_assignments(classroom: Classroom):
    return classroom.assignments.select_related("subject", "teacher").order_by("subject__order")


def teaching_of(user, school_year: SchoolYear):
    return (
        TeachingAssignment.objects.filter(teacher=user, classroom__school_year=school_year)
        .select_related("classroom", "subject")
        .order_by("classroom__grade", "classroom__name", "subject__order")
    )


def students_of(school: School, query: str = ""):
    qs = Student.objects.filter(school=school).prefetch_related(
        Prefetch("enrolments", queryset=Enrolment.objects.select_related("classroom__school_year"))
    )
    if query:
        words = query.split()
        for word in words:
            qs = qs.filter(
                Q(family_name__icontains=word)
                | Q(middle_name__icontains=word)
                | Q(given_name__icontains=word)
                | Q(moet_code__icontains=word)
            )
    return qs.order_by("sort_key")


def children_of(user):
    return (
        Student.objects.filter(guardians__user=user)
        .select_related("school")
        .prefetch_related(
            Prefetch("enrolments", queryset=Enrolment.objects.select_related("classroom__school_year"))
        )
        .distinct()
    )


def office_schools(user):
    """Schools an office oversees (read-only): the province's Department all the province's schools; a
    commune's office the THCS of its commune (since 1/7/2025); a district office, of the years before
    2025-2026, the schools that were in its district."""
    scopes = RoleAssignment.objects.filter(user=user, role__in=OFFICE_ROLES)
    q = Q(pk__in=[])
    for ra in scopes:
        if ra.role == Role.DISTRICT_OFFICE:
            q |= Q(district_id=ra.district_id)
        elif ra.role == Role.COMMUNE_OFFICE:
            q |= Q(commune_id=ra.commune_id, level=School.Level.THCS)
        else:
            q |= Q(province_id=ra.province_id)
    return (
        School.objects.filter(q)
        .select_related("commune", "district")
        .annotate(student_count=Count("students"))
        .order_by("name")
    )


def home_context(user, school: School | None) -> dict:
    context: dict = {"school": school}
    if school is not None:
        roles = authz.roles_in(user, school)
        year = current_year(school)
        context.update(roles=roles, year=year)
        if year is not None:
            context["homeroom_classes"] = classrooms_of_year(year).filter(homeroom_teacher=user)
            context["teaching"] = teaching_of(user, year)
            context["inbox"] = inbox(user, school, year, roles, timezone.localdate())
            if roles & {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD, Role.CLERK}:
                context["class_count"] = year.classrooms.count()
                context["student_count"] = Enrolment.objects.filter(
                    classroom__school_year=year, status=Enrolment.Status.STUDYING
                ).count()
        context["is_board"] = bool(roles & {Role.PRINCIPAL, Role.VICE_PRINCIPAL})
        if roles & {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD}:
            # the last verification of the school's trail (audit/verify.py, nightly)
            context["integrity"] = IntegrityCheck.objects.filter(chain=school.pk).order_by("-at").first()
            context["show_integrity"] = True
        context["is_admin_board"] = Role.ADMIN_BOARD in roles
        context["is_clerk"] = Role.CLERK in roles
        context["is_staff_member"] = authz.can(user, authz.Action.VIEW_SCHOOL, school)
        context["can_view_accounts"] = authz.can(user, authz.Action.VIEW_ACCOUNTS, school)
    context["notifications"] = list(user.notifications.filter(read_at__isnull=True)[:20])
    context["children"] = children_of(user)
    context["own_student"] = Student.objects.filter(user=user).first()
    context["office_schools"] = office_schools(user)
    return context
