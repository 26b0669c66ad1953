"""Accounts and duties that cannot be subverted (docs/accounts.md): each test plays one hole an attacker
with one stolen password, or one dishonest staff member, used to find — and shows it closed."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import get_perms

from accounts import services
from accounts.models import Notification, Role, RoleAssignment, User
from audit.models import AuditEvent
from gradebook.models import ConductResult, CorrectionRequest, Score
from gradebook.services import corrections, results
from gradebook.services.corrections import CorrectionError
from sodiem.http import client_ip
from tests.factories import PASSWORD, make_user
from tests.test_corrections import enter, file_request, lock_term, png

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


# --- 1. two-factor the password alone cannot pass ---------------------------------------------------


@pytest.fixture
def guarded_principal(world):
    world.school.require_2fa_for_leaders = True
    world.school.save()
    world.principal.email = "hieutruong@example.edu.vn"
    world.principal.save()
    device = TOTPDevice.objects.create(user=world.principal, name="điện thoại", confirmed=True)
    return world, device


def test_a_second_device_cannot_be_enrolled_with_the_password_alone(guarded_principal, client):
    world, device = guarded_principal
    client.force_login(world.principal)  # the password only: the session is not verified
    response = client.get(reverse("accounts:otp_setup"))
    assert response.status_code == 302 and reverse("accounts:otp_verify") in response["Location"]
    # the attacker's own secret, posted with a valid code for it, stores nothing
    session = client.session
    session["sodiem_otp_pending_key"] = "ab" * 20
    session.save()
    response = client.post(reverse("accounts:otp_setup"), {"token": f"{totp(bytes.fromhex('ab' * 20)):06d}"})
    assert response.status_code == 302 and TOTPDevice.objects.filter(user=world.principal).count() == 1
    # and the principal's pages stay closed
    assert reverse("accounts:otp_verify") in client.get(reverse("home"))["Location"]


def test_a_device_added_from_a_verified_session_is_told_to_its_owner(
    guarded_principal, client, django_capture_on_commit_callbacks
):
    world, device = guarded_principal
    client.force_login(world.principal)
    assert (
        client.post(reverse("accounts:otp_verify"), {"token": f"{totp(device.bin_key):06d}"}).status_code
        == 302
    )
    assert client.get(reverse("accounts:otp_setup")).status_code == 200
    key = client.session["sodiem_otp_pending_key"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:otp_setup"), {"token": f"{totp(bytes.fromhex(key)):06d}"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=world.principal, confirmed=True).count() == 2
    assert AuditEvent.objects.filter(action="two_factor_added", actor=world.principal).exists()
    note = Notification.objects.get(user=world.principal)
    assert "thiết bị xác thực hai lớp" in note.text
    assert mail.outbox and mail.outbox[0].to == ["hieutruong@example.edu.vn"]


def test_an_old_session_confirms_the_password_before_enrolling(world, client):
    client.force_login(world.math_teacher)
    session = client.session
    session["sodiem_auth_at"] = time.time() - 3600
    session.save()
    response = client.get(reverse("accounts:otp_setup"))
    assert response.status_code == 302 and reverse("accounts:reauth") in response["Location"]


def test_two_factor_is_reset_only_downward_and_told(world, client):
    TOTPDevice.objects.create(user=world.math_teacher, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=world.principal, name="phone", confirmed=True)
    client.force_login(world.admin_board)
    response = client.post(reverse("accounts:staff_reset_two_factor", args=[world.math_teacher.uuid]))
    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=world.math_teacher).exists()
    assert Notification.objects.filter(user=world.math_teacher).exists()
    assert Notification.objects.filter(user=world.principal, text__contains="Vũ Văn Toán").exists()
    assert AuditEvent.objects.filter(action="two_factor_reset", actor=world.admin_board).exists()
    # the principal ranks above the admin board: out of its reach
    response = client.post(reverse("accounts:staff_reset_two_factor", args=[world.principal.uuid]))
    assert response.status_code == 403 and TOTPDevice.objects.filter(user=world.principal).exists()


# --- 2. who may act on whom -------------------------------------------------------------------------


def test_no_password_reset_across_schools_or_upward(world, other_world, client):
    # the other school's principal also teaches here
    RoleAssignment.objects.create(user=other_world.principal, role=Role.SUBJECT_TEACHER, school=world.school)
    client.force_login(world.admin_board)
    for target in (other_world.principal, world.principal):
        response = client.post(reverse("accounts:staff_reset_password", args=[target.uuid]))
        assert response.status_code == 403, target
        target.refresh_from_db()
        assert target.check_password(PASSWORD)
    for target in (other_world.principal, world.principal):  # nor deactivate them, nor take their roles
        assert client.post(reverse("accounts:staff_deactivate", args=[target.uuid])).status_code == 403
        assert User.objects.get(pk=target.pk).is_active
    # downward it works, and the temporary password is shown once, to the actor
    response = client.post(reverse("accounts:staff_reset_password", args=[world.math_teacher.uuid]))
    assert response.status_code == 200 and "Mật khẩu tạm" in response.content.decode()
    # the principal reaches the admin board's account (nobody else in the school could)
    client.force_login(world.principal)
    assert (
        client.post(reverse("accounts:staff_reset_password", args=[world.admin_board.uuid])).status_code
        == 200
    )


def test_the_school_cannot_make_its_own_principal(world, client):
    client.force_login(world.admin_board)
    form = {"username": "ht.moi", "full_name": "Ngô Văn Mới", "roles": ["principal"]}
    response = client.post(reverse("accounts:staff_create"), form)
    assert response.status_code == 200 and not User.objects.filter(username="ht.moi").exists()
    response = client.post(
        reverse("accounts:staff_detail", args=[world.math_teacher.uuid]), {"role": "vice_principal"}
    )
    assert not RoleAssignment.objects.filter(user=world.math_teacher, role="vice_principal").exists()
    with pytest.raises(services.AccountError, match="Sở Giáo dục"):
        services.create_account(
            world.admin_board, world.school, username="ht.x", full_name="Hà Văn X", roles=["principal"]
        )
    # nor make another admin board: that is for the principal
    with pytest.raises(services.AccountError):
        services.grant_role(world.admin_board, world.school, world.math_teacher, Role.ADMIN_BOARD)
    services.grant_role(world.principal, world.school, world.math_teacher, Role.ADMIN_BOARD)


def test_the_import_refuses_a_principal_row(world, client):
    from tests.test_hostile_input import xlsx

    client.force_login(world.admin_board)
    rows = [services.IMPORT_HEADERS, ["ht.nhap", "Phan Văn Nhập", "", "", "Hiệu trưởng", ""]]
    report = client.post(reverse("accounts:staff_import"), {"file": xlsx(rows)}).context["report"]
    assert report.valid_rows == [] and "Sở Giáo dục" in " ".join(report.refused_rows[0].errors)


def test_the_province_office_appoints_the_principal(world, client, capsys):
    from django.core.management import call_command

    office = make_user("so.gd", "Sở GD&ĐT")
    RoleAssignment.objects.create(
        user=office, role=Role.PROVINCE_OFFICE, province=world.school.district.province
    )
    client.force_login(office)
    url = reverse("office_school_appoint", args=[world.school.uuid])
    response = client.post(
        url, {"role": "vice_principal", "username": "pht.moi", "full_name": "Đinh Thị Phó"}
    )
    assert response.status_code == 200 and "Mật khẩu tạm" in response.content.decode()
    assert RoleAssignment.objects.filter(
        user__username="pht.moi", role="vice_principal", school=world.school
    ).exists()
    # a district office (or anyone else) cannot
    district = make_user("phong.gd", "Phòng GD")
    RoleAssignment.objects.create(user=district, role=Role.DISTRICT_OFFICE, district=world.school.district)
    client.force_login(district)
    assert client.post(url, {"role": "principal", "username": "ht.gia"}).status_code == 403
    # the deployment's IT staff, on the Department's decision
    call_command(
        "appoint", school=world.school.code, role="principal", username="ht.lqd", full_name="Lý Thị Hà"
    )
    assert "temporary password" in capsys.readouterr().out


# --- 3. separation of duties ------------------------------------------------------------------------


@pytest.fixture
def teaching_principal(world):
    """The principal teaches Toán of 6A1 (and the math teacher moves on)."""
    from gradebook.services.structure import assign_teacher

    assign_teacher(None, world.math, world.principal)
    vice = make_user("pht_a", "Trịnh Văn Phó", school=world.school, roles=[Role.VICE_PRINCIPAL])
    world.vice = vice
    return world


def test_a_principal_who_teaches_cannot_approve_or_witness_their_own_correction(teaching_principal):
    world = teaching_principal
    from gradebook.services.scores import CellChange, save_grid

    save_grid(world.principal, world.math, "HK1", [CellChange(str(world.enrolment.uuid), "tx1", "7")])
    lock_term(world)
    correction = corrections.request_correction(
        world.principal,
        world.math,
        "HK1",
        [corrections.RequestedCell(str(world.enrolment.uuid), "tx1", "8")],
        reason="Nhập nhầm",
        files=[png()],
    )
    with pytest.raises(PermissionDenied):
        corrections.decide_correction(world.principal, correction, approve=True)
    # a vice principal decides the principal's own request
    corrections.decide_correction(world.vice, correction, approve=True)
    correction.refresh_from_db()
    # the requester is not the board's witness
    with pytest.raises(CorrectionError) as refused:
        corrections.apply_correction(
            world.admin_board,
            correction,
            witness_board=world.principal,
            requester_present=True,
            record_number="1",
        )
    assert "witness_board" in refused.value.errors
    corrections.apply_correction(
        world.admin_board, correction, witness_board=world.vice, requester_present=True, record_number="1"
    )
    assert CorrectionRequest.objects.get(pk=correction.pk).status == "applied"


def test_the_approver_does_not_apply(world):
    enter(world, tx1="7")
    lock_term(world)
    correction = file_request(world, tx1="8")
    world.principal_board = make_user(
        "bqt_ht", "Hiệu Trưởng Kiêm", school=world.school, roles=[Role.PRINCIPAL, Role.ADMIN_BOARD]
    )
    corrections.decide_correction(world.principal_board, correction, approve=True)
    with pytest.raises(PermissionDenied):
        corrections.apply_correction(
            world.principal_board,
            correction,
            witness_board=world.principal,
            requester_present=True,
            record_number="2",
        )


def test_a_vice_principal_does_not_approve_their_own_homeroom_class(world):
    from gradebook.services.structure import set_homeroom_teacher

    vice = make_user("pht_b", "Vương Thị Phó", school=world.school, roles=[Role.VICE_PRINCIPAL])
    RoleAssignment.objects.filter(user=vice).update(may_approve_results=True)
    set_homeroom_teacher(None, world.classroom, vice)
    with pytest.raises(PermissionDenied):
        results.decide_results(vice, world.classroom, "HK1", approve=True)


# --- 4. rights follow roles -------------------------------------------------------------------------


def test_a_removed_homeroom_role_ends_the_rights_in_the_live_session(world, client):
    teacher = world.literature_teacher
    client.force_login(teacher)
    url = reverse("conduct", args=[world.classroom.uuid, "HK1"])
    assert client.get(url).status_code == 200
    role = RoleAssignment.objects.get(user=teacher, role=Role.HOMEROOM_TEACHER, school=world.school)
    services.remove_role(world.admin_board, world.school, role)
    assert get_perms(teacher, world.classroom) == []
    world.classroom.refresh_from_db()
    assert world.classroom.homeroom_teacher is None
    response = client.post(url, {f"level:{world.enrolment.uuid}": "Tốt"})
    assert response.status_code == 403 and not ConductResult.objects.exists()


def test_a_removed_subject_role_ends_score_entry_at_once(world, client):
    teacher = world.literature_teacher  # teaches Ngữ văn of 6A1 and stays its homeroom teacher
    client.force_login(teacher)
    role = RoleAssignment.objects.get(user=teacher, role=Role.SUBJECT_TEACHER)
    services.remove_role(world.admin_board, world.school, role)
    response = client.post(
        reverse("grid_save", args=[world.literature.uuid, "HK1"]),
        {"changes": [{"enrolment": str(world.enrolment.uuid), "column": "tx1", "value": "9", "version": 0}]},
        content_type="application/json",
    )
    assert response.status_code == 403 and not Score.objects.exists()


# --- 5. every password field counts -----------------------------------------------------------------


def test_guessing_the_current_password_ends_the_session(world, client):
    client.force_login(world.math_teacher)
    url = reverse("accounts:password_change")
    for attempt in range(1, 6):
        response = client.post(
            url,
            {
                "old_password": f"doan-{attempt}",
                "new_password1": "Mat-khau-moi-2027",
                "new_password2": "Mat-khau-moi-2027",
            },
        )
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert AuditEvent.objects.filter(action="password_check_failed", actor=world.math_teacher).count() == 5
    assert AuditEvent.objects.filter(action="session_ended").exists()
    assert client.get(reverse("home")).status_code == 302  # signed out


def test_guessing_at_the_signing_form_ends_the_session(world, client, settings):
    from tests.factories import sign_subject_turns
    from transcripts.documents import Kind, Target, issue

    target = Target(
        kind=Kind.CLASS_BOOK, school=world.school, school_year=world.year, classroom=world.classroom
    )
    document = issue(target, user=world.clerk)
    sign_subject_turns(document)  # the homeroom teacher's turn comes after the subject teachers'
    client.force_login(world.literature_teacher)
    url = reverse("document_sign", args=[document.uuid])
    for attempt in range(5):
        response = client.post(url, {"password": f"sai-{attempt}"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert AuditEvent.objects.filter(action="password_check_failed", details__where="signing").count() == 5


# --- 6. the session's absolute lifetime --------------------------------------------------------------


def test_the_absolute_lifetime_does_not_slide(world, client, settings):
    client.force_login(world.math_teacher)
    expiry = client.session.get_expiry_date()
    for _ in range(3):
        assert client.get(reverse("home")).status_code == 200
        assert abs((client.session.get_expiry_date() - expiry).total_seconds()) < 1
    session = client.session
    session["sodiem_signed_in_at"] = time.time() - settings.SESSION_COOKIE_AGE - 1
    session["sodiem_last_seen"] = time.time()
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# --- 7. keys and addresses --------------------------------------------------------------------------


def test_check_deploy_fails_without_a_certificate_key():
    import secrets

    env = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "a.vn",
        "DATABASE_URL": "postgres://u@h/d",
    }
    run = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **env},
    )  # fmt: skip
    assert run.returncode != 0 and "transcripts.E001" in run.stderr
    env["CERTIFICATE_KEY"] = secrets.token_urlsafe(32)
    run = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **env},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr


def test_the_certificate_key_rotates(world, settings, monkeypatch):
    from django.core.management import call_command

    from transcripts.models import SigningCertificate
    from transcripts.selfsigned import self_signed_p12
    from transcripts.signing import (
        _personal_signer,
        _signer,
        personal_certificate,
        school_authority,
        store_certificate,
    )

    settings.CERTIFICATE_KEY = "cu-" * 20
    store_certificate(world.school, self_signed_p12(world.school.name, b"mk"), "mk", world.principal)
    issued = personal_certificate(world.principal, world.school)  # and the school's authority with it
    settings.CERTIFICATE_KEY = "moi-" * 20
    monkeypatch.setenv("OLD_CERTIFICATE_KEY", "cu-" * 20)
    call_command("rotate_certificate_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _signer(SigningCertificate.objects.get()) is not None  # opens with the new key
    issued.refresh_from_db()
    assert _personal_signer(issued) is not None
    from cryptography.hazmat.primitives.serialization import pkcs12

    from transcripts.signing import _fernet

    authority = school_authority(world.school)
    assert pkcs12.load_key_and_certificates(_fernet().decrypt(bytes(authority.encrypted_pkcs12)), None)[0]


def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(settings):
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert client_ip(spoofed) == "203.0.113.9"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxied = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7, 10.0.0.6")
    assert client_ip(proxied) == "198.51.100.7"  # the nearest address that is not a proxy of ours
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.5")) == "10.0.0.5"


# --- 8. usernames and sign-in under attack -----------------------------------------------------------


def test_a_look_alike_username_is_refused(world):
    errors = services.validate_account_fields("hieutruоng", "Giả Mạo", "")  # a Cyrillic "о"
    assert "username" in errors
    assert "username" not in services.validate_account_fields("ng.van-an_2", "Nguyễn Văn An", "")


def _try(client, username, password, ip):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_a_stranger_cannot_lock_a_teacher_out(world, client):
    for _ in range(6):
        _try(client, world.math_teacher.username, "sai-roi", "198.51.100.1")
    # the stranger's address is locked for this username; the school's is not
    assert _try(client, world.math_teacher.username, PASSWORD, "198.51.100.1").status_code != 302
    response = _try(client, world.math_teacher.username, PASSWORD, "203.0.113.50")
    assert response.status_code == 302


def test_a_username_attacked_from_many_addresses_is_slowed_and_its_owner_told(world, client):
    username = world.math_teacher.username
    for n in range(12):
        _try(client, username, "sai", f"198.51.100.{n + 1}")
    response = _try(client, username, PASSWORD, "203.0.113.50")
    assert response.status_code == 200 and "Hãy chờ" in response.content.decode()
    # once the wait is over, the owner gets in, and is told
    from unittest import mock

    from django.utils import timezone

    later = timezone.now() + timedelta(seconds=61)
    with mock.patch("accounts.signin.timezone.now", return_value=later):
        response = _try(client, username, PASSWORD, "203.0.113.50")
    assert response.status_code == 302
    failed = AuditEvent.objects.filter(action="login_failed", actor_name=username).count()
    assert failed >= 10  # the tries refused unchecked while slowed are not counted as guesses
    page = client.get(reverse("home"), follow=True).content.decode()
    assert f"Có {failed} lần đăng nhập sai" in page
