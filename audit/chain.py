"""The hash chain over audit rows: each row's hash covers its content and the previous row's hash, so
a row changed or removed outside the application breaks the chain (`manage.py verify_audit`)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

FIELDS = ("at", "actor_id", "actor_name", "school_id", "action", "object_type", "object_id", "ip", "details")


def row_hash(row, prev_hash: str) -> str:
    """SHA-256 of the row (a model instance, current or historical) chained to `prev_hash`."""
    content = {name: getattr(row, name) for name in FIELDS}
    content["at"] = row.at.astimezone(UTC).isoformat(timespec="microseconds")
    content["prev"] = prev_hash
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def verify(rows) -> list[str]:
    """Walk the rows in id order and describe every break of the chain (empty: intact)."""
    problems: list[str] = []
    previous = ""
    previous_id = None
    for row in rows:
        if row.prev_hash != previous:
            after = f"row {previous_id}" if previous_id is not None else "the start"
            problems.append(f"row {row.id}: the chain breaks between {after} and this row (a row removed?)")
        if row_hash(row, row.prev_hash) != row.hash:
            problems.append(f"row {row.id}: its content was changed after it was written")
        previous, previous_id = row.hash, row.id
    return problems
