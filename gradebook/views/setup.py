"""Thiết lập năm học (docs/workflows.md §1): the checklist and its pages — the school's profile, the
year and its calendar, the curriculum, classes and departments, electives, the teaching-assignment
matrix, the roster import, one student's profile, the classes' data checks. Views read and hand the
writes to the services (gradebook/services/setup.py, roster.py, assignments.py, data_check.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import authz, units
from accounts.authz import Action
from accounts.models import Department, Role, RoleAssignment, User
from accounts.tenancy import school_or_404
from gradebook.forms import (
    CalendarForm,
    ClassesForm,
    ClassSubjectForm,
    DataCheckForm,
    DepartmentForm,
    EffectiveDateForm,
    ElectivesForm,
    GradeSubjectForm,
    NewYearForm,
    SchoolProfileForm,
    StudentProfileForm,
    UploadForm,
    holidays_text,
)
from gradebook.models import Classroom, GradeSubject, ImportBatch, Sessions, Student, Subject
from gradebook.selectors import setup as checklist
from gradebook.selectors.structure import current_year, current_year_or_404
from gradebook.services import assignments, data_check, roster, setup
from sodiem.domain import Actor, DomainError
from sodiem.http import xlsx_response


def row_id_or_404(value) -> int:
    """A row's id from a form; a value that is not one finds nothing (404), never a 500."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _setting_up(request, *, write: bool = True):
    school = school_or_404(request)
    authz.check(request.user, Action.SET_UP_SCHOOL if write else Action.VIEW_SETUP, school)
    return school


@login_required
@require_safe
def setup_home(request):
    school = _setting_up(request, write=False)
    year = current_year(school)
    steps = checklist.checklist(school, year)
    return render(
        request,
        "gradebook/setup/home.html",
        {
            "school": school,
            "year": year,
            "steps": steps,
            "ready": checklist.ready_for_scores(steps) and year is not None,
            "may_set_up": authz.can(request.user, Action.SET_UP_SCHOOL, school),
        },
    )


@login_required
def setup_profile(request):
    school = _setting_up(request)
    provinces = units.provinces()
    initial = {
        "name": school.name,
        "moet_code": school.moet_code,
        "level": school.level,
        "province_code": school.province.code,
        "commune_code": school.commune.name if school.commune else "",
        "address": school.address,
        "phone": school.phone,
        "email": school.email,
    }
    bound = request.method == "POST"
    form = SchoolProfileForm(request.POST if bound else None, initial=initial, provinces=provinces)
    if bound and form.is_valid():
        try:
            setup.update_profile(Actor.of(request), school, **form.cleaned_data)
        except DomainError as exc:
            exc.add_to(form)
        else:
            messages.success(request, _("The school's profile is saved."))
            return redirect("setup_home")
    province = form["province_code"].value() or school.province.code
    return render(
        request,
        "gradebook/setup/profile.html",
        {
            "form": form,
            "communes": units.communes(str(province)),
            "school": school,
            "year": current_year(school),
        },
        status=400 if bound else 200,
    )


@login_required
def setup_year(request):
    school = _setting_up(request)
    year = current_year(school)
    actor = Actor.of(request)
    if year is None or request.POST.get("action") == "new_year":
        form = NewYearForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                setup.create_year(actor, school, form.cleaned_data["start_year"])
            except DomainError as exc:
                exc.add_to(form)
            else:
                messages.success(
                    request, _("The school year is created from the Ministry's frame; check its dates.")
                )
                return redirect("setup_year")
        return render(
            request, "gradebook/setup/new_year.html", {"form": form}, status=400 if form.is_bound else 200
        )
    terms = {t.code: t for t in year.terms.all()}
    initial = {
        "data_deadline": year.data_deadline,
        "school_days": list(year.school_days),
        "holidays": holidays_text(year.holidays),
    }
    for code, term in terms.items():
        for name, _label, _required in CalendarForm.TERM_FIELDS:
            initial[f"{code}-{name}"] = getattr(term, name)
    bound = request.method == "POST"
    form = CalendarForm(request.POST if bound else None, initial=initial)
    if bound and form.is_valid():
        data = form.cleaned_data
        dates = [
            setup.TermDates(code, *(data[f"{code}-{name}"] for name, _l, _r in CalendarForm.TERM_FIELDS))
            for code in ("HK1", "HK2")
        ]
        try:
            setup.update_calendar(
                actor,
                year,
                data_deadline=data["data_deadline"],
                terms=dates,
                school_days=data["school_days"],
                holidays=data["holidays"],
            )
        except DomainError as exc:
            exc.add_to(form)
        else:
            messages.success(request, _("The calendar is saved."))
            return redirect("setup_year")
    return render(
        request,
        "gradebook/setup/year.html",
        {
            "form": form,
            "year": year,
            "has_scores": setup.year_has_scores(year),
            "terms": [("HK1", _("Term I"), form.term("HK1")), ("HK2", _("Term II"), form.term("HK2"))],
        },
        status=400 if bound else 200,
    )


@login_required
def setup_curriculum(request):
    school = _setting_up(request)
    year = current_year_or_404(school)
    actor = Actor.of(request)
    failed = None
    if request.method == "POST":
        if request.POST.get("action") == "preset":
            try:
                report = setup.apply_curriculum_preset(actor, year)
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    _("%(n)d lines of the curriculum added from the preset.") % {"n": len(report.created)},
                )
            return redirect("setup_curriculum")
        grade_key, subject_key = request.POST.get("grade", ""), request.POST.get("subject", "")
        failed = GradeSubjectForm(
            request.POST, form_id=f"gs-{grade_key}-{subject_key}", auto_id=f"id_{grade_key}_{subject_key}_%s"
        )
        if failed.is_valid():
            data = failed.cleaned_data
            subject = get_object_or_404(Subject, pk=data["subject"], school=school)
            try:
                setup.set_grade_subject(
                    actor,
                    year,
                    data["grade"],
                    subject,
                    periods_per_year=data["periods_per_year"],
                    taught_terms=data["taught_terms"],
                    elective=data["elective"],
                    taught=data["taught"],
                )
            except DomainError as exc:
                exc.add_to(failed)
            else:
                messages.success(
                    request,
                    _("%(subject)s, grade %(grade)d: saved.")
                    % {"subject": subject.name, "grade": data["grade"]},
                )
                return redirect(f"{request.path}#g{data['grade']}")
    lines = {(g.grade, g.subject_id): g for g in GradeSubject.objects.filter(school_year=year)}
    subjects = list(Subject.objects.filter(school=school).order_by("order", "name"))
    grades = []
    for grade in school.grades:
        rows = []
        for subject in subjects:
            line = lines.get((grade, subject.pk))
            form_id = f"gs-{grade}-{subject.pk}"
            if (
                failed is not None
                and failed.data.get("grade") == str(grade)
                and failed.data.get("subject") == str(subject.pk)
            ):
                form = failed
            else:
                form = GradeSubjectForm(
                    initial={
                        "grade": grade,
                        "subject": subject.pk,
                        "periods_per_year": line.periods_per_year if line else "",
                        "taught_terms": line.taught_terms if line else "both",
                        "elective": line.elective if line else False,
                        "taught": line is not None,
                    },
                    auto_id=f"id_{grade}_{subject.pk}_%s",
                    form_id=form_id,
                )
            rows.append({"subject": subject, "line": line, "form": form})
        grades.append({"grade": grade, "rows": rows, "count": sum(1 for r in rows if r["line"])})
    return render(
        request,
        "gradebook/setup/curriculum.html",
        {"year": year, "grades": grades},
        status=400 if failed is not None else 200,
    )


@login_required
def setup_classes(request):
    school = _setting_up(request)
    year = current_year_or_404(school)
    actor = Actor.of(request)
    staff = User.objects.filter(pk__in=[u.pk for u in assignments.staff_of(school)])
    classes_form = ClassesForm(request.POST if request.POST.get("action") == "classes" else None)
    department_form = DepartmentForm(
        request.POST if request.POST.get("action") == "department" else None, staff=staff
    )
    if classes_form.is_bound and classes_form.is_valid():
        try:
            report = setup.create_classes(actor, year, classes_form.cleaned_data["classes"])
        except DomainError as exc:
            exc.add_to(classes_form)
        else:
            messages.success(
                request,
                _("Classes created: %(made)s.") % {"made": ", ".join(report.created) or "—"}
                + (
                    " " + _("Already there: %(what)s") % {"what": ", ".join(report.kept)}
                    if report.kept
                    else ""
                ),
            )
            return redirect("setup_classes")
    if request.POST.get("action") == "sessions":
        chosen = {
            key.removeprefix("sessions:"): value
            for key, value in request.POST.items()
            if key.startswith("sessions:")
        }
        try:
            changed = setup.set_class_sessions(actor, year, chosen)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Sessions saved for %(n)d classes.") % {"n": changed})
            return redirect("setup_classes")
    if department_form.is_bound and department_form.is_valid():
        try:
            setup.save_department(
                actor, school, department_form.cleaned_data["name"], department_form.cleaned_data["head"]
            )
        except DomainError as exc:
            exc.add_to(department_form)
        else:
            messages.success(request, _("The department is saved."))
            return redirect("setup_classes")
    heads = {
        ra.department_id: ra.user
        for ra in RoleAssignment.objects.filter(school=school, role=Role.DEPARTMENT_HEAD).select_related(
            "user"
        )
    }
    departments = [(d, heads.get(d.pk)) for d in Department.objects.filter(school=school).order_by("name")]
    classes = list(
        Classroom.objects.filter(school_year=year)
        .select_related("homeroom_teacher")
        .order_by("grade", "name")
    )
    has_electives = GradeSubject.objects.filter(school_year=year, elective=True).exists()
    return render(
        request,
        "gradebook/setup/classes.html",
        {
            "session_choices": Sessions.choices,
            "year": year,
            "classes": classes,
            "departments": departments,
            "classes_form": classes_form,
            "department_form": department_form,
            "has_electives": has_electives,
        },
        status=400 if (classes_form.is_bound or department_form.is_bound) else 200,
    )


@login_required
def setup_electives(request, classroom_uuid):
    classroom = get_object_or_404(
        Classroom.objects.select_related("school_year__school"), uuid=classroom_uuid
    )
    authz.check(request.user, Action.SET_UP_SCHOOL, classroom.school_year.school)
    offered = GradeSubject.objects.filter(school_year=classroom.school_year, grade=classroom.grade)
    electives = Subject.objects.filter(pk__in=offered.filter(elective=True).values("subject_id")).order_by(
        "order"
    )
    studied = Subject.objects.filter(pk__in=offered.values("subject_id"), kind=Subject.Kind.SCORE).order_by(
        "order"
    )
    assignments_now = {a.subject_id: a for a in classroom.assignments.all()}
    initial = {
        "electives": [s for s in electives if s.pk in assignments_now],
        "topic_clusters": [a.subject for a in assignments_now.values() if a.topic_cluster],
        "combination": classroom.combination,
    }
    bound = request.method == "POST" and request.POST.get("action") != "periods"
    form = ElectivesForm(
        request.POST if bound else None, initial=initial, electives=electives, subjects=studied
    )
    periods_failed = None
    if request.method == "POST" and request.POST.get("action") == "periods":
        assignment = get_object_or_404(
            classroom.assignments, pk=row_id_or_404(request.POST.get("assignment"))
        )
        periods_failed = ClassSubjectForm(
            request.POST, form_id=f"cs-{assignment.pk}", auto_id=f"id_cs{assignment.pk}_%s"
        )
        if periods_failed.is_valid():
            try:
                setup.set_class_subject(Actor.of(request), assignment, **periods_failed.cleaned_data)
            except DomainError as exc:
                exc.add_to(periods_failed)
            else:
                messages.success(
                    request,
                    _("%(subject)s, class %(c)s: saved.")
                    % {"subject": assignment.subject.name, "c": classroom.name},
                )
                return redirect("setup_electives", classroom_uuid=classroom.uuid)
    if bound and form.is_valid():
        try:
            setup.choose_electives(
                Actor.of(request),
                classroom,
                electives=list(form.cleaned_data["electives"]),
                topic_clusters=list(form.cleaned_data["topic_clusters"]),
                combination=form.cleaned_data["combination"],
            )
        except DomainError as exc:
            exc.add_to(form)
        else:
            messages.success(request, _("Class %(c)s: electives saved.") % {"c": classroom.name})
            return redirect("setup_classes")
    subjects = []
    for assignment in classroom.assignments.select_related("subject", "teacher").order_by("subject__order"):
        failed_here = periods_failed is not None and request.POST.get("assignment") == str(assignment.pk)
        subjects.append(
            {
                "assignment": assignment,
                "form": periods_failed
                if failed_here
                else ClassSubjectForm(
                    initial={
                        "periods_per_year": assignment.periods_per_year,
                        "taught_terms": assignment.taught_terms,
                    },
                    form_id=f"cs-{assignment.pk}",
                    auto_id=f"id_cs{assignment.pk}_%s",
                ),
            }
        )
    return render(
        request,
        "gradebook/setup/electives.html",
        {"classroom": classroom, "form": form, "subjects": subjects, "has_electives": electives.exists()},
        status=400 if bound or periods_failed is not None else 200,
    )


# -- teaching assignments -----------------------------------------------------------------------------


@login_required
def setup_assignments(request):
    school = _setting_up(request)
    year = current_year_or_404(school)
    data = assignments.matrix(year)
    effective = EffectiveDateForm(request.POST if request.method == "POST" else None)
    refused = []
    if request.method == "POST" and effective.is_valid():
        wanted = []
        for classroom in data.classes:
            for subject in [None, *data.subjects]:
                key = f"cell-{classroom.pk}-{subject.pk if subject else 'gvcn'}"
                if key not in request.POST:
                    continue
                text = request.POST.get(key, "").strip()
                teacher, reason = assignments.find_teacher(text, data.staff)
                wanted.append(assignments.CellChange(classroom, subject, teacher, text=text, reason=reason))
        result = assignments.save_matrix(
            Actor.of(request), year, wanted, effective=effective.cleaned_data["effective"]
        )
        refused = [c for c in result.cells if c.fate == "refused"]
        if not refused:
            messages.success(request, _("%(n)d assignments saved.") % {"n": result.writable})
            return redirect("setup_assignments")
        messages.error(request, _("%(n)d cells were not saved; the others were.") % {"n": len(refused)})
        data = assignments.matrix(year)
    typed = {f"cell-{c.classroom.pk}-{c.subject.pk if c.subject else 'gvcn'}": c for c in refused}
    rows = []
    for classroom in data.classes:
        cells = [("gvcn", classroom.homeroom_teacher, True)]
        for subject in data.subjects:
            assignment = data.cells.get((classroom.pk, subject.pk))
            cells.append((subject.pk, assignment.teacher if assignment else None, assignment is not None))
        rows.append(
            {
                "classroom": classroom,
                "cells": [
                    {
                        "name": f"cell-{classroom.pk}-{key}",
                        "value": typed[f"cell-{classroom.pk}-{key}"].text
                        if f"cell-{classroom.pk}-{key}" in typed
                        else (f"{t.full_name} ({t.username})" if t else ""),
                        "error": typed[f"cell-{classroom.pk}-{key}"].reason
                        if f"cell-{classroom.pk}-{key}" in typed
                        else "",
                        "exists": exists,
                    }
                    for key, t, exists in cells
                ],
            }
        )
    return render(
        request,
        "gradebook/setup/assignments.html",
        {
            "year": year,
            "subjects": data.subjects,
            "rows": rows,
            "staff": data.staff,
            "effective": effective,
            "upload": UploadForm(),
        },
        status=400 if refused else 200,
    )


@login_required
@require_safe
def setup_assignments_export(request):
    school = _setting_up(request)
    year = current_year_or_404(school)
    return xlsx_response(assignments.export_file(year), f"phan-cong-chuyen-mon-{year.name}.xlsx")


# -- imports ------------------------------------------------------------------------------------------


@login_required
@require_safe
def setup_roster(request):
    school = _setting_up(request)
    year = current_year_or_404(school)
    form = UploadForm()
    recent = ImportBatch.objects.filter(school_year=year, kind=ImportBatch.Kind.ROSTER).select_related(
        "created_by"
    )[:10]
    classes = Classroom.objects.filter(school_year=year).order_by("grade", "name")
    return render(
        request,
        "gradebook/setup/roster.html",
        {"year": year, "form": form, "recent": recent, "classes": classes},
    )


@login_required
@require_safe
def setup_roster_template(request):
    school = _setting_up(request)
    year = current_year_or_404(school)
    return xlsx_response(roster.template_file(year), "mau-danh-sach-hoc-sinh.xlsx")


@login_required
@require_POST
def setup_upload(request, kind):
    """An uploaded roster or assignment matrix, kept for its preview (nothing written yet)."""
    school = _setting_up(request)
    year = current_year_or_404(school)
    if kind not in ImportBatch.Kind.values:
        raise Http404
    form = UploadForm(request.POST, request.FILES)
    back = "setup_roster" if kind == ImportBatch.Kind.ROSTER else "setup_assignments"
    if not form.is_valid():
        messages.error(request, _("Choose an Excel file (.xlsx)."))
        return redirect(back)
    uploaded = form.cleaned_data["file"]
    data = uploaded.read(5 * 1024 * 1024 + 1)
    service = roster if kind == ImportBatch.Kind.ROSTER else assignments
    try:
        batch, _result = service.upload(Actor.of(request), year, uploaded.name, data)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    return redirect("setup_import", batch_uuid=batch.uuid)


def _batch(request, batch_uuid) -> ImportBatch:
    batch = get_object_or_404(ImportBatch.objects.select_related("school_year__school"), uuid=batch_uuid)
    authz.check(request.user, Action.SET_UP_SCHOOL, batch.school_year.school)
    return batch


@login_required
def setup_import(request, batch_uuid):
    """The preview of a kept file: every row's (or cell's) fate; the confirmation writes it."""
    batch = _batch(request, batch_uuid)
    year = batch.school_year
    is_roster = batch.kind == ImportBatch.Kind.ROSTER
    effective = EffectiveDateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and effective.is_valid():
        try:
            if is_roster:
                result = roster.apply(Actor.of(request), batch)
                counts = result.counts
                messages.success(
                    request,
                    _(
                        "Written: %(new)d new, %(updated)d updated; %(unchanged)d unchanged, %(refused)d refused."
                    )
                    % counts,
                )
                return redirect("setup_roster")
            result = assignments.apply(
                Actor.of(request), batch, effective=effective.cleaned_data["effective"]
            )
            messages.success(request, _("%(n)d assignments saved.") % {"n": result.writable})
            return redirect("setup_assignments")
        except DomainError as exc:
            messages.error(request, str(exc))
    try:
        if is_roster:
            result = roster.preview(year, bytes(batch.content))
        else:
            result = assignments.decide(year, assignments.read_file(year, bytes(batch.content)))
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("setup_roster" if is_roster else "setup_assignments")
    return render(
        request,
        "gradebook/setup/import_preview.html",
        {"batch": batch, "result": result, "is_roster": is_roster, "effective": effective},
    )


@login_required
@require_safe
def setup_import_errors(request, batch_uuid):
    batch = _batch(request, batch_uuid)
    if batch.kind != ImportBatch.Kind.ROSTER:
        raise Http404
    result = roster.preview(batch.school_year, bytes(batch.content))
    return xlsx_response(roster.error_file(result), "dong-bi-tu-choi.xlsx")


# -- one student; the data check -------------------------------------------------------------------


def _profile_form_initial(student: Student) -> dict:
    guardians = {g.relationship: g for g in student.guardians.all()}
    initial = {
        name: getattr(student, name)
        for name in data_check.PROFILE_FIELDS
        if name not in ("family_name", "middle_name", "given_name")
    }
    initial["full_name"] = student.full_name
    for who in ("father", "mother"):
        g = guardians.get(who)
        if g:
            initial |= {f"{who}_name": g.full_name, f"{who}_year": g.year_of_birth, f"{who}_phone": g.phone}
    return initial


@login_required
def student_profile(request, classroom_uuid, student_uuid=None):
    """Add a student to a class, or correct one's profile (the admin board; the class's homeroom
    teacher during the data check and after)."""
    classroom = get_object_or_404(
        Classroom.objects.select_related("school_year__school"), uuid=classroom_uuid
    )
    authz.check(request.user, Action.EDIT_PROFILES, classroom)
    student = None
    if student_uuid is not None:
        student = get_object_or_404(
            Student.objects.filter(enrolments__classroom=classroom).distinct(), uuid=student_uuid
        )
    bound = request.method == "POST"
    initial = _profile_form_initial(student) if student else {"ethnicity": "Kinh"}
    form = StudentProfileForm(request.POST if bound else None, initial=initial)
    if bound and form.is_valid():
        try:
            saved = data_check.save_student(
                Actor.of(request), classroom, form.profile(), student=student, guardians=form.guardians()
            )
        except DomainError as exc:
            exc.add_to(form)
        else:
            messages.success(request, _("%(name)s: profile saved.") % {"name": saved.full_name})
            return redirect("data_check", classroom_uuid=classroom.uuid)
    return render(
        request,
        "gradebook/setup/student_profile.html",
        {"classroom": classroom, "student": student, "form": form},
        status=400 if bound else 200,
    )


@login_required
def data_check_view(request, classroom_uuid):
    classroom = get_object_or_404(
        Classroom.objects.select_related("school_year__school", "homeroom_teacher"), uuid=classroom_uuid
    )
    authz.check(request.user, Action.EDIT_PROFILES, classroom)
    is_homeroom = authz.can(request.user, Action.MANAGE_CLASSROOM, classroom)
    form = DataCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not is_homeroom:  # the admin board corrects profiles; the check is the homeroom teacher's
            raise PermissionDenied
        try:
            if request.POST.get("action") == "open":
                data_check.open_check(Actor.of(request), classroom)
                messages.success(
                    request,
                    _("The check is open: correct each profile against the paper files, then confirm."),
                )
            elif form.is_valid():
                data_check.confirm_check(Actor.of(request), classroom, form.cleaned_data["note"])
                messages.success(request, _("The check of %(c)s is confirmed.") % {"c": classroom.name})
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("data_check", classroom_uuid=classroom.uuid)
    check = data_check.check_of(classroom)
    students = (
        Student.objects.filter(enrolments__classroom=classroom)
        .distinct()
        .prefetch_related("guardians")
        .order_by("sort_key")
    )
    return render(
        request,
        "gradebook/setup/data_check.html",
        {
            "classroom": classroom,
            "check": check,
            "students": students,
            "changes": data_check.changes_during(check) if check else [],
            "is_homeroom": is_homeroom,
            "form": form,
        },
    )


@login_required
@require_safe
def data_check_overview(request):
    school = _setting_up(request, write=False)
    year = current_year_or_404(school)
    return render(
        request, "gradebook/setup/data_checks.html", {"year": year, "rows": checklist.data_checks(year)}
    )
