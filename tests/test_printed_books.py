"""Printed books: every document rendered for a class whose students hit every branch, its
text read back with pdftotext; printing in the background; digital signatures in turn; verification.
"""

import hashlib
import io
import re
import subprocess
import uuid
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from gradebook.selectors.results import compute_results
from tests.factories import sign_subject_turns
from transcripts import signing
from transcripts.documents import Kind, Target, issue
from transcripts.models import PrintBatch, PrintedDocument
from transcripts.selfsigned import self_signed_p12

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode()


def flat(pdf: bytes) -> str:
    return " ".join(text_of(pdf).split())


def reading_order(pdf: bytes) -> str:
    """The text in reading order (a cell wrapped over two lines stays together)."""
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def page_count(pdf: bytes) -> int:
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


def stored(document: PrintedDocument) -> bytes:
    with document.file.open("rb") as f:
        return f.read()


def printed(world, kind, **target) -> tuple[PrintedDocument, bytes]:
    document = issue(Target(kind, world.school, world.year, **target), user=world.clerk)
    return document, stored(document)


def make_p12(common_name="Trường THCS Thử Nghiệm A", passphrase=b"mat-khau", days=365, start=-1) -> bytes:  # noqa: S107
    return self_signed_p12(common_name, passphrase, days=days, start=start)


# -- the documents -------------------------------------------------------------------------------


def test_results_summary_prints_the_engines_averages_names_and_print_time(klass):
    world = klass
    document, pdf = printed(world, Kind.RESULTS_SUMMARY, classroom=world.classroom, period="year")
    text = flat(pdf)
    assert "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC" in text
    assert "Lớp: 6A1 - Cả năm - Năm học 2026 - 2027" in text
    for name in ("Trần Thị Bình", "Nguyễn Văn An", "Phạm Thị Cúc", "Lê Văn Dũng"):
        assert name in text
    # Bình's row: the engine's year averages (9,0) and levels; An: Toán and Ngữ văn 3,0 → Chưa đạt
    results = compute_results(world.year, [world.classroom])
    binh = results[world.enrolment.pk]
    assert binh.academic["year"].level == "Tốt"
    assert re.search(r"Trần Thị Bình.*9,0.*Tốt\s+Tốt", text)
    assert re.search(r"Nguyễn Văn An\s+Đ\s+3,0\s+3,0", text)
    assert binh.honour == "Học sinh Xuất sắc" and "Học sinh Xuất sắc" in reading_order(pdf)
    # the teachers' signature table, the principal, the print time, the page numbers
    assert world.math_teacher.full_name in text and "HIỆU TRƯỞNG" in text
    local = timezone.localtime(document.printed_at)
    assert f"In lúc {local:%H:%M} ngày {local:%d/%m/%Y}" in text
    assert document.pages == page_count(pdf)
    assert f"Trang 1 / {document.pages}" in text
    assert document.pdf_sha256 == hashlib.sha256(pdf).hexdigest()


def test_class_book_holds_every_section_with_scores_attendance_and_the_year_ranking(klass):
    world = klass
    document, pdf = printed(world, Kind.CLASS_BOOK, classroom=world.classroom)
    text = flat(pdf)
    assert "TRƯỜNG: THCS THỬ NGHIỆM A" in text  # the cover's 'TRƯỜNG: …' without a second 'Trường'
    for heading in (
        "SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH",
        "HƯỚNG DẪN SỬ DỤNG SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH",
        "SƠ YẾU LÝ LỊCH HỌC SINH",
        "THEO DÕI CHUYÊN CẦN",
        "PHẦN GHI ĐIỂM",
        "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ HỌC KÌ I",
        "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ CẢ NĂM HỌC",
        "XẾP LOẠI CẢ NĂM HỌC",
        "NHẬN XÉT CỦA HIỆU TRƯỞNG",
    ):
        assert heading in text, heading
    assert "Giáo viên chủ nhiệm: " + world.literature_teacher.full_name in text
    assert "Môn: Toán" in text and "ĐTBmhkI" in text and "ĐTBmcn" in text
    # Dũng missed 46 sessions (all excused, September–November): the month pages count them
    assert "Tháng 9 năm 2026" in text
    assert re.search(r"Lê Văn Dũng(\s+P)+\s+\d+\s+\d+", text)
    # the ranking's merged cell: 4 students, Dũng retained
    assert "Tổng số học sinh: 4" in text and "Không được lên lớp: 1" in text
    assert document.pages == page_count(pdf) and document.pages > 30


def test_transcript_prints_profile_year_pages_and_promotion(klass):
    world = klass
    document, pdf = printed(world, Kind.TRANSCRIPT, student=world.student)
    text = flat(pdf)
    # cover, guide, page 1, then two pages for the year — the year being signed too: its subject
    # teachers' signature places take no room of their own (docs/forms.md §5)
    assert document.pages == 5 and "sig-subject" not in text
    assert {place[0] for key, place in document.signature_places.items() if key.startswith("subject-")} == {3}
    assert "HỌC BẠ" in text and "TRUNG HỌC CƠ SỞ" in text
    assert "(Mẫu ban hành kèm theo Thông tư số 22/2021/TT-BGDĐT ngày 20 tháng 7 năm 2021)" in text
    assert "TRẦN THỊ BÌNH" in text  # cover and page 1 print the name in capitals
    # the form says 'TRƯỜNG THCS: …': the name follows without repeating it
    assert "TRƯỜNG THCS: THỬ NGHIỆM A" in text and "TRƯỜNG THCS: TRƯỜNG" not in text
    assert "QUÁ TRÌNH HỌC TẬP" in text and "2026 - 2027" in text
    assert "Họ và tên: Trần Thị Bình Lớp: 6A1 Năm học: 2026 - 2027" in text
    assert re.search(r"Toán 9,0 9,0 9,0", text)
    assert "- Được lên lớp: x" in text and "Được lên lớp: Được lên lớp" not in text  # the words once
    assert "Ngoại ngữ 1 (Tiếng Anh)" in text  # the curriculum's name, with the language
    assert "Khen thưởng (nếu có): Học sinh Xuất sắc" in text
    assert "NHẬN XÉT CỦA GIÁO VIÊN CHỦ NHIỆM" in text
    # Dũng: retained
    _doc, dung = printed(world, Kind.TRANSCRIPT, student=world.dung.student)
    assert "- Không được lên lớp: x" in flat(dung)


def test_teacher_book_blank_at_the_start_of_the_year_and_filled_later(klass):
    world = klass
    blank_doc, blank = printed(world, Kind.TEACHER_BOOK, teacher=world.math_teacher, blank=True)
    filled_doc, filled = printed(world, Kind.TEACHER_BOOK, teacher=world.math_teacher)
    blank_text, filled_text = flat(blank), flat(filled)
    for text in (blank_text, filled_text):
        assert f"Họ tên giáo viên: {world.math_teacher.full_name}" in text
        assert "Nhận xét sự tiến bộ, ưu điểm nổi bật, hạn chế chủ yếu" in text
        assert "Trần Thị Bình" in text
    assert "9,0" not in blank_text and "9,0" in filled_text
    assert f"Sổ này có {blank_doc.pages} trang" in blank_text
    assert blank_doc.title.endswith("(bản trắng đầu năm)")


def test_register_lists_every_student_with_the_course_of_study(klass):
    world = klass
    document, pdf = printed(world, Kind.REGISTER)
    text = flat(pdf)
    assert "SỔ ĐĂNG BỘ" in text
    for name in ("Trần Thị Bình", "Lê Văn Dũng"):
        assert name in text
    assert "Ở lại" in text and "Lên lớp" in text
    assert f"Sổ này có {document.pages} trang" in text


def test_stored_markup_prints_as_text(klass):
    world = klass
    student = world.student
    student.address = "<b>Hà Nội</b><img src='http://example.invalid/x.png'>"
    student.save()
    _doc, pdf = printed(world, Kind.TRANSCRIPT, student=student)
    assert "<b>Hà Nội</b><img src='http://example.invalid/x.png'>" in flat(pdf)


def test_tt58_class_prints_its_own_levels(klass):
    world = klass
    world.classroom.regulation = "TT58"
    world.classroom.save()
    world.cuc.conduct_results.update(level="Yếu")  # TT58 Điều 4 conduct levels
    _doc, pdf = printed(world, Kind.RESULTS_SUMMARY, classroom=world.classroom, period="HK1")
    text = flat(pdf)
    assert "Trung bình" in text and "Yếu" in text  # TT58 Điều 13 ranks, not TT22's Tốt/Khá/Đạt/Chưa đạt


# -- printing in the background ------------------------------------------------------------------


def test_printing_every_class_book_returns_at_once_and_a_worker_zips_them(
    klass, login, client, django_capture_on_commit_callbacks, monkeypatch
):
    world = klass
    # the worker closes the database connection between tasks; the test's transaction must survive it
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    login(world.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("print_request"), {"kind": "results_summary", "target": "all", "period": "HK1"}
        )
    batch = PrintBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("print_batch", args=[batch.uuid])
    assert batch.total == 2 and batch.status == "queued" and not PrintedDocument.objects.exists()
    status = client.get(reverse("print_batch_status", args=[batch.uuid])).json()
    assert status == {
        "status": "queued",
        "state": "Đang chờ",
        "done": 0,
        "total": 2,
        "percent": 0,
        "error": "",
    }
    # a worker has started: the page says it is printing, not waiting
    PrintBatch.objects.filter(pk=batch.pk).update(status="running", done=1)
    running = client.get(reverse("print_batch_status", args=[batch.uuid])).json()
    assert (running["state"], running["done"], running["percent"]) == ("Đang in", 1, 50)
    PrintBatch.objects.filter(pk=batch.pk).update(status="queued", done=0)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.done == 2 and batch.parts_done == 2
    page = client.get(reverse("print_batch", args=[batch.uuid]))
    assert "Tải tất cả (zip)" in page.content.decode()
    download = client.get(reverse("print_batch_download", args=[batch.uuid]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = sorted(archive.namelist())
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
    assert any("6a1" in n for n in names) and any("6a2" in n for n in names)
    assert "Trần Thị Bình" in flat(archive.read(next(n for n in names if "6a1" in n)))


def test_who_may_print_what(klass, login, client, other_world):
    world = klass
    login(world.math_teacher)  # a subject teacher: not the class's books, only their own teacher's book
    response = client.post(
        reverse("print_request"), {"kind": "class_book", "target": str(world.classroom.uuid)}
    )
    assert response.status_code == 403
    response = client.post(reverse("print_request"), {"kind": "register", "target": "all"})
    assert response.status_code == 403
    response = client.post(
        reverse("print_request"), {"kind": "teacher_book", "target": str(world.math_teacher.uuid)}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("print_request"), {"kind": "teacher_book", "target": str(world.literature_teacher.uuid)}
    )
    assert response.status_code == 403
    login(world.literature_teacher)  # the homeroom teacher of 6A1: its books, not 6A2's
    assert (
        client.post(
            reverse("print_request"), {"kind": "class_book", "target": str(world.classroom.uuid)}
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("print_request"), {"kind": "class_book", "target": str(world.other_classroom.uuid)}
        ).status_code
        == 403
    )
    assert client.post(reverse("print_request"), {"kind": "transcript", "target": "all"}).status_code == 403
    # another school's class is not found; nor is its batch or document
    assert (
        client.post(
            reverse("print_request"), {"kind": "class_book", "target": str(other_world.classroom.uuid)}
        ).status_code
        == 404
    )
    document = issue(
        Target(
            Kind.RESULTS_SUMMARY,
            other_world.school,
            other_world.year,
            classroom=other_world.classroom,
            period="HK1",
        ),
        user=None,
    )
    assert client.get(reverse("document_detail", args=[document.uuid])).status_code == 404
    assert client.get(reverse("document_file", args=[document.uuid])).status_code == 404
    assert PrintBatch.objects.filter(kind="class_book").count() == 1


# -- digital signatures --------------------------------------------------------------------------


def upload_certificate(client, world, p12=None, passphrase="mat-khau"):  # noqa: S107
    return client.post(
        reverse("certificate"),
        {
            "file": SimpleUploadedFile("truong.p12", p12 or make_p12(), "application/x-pkcs12"),
            "passphrase": passphrase,
        },
    )


def test_certificate_is_checked_and_kept_encrypted(world, login, client):
    login(world.math_teacher)
    assert upload_certificate(client, world).status_code == 403
    login(world.principal)
    response = upload_certificate(client, world, passphrase="sai")
    assert response.status_code == 400 and "mật khẩu" in response.content.decode()
    expired = make_p12(days=-1, start=-30)
    response = upload_certificate(client, world, p12=expired)
    assert "không còn hiệu lực" in response.content.decode()
    assert upload_certificate(client, world).status_code == 302
    certificate = signing.active_certificate(world.school)
    assert (
        certificate.subject.startswith("C=VN,CN=Trường THCS Thử Nghiệm A")
        or "Thử Nghiệm A" in certificate.subject
    )
    p12 = make_p12()
    assert p12 not in bytes(certificate.encrypted_pkcs12) and b"mat-khau" not in bytes(
        certificate.encrypted_passphrase
    )


def test_signing_in_turn_then_verification_and_one_changed_byte(klass, login, client, tmp_path, capsys):
    world = klass
    login(world.principal)
    upload_certificate(client, world)
    document, original = printed(world, Kind.CLASS_BOOK, classroom=world.classroom)
    sign_url = reverse("document_sign", args=[document.uuid])
    # the principal signs after the homeroom teacher, not before; the homeroom teacher after the
    # subject teachers, who sign their subjects' part first
    assert client.post(sign_url, {"password": "x"}).status_code == 403
    assert [title for _id, title in document.subject_signers] == [
        "Giáo viên môn học (Toán)",
        "Giáo viên môn học (Ngữ văn)",
    ]
    world.literature_teacher.set_password("Mat-khau-GVCN-1")
    world.literature_teacher.save()
    login(world.literature_teacher)
    assert client.post(sign_url, {"password": "Mat-khau-GVCN-1"}).status_code == 403  # Toán first
    subject_signatures = sign_subject_turns(document)
    assert [s.role_title for s in document.signatures.all()] == [t for _i, t in document.subject_signers]
    # the homeroom teacher: a wrong password signs nothing, the right one signs
    world.literature_teacher.set_password("Mat-khau-GVCN-1")
    world.literature_teacher.save()
    login(world.literature_teacher)
    response = client.post(sign_url, {"password": "sai-mat-khau"})
    assert response.status_code == 400 and "Mật khẩu không đúng" in response.content.decode()
    assert document.signatures.count() == subject_signatures
    assert client.post(sign_url, {"password": "Mat-khau-GVCN-1"}).status_code == 302
    document.refresh_from_db()
    first_signed = stored(document)
    # the principal, who has two-factor sign-in, confirms with the code too
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.principal, name="app", confirmed=True)
    world.principal.set_password("Mat-khau-HT-2026")
    world.principal.save()
    login(world.principal)
    response = client.post(sign_url, {"password": "Mat-khau-HT-2026", "otp_token": "000000"})
    assert response.status_code == 400 and document.signatures.count() == subject_signatures + 1
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a wrong code
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post(sign_url, {"password": "Mat-khau-HT-2026", "otp_token": code}).status_code == 302
    document.refresh_from_db()
    assert [s.signer_name for s in document.signatures.all()] == [
        world.math_teacher.full_name,
        world.literature_teacher.full_name,
        world.literature_teacher.full_name,
        world.principal.full_name,
    ]
    signed = stored(document)
    assert document.pdf_sha256 == hashlib.sha256(signed).hexdigest() != document.original_sha256
    # pyHanko validates both signatures, with the signers' names
    result = signing.verify_pdf(signed)
    assert result.ok and result.document == document
    assert [s.signer for s in result.signatures][-2:] == [
        world.literature_teacher.full_name,
        world.principal.full_name,
    ]
    assert all(s.intact and s.valid and s.trusted for s in result.signatures)
    assert result.signatures[-1].whole_file
    # each signer named by their own certificate
    assert [s.holder for s in result.signatures] == [
        f"{world.math_teacher.full_name} — {world.school.name}",
        f"{world.literature_teacher.full_name} — {world.school.name}",
        f"{world.literature_teacher.full_name} — {world.school.name}",
        f"{world.principal.full_name} — {world.school.name}",
    ]
    # the clerk's unsigned download and the homeroom teacher's revision: earlier versions, not forgeries
    for earlier, signer in ((original, world.math_teacher), (first_signed, world.principal)):
        old = signing.verify_pdf(earlier)
        assert old.status == old.EARLIER and not old.ok and old.document == document
        assert old.superseded_by.signer_name == signer.full_name
    # a PDF made outside the portal and signed with the school's own key: not issued by the portal
    from transcripts.pdf import render_pdf

    forged = signing.sign_pdf(
        render_pdf("transcripts/pdf_base.html", {}),
        signing.active_certificate(world.school),
        field_name="Sig1",
        name=world.principal.full_name,
        reason="Hiệu trưởng ký xác nhận",
        location="Hà Nội",
    )
    outside = signing.verify_pdf(forged)
    assert outside.signatures and outside.signatures[0].valid and outside.signatures[0].trusted
    assert outside.status == outside.NOT_ISSUED and not outside.ok and outside.document is None
    # one byte changed inside the signed content: not valid
    tampered = bytearray(signed)
    tampered[len(signed) // 3] ^= 0x01
    bad = signing.verify_pdf(bytes(tampered))
    assert not bad.ok and bad.document is None
    # the command says the same, with its exit status
    good_file, bad_file = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good_file.write_bytes(signed)
    bad_file.write_bytes(bytes(tampered))
    call_command("verify_pdf", str(good_file))
    assert "VALID" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_status:
        call_command("verify_pdf", str(bad_file))
    assert exit_status.value.code == 1 and "NOT VALID" in capsys.readouterr().out
    # the public upload page
    client.logout()
    page = client.post(
        reverse("verify_pdf"), {"file": SimpleUploadedFile("b.pdf", bytes(tampered), "application/pdf")}
    )
    assert "KHÔNG HỢP LỆ" in page.content.decode()
    page = client.post(
        reverse("verify_pdf"), {"file": SimpleUploadedFile("g.pdf", signed, "application/pdf")}
    )
    assert "HỢP LỆ: tệp là văn bản do hệ thống cấp" in page.content.decode()
    page = client.post(
        reverse("verify_pdf"), {"file": SimpleUploadedFile("o.pdf", original, "application/pdf")}
    )
    assert "PHIÊN BẢN CŨ" in page.content.decode() and world.math_teacher.full_name in page.content.decode()
    page = client.post(
        reverse("verify_pdf"), {"file": SimpleUploadedFile("f.pdf", forged, "application/pdf")}
    )
    assert "KHÔNG DO HỆ THỐNG CẤP" in page.content.decode()
    page = client.post(
        reverse("verify_pdf"), {"file": SimpleUploadedFile("x.pdf", b"not a pdf", "application/pdf")}
    )
    assert page.status_code == 200 and "không phải là tệp PDF" in page.content.decode()


def test_a_subject_teacher_cannot_sign_out_of_turn_and_each_signer_signs_in_their_own_name(
    klass, login, client
):
    world = klass
    document, _pdf = printed(world, Kind.RESULTS_SUMMARY, classroom=world.classroom, period="HK1")
    login(world.head)  # teaches Toán in another class: not a signer of this one
    assert client.post(reverse("document_sign", args=[document.uuid]), {"password": "x"}).status_code in (
        403,
        404,
    )
    world.math_teacher.set_password("Mat-khau-GVBM-1")
    world.math_teacher.save()
    login(world.math_teacher)  # Toán's teacher signs the subject's part first, in their own name
    assert (
        client.post(
            reverse("document_sign", args=[document.uuid]), {"password": "Mat-khau-GVBM-1"}
        ).status_code
        == 302
    )
    assert document.signatures.get().role_title == "Giáo viên môn học (Toán)"
    sign_subject_turns_after_first(document)
    world.literature_teacher.set_password("Mat-khau-GVCN-1")
    world.literature_teacher.save()
    login(world.literature_teacher)
    # no certificate uploaded: the school's authority in the portal issues one in the teacher's name
    response = client.post(reverse("document_sign", args=[document.uuid]), {"password": "Mat-khau-GVCN-1"})
    assert response.status_code == 302
    signature = document.signatures.order_by("-order").first()
    assert signature.role_title == "Giáo viên chủ nhiệm"
    assert signature.personal_certificate.user == world.literature_teacher and signature.certificate is None
    document.refresh_from_db()
    result = signing.verify_pdf(stored(document))
    assert all(s.trusted for s in result.signatures) and result.status == result.VALID
    assert result.signatures[0].holder == f"{world.math_teacher.full_name} — {world.school.name}"
    # the authority's key and the person's are kept encrypted, never in clear
    from transcripts.models import SchoolAuthority

    authority = SchoolAuthority.objects.get(school=world.school)
    assert b"PRIVATE KEY" not in bytes(authority.encrypted_pkcs12)
    assert bytes(authority.encrypted_pkcs12)[:4] == b"gAAA"  # a Fernet token
    # a teacher who signs again keeps the same certificate
    assert (
        signing.personal_certificate(world.literature_teacher, world.school) == signature.personal_certificate
    )


def sign_subject_turns_after_first(document):
    """The remaining subject teachers sign (the first one signed through the page)."""
    from accounts.models import User

    for user_id, _title in document.subject_signers[document.signatures.count() :]:
        signing.sign_document(document, User.objects.get(pk=user_id))


def test_public_check_of_a_paper_copy_reveals_no_student_data(klass, client):
    world = klass
    document, pdf = printed(world, Kind.TRANSCRIPT, student=world.student)
    # the QR code on every page carries the document's id and content hash
    qr_url = f"/verify/{document.uuid}/?h={document.content_hash}"
    page = client.get(qr_url).content.decode()
    assert "Văn bản này do hệ thống cấp" in page and "khớp" in page
    assert document.content_hash in page and world.school.name in page
    assert "Bình" not in page and "6A1" not in page
    forged = client.get(f"/verify/{document.uuid}/?h={'0' * 64}").content.decode()
    assert "KHÔNG khớp" in forged
    assert client.get(f"/verify/{uuid.uuid4()}/").status_code == 404


@pytest.mark.parametrize(
    "name, level, after_truong, after_level",
    [
        ("Trường THCS Lê Quý Đôn", "THCS", "THCS Lê Quý Đôn", "Lê Quý Đôn"),
        ("TRƯỜNG THPT Chu Văn An", "THPT", "THPT Chu Văn An", "Chu Văn An"),
        ("Trường Trung học cơ sở Nguyễn Du", "THCS", "Trung học cơ sở Nguyễn Du", "Nguyễn Du"),
        ("THCS Giảng Võ", "THCS", "THCS Giảng Võ", "Giảng Võ"),
        ("Trường PTDTBT THCS Mường Tè", "THCS", "PTDTBT THCS Mường Tè", "PTDTBT THCS Mường Tè"),
        ("Trường THCS", "THCS", "THCS", "THCS"),  # nothing after the level: the level stays
    ],
)
def test_cover_lines_do_not_repeat_the_words_of_the_form(name, level, after_truong, after_level):
    from accounts.models import School
    from transcripts.selectors import _after, _after_level

    assert _after(name, "Trường") == after_truong
    assert _after_level(School(name=name, level=level), level) == after_level


def test_a_class_batch_prints_each_student_the_hoc_ba_they_get_alone(klass):
    """Inside a batch the class's results are computed once, not once per student; every student's
    học bạ — a student who left the class included — is the same as printed alone."""
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    from gradebook.models import Enrolment
    from transcripts.documents import TEMPLATE, content
    from transcripts.selectors import shared_class_results

    world = klass
    Enrolment.objects.filter(pk=world.dung.pk).update(
        status=Enrolment.Status.DROPPED_OUT, end_date=timezone.localdate()
    )
    students = [
        e.student for e in Enrolment.objects.filter(classroom=world.classroom).select_related("student")
    ]

    def books():
        return [
            render_to_string(
                TEMPLATE[Kind.TRANSCRIPT],
                content(Target(Kind.TRANSCRIPT, world.school, world.year, student=s)),
            )
            for s in students
        ]

    with CaptureQueriesContext(connection) as alone_queries:
        alone = books()
    with shared_class_results(), CaptureQueriesContext(connection) as batch_queries:
        together = books()
    assert len(students) >= 4 and together == alone
    assert "Không được lên lớp" in together[[s.pk for s in students].index(world.dung.student_id)]
    assert len(batch_queries) < len(alone_queries) - 5 * (len(students) - 1)


def test_each_subject_teacher_finds_the_book_waiting_for_them_in_turn(klass, client):
    world = klass
    document, _pdf = printed(world, Kind.CLASS_BOOK, classroom=world.classroom)
    home = reverse("documents_home")
    for user in (world.math_teacher, world.literature_teacher):
        client.force_login(user)
        waiting = document.title in client.get(home).content.decode()
        assert waiting == (user == world.math_teacher), user  # Toán's teacher first
    sign_subject_turns(document)
    client.force_login(world.literature_teacher)  # now as the homeroom teacher, after both subject teachers
    assert document.signatures.count() == 2 and document.title in client.get(home).content.decode()


def test_a_worker_renders_with_one_fetcher_one_font_configuration_one_stylesheet(
    klass, monkeypatch, tmp_path
):
    """Each render used to build its own URL fetcher (an SSL context), load the forms' fonts and parse
    the documents' stylesheet: a worker thread now does each once, whatever it prints."""
    import threading

    from transcripts import pdf

    world = klass
    made = []
    real = pdf.data_only_fetcher
    monkeypatch.setattr(pdf, "data_only_fetcher", lambda: made.append(1) or real())
    monkeypatch.setattr(pdf, "_worker", threading.local())
    first = issue(
        Target(Kind.TRANSCRIPT, world.school, world.year, student=world.enrolment.student), user=None
    )
    shared = pdf.renderer()
    issue(Target(Kind.CLASS_BOOK, world.school, world.year, classroom=world.classroom), user=None)
    assert len(made) == 1 and pdf.renderer() is shared
    # another thread (a gunicorn thread printing a paper) has its own: Pango's objects stay in theirs
    other = []
    thread = threading.Thread(target=lambda: other.append(pdf.renderer()))
    thread.start()
    thread.join()
    assert len(made) == 2 and other[0] is not shared
    # the shared stylesheet carries the forms' fonts and page furniture: the text is set in them
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(stored(first))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    assert "SoDiem-Serif" in fonts and " no " not in fonts  # the forms’ own faces, every one embedded
    assert f"Trang {first.pages} / {first.pages}" in flat(
        stored(first)
    ) and "HƯỚNG DẪN SỬ DỤNG HỌC BẠ" in flat(stored(first))


# a student's own: enrolments, external years, guardians, transfer, signers (2), the document and its
# version, the batch's count (27 before the class's records were read once)
PER_STUDENT_QUERIES = 10


def test_a_class_batch_reads_the_class_once_not_once_per_student(klass):
    """A class's học bạ in one batch part: the results, the comments, retests, conduct, the summer
    sheet, the approval, awards and corrections are read once for the class; what grows with the
    students is their own profile and the stored document."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from transcripts.printing import print_part, start_batch

    world = klass
    ids = list(world.classroom.enrolments.order_by("student__sort_key").values_list("student_id", flat=True))
    assert len(ids) == 4
    batch = start_batch(world.clerk, world.school, world.year, Kind.TRANSCRIPT, classrooms=[world.classroom])

    def queries(students):
        with CaptureQueriesContext(connection) as captured:
            print_part.call(batch.pk, {"students": students, "period": "", "blank": False})
        return len(captured)

    two, four = queries(ids[:2]), queries(ids)
    per_student = (four - two) / 2
    assert per_student <= PER_STUDENT_QUERIES


@pytest.fixture
def two_years(db, settings, tmp_path):
    """A school in its second year: 7A1's students were in 6A1 last year, every score entered and the
    year approved (seed_demo --years 2)."""
    from accounts.models import School
    from gradebook.models import Classroom, SchoolYear

    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo", school_code="KEPT", size=170, years=2, verbosity=0)
    school = School.objects.get(code="KEPT")
    year = SchoolYear.objects.get(school=school, is_current=True)
    classroom = Classroom.objects.get(school_year=year, name="7A1")
    return school, year, classroom.enrolments.order_by("student__sort_key").first().student


def test_the_pages_that_read_the_same_are_kept_and_drawn_into_each_new_hoc_ba(
    two_years, monkeypatch, tmp_path
):
    """The cover, the guide, page 1 and the earlier year are laid out once; the next học bạ draws their
    kept pages over blank pages that carry its own page numbers, print time and QR code; what changes a
    closed year (a correction) changes what its pages say, and that year is laid out again."""
    from django.core.files.storage import default_storage

    from gradebook.models import Score
    from transcripts import kept_pages, pdf

    school, year, student = two_years
    laid_out = []
    real = pdf.layout
    monkeypatch.setattr(
        pdf, "layout", lambda html, **kw: laid_out.append(kw.get("furniture", True)) or real(html, **kw)
    )
    monkeypatch.setattr("transcripts.documents.layout", pdf.layout)
    target = Target(Kind.TRANSCRIPT, school, year, student=student)
    first = issue(target, user=None)
    # the cover, the guide, page 1 and the earlier year each alone, then the document
    assert laid_out == [False, False, False, False, True]
    folders = default_storage.listdir(kept_pages.PREFIX)[0]
    assert sum(len(default_storage.listdir(f"{kept_pages.PREFIX}/{f}")[1]) for f in folders) == 4

    second = issue(target, user=None)
    assert laid_out[5:] == [True]  # the kept pages served: the document alone is laid out
    assert first.pages == second.pages == 7 and first.content_hash == second.content_hash
    one, two = reading_order(stored(first)), reading_order(stored(second))
    assert f"Mã: {str(second.uuid)[:8]}" in two and f"Mã: {str(first.uuid)[:8]}" not in two
    for text in (one, two):  # the kept year is there in full, under this document's page numbers
        assert "Lớp: 6A1 Năm học: 2025 - 2026" in text and "Trang 4 / 7" in text and "Trang 5 / 7" in text
        assert "ngày 28 tháng 5 năm 2026" in text  # the earlier year's approval
    # the year's first score of Toán changed (as a correction applies it): laid out again, new value
    score = Score.objects.filter(
        enrolment__student=student,
        enrolment__classroom__school_year__start_year=2025,
        assignment__subject__code="toan",
        kind="regular",
        index=1,
        term="HK1",
    ).first()
    before = stored(second)
    Score.objects.filter(pk=score.pk).update(value=10 if score.value != 10 else 0)
    third = issue(target, user=None)
    assert laid_out[6:] == [False, True] and third.content_hash != second.content_hash
    assert reading_order(stored(third)) != reading_order(before)
    # the file is still the archive format, every font embedded
    path = tmp_path / "third.pdf"
    path.write_bytes(stored(third))
    info = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, check=True).stdout.decode()
    assert 'pdfaid:part="3" pdfaid:conformance="B"' in info
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    assert " no " not in fonts


def test_old_kept_pages_are_pruned_and_laid_out_again_when_needed(two_years, monkeypatch):
    """prune_kept_pages deletes what was not written for --days; the next học bạ lays those parts out
    again and prints the same."""
    import io as _io
    import os
    import time

    from django.core.files.storage import default_storage

    from transcripts import kept_pages

    school, year, student = two_years
    target = Target(Kind.TRANSCRIPT, school, year, student=student)
    first = issue(target, user=None)
    folders = default_storage.listdir(kept_pages.PREFIX)[0]
    files = [
        f"{kept_pages.PREFIX}/{f}/{n}"
        for f in folders
        for n in default_storage.listdir(f"{kept_pages.PREFIX}/{f}")[1]
    ]
    assert len(files) == 4
    old = time.time() - 401 * 86400
    os.utime(default_storage.path(files[0]), (old, old))  # one part kept for more than a school year
    out = _io.StringIO()
    call_command("prune_kept_pages", stdout=out)
    assert out.getvalue().strip() == "1 kept pages deleted" and not default_storage.exists(files[0])
    again = issue(target, user=None)
    assert default_storage.exists(files[0])  # laid out again, under the same name
    assert again.content_hash == first.content_hash and again.pages == first.pages
