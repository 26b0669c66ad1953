"""Sửa điểm: request with evidence → principal's decision → applied by the admin board, witnessed, the
period staying locked (docs/workflows.md §6)."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from audit.models import AuditEvent
from gradebook.models import AssessmentColumn, CorrectionEvidence, CorrectionRequest, Score, Term
from gradebook.services import corrections, locks
from gradebook.services.corrections import CorrectionError, RequestedCell
from gradebook.services.scores import CellChange, GridError, save_grid
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def png(name="so-diem.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def jpeg(name="bai-kiem-tra.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf(name="bai-kiem-tra.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")


def lock_term(world, term="HK1", **fields):
    lock = locks.decide_lock(
        world.principal,
        world.year,
        term=term,
        locked_at=timezone.now() - timedelta(minutes=1),
        decision_number="15/QĐ-THCS",
        decision_date=date(2026, 12, 28),
        **fields,
    )
    return locks.carry_out_lock(world.admin_board, lock)


def enter(world, **cells):
    changes = [CellChange(str(world.enrolment.uuid), column, value) for column, value in cells.items()]
    report = save_grid(world.math_teacher, world.math, "HK1", changes)
    assert report.by_status("saved")


def file_request(world, files=None, **cells):
    return corrections.request_correction(
        world.math_teacher,
        world.math,
        "HK1",
        [RequestedCell(str(world.enrolment.uuid), column, value) for column, value in cells.items()],
        reason="Nhập nhầm điểm của bài kiểm tra ngày 20/10",
        files=[png(), pdf()] if files is None else files,
    )


def apply(world, correction, **fields):
    fields.setdefault("witness_board", world.principal)
    fields.setdefault("requester_present", True)
    fields.setdefault("record_number", "01/BB-SĐ")
    return corrections.apply_correction(world.admin_board, correction, **fields)


def test_the_full_story_changes_only_the_approved_cell_and_leaves_the_period_locked(world):
    enter(world, tx1="7", tx2="6", gk="5")
    lock_term(world)
    with pytest.raises(GridError, match="khóa"):
        save_grid(
            world.math_teacher, world.math, "HK1", [CellChange(str(world.enrolment.uuid), "tx1", "8,5", 1)]
        )

    correction = file_request(world, tx1="8,5", tx2="9")
    assert correction.status == CorrectionRequest.Status.SUBMITTED
    assert [(i.kind, i.index, i.old_value, i.new_value) for i in correction.items.order_by("index")] == [
        ("regular", 1, Decimal("7.0"), Decimal("8.5")),
        ("regular", 2, Decimal("6.0"), Decimal("9.0")),
    ]
    tx1 = correction.items.get(index=1)
    corrections.decide_correction(
        world.principal, correction, approve=True, note="Đồng ý sửa cột TX1", approved_items={tx1.pk}
    )
    correction = apply(world, correction)

    scores = {s.index: s for s in Score.objects.filter(enrolment=world.enrolment, kind="regular")}
    assert scores[1].value == Decimal("8.5") and scores[1].version == 2
    assert scores[2].value == Decimal("6.0") and scores[2].version == 1  # not approved: unchanged
    last = scores[1].history.order_by("-history_id").first()
    assert last.history_user == world.admin_board
    assert last.correction_id == correction.pk
    assert "01/BB-SĐ" in last.history_change_reason
    assert last.prev_record.value == Decimal("7.0")
    assert correction.status == CorrectionRequest.Status.APPLIED
    assert correction.witness_board == world.principal and correction.requester_present

    # the lock is still in force: the grid refuses the teacher as before
    assert locks.active_lock(world.classroom, "HK1") is not None
    with pytest.raises(GridError, match="khóa"):
        save_grid(
            world.math_teacher, world.math, "HK1", [CellChange(str(world.enrolment.uuid), "tx1", "10", 2)]
        )
    steps = list(
        AuditEvent.objects.filter(object_id=str(correction.uuid))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert steps == ["correction_requested", "correction_approved", "correction_applied"]
    applied = AuditEvent.objects.get(object_id=str(correction.uuid), action="correction_applied")
    assert applied.details["cells"] == ["Trần Thị Bình ĐĐGtx 1: 7 → 8,5"]
    assert applied.details["witnesses"] == [
        world.principal.username,
        world.admin_board.username,
        world.math_teacher.username,
    ]


def test_a_rejected_request_changes_nothing_and_needs_a_reason(world):
    enter(world, tx1="7")
    lock_term(world)
    correction = file_request(world, tx1="8")
    with pytest.raises(CorrectionError) as refused:
        corrections.decide_correction(world.principal, correction, approve=False)
    assert "note" in refused.value.errors
    corrections.decide_correction(world.principal, correction, approve=False, note="Minh chứng không khớp")
    with pytest.raises(CorrectionError, match="duyệt"):
        apply(world, correction)
    score = Score.objects.get(enrolment=world.enrolment, kind="regular", index=1)
    assert score.value == Decimal("7.0") and score.version == 1
    assert score.history.count() == 1
    correction.refresh_from_db()
    assert (
        correction.status == CorrectionRequest.Status.REJECTED
        and correction.items.filter(approved=True).count() == 0
    )


def test_a_request_after_the_last_day_needs_the_principals_reason(world):
    enter(world, tx1="7")
    lock_term(world)
    # the end-of-term tests start in 3 days: the last day for corrections (7 days before) has passed
    Term.objects.filter(school_year=world.year, code="HK1").update(
        final_tests_from=timezone.localdate() + timedelta(days=3)
    )
    correction = file_request(world, tx1="8")
    assert correction.late
    assert correction.deadline == timezone.localdate() - timedelta(days=4)
    with pytest.raises(CorrectionError) as refused:
        corrections.decide_correction(world.principal, correction, approve=True)
    assert "04" not in refused.value.errors  # keyed by field
    assert "late_override_reason" in refused.value.errors
    corrections.decide_correction(
        world.principal, correction, approve=True, late_override_reason="Sai sót phát hiện khi chấm lại"
    )
    apply(world, correction)
    assert Score.objects.get(enrolment=world.enrolment, kind="regular", index=1).value == Decimal("8")


def test_the_class_subjects_own_final_test_day_sets_the_deadline(world):
    Term.objects.filter(school_year=world.year, code="HK1").update(final_tests_from=date(2026, 12, 28))
    AssessmentColumn.objects.create(
        assignment=world.math, term="HK1", kind="final", index=1, held_on=date(2026, 12, 21)
    )
    assert corrections.correction_deadline(world.math, "HK1") == date(2026, 12, 14)
    assert corrections.correction_deadline(world.literature, "HK1") == date(2026, 12, 21)
    world.school.correction_days_before_final = 10
    world.school.save()
    world.math.refresh_from_db()
    assert corrections.correction_deadline(world.math, "HK1") == date(2026, 12, 11)


def test_a_request_before_the_last_day_is_on_time(world):
    enter(world, tx1="7")
    lock_term(world)
    Term.objects.filter(school_year=world.year, code="HK1").update(
        final_tests_from=timezone.localdate() + timedelta(days=7)
    )
    correction = file_request(world, tx1="8")
    assert not correction.late
    corrections.decide_correction(world.principal, correction, approve=True)


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("so-diem.png", b"this is a text file pretending", "image/png"), "JPEG, PNG"),
        (SimpleUploadedFile("bai.exe", b"MZ\x90\x00\x03", "application/octet-stream"), "JPEG, PNG"),
        (pdf("bai-kiem-tra.jpg"), "không khớp"),  # a PDF named .jpg
        (png("so-diem.pdf"), "không khớp"),
        (SimpleUploadedFile("hong.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "image/png"), "hỏng"),
        (SimpleUploadedFile("rong.pdf", b"", "application/pdf"), "rỗng"),
    ],
)
def test_evidence_must_be_a_real_photo_or_scan(world, upload, message):
    enter(world, tx1="7")
    lock_term(world)
    with pytest.raises(CorrectionError) as refused:
        file_request(world, files=[jpeg(), upload], tx1="8")
    assert message in refused.value.errors["evidence"]
    assert not CorrectionRequest.objects.exists() and not CorrectionEvidence.objects.exists()


def test_oversized_evidence_is_refused(world, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    enter(world, tx1="7")
    lock_term(world)
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024), "application/pdf")
    with pytest.raises(CorrectionError) as refused:
        file_request(world, files=[big], tx1="8")
    assert "1 MB" in refused.value.errors["evidence"]


def test_evidence_is_required_and_stored_privately_under_a_random_name(world, settings):
    enter(world, tx1="7")
    lock_term(world)
    with pytest.raises(CorrectionError) as refused:
        file_request(world, files=[], tx1="8")
    assert "minh chứng" in refused.value.errors["evidence"]
    correction = file_request(world, tx1="8")
    stored = list(correction.evidence.all())
    assert [e.original_name for e in stored] == ["so-diem.png", "bai-kiem-tra.pdf"]
    for evidence in stored:
        assert evidence.file.path.startswith(str(settings.PRIVATE_ROOT))
        assert "so-diem" not in evidence.file.name and "bai-kiem-tra" not in evidence.file.name
        with pytest.raises(ValueError):
            evidence.file.url  # noqa: B018 — no URL can reach it


def test_only_locked_cells_of_ones_own_class_subject_can_be_requested(world):
    enter(world, tx1="7")
    with pytest.raises(CorrectionError) as refused:
        file_request(world, tx1="8")  # nothing is locked: the grid takes the change
    assert "bảng điểm" in refused.value.errors[f"{world.enrolment.uuid}:tx1"]
    lock_term(world)
    with pytest.raises(PermissionDenied):
        corrections.request_correction(
            world.literature_teacher,
            world.math,
            "HK1",
            [RequestedCell(str(world.enrolment.uuid), "tx1", "8")],
            reason="x",
            files=[png()],
        )
    with pytest.raises(CorrectionError) as refused:
        file_request(world, tx1="7")
    assert "đã nhập" in refused.value.errors[f"{world.enrolment.uuid}:tx1"]
    with pytest.raises(CorrectionError) as refused:
        file_request(world, tx1="11")
    assert "10" in refused.value.errors[f"{world.enrolment.uuid}:tx1"]
    file_request(world, tx1="8")
    with pytest.raises(CorrectionError) as refused:
        file_request(world, tx1="9")
    assert "đang chờ" in refused.value.errors[f"{world.enrolment.uuid}:tx1"]


def test_a_month_lock_makes_only_its_columns_correctable(world):
    AssessmentColumn.objects.create(
        assignment=world.math, term="HK1", kind="regular", index=1, held_on=date(2026, 10, 10)
    )
    AssessmentColumn.objects.create(
        assignment=world.math, term="HK1", kind="regular", index=2, held_on=date(2026, 11, 10)
    )
    enter(world, tx1="7", tx2="6")
    lock_term(world, term="month", month_end=date(2026, 10, 31))
    assert corrections.locked_columns(world.math, "HK1") == {"tx1"}
    correction = file_request(world, tx1="8")
    with pytest.raises(CorrectionError):
        file_request(world, tx2="8")
    assert correction.items.count() == 1


def test_each_step_belongs_to_its_role(world, other_world):
    enter(world, tx1="7")
    lock_term(world)
    correction = file_request(world, tx1="8")
    vice = make_user("pht_a", "Phan Văn Phó", school=world.school, roles=[Role.VICE_PRINCIPAL])
    for user in (world.math_teacher, world.admin_board, world.clerk, vice):
        with pytest.raises(PermissionDenied):
            corrections.decide_correction(user, correction, approve=True)
    with pytest.raises(Http404):
        corrections.decide_correction(other_world.principal, correction, approve=True)
    corrections.decide_correction(world.principal, correction, approve=True)
    for user in (world.math_teacher, world.principal, world.clerk):
        with pytest.raises(PermissionDenied):
            corrections.apply_correction(
                user, correction, witness_board=world.principal, requester_present=True, record_number="1"
            )
    with pytest.raises(CorrectionError, match="đã được quyết định"):
        corrections.decide_correction(world.principal, correction, approve=False, note="x")


def test_the_change_must_be_witnessed(world):
    enter(world, tx1="7")
    lock_term(world)
    correction = file_request(world, tx1="8")
    corrections.decide_correction(world.principal, correction, approve=True)
    with pytest.raises(CorrectionError) as refused:
        apply(world, correction, witness_board=world.math_teacher, requester_present=False, record_number=" ")
    assert set(refused.value.errors) == {"witness_board", "requester_present", "record_number"}
    assert Score.objects.get(enrolment=world.enrolment, kind="regular", index=1).value == Decimal("7")
    vice = make_user("pht_a", "Phan Văn Phó", school=world.school, roles=[Role.VICE_PRINCIPAL])
    apply(
        world,
        correction,
        witness_board=vice,
        witness_homeroom=world.literature_teacher,
        secretary="Đỗ Thị Văn",
    )
    assert Score.objects.get(enrolment=world.enrolment, kind="regular", index=1).value == Decimal("8")


def test_a_cell_changed_after_the_request_is_not_overwritten(world):
    enter(world, tx1="7")
    lock = lock_term(world)
    correction = file_request(world, tx1="8")
    corrections.decide_correction(world.principal, correction, approve=True)
    # a reopening lets the teacher change the cell meanwhile
    reopening = locks.decide_reopening(
        world.principal,
        lock,
        purpose="Bổ sung điểm",
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(hours=1),
        decision_number="16/QĐ-THCS",
        decision_date=date(2026, 12, 29),
    )
    locks.carry_out_reopening(world.admin_board, reopening)
    save_grid(
        world.math_teacher,
        world.math,
        "HK1",
        [CellChange(str(world.enrolment.uuid), "tx1", "9", 1)],
        reason="chấm lại",
    )
    with pytest.raises(CorrectionError, match="thay đổi sau khi"):
        apply(world, correction)
    assert Score.objects.get(enrolment=world.enrolment, kind="regular", index=1).value == Decimal("9")


def test_the_record_number_is_unique_in_the_year(world):
    enter(world, tx1="7", tx2="6")
    lock_term(world)
    first = file_request(world, tx1="8")
    corrections.decide_correction(world.principal, first, approve=True)
    assert corrections.suggested_record_number(first) == "01/BB-SĐ"
    apply(world, first)
    second = file_request(world, tx2="5")
    corrections.decide_correction(world.principal, second, approve=True)
    assert corrections.suggested_record_number(second) == "02/BB-SĐ"
    with pytest.raises(CorrectionError) as refused:
        apply(world, second)
    assert "record_number" in refused.value.errors
