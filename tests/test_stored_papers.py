"""The correction papers and the quality report are stored, signable documents like the books (page n / N,
print time, QR, PDF/A, each signer in their block, the seal last); one student's học bạ printed again."""

import pytest
from django.urls import reverse
from django.utils import timezone

from gradebook.models import Enrolment, StudentTransfer
from gradebook.services import corrections
from tests.factories import print_paper
from tests.test_correction_pages import body_of, pdf_text
from tests.test_corrections import RequestedCell, apply, png
from transcripts import signing
from transcripts.documents import turns
from transcripts.models import PrintBatch, PrintedDocument

pytestmark = pytest.mark.django_db


LONG_REASON = (
    "Khi cộng điểm bài kiểm tra ngày 20/10 tôi đã cộng sai phần tự luận câu 3 (được 2,0 điểm chứ không phải "
    "0,5 điểm) và nhập nhầm sang cột của bạn ngồi cạnh; bài làm gốc có chữ ký của học sinh và của tổ trưởng "
    "chuyên môn, kèm theo ảnh chụp trang sổ theo dõi của giáo viên để đối chiếu."
)


def request_with_a_long_reason(world):
    return corrections.request_correction(
        world.math_teacher,
        world.math,
        "HK1",
        [
            RequestedCell(str(world.enrolment.uuid), "tx1", "8"),
            RequestedCell(str(world.enrolment.uuid), "gk", "7"),
        ],
        reason=LONG_REASON,
        files=[png()],
    )


def test_the_request_is_one_stored_document_until_it_changes_then_each_cells_decision_shows(locked, login):
    world = locked
    assert len(LONG_REASON) > 250
    correction = request_with_a_long_reason(world)
    teacher = login(world.math_teacher)
    url = reverse("correction_request_pdf", args=[correction.uuid])
    page = teacher.get(url).content.decode()
    assert 'id="print-paper"' in page and not PrintedDocument.objects.exists()  # a GET writes nothing
    first = print_paper(teacher, url)
    text = pdf_text(first)
    document = PrintedDocument.objects.get(kind="correction_request", correction=correction)
    assert (
        f"Trang 1 / {document.pages}" in text and "In lúc" in text and f"Mã: {str(document.uuid)[:8]}" in text
    )
    assert " ".join(LONG_REASON.split()) in text  # the whole reason, never cut
    assert "7,0" in text and "6,0" in text  # what was entered, one decimal on paper
    assert text.count("Chưa quyết định") == 2
    # asked for again, unchanged: the same stored file, by GET or by printing again
    assert body_of(teacher.get(url)) == body_of(first)
    assert body_of(print_paper(teacher, url)) == body_of(first)
    assert PrintedDocument.objects.filter(kind="correction_request").count() == 1

    # the principal approves TX1 only: the paper changes, a new document shows each cell's decision
    tx1 = correction.items.get(kind="regular")
    corrections.decide_correction(
        world.principal, correction, approve=True, approved_items={tx1.pk}, note="TX1"
    )
    decided = pdf_text(print_paper(login(world.principal), url))
    assert "Đồng ý" in decided and "Không đồng ý" in decided and "Chưa quyết định" not in decided
    assert PrintedDocument.objects.filter(kind="correction_request").count() == 2
    paper = PrintedDocument.objects.filter(kind="correction_request").order_by("-printed_at").first()

    # signed in turn: the requester, the homeroom teacher, the principal, then the clerk's seal
    assert [t.title for t in turns(paper)] == [
        "Người đề nghị",
        "Giáo viên chủ nhiệm",
        "Hiệu trưởng",
        "Văn thư (đóng dấu)",
    ]
    assert {f"person-{world.math_teacher.pk}", "homeroom", "principal"} <= set(paper.signature_places)
    with pytest.raises(signing.SigningError):
        signing.sign_document(paper, world.principal)
    for user in (world.math_teacher, world.classroom.homeroom_teacher, world.principal, world.clerk):
        signing.sign_document(paper, user)
    paper.refresh_from_db()
    assert paper.complete
    with paper.file.open("rb") as f:
        result = signing.verify_pdf(f.read())
    assert result.ok and [s.holder.split(" — ")[0] for s in result.signatures] == [
        world.math_teacher.full_name,
        world.classroom.homeroom_teacher.full_name,
        world.principal.full_name,
        world.school.name,
    ]
    # the signed paper is what the page hands out now (its signatures on it)
    assert body_of(login(world.math_teacher).get(url)).startswith(b"%PDF")


def test_the_record_is_signed_by_those_present_and_sealed_and_the_log_keeps_the_whole_reason(locked, login):
    world = locked
    correction = request_with_a_long_reason(world)
    corrections.decide_correction(world.principal, correction, approve=True)
    correction.refresh_from_db()
    apply(world, correction, secretary="Phạm Thị Thư", witness_homeroom=world.classroom.homeroom_teacher)
    correction.refresh_from_db()
    client = login(world.principal)
    text = pdf_text(print_paper(client, reverse("correction_record_pdf", args=[correction.uuid])))
    record = PrintedDocument.objects.get(kind="correction_record", correction=correction)
    assert "BIÊN BẢN" in text and f"Trang {record.pages} / {record.pages}" in text
    assert "7,0" in text and "8,0" in text
    # everyone recorded as present signs, the chair last, then the seal
    assert [t.title for t in turns(record)] == [
        "Người đề nghị",
        "Quản trị hệ thống",
        "Giáo viên chủ nhiệm",
        "Chủ trì",
        "Văn thư (đóng dấu)",
    ]
    assert "GIÁO VIÊN CHỦ NHIỆM" in text
    homeroom = world.classroom.homeroom_teacher
    for user in (world.math_teacher, world.admin_board, homeroom, world.principal, world.clerk):
        signing.sign_document(record, user)
    record.refresh_from_db()
    assert record.complete
    # the seal over the chair's block
    assert "seal" in record.signature_places
    # the monthly log: the history keeps 100 characters of a reason, the log prints it whole
    log = pdf_text(
        client.get(reverse("correction_log_pdf"), {"month": timezone.localdate().strftime("%Y-%m")})
    )
    assert " ".join(LONG_REASON.split()) in log
    assert world.principal.full_name in log  # the approver by name


def test_the_quality_report_of_a_chosen_year_is_stored_with_its_transfers_in(world, login, other_world):
    # a student received from another school during the year
    newcomer = other_world.student
    enrolment = Enrolment.objects.create(
        student=newcomer, classroom=world.classroom, start_date=timezone.localdate(), status="studying"
    )
    StudentTransfer.objects.create(
        student=newcomer,
        kind="within",
        status="done",
        from_school=other_world.school,
        to_school=world.school,
        to_enrolment=enrolment,
        transfer_date=timezone.localdate(),
        requested_by=other_world.principal,
    )
    client = login(world.principal)
    url = reverse("quality_report_pdf")
    text = pdf_text(print_paper(client, url, {"year": world.year.start_year}))
    assert "CÔNG KHAI THÔNG TIN CHẤT LƯỢNG GIÁO DỤC" in text.upper()
    assert "Chuyển đến 1 1" in text
    report = PrintedDocument.objects.get(kind="quality_report")
    assert f"Trang 1 / {report.pages}" in text
    assert report.school_year == world.year
    assert client.post(url, {"year": "2019"}).status_code == 404
    assert client.post(url, {"year": "abc"}).status_code == 404
    assert client.get(url, {"year": other_world.year.start_year + 100}).status_code == 404
    signing.sign_document(report, world.principal)
    signing.sign_document(report, world.clerk)
    report.refresh_from_db()
    assert report.complete


def test_one_students_hoc_ba_is_printed_again_from_their_page(
    world, login, django_capture_on_commit_callbacks
):
    page = (
        login(world.math_teacher).get(reverse("student_detail", args=[world.student.uuid])).content.decode()
    )
    assert 'id="reprint-transcript"' not in page
    client = login(world.clerk)
    page = client.get(reverse("student_detail", args=[world.student.uuid])).content.decode()
    assert 'id="reprint-transcript"' in page
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("print_request"), {"kind": "transcript", "target": f"student:{world.student.uuid}"}
        )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert response["Location"].startswith("/documents/batches/"), response["Location"]
    batch = PrintBatch.objects.get()
    assert response.status_code == 302 and batch.total == 1 and batch.kind == "transcript"
    # a paper kind cannot be asked for through the books' form
    refused = client.post(reverse("print_request"), {"kind": "quality_report", "target": "all"})
    assert refused.status_code in (302, 400) and PrintBatch.objects.count() == 1
