"""What every service shares: who acts (`Actor`) and how a rule of the school refuses (`DomainError`).

Services know nothing of HTTP. A view passes `Actor.of(request)` — the signed-in user and the address
the request came from (sodiem/http.py) — and a command or a test may pass a bare user (no address).
A service that refuses raises a `DomainError` (or one of its app's subclasses) with a message for the
user in Vietnamese and, for a form, a message per field; `conflict` marks a refusal because the data
changed meanwhile (a stale grid, a request decided by someone else). Pages that show a form catch it
and show the messages next to the fields, keeping what the user typed; anything else is turned by one
middleware (`DomainErrorMiddleware`) into a message on the page the user came from, or for the grid's
JSON calls into a 400 or 409 answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sodiem.http import client_ip


class DomainError(Exception):
    """A rule of the school refused the action. `errors` maps a form field (or a grid cell) to its
    message; `conflict` says the data changed meanwhile (HTTP 409 for the grid's calls)."""

    conflict = False

    def __init__(
        self, message: str = "", errors: dict[str, str] | None = None, *, conflict: bool | None = None
    ):
        self.errors = dict(errors or {})
        if conflict is not None:
            self.conflict = conflict
        super().__init__(message or next(iter(self.errors.values()), ""))

    @property
    def message(self) -> str:
        return str(self)

    def add_to(self, form) -> None:
        """Show the refusal on a Django form: each message next to its field, or the message on top."""
        fields = getattr(form, "fields", {})
        placed = False
        for name, message in self.errors.items():
            if name in fields:
                form.add_error(name, message)
                placed = True
        if not placed:
            form.add_error(None, str(self))


@dataclass(frozen=True)
class Actor:
    """Who acts: the user and the address they act from (None outside a request)."""

    user: Any
    ip: str | None = None

    @classmethod
    def of(cls, request) -> Actor:
        return cls(request.user, client_ip(request))


def acting(by: Actor | Any) -> tuple[Any, str | None]:
    """A service's first argument (`by`) as (user, address): an Actor, or a bare user with no address
    (a command, a test). Services unpack it first: `actor, ip = acting(by)`."""
    if isinstance(by, Actor):
        return by.user, by.ip
    return by, None
