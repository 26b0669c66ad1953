"""Recording audit events. Callers pass what happened; nothing here decides rights."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from audit.models import AuditEvent
from sodiem.domain import Actor


def record(
    action: str,
    *,
    actor: Actor | Any = None,
    ip: str | None = None,
    school=None,
    obj: Any = None,
    **details: Any,
) -> AuditEvent:
    """Append an event to the trail: who (an Actor, a user, or None for the anonymous), from where
    (the Actor's address, or `ip`), on what, with the details as JSON."""
    if isinstance(actor, Actor):
        actor, ip = actor.user, ip or actor.ip
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None  # the anonymous user of a request
    event = AuditEvent(
        at=timezone.now(),
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.get_username() if actor is not None else details.pop("username", "")),
        school=school,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "uuid", getattr(obj, "pk", ""))) if obj is not None else "",
        ip=ip,
        # what the database will return: JSON through a round trip
        details=json.loads(json.dumps(details, default=str)),
    )
    # PostgreSQL chains the row into the school's chain as it is inserted (audit/chain.py)
    event.save(force_insert=True)
    return event
