"""Thiết lập năm học through its pages (docs/workflows.md §1): a new school from its profile to the
checklist's "ready for score entry", what the wrong roles meet, and bad input kept with its message."""

import subprocess
from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Role
from gradebook.models import Classroom, DataCheck, ImportBatch, SchoolYear, Student, TeachingAssignment
from tests.factories import make_school, make_user
from tests.test_roster_import import GOOD, xlsx

pytestmark = pytest.mark.xdist_group("setup_pages")


def pdf_text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    out = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout.decode()
    return " ".join(out.split())


@pytest.fixture
def new_school(db):
    school = make_school("Trường THCS Mới Lập", code="THCS-ML")
    school.district = None
    school.save()
    admin = make_user("bqt.ml", "Lê Văn Quản", school=school, roles=[Role.ADMIN_BOARD])
    gv = make_user("gv.ml", "Phạm Thị Giáo", school=school, roles=[Role.SUBJECT_TEACHER])
    return school, admin, gv


def test_a_new_school_sets_up_its_year_through_the_pages(new_school, client):
    school, admin, gv = new_school
    client.force_login(admin)
    home = client.get(reverse("setup_home")).content.decode()
    assert "not-ready" in home and "Năm học và học kì" in home

    page = client.post(reverse("setup_profile"), {
        "name": "Trường THCS Mới Lập", "moet_code": "01000123", "level": "THCS", "province_code": "01",
        "commune_code": "Phường Cầu Giấy", "address": "", "phone": "", "email": "",
    })  # fmt: skip
    assert page.status_code == 302
    school.refresh_from_db()
    assert (
        school.commune.name == "Phường Cầu Giấy"
        and school.managing_body(2026) == "Ủy ban nhân dân Phường Cầu Giấy"
    )

    assert client.post(reverse("setup_year"), {"action": "new_year", "start_year": "2026"}).status_code == 302
    year = SchoolYear.objects.get(school=school)
    calendar = client.get(reverse("setup_year")).content.decode()
    assert 'value="05/09/2026"' in calendar and 'value="20/09/2026"' in calendar

    client.post(reverse("setup_curriculum"), {"action": "preset"})
    assert year.curriculum.filter(grade=6).count() == 12
    # one line edited: Tin học grade 6 at 70 periods
    tin = year.curriculum.get(grade=6, subject__code="tin-hoc")
    page = client.post(reverse("setup_curriculum"), {
        "grade": "6", "subject": str(tin.subject_id), "periods_per_year": "70", "taught_terms": "both", "taught": "on",
    })  # fmt: skip
    assert page.status_code == 302
    tin.refresh_from_db()
    assert tin.periods_per_year == 70

    assert (
        client.post(reverse("setup_classes"), {"action": "classes", "classes": "6A1-6A2"}).status_code == 302
    )
    assert list(Classroom.objects.filter(school_year=year).values_list("name", flat=True)) == ["6A1", "6A2"]

    # the matrix: every class-subject to gv, homeroom teachers
    cells = {}
    for a in TeachingAssignment.objects.filter(classroom__school_year=year):
        cells[f"cell-{a.classroom_id}-{a.subject_id}"] = "gv.ml"
    for c in Classroom.objects.filter(school_year=year):
        cells[f"cell-{c.pk}-gvcn"] = "Phạm Thị Giáo (gv.ml)"
    assert client.post(reverse("setup_assignments"), {**cells, "effective": ""}).status_code == 302
    assert not TeachingAssignment.objects.filter(classroom__school_year=year, teacher__isnull=True).exists()

    # the roster: upload → preview (nothing written) → confirm
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ds.xlsx", xlsx(GOOD))
    page = client.post(reverse("setup_upload", args=["roster"]), {"file": upload})
    batch = ImportBatch.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse("setup_import", args=[batch.uuid])
    preview = client.get(page["Location"]).content.decode()
    assert "3 mới" in preview and not Student.objects.exists()
    assert client.post(page["Location"], {"effective": ""}).status_code == 302
    assert Student.objects.count() == 3

    home = client.get(reverse("setup_home")).content.decode()
    assert 'id="ready"' in home, home

    # the homeroom teacher checks 6A1, corrects a profile, confirms; the record prints the change
    client.force_login(gv)
    classroom = Classroom.objects.get(school_year=year, name="6A1")
    client.post(reverse("data_check", args=[classroom.uuid]), {"action": "open"})
    student = Student.objects.get(moet_code="0100000001")
    page = client.post(reverse("student_profile", args=[classroom.uuid, student.uuid]), {
        "full_name": "Nguyễn Văn An", "date_of_birth": "16/03/2015", "sex": "M", "ethnicity": "Kinh",
        "father_name": "Nguyễn Văn Cha", "father_year": "1980", "mother_name": "Trần Thị Mẹ", "mother_year": "1982",
    })  # fmt: skip
    assert page.status_code == 302
    client.post(reverse("data_check", args=[classroom.uuid]), {"action": "confirm", "note": "Đã đối chiếu"})
    assert DataCheck.objects.get(classroom=classroom).confirmed_at
    text = pdf_text(client.get(reverse("data_check_record_pdf", args=[classroom.uuid])))
    assert "BIÊN BẢN" in text.upper() and "Nguyễn Văn An" in text
    assert "15/03/2015" in text and "16/03/2015" in text and "Phạm Thị Giáo" in text
    assert "ỦY BAN NHÂN DÂN PHƯỜNG CẦU GIẤY" in text.upper()  # the THCS's managing body since 2025


def test_bad_input_is_kept_with_its_message(new_school, client):
    school, admin, _gv = new_school
    client.force_login(admin)
    client.post(reverse("setup_year"), {"action": "new_year", "start_year": "2026"})
    page = client.post(reverse("setup_classes"), {"action": "classes", "classes": "6A1-9Z3"})
    assert (
        page.status_code == 400
        and "6A1-9Z3" in page.content.decode()
        and "Không đọc được" in page.content.decode()
    )
    page = client.post(reverse("setup_profile"), {
        "name": "Trường THCS Mới Lập", "moet_code": "", "level": "THCS", "province_code": "01",
        "commune_code": "Phường Sài Gòn",
    })  # fmt: skip
    assert page.status_code == 400 and "Phường Sài Gòn" in page.content.decode()
    page = client.post(reverse("setup_year"), {
        "data_deadline": "31/02/2026", "HK1-start_date": "05/09/2026", "HK1-end_date": "16/01/2027",
        "HK2-start_date": "18/01/2027", "HK2-end_date": "31/05/2027",
    })  # fmt: skip
    assert page.status_code == 400 and "31/02/2026" in page.content.decode()
    page = client.post(
        reverse("setup_upload", args=["roster"]), {"file": __import__("io").BytesIO(b"not excel")}
    )
    assert page.status_code == 302  # back to the page with the message, nothing kept
    assert not ImportBatch.objects.exists()


def test_teachers_and_families_cannot_reach_the_setup(new_school, client, world):
    school, admin, gv = new_school
    client.force_login(gv)
    for name in (
        "setup_profile",
        "setup_year",
        "setup_curriculum",
        "setup_classes",
        "setup_assignments",
        "setup_roster",
    ):
        assert client.get(reverse(name)).status_code in (403, 404), name
    principal = make_user(school=school, roles=[Role.PRINCIPAL])
    client.force_login(principal)
    assert client.get(reverse("setup_home")).status_code == 200  # the BGH reads the checklist
    assert client.get(reverse("setup_roster")).status_code == 403
    assert date.today()
