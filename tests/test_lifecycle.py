"""Class change, dropout, transfers between schools of the system and across its edge, the
year rollover and the học bạ as XML."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from accounts import authz
from accounts.models import Role, RoleAssignment
from gradebook.models import (
    Enrolment,
    ExternalYearRecord,
    LeavingReason,
    ResultsApproval,
    Score,
    Student,
    StudentTransfer,
    Subject,
    TeachingAssignment,
)
from gradebook.services import lifecycle, rollover
from gradebook.services import results as results_service
from tests.factories import make_year
from tests.test_class_results import EXTRA_SUBJECTS, fill
from transcripts import xml_hocba
from transcripts.selectors import transcript

ON = date(2026, 11, 2)


def test_a_class_change_takes_the_scores_along_and_keeps_the_old_class_book(klass):
    world = klass
    before = Score.objects.filter(enrolment=world.enrolment).count()
    new = lifecycle.change_class(world.admin_board, world.enrolment, world.other_classroom, ON)
    world.enrolment.refresh_from_db()
    assert world.enrolment.status == Enrolment.Status.CLASS_CHANGED and world.enrolment.end_date == ON
    # every score of a subject the new class teaches moved with its value, under the new class-subject
    copied = Score.objects.filter(enrolment=new)
    math = world.other_classroom.assignments.get(subject__code="toan")
    assert (
        copied.filter(assignment=math).count()
        == Score.objects.filter(enrolment=world.enrolment, assignment=world.math).count()
    )
    assert {s.value for s in copied.filter(assignment=math)} == {9}
    assert (
        copied.count()
        == Score.objects.filter(
            enrolment=world.enrolment,
            assignment__subject__in=world.other_classroom.assignments.values("subject"),
        ).count()
    )
    assert Score.objects.filter(enrolment=world.enrolment).count() == before  # the old class keeps its rows
    assert copied.first().history.first().history_change_reason == "Chuyển lớp"
    # a teacher cannot do it; a second change of the ended enrolment is refused
    with pytest.raises(PermissionDenied):
        lifecycle.change_class(world.math_teacher, new, world.classroom, ON)
    with pytest.raises(lifecycle.LifecycleError, match="không còn học"):
        lifecycle.change_class(world.admin_board, world.enrolment, world.other_classroom, ON)


def test_a_dropout_ends_the_enrolment_and_starts_the_retention_clock(world):
    with pytest.raises(lifecycle.LifecycleError, match="05/09/2026"):
        lifecycle.record_dropout(
            world.admin_board, world.enrolment, date(2026, 8, 1), "Gia đình chuyển nơi ở"
        )
    lifecycle.record_dropout(world.admin_board, world.enrolment, ON, "Hoàn cảnh khó khăn")
    world.student.refresh_from_db()
    assert world.student.left_on == ON and world.student.leaving_reason == LeavingReason.DROPPED_OUT
    world.enrolment.refresh_from_db()
    assert world.enrolment.status == Enrolment.Status.DROPPED_OUT


def test_a_transfer_between_two_schools_keeps_both_views_right(klass, other_world, client):
    world = klass
    results_service.submit_results(world.literature_teacher, world.classroom, "HK1")
    results_service.decide_results(world.principal, world.classroom, "HK1", approve=True)
    student = world.student
    # only the old school's principal moves a student to another school of the system (docs/workflows.md §9)
    with pytest.raises(PermissionDenied):
        lifecycle.request_transfer(world.admin_board, world.enrolment, on=ON, to_school=other_world.school)
    client.force_login(world.principal)
    response = client.post(
        reverse("student_move", args=[student.uuid]),
        {
            "action": "transfer",
            "kind": "within",
            "to_school": other_world.school.pk,
            "on": "02/11/2026",
            "decision_number": "15/QĐ-THCS",
            "reason": "Gia đình chuyển nơi ở",
        },
    )
    assert response.status_code == 302
    transfer = StudentTransfer.objects.get(student=student)
    assert transfer.status == StudentTransfer.Status.PENDING
    # the receiving school's admin board sees it; a teacher there may not accept it
    client.force_login(other_world.admin_board)
    page = client.get(reverse("transfer_list")).content.decode()
    assert "Trần Thị Bình" in page and "Trường THCS Thử Nghiệm A" in page
    client.force_login(other_world.math_teacher)
    assert client.post(reverse("transfer_accept", args=[transfer.uuid]), {}).status_code == 403
    # nobody of a third school finds it
    client.force_login(other_world.admin_board)
    prefix = str(transfer.uuid)
    response = client.post(
        reverse("transfer_accept", args=[transfer.uuid]),
        {f"{prefix}-classroom": other_world.classroom.pk, f"{prefix}-on": "03/11/2026"},
    )
    assert response.status_code == 302
    student.refresh_from_db()
    transfer.refresh_from_db()
    assert student.school == other_world.school and transfer.status == StudentTransfer.Status.DONE
    world.enrolment.refresh_from_db()
    assert world.enrolment.status == Enrolment.Status.TRANSFERRED_OUT and world.enrolment.end_date == ON

    # the new school reads the whole history: the term at the old school and its results
    page = client.get(reverse("student_detail", args=[student.uuid])).content.decode()
    assert "Trường THCS Thử Nghiệm A" in page
    pages = transcript(student)
    # the course of study names both schools; the year's pages are the new school's, with the term so far
    assert [c["school"] for c in pages["course"]] == [
        "Trường THCS Thử Nghiệm A, Thành phố Hà Nội",
        "Trường THCS Thử Nghiệm B, Thành phố Hà Nội",
    ]
    [year_pages] = pages["years"]
    assert year_pages["school_name"] == "Trường THCS Thử Nghiệm B"
    toan = next(s for s in year_pages["subjects"] if s["name"] == "Toán")
    assert toan["hk1"] == "9,0"
    # …but nothing else of the old school: its classes, its other students, its class-subjects
    assert client.get(reverse("classroom_detail", args=[world.classroom.uuid])).status_code == 404
    assert client.get(reverse("student_detail", args=[world.an.student.uuid])).status_code == 404
    assert client.get(reverse("grid", args=[world.math.uuid, "HK1"])).status_code == 404
    assert "Nguyễn Văn An" not in client.get(reverse("student_list")).content.decode()

    # the old school keeps its class's records of the term it taught, and loses the student's profile
    client.force_login(world.admin_board)
    assert client.get(reverse("student_detail", args=[student.uuid])).status_code == 404
    roster = client.get(reverse("classroom_detail", args=[world.classroom.uuid])).content.decode()
    assert "Trần Thị Bình" in roster
    assert Score.objects.filter(enrolment=world.enrolment).exists()
    new_enrolment = Enrolment.objects.get(student=student, classroom=other_world.classroom)
    # the term so far came along: the new school's Toán holds the old school's scores
    carried = Score.objects.filter(enrolment=new_enrolment, assignment=other_world.math)
    assert (
        carried.count() == Score.objects.filter(enrolment=world.enrolment, assignment=world.math).count() > 0
    )
    assert {s.value for s in carried} == {9}
    carried.filter(kind="regular", index=1).update(value=4)  # a new school's score, later
    assert client.get(reverse("grid", args=[other_world.math.uuid, "HK1"])).status_code == 404

    # the family's accounts followed the student
    assert RoleAssignment.objects.filter(
        user=world.parent, role=Role.PARENT, school=other_world.school
    ).exists()
    assert not RoleAssignment.objects.filter(
        user=world.parent, role=Role.PARENT, school=world.school
    ).exists()
    authz.forget(world.parent)
    client.force_login(world.parent)
    assert client.get(reverse("student_detail", args=[student.uuid])).status_code == 200


@pytest.mark.django_db(transaction=True)  # the học bạ is printed once the transfer is committed
def test_a_transfer_out_of_the_system_prints_the_hoc_ba(klass, client):
    world = klass
    client.force_login(world.admin_board)
    response = client.post(
        reverse("student_move", args=[world.an.student.uuid]),
        {"action": "transfer", "kind": "out", "other_school_name": "", "on": "02/11/2026"},
    )
    assert response.status_code == 400
    assert "Nhập trường học sinh chuyển đến" in response.content.decode()
    response = client.post(
        reverse("student_move", args=[world.an.student.uuid]),
        {
            "action": "transfer",
            "kind": "out",
            "other_school_name": "Trường THCS Nguyễn Du, Đà Nẵng",
            "on": "02/11/2026",
        },
    )
    transfer = StudentTransfer.objects.get(student=world.an.student)
    assert transfer.kind == "out" and transfer.status == "done" and transfer.transcript_uuid
    assert response["Location"] == reverse("document_detail", args=[transfer.transcript_uuid])
    from tests.test_printed_books import flat, stored
    from transcripts.models import PrintedDocument

    text = flat(stored(PrintedDocument.objects.get(uuid=transfer.transcript_uuid)))
    assert "Nguyễn Văn An" in text and "Chuyển đi ngày 02/11/2026" in text
    # the học bạ handed over names the school the student goes to
    assert "Chuyển đi ngày 02/11/2026 đến: Trường THCS Nguyễn Du, Đà Nẵng" in text
    world.an.refresh_from_db()
    assert world.an.status == Enrolment.Status.TRANSFERRED_OUT
    assert world.an.student.__class__.objects.get(pk=world.an.student_id).leaving_reason == "transferred_out"


def _approve_year(world):
    for period in ("HK1", "HK2", "year"):
        results_service.submit_results(world.literature_teacher, world.classroom, period)
        results_service.decide_results(world.principal, world.classroom, period, approve=True)


def test_rollover_moves_by_the_decision_waits_for_the_summer_and_is_idempotent(klass):
    world = klass
    the_plan = rollover.plan(world.year)
    assert set(the_plan.unapproved) == {"6A1", "6A2"}
    assert {m.action for m in the_plan.moves} == {rollover.WAIT}
    _approve_year(world)
    the_plan = rollover.plan(world.year)
    actions = {m.enrolment.student.given_name: (m.action, m.to_class) for m in the_plan.moves}
    assert actions["Bình"] == (rollover.PROMOTE, "7A1")
    assert actions["Dũng"] == (rollover.RETAIN, "6A1")  # 46 sessions missed: retained (TT22 Điều 14)
    assert actions["An"][0] == rollover.WAIT and actions["Cúc"][0] == rollover.WAIT  # retest, summer training
    with pytest.raises(PermissionDenied):
        rollover.apply(world.math_teacher, world.year)
    done = rollover.apply(world.admin_board, world.year)
    next_year = done.next_year
    assert next_year.start_year == 2027 and not next_year.is_current
    sizes = {c.name: c.enrolments.count() for c in next_year.classrooms.all()}
    assert sizes == {"7A1": 1, "6A1": 1, "6A2": 0, "7A2": 0}
    assert next_year.classrooms.get(name="7A1").homeroom_teacher == world.literature_teacher
    assert next_year.terms.count() == 2 and next_year.curriculum.count() == world.year.curriculum.count()
    # the same again: nothing new
    counts = (Enrolment.objects.count(), next_year.classrooms.count())
    rollover.apply(world.admin_board, world.year)
    assert (Enrolment.objects.count(), next_year.classrooms.count()) == counts
    # An's retests come in: the next run moves only him
    for subject in ("toan", "ngu-van"):
        Score.objects.create(
            assignment=world.classroom.assignments.get(subject__code=subject),
            enrolment=world.an,
            term="HK2",
            kind="retest",
            index=1,
            value=6,
        )
    rollover.apply(world.admin_board, world.year)
    assert next_year.classrooms.get(name="7A1").enrolments.count() == 2


def test_grade_nine_students_leave_with_the_programme_completed(world):
    from gradebook.services.structure import create_classroom

    nine = create_classroom(None, world.year, 9, "9A1")
    enrolment = Enrolment.objects.create(
        student=world.other_student, classroom=nine, start_date=world.year.start_date
    )
    Enrolment.objects.filter(student=world.other_student).exclude(pk=enrolment.pk).delete()
    for order, (code, name) in enumerate(EXTRA_SUBJECTS, start=10):  # a full curriculum (TT22 Điều 9)
        subject = Subject.objects.create(
            school=world.school, code=code, name=name, short_name=name, kind=Subject.Kind.SCORE, order=order
        )
        TeachingAssignment.objects.create(classroom=nine, subject=subject, periods_per_year=105)
    world.classroom = nine  # fill() works on world.classroom
    fill(world, enrolment)
    ResultsApproval.objects.create(
        classroom=nine,
        period="year",
        status="approved",
        submitted_by=world.principal,
        submitted_at=timezone.now(),
        decided_by=world.principal,
        decided_at=timezone.now(),
    )
    done = rollover.apply(world.admin_board, world.year)
    assert [
        (m.enrolment.student_id, m.action) for m in done.moves if m.enrolment.classroom_id == nine.pk
    ] == [(world.other_student.pk, rollover.GRADUATE)]
    world.other_student.refresh_from_db()
    assert world.other_student.left_on == world.year.end_date
    assert world.other_student.leaving_reason == LeavingReason.GRADUATED
    assert "10A1" not in set(done.next_year.classrooms.values_list("name", flat=True))


def test_rollover_page_previews_then_applies(klass, client):
    world = klass
    _approve_year(world)
    client.force_login(world.admin_board)
    page = client.get(reverse("rollover"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "7A1" in text and "Lê Văn Dũng" in text
    response = client.post(reverse("rollover"), {})
    assert response.status_code == 400 and "field-error" in response.content.decode()
    assert not world.school.school_years.filter(start_year=2027).exists()
    response = client.post(reverse("rollover"), {"confirm": "on"})
    assert response.status_code == 302
    assert world.school.school_years.get(start_year=2027).classrooms.count() == 4
    client.force_login(world.math_teacher)
    assert client.get(reverse("rollover")).status_code == 403


# --- XML ---------------------------------------------------------------------------------------


def test_xml_export_is_schema_valid_and_round_trips(klass, other_world, client):
    world = klass
    world.student.personal_id = "001215012345"
    world.student.place_of_birth = "Hà Nội"
    world.student.save()
    client.force_login(world.clerk)
    response = client.get(reverse("student_xml", args=[world.student.uuid]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    data = response.content
    root = etree.fromstring(data)
    assert xml_hocba.schema().validate(root)
    ns = {"h": xml_hocba.NS}
    assert root.findtext("h:transcript/h:student/h:givenName", namespaces=ns) == "Bình"
    assert root.findtext("h:transcript/h:year/h:subject[h:name='Toán']/h:yearResult", namespaces=ns) == "9,0"
    class_file = client.get(reverse("classroom_xml", args=[world.classroom.uuid])).content
    assert len(etree.fromstring(class_file).findall("h:transcript", ns)) == 4
    assert xml_hocba.schema().validate(etree.fromstring(class_file))

    # another system's school takes her in next year from this file (she left this system)
    lifecycle.request_transfer(world.admin_board, world.enrolment, on=ON, other_school_name="Trường B")
    Student.objects.filter(pk=world.student.pk).update(personal_id="")
    other_world.year.is_current = False
    other_world.year.save()
    later = make_year(other_world.school, 2027)
    from gradebook.services.structure import create_classroom

    seven = create_classroom(None, later, 7, "7A1")
    parsed = xml_hocba.parse(data)
    [imported] = xml_hocba.import_transfers(other_world.admin_board, seven, parsed, on=date(2027, 9, 5))
    assert imported.school == other_world.school and imported.personal_id == "001215012345"
    assert ExternalYearRecord.objects.get(student=imported).school_name == "Trường THCS Thử Nghiệm A"

    again = etree.fromstring(xml_hocba.export_student(imported))
    original = etree.fromstring(data)

    def part(root, path):
        return [etree.tostring(e, method="c14n") for e in root.findall(path, ns)]

    assert part(again, "h:transcript/h:student") == part(original, "h:transcript/h:student")
    assert part(again, "h:transcript/h:year[@startYear='2026']") == part(original, "h:transcript/h:year")
    # and the học bạ of the new school prints that year marked as from the other school
    years = transcript(imported)["years"]
    assert years[0]["external"] and years[0]["subjects"][0]["year"] == "9,0"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<transcripts xmlns="urn:sodiem:hocba:1">&lol9;</transcripts>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<transcripts xmlns="urn:sodiem:hocba:1">&x;</transcripts>"""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (BILLION_LAUGHS, "DTD"),
        (XXE, "DTD"),
        (b"<transcripts", "không đúng cú pháp XML"),
        (b'<transcripts xmlns="urn:sodiem:hocba:1" schemaVersion="1.0"/>', "không theo lược đồ"),
    ],
)
def test_hostile_or_broken_xml_is_refused_with_a_clear_message(world, client, data, message):
    client.force_login(world.admin_board)
    response = client.post(
        reverse("transfer_in"),
        {"classroom": world.classroom.pk, "on": "02/11/2026", "xml": SimpleUploadedFile("hb.xml", data)},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Student.objects.count() == 2


def test_transfer_in_by_hand_keeps_what_was_typed_on_error(world, client):
    client.force_login(world.admin_board)
    form = {
        "classroom": world.classroom.pk,
        "on": "02/11/2026",
        "from_school_name": "Trường THCS Kim Liên",
        "family_name": "Hoàng",
        "middle_name": "Minh",
        "given_name": "Châu",
        "date_of_birth": "31/02/2015",
        "sex": "M",
    }
    response = client.post(reverse("transfer_in"), form)
    assert response.status_code == 400 and 'value="Hoàng"' in response.content.decode()
    form["date_of_birth"] = "28/02/2015"
    assert client.post(reverse("transfer_in"), form).status_code == 302
    student = Student.objects.get(given_name="Châu")
    assert student.school == world.school
    assert student.transfers.get().other_school_name == "Trường THCS Kim Liên"
    assert student.enrolments.get().classroom == world.classroom


@pytest.mark.django_db
def test_rollover_of_the_demo_school_gives_the_expected_class_sizes():
    """The demo school at the end of a full year: every class approved, then the rollover. Each new
    class holds the promoted students of the class below it and the retained students of its own name;
    grade 9 leaves; students with a retest or summer training pending wait."""
    from collections import Counter

    from django.core.management import call_command

    from accounts.models import School, User
    from gradebook.models import Classroom
    from gradebook.selectors.summer import final_decisions

    call_command("seed_demo", school_code="DEMO-R", size=330, scores="full", verbosity=0)
    school = School.objects.get(code="DEMO-R")
    year = school.school_years.get()
    principal = User.objects.get(role_assignments__school=school, role_assignments__role=Role.PRINCIPAL)
    admin_board = User.objects.filter(
        role_assignments__school=school, role_assignments__role=Role.ADMIN_BOARD
    ).first()
    classes = list(Classroom.objects.filter(school_year=year))
    now = timezone.now()
    ResultsApproval.objects.bulk_create(
        ResultsApproval(
            classroom=c,
            period="year",
            status="approved",
            submitted_by=principal,
            submitted_at=now,
            decided_by=principal,
            decided_at=now,
        )
        for c in classes
    )
    decisions = final_decisions(year)
    expected = Counter()
    graduates = waiting = 0
    for c in classes:
        for e in Enrolment.objects.filter(classroom=c, status=Enrolment.Status.STUDYING):
            d = decisions.get(e.pk, "")
            if c.grade == 9 and d in ("hoan_thanh_chuong_trinh", "len_lop"):
                graduates += 1
            elif d == "len_lop":
                expected[f"{c.grade + 1}{c.name[1:]}"] += 1
            elif d == "khong_len_lop":
                expected[c.name] += 1
            else:
                waiting += 1
    done = rollover.apply(admin_board, year)
    sizes = {c.name: c.enrolments.count() for c in done.next_year.classrooms.all() if c.enrolments.exists()}
    assert sizes == dict(+expected)
    assert done.counts[rollover.GRADUATE] == graduates and done.counts[rollover.WAIT] == waiting
    assert (
        sum(sizes.values()) + graduates + waiting
        == Enrolment.objects.filter(classroom__school_year=year, status="studying").count()
    )
    assert graduates > 0 and sum(expected.values()) > 200  # a realistic year: most move up
    # every grade-6 name of this year is ready for the new intake
    assert {c.name for c in classes if c.grade == 6} <= set(
        done.next_year.classrooms.values_list("name", flat=True)
    )


def test_an_earlier_year_is_typed_in_from_the_old_hoc_ba(world, client):
    # a student who came this year from outside the system, grade 7 now, grade 6 elsewhere
    student = world.other_student
    url = reverse("earlier_year_new", args=[student.uuid])
    client.force_login(world.math_teacher)
    assert client.get(url).status_code == 403
    client.force_login(world.admin_board)
    page = client.get(url).content.decode()
    assert 'value="Toán"' in page  # the school's subjects are offered
    form = {
        "start_year": "2025",
        "grade": "6",
        "class_name": "6A3",
        "school_name": "Trường THCS Kim Liên",
        "province_name": "Thành phố Hà Nội",
        "homeroom": "Đỗ Thị Hạnh",
        "conduct_hk1": "Tốt",
        "academic_hk1": "Khá",
        "conduct_hk2": "Tốt",
        "academic_hk2": "Tốt",
        "conduct_year": "Tốt",
        "academic_year": "Tốt",
        "absences": "2",
        "decision": "len_lop",
        "honour": "Học sinh Giỏi",
        "homeroom_comment": "Chăm ngoan",
        "subjects-TOTAL_FORMS": "2",
        "subjects-INITIAL_FORMS": "0",
        "subjects-0-name": "Toán",
        "subjects-0-hk1": "8.5",
        "subjects-0-hk2": "11",
        "subjects-0-year": "9,0",
        "subjects-1-name": "Giáo dục thể chất",
        "subjects-1-year": "Đ",
    }
    # the year the student already studies here is refused; a mark above 10 is refused next to its cell
    response = client.post(url, form | {"start_year": "2026"})
    assert response.status_code == 400 and "đã học trong hệ thống" in response.content.decode()
    response = client.post(url, form)
    text = response.content.decode()
    assert response.status_code == 400 and "từ 0 đến 10" in text and 'value="8.5"' in text
    assert not ExternalYearRecord.objects.exists()
    response = client.post(url, form | {"subjects-0-hk2": "8,1"})
    assert response.status_code == 302
    record = ExternalYearRecord.objects.get(student=student)
    assert record.source == "entered" and record.regulation == "TT22"
    assert record.subjects[0] | {} == {
        "name": "Toán",
        "hk1": "8,5",
        "hk2": "8,1",
        "year": "9,0",
        "retest": "",
        "comment": "",
        "teacher": "",
    }
    assert record.periods["year"] == {"conduct": "Tốt", "academic": "Tốt"}
    year = transcript(student)["years"][0]
    assert year["external"] == record and year["promoted"] and year["subjects"][1]["year"] == "Đ"


def test_an_oversized_xml_file_is_refused_before_parsing(world, client, settings):
    settings.XML_IMPORT_MAX_BYTES = 1024
    client.force_login(world.admin_board)
    big = b'<transcripts xmlns="urn:sodiem:hocba:1">' + b" " * 2048 + b"</transcripts>"
    response = client.post(
        reverse("transfer_in"),
        {"classroom": world.classroom.pk, "on": "02/11/2026", "xml": SimpleUploadedFile("hb.xml", big)},
    )
    assert response.status_code == 400 and "Tệp lớn hơn" in response.content.decode()
