"""Every write endpoint is classified; each that writes period data refuses a locked period.

A new URL fails test_every_endpoint_is_classified until it is put in one of the two lists below, so
no write path can appear without its lock test."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from gradebook.models import Absence, ConductResult, PeriodLock, Score, SubjectComment

pytestmark = pytest.mark.django_db

# Endpoints that write scores, comments, conduct, attendance or profiles of a period.
PERIOD_WRITES = {"grid_save", "grid_import", "attendance", "conduct", "summer"}

# Everything else, with why it needs no lock check.
NOT_PERIOD_DATA = {
    "home": "read",
    "documents_home": "read",
    "print_request": "prints what is recorded; writes no score",
    "print_batch": "read",
    "print_batch_status": "read",
    "print_batch_download": "read",
    "document_detail": "read",
    "document_file": "read",
    "document_sign": "signs a printed document; writes no score",
    "accounts:staff_reset_two_factor": "an account's two-factor devices",
    "certificate": "the school's signing certificate",
    "my_certificate": "a signer's own certificate",
    "sign_many": "signs printed documents in the background; writes no score",
    "sign_batch": "read",
    "sign_batch_status": "read",
    "verify_pdf": "public check of a PDF file; writes nothing",
    "verify_document": "read",
    "verify_paper": "read",
    "verify_paper_page": "read",
    "health": "read",
    "set_language": "a cookie",
    "classroom_list": "read",
    "classroom_detail": "read",
    "attendance_now": "a redirect to this month's attendance",
    "discipline": "discipline notes and award proposals: not assessment data of a period",
    "progress": "read",
    "statistics": "read",
    "office_overview": "read",
    "office_school": "read",
    "office_school_appoint": "the province's Department records a school's principal",
    "statistics_export": "read (download, audited)",
    "results_delegation": "the principal's delegation of approvals",
    "results_approvals": "the principal's approval of submitted results (no score, conduct or attendance)",
    "class_results": "the review, submission and approval of results (no score, conduct or attendance)",
    "student_list": "read",
    "student_detail": "read",
    "grid": "read",
    "grid_check": "writes nothing: the diff before a save",
    "grid_preview": "writes nothing: the average as you type",
    "grid_excel": "read (download)",
    "comment_bank": "the teacher's own reusable comments, not a student's record",
    "lock_list": "the lock decisions themselves",
    "lock_carry_out": "the lock decisions themselves",
    "lock_reopen": "the lock decisions themselves",
    "reopening_carry_out": "the lock decisions themselves",
    "correction_list": "read",
    "correction_detail": "read",
    "correction_new": "the request itself: it writes no score (tests/test_corrections.py)",
    "correction_decide": "the principal's decision: it writes no score",
    "correction_apply": "the one sanctioned write into a locked period, approved cells only "
    "(tests/test_corrections.py proves the period stays locked)",
    "correction_evidence": "read (download, audited)",
    "correction_request_pdf": "prints a stored paper (a document and its version): no score",
    "correction_record_pdf": "prints a stored paper (a document and its version): no score",
    "correction_log_pdf": "read (PDF, audited)",
    "quality_report_pdf": "prints a stored paper (a document and its version): no score",
    "student_move": "enrolment changes (class change, dropout, transfer): a class change copies the "
    "recorded scores unchanged to the new class, it enters or changes no value (tests/test_lifecycle.py)",
    "student_xml": "read (download, audited)",
    "family_accounts": "accounts of the class's students and parents",
    "family_transcript": "read (PDF, audited)",
    "earlier_year_new": "a year at another school, typed in from its học bạ: no period of this school",
    "classroom_xml": "read (download, audited)",
    "transfer_list": "read",
    "transfer_in": "a new student's enrolment and earlier years from another school",
    "transfer_accept": "the receiving school's enrolment",
    "transfer_refuse": "the receiving school's answer",
    "transfer_cancel": "the old school withdraws its request",
    "rollover": "next year's classes and enrolments; this year's records are only read",
    "archive_home": "queues the sealed year archive: reads the records",
    "archive_detail": "read",
    "archive_download": "read (download, audited)",
    "archive_retention": "deletes records past their retention period on the principal's decision "
    "(tests/test_archive.py)",
    "audit_trail": "read",
    "audit_export": "read (download, audited)",
    "accounts:login": "authentication",
    "accounts:logout": "authentication",
    "accounts:password_change": "the user's own password",
    "accounts:reauth": "authentication (the password confirmed again)",
    "accounts:otp_setup": "authentication",
    "accounts:otp_verify": "authentication",
    "accounts:switch_school": "a session setting",
    "accounts:notifications_read": "the user's own messages",
    "accounts:staff_list": "accounts",
    "accounts:staff_create": "accounts",
    "accounts:staff_import": "accounts",
    "accounts:staff_import_confirm": "accounts",
    "accounts:staff_import_template": "accounts",
    "accounts:staff_detail": "accounts (and granting roles)",
    "accounts:staff_remove_role": "accounts",
    "accounts:staff_reset_password": "accounts",
    "accounts:staff_deactivate": "accounts",
    # the year's set-up: what touches the assessments (term dates, periods, electives, clusters) is
    # refused once scores exist; profiles are not period data
    "setup_home": "the set-up checklist (read)",
    "setup_profile": "the school's profile",
    "setup_year": "the calendar (refused once scores exist)",
    "setup_curriculum": "the curriculum (refused once scores exist)",
    "setup_classes": "classes and departments",
    "setup_electives": "a class's subjects (refused once scores exist)",
    "setup_assignments": "teaching assignments (who, not what)",
    "setup_assignments_export": "teaching assignments (read)",
    "setup_roster": "the roster (read)",
    "setup_roster_template": "the roster's template (read)",
    "setup_upload": "an uploaded file kept for its preview",
    "setup_import": "the roster or teaching assignments",
    "setup_import_errors": "the refused rows (read)",
    "setup_data_checks": "the classes' data checks (read)",
    "data_check": "students' profiles",
    "student_new": "students' profiles",
    "student_profile": "students' profiles",
    "data_check_record_pdf": "a printed record (read)",
}


def endpoint_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue  # Django's admin: superusers only, outside the product
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from endpoint_names(pattern, namespace)
        elif isinstance(pattern, URLPattern):
            yield f"{prefix}{pattern.name}" if pattern.name else f"{prefix}<unnamed {pattern.pattern}>"


def test_every_endpoint_is_classified():
    names = set(endpoint_names())
    assert names - PERIOD_WRITES - set(NOT_PERIOD_DATA) == set(), "classify the new endpoints"
    assert (PERIOD_WRITES | set(NOT_PERIOD_DATA)) - names == set(), "remove endpoints that are gone"


@pytest.fixture
def locked(world):
    return PeriodLock.objects.create(
        school_year=world.year,
        term="HK1",
        locked_at=timezone.now() - timedelta(hours=1),
        carried_out_at=timezone.now(),
        decision_number="1/QĐ",
    )


def write_grid_save(client, world):
    response = client.post(
        reverse("grid_save", args=[world.math.uuid, "HK1"]),
        {
            "changes": [
                {"enrolment": str(world.enrolment.uuid), "column": "tx1", "value": "8", "version": 0},
                {"enrolment": str(world.enrolment.uuid), "column": "comment", "value": "Tốt", "version": 0},
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 409
    return response.json()["error"]


def write_grid_import(client, world):
    from tests.test_grid_excel import FIXTURES

    response = client.post(
        reverse("grid_import", args=[world.math.uuid, "HK1"]),
        {"file": SimpleUploadedFile("diem.xlsx", (FIXTURES / "grid-openpyxl.xlsx").read_bytes())},
    )
    assert response.status_code == 200
    return response.context["error"]


def write_attendance(client, world):
    client.force_login(world.literature_teacher)  # the homeroom teacher
    response = client.post(
        reverse("attendance", args=[world.classroom.uuid, "2026-10"]), {f"a:{world.enrolment.uuid}:2": "K"}
    )
    assert response.status_code == 400 and not Absence.objects.exists()
    return response.context["error"]


def write_conduct(client, world):
    client.force_login(world.literature_teacher)
    response = client.post(
        reverse("conduct", args=[world.classroom.uuid, "HK1"]), {f"level:{world.enrolment.uuid}": "Tốt"}
    )
    assert response.status_code == 400 and not ConductResult.objects.exists()
    return response.context["error"]


def write_summer(client, world):
    # retests and summer training belong to the year: a year lock closes them
    PeriodLock.objects.create(
        school_year=world.year,
        term="year",
        locked_at=timezone.now() - timedelta(hours=1),
        carried_out_at=timezone.now(),
        decision_number="2/QĐ",
    )
    client.force_login(world.literature_teacher)
    response = client.post(
        reverse("summer", args=[world.classroom.uuid]), {f"conduct:{world.enrolment.uuid}": "Đạt"}
    )
    assert response.status_code == 400 and not ConductResult.objects.exists()
    return response.context["error"]


@pytest.mark.parametrize("name", sorted(PERIOD_WRITES))
def test_each_period_write_refuses_a_locked_period(client, world, locked, name):
    client.force_login(world.math_teacher)
    message = globals()[f"write_{name}"](client, world)
    assert "khóa" in message and "đề nghị sửa điểm" in message
    assert not Score.objects.exists() and not SubjectComment.objects.exists()
