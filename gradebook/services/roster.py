"""The student roster from Excel (docs/workflows.md §1): the sector database's layout or the portal's
own template, columns mapped by their headings; a preview of every row's fate — new, updated,
unchanged, refused and why — before anything is written; an error file of the refused rows; a
re-import updates by Ministry id or personal id and never duplicates; guardians and enrolments follow.

    load → decide (per row, against the school as it is) → write

The same decisions run for the preview and, again inside the transaction, for the confirmation: what is
written is what the preview said unless the school changed in between (then the fates say so)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts import units
from accounts.excel import ExcelError, neutralise_formulas, read_table
from accounts.models import User
from accounts.vietnamese import split_full_name
from audit.models import AuditEvent
from audit.services import record
from gradebook import freshness
from gradebook.ethnicities import ethnic_group
from gradebook.models import Classroom, Enrolment, Guardian, ImportBatch, SchoolYear, Student
from gradebook.services.setup import check_setting_up
from sodiem.domain import Actor, DomainError
from sodiem.text import fold

MAX_ROWS = 3000


class RosterError(DomainError):
    """A roster file that cannot be read at all; a bad row is refused in the preview instead."""


# -- the columns -------------------------------------------------------------------------------------

# field → the headings that name it, plain (no accents, case, "(*)"); the sector database's first
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("stt", "so thu tu"),
    "classroom": ("ma lop", "lop", "ten lop"),
    "moet_code": (
        "ma dinh danh bo gd&dt", "ma dinh danh bo gddt", "ma dinh danh", "ma hoc sinh", "ma hs",
        "ma dinh danh hoc sinh",
    ),
    "full_name": ("ho va ten", "ho ten", "ho va ten hoc sinh", "ho ten hoc sinh"),
    "date_of_birth": ("ngay sinh", "ngay thang nam sinh"),
    "sex": ("gioi tinh",),
    "ethnicity": ("dan toc",),
    "nationality": ("quoc tich",),
    "province": ("tinh", "tinh/thanh pho", "tinh thanh pho", "tinh/tp"),
    "district": ("huyen", "quan/huyen", "quan huyen", "huyen (dia chi cu)", "quan/huyen (dia chi cu)"),
    "commune": ("xa", "xa/phuong", "xa phuong", "xa/phuong/dac khu", "phuong/xa"),
    "father_name": ("ho ten cha", "ho va ten cha"),
    "father_year": ("nam sinh cha",),
    "father_job": ("nghe nghiep cha",),
    "father_phone": ("dien thoai cha", "so dien thoai cha", "sdt cha"),
    "mother_name": ("ho ten me", "ho va ten me"),
    "mother_year": ("nam sinh me",),
    "mother_job": ("nghe nghiep me",),
    "mother_phone": ("dien thoai me", "so dien thoai me", "sdt me"),
    "personal_id": ("so ddcn", "so dinh danh ca nhan", "ma dinh danh ca nhan", "so cccd", "cccd"),
    "place_of_birth": ("noi sinh",),
    "home_town": ("que quan",),
    "address": ("dia chi", "noi o hien nay", "cho o hien nay", "dia chi thuong tru"),
    "priority_group": ("doi tuong uu tien", "dien uu tien"),
}  # fmt: skip
REQUIRED = ("classroom", "full_name", "date_of_birth", "sex")

# The sector database's student template, its columns in its order (docs/workflows.md §2)
SECTOR_COLUMNS = [
    "STT", "Mã lớp", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Quốc tịch",
    "Tỉnh", "Huyện", "Xã", "Họ tên cha", "Năm sinh cha", "Họ tên mẹ", "Năm sinh mẹ", "Số ĐDCN",
]  # fmt: skip

# The portal's own template, in this order (the sector database's columns, then the profile's)
TEMPLATE = [
    "STT", "Mã lớp (*)", "Mã định danh Bộ GD&ĐT", "Họ và tên (*)", "Ngày sinh (*)", "Giới tính (*)",
    "Dân tộc", "Quốc tịch", "Tỉnh", "Huyện", "Xã", "Họ tên cha", "Năm sinh cha", "Họ tên mẹ",
    "Năm sinh mẹ", "Số ĐDCN", "Nơi sinh", "Quê quán", "Địa chỉ", "Nghề nghiệp cha", "Điện thoại cha",
    "Nghề nghiệp mẹ", "Điện thoại mẹ", "Đối tượng ưu tiên",
]  # fmt: skip


def _plain(text) -> str:
    """A heading or a cell folded (sodiem/text.py), without the template's "(*)" marks."""
    return fold(str(text or "").replace("(*)", " ").replace("*", " ")).strip(" :.")


_HEADINGS = {heading: name for name, headings in COLUMNS.items() for heading in headings}


def map_header(header) -> dict[int, str]:
    """Column index → field, by the headings (the first column naming a field wins)."""
    mapping: dict[int, str] = {}
    for index, cell in enumerate(header):
        name = _HEADINGS.get(_plain(cell))
        if name and name not in mapping.values():
            mapping[index] = name
    return mapping


def _is_header(cells) -> bool:
    found = set(map_header(cells).values())
    return "full_name" in found and len(found) >= 3


# -- one row --------------------------------------------------------------------------------------

PROFILE_FIELDS = (
    "family_name", "middle_name", "given_name", "date_of_birth", "sex", "ethnicity", "personal_id",
    "moet_code", "place_of_birth", "home_town", "address", "priority_group",
)  # fmt: skip
FIELD_LABELS = {
    "family_name": "Họ", "middle_name": "Tên đệm", "given_name": "Tên", "date_of_birth": "Ngày sinh",
    "sex": "Giới tính", "ethnicity": "Dân tộc", "personal_id": "Số ĐDCN", "moet_code": "Mã định danh",
    "place_of_birth": "Nơi sinh", "home_town": "Quê quán", "address": "Địa chỉ",
    "priority_group": "Đối tượng ưu tiên", "father": "Cha", "mother": "Mẹ", "classroom": "Lớp",
}  # fmt: skip


class Fate:
    NEW, UPDATED, UNCHANGED, REFUSED = "new", "updated", "unchanged", "refused"
    LABELS = {NEW: "Mới", UPDATED: "Cập nhật", UNCHANGED: "Không đổi", REFUSED: "Bị từ chối"}


@dataclass
class GuardianData:
    relationship: str
    full_name: str
    year_of_birth: int | None
    occupation: str
    phone: str


@dataclass
class RosterRow:
    number: int  # the row of the sheet
    cells: dict[str, str] = field(default_factory=dict)  # as typed, for the preview and the error file
    profile: dict = field(default_factory=dict)
    guardians: list[GuardianData] = field(default_factory=list)
    classroom: Classroom | None = None
    reasons: list[str] = field(default_factory=list)
    fate: str = ""
    student: Student | None = None
    changes: list[str] = field(default_factory=list)  # labels of what changes
    enrol: bool = False

    @property
    def name(self) -> str:
        return self.cells.get("full_name", "")

    @property
    def fate_label(self) -> str:
        return Fate.LABELS[self.fate]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_NAME = re.compile(r"^[^\W\d_]+(?: [^\W\d_]+)+$")


def _date(value) -> tuple[date | None, str]:
    if isinstance(value, datetime):
        return value.date(), ""
    if isinstance(value, date):
        return value, ""
    text = _text(value)
    m = _DATE.match(text)
    if not m:
        return None, _("date of birth “%(v)s” is not a date dd/mm/yyyy") % {"v": text}
    try:
        return date(int(m[3]), int(m[2]), int(m[1])), ""
    except ValueError:
        return None, _("date of birth %(v)s does not exist") % {"v": text}


def _year(value, label: str, reasons: list[str], born: date | None) -> int | None:
    text = _text(value)
    if not text:
        return None
    if not text.isdigit() or not 1930 <= int(text) <= (born.year - 12 if born else 2100):
        reasons.append(_("%(label)s “%(v)s” is not a plausible year of birth") % {"label": label, "v": text})
        return None
    return int(text)


def _personal_id(value, reasons: list[str]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # a number cell lost the id's leading zeros (province codes 001–096)
        text = str(int(value)).zfill(12)
    else:
        text = _text(value).replace(" ", "").replace(".", "")
    if not re.fullmatch(r"\d{12}", text):
        reasons.append(_("the personal id “%(v)s” does not have 12 digits") % {"v": _text(value)})
        return ""
    return text


def _age_fits(grade: int, born: date, start_year: int) -> bool:
    """The usual age of a grade is grade + 5 in the calendar year the school year starts (grade 6: 11);
    one year younger or five older is still plausible (early entry, repeating, late schooling)."""
    age = start_year - born.year
    return grade + 4 <= age <= grade + 10


def _parse(
    number: int, values: tuple, mapping: dict[int, str], classes: dict[str, Classroom], year: SchoolYear
) -> RosterRow:
    raw = {name: (values[i] if i < len(values) else None) for i, name in mapping.items()}
    row = RosterRow(number=number, cells={name: _text(v) for name, v in raw.items()})
    reasons = row.reasons
    for name in REQUIRED:
        if not row.cells.get(name):
            reasons.append(_("%(column)s is empty") % {"column": TEMPLATE_HEADING[name]})
    full_name = row.cells.get("full_name", "")
    if full_name and not _NAME.match(full_name):
        reasons.append(
            _("the name “%(v)s” is not a full name (family name, given name, letters only)")
            % {"v": full_name}
        )
    family, middle, given = split_full_name(full_name) if full_name else ("", "", "")
    born, problem = _date(raw.get("date_of_birth")) if row.cells.get("date_of_birth") else (None, "")
    if problem:
        reasons.append(problem)
    sex_text = _plain(row.cells.get("sex", ""))
    sex = {"nam": Student.Sex.MALE, "nu": Student.Sex.FEMALE}.get(sex_text)
    if row.cells.get("sex") and sex is None:
        reasons.append(_("sex “%(v)s” is neither Nam nor Nữ") % {"v": row.cells["sex"]})
    ethnicity = ""
    if row.cells.get("ethnicity"):
        ethnicity = ethnic_group(row.cells["ethnicity"]) or ""
        if not ethnicity:
            reasons.append(
                _("“%(v)s” is not in the list of the 54 ethnic groups") % {"v": row.cells["ethnicity"]}
            )
    nationality = _plain(row.cells.get("nationality", ""))
    if nationality and nationality not in ("viet nam", "vietnam", "vn"):
        reasons.append(_("a student of another nationality is entered one by one, not by file"))
    class_name = row.cells.get("classroom", "")
    if class_name:
        row.classroom = classes.get(_plain(class_name).replace(" ", ""))
        if row.classroom is None:
            reasons.append(_("there is no class %(v)s in %(year)s") % {"v": class_name, "year": year.name})
    if born and row.classroom and not _age_fits(row.classroom.grade, born, year.start_year):
        reasons.append(
            _("born %(d)s is implausible for grade %(g)d")
            % {"d": born.strftime("%d/%m/%Y"), "g": row.classroom.grade}
        )
    province, district, commune = (row.cells.get(k, "") for k in ("province", "district", "commune"))
    if commune and province and not units.place_exists(province, commune, district):
        reasons.append(
            _("%(c)s is not a commune of %(p)s")
            % {"c": ", ".join(filter(None, (commune, district))), "p": province}
        )
    moet_code = row.cells.get("moet_code", "").replace(" ", "")
    if moet_code and not re.fullmatch(r"[0-9A-Za-z]{4,20}", moet_code):
        reasons.append(_("the Ministry id “%(v)s” is not 4–20 letters or digits") % {"v": moet_code})
    personal_id = _personal_id(raw.get("personal_id"), reasons)
    place = ", ".join(filter(None, (commune, district, province)))
    row.profile = {
        "family_name": family,
        "middle_name": middle,
        "given_name": given,
        "date_of_birth": born,
        "sex": sex,
        "ethnicity": ethnicity,
        "personal_id": personal_id,
        "moet_code": moet_code,
        "place_of_birth": row.cells.get("place_of_birth", "") or place,
        "home_town": row.cells.get("home_town", ""),
        "address": row.cells.get("address", "") or place,
        "priority_group": row.cells.get("priority_group", ""),
    }
    for relationship, prefix, label in (
        (Guardian.Relationship.FATHER, "father", _("the father's year of birth")),
        (Guardian.Relationship.MOTHER, "mother", _("the mother's year of birth")),
    ):
        name = row.cells.get(f"{prefix}_name", "")
        year_of_birth = _year(raw.get(f"{prefix}_year"), label, reasons, born)
        if name:
            row.guardians.append(
                GuardianData(
                    relationship,
                    name,
                    year_of_birth,
                    row.cells.get(f"{prefix}_job", ""),
                    row.cells.get(f"{prefix}_phone", ""),
                )
            )
    for name, value in row.profile.items():
        limit = getattr(Student._meta.get_field(name), "max_length", None)
        if isinstance(value, str) and limit and len(value) > limit:
            reasons.append(_("%(f)s is longer than %(n)d characters") % {"f": FIELD_LABELS[name], "n": limit})
    return row


# -- the whole file against the school ------------------------------------------------------------


@dataclass
class RosterPreview:
    sheet: str
    columns: dict[int, str]
    ignored: list[str]
    rows: list[RosterRow]

    def count(self, fate: str) -> int:
        return sum(1 for r in self.rows if r.fate == fate)

    @property
    def counts(self) -> dict[str, int]:
        return {fate: self.count(fate) for fate in (Fate.NEW, Fate.UPDATED, Fate.UNCHANGED, Fate.REFUSED)}

    @property
    def writable(self) -> int:
        return self.count(Fate.NEW) + self.count(Fate.UPDATED)


def preview(school_year: SchoolYear, data: bytes) -> RosterPreview:
    """Every row's fate against the school as it is now; nothing written."""
    try:
        table = read_table(data, is_header=_is_header, max_rows=MAX_ROWS)
    except ExcelError as exc:
        raise RosterError(str(exc)) from None
    mapping = map_header(table.header)
    missing = [name for name in REQUIRED if name not in mapping.values()]
    if missing:
        raise RosterError(
            _("The sheet %(sheet)s has no column %(cols)s.")
            % {"sheet": table.sheet_name, "cols": ", ".join(TEMPLATE_HEADING[m] for m in missing)}
        )
    school = school_year.school
    classes = {_plain(c.name).replace(" ", ""): c for c in Classroom.objects.filter(school_year=school_year)}
    rows = [_parse(number, values, mapping, classes, school_year) for number, values in table.rows]
    for row in rows:
        if row.number in table.flags:
            row.reasons.insert(0, table.flags[row.number])
    _decide(school, school_year, rows)
    ignored = [str(c) for i, c in enumerate(table.header) if c and i not in mapping]
    return RosterPreview(table.sheet_name, mapping, ignored, rows)


TEMPLATE_HEADING = {
    "classroom": "Mã lớp", "full_name": "Họ và tên", "date_of_birth": "Ngày sinh", "sex": "Giới tính",
}  # fmt: skip


def _decide(school, school_year: SchoolYear, rows: list[RosterRow]) -> None:
    students = list(Student.objects.filter(school=school).prefetch_related("guardians"))
    by_moet = {s.moet_code: s for s in students if s.moet_code}
    by_personal = {s.personal_id: s for s in students if s.personal_id}
    by_name = {(s.full_name.lower(), s.date_of_birth): s for s in students}
    wanted_ids = [r.profile["personal_id"] for r in rows if r.profile.get("personal_id")]
    elsewhere = set(
        Student.objects.filter(personal_id__in=wanted_ids)
        .exclude(school=school)
        .values_list("personal_id", flat=True)
    )
    studying = {
        e.student_id: e.classroom
        for e in Enrolment.objects.filter(
            classroom__school_year=school_year, status=Enrolment.Status.STUDYING
        ).select_related("classroom")
    }
    seen: dict[tuple, int] = {}
    for row in rows:
        p = row.profile
        keys: list[tuple] = [("moet", p["moet_code"])] if p["moet_code"] else []
        keys += [("personal", p["personal_id"])] if p["personal_id"] else []
        if not keys and p["date_of_birth"]:
            keys = [("name", row.name.lower(), p["date_of_birth"])]
        for key in keys:
            if key in seen:
                row.reasons.append(_("the same student as row %(n)d") % {"n": seen[key]})
                break
        for key in keys:
            seen.setdefault(key, row.number)
        if p["personal_id"] in elsewhere:
            row.reasons.append(
                _("the personal id is held by a student of another school (a transfer moves them)")
            )
        if row.reasons:
            row.fate = Fate.REFUSED
            continue
        match_moet = by_moet.get(p["moet_code"]) if p["moet_code"] else None
        match_personal = by_personal.get(p["personal_id"]) if p["personal_id"] else None
        if match_moet and match_personal and match_moet != match_personal:
            row.reasons.append(
                _("the Ministry id is %(a)s's and the personal id %(b)s's")
                % {"a": match_moet, "b": match_personal}
            )
        student = match_moet or match_personal
        if student is None and not p["moet_code"] and not p["personal_id"]:
            student = by_name.get((row.name.lower(), p["date_of_birth"]))
        if student is not None:
            if p["moet_code"] and student.moet_code and student.moet_code != p["moet_code"]:
                row.reasons.append(
                    _("the personal id is %(a)s's, whose Ministry id is %(m)s")
                    % {"a": student, "m": student.moet_code}
                )
            if p["personal_id"] and student.personal_id and student.personal_id != p["personal_id"]:
                row.reasons.append(
                    _("the Ministry id is %(a)s's, whose personal id differs") % {"a": student}
                )
        current = studying.get(student.pk) if student else None
        if current is not None and current != row.classroom:
            row.reasons.append(
                _("%(name)s studies in %(c)s this year: a change of class is made from the student's page")
                % {"name": student, "c": current.name}
            )
        if row.reasons:
            row.fate = Fate.REFUSED
            continue
        row.student = student
        row.enrol = current is None
        if student is None:
            row.fate = Fate.NEW
            continue
        for name in PROFILE_FIELDS:
            new = p[name]
            if new in ("", None):
                continue  # an empty cell keeps what the profile holds
            if getattr(student, name) != new:
                row.changes.append(FIELD_LABELS[name])
        held = {g.relationship: g for g in student.guardians.all()}
        for g in row.guardians:
            old = held.get(g.relationship)
            if (
                old is None
                or (old.full_name, old.year_of_birth) != (g.full_name, g.year_of_birth or old.year_of_birth)
                or (g.occupation and g.occupation != old.occupation)
                or (g.phone and g.phone != old.phone)
            ):
                row.changes.append(FIELD_LABELS[g.relationship])
        if row.enrol:
            row.changes.append(FIELD_LABELS["classroom"])
        row.fate = Fate.UPDATED if row.changes else Fate.UNCHANGED


# -- writing ------------------------------------------------------------------------------------------


def upload(
    by: Actor | User, school_year: SchoolYear, file_name: str, data: bytes
) -> tuple[ImportBatch, RosterPreview]:
    """Keep the file and show its preview; nothing of the roster is written."""
    actor = check_setting_up(by, school_year.school)
    result = preview(school_year, data)
    batch = ImportBatch.objects.create(
        school_year=school_year,
        kind=ImportBatch.Kind.ROSTER,
        file_name=file_name[:200],
        content=data,
        created_by=actor,
    )
    return batch, result


@transaction.atomic
def apply(by: Actor | User, batch: ImportBatch) -> RosterPreview:
    """Write the new and updated rows of a kept file, decided again now; refused rows are left out."""
    school_year = SchoolYear.objects.select_for_update().get(pk=batch.school_year_id)
    actor = check_setting_up(by, school_year.school)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.applied_at is not None:
        raise RosterError(
            _("This file was already written on %(at)s.")
            % {"at": timezone.localtime(batch.applied_at).strftime("%d/%m/%Y %H:%M")}
        )
    result = preview(school_year, bytes(batch.content))
    school = school_year.school
    today = timezone.localdate()
    start = max(school_year.start_date, min(today, school_year.end_date))
    new_students = []
    for row in result.rows:
        if row.fate == Fate.NEW:
            profile = {k: v for k, v in row.profile.items() if v not in ("", None)}
            made = Student(school=school, **profile)
            made.compute_sort_key()
            row.student = made
            new_students.append(made)
    bulk_create_with_history(new_students, Student, default_user=actor)
    guardians, enrolments = [], []
    for row in result.rows:
        if row.fate not in (Fate.NEW, Fate.UPDATED):
            continue
        student = row.student
        if student is None:  # cannot happen: a new row's student was made above, an updated row's found
            continue
        if row.fate == Fate.UPDATED:
            for name in PROFILE_FIELDS:
                if row.profile[name] not in ("", None):
                    setattr(student, name, row.profile[name])
            student._history_user = actor  # type: ignore[attr-defined]  # simple-history's author
            student.save()
        held = {g.relationship: g for g in student.guardians.all()} if row.fate == Fate.UPDATED else {}
        for g in row.guardians:
            old = held.get(g.relationship)
            if old is None:
                guardians.append(
                    Guardian(
                        student=student,
                        relationship=g.relationship,
                        full_name=g.full_name,
                        year_of_birth=g.year_of_birth,
                        occupation=g.occupation,
                        phone=g.phone,
                    )
                )
            else:
                old.full_name = g.full_name
                old.year_of_birth = g.year_of_birth or old.year_of_birth
                old.occupation = g.occupation or old.occupation
                old.phone = g.phone or old.phone
                old._history_user = actor  # type: ignore[attr-defined]
                old.save()
        if row.enrol:
            enrolments.append(Enrolment(student=student, classroom=row.classroom, start_date=start))
    bulk_create_with_history(guardians, Guardian, default_user=actor)
    bulk_create_with_history(enrolments, Enrolment, default_user=actor)
    freshness.touched(classrooms={e.classroom_id for e in enrolments})  # bulk: no signal
    batch.applied_at, batch.applied_by, batch.summary = timezone.now(), actor, result.counts
    batch.save(update_fields=["applied_at", "applied_by", "summary"])
    record(
        AuditEvent.Action.IMPORT,
        actor=by,
        school=school,
        obj=batch,
        what="roster",
        file=batch.file_name,
        counts=result.counts,
    )
    return result


# -- files to download ------------------------------------------------------------------------------


def error_file(result: RosterPreview) -> bytes:
    """The refused rows as they were typed, with the reason beside each (the sector database's way)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Dong bi tu choi"
    fields = list(result.columns.values())
    headings = {name: heading for heading, name in zip(TEMPLATE, _template_fields(), strict=True)}
    sheet.append(["Dòng", *[headings.get(f, f) for f in fields], "Lý do"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in result.rows:
        if row.fate == Fate.REFUSED:
            sheet.append([row.number, *[row.cells.get(f, "") for f in fields], "; ".join(row.reasons)])
    sheet.column_dimensions[sheet.cell(1, len(fields) + 2).column_letter].width = 80
    neutralise_formulas(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _template_fields() -> list[str]:
    return [_HEADINGS[_plain(h)] for h in TEMPLATE]


def template_file(school_year: SchoolYear) -> bytes:
    """The portal's template: the sector database's columns, then the profile's; one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sach hoc sinh"
    sheet.append(TEMPLATE)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    first = Classroom.objects.filter(school_year=school_year).order_by("grade", "name").first()
    sheet.append(
        [
            1,
            first.name if first else "6A1",
            "",
            "Nguyễn Văn An",
            f"15/03/{school_year.start_year - (first.grade if first else 6) - 5}",
            "Nam",
            "Kinh",
            "Việt Nam",
            school_year.school.province.name,
            "",
            school_year.school.commune.name if school_year.school.commune else "",
            "Nguyễn Văn Bình",
            1985,
            "Trần Thị Cúc",
            1987,
            "",
        ]
    )
    sex = DataValidation(type="list", formula1='"Nam,Nữ"', allow_blank=False)
    sheet.add_data_validation(sex)
    sex.add("F2:F2000")
    for index in range(1, len(TEMPLATE) + 1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = 18
    for column in ("C", "E", "P"):  # ids and dates as text: Excel must not eat leading zeros
        for r in range(2, 2001):
            sheet[f"{column}{r}"].number_format = "@"
    neutralise_formulas(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
