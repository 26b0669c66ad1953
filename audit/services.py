"""Recording audit events. Callers pass what happened; nothing here decides rights."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit.chain import row_hash
from audit.models import AuditEvent

# One writer at a time extends the chain (a transaction-scoped advisory lock on PostgreSQL).
_CHAIN_LOCK = 0x50D1E4A0


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str, *, actor=None, request=None, school=None, obj: Any = None, **details: Any
) -> AuditEvent:
    if (
        actor is None
        and request is not None
        and getattr(request, "user", None)
        and request.user.is_authenticated
    ):
        actor = request.user
    event = AuditEvent(
        at=timezone.now(),
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.get_username() if actor is not None else details.pop("username", "")),
        school=school,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "uuid", getattr(obj, "pk", ""))) if obj is not None else "",
        ip=client_ip(request),
        details=details,
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        event.prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        # the hash covers what the database will return: JSON through a round trip
        event.details = json.loads(json.dumps(details, default=str))
        event.hash = row_hash(event, event.prev_hash)
        event.save(force_insert=True)
    return event
