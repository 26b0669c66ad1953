"""Families: accounts created in bulk from the roster with login slips, and the approved học
bạ as a PDF for the student and their parents — nothing of another student."""

from __future__ import annotations

import re
from datetime import date

from django.urls import reverse

from accounts.models import Role, RoleAssignment, User
from gradebook.models import Enrolment, Guardian
from tests.factories import make_student, sign_subject_turns
from transcripts import signing
from transcripts.documents import Kind, Target, issue
from transcripts.selfsigned import self_signed_p12


def _class_with_a_new_family(world):
    student = make_student(world.school, "Phan Minh Khôi", born=date(2015, 4, 9), moet_code="THCSA2600031")
    Enrolment.objects.create(student=student, classroom=world.classroom, start_date=world.year.start_date)
    Guardian.objects.create(student=student, relationship="mother", full_name="Đinh Thị Hoa")
    Guardian.objects.create(student=student, relationship="father", full_name="Phan Văn Long")
    return student


def test_the_admin_board_creates_the_missing_family_accounts_with_slips(world, client):
    khoi = _class_with_a_new_family(world)
    url = reverse("family_accounts", args=[world.classroom.uuid])
    client.force_login(world.literature_teacher)  # the homeroom teacher does not manage accounts
    assert client.post(url, {"students": "on", "parents": "on"}).status_code == 403
    client.force_login(world.admin_board)
    page = client.get(url).content.decode()
    assert "Phan Minh Khôi" in page and "hs_a" in page  # Bình already has her account
    response = client.post(url, {"students": "on", "parents": "on"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    slips = response.content.decode()
    # Khôi and both his parents got accounts; Bình and her father already had theirs
    names = re.findall(r"<code>(hs\.[^<]+|ph\.[^<]+)</code>", slips)
    assert names == ["hs.thcsa2600031", "ph.thcsa2600031.cha", "ph.thcsa2600031.me"]
    passwords = re.findall(r"Mật khẩu tạm: <code>([^<]+)</code>", slips)
    assert len(passwords) == 3 and "Phan Minh Khôi" in slips and "lớp 6A1" in slips
    khoi.refresh_from_db()
    mother = khoi.guardians.get(relationship="mother").user
    assert khoi.user.username == "hs.thcsa2600031" and mother.must_change_password
    assert RoleAssignment.objects.filter(user=mother, role=Role.PARENT, school=world.school).exists()
    # the slip's password works, and the parent reads only her own child
    password = passwords[names.index("ph.thcsa2600031.me")]
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": "ph.thcsa2600031.me", "password": password}
    )
    assert response.status_code == 302  # signed in (and asked to change the password first)
    User.objects.filter(pk=mother.pk).update(must_change_password=False)
    assert client.get(reverse("student_detail", args=[khoi.uuid])).status_code == 200
    assert client.get(reverse("student_detail", args=[world.student.uuid])).status_code == 403
    # again: nothing to create
    client.force_login(world.admin_board)
    response = client.post(url, {"students": "on", "parents": "on"})
    assert response.status_code == 302 and User.objects.filter(username__startswith="ph.").count() == 2


def test_another_schools_admin_board_finds_no_class(world, other_world, client):
    client.force_login(other_world.admin_board)
    assert client.post(reverse("family_accounts", args=[world.classroom.uuid]), {}).status_code == 404


def test_the_approved_hoc_ba_is_theirs_to_download_once_signed(klass, client):
    world = klass
    url = reverse("family_transcript", args=[world.student.uuid])
    document = issue(
        Target(Kind.TRANSCRIPT, world.school, world.year, student=world.student), user=world.clerk
    )
    client.force_login(world.parent)
    assert client.get(url).status_code == 404  # printed, not signed: not for the family yet
    assert (
        "approved-transcript"
        not in client.get(reverse("student_detail", args=[world.student.uuid])).content.decode()
    )
    signing.store_certificate(world.school, self_signed_p12(world.school.name, b"k"), "k", world.principal)
    sign_subject_turns(document)
    assert client.get(url).status_code == 404  # the subject teachers have signed, not yet the others
    signing.sign_document(document, world.literature_teacher)
    assert client.get(url).status_code == 404  # the principal has not signed
    signing.sign_document(document, world.principal)
    assert client.get(url).status_code == 404  # signed by all, not sealed yet
    signing.sign_document(document, world.clerk)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert signing.verify_pdf(body).ok
    page = client.get(reverse("student_detail", args=[world.student.uuid])).content.decode()
    assert "approved-transcript" in page
    client.force_login(world.pupil)
    assert client.get(url).status_code == 200
    # another child's parent, another student: nothing
    other = make_student(world.school, "Võ Thị Lan")
    Guardian.objects.create(student=other, relationship="mother", full_name="Võ Thị Mai", user=world.parent)
    client.force_login(world.parent)
    assert client.get(reverse("family_transcript", args=[world.an.student.uuid])).status_code == 403
    client.force_login(world.pupil)
    assert client.get(reverse("family_transcript", args=[world.an.student.uuid])).status_code == 403
