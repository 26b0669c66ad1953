from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts import authz
from accounts.authz import Action
from accounts.tenancy import current_school, school_or_404
from gradebook.models import Classroom, Enrolment, Student
from gradebook.selectors import structure as selectors
from gradebook.selectors.inbox import class_states
from gradebook.selectors.student_record import student_record


@login_required
@require_safe
def classroom_list(request):
    school = school_or_404(request)
    authz.check(request.user, Action.VIEW_SCHOOL, school)
    year = selectors.current_year(school)
    classrooms = list(selectors.visible_classrooms(request.user, school, year)) if year else []
    if year:
        class_states(classrooms, year, timezone.localdate())
    return render(
        request,
        "gradebook/classroom_list.html",
        {
            "year": year,
            "classrooms": classrooms,
            "may_approve": authz.can(request.user, Action.DECIDE_RESULTS, school),
        },
    )


@login_required
@require_safe
def classroom_detail(request, classroom_uuid):
    classroom = get_object_or_404(
        Classroom.objects.select_related("school_year__school", "homeroom_teacher"), uuid=classroom_uuid
    )
    authz.check(request.user, Action.VIEW_CLASSROOM, classroom)
    assignments = list(selectors.classroom_assignments(classroom))
    for assignment in assignments:
        assignment.classroom = classroom
        assignment.can_view = authz.can(request.user, Action.VIEW_SCORES, assignment)
    return render(
        request,
        "gradebook/classroom_detail.html",
        {
            "classroom": classroom,
            "roster": selectors.roster(classroom),
            "assignments": assignments,
            "can_manage": authz.can(request.user, Action.MANAGE_CLASSROOM, classroom),
            "may_view_students": authz.may_view_students_of(request.user, classroom),
            "may_export": authz.can(request.user, Action.PRINT_CLASS_BOOKS, classroom),
            "may_manage_accounts": authz.can(
                request.user, Action.MANAGE_ACCOUNTS, classroom.school_year.school
            ),
        },
    )


@login_required
@require_safe
def student_list(request):
    school = school_or_404(request)
    authz.check(request.user, Action.MANAGE_SCHOOL_DATA, school)
    query = request.GET.get("q", "").strip()[:100]
    students = selectors.students_of(school, query)[:500]
    return render(request, "gradebook/student_list.html", {"students": students, "query": query})


@login_required
@require_safe
def student_detail(request, student_uuid):
    student = get_object_or_404(Student.objects.select_related("school"), uuid=student_uuid)
    authz.check(request.user, Action.VIEW_STUDENT, student)
    enrolments = student.enrolments.select_related("classroom__school_year").order_by(
        "-classroom__school_year__start_year"
    )
    current = next(
        (
            e
            for e in enrolments
            if e.classroom.school_year.is_current and e.status == Enrolment.Status.STUDYING
        ),
        None,
    )
    own = student.school_id == getattr(current_school(request), "pk", None)
    may_manage = authz.can(request.user, Action.MANAGE_SCHOOL_DATA, student.school)
    return render(
        request,
        "gradebook/student_detail.html",
        {
            "student": student,
            "guardians": student.guardians.all(),
            "enrolments": enrolments,
            "record": student_record(current) if current else None,
            "external_years": student.external_years.all(),
            # another school's earlier years are the new school's to read, not to move or export
            "may_move": own
            and (may_manage or authz.can(request.user, Action.TRANSFER_STUDENT, student.school)),
            "may_add_earlier_year": own and may_manage,
            "may_export": authz.can(request.user, Action.PRINT_BOOKS, student.school),
            # one student's học bạ printed again (a lost or spoilt copy): the printers, the homeroom teacher
            "may_reprint": own
            and current is not None
            and authz.can(request.user, Action.PRINT_CLASS_BOOKS, current.classroom),
        },
    )
