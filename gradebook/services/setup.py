"""Starting a school year (docs/workflows.md §1): the school's profile, the year and its terms from the
Ministry's frame, the curriculum from the presets (gradebook/presets.py), classes in bulk, departments,
electives and learning-topic clusters per class. The pages and `manage.py setup_year` call these.

Each function checks the right (the admin board; IT staff too), runs in one transaction and leaves a
trace: the models' history for rows, the audit trail for the year's set-up and the profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from accounts.history import attribute
from accounts.models import Department, School, User
from accounts.services import AccountError, place
from audit.models import AuditEvent
from audit.services import record
from gradebook import presets
from gradebook.models import (
    Absence,
    Classroom,
    GradeSubject,
    SchoolYear,
    Score,
    Sessions,
    Subject,
    TeachingAssignment,
    Term,
)
from gradebook.regulations import registry
from gradebook.services.structure import StructureError, create_classroom
from sodiem.domain import Actor, acting


class SetupError(StructureError):
    """A step of the year's set-up refused; the message says why."""


@dataclass
class SetupReport:
    """What a set-up step did, as the page and the command print it."""

    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def did_something(self) -> bool:
        return bool(self.created)

    def lines(self) -> list[str]:
        return (
            [_("Created: %(what)s") % {"what": w} for w in self.created]
            + [_("Already there: %(what)s") % {"what": w} for w in self.kept]
            + [_("Refused: %(what)s") % {"what": w} for w in self.refused]
        )


def check_setting_up(by, school: School) -> User:
    """The acting user, who must be allowed the year's set-up in the school (the admin board, IT
    staff); shared by the set-up, roster and assignment services."""
    actor, _ip = acting(by)
    authz.check(actor, Action.SET_UP_SCHOOL, school)
    return actor


def year_has_scores(school_year: SchoolYear) -> bool:
    return Score.objects.filter(enrolment__classroom__school_year=school_year).exists()


# -- the school's profile --------------------------------------------------------------------------


@transaction.atomic
def update_profile(
    by: Actor | User,
    school: School,
    *,
    name: str,
    moet_code: str,
    level: str,
    province_code: str,
    commune_code: str,
    address: str = "",
    phone: str = "",
    email: str = "",
) -> School:
    """Name, Ministry code, level and place (province + commune, accounts/units.py); the managing body the
    documents print follows from the level and the place (School.managing_body)."""
    check_setting_up(by, school)
    name = " ".join(name.split())
    if not name:
        raise SetupError(_("Give the school's name."), {"name": _("Give the school's name.")})
    if level not in School.Level.values:
        raise SetupError(_("Unknown level %(level)s.") % {"level": level}, {"level": _("Choose a level.")})
    if level != school.level and year_has_any_classes(school, outside=School(level=level).grades):
        raise SetupError(
            _("The school has classes of grades the new level does not teach."),
            {"level": _("The school has classes of grades the new level does not teach.")},
        )
    try:
        province, commune = place(province_code, commune_code)
    except AccountError as exc:
        raise SetupError(str(exc), {"commune_code": str(exc)}) from None
    before = {f: str(getattr(school, f)) for f in ("name", "moet_code", "level", "province", "commune")}
    school.name, school.moet_code, school.level = name, moet_code.strip(), level
    school.province, school.commune = province, commune
    school.address, school.phone, school.email = address.strip(), phone.strip(), email.strip()
    school.save()
    after = {f: str(getattr(school, f)) for f in before}
    changed = {f: [before[f], after[f]] for f in before if before[f] != after[f]}
    record(AuditEvent.Action.SCHOOL_PROFILE_CHANGED, actor=by, school=school, obj=school, changed=changed)
    return school


def year_has_any_classes(school: School, *, outside: range) -> bool:
    return Classroom.objects.filter(school_year__school=school).exclude(grade__in=list(outside)).exists()


# -- the year and its terms ------------------------------------------------------------------------


def _terms_from_frame(school_year: SchoolYear, frame: presets.YearFrame) -> list[Term]:
    return [
        Term(
            school_year=school_year,
            code=Term.Code.HK1,
            start_date=frame.start,
            end_date=frame.term1_end,
            midterm_tests_from=frame.term1_midterm,
            final_tests_from=frame.term1_final,
            entry_deadline=frame.term1_entry_deadline,
        ),
        Term(
            school_year=school_year,
            code=Term.Code.HK2,
            start_date=frame.term2_start,
            end_date=frame.end,
            midterm_tests_from=frame.term2_midterm,
            final_tests_from=frame.term2_final,
            entry_deadline=frame.term2_entry_deadline,
        ),
    ]


@transaction.atomic
def create_year(
    by: Actor | User, school: School, start_year: int, *, make_current: bool = True
) -> SchoolYear:
    """The year with its two terms from the Ministry's frame (gradebook/presets.py), which the school
    then edits; the current year from now on unless told otherwise."""
    check_setting_up(by, school)
    if not 2000 <= start_year <= 2100:
        raise SetupError(_("The start year %(y)s is not plausible.") % {"y": start_year})
    if SchoolYear.objects.filter(school=school, start_year=start_year).exists():
        raise SetupError(
            _("The school year %(y)s-%(z)s already exists.") % {"y": start_year, "z": start_year + 1}
        )
    frame = presets.year_frame(start_year)
    if make_current:
        SchoolYear.objects.filter(school=school, is_current=True).update(is_current=False)
    school_year = SchoolYear.objects.create(
        school=school,
        start_year=start_year,
        start_date=frame.start,
        end_date=frame.end,
        data_deadline=frame.data_deadline,
        holidays=presets.national_holidays(start_year),
        is_current=make_current,
    )
    for term in _terms_from_frame(school_year, frame):
        term.save()
    record(AuditEvent.Action.YEAR_SET_UP, actor=by, school=school, obj=school_year, year=school_year.name)
    return school_year


@dataclass
class TermDates:
    code: str
    start_date: date
    end_date: date
    midterm_tests_from: date | None
    final_tests_from: date | None
    entry_deadline: date | None


@transaction.atomic
def update_calendar(
    by: Actor | User,
    school_year: SchoolYear,
    *,
    data_deadline: date | None,
    terms: list[TermDates],
    school_days: str | None = None,
    holidays: list | None = None,
) -> None:
    """The terms' dates and the test calendar, editable until the first score is entered (the columns
    and the locks hang on them); the school's deadlines, its school days and days off stay editable
    (attendance is taken on the school days only)."""
    check_setting_up(by, school_year.school)
    current = {t.code: t for t in school_year.terms.all()}
    errors: dict[str, str] = {}
    by_code = {t.code: t for t in terms}
    hk1, hk2 = by_code.get(Term.Code.HK1), by_code.get(Term.Code.HK2)
    if hk1 is None or hk2 is None:
        raise SetupError(_("Both terms need their dates."))
    for t in (hk1, hk2):
        if t.end_date <= t.start_date:
            errors[f"{t.code}-end_date"] = _("A term ends after it starts.")
        for name in ("midterm_tests_from", "final_tests_from"):
            day = getattr(t, name)
            if day is not None and not t.start_date <= day <= t.end_date:
                errors[f"{t.code}-{name}"] = _("The tests fall inside their term.")
    if not errors and hk2.start_date <= hk1.end_date:
        errors["HK2-start_date"] = _("Term II starts after term I ends.")
    if errors:
        raise SetupError(next(iter(errors.values())), errors)
    dates_changed = any(
        (getattr(current[t.code], f) if t.code in current else None) != getattr(t, f)
        for t in (hk1, hk2)
        for f in ("start_date", "end_date", "midterm_tests_from", "final_tests_from")
    )
    if dates_changed and year_has_scores(school_year):
        raise SetupError(
            _("Scores have been entered this year: the terms' dates can no longer change."),
            {
                "HK1-start_date": _(
                    "Scores have been entered this year: the terms' dates can no longer change."
                )
            },
        )
    for t in (hk1, hk2):
        term = current.get(t.code) or Term(school_year=school_year, code=t.code)
        for f in ("start_date", "end_date", "midterm_tests_from", "final_tests_from", "entry_deadline"):
            setattr(term, f, getattr(t, f))
        term.save()
    school_year.start_date, school_year.end_date = hk1.start_date, hk2.end_date
    school_year.data_deadline = data_deadline
    fields = ["start_date", "end_date", "data_deadline"]
    if school_days is not None:
        if not school_days or set(school_days) - set("0123456"):
            raise SetupError(
                _("Choose the days the school teaches."), {"school_days": _("Choose at least one day.")}
            )
        school_year.school_days = school_days
        fields.append("school_days")
    if holidays is not None:
        school_year.holidays = holidays
        fields.append("holidays")
    school_year.save(update_fields=fields)


# -- curriculum ------------------------------------------------------------------------------------


def _under_tt22(start_year: int, grade: int) -> bool:
    return registry.regulation_for(start_year, grade).code.startswith("TT22")


@transaction.atomic
def apply_curriculum_preset(
    by: Actor | User, school_year: SchoolYear, preset: str | None = None
) -> SetupReport:
    """Departments, subjects and each grade's curriculum from the preset (THCS/THPT; the 2018 programme
    for the grades under TT22, the 2006 one for the grades still under TT58). What exists is kept."""
    school = school_year.school
    check_setting_up(by, school)
    report = SetupReport()
    wanted = [preset] if preset else sorted({presets.preset_of_grade(g) for g in school.grades})
    if any(p not in presets.PRESETS for p in wanted):
        raise SetupError(_("Unknown preset %(p)s.") % {"p": preset})
    grades = [g for g in school.grades if presets.preset_of_grade(g) in wanted]
    if not grades:
        raise SetupError(_("The preset is for grades this school does not teach."))
    departments = {d.name: d for d in Department.objects.filter(school=school)}
    subjects = {s.code: s for s in Subject.objects.filter(school=school)}
    existing = set(GradeSubject.objects.filter(school_year=school_year).values_list("grade", "subject__code"))
    order = max((s.order for s in subjects.values()), default=0)
    for grade in grades:
        for item in presets.curriculum(
            presets.preset_of_grade(grade), grade, _under_tt22(school_year.start_year, grade)
        ):
            if item.department not in departments:
                departments[item.department] = Department.objects.create(school=school, name=item.department)
                report.created.append(item.department)
            subject = subjects.get(item.code)
            if subject is None:
                order += 1
                subject = subjects[item.code] = Subject.objects.create(
                    school=school,
                    code=item.code,
                    name=item.name,
                    short_name=item.short_name,
                    kind=item.kind,
                    department=departments[item.department],
                    order=order,
                )
            if (grade, item.code) in existing:
                report.kept.append(f"{item.name} {grade}")
                continue
            GradeSubject.objects.create(
                school_year=school_year,
                grade=grade,
                subject=subject,
                periods_per_year=item.periods[grade],
                elective=item.elective,
            )
            report.created.append(
                _("%(subject)s, grade %(grade)d (%(periods)d periods)")
                % {"subject": item.name, "grade": grade, "periods": item.periods[grade]}
            )
    return report


@transaction.atomic
def set_grade_subject(
    by: Actor | User,
    school_year: SchoolYear,
    grade: int,
    subject: Subject,
    *,
    periods_per_year: int,
    taught_terms: str,
    elective: bool = False,
    taught: bool = True,
) -> None:
    """One line of a grade's curriculum; its classes' assignments follow while they hold no score."""
    check_setting_up(by, school_year.school)
    if subject.school_id != school_year.school_id or grade not in school_year.school.grades:
        raise SetupError(_("This subject or grade is not of the school."))
    if taught and not 1 <= periods_per_year <= 400:
        raise SetupError(
            _("Periods per year are between 1 and 400."),
            {"periods_per_year": _("Periods per year are between 1 and 400.")},
        )
    assignments = TeachingAssignment.objects.filter(
        classroom__school_year=school_year, classroom__grade=grade, subject=subject
    )
    if Score.objects.filter(assignment__in=assignments).exists():
        raise SetupError(
            _(
                "Scores of %(subject)s are entered in grade %(grade)d: change the periods of one class instead."
            )
            % {"subject": subject.name, "grade": grade}
        )
    if not taught:
        GradeSubject.objects.filter(school_year=school_year, grade=grade, subject=subject).delete()
        assignments.delete()
        return
    GradeSubject.objects.update_or_create(
        school_year=school_year,
        grade=grade,
        subject=subject,
        defaults={"periods_per_year": periods_per_year, "taught_terms": taught_terms, "elective": elective},
    )
    assignments.update(periods_per_year=periods_per_year, taught_terms=taught_terms)
    if not elective:  # a compulsory subject reaches every class of the grade
        for classroom in Classroom.objects.filter(school_year=school_year, grade=grade).exclude(
            assignments__subject=subject
        ):
            TeachingAssignment.objects.create(
                classroom=classroom,
                subject=subject,
                periods_per_year=periods_per_year,
                taught_terms=taught_terms,
            )


@transaction.atomic
def choose_electives(
    by: Actor | User,
    classroom: Classroom,
    *,
    electives: list[Subject],
    topic_clusters: list[Subject],
    combination: str = "",
) -> None:
    """A THPT class's combination of electives and its learning-topic clusters (docs/onboarding.md). An
    elective with scores cannot be dropped; a cluster adds one ĐĐGtx per term (TT22 Điều 6 khoản 2)."""
    school_year = classroom.school_year
    check_setting_up(by, school_year.school)
    offered = {
        gs.subject_id: gs
        for gs in GradeSubject.objects.filter(school_year=school_year, grade=classroom.grade).select_related(
            "subject"
        )
    }
    if any(s.pk not in offered or not offered[s.pk].elective for s in electives):
        raise SetupError(_("Choose electives among the grade's elective subjects."))
    if len(set(electives)) != len(electives):
        raise SetupError(_("An elective is chosen twice."))
    assignments = {a.subject_id: a for a in classroom.assignments.all()}
    chosen = {s.pk for s in electives}
    for subject_id, gs in offered.items():
        if not gs.elective:
            continue
        current = assignments.get(subject_id)
        if subject_id in chosen and current is None:
            assignments[subject_id] = TeachingAssignment.objects.create(
                classroom=classroom,
                subject=gs.subject,
                periods_per_year=gs.periods_per_year,
                taught_terms=gs.taught_terms,
            )
        elif subject_id not in chosen and current is not None:
            if Score.objects.filter(assignment=current).exists():
                raise SetupError(
                    _("%(subject)s has scores in %(class)s and stays.")
                    % {"subject": gs.subject.name, "class": classroom.name}
                )
            current.delete()
            del assignments[subject_id]
    cluster_ids = {s.pk for s in topic_clusters}
    if not cluster_ids <= set(assignments):
        raise SetupError(_("A learning-topic cluster belongs to a subject the class studies."))
    for subject_id, assignment in assignments.items():
        wanted = subject_id in cluster_ids
        if assignment.topic_cluster != wanted:
            if Score.objects.filter(assignment=assignment).exists():
                raise SetupError(
                    _("%(subject)s has scores in %(class)s: its learning-topic cluster can no longer change.")
                    % {"subject": assignment.subject.name, "class": classroom.name}
                )
            assignment.topic_cluster = wanted
            assignment.save(update_fields=["topic_cluster"])
    classroom.combination = " ".join(combination.split())
    classroom.save(update_fields=["combination"])


@transaction.atomic
def set_class_subject(
    by: Actor | User, assignment: TeachingAssignment, *, periods_per_year: int, taught_terms: str
) -> None:
    """One class's periods and terms of a subject, where it differs from its grade (a class with more
    periods, a subject taught in one term); refused once the class-subject holds scores, whose averages
    hang on the number of assessments."""
    school = assignment.classroom.school_year.school
    check_setting_up(by, school)
    if not 1 <= periods_per_year <= 400:
        message = _("Periods per year are between 1 and 400.")
        raise SetupError(message, {"periods_per_year": message})
    if (assignment.periods_per_year, assignment.taught_terms) == (periods_per_year, taught_terms):
        return
    if Score.objects.filter(assignment=assignment).exists():
        raise SetupError(
            _("%(subject)s has scores in %(class)s: its periods can no longer change.")
            % {"subject": assignment.subject.name, "class": assignment.classroom.name}
        )
    assignment.periods_per_year, assignment.taught_terms = periods_per_year, taught_terms
    assignment.save(update_fields=["periods_per_year", "taught_terms"])


# -- classes and departments -----------------------------------------------------------------------


@transaction.atomic
def create_classes(by: Actor | User, school_year: SchoolYear, spec: str) -> SetupReport:
    """Classes in bulk: "6A1–6A8, 7A1-7A6" (gradebook/presets.py). Existing names are kept; a grade the
    school does not teach refuses the whole list, nothing created."""
    actor = check_setting_up(by, school_year.school)
    try:
        wanted = presets.class_names(spec)
    except presets.ClassSpecError as exc:
        message = _("Cannot read “%(part)s”: write classes as 6A1–6A8, 7A1, 10 Toán.") % {"part": exc}
        raise SetupError(message, {"classes": message}) from None
    if not wanted:
        raise SetupError(_("Name at least one class."), {"classes": _("Name at least one class.")})
    bad = sorted({g for g, _n in wanted if g not in school_year.school.grades})
    if bad:
        message = _("The school does not teach grade %(grades)s.") % {"grades": ", ".join(map(str, bad))}
        raise SetupError(message, {"classes": message})
    existing = set(Classroom.objects.filter(school_year=school_year).values_list("name", flat=True))
    report = SetupReport()
    for grade, name in wanted:
        if name in existing:
            report.kept.append(name)
            continue
        create_classroom(actor, school_year, grade, name)
        report.created.append(name)
    return report


@transaction.atomic
def save_department(by: Actor | User, school: School, name: str, head: User | None = None) -> Department:
    """A department (tổ chuyên môn) and its head, who receives the department-head role for it."""
    from accounts.models import Role, RoleAssignment

    actor = check_setting_up(by, school)
    name = " ".join(name.split())
    if not name:
        raise SetupError(_("Give the department's name."), {"name": _("Give the department's name.")})
    department, _created = Department.objects.get_or_create(school=school, name=name)
    current = RoleAssignment.objects.filter(school=school, role=Role.DEPARTMENT_HEAD, department=department)
    if head is not None:
        if not RoleAssignment.objects.filter(user=head, school=school).exists():
            raise SetupError(_("%(name)s is not a staff member of this school.") % {"name": head})
        for old in current.exclude(user=head):
            old.delete()
            authz.forget(old.user)
        RoleAssignment.objects.get_or_create(
            user=head,
            school=school,
            role=Role.DEPARTMENT_HEAD,
            department=department,
            defaults={"granted_by": actor},
        )
        authz.forget(head)
    return department


# -- the whole set-up at once (manage.py setup_year, the demo's THPT school) -------------------------


@transaction.atomic
def set_up_year(
    by: Actor | User, school: School, start_year: int, *, preset: str | None = None, classes: str = ""
) -> tuple[SchoolYear, SetupReport]:
    """Year, terms, curriculum and classes from the presets, in one step; what exists is kept."""
    check_setting_up(by, school)
    report = SetupReport()
    school_year = SchoolYear.objects.filter(school=school, start_year=start_year).first()
    if school_year is None:
        school_year = create_year(by, school, start_year)
        report.created.append(_("School year %(name)s and its two terms") % {"name": school_year.name})
    else:
        report.kept.append(_("School year %(name)s") % {"name": school_year.name})
    curriculum = apply_curriculum_preset(by, school_year, preset)
    report.created += curriculum.created
    report.kept += curriculum.kept
    if classes:
        made = create_classes(by, school_year, classes)
        report.created += [_("class %(name)s") % {"name": n} for n in made.created]
        report.kept += [_("class %(name)s") % {"name": n} for n in made.kept]
    return school_year, report


@transaction.atomic
def set_class_sessions(by: Actor | User, school_year: SchoolYear, chosen: dict[str, str]) -> int:
    """The sessions each class studies (mornings, afternoons or both), as the timetable has them: the
    attendance sheet takes a mark per session (docs/workflows.md §2). {class uuid: "S" | "C" | "SC"};
    returns how many classes changed. A session that already holds absences cannot be dropped."""
    check_setting_up(by, school_year.school)
    actor, _ip = acting(by)
    classes = {str(c.uuid): c for c in Classroom.objects.filter(school_year=school_year).select_for_update()}
    changed = 0
    for key, value in chosen.items():
        classroom = classes.get(key)
        if classroom is None or value not in Sessions.values:
            raise SetupError(_("Choose mornings, afternoons or both for each class."))
        if value == classroom.sessions:
            continue
        dropped = set(classroom.sessions) - set(value)
        if dropped and Absence.objects.filter(enrolment__classroom=classroom, session__in=dropped).exists():
            raise SetupError(
                _("Class %(class)s already has absences recorded in the sessions you removed.")
                % {"class": classroom.name}
            )
        classroom.sessions = value
        attribute(classroom, actor)
        classroom.save(update_fields=["sessions"])
        changed += 1
    return changed
