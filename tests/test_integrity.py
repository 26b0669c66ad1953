"""The trail is tamper-evident (docs/integrity.md): every history table and the audit events are
append-only for the application's role, hash-chained per school by PostgreSQL, sealed outside the
database, and the current rows are checked against their trail. Each attack is played with the owner's
rights, the worst case: someone with full database access."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from audit import chain, seals
from audit.chain import chained_tables, link_hash_sql, table_columns
from audit.models import AuditEvent, ChainLink, ChainSeal, IntegrityCheck
from audit.services import record
from audit.verify import verify_chain
from gradebook.models import (
    Absence,
    AssessmentColumn,
    AttendanceMonth,
    Award,
    ConductResult,
    CorrectionItem,
    CorrectionRequest,
    DataCheck,
    DisciplineNote,
    Exemption,
    ExternalYearRecord,
    LockReopening,
    PeriodLock,
    ResultsApproval,
    Score,
    StudentTransfer,
    SubjectComment,
)
from tests.owner import owner_rights

pytestmark = pytest.mark.django_db
TABLES = [t.table for t in chained_tables()]


def every_table_written(world) -> None:
    """One row in every chained table, written the application's way (history by the signals)."""
    now = timezone.now()
    enrolment, math = world.enrolment, world.math
    Score.objects.create(assignment=math, enrolment=enrolment, term="HK1", kind="regular", index=1, value=8)
    SubjectComment.objects.create(assignment=math, enrolment=enrolment, term="HK1", text="Chăm chỉ")
    AssessmentColumn.objects.create(
        assignment=math, term="HK1", kind="regular", index=1, held_on=date(2026, 9, 20)
    )
    Exemption.objects.create(enrolment=enrolment, subject=world.subjects[2], scope="HK1", reason="Đau chân")
    ConductResult.objects.create(enrolment=enrolment, period="HK1", level="Tốt")
    Absence.objects.create(enrolment=enrolment, date=date(2026, 10, 5), excused=True, reason="Ốm")
    DisciplineNote.objects.create(
        enrolment=enrolment, date=date(2026, 10, 6), text="Đi muộn", recorded_by=world.literature_teacher
    )
    Award.objects.create(
        enrolment=enrolment,
        title="Giấy khen",
        reason="Giúp bạn",
        date=date(2026, 10, 7),
        proposed_by=world.literature_teacher,
    )
    AttendanceMonth.objects.create(
        classroom=world.classroom,
        month=date(2026, 9, 1),
        confirmed_by=world.literature_teacher,
        confirmed_at=now,
    )
    ResultsApproval.objects.create(
        classroom=world.classroom,
        period="HK1",
        status="submitted",
        submitted_by=world.literature_teacher,
        submitted_at=now,
    )
    lock = PeriodLock.objects.create(
        school_year=world.year, term="HK1", locked_at=now, decided_by=world.principal
    )
    LockReopening.objects.create(lock=lock, purpose="Thi lại", starts_at=now, ends_at=now + timedelta(days=1))
    request = CorrectionRequest.objects.create(
        assignment=math, term="HK1", requested_by=world.math_teacher, requested_at=now, reason="Nhầm"
    )
    CorrectionItem.objects.create(
        request=request, enrolment=enrolment, kind="regular", index=1, old_value=8, new_value=9
    )
    StudentTransfer.objects.create(
        student=world.other_student, kind="out", transfer_date=date(2026, 11, 1), requested_by=world.principal
    )
    ExternalYearRecord.objects.create(
        student=world.student,
        start_year=2025,
        grade=6,
        class_name="6A",
        school_name="THCS Cũ",
        source="entered",
        created_by=world.admin_board,
    )
    DataCheck.objects.create(classroom=world.classroom, opened_by=world.literature_teacher)
    record(AuditEvent.Action.EXPORT, actor=world.principal, school=world.school, rows=1)
    world.school.phone = "024 3838 0000"
    world.school.save()


@pytest.fixture
def full_world(world):
    every_table_written(world)
    return world


def report_of(world, **kwargs):
    return verify_chain(world.school.pk, **kwargs)


def found(report, kind: str, table: str, row=None) -> bool:
    return any(
        p.kind == kind and p.table == table and (row is None or p.row == str(row)) for p in report.problems
    )


def linked_row(table: str, school) -> int:
    """The newest row of `table` a link of the school's chain names."""
    link = ChainLink.objects.filter(chain=school.pk, table_name=table, kind="insert").order_by("-seq").first()
    assert link is not None, f"no link of {table} in the school's chain"
    return max(link.row_ids)


def pk_of(table: str) -> str:
    return next(t.pk_column for t in chained_tables() if t.table == table)


def owner_sql(*statements, params=None):
    """Run statements with the owner's rights, the guards lifted the way an owner can."""
    with owner_rights(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)


def lifted(table: str, statement: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" DISABLE TRIGGER audit_guard',
        statement,
        f'ALTER TABLE "{table}" ENABLE TRIGGER audit_guard',
    ]


# --- the guards --------------------------------------------------------------------------------------


def test_every_history_table_and_the_audit_events_are_chained():
    from simple_history.models import registered_models

    assert "audit_auditevent" in TABLES
    for model in registered_models.values():
        assert model.history.model._meta.db_table in TABLES, model


def test_the_application_role_cannot_change_remove_or_truncate_the_trail(full_world):
    refused = []
    for table in TABLES + ["audit_chainlink", "audit_chainseal", "audit_chainlayout"]:
        for statement in (
            f'UPDATE "{table}" SET "{pk_of(table) if table in TABLES else "id"}" = 0 WHERE false',
            f'DELETE FROM "{table}" WHERE false',
            f'TRUNCATE "{table}"',
        ):
            with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as c:
                c.execute(statement)
            refused.append("permission denied" in str(caught.value))
    assert all(refused) and len(refused) == 3 * (len(TABLES) + 3)


def test_the_application_role_cannot_lift_the_guards_or_write_links(full_world):
    attempts = {
        "ALTER TABLE gradebook_historicalscore DISABLE TRIGGER audit_guard": "must be owner",
        "ALTER TABLE gradebook_historicalscore DISABLE TRIGGER audit_chain": "must be owner",
        "SET session_replication_role = replica": "permission denied",
        "DROP TRIGGER audit_guard ON audit_auditevent": "must be owner",
        "INSERT INTO audit_chainlink (chain, seq, kind, table_name, at, row_ids, row_hashes, note, prev_hash, hash) "
        "VALUES (1, 999, 'insert', 'x', now(), '{}', '', '', '', '')": "permission denied",
        "SELECT audit_chain_append(1, 'dispose', 'gradebook_historicalscore', NULL, '{1}', '', 'x')": (
            "permission denied"
        ),
        # the lawful removal takes personal data only, never scores
        "SELECT audit_dispose(1, 'gradebook_historicalscore', '{1}', 'QĐ 1')": "cannot be disposed of",
    }
    for statement, message in attempts.items():
        with pytest.raises(DatabaseError, match=message), transaction.atomic(), connection.cursor() as c:
            c.execute(statement)


def test_the_guards_refuse_even_the_owner_unless_lifted(full_world):
    for statement in (
        "UPDATE audit_auditevent SET actor_name = 'x'",
        "DELETE FROM gradebook_historicalscore",
        "TRUNCATE audit_chainlink",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            owner_sql(statement)


# --- a sound trail -----------------------------------------------------------------------------------


def test_the_application_writes_a_trail_that_verifies(full_world):
    report = report_of(full_world)
    assert report.ok, [p.text for p in report.problems]
    chained = set(ChainLink.objects.filter(chain=full_world.school.pk).values_list("table_name", flat=True))
    # every table the school writes into is in its chain (accounts are in the chain of no school)
    assert chained == set(TABLES) - {"accounts_historicaluser"}
    assert verify_chain(chain.NO_SCHOOL).ok


def test_links_follow_each_other_per_school(full_world, other_world):
    links = list(ChainLink.objects.filter(chain=full_world.school.pk).order_by("seq"))
    assert [link.seq for link in links] == list(range(1, len(links) + 1))
    assert all(bytes(b.prev_hash) == bytes(a.hash) for a, b in zip(links, links[1:], strict=False))
    # one statement inserting three history rows is one link naming the three
    before = ChainLink.objects.count()
    scores = [
        Score(
            assignment=full_world.math,
            enrolment=full_world.enrolment,
            term="HK1",
            kind="regular",
            index=i,
            value=7,
        )
        for i in (2, 3, 4)
    ]
    bulk_create_with_history(scores, Score)
    link = ChainLink.objects.order_by("-id").first()
    assert ChainLink.objects.count() == before + 1 and link.table_name == "gradebook_historicalscore"
    assert len(link.row_ids) == 3 and len(bytes(link.row_hashes)) == 32 * 3
    # the other school's rows are in its own chain
    assert ChainLink.objects.filter(chain=other_world.school.pk).exists()

    def rows(school):
        return {
            (t, i)
            for t, ids in ChainLink.objects.filter(chain=school.pk).values_list("table_name", "row_ids")
            for i in ids
        }

    assert not rows(other_world.school) & rows(full_world.school)


# --- each tamper kind on each chained table ----------------------------------------------------------


def test_a_row_changed_in_any_table_is_reported(full_world):
    targets = {}
    for table in TABLES:
        if table == "accounts_historicaluser":
            continue
        row = linked_row(table, full_world.school)
        column = "actor_name" if table == "audit_auditevent" else "history_change_reason"
        owner_sql(
            *lifted(table, f'UPDATE "{table}" SET {column} = \'sửa lén\' WHERE "{pk_of(table)}" = {row}')
        )
        targets[table] = row
    report = report_of(full_world, trail=False)
    missed = [t for t, row in targets.items() if not found(report, "changed", t, row)]
    assert not missed
    assert not report.ok


def test_a_row_removed_from_any_table_is_reported(full_world):
    targets = {}
    for table in TABLES:
        if table == "accounts_historicaluser":
            continue
        row = linked_row(table, full_world.school)
        owner_sql(*lifted(table, f'DELETE FROM "{table}" WHERE "{pk_of(table)}" = {row}'))
        targets[table] = row
    report = report_of(full_world, trail=False)
    assert [t for t, row in targets.items() if not found(report, "removed", t, row)] == []


def test_a_row_inserted_around_the_chain_in_any_table_is_reported(full_world):
    targets = {}
    for table in TABLES:
        if table == "accounts_historicaluser":
            continue
        row, pk = linked_row(table, full_world.school), pk_of(table)
        with connection.cursor() as cursor:
            columns = [c for c in table_columns(cursor, table) if c != pk]
        names = ", ".join(f'"{c}"' for c in columns)
        with owner_rights(), connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER audit_chain')
            cursor.execute(
                f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{table}" WHERE "{pk}" = {row} RETURNING "{pk}"'
            )
            targets[table] = cursor.fetchone()[0]
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER audit_chain')
    report = report_of(full_world, trail=False)
    assert [t for t, row in targets.items() if not found(report, "inserted", t, row)] == []


def test_the_deployment_chain_reports_a_changed_account_history(full_world):
    row = (
        ChainLink.objects.filter(chain=0, table_name="accounts_historicaluser")
        .order_by("-seq")
        .first()
        .row_ids[0]
    )
    owner_sql(
        *lifted(
            "accounts_historicaluser",
            f"UPDATE accounts_historicaluser SET username = 'x' WHERE history_id = {row}",
        )
    )
    assert found(verify_chain(chain.NO_SCHOOL, trail=False), "changed", "accounts_historicaluser", row)


def test_the_three_newest_audit_rows_deleted_with_their_links_are_caught_by_the_seal(
    full_world, django_capture_on_commit_callbacks
):
    for n in range(3):
        record(AuditEvent.Action.EXPORT, actor=full_world.principal, school=full_world.school, n=n)
    with django_capture_on_commit_callbacks(execute=True):
        seal = seals.seal(full_world.school.pk, ChainSeal.Reason.DAILY)
    newest = ChainLink.objects.filter(chain=full_world.school.pk).order_by("-seq")[:3]
    ids = [i for link in newest for i in link.row_ids]
    seqs = [link.seq for link in newest]
    # a careful attacker removes the rows and the links that name them: the chain agrees with itself
    owner_sql(
        *lifted("audit_auditevent", f"DELETE FROM audit_auditevent WHERE id IN ({','.join(map(str, ids))})"),
        *lifted(
            "audit_chainlink",
            f"DELETE FROM audit_chainlink WHERE chain = {full_world.school.pk} AND seq IN ({','.join(map(str, seqs))})",
        ),
    )
    assert report_of(full_world, anchors=[]).ok  # without the seal nothing shows…
    report = report_of(full_world)  # …the seal, in the database and in the seal file, catches it
    tails = [p for p in report.problems if p.kind == "tail_missing"]
    assert tails and str(seal.seq) in tails[0].row
    # the seal rows removed too: the copy in the seal file still holds
    owner_sql(*lifted("audit_chainseal", "DELETE FROM audit_chainseal"))
    report = report_of(full_world)
    assert any(p.kind == "tail_missing" for p in report.problems)
    assert any(
        p.kind == "seal_invalid" and "không còn trong cơ sở dữ liệu" in p.text for p in report.problems
    )


def test_truncating_the_audit_events_is_reported(full_world):
    owner_sql(*lifted("audit_auditevent", "TRUNCATE audit_auditevent"))
    report = report_of(full_world, trail=False)
    assert found(report, "removed", "audit_auditevent")


def test_a_chain_rewritten_to_agree_with_itself_is_caught_by_the_seal(full_world):
    seals.seal(full_world.school.pk, ChainSeal.Reason.DAILY)
    table, school = "gradebook_historicalscore", full_world.school.pk
    row = linked_row(table, full_world.school)
    # the attacker changes a score's history, recomputes its row hash in the link and every link's hash
    # from there on, as the trigger would have
    link = ChainLink.objects.get(chain=school, table_name=table, row_ids__contains=[row])
    with connection.cursor() as cursor:
        columns = table_columns(cursor, table)
    rehash = chain.row_hash_sql("x", columns)
    owner_sql(
        *lifted(table, f"UPDATE {table} SET value = 10 WHERE history_id = {row}"),
        "ALTER TABLE audit_chainlink DISABLE TRIGGER audit_guard",
        "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'",
        f"""UPDATE audit_chainlink l SET row_hashes = overlay(l.row_hashes PLACING
                (SELECT {rehash} FROM {table} x WHERE x.history_id = {row})
                FROM (array_position(l.row_ids, {row}::bigint) - 1) * 32 + 1 FOR 32) WHERE l.id = {link.id}""",
        f"""DO $$ DECLARE r record; prev bytea := (SELECT hash FROM audit_chainlink
                 WHERE chain = {school} AND seq = {link.seq - 1});
            BEGIN FOR r IN SELECT id FROM audit_chainlink WHERE chain = {school} AND seq >= {link.seq} ORDER BY seq LOOP
                UPDATE audit_chainlink l SET prev_hash = coalesce(prev, '\\x'::bytea) WHERE l.id = r.id;
                UPDATE audit_chainlink l SET hash = {link_hash_sql("l.")} WHERE l.id = r.id RETURNING hash INTO prev;
            END LOOP; END $$""",
        "ALTER TABLE audit_chainlink ENABLE TRIGGER audit_guard",
    )
    assert report_of(full_world, anchors=[], trail=False).ok  # consistent with itself…
    report = report_of(full_world, trail=False)
    assert any(p.kind == "rewritten" for p in report.problems)  # …but not with the seal


def test_a_seal_forged_in_the_database_is_reported(full_world):
    seal = seals.seal(full_world.school.pk, ChainSeal.Reason.DAILY)
    # the application's role may insert seals: a forged one does not verify
    ChainSeal.objects.create(
        chain=seal.chain, seq=seal.seq, head="0" * 64, reason="daily", key_id=seal.key_id, mac="0" * 64
    )
    report = report_of(full_world, trail=False)
    assert any(p.kind == "seal_invalid" and "giả mạo" in p.text for p in report.problems)


# --- current rows against their trail ----------------------------------------------------------------


def test_a_score_changed_in_sql_without_history_is_named_by_its_cell(full_world):
    score = Score.objects.get(enrolment=full_world.enrolment)
    with connection.cursor() as cursor:  # the application's role may update current rows…
        cursor.execute("UPDATE gradebook_score SET value = 10 WHERE id = %s", [score.pk])
    report = report_of(full_world)
    [problem] = [p for p in report.problems if p.table == "gradebook_score"]
    assert problem.kind == "differs" and problem.row == str(score.pk)
    # …and the report names the cell: student, class, subject, term and column
    for part in ("Trần Thị Bình", "6A1", "Toán", "HK1"):
        assert part in problem.text
    assert "ĐĐGtx" in problem.text or "no. 1" in problem.text


def test_rows_inserted_or_deleted_in_sql_are_reported(full_world):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO gradebook_absence (enrolment_id, date, excused, reason) VALUES (%s, %s, true, '') RETURNING id",
            [full_world.enrolment.pk, date(2026, 10, 9)],
        )
        inserted = cursor.fetchone()[0]
        cursor.execute(
            "DELETE FROM gradebook_conductresult WHERE enrolment_id = %s RETURNING id",
            [full_world.enrolment.pk],
        )
        deleted = cursor.fetchone()[0]
    report = report_of(full_world)
    assert found(report, "no_history", "gradebook_absence", inserted)
    assert found(report, "deleted", "gradebook_conductresult", deleted)


def test_a_changed_then_deleted_score_through_the_application_keeps_a_sound_trail(full_world):
    score = Score.objects.get(enrolment=full_world.enrolment)
    score.value = Decimal("9.5")
    score.save()
    score.delete()
    assert report_of(full_world).ok


# --- the command, the home page ----------------------------------------------------------------------


def test_verify_audit_names_every_break_and_exits_non_zero(full_world, capsys):
    call_command("verify_audit", school=full_world.school.code)
    assert "intact" in capsys.readouterr().out
    row = linked_row("audit_auditevent", full_world.school)
    owner_sql(*lifted("audit_auditevent", f"UPDATE audit_auditevent SET details = '{{}}' WHERE id = {row}"))
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit", school=full_world.school.code)
    out = capsys.readouterr().out
    assert full_world.school.code in out and f"[changed] audit_auditevent {row}" in out
    check = IntegrityCheck.objects.filter(chain=full_world.school.pk).first()
    assert not check.ok and check.problems[0]["row"] == str(row)


def test_the_principal_sees_the_last_check_on_the_home_page(full_world, login):
    call_command("verify_audit", school=full_world.school.code, stdout=open("/dev/null", "w"))  # noqa: SIM115
    page = login(full_world.principal).get("/").content.decode()
    assert "toàn vẹn" in page.lower()
    owner_sql(*lifted("audit_auditevent", "DELETE FROM audit_auditevent"))
    with pytest.raises(CommandError):
        call_command("verify_audit", school=full_world.school.code, stdout=open("/dev/null", "w"))  # noqa: SIM115
    page = login(full_world.principal).get("/").content.decode()
    assert "phát hiện" in page.lower()


def test_seals_are_kept_outside_the_database_too(full_world, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seal = seals.seal(full_world.school.pk, ChainSeal.Reason.DAILY)
    lines = [json.loads(line) for line in open(settings.INTEGRITY_SEAL_FILE)]  # noqa: SIM115
    assert lines[-1]["seq"] == seal.seq and lines[-1]["head"] == seal.head and lines[-1]["mac"] == seal.mac
    assert seal.head == bytes(ChainLink.objects.get(chain=seal.chain, seq=seal.seq).hash).hex()


# --- no deployment-wide lock -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_writer_waits_only_for_writers_of_its_own_school():
    import threading

    from django.db import OperationalError, connections

    from tests.factories import SchoolWorld

    a, b = SchoolWorld("Trường THCS Khóa A", "ka"), SchoolWorld("Trường THCS Khóa B", "kb")
    outcome = {}

    def write(world, name):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
                record(AuditEvent.Action.EXPORT, actor=world.principal, school=world.school)
            outcome[name] = "written"
        except OperationalError as exc:
            outcome[name] = "waited" if "lock timeout" in str(exc) else str(exc)
        finally:
            connections.close_all()

    with transaction.atomic():  # a save in school A, not yet committed, holds A's chain
        Score.objects.create(
            assignment=a.math, enrolment=a.enrolment, term="HK1", kind="regular", index=1, value=8
        )
        for world, name in ((b, "other school"), (a, "same school")):
            thread = threading.Thread(target=write, args=(world, name))
            thread.start()
            thread.join(timeout=20)
    assert outcome == {"other school": "written", "same school": "waited"}
    assert verify_chain(a.school.pk).ok and verify_chain(b.school.pk).ok


def test_the_seal_file_vouches_only_for_its_own_database_since_its_last_restore(
    full_world, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        seal = seals.seal(full_world.school.pk, ChainSeal.Reason.DAILY)
    line = json.loads(open(settings.INTEGRITY_SEAL_FILE).read().splitlines()[-1])  # noqa: SIM115
    # the same chain number sealed far ahead in another database on the same disk: not ours
    stranger = {**line, "database": "sodiem_other/1", "seq": seal.seq + 50}
    with open(settings.INTEGRITY_SEAL_FILE, "a") as f:  # noqa: PTH123
        f.write(json.dumps(stranger) + "\n")
    assert [d["seq"] for d in seals.file_seals(full_world.school.pk)] == [seal.seq]
    assert report_of(full_world).ok
    # a restore replaces the chains with the backup's: the seals before it no longer apply
    seals.mark_restore("sodiem-backup-20270115-020000")
    assert seals.file_seals(full_world.school.pk) == []


def test_a_school_with_a_certificate_signs_its_seals(full_world):
    import base64

    from transcripts.selfsigned import self_signed_p12
    from transcripts.signing import store_certificate

    store_certificate(
        full_world.school, self_signed_p12(full_world.school.name, b"mk"), "mk", full_world.principal
    )
    seal = seals.seal(full_world.school.pk, ChainSeal.Reason.DAILY)
    assert seal.signature and report_of(full_world).ok
    # a signature of other content does not vouch for this seal
    other = seals.seal(full_world.school.pk, ChainSeal.Reason.MANUAL)
    owner_sql(
        *lifted(
            "audit_chainseal",
            f"UPDATE audit_chainseal SET signature = '{other.signature}' WHERE id = {seal.pk}",
        )
    )
    assert base64.b64decode(seal.signature) != base64.b64decode(other.signature)
    report = report_of(full_world, trail=False)
    assert any(p.kind == "seal_invalid" and "chữ ký" in p.text for p in report.problems)


def test_a_current_row_without_its_history_is_reported_for_every_model(full_world):
    """With its history rows removed (the owner lifting the guard), every current row of every model
    that keeps history is reported as written around the application."""
    expected = {}
    for table in chained_tables():
        origin = table.origin
        if origin is table.model or origin._meta.db_table in ("accounts_user", "accounts_school"):
            continue  # the audit events are their own trail; accounts and schools are chain 0 / checked below
        pk = origin.objects.filter(pk__in=origin.history.model.objects.values("id")).values_list(
            "pk", flat=True
        )
        row = pk.first()
        if row is None:
            continue
        expected[origin._meta.db_table] = row
        owner_sql(*lifted(table.table, f'DELETE FROM "{table.table}" WHERE id = {row}'))
    assert len(expected) >= 20
    report = report_of(full_world)
    missed = [t for t, row in expected.items() if not found(report, "no_history", t, row)]
    assert missed == []
