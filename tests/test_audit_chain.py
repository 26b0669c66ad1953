"""The audit trail is append-only and tamper-evident (hash chain + verify_audit)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from audit.services import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(world):
    return [
        record(AuditEvent.Action.LOGIN, actor=world.principal, school=world.school),
        record(
            AuditEvent.Action.EXPORT, actor=world.math_teacher, school=world.school, obj=world.math, rows=45
        ),
        record(AuditEvent.Action.LOGOUT, actor=world.principal, school=world.school),
    ]


def verify():
    call_command("verify_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115


def tamper(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")


def test_each_row_is_chained_to_the_previous_one(events):
    assert events[0].prev_hash == (
        AuditEvent.objects.filter(id__lt=events[0].id).order_by("-id").values_list("hash", flat=True).first()
        or ""
    )
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert len({e.hash for e in events}) == 3
    verify()


def test_the_application_cannot_update_or_delete_audit_rows(events):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=events[1].pk).update(action="login")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=events[1].pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        events[1].object_id = "x"
        events[1].save()
    assert AuditEvent.objects.get(pk=events[1].pk).details == {"rows": 45}


def test_verify_audit_finds_a_row_changed_in_sql(events):
    tamper("UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"rows": 44}', events[1].pk])
    with pytest.raises(CommandError, match="broken"):
        verify()


def test_verify_audit_finds_a_row_removed_in_sql(events):
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match="broken"):
        verify()


def test_verify_audit_finds_a_rewritten_actor(events, capsys):
    tamper("UPDATE audit_auditevent SET actor_name = 'someone' WHERE id = %s", [events[0].pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"row {events[0].pk}: its content was changed" in capsys.readouterr().err
