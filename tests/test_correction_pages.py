"""The correction screens, the printed forms (request, record, monthly log) and the audit page."""

import io
import os
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from gradebook.models import CorrectionRequest, PeriodLock, Score
from gradebook.services import corrections
from gradebook.services.scores import CellChange, save_grid
from tests.factories import print_paper
from tests.test_corrections import file_request, lock_term, pdf, png

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    body = body_of(response)
    assert body.startswith(b"%PDF-")
    if os.environ.get("SODIEM_DUMP_PDF"):  # to look at them: SODIEM_DUMP_PDF=/tmp/pdfs pytest …
        folder = Path(os.environ["SODIEM_DUMP_PDF"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{len(list(folder.iterdir())):02d}.pdf").write_bytes(body)
    out = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def body_of(response) -> bytes:
    """The PDF of a response, read once (a stored document is streamed)."""
    if not hasattr(response, "body_read"):
        response.body_read = b"".join(response.streaming_content) if response.streaming else response.content
    return response.body_read


def pages(response) -> int:
    out = subprocess.run(["pdfinfo", "-"], input=body_of(response), capture_output=True, check=True)
    info = dict(line.split(":", 1) for line in out.stdout.decode().splitlines() if ":" in line)
    return int(info["Pages"]), info["Page size"].strip()


def cell(world, column="tx1"):
    return f"cell:{world.enrolment.uuid}:{column}"


def test_the_locked_grid_leads_the_teacher_to_a_request(locked, login):
    client = login(locked.math_teacher)
    page = client.get(reverse("grid", args=[locked.math.uuid, "HK1"])).content.decode()
    assert reverse("correction_new", args=[locked.math.uuid, "HK1"]) in page
    other = login(locked.literature_teacher).get(reverse("grid", args=[locked.math.uuid, "HK1"]))
    assert reverse("correction_new", args=[locked.math.uuid, "HK1"]) not in other.content.decode()


def test_a_refused_request_keeps_what_was_typed_and_says_why_next_to_the_cell(locked, login):
    client = login(locked.math_teacher)
    url = reverse("correction_new", args=[locked.math.uuid, "HK1"])
    page = client.get(url).content.decode()
    assert f'name="{cell(locked)}"' in page
    response = client.post(url, {cell(locked): "12", cell(locked, "gk"): "6,5", "reason": "Nhập nhầm"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="12"' in page and 'value="6,5"' in page and "Nhập nhầm" in page
    assert "Điểm không được lớn hơn 10" in page or "0 đến 10" in page
    assert "Đính kèm minh chứng" in page
    assert not CorrectionRequest.objects.exists()


def test_the_story_through_the_pages_and_the_printed_forms(locked, login, client):
    teacher = login(locked.math_teacher)
    response = teacher.post(
        reverse("correction_new", args=[locked.math.uuid, "HK1"]),
        {
            cell(locked): "8,5",
            cell(locked, "gk"): "6,5",
            "reason": "Cộng sai điểm bài kiểm tra",
            "evidence": [png(), pdf()],
        },
    )
    correction = CorrectionRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "correction_detail", args=[correction.uuid]
    )

    evidence = correction.evidence.get(original_name="so-diem.png")
    url = reverse("correction_evidence", args=[correction.uuid, evidence.pk])
    shown = teacher.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert b"".join(shown.streaming_content).startswith(b"\x89PNG")

    request_pdf = pdf_text(print_paper(teacher, reverse("correction_request_pdf", args=[correction.uuid])))
    for text in (
        "GIẤY ĐỀ NGHỊ THAY ĐỔI THÔNG TIN",
        "Kính gửi: Hiệu trưởng",
        "Trần Thị Bình",
        "ĐĐGtx 1",
        "ĐĐGgk",
        "Cộng sai điểm bài kiểm tra",
        "Vũ Văn Toán",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    ):
        assert text in request_pdf, text

    # the principal approves the TX1 cell only
    principal = client
    principal.force_login(locked.principal)
    page = principal.get(reverse("correction_detail", args=[correction.uuid])).content.decode()
    assert 'id="decide-form"' in page
    tx1 = correction.items.get(kind="regular")
    response = principal.post(
        reverse("correction_decide", args=[correction.uuid]),
        {"decision": "approve", "items": [tx1.pk], "note": "Đồng ý sửa TX1"},
    )
    assert response.status_code == 302

    # the admin board forgets a witness, then makes the change
    principal.force_login(locked.admin_board)
    apply_url = reverse("correction_apply", args=[correction.uuid])
    response = principal.post(apply_url, {"record_number": "07/BB-SĐ", "secretary": "Phạm Thị Thư"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Chọn thành viên Ban giám hiệu" in page and "Người đề nghị phải có mặt" in page
    assert 'value="07/BB-SĐ"' in page
    response = principal.post(
        apply_url,
        {
            "witness_board": locked.principal.pk,
            "requester_present": "on",
            "witness_homeroom": locked.literature_teacher.pk,
            "secretary": "Phạm Thị Thư",
            "record_number": "07/BB-SĐ",
        },
    )
    assert response.status_code == 302
    assert Score.objects.get(enrolment=locked.enrolment, kind="regular", index=1).value == Decimal("8.5")
    assert Score.objects.get(enrolment=locked.enrolment, kind="midterm").value == Decimal("6")
    history = Score.objects.get(enrolment=locked.enrolment, kind="regular", index=1).history.first()
    assert history.ip_address == "127.0.0.1" and history.correction_id == correction.pk

    record = print_paper(principal, reverse("correction_record_pdf", args=[correction.uuid]))
    assert pages(record)[1].startswith("595") and pages(record)[1].endswith("pts (A4)")
    text = pdf_text(record)
    for expected in (
        "BIÊN BẢN",
        "Số: 07/BB-SĐ",
        "Chủ trì: Nguyễn Thị Hiệu — Hiệu trưởng",
        "Ban quản trị hệ thống: Lê Văn Quản",
        "Người đề nghị: Vũ Văn Toán",
        "Thư ký: Phạm Thị Thư",
        "Đồng ý sửa TX1",
        "Trần Thị Bình",
        "8,5",
        "hệ thống đã khóa lại lúc",
        "Các nội dung không được phê duyệt, không điều chỉnh: Trần Thị Bình (ĐĐGgk)",
        "THƯ KÝ",
        "QUẢN TRỊ HỆ THỐNG",
        "CHỦ TRÌ",
    ):
        assert expected in text, expected

    log = principal.get(reverse("correction_log_pdf"), {"month": timezone.localdate().strftime("%Y-%m")})
    assert pages(log)[1].startswith("841.89 x 595")  # A4 landscape
    text = pdf_text(log)
    assert "NHẬT KÝ SỬA ĐIỂM" in text
    assert "Lê Văn Quản" in text and "07/BB-SĐ" in text and "Nguyễn Thị Hiệu" in text
    assert "7,0 8,5" in text  # old, new, one decimal on paper
    printed = AuditEvent.objects.filter(action="pdf").values_list("details__form", flat=True)
    assert sorted(printed) == ["correction_log", "correction_record", "correction_request"]
    assert AuditEvent.objects.filter(action="evidence_viewed", actor=locked.math_teacher).count() == 1


def test_a_late_request_is_approved_only_with_the_reason_typed_next_to_its_field(locked, login):
    locked.year.terms.filter(code="HK1").update(final_tests_from=timezone.localdate())
    correction = file_request(locked, tx1="8")
    client = login(locked.principal)
    response = client.post(
        reverse("correction_decide", args=[correction.uuid]), {"decision": "approve", "note": "ok"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "ghi rõ lý do cho phép sửa" in page and 'name="late_override_reason"' in page
    correction.refresh_from_db()
    assert correction.status == "submitted"


def test_evidence_and_requests_are_kept_from_the_wrong_people(locked, login, other_world):
    correction = file_request(locked, tx1="8")
    evidence = correction.evidence.first()
    urls = [
        reverse("correction_detail", args=[correction.uuid]),
        reverse("correction_evidence", args=[correction.uuid, evidence.pk]),
        reverse("correction_request_pdf", args=[correction.uuid]),
    ]
    for user, status in (
        (locked.literature_teacher, 403),
        (locked.clerk, 403),
        (locked.parent, 403),
        (other_world.principal, 404),
    ):
        client = login(user)
        for url in urls:
            assert client.get(url).status_code == status, (user, url)
    for user in (locked.principal, locked.admin_board, locked.math_teacher):
        assert login(user).get(urls[1]).status_code == 200
    teacher = login(locked.math_teacher)
    assert (
        teacher.post(
            reverse("correction_decide", args=[correction.uuid]), {"decision": "approve"}
        ).status_code
        == 403
    )
    assert teacher.get(reverse("correction_log_pdf")).status_code == 403
    assert teacher.get(reverse("audit_trail")).status_code == 403
    assert teacher.get(reverse("audit_export")).status_code == 403


def test_the_audit_page_filters_changes_and_exports_them(world, login):
    save_grid(
        world.literature_teacher, world.literature, "HK1", [CellChange(str(world.enrolment.uuid), "tx1", "5")]
    )
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [CellChange(str(world.enrolment.uuid), "tx1", "7"), CellChange(str(world.enrolment.uuid), "gk", "6")],
    )
    lock_term(world)
    locked = world
    client = login(locked.admin_board)
    page = client.get(reverse("audit_trail")).content.decode()
    assert "Vũ Văn Toán" in page and "Đỗ Thị Văn" in page
    page = client.get(reverse("audit_trail"), {"teacher": locked.literature_teacher.pk}).content.decode()
    assert "Ngữ văn" in page and "Toán</td>" not in page
    page = client.get(
        reverse("audit_trail"), {"student": "Bình", "subject": locked.math.subject_id}
    ).content.decode()
    assert "Toán" in page and "Ngữ văn</td>" not in page
    page = client.get(reverse("audit_trail"), {"student": "Không Có"}).content.decode()
    assert "Không có dòng nào" in page
    page = client.get(
        reverse("audit_trail"), {"date_from": "31/12/2026", "date_to": "01/12/2026"}
    ).content.decode()
    assert "trước ngày bắt đầu" in page
    page = client.get(
        reverse("audit_trail"), {"tab": "events", "action": "lock_carried_out"}
    ).content.decode()
    assert "Lê Văn Quản" in page

    export = client.get(reverse("audit_export"), {"teacher": locked.math_teacher.pk})
    workbook = load_workbook(io.BytesIO(export.content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Thời gian"
    assert {(r[5], r[4], r[7], r[9]) for r in rows[1:]} == {
        ("Trần Thị Bình", "Toán", "ĐĐGtx 1", "7,0"),
        ("Trần Thị Bình", "Toán", "ĐĐGgk", "6,0"),
    }
    assert AuditEvent.objects.filter(action="export", actor=locked.admin_board).exists()


def test_history_rows_say_which_ip_made_the_change(world, login):
    client = login(world.principal)
    client.post(
        reverse("lock_list"),
        {
            "term": "HK1",
            "scope": "school",
            "locked_at": (timezone.localtime() + timedelta(days=3)).strftime("%d/%m/%Y %H:%M"),
            "decision_number": "20/QĐ-THCS",
            "decision_date": timezone.localdate().strftime("%d/%m/%Y"),
        },
        REMOTE_ADDR="10.1.2.3",
    )
    lock = PeriodLock.objects.get()
    assert lock.history.get().ip_address == "10.1.2.3"


def test_the_grid_months_log_lists_a_changed_saved_score_with_its_reason(world, login):
    change = CellChange(str(world.enrolment.uuid), "tx1", "7")
    save_grid(world.math_teacher, world.math, "HK1", [change])
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [CellChange(str(world.enrolment.uuid), "tx1", "9", 1)],
        reason="Chấm lại",
    )
    text = pdf_text(
        login(world.principal).get(
            reverse("correction_log_pdf"),
            {"month": timezone.localdate().strftime("%Y-%m"), "teacher": str(world.math_teacher.uuid)},
        )
    )
    assert "Giáo viên: Vũ Văn Toán" in text
    assert "Chấm lại" in text and "7,0 9,0" in text
    assert text.count("Trần Thị Bình") == 1  # the first entry is not a correction
    assert corrections.CorrectionRequest.objects.count() == 0


def test_refused_access_and_exports_are_audit_events(world, login):
    teacher = login(world.literature_teacher)
    assert teacher.get(reverse("audit_trail")).status_code == 403
    refused = AuditEvent.objects.get(action="access_denied")
    assert refused.actor == world.literature_teacher and refused.details["path"] == reverse("audit_trail")
    assert refused.school == world.school
    math = login(world.math_teacher)
    assert math.get(reverse("grid_excel", args=[world.math.uuid, "HK1"])).status_code == 200
    export = AuditEvent.objects.get(action="export")
    assert export.details == {"what": "grid", "term": "HK1"} and export.object_id == str(world.math.uuid)


def test_exports_hold_no_formula_typed_by_a_user(world, login):
    """Formula injection: a comment or a reason starting with "=" is exported as text."""
    payload = '=HYPERLINK("http://evil.example","Bấm")'
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [
            CellChange(str(world.enrolment.uuid), "tx1", "7"),
            CellChange(str(world.enrolment.uuid), "comment", payload),
        ],
    )
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [CellChange(str(world.enrolment.uuid), "tx1", "8", 1)],
        reason=payload,
    )
    grid = login(world.math_teacher).get(reverse("grid_excel", args=[world.math.uuid, "HK1"]))
    audit = login(world.admin_board).get(reverse("audit_export"))
    for response in (grid, audit):
        workbook = load_workbook(io.BytesIO(response.content))
        cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value]
        assert any(c.value == payload for c in cells)  # the text is there, as text
        assert not any(c.data_type == "f" for c in cells)
