"""Sign-in policies: forced password change, lockout, idle timeout, two-factor, password age."""

import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def sign_in(client, username, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_page_is_vietnamese(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Đăng nhập" in page
    assert 'lang="vi"' in page


def test_wrong_password_gives_a_vietnamese_message_and_keeps_the_username(world, client):
    response = sign_in(client, world.principal.username, "sai-mat-khau")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu" in page
    assert f'value="{world.principal.username}"' in page
    assert (
        AuditEvent.objects.filter(action="login_failed", actor_name="").exists()
        or AuditEvent.objects.filter(action="login_failed").exists()
    )


def test_principal_signs_in_and_reaches_home(world, client):
    response = sign_in(client, world.principal.username)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert "Ban giám hiệu" in client.get(reverse("home")).content.decode()
    assert AuditEvent.objects.filter(action="login", actor=world.principal).exists()


def test_first_login_forces_a_password_change(world, client):
    user = make_user("moi", "Giáo Viên Mới", school=world.school, roles=["subject_teacher"], must_change=True)
    sign_in(client, "moi")
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("accounts:password_change")
    assert client.get(reverse("classroom_list")).url == reverse("accounts:password_change")
    # a weak password is refused with a message next to the field, the page is re-shown
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Tre-xanh-2026!", "new_password2": "Tre-xanh-2026!"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.password_changed_at is not None
    assert client.get(reverse("home")).status_code == 200


def test_repeated_failures_lock_the_account(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, world.clerk.username, "sai-mat-khau")
    response = sign_in(Client(), world.clerk.username)  # even the right password, from anywhere
    assert response.status_code == 429
    assert "tạm thời bị khóa" in response.content.decode()
    # another account of the same school (same IP) is not locked
    assert sign_in(Client(), world.principal.username).status_code == 302


@override_settings(SESSION_IDLE_SECONDS=60)
def test_idle_session_expires(world, client):
    client.force_login(world.principal)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["sodiem_last_seen"] = time.time() - 120
    session.save()
    response = client.get(reverse("classroom_list"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    assert client.get(reverse("home")).status_code == 302


def test_the_idle_clock_is_kept_to_the_minute_not_written_on_every_request(world, client):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.principal)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("home"))
    assert not [q for q in captured if "django_session" in q["sql"]]  # read from the cache, not written
    session = client.session
    session["sodiem_last_seen"] = time.time() - 61
    session.save()
    client.get(reverse("home"))
    stored = Session.objects.get(session_key=client.session.session_key).get_decoded()
    assert time.time() - stored["sodiem_last_seen"] < 5  # a minute on: written through to the database


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_school_can_require_two_factor_for_leaders(world, client):
    world.school.require_2fa_for_leaders = True
    world.school.save()
    client.force_login(world.principal)
    response = client.get(reverse("home"))
    assert response.url == reverse("accounts:otp_setup")
    client.get(reverse("accounts:otp_setup"))
    assert not TOTPDevice.objects.exists()  # the secret waits in the session until confirmed
    pending = TOTPDevice(key=client.session["sodiem_otp_pending_key"])
    assert client.post(reverse("accounts:otp_setup"), {"token": "000000"}).status_code == 200
    assert not TOTPDevice.objects.exists()
    token = f"{totp(pending.bin_key, step=pending.step, t0=pending.t0, digits=pending.digits):06d}"
    assert client.post(reverse("accounts:otp_setup"), {"token": token}).status_code == 302
    device = TOTPDevice.objects.get(user=world.principal)
    assert device.confirmed and device.key == pending.key
    assert client.get(reverse("home")).status_code == 200
    # a new session must give the code again
    other = Client()
    other.force_login(world.principal)
    assert reverse("accounts:otp_verify") in other.get(reverse("home")).url
    # a teacher is not asked
    client.force_login(world.math_teacher)
    assert client.get(reverse("home")).status_code == 200


def test_old_password_is_reminded(world, client):
    world.school.password_max_age_days = 30
    world.school.save()
    world.clerk.password_changed_at = timezone.now() - timezone.timedelta(days=45)
    world.clerk.save()
    client.force_login(world.clerk)
    page = client.get(reverse("home")).content.decode()
    assert "45 ngày" in page and "tối đa 30 ngày" in page


def test_authenticated_pages_are_not_cached(world, client):
    client.force_login(world.principal)
    assert client.get(reverse("home"))["Cache-Control"] == "no-store"


def test_logout_needs_post(world, client):
    client.force_login(world.principal)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_health_endpoint(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
