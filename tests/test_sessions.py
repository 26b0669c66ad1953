"""Sessions (OWASP ASVS 2 V3): a password change or a disabled account ends the other
sessions; sensitive account changes ask for the password again after 15 minutes."""

from __future__ import annotations

import time

from django.test import Client
from django.urls import reverse

from accounts.reauth import AUTH_AT
from tests.factories import PASSWORD


def test_a_password_change_ends_the_other_sessions(world, client):
    other = Client()
    other.force_login(world.math_teacher)
    client.force_login(world.math_teacher)
    assert other.get(reverse("home")).status_code == 200
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Mat-khau-moi-2026!",
            "new_password2": "Mat-khau-moi-2026!",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200  # this session goes on
    assert "/accounts/login/" in other.get(reverse("home"))["Location"]  # the other one is over


def test_a_disabled_account_is_signed_out_everywhere(world, client):
    teacher = Client()
    teacher.force_login(world.math_teacher)
    assert teacher.get(reverse("home")).status_code == 200
    client.force_login(world.admin_board)
    assert (
        client.post(reverse("accounts:staff_deactivate", args=[world.math_teacher.uuid])).status_code == 302
    )
    world.math_teacher.refresh_from_db()
    assert not world.math_teacher.is_active
    assert "/accounts/login/" in teacher.get(reverse("home"))["Location"]


def _age_the_sign_in(client, seconds=3600):
    session = client.session
    session[AUTH_AT] = time.time() - seconds
    session.save()


def test_sensitive_account_changes_ask_for_the_password_again(world, client):
    client.force_login(world.admin_board)
    reset = reverse("accounts:staff_reset_password", args=[world.math_teacher.uuid])
    detail = reverse("accounts:staff_detail", args=[world.math_teacher.uuid])
    _age_the_sign_in(client)
    old_hash = world.math_teacher.password
    # reading is fine; changing asks first, and changes nothing yet
    assert client.get(detail).status_code == 200
    response = client.post(reset, HTTP_REFERER=f"http://testserver{detail}")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:reauth"))
    world.math_teacher.refresh_from_db()
    assert world.math_teacher.password == old_hash
    confirm = response["Location"]
    response = client.post(confirm, {"password": "sai"})
    assert response.status_code == 400 and "Mật khẩu không đúng" in response.content.decode()
    response = client.post(confirm, {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == detail  # back where they were
    assert client.post(reset).status_code == 200  # the slip with the new password
    world.math_teacher.refresh_from_db()
    assert world.math_teacher.password != old_hash
    # a hostile next= is not followed
    _age_the_sign_in(client)
    response = client.post(f"{reverse('accounts:reauth')}?next=https://evil.example/", {"password": PASSWORD})
    assert response["Location"] == reverse("home")


def test_five_wrong_confirmations_end_the_session(world, client):
    client.force_login(world.admin_board)
    _age_the_sign_in(client)
    for _ in range(4):
        assert client.post(reverse("accounts:reauth"), {"password": "doan-thu"}).status_code == 400
    response = client.post(reverse("accounts:reauth"), {"password": "doan-thu"})
    assert response["Location"] == reverse("accounts:login")
    assert "/accounts/login/" in client.get(reverse("home"))["Location"]
