"""Phân công chuyên môn (docs/workflows.md §1): the matrix of classes × subjects → teacher, with each
class's homeroom teacher; saved from the page or from an Excel file after a preview. A change during
the year is dated (the audit trail keeps the day it takes effect) and the grid's rights follow at once
(gradebook/services/structure.py moves the object permissions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from io import BytesIO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.excel import ExcelError, neutralise_formulas, read_table
from accounts.models import Role, RoleAssignment, User
from audit.models import AuditEvent
from audit.services import record
from gradebook.models import Classroom, GradeSubject, ImportBatch, SchoolYear, Subject, TeachingAssignment
from gradebook.services.setup import check_setting_up
from gradebook.services.structure import StructureError, assign_teacher, set_homeroom_teacher
from sodiem.domain import Actor
from sodiem.text import fold

HOMEROOM = "homeroom"  # the matrix's column of homeroom teachers


class AssignmentError(StructureError):
    """An assignment file that cannot be read."""


_plain = fold


@dataclass
class Matrix:
    classes: list[Classroom]
    subjects: list[Subject]
    cells: dict[tuple[int, int], TeachingAssignment]  # (classroom id, subject id)
    staff: list[User]


def matrix(school_year: SchoolYear) -> Matrix:
    classes = list(
        Classroom.objects.filter(school_year=school_year)
        .select_related("homeroom_teacher")
        .order_by("grade", "name")
    )
    subject_ids = set(
        GradeSubject.objects.filter(school_year=school_year).values_list("subject_id", flat=True)
    )
    assignments = TeachingAssignment.objects.filter(classroom__school_year=school_year).select_related(
        "teacher"
    )
    cells = {(a.classroom_id, a.subject_id): a for a in assignments}
    subject_ids |= {s for _c, s in cells}
    subjects = list(Subject.objects.filter(pk__in=subject_ids).order_by("order", "name"))
    return Matrix(classes, subjects, cells, staff_of(school_year.school))


def staff_of(school) -> list[User]:
    """The people who may teach: the school's staff (not families), active."""
    ids = (
        RoleAssignment.objects.filter(school=school)
        .exclude(role__in=[Role.PARENT, Role.STUDENT])
        .values_list("user_id", flat=True)
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "username"))


def find_teacher(text: str, staff: list[User]) -> tuple[User | None, str]:
    """A teacher as a cell names them: the username, the full name, or "Full Name (username)"."""
    text = " ".join(str(text or "").split())
    if not text:
        return None, ""
    if text.endswith(")") and "(" in text:
        text = text[text.rindex("(") + 1 : -1].strip()
    by_username = [u for u in staff if u.username.lower() == text.lower()]
    if by_username:
        return by_username[0], ""
    by_name = [u for u in staff if _plain(u.full_name) == _plain(text)]
    if len(by_name) == 1:
        return by_name[0], ""
    if len(by_name) > 1:
        return None, _("%(v)s names %(n)d people: write the username") % {"v": text, "n": len(by_name)}
    return None, _("%(v)s is not a staff member of the school") % {"v": text}


@dataclass
class CellChange:
    classroom: Classroom
    subject: Subject | None  # None: the homeroom teacher
    teacher: User | None
    row: int = 0
    text: str = ""
    fate: str = ""  # "new", "changed", "unchanged", "refused"
    reason: str = ""
    before: User | None = None

    @property
    def label(self) -> str:
        return f"{self.classroom.name} — {self.subject.short_name if self.subject else _('Homeroom')}"


@dataclass
class MatrixPreview:
    cells: list[CellChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, fate: str) -> int:
        return sum(1 for c in self.cells if c.fate == fate)

    @property
    def writable(self) -> int:
        return self.count("new") + self.count("changed")


def decide(school_year: SchoolYear, wanted: list[CellChange]) -> MatrixPreview:
    """Each wanted cell against the matrix as it is: new, changed, unchanged or refused (why)."""
    current = matrix(school_year)
    result = MatrixPreview()
    for cell in wanted:
        if cell.reason:
            cell.fate = "refused"
        elif cell.subject is None:
            cell.before = cell.classroom.homeroom_teacher
        else:
            assignment = current.cells.get((cell.classroom.pk, cell.subject.pk))
            if assignment is None:
                cell.fate, cell.reason = (
                    "refused",
                    _("%(class)s does not study %(subject)s")
                    % {
                        "class": cell.classroom.name,
                        "subject": cell.subject.name,
                    },
                )
            else:
                cell.before = assignment.teacher
        if not cell.fate:
            cell.fate = (
                "unchanged" if cell.before == cell.teacher else ("new" if cell.before is None else "changed")
            )
        result.cells.append(cell)
    return result


@transaction.atomic
def save_matrix(
    by: Actor | User, school_year: SchoolYear, wanted: list[CellChange], *, effective: date | None = None
) -> MatrixPreview:
    """Write the new and changed cells; the day they take effect goes to the trail (today unless given)."""
    actor = check_setting_up(by, school_year.school)
    result = decide(school_year, wanted)
    assignments = {
        (a.classroom_id, a.subject_id): a
        for a in TeachingAssignment.objects.filter(classroom__school_year=school_year).select_related(
            "teacher", "classroom__school_year__school"
        )
    }
    changed = []
    for cell in result.cells:
        if cell.fate not in ("new", "changed"):
            continue
        if cell.subject is None:
            set_homeroom_teacher(actor, cell.classroom, cell.teacher)
        else:
            assign_teacher(actor, assignments[(cell.classroom.pk, cell.subject.pk)], cell.teacher)
        changed.append(
            {
                "cell": cell.label,
                "before": cell.before.full_name if cell.before else "",
                "after": cell.teacher.full_name if cell.teacher else "",
            }
        )
    if changed:
        record(
            AuditEvent.Action.TEACHING_ASSIGNED,
            actor=by,
            school=school_year.school,
            obj=school_year,
            effective=(effective or timezone.localdate()).isoformat(),
            changes=changed,
        )
    return result


# -- Excel --------------------------------------------------------------------------------------------


def export_file(school_year: SchoolYear) -> bytes:
    """The matrix as the BGH keeps it in Excel: a row per class, GVCN, then a column per subject."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = matrix(school_year)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Phan cong"
    sheet.append([f"PHÂN CÔNG CHUYÊN MÔN — {school_year.school.name} — NĂM HỌC {school_year.name}"])
    sheet.append(["Lớp", "GVCN", *[s.name for s in data.subjects]])
    for cell in sheet[2]:
        cell.font = Font(bold=True)

    def name(user):
        return f"{user.full_name} ({user.username})" if user else ""

    for classroom in data.classes:
        line = [classroom.name, name(classroom.homeroom_teacher)]
        for subject in data.subjects:
            assignment = data.cells.get((classroom.pk, subject.pk))
            line.append(name(assignment.teacher) if assignment else "—")
        sheet.append(line)
    for index in range(1, len(data.subjects) + 3):
        sheet.column_dimensions[sheet.cell(2, index).column_letter].width = 26 if index > 1 else 8
    staff = workbook.create_sheet("Giao vien")
    staff.append(["Tên đăng nhập", "Họ và tên"])
    for user in data.staff:
        staff.append([user.username, user.full_name])
    neutralise_formulas(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_file(school_year: SchoolYear, data: bytes) -> list[CellChange]:
    """The cells an uploaded matrix asks for, each with its reason when it cannot be taken; a "—" or an
    empty cell asks for nothing."""
    current = matrix(school_year)
    subjects: dict[str, Subject] = {}
    for s in current.subjects:
        for key in (s.name, s.short_name, s.code):
            subjects.setdefault(_plain(key), s)

    def is_header(cells) -> bool:
        plain = [_plain(c) for c in cells]
        return "lop" in plain and sum(1 for c in plain if c in subjects or c == "gvcn") >= 1

    try:
        table = read_table(data, is_header=is_header, max_rows=500)
    except ExcelError as exc:
        raise AssignmentError(str(exc)) from None
    columns: dict[int, Subject | str] = {}
    unknown = []
    for index, heading in enumerate(table.header):
        key = _plain(heading)
        if key == "lop":
            columns[index] = "class"
        elif key == "gvcn":
            columns[index] = HOMEROOM
        elif key in subjects:
            columns[index] = subjects[key]
        elif key:
            unknown.append(str(heading))
    if unknown:
        raise AssignmentError(_("Unknown subjects in the heading: %(list)s.") % {"list": ", ".join(unknown)})
    classes = {_plain(c.name).replace(" ", ""): c for c in current.classes}
    class_column = next(i for i, c in columns.items() if c == "class")
    wanted: list[CellChange] = []
    for number, values in table.rows:
        class_name = str(values[class_column] or "").strip() if class_column < len(values) else ""
        classroom = classes.get(_plain(class_name).replace(" ", ""))
        if classroom is None:
            raise AssignmentError(
                _("Row %(n)d: there is no class %(c)s this year.") % {"n": number, "c": class_name}
            )
        for index, target in columns.items():
            if target == "class" or index >= len(values):
                continue
            text = " ".join(str(values[index] or "").split())
            if text in ("", "—", "-"):
                continue
            teacher, reason = find_teacher(text, current.staff)
            reason = table.flags.get(number, reason)
            wanted.append(
                CellChange(
                    classroom=classroom,
                    subject=None if target == HOMEROOM else target,  # type: ignore[arg-type]
                    teacher=teacher,
                    row=number,
                    text=text,
                    reason=reason,
                )
            )
    return wanted


def upload(
    by: Actor | User, school_year: SchoolYear, file_name: str, data: bytes
) -> tuple[ImportBatch, MatrixPreview]:
    actor = check_setting_up(by, school_year.school)
    result = decide(school_year, read_file(school_year, data))
    batch = ImportBatch.objects.create(
        school_year=school_year,
        kind=ImportBatch.Kind.ASSIGNMENTS,
        file_name=file_name[:200],
        content=data,
        created_by=actor,
    )
    return batch, result


@transaction.atomic
def apply(by: Actor | User, batch: ImportBatch, *, effective: date | None = None) -> MatrixPreview:
    batch = ImportBatch.objects.select_for_update().select_related("school_year__school").get(pk=batch.pk)
    actor = check_setting_up(by, batch.school_year.school)
    if batch.applied_at is not None:
        raise AssignmentError(
            _("This file was already written on %(at)s.")
            % {"at": timezone.localtime(batch.applied_at).strftime("%d/%m/%Y %H:%M")}
        )
    result = save_matrix(
        by, batch.school_year, read_file(batch.school_year, bytes(batch.content)), effective=effective
    )
    batch.applied_at, batch.applied_by = timezone.now(), actor
    batch.summary = {fate: result.count(fate) for fate in ("new", "changed", "unchanged", "refused")}
    batch.save(update_fields=["applied_at", "applied_by", "summary"])
    return result
