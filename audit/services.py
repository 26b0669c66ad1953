"""Recording audit events. Callers pass what happened; nothing here decides rights."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from audit.models import AuditEvent
from sodiem import http


def client_ip(request) -> str | None:
    return http.client_ip(request)


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
        # what the database will return: JSON through a round trip
        details=json.loads(json.dumps(details, default=str)),
    )
    # PostgreSQL chains the row into the school's chain as it is inserted (audit/chain.py)
    event.save(force_insert=True)
    return event
