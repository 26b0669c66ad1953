"""Students' profiles one at a time, and the start-of-year data check of a class (docs/workflows.md §1):
the homeroom teacher opens the check, corrects the profiles against the paper files, and confirms;
the record (biên bản) lists every change made in between, from the models' history, with who and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import authz
from accounts.authz import Action
from accounts.models import User
from audit.models import AuditEvent
from audit.services import record
from gradebook.ethnicities import ETHNIC_GROUPS
from gradebook.models import Classroom, DataCheck, Enrolment, Guardian, Student
from gradebook.services.roster import FIELD_LABELS, PROFILE_FIELDS
from gradebook.services.structure import StructureError
from sodiem.domain import Actor, acting


class ProfileError(StructureError):
    """A student's profile refused; `errors` per field."""


def _validate(school, student: Student, data: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.get("family_name") or not data.get("given_name"):
        errors["given_name"] = _("Give the family name and the given name.")
    born = data.get("date_of_birth")
    if not isinstance(born, date) or not 1990 <= born.year <= timezone.localdate().year - 9:
        errors["date_of_birth"] = _("The date of birth is not plausible for a secondary-school student.")
    if data.get("sex") not in Student.Sex.values:
        errors["sex"] = _("Choose Nam or Nữ.")
    if data.get("ethnicity") and data["ethnicity"] not in ETHNIC_GROUPS:
        errors["ethnicity"] = _("Choose an ethnic group from the list.")
    personal_id = data.get("personal_id", "")
    if personal_id:
        if not (personal_id.isdigit() and len(personal_id) == 12):
            errors["personal_id"] = _("The personal identification number has 12 digits.")
        elif Student.objects.filter(personal_id=personal_id).exclude(pk=student.pk).exists():
            errors["personal_id"] = _("This personal id is already another student's.")
    moet_code = data.get("moet_code", "")
    if (
        moet_code
        and Student.objects.filter(school=school, moet_code=moet_code).exclude(pk=student.pk).exists()
    ):
        errors["moet_code"] = _("This Ministry id is already another student's.")
    return errors


@transaction.atomic
def save_student(
    by: Actor | User,
    classroom: Classroom,
    data: dict,
    *,
    student: Student | None = None,
    guardians: dict[str, dict] | None = None,
    start_date: date | None = None,
) -> Student:
    """Add a student to a class (an intake, a late arrival) or correct one's profile; the father's and
    mother's names, years and phones with it. Checks as the roster import does."""
    actor, _ip = acting(by)
    authz.check(actor, Action.EDIT_PROFILES, classroom)
    school = classroom.school_year.school
    if student is not None:
        if student.school_id != school.pk or not student.enrolments.filter(classroom=classroom).exists():
            raise ProfileError(_("The student is not in this class."))
    target = student or Student(school=school)
    errors = _validate(school, target, data)
    if errors:
        raise ProfileError(next(iter(errors.values())), errors)
    for name in PROFILE_FIELDS:
        if name in data:
            value = data[name]
            setattr(target, name, " ".join(value.split()) if isinstance(value, str) else value)
    if not target.ethnicity:
        target.ethnicity = "Kinh"
    target._history_user = actor  # type: ignore[attr-defined]  # simple-history's author
    target.save()
    for relationship, values in (guardians or {}).items():
        name = " ".join(str(values.get("full_name", "")).split())
        held = target.guardians.filter(relationship=relationship).first()
        if not name:
            continue
        guardian = held or Guardian(student=target, relationship=relationship)
        guardian.full_name = name
        guardian.year_of_birth = values.get("year_of_birth") or None
        guardian.phone = " ".join(str(values.get("phone", "")).split())
        guardian._history_user = actor  # type: ignore[attr-defined]
        guardian.save()
    if student is None:
        year = classroom.school_year
        on = start_date or max(year.start_date, min(timezone.localdate(), year.end_date))
        Enrolment.objects.create(student=target, classroom=classroom, start_date=on)
    return target


# -- the data check -------------------------------------------------------------------------------


def check_of(classroom: Classroom) -> DataCheck | None:
    return DataCheck.objects.filter(classroom=classroom).select_related("opened_by", "confirmed_by").first()


@transaction.atomic
def open_check(by: Actor | User, classroom: Classroom) -> DataCheck:
    """The homeroom teacher starts checking the class's profiles; changes from now go on the record."""
    actor, _ip = acting(by)
    authz.check(actor, Action.MANAGE_CLASSROOM, classroom)
    check, created = DataCheck.objects.get_or_create(classroom=classroom, defaults={"opened_by": actor})
    if not created and check.confirmed_at is not None:
        raise StructureError(
            _("The check of %(class)s was confirmed on %(at)s.")
            % {"class": classroom.name, "at": timezone.localtime(check.confirmed_at).strftime("%d/%m/%Y")}
        )
    return check


@transaction.atomic
def confirm_check(by: Actor | User, classroom: Classroom, note: str = "") -> DataCheck:
    actor, _ip = acting(by)
    authz.check(actor, Action.MANAGE_CLASSROOM, classroom)
    check = DataCheck.objects.select_for_update().filter(classroom=classroom).first()
    if check is None:
        raise StructureError(_("Open the check first, then review every profile."))
    if check.confirmed_at is not None:
        raise StructureError(_("The check is already confirmed."))
    check.confirmed_at, check.confirmed_by, check.note = timezone.now(), actor, note.strip()[:2000]
    check.save()
    record(
        AuditEvent.Action.DATA_CHECK_CONFIRMED,
        actor=by,
        school=classroom.school_year.school,
        obj=classroom,
        changes=len(changes_during(check)),
    )
    return check


@dataclass
class ProfileChange:
    student: str
    field: str
    before: str
    after: str
    by: str
    at: datetime


# the profile's items as the roster names them, and the guardians' (the record prints these)
_LABELS = {
    **{name: FIELD_LABELS[name] for name in PROFILE_FIELDS},
    "full_name": "Họ tên", "year_of_birth": "Năm sinh", "phone": "Điện thoại", "occupation": "Nghề nghiệp",
}  # fmt: skip
_RELATION = {"father": "cha", "mother": "mẹ", "guardian": "người giám hộ"}


def _shown(value) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return {"M": "Nam", "F": "Nữ"}.get(value, "" if value is None else str(value))


def changes_during(check: DataCheck) -> list[ProfileChange]:
    """Every profile change of the class's students between the check's opening and its confirmation
    (or now), from the history the models keep — the list the record prints."""
    until = check.confirmed_at or timezone.now()
    student_ids = list(
        Enrolment.objects.filter(classroom=check.classroom).values_list("student_id", flat=True)
    )
    found: list[ProfileChange] = []
    for model, label in ((Student, None), (Guardian, "guardian")):
        records = (
            model.history.filter(history_date__gt=check.opened_at, history_date__lte=until, history_type="~")
            .filter(**({"id__in": student_ids} if label is None else {"student_id__in": student_ids}))
            .select_related("history_user")
            .order_by("history_date")
        )
        for new in records:
            old = new.prev_record
            if old is None:
                continue
            delta = new.diff_against(old)
            owner = new.instance.full_name if label is None else str(new.instance.student)
            for change in delta.changes:
                if change.field not in _LABELS:
                    continue
                name = _LABELS[change.field]
                if label is not None:
                    name += f" ({_RELATION.get(new.relationship, '')})"
                found.append(
                    ProfileChange(
                        owner,
                        name,
                        _shown(change.old),
                        _shown(change.new),
                        new.history_user.full_name if new.history_user else "",
                        new.history_date,
                    )
                )
    return sorted(found, key=lambda c: c.at)
