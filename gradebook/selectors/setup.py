"""The set-up checklist "Thiết lập năm học" (docs/workflows.md §1): each step from a new school to
"ready for score entry", with its state and what is missing; and the classes' data checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts.models import Department, Role, RoleAssignment, School
from gradebook.models import Classroom, DataCheck, Enrolment, GradeSubject, SchoolYear, TeachingAssignment


@dataclass
class Step:
    key: str
    title: str
    url_name: str
    done: bool
    missing: list[str] = field(default_factory=list)
    needed_for_scores: bool = True


def checklist(school: School, year: SchoolYear | None) -> list[Step]:
    steps = []
    profile_missing = []
    if not school.moet_code:
        profile_missing.append(_("the Ministry school code"))
    if school.commune_id is None:
        profile_missing.append(_("the commune or ward"))
    steps.append(
        Step("profile", _("School profile"), "setup_profile", not profile_missing, profile_missing, False)
    )
    if year is None:
        steps.append(Step("year", _("School year and terms"), "setup_year", False, [_("no school year yet")]))
        return steps
    terms = year.terms.count()
    steps.append(
        Step(
            "year",
            _("School year and terms"),
            "setup_year",
            terms == 2,
            [] if terms == 2 else [_("the terms' dates")],
        )
    )
    taught = set(GradeSubject.objects.filter(school_year=year).values_list("grade", flat=True))
    no_curriculum = [g for g in school.grades if g not in taught]
    steps.append(
        Step(
            "curriculum",
            _("Curriculum"),
            "setup_curriculum",
            not no_curriculum,
            [_("grade %(g)d has no subjects") % {"g": g} for g in no_curriculum],
        )
    )
    classes = list(
        Classroom.objects.filter(school_year=year)
        .annotate(
            students=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.STUDYING)),
            subjects=Count("assignments", distinct=True),
        )
        .order_by("grade", "name")
    )
    steps.append(
        Step("classes", _("Classes"), "setup_classes", bool(classes), [] if classes else [_("no class yet")])
    )
    departments = Department.objects.filter(school=school)
    headed = set(
        RoleAssignment.objects.filter(school=school, role=Role.DEPARTMENT_HEAD).values_list(
            "department_id", flat=True
        )
    )
    no_head = [d.name for d in departments if d.pk not in headed]
    steps.append(
        Step(
            "departments",
            _("Departments and their heads"),
            "setup_classes",
            bool(departments) and not no_head,
            [_("%(d)s has no head") % {"d": d} for d in no_head]
            or ([] if departments else [_("no department yet")]),
            False,
        )
    )
    if any(g >= 10 for g in school.grades):
        electives: dict[int, set[int]] = {}
        for grade, subject_id in GradeSubject.objects.filter(school_year=year, elective=True).values_list(
            "grade", "subject_id"
        ):
            electives.setdefault(grade, set()).add(subject_id)
        chosen: dict[int, int] = {}
        for classroom_id, grade, subject_id in TeachingAssignment.objects.filter(
            classroom__school_year=year
        ).values_list("classroom_id", "classroom__grade", "subject_id"):
            if subject_id in electives.get(grade, ()):
                chosen[classroom_id] = chosen.get(classroom_id, 0) + 1
        short = [c.name for c in classes if c.grade in electives and chosen.get(c.pk, 0) < 4]
        steps.append(
            Step(
                "electives",
                _("Elective combinations and learning-topic clusters"),
                "setup_classes",
                bool(classes) and not short,
                [_("%(c)s has fewer than 4 electives") % {"c": c} for c in short],
            )
        )
    unassigned = TeachingAssignment.objects.filter(classroom__school_year=year, teacher__isnull=True).count()
    no_homeroom = [c.name for c in classes if c.homeroom_teacher_id is None]
    missing = ([_("%(n)d class-subjects without a teacher") % {"n": unassigned}] if unassigned else []) + (
        [_("no homeroom teacher: %(c)s") % {"c": ", ".join(no_homeroom)}] if no_homeroom else []
    )
    steps.append(
        Step(
            "assignments",
            _("Teaching assignments"),
            "setup_assignments",
            bool(classes) and not missing,
            missing,
        )
    )
    empty = [c.name for c in classes if not c.students]
    steps.append(
        Step(
            "roster",
            _("Student roster"),
            "setup_roster",
            bool(classes) and not empty,
            [_("no student in %(c)s") % {"c": ", ".join(empty)}] if empty else [],
        )
    )
    confirmed = set(
        DataCheck.objects.filter(classroom__school_year=year, confirmed_at__isnull=False).values_list(
            "classroom_id", flat=True
        )
    )
    unchecked = [c.name for c in classes if c.pk not in confirmed]
    steps.append(
        Step(
            "data_check",
            _("Start-of-year data check"),
            "setup_data_checks",
            bool(classes) and not unchecked,
            [_("not confirmed: %(c)s") % {"c": ", ".join(unchecked)}] if unchecked else [],
            False,
        )
    )
    return steps


def ready_for_scores(steps: list[Step]) -> bool:
    return all(s.done for s in steps if s.needed_for_scores)


def data_checks(year: SchoolYear) -> list[tuple[Classroom, DataCheck | None]]:
    checks = {
        c.classroom_id: c
        for c in DataCheck.objects.filter(classroom__school_year=year).select_related("confirmed_by")
    }
    classes = (
        Classroom.objects.filter(school_year=year)
        .select_related("homeroom_teacher")
        .order_by("grade", "name")
    )
    return [(c, checks.get(c.pk)) for c in classes]


def setup_summary(school: School, year: SchoolYear) -> dict:
    """What the progress board shows of the set-up: ready for scores, classes whose check is confirmed."""
    rows = data_checks(year)
    return {
        "setup_ready": ready_for_scores(checklist(school, year)),
        "checks_done": sum(1 for _c, check in rows if check and check.confirmed_at),
        "checks_total": len(rows),
    }
