"""The học bạ as XML (docs/workflows.md §8): export one student or a whole class, validated against
transcripts/schema/hocba-1.0.xsd before it leaves; import from a school outside the system.

Import is defensive: the file is size-capped, parsed first with defusedxml (no DTD, so no entity
expansion — "billion laughs" — and no external entity), then with lxml with entities, network and DTD
loading off, and validated against the schema before anything is read from it.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from lxml import etree

from accounts.models import School
from gradebook.models import Classroom, Enrolment, ExternalYearRecord, Guardian, Student
from gradebook.validation import birth_problem
from sodiem.domain import DomainError
from sodiem.text import nfc
from transcripts.selectors import shared_class_results, transcript

NS = "urn:sodiem:hocba:1"
SCHEMA_PATH = Path(__file__).parent / "schema" / "hocba-1.0.xsd"
_Q = f"{{{NS}}}"
# <subject> children and the học bạ's subject keys (transcripts.selectors.transcript_year)
SUBJECT_TAGS = (
    ("name", "name"),
    ("term1", "hk1"),
    ("term2", "hk2"),
    ("yearResult", "year"),
    ("retest", "retest"),
    ("comment", "comment"),
    ("teacher", "teacher"),
)


class XmlImportError(DomainError):
    """A file that cannot be imported; the message says why, in Vietnamese."""


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), _parser()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=True
    )


def _add(parent, tag: str, text="", **attrs) -> etree._Element:
    element = etree.SubElement(parent, _Q + tag, {k: str(v) for k, v in attrs.items()})
    element.text = "" if text is None else str(text)
    return element


# --- export ----------------------------------------------------------------------------------


def _transcript_element(parent, student: Student) -> None:
    data = transcript(student)
    node = _add(parent, "transcript")
    s = _add(node, "student")
    for tag, value in (
        ("familyName", student.family_name),
        ("middleName", student.middle_name),
        ("givenName", student.given_name),
        ("dateOfBirth", student.date_of_birth.isoformat()),
        ("sex", student.sex),
        ("placeOfBirth", student.place_of_birth),
        ("ethnicity", student.ethnicity),
        ("homeTown", student.home_town),
        ("address", student.address),
        ("personalId", student.personal_id),
        ("moetCode", student.moet_code),
    ):
        _add(s, tag, value)
    for g in student.guardians.all().order_by("relationship"):
        guardian = _add(s, "guardian", relationship=g.relationship)
        _add(guardian, "fullName", g.full_name)
        if g.year_of_birth:
            _add(guardian, "yearOfBirth", g.year_of_birth)
        _add(guardian, "occupation", g.occupation)
    for y in data["years"]:
        year = _add(node, "year", startYear=y["start_year"], grade=y["grade"], regulation=y["regulation"])
        _add(year, "schoolName", y["school_name"])
        _add(year, "province", y["province_name"])
        _add(year, "className", y["classroom"]["name"] if y["external"] else y["classroom"].name)
        _add(year, "homeroomTeacher", y["homeroom"])
        for subject in y["subjects"]:
            node_s = _add(year, "subject")
            for tag, key in SUBJECT_TAGS:
                _add(node_s, tag, subject[key])
        for p in y["periods"]:
            period = _add(year, "period", code=p["code"])
            _add(period, "conduct", p["conduct"])
            _add(period, "academic", p["academic"])
        if y["conduct_after"] or y["academic_after"]:
            period = _add(year, "period", code="after")
            _add(period, "conduct", y["conduct_after"])
            _add(period, "academic", y["academic_after"])
        _add(year, "absences", y["absences"])
        _add(year, "decision", y["decision"])
        _add(year, "honour", y["honour"])
        _add(year, "homeroomComment", y["homeroom_comment"])


def export(school: School, students: list[Student]) -> bytes:
    """One file with the học bạ of `students` (one student or a class), checked against the schema."""
    root = etree.Element(
        _Q + "transcripts",
        {"schemaVersion": "1.0", "exportedAt": timezone.localtime().isoformat(timespec="seconds")},
        nsmap={None: NS},
    )
    issuer = _add(root, "issuer")
    _add(issuer, "schoolCode", school.code)
    _add(issuer, "schoolName", school.name)
    _add(issuer, "province", school.province.name)
    with shared_class_results():
        for student in students:
            _transcript_element(root, student)
    schema().assertValid(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def export_student(student: Student) -> bytes:
    return export(student.school, [student])


def export_classroom(classroom: Classroom) -> bytes:
    students = [
        e.student
        for e in Enrolment.objects.filter(classroom=classroom, status=Enrolment.Status.STUDYING)
        .select_related("student__school__province")
        .order_by("student__sort_key")
    ]
    return export(classroom.school_year.school, students)


# --- import ----------------------------------------------------------------------------------


@dataclass
class ImportedStudent:
    """One <transcript>: the profile (unsaved), guardians and years, ready for a transfer in."""

    student: Student
    guardians: list[Guardian]
    years: list[ExternalYearRecord]


@dataclass
class Parsed:
    issuer_name: str
    issuer_code: str
    sha256: str
    students: list[ImportedStudent]


PENDING_DIR = "imports/xml"


def hold(data: bytes) -> str:
    """Keep an uploaded file between its preview and the confirmation (private storage, random name)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    return storages["private"].save(f"{PENDING_DIR}/{uuid.uuid4().hex}.xml", ContentFile(data))


def take(name: str, sha256: str) -> bytes | None:
    """The file held for a confirmation, once (None when gone or not the one previewed)."""
    from django.core.files.storage import storages

    storage = storages["private"]
    if not name.startswith(PENDING_DIR + "/") or ".." in name or not storage.exists(name):
        return None
    with storage.open(name, "rb") as f:
        data = f.read(max_bytes() + 1)
    storage.delete(name)
    return data if hashlib.sha256(data).hexdigest() == sha256 else None


def max_bytes() -> int:
    return getattr(settings, "XML_IMPORT_MAX_BYTES", 5 * 1024 * 1024)


def parse(data: bytes) -> Parsed:
    """Refuse what is not a valid học bạ file, with a message a clerk understands."""
    limit = max_bytes()
    if len(data) > limit:
        raise XmlImportError(_("The file is larger than %(size)s.") % {"size": filesizeformat(limit)})
    try:
        SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise XmlImportError(
            _("The file declares a DTD or entities, which a học bạ file never needs; it was refused.")
        ) from None
    except SafeET.ParseError as exc:
        raise XmlImportError(_("The file is not well-formed XML: %(error)s") % {"error": exc}) from None
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlImportError(_("The file is not well-formed XML: %(error)s") % {"error": exc}) from None
    validator = schema()
    if not validator.validate(root):
        error = validator.error_log.last_error
        raise XmlImportError(
            _("The file does not follow the học bạ schema (line %(line)s): %(error)s")
            % {"line": error.line if error else "?", "error": error.message if error else ""}
        )
    issuer = root.find(_Q + "issuer")
    return Parsed(
        issuer_name=issuer.findtext(_Q + "schoolName"),
        issuer_code=issuer.findtext(_Q + "schoolCode"),
        sha256=hashlib.sha256(data).hexdigest(),
        students=[_student(node) for node in root.iterfind(_Q + "transcript")],
    )


def _text(node, tag: str) -> str:
    return nfc((node.findtext(_Q + tag) or "").strip())


def _student(node) -> ImportedStudent:
    s = node.find(_Q + "student")
    student = Student(
        family_name=_text(s, "familyName"),
        middle_name=_text(s, "middleName"),
        given_name=_text(s, "givenName"),
        date_of_birth=date.fromisoformat(_text(s, "dateOfBirth")),
        sex=_text(s, "sex"),
        place_of_birth=_text(s, "placeOfBirth"),
        ethnicity=_text(s, "ethnicity") or "Kinh",
        home_town=_text(s, "homeTown"),
        address=_text(s, "address"),
        personal_id=_text(s, "personalId"),
        moet_code=_text(s, "moetCode"),
    )
    guardians = [
        Guardian(
            relationship=g.get("relationship"),
            full_name=_text(g, "fullName"),
            year_of_birth=int(_text(g, "yearOfBirth")) if _text(g, "yearOfBirth") else None,
            occupation=_text(g, "occupation"),
        )
        for g in s.iterfind(_Q + "guardian")
    ]
    years = []
    for y in node.iterfind(_Q + "year"):
        periods = {
            p.get("code"): {"conduct": _text(p, "conduct"), "academic": _text(p, "academic")}
            for p in y.iterfind(_Q + "period")
        }
        years.append(
            ExternalYearRecord(
                start_year=int(y.get("startYear")),
                grade=int(y.get("grade")),
                regulation=y.get("regulation"),
                school_name=_text(y, "schoolName"),
                province_name=_text(y, "province"),
                class_name=_text(y, "className"),
                homeroom=_text(y, "homeroomTeacher"),
                subjects=[
                    {key: _text(sub, tag) for tag, key in SUBJECT_TAGS} for sub in y.iterfind(_Q + "subject")
                ],
                periods=periods,
                absences=min(int(_text(y, "absences") or 0), 32767),
                decision=_text(y, "decision"),
                honour=_text(y, "honour"),
                homeroom_comment=_text(y, "homeroomComment"),
                source=ExternalYearRecord.Source.XML,
            )
        )
    return ImportedStudent(student, guardians, years)


MARK = re.compile(r"^[0-9]{1,2}(,[0-9])?$")


def problems(parsed: Parsed, classroom: Classroom) -> list[str]:
    """What in a schema-valid file still cannot be imported into `classroom`, each named with its
    student: a value the portal cannot keep (too long, a personal id already in the system, a sex or a
    relationship outside the lists), a date of birth in the future or implausible for the grade, the
    same school year twice, a mark outside 0–10. Empty: the file can be imported as it is."""
    found: list[str] = []
    start_year = classroom.school_year.start_year
    seen_ids: set[str] = set()
    for item in parsed.students:
        student = item.student
        who = student.full_name or _("a student without a name")

        def add(message, who=who):
            found.append(f"{who}: {message}")

        for obj, exclude in (
            (student, ["school", "sort_key", "user", "photo"]),
            *((g, ["student", "user"]) for g in item.guardians),
            *((y, ["student", "created_by"]) for y in item.years),
        ):
            try:
                obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    label = capfirst(obj._meta.get_field(name).verbose_name) if name != "__all__" else ""
                    add(f"{label}: {' '.join(messages)}" if label else " ".join(messages))
        if student.personal_id:
            if student.personal_id in seen_ids:
                add(_("the personal identification number repeats another student of the file."))
            elif Student.objects.filter(personal_id=student.personal_id).exists():
                add(
                    _(
                        "a student with this personal identification number is already in the system: ask their school to transfer them."
                    )
                )
            seen_ids.add(student.personal_id)
        birth = birth_problem(student.date_of_birth, classroom.grade, start_year)
        if birth:
            add(birth)
        years = [y.start_year for y in item.years]
        for year in sorted({y for y in years if years.count(y) > 1}):
            add(_("the school year %(year)s appears twice in the file.") % {"year": f"{year}-{year + 1}"})
        for y in item.years:
            for subject in y.subjects:
                for key in ("hk1", "hk2", "year", "retest"):
                    value = subject.get(key, "")
                    if MARK.match(value) and Decimal(value.replace(",", ".")) > 10:
                        add(
                            _("the mark %(mark)s of %(subject)s in %(year)s is outside the 0–10 scale.")
                            % {
                                "mark": value,
                                "subject": subject.get("name", ""),
                                "year": f"{y.start_year}-{y.start_year + 1}",
                            }
                        )
    return found


@transaction.atomic
def import_transfers(actor, classroom: Classroom, parsed: Parsed, *, on: date) -> list[Student]:
    """Chuyển đến from a school outside the system: every student of the file joins `classroom` with
    their profile, guardians and earlier years (marked as from that school). All or nothing."""
    from gradebook.services.lifecycle import transfer_in

    found = problems(parsed, classroom)
    if found:
        raise XmlImportError(" ".join(found))
    students = []
    for item in parsed.students:
        transfer_in(
            actor,
            item.student,
            classroom,
            on=on,
            from_school_name=item.years[-1].school_name if item.years else parsed.issuer_name,
            reason=_("Imported from the XML học bạ of %(school)s") % {"school": parsed.issuer_name},
        )
        for guardian in item.guardians:
            guardian.student = item.student
            guardian.save()
        for year in item.years:
            if year.start_year >= classroom.school_year.start_year:
                continue  # this school records the year it teaches
            year.student = item.student
            year.source_sha256 = parsed.sha256
            year.created_by = actor
            year.save()
        students.append(item.student)
    return students
