"""The sealed year-end archive, retention, backup and restore."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from simple_history.utils import get_history_model_for_model

from archive import backup as backups
from archive import bundle, services
from archive.models import RetentionDecision, YearArchive
from gradebook.models import Enrolment, LeavingReason, Score, Student
from tests.factories import make_student
from tests.owner import owner_rights
from transcripts.selfsigned import self_signed_p12
from transcripts.signing import store_certificate


def _certificate(world):
    p12 = self_signed_p12(world.school.name, b"mat-khau")
    store_certificate(world.school, p12, "mat-khau", world.principal)


def _rezip(source: Path, target: Path, change) -> None:
    """A copy of the bundle with `change(name, data) -> data` applied to every member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, change(info.filename, old.read(info.filename)))


def test_the_year_archive_verifies_and_fails_after_one_changed_byte(klass, tmp_path, capsys):
    world = klass
    with pytest.raises(bundle.ArchiveError, match="chứng thư số"):
        bundle.build(world.year, world.clerk, tmp_path / "none.zip")
    _certificate(world)
    archive = YearArchive.objects.create(
        school=world.school, school_year=world.year, requested_by=world.clerk
    )
    assert services.run(archive) == YearArchive.Status.DONE, archive.error
    assert archive.counts == {"class_books": 2, "transcripts": 5, "xml": 2, "data": 21}
    path = tmp_path / "year.zip"
    with archive.file.open("rb") as f:
        path.write_bytes(f.read())
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("manifest.json"))
        assert {
            "pdf/so-theo-doi/6a1.pdf",
            "pdf/so-dang-bo.pdf",
            "data/hoc-ba/6a1.xml",
            "data/scores.json",
        } <= names
        assert "pdf/hoc-ba/6a1/02-tran-thi-binh.pdf" in names
        assert z.read("pdf/so-theo-doi/6a1.pdf").startswith(b"%PDF")
        scores = json.loads(z.read("data/scores.json"))
        assert len(scores) == Score.objects.filter(enrolment__classroom__school_year=world.year).count()
    assert manifest["school_year"] == "2026-2027" and len(manifest["files"]) == len(names) - 2

    result = bundle.verify(path)
    assert result.ok, result.errors
    assert result.checked == len(manifest["files"]) and world.school.name in result.signer
    call_command("verify_archive", str(path))
    assert "VALID" in capsys.readouterr().out

    # one byte of one PDF changed (the zip rewritten consistently): the hash says which file
    def flip(name, data):
        if name == "pdf/hoc-ba/6a1/02-tran-thi-binh.pdf":
            return data[:500] + bytes([data[500] ^ 1]) + data[501:]
        return data

    changed = tmp_path / "changed.zip"
    _rezip(path, changed, flip)
    result = bundle.verify(changed)
    assert not result.ok and result.signature_valid
    assert result.errors == [
        "pdf/hoc-ba/6a1/02-tran-thi-binh.pdf: mã băm SHA-256 khác bảng kê — tệp đã bị thay đổi"
    ]
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_archive", str(changed))
    assert exit_.value.code == 1

    # the list itself changed to match: the signature no longer holds
    def forge(name, data):
        if name == "manifest.json":
            forged = json.loads(data)
            forged["school_year"] = "2025-2026"
            return json.dumps(forged).encode()
        return data

    forged = tmp_path / "forged.zip"
    _rezip(path, forged, forge)
    result = bundle.verify(forged)
    assert not result.signature_valid and any("chữ ký số không khớp" in e for e in result.errors)

    # one byte of the file as stored on the disk: the CRC or the hash catches it
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("data/scores.json")
    raw[info.header_offset + 30 + len(info.filename) + 40] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    result = bundle.verify(damaged)
    assert not result.ok and any(e.startswith("data/scores.json") for e in result.errors)

    # an added file is reported
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("pdf/extra.pdf", b"%PDF-1.7")
    assert bundle.verify(path).errors == ["pdf/extra.pdf: tệp không có trong bảng kê"]


def test_the_archive_page_queues_the_build_and_is_for_the_office(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.math_teacher)
    assert client.get(reverse("archive_home")).status_code == 403
    client.force_login(world.clerk)
    response = client.post(reverse("archive_home"), {"school_year": world.year.pk})
    assert response.status_code == 400 and "chưa có chứng thư số" in response.content.decode()
    assert not YearArchive.objects.exists()
    _certificate(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("archive_home"), {"school_year": world.year.pk})
    assert response.status_code == 302
    archive = YearArchive.objects.get()
    assert archive.status == YearArchive.Status.QUEUED and archive.requested_by == world.clerk
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path="archive.services.build_archive").count() == 1
    assert client.get(reverse("archive_download", args=[archive.uuid])).status_code == 404  # not built yet
    response = client.post(reverse("archive_home"), {"school_year": 999999})
    assert response.status_code == 400 and "field-error" in response.content.decode()


def test_records_are_deleted_only_past_retention_and_with_the_principals_approval(world, client):
    old = make_student(world.school, "Đặng Văn Cũ", born=date(2005, 1, 1))
    old.left_on, old.leaving_reason = date(2020, 5, 31), LeavingReason.GRADUATED
    old.save()
    recent = make_student(world.school, "Ngô Thị Mới", born=date(2009, 1, 1))
    recent.left_on, recent.leaving_reason = date(2024, 5, 31), LeavingReason.TRANSFERRED_OUT
    recent.save()
    due = services.retention_due(world.school, today=date(2026, 11, 25))
    assert [d.student for d in due] == [old] and due[0].keep_until == date(2025, 5, 31)
    # not before the period ends, not by anyone but the principal, not a student still within it
    assert services.retention_due(world.school, today=date(2025, 5, 30)) == []
    with pytest.raises(PermissionDenied):
        services.delete_expired(world.admin_board, world.school, [old], decision_number="01/QĐ")
    with pytest.raises(services.RetentionError):
        services.delete_expired(world.principal, world.school, [recent], decision_number="01/QĐ")
    client.force_login(world.admin_board)
    page = client.get(reverse("archive_retention")).content.decode()
    assert "Đặng Văn Cũ" in page and 'name="students"' not in page
    assert client.post(reverse("archive_retention"), {"students": [str(old.uuid)]}).status_code == 403
    client.force_login(world.principal)
    response = client.post(
        reverse("archive_retention"), {"students": [str(old.uuid)], "decision_number": "07/QĐ-THCS"}
    )
    assert response.status_code == 400 and Student.objects.filter(pk=old.pk).exists()  # not confirmed
    response = client.post(
        reverse("archive_retention"),
        {"students": [str(old.uuid)], "decision_number": "07/QĐ-THCS", "confirm": "on"},
    )
    assert response.status_code == 302
    assert not Student.objects.filter(pk=old.pk).exists() and Student.objects.filter(pk=recent.pk).exists()
    assert not get_history_model_for_model(Student).objects.filter(id=old.pk).exists()
    # the period is the school's (at least 5 years, docs/workflows.md §8)
    response = client.post(reverse("archive_retention"), {"retention_years": "3"})
    assert response.status_code == 400 and "5" in response.content.decode()
    assert client.post(reverse("archive_retention"), {"retention_years": "10"}).status_code == 302
    world.school.refresh_from_db()
    assert world.school.retention_years == 10
    assert services.retention_due(world.school, today=date(2026, 11, 25)) == []
    decision = RetentionDecision.objects.get()
    assert decision.students[0]["name"] == "Đặng Văn Cũ" and decision.decided_by == world.principal


@pytest.mark.django_db(transaction=True)
def test_backup_drop_restore_gives_the_same_rows_and_content(tmp_path, settings):
    from tests.factories import SchoolWorld

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_ROOT = str(tmp_path / "media" / "private")
    evidence = Path(settings.PRIVATE_ROOT) / "evidence" / "bien-ban.pdf"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"%PDF-1.7 bien ban")
    world = SchoolWorld("Trường THCS Sao Lưu", "bk")
    Score.objects.create(
        assignment=world.math, enrolment=world.enrolment, term="HK1", kind="regular", index=1, value="7.5"
    )
    target = backups.backup(tmp_path / "backups")
    before = backups.table_fingerprints()
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["tables"] == before and before["gradebook_score"]["rows"] == 1
    # readable by its owner only: it holds password hashes and two-factor secrets
    assert target.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in target.iterdir()} == {0o600}
    # every chain was sealed for the backup, the seals are in the manifest
    assert {s["chain"] for s in manifest["seals"]} >= {world.school.pk}

    # the disaster: every table and the files gone (done by someone with the owner's rights)
    with owner_rights(), connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    evidence.unlink()
    report = backups.restore(target)
    assert report.ok, report.differences
    assert report.tables == len(before)
    assert backups.table_fingerprints() == before
    assert Enrolment.objects.get(pk=world.enrolment.pk).student.full_name == "Trần Thị Bình"
    assert evidence.read_bytes() == b"%PDF-1.7 bien ban"
    # the restored audit trail still verifies, and the integrity check passes
    call_command("check_integrity", backup=target)

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(target))
    # a manifest rewritten to match a changed dump is refused: its HMAC no longer verifies
    edited = json.loads((target / "manifest.json").read_text())
    edited["tables"]["gradebook_score"]["rows"] = 2
    (target / "manifest.json").write_text(json.dumps(edited))
    with pytest.raises(backups.BackupError, match="HMAC"):
        backups.restore(target)
    (target / "manifest.json").write_text(json.dumps(manifest))
    # a backup changed after the fact is refused before anything is touched
    dump = target / "database.dump"
    dump.write_bytes(dump.read_bytes() + b"x")
    with pytest.raises(backups.BackupError, match="SHA-256"):
        backups.restore(target)


def test_old_backups_are_pruned_but_nothing_else(tmp_path):
    for stamp in ("20270101-020000", "20270102-020000", "20270103-020000"):
        folder = tmp_path / f"sodiem-backup-{stamp}"
        folder.mkdir()
        (folder / "manifest.json").write_text("{}")
    (tmp_path / "sodiem-backup-notes").mkdir()  # not a backup: no manifest
    removed = backups.prune(tmp_path, keep=2)
    assert [p.name for p in removed] == ["sodiem-backup-20270101-020000"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "sodiem-backup-20270102-020000",
        "sodiem-backup-20270103-020000",
        "sodiem-backup-notes",
    ]
