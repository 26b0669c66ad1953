"""The access matrix, generated from the URL conf. Every URL × method × role has an expected
outcome — allowed (200, or the page's own redirect), redirected to the login page, 403 in the same
school, 404 for another school's object, 405 for a wrong method. A refused POST changes no row and no
GET changes any (the audit trail and the session aside). A URL missing from the matrix fails the test.

Roles: anonymous; the student and a parent of their own child, a parent of another child; the subject
teacher of the class-subject and one of another class-subject; the homeroom teacher of the class and one
of another class; the department head; the clerk; the admin board; the principal; the principal and the
admin board of another school; the district and province offices.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Role, RoleAssignment
from archive.models import YearArchive
from gradebook.models import (
    CorrectionEvidence,
    CorrectionRequest,
    Enrolment,
    Guardian,
    ImportBatch,
    LockReopening,
    PeriodLock,
    StudentTransfer,
)
from gradebook.services.structure import assign_teacher, set_homeroom_teacher
from tests.factories import make_user
from tests.test_roster_import import xlsx
from transcripts.models import PrintBatch, PrintedDocument, SignBatch

ROLES = [
    "anon", "student", "parent", "parent_other", "teacher", "teacher_other", "homeroom", "homeroom_other",
    "head", "clerk", "admin_board", "principal", "other_principal", "other_admin", "district", "province",
]  # fmt: skip
FAMILY = {"student", "parent", "parent_other"}
TEACHERS = {"teacher", "teacher_other", "homeroom", "homeroom_other", "head"}
OFFICE = {"clerk"}
BOARD = {"admin_board", "principal"}
STAFF = TEACHERS | OFFICE | BOARD
OTHER_SCHOOL = {"other_principal", "other_admin"}
OFFICES = {"district", "province"}
LOGIN = "login"  # a redirect to the login page


def rule(allow=(), *, deny=(), missing=(), others=403, other_school=404, offices=404, anon=LOGIN, code=200):
    """Expected status per role: `allow` get `code`, `missing` 404, `deny` and everyone else `others`;
    another school's roles `other_school`, the offices `offices`, anonymous `anon`."""
    result = {}
    for role in ROLES:
        if role == "anon":
            result[role] = anon
        elif role in OTHER_SCHOOL:
            result[role] = other_school
        elif role in OFFICES:
            result[role] = offices
        elif role in allow:
            result[role] = code
        elif role in missing:
            result[role] = 404
        else:
            result[role] = others
    return result


def everyone(code=200, anon=LOGIN):
    return {role: (anon if role == "anon" else code) for role in ROLES}


def public(code=200):
    return {role: code for role in ROLES}


# a page of the school the user works in: its staff see their own school's, another school's roles
# theirs (allowed), families are refused, offices (no school) find nothing
def school_page(allow, code=200, offices=404):
    """A page of the school the user works in: another school's principal and admin board see their
    own school's (allowed as their role would be here), families are refused, offices have no school."""
    result = rule(allow, code=code, offices=offices)
    result["other_principal"] = code if "principal" in allow else 403
    result["other_admin"] = code if "admin_board" in allow else 403
    return result


def post_only(anon=LOGIN):
    """A POST endpoint: a GET is the wrong method, whoever asks (once signed in)."""
    return {role: (anon if role == "anon" else 405) for role in ROLES}


# URL name → (kwargs name, GET expectation, POST expectation); None: the method is not served (405)
# or not exercised as allowed (POST by an allowed role would act: its refusals are what is checked).
def matrix():
    view_class = {"teacher", "homeroom", "head", "clerk", "admin_board", "principal"}
    manage_class = {"homeroom"}
    # the department head follows the subjects of their department (Toán is in none here)
    scores = {"teacher", "homeroom", "clerk", "admin_board", "principal"}
    corrections_board = {"admin_board", "principal"}
    return {
        # authentication, the user's own things
        "accounts:login": (None, {**everyone(302), "anon": 200}, {**everyone(302), "anon": 200}),
        "accounts:logout": (None, public(405), public(302)),
        "accounts:password_change": (None, everyone(), everyone()),
        "accounts:reauth": (None, everyone(), everyone(400)),
        "accounts:otp_setup": (None, everyone(), everyone()),
        "accounts:otp_verify": (None, everyone(), everyone()),
        "accounts:switch_school": (None, everyone(405), everyone(404)),
        "accounts:notifications_read": (None, everyone(405), everyone(302)),
        "set_language": (None, public(302), public(302)),
        "health": (None, public(), None),
        "verify_pdf": (None, public(), public()),
        "verify_document": ("document", public(), None),
        "verify_paper": ("paper", public(), None),
        # the stored file of the fixture is no real PDF: nothing to draw
        "verify_paper_page": ("paper_page", public(404), None),
        "home": (None, everyone(), None),
        # accounts of the school
        "accounts:staff_list": (None, school_page({"admin_board", "principal"}), school_page({"admin_board", "principal"})),
        "accounts:staff_create": (None, school_page({"admin_board"}), school_page({"admin_board"})),
        "accounts:staff_import": (None, school_page({"admin_board"}), school_page({"admin_board"})),
        "accounts:staff_import_confirm": (None, post_only(), school_page({"admin_board"})),
        "accounts:staff_import_template": (None, school_page({"admin_board"}), None),
        # acting on a person: those ranked above them (the admin board and the principal, over a teacher)
        "accounts:staff_detail": ("staff", rule({"admin_board", "principal"}), rule({"admin_board", "principal"})),
        "accounts:staff_remove_role": ("role", post_only(), rule({"admin_board", "principal"})),
        "accounts:staff_reset_password": ("staff", post_only(), rule({"admin_board", "principal"})),
        "accounts:staff_reset_two_factor": ("staff", post_only(), rule({"admin_board", "principal"})),
        "accounts:staff_deactivate": ("staff", post_only(), rule({"admin_board", "principal"})),
        # classes
        "classroom_list": (None, school_page(STAFF), None),
        "classroom_detail": ("classroom", rule(view_class), None),
        "attendance_now": ("classroom", rule(view_class, code=302), rule(view_class, code=302)),
        "attendance": ("month", rule(view_class), rule(manage_class)),
        "conduct": ("period", rule(view_class), rule(manage_class)),
        "summer": ("classroom", rule(view_class), rule(manage_class)),
        "discipline": ("classroom", rule(view_class), rule(manage_class | {"principal"})),
        "class_results": ("period", rule(view_class), rule(manage_class | {"principal"})),
        "family_accounts": ("classroom", rule({"admin_board"}), rule({"admin_board"})),
        "classroom_xml": ("classroom", rule({"homeroom", "clerk", "admin_board", "principal"}), None),
        # students
        "student_list": (None, school_page({"admin_board"}), None),
        "student_detail": ("student", rule({"student", "parent", "homeroom", "teacher", "clerk", "admin_board", "principal"}), None),
        "student_move": ("student", rule({"admin_board", "principal"}), rule({"admin_board", "principal"})),
        "earlier_year_new": ("student", rule({"admin_board"}), rule({"admin_board"})),
        "student_xml": ("student", rule({"clerk", "admin_board", "principal"}), None),
        "family_transcript": ("student", rule({"student", "parent", "homeroom", "teacher", "clerk", "admin_board", "principal"}, code=404), None),
        "transfer_list": (None, school_page({"admin_board", "principal"}), None),
        "transfer_in": (None, school_page({"admin_board"}), school_page({"admin_board"})),
        # a transfer from this school to the other one: the receiving school answers it
        "transfer_accept": ("transfer", post_only(), rule(set(), other_school=302)),
        "transfer_refuse": ("transfer", post_only(), rule(set(), other_school=302)),
        "transfer_cancel": ("transfer", post_only(), rule({"principal"}, other_school=403)),
        "rollover": (None, school_page({"admin_board"}), school_page({"admin_board"})),
        # the score grid
        "grid": ("grid", rule(scores), None),
        # the grid's JSON endpoints answer 401 to a lost session (the page keeps the cells and asks to
        # sign in again) rather than a redirect
        "grid_check": ("grid", post_only(anon=405), rule({"teacher"}, anon=401)),
        "grid_save": ("grid", post_only(anon=405), rule({"teacher"}, anon=401)),
        "grid_preview": ("grid", post_only(anon=405), rule(scores, anon=401)),
        "grid_excel": ("grid", rule(scores), None),
        "grid_import": ("grid", rule({"teacher"}), rule({"teacher"})),
        "comment_bank": (None, school_page(STAFF), school_page(STAFF)),
        # locks and corrections
        "lock_list": (None, school_page(STAFF), school_page({"principal"})),
        "lock_carry_out": ("lock", post_only(), rule({"admin_board"})),
        "lock_reopen": ("lock", rule({"principal"}), rule({"principal"})),
        "reopening_carry_out": ("reopening", post_only(), rule({"admin_board"})),
        "correction_list": (None, school_page(STAFF), None),
        "correction_new": ("grid", rule({"teacher"}), rule({"teacher"})),
        "correction_detail": ("correction", rule({"teacher"} | corrections_board), None),
        "correction_decide": ("correction", post_only(), rule({"principal"})),
        "correction_apply": ("correction", post_only(), rule({"admin_board"})),
        "correction_evidence": ("evidence", rule({"teacher"} | corrections_board), None),
        # a stored paper: GET reads it (or offers to print it), POST prints it
        "correction_request_pdf": ("correction", rule({"teacher"} | corrections_board), rule({"teacher"} | corrections_board, code=302)),
        "correction_record_pdf": ("correction", rule({"teacher"} | corrections_board, code=404), rule({"teacher"} | corrections_board, code=404)),
        "correction_log_pdf": (None, school_page(corrections_board), None),
        # homeroom work of the school
        "results_delegation": (None, school_page({"principal"}), school_page({"principal"})),
        "results_approvals": (None, school_page({"principal"}), school_page({"principal"}, code=400)),
        "progress": (None, school_page({"head", "admin_board", "principal"}), school_page({"head", "admin_board", "principal"})),
        "statistics": (None, school_page(BOARD), None),
        "statistics_export": (None, school_page({"admin_board", "principal"}), None),
        "quality_report_pdf": (None, school_page(BOARD), school_page(BOARD, code=302)),
        "audit_trail": (None, school_page(BOARD), None),
        "audit_export": (None, school_page(BOARD), None),
        # the offices
        "office_overview": (None, {**rule(set(), other_school=403, offices=200), "district": 200, "province": 200}, None),
        # a school seen through the office pages: not found for anyone but the offices above it
        "office_school": ("school", {**rule(set(), others=404, offices=200)}, None),
        # the province's Department records the school's principal and vice principals
        "office_school_appoint": ("school", post_only(), {**rule(set(), others=404), "district": 403, "province": 302}),
        # printed books
        "documents_home": (None, school_page(STAFF, offices=403), None),
        "print_request": (None, post_only(), school_page(STAFF, offices=403)),
        # a batch: who asked for it and those who may print any book of the school
        "print_batch": ("batch", rule({"clerk", "admin_board", "principal"}), None),
        "print_batch_status": ("batch", rule({"clerk", "admin_board", "principal"}), None),
        "print_batch_download": ("batch", rule({"clerk", "admin_board", "principal"}, code=404), None),
        "document_detail": ("document", rule({"homeroom", "clerk", "admin_board", "principal"}), None),
        "document_file": ("document", rule({"homeroom", "clerk", "admin_board", "principal"}), None),
        "document_sign": ("document", post_only(), rule({"homeroom"})),
        "certificate": (None, school_page({"admin_board", "principal"}), school_page({"admin_board", "principal"}, code=400)),
        # a signer's own certificate; signing what waits for them with one confirmation (an empty form: 400)
        "my_certificate": (None, school_page(STAFF, offices=403), school_page(STAFF, code=400, offices=403)),
        "sign_many": (None, school_page(STAFF, offices=403), school_page(STAFF, code=400, offices=403)),
        # a signing batch is its signer's alone
        "sign_batch": ("sign_batch", rule({"principal"}, others=404), None),
        "sign_batch_status": ("sign_batch", rule({"principal"}, others=404), None),
        # the year's set-up: the admin board (and IT staff); the BGH reads the checklist
        "setup_home": (None, school_page({"admin_board", "principal"}), None),
        "setup_profile": (None, school_page({"admin_board"}), school_page({"admin_board"})),
        "setup_year": (None, school_page({"admin_board"}), school_page({"admin_board"})),
        "setup_curriculum": (None, school_page({"admin_board"}), school_page({"admin_board"})),
        "setup_classes": (None, school_page({"admin_board"}), school_page({"admin_board"})),
        "setup_electives": ("classroom", rule({"admin_board"}), rule({"admin_board"})),
        "setup_assignments": (None, school_page({"admin_board"}), school_page({"admin_board"})),
        "setup_assignments_export": (None, school_page({"admin_board"}), None),
        "setup_roster": (None, school_page({"admin_board"}), None),
        "setup_roster_template": (None, school_page({"admin_board"}), None),
        "setup_upload": ("upload", post_only(), school_page({"admin_board"}, code=302)),
        "setup_import": ("import", rule({"admin_board"}), rule({"admin_board"})),
        "setup_import_errors": ("import", rule({"admin_board"}), None),
        "setup_data_checks": (None, school_page({"admin_board", "principal"}), None),
        # students' profiles: the admin board and the class's homeroom teacher, who checks them
        "data_check": ("classroom", rule({"admin_board", "homeroom"}), rule({"homeroom"})),
        "student_new": ("classroom", rule({"admin_board", "homeroom"}), rule({"admin_board", "homeroom"})),
        "student_profile": ("class_student", rule({"admin_board", "homeroom"}), rule({"admin_board", "homeroom"})),
        "data_check_record_pdf": ("classroom", rule({"admin_board", "principal", "homeroom"}, code=404), None),
        # archive
        "archive_home": (None, school_page({"clerk", "admin_board", "principal"}), school_page({"clerk", "admin_board", "principal"})),
        "archive_retention": (None, school_page({"clerk", "admin_board", "principal"}), school_page({"principal"})),
        "archive_detail": ("archive", rule({"clerk", "admin_board", "principal"}), None),
        "archive_download": ("archive", rule({"clerk", "admin_board", "principal"}), None),
    }  # fmt: skip


def _url_names() -> set[str]:
    def walk(patterns, ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue  # Django's admin: superusers only (tested below)
                yield from walk(p.url_patterns, ns + (p.namespace + ":" if p.namespace else ""))
            else:
                yield ns + p.name

    return set(walk(get_resolver().url_patterns))


def test_every_url_is_in_the_matrix():
    assert _url_names() == set(matrix()), "add the new URL to the access matrix"


@pytest.fixture
def people(world, other_world):
    """The roles, and the objects the URLs take, all of school A."""
    teacher_other = make_user("gv_khac", "Nguyễn Văn Khác", school=world.school, roles=[Role.SUBJECT_TEACHER])
    assign_teacher(None, world.other_classroom.assignments.get(subject__code="ngu-van"), teacher_other)
    homeroom_other = make_user("gvcn_6a2", "Lý Thị Chủ", school=world.school, roles=[Role.SUBJECT_TEACHER])
    set_homeroom_teacher(None, world.other_classroom, homeroom_other)
    parent_other = make_user("ph_khac", "Lê Văn Bố", school=world.school, roles=[Role.PARENT])
    Guardian.objects.create(
        student=world.other_student, relationship="father", full_name="Lê Văn Bố", user=parent_other
    )
    district = make_user("phong_gd", "Phòng GD", roles=[])
    RoleAssignment.objects.create(user=district, role=Role.DISTRICT_OFFICE, district=world.school.district)
    province = make_user("so_gd", "Sở GD", roles=[])
    RoleAssignment.objects.create(
        user=province, role=Role.PROVINCE_OFFICE, province=world.school.district.province
    )
    users = {
        "student": world.pupil, "parent": world.parent, "parent_other": parent_other,
        "teacher": world.math_teacher, "teacher_other": teacher_other, "homeroom": world.literature_teacher,
        "homeroom_other": homeroom_other, "head": world.head, "clerk": world.clerk,
        "admin_board": world.admin_board, "principal": world.principal,
        "other_principal": other_world.principal, "other_admin": other_world.admin_board,
        "district": district, "province": province,
    }  # fmt: skip
    now = timezone.now()
    lock = PeriodLock.objects.create(
        school_year=world.year, term="HK1", locked_at=now - timedelta(days=1), decision_number="1/QĐ",
        decided_by=world.principal, decision_date=now.date(),
    )  # fmt: skip
    reopening = LockReopening.objects.create(
        lock=lock,
        purpose="Sửa điểm",
        starts_at=now,
        ends_at=now + timedelta(days=1),
        decided_by=world.principal,
    )
    correction = CorrectionRequest.objects.create(
        assignment=world.math,
        term="HK1",
        requested_by=world.math_teacher,
        requested_at=now,
        reason="Nhập nhầm",
    )
    evidence = CorrectionEvidence(
        request=correction, original_name="a.png", content_type="image/png", extension="png", size=4,
        sha256="0" * 64, uploaded_by=world.math_teacher,
    )  # fmt: skip
    evidence.file.save("a.png", ContentFile(b"\x89PNG"), save=True)
    transfer = StudentTransfer.objects.create(
        student=world.other_student, kind="within", from_school=world.school, to_school=other_world.school,
        from_enrolment=Enrolment.objects.get(student=world.other_student), transfer_date=now.date(),
        requested_by=world.principal,
    )  # fmt: skip
    batch = PrintBatch.objects.create(
        school=world.school,
        school_year=world.year,
        kind="class_book",
        requested_by=world.clerk,
        total=1,
        parts=1,
    )
    document = PrintedDocument(
        school=world.school, school_year=world.year, kind="class_book", classroom=world.classroom,
        title="Sổ theo dõi — lớp 6A1", content_hash="1" * 64, original_sha256="2" * 64, pdf_sha256="2" * 64,
        verify_token="t" * 24,
        printed_by=world.clerk, batch=batch,
    )  # fmt: skip
    document.file.save("d.pdf", ContentFile(b"%PDF-1.7"), save=True)
    sign_batch = SignBatch.objects.create(school=world.school, signer=world.principal, description="6A1")
    archive = YearArchive(
        school=world.school, school_year=world.year, requested_by=world.clerk, status="done"
    )
    archive.file.save("y.zip", ContentFile(b"PK"), save=True)
    staff_role = RoleAssignment.objects.get(user=world.math_teacher, role=Role.SUBJECT_TEACHER)
    import_batch = ImportBatch.objects.create(
        school_year=world.year,
        kind="roster",
        file_name="ds.xlsx",
        content=xlsx([]),
        created_by=world.admin_board,
    )
    kwargs = {
        None: {},
        "document": {"document_uuid": document.uuid},
        "staff": {"user_uuid": world.math_teacher.uuid},
        "role": {"user_uuid": world.math_teacher.uuid, "role_uuid": staff_role.uuid},
        "classroom": {"classroom_uuid": world.classroom.uuid},
        "month": {"classroom_uuid": world.classroom.uuid, "month": "2026-10"},
        "period": {"classroom_uuid": world.classroom.uuid, "period": "HK1"},
        "student": {"student_uuid": world.student.uuid},
        "transfer": {"transfer_uuid": transfer.uuid},
        "grid": {"assignment_uuid": world.math.uuid, "term": "HK2"},
        "lock": {"lock_uuid": lock.uuid},
        "reopening": {"reopening_uuid": reopening.uuid},
        "correction": {"correction_uuid": correction.uuid},
        "evidence": {"correction_uuid": correction.uuid, "evidence_id": evidence.pk},
        "school": {"school_uuid": world.school.uuid},
        "batch": {"batch_uuid": batch.uuid},
        "sign_batch": {"batch_uuid": sign_batch.uuid},
        "archive": {"archive_uuid": archive.uuid},
        "upload": {"kind": "roster"},
        "paper": {"token": "t" * 24},
        "paper_page": {"token": "t" * 24, "page": 1},
        "import": {"batch_uuid": import_batch.uuid},
        "class_student": {"classroom_uuid": world.classroom.uuid, "student_uuid": world.student.uuid},
    }
    return users, kwargs


_IGNORED_TABLES = (
    "audit_auditevent",
    "audit_chainlink",  # the audit events' links in their school's chain
    "audit_chainseal",  # the printed correction log seals the chain it prints
    "django_session",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
)


def _writes() -> int:
    """Rows written by this transaction so far, outside the audit trail and the session."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
            " WHERE relname <> ALL(%s)",
            [list(_IGNORED_TABLES)],
        )
        return cursor.fetchone()[0]


def _outcome(response) -> int | str:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", sorted(matrix()))
def test_the_access_matrix(people, client, name, method):
    """One URL and method, every role."""
    users, kwargs = people
    problems = []
    target, get_rule, post_rule = matrix()[name]
    url = reverse(name, kwargs=kwargs[target])
    expected_by_role = get_rule if method == "GET" else post_rule
    for role in ROLES:
        client.logout()
        if role != "anon":
            client.force_login(users[role])
        if method == "GET":
            expected = expected_by_role[role]
        elif post_rule is None:  # a page to read: the wrong method, once past the sign-in
            expected = LOGIN if get_rule[role] == LOGIN else 405
        else:
            expected = expected_by_role[role]
            if expected in (200, 302):
                continue  # allowed: acting on it is the functional tests' business
        before = _writes()
        response = client.get(url) if method == "GET" else client.post(url, {})
        got = _outcome(response)
        written = _writes() - before
        if got != expected:
            problems.append(f"{method} {name} as {role}: {got}, expected {expected}")
        if written and (method == "GET" or got != 200):
            problems.append(f"{method} {name} as {role}: {got} wrote {written} row(s)")
    assert problems == [], "\n" + "\n".join(problems)


def test_the_django_admin_is_for_superusers_only(people, client):
    users, _ = people
    for role in ROLES:
        client.logout()
        if role != "anon":
            client.force_login(users[role])
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302 and "/django-admin/login/" in response["Location"], role


def test_lists_and_pdfs_hold_no_other_schools_ids(people, other_world, client):
    users, _ = people
    foreign = {str(other_world.classroom.uuid), str(other_world.student.uuid), str(other_world.math.uuid)}
    client.force_login(users["principal"])
    for name in ("classroom_list", "student_list", "transfer_list", "lock_list", "correction_list",
                 "documents_home", "archive_home", "audit_trail", "statistics", "progress"):  # fmt: skip
        client.force_login(users["admin_board"] if name == "student_list" else users["principal"])
        body = client.get(reverse(name)).content.decode()
        assert not any(f in body for f in foreign), name


def test_every_write_needs_the_csrf_token(people):
    """A POST without the CSRF token is refused wherever it is allowed with one (no view is exempt)."""
    from django.test import Client

    users, kwargs = people
    client = Client(enforce_csrf_checks=True)
    for name, (target, _get_rule, post_rule) in sorted(matrix().items()):
        if post_rule is None:
            continue
        allowed = [r for r, code in post_rule.items() if code in (200, 302, 400) and r != "anon"]
        if not allowed:
            continue
        client.logout()
        client.force_login(users[allowed[0]])
        response = client.post(reverse(name, kwargs=kwargs[target]), {})
        assert response.status_code == 403 and b"CSRF" in response.content, name


def test_authenticated_pages_are_not_cached(people, client):
    users, kwargs = people
    for role in ("student", "teacher", "principal"):
        client.force_login(users[role])
        for name, (target, get_rule, _post_rule) in sorted(matrix().items()):
            if get_rule[role] != 200 or name in (
                "health",
                "verify_pdf",
                "verify_document",
                "verify_paper",
                "verify_paper_page",
                "set_language",
            ):
                continue
            response = client.get(reverse(name, kwargs=kwargs[target]))
            assert "no-store" in response.get("Cache-Control", ""), f"{name} as {role}"


def test_a_family_reaches_nothing_of_another_student(people, world, client):
    """Every URL that takes a student, with the id of a classmate who is not theirs."""
    users, kwargs = people
    names = [n for n, (target, _g, _p) in matrix().items() if target == "student"]
    for role in ("student", "parent"):
        client.force_login(users[role])
        for name in names:
            url = reverse(name, kwargs={"student_uuid": world.other_student.uuid})
            assert client.get(url).status_code in (403, 404), f"{name} as {role}"
            assert client.post(url, {}).status_code in (403, 404, 405), f"{name} as {role}"


_NOT_PAGES = re.compile(r"(/static/|/media/|logout|\.pdf|\.xlsx|\.xml|\.zip|/admin/|/evidence/|/file)")


@pytest.mark.parametrize(
    "who",
    ["student", "parent", "teacher", "homeroom", "head", "clerk", "admin_board", "principal", "district"],
)
def test_no_role_is_shown_a_link_that_refuses_it(people, client, who):
    """Every page a role reaches from its home (four clicks deep) links only to pages it may open: a
    menu entry, a button or a name that leads to 403 is a dead end for a teacher or a parent."""
    users, _kwargs = people
    client.force_login(users[who])
    seen, frontier, refused = {"/"}, ["/"], []
    for _depth in range(5):
        following = []
        for url in frontier:
            response = client.get(url)
            if response.status_code in (403, 404):
                refused.append((url, response.status_code))
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            for href in re.findall(r'href="(/[^"#?]*)', response.content.decode()):
                if href not in seen and not _NOT_PAGES.search(href):
                    seen.add(href)
                    following.append(href)
        frontier = following[:60]
    assert len(seen) > (2 if who in ("student", "parent", "district") else 8)
    assert refused == []


def test_account_actions_respect_rank_and_school_for_multi_role_people(people, world, other_world, client):
    """People holding several roles, or roles in two schools: every account action on them is refused
    to anyone not ranked above them in every school they belong to."""
    users, _kwargs = people
    both_schools = make_user(
        "gv_hai_truong", "Kiều Văn Hai", school=world.school, roles=[Role.SUBJECT_TEACHER]
    )
    RoleAssignment.objects.create(user=both_schools, role=Role.PRINCIPAL, school=other_world.school)
    teaching_admin = make_user(
        "bqt_day", "Mai Thị Kiêm", school=world.school, roles=[Role.ADMIN_BOARD, Role.SUBJECT_TEACHER]
    )
    account_posts = [
        "accounts:staff_reset_password",
        "accounts:staff_reset_two_factor",
        "accounts:staff_deactivate",
    ]
    cases = [
        # (actor, target, allowed)
        ("admin_board", both_schools, False),  # a principal elsewhere: out of this school's reach
        ("principal", both_schools, False),
        ("admin_board", teaching_admin, False),  # the same rank, whatever else they do
        ("principal", teaching_admin, True),
        ("homeroom", users["teacher"], False),
        ("other_admin", users["teacher"], False),
    ]
    problems = []
    for actor, target, allowed in cases:
        for name in account_posts:
            client.force_login(users[actor])
            response = client.post(reverse(name, kwargs={"user_uuid": target.uuid}))
            refused = response.status_code in (403, 404)
            if refused == allowed:
                problems.append(f"{name} by {actor} on {target.username}: {response.status_code}")
            target.refresh_from_db()
            if not target.is_active:  # undo a permitted deactivation for the next case
                target.is_active = True
                target.save()
                RoleAssignment.objects.get_or_create(user=target, role=Role.ADMIN_BOARD, school=world.school)
    assert problems == []
