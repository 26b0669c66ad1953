"""Seals: a chain's head anchored outside the database's reach (docs/integrity.md).

Someone with the owner's rights can rewrite a chain from any point on so that it agrees with itself.
A seal fixes the chain's head (its last link's sequence number and hash) at a moment:

- keyed: an HMAC-SHA256 with the deployment's integrity key (INTEGRITY_KEY, or derived from
  CERTIFICATE_KEY), which lives in the environment, not in the database;
- signed with the school's certificate when it has one (a detached CMS signature, by the signer the
  documents app registers);
- kept in four places: a ChainSeal row, a line of the seal file (INTEGRITY_SEAL_FILE, outside the
  database), the backup manifest, the year archive's signed manifest; and printed (head and date) on
  the monthly correction log.

Sealed at least daily (`manage.py seal_chains`, the scheduler), after every lock carried out, at every
year archive and backup. A seal is written after the transaction that changed the chain has committed
and under the chain's lock, so it never names a link that could still be rolled back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from audit.chain import LOCK_NAMESPACE
from audit.models import ChainSeal

FORMAT = "sodiem-seal-v1"

# Registered by the documents app: sign(chain, message) -> base64 CMS or "", and
# check(chain, message, signature) -> a problem in words, or "" when the signature holds.
signer: Callable[[int, bytes], str] | None = None
signature_checker: Callable[[int, bytes, str], str] | None = None


def integrity_key() -> bytes:
    configured = settings.INTEGRITY_KEY
    if configured:
        return configured.encode()
    secret = (settings.CERTIFICATE_KEY or settings.SECRET_KEY).encode()
    return hmac.new(secret, b"sodiem integrity seals", hashlib.sha256).digest()


def key_id(key: bytes | None = None) -> str:
    return hashlib.sha256(key or integrity_key()).hexdigest()[:16]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def database_id() -> str:
    """This database among others on the server and on the disk: its name and PostgreSQL's oid, which
    stays through a restore into it but changes when a database of the same name is created anew. A
    seal belongs to one database: one taken in another never vouches for (or against) this one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), oid FROM pg_database WHERE datname = current_database()")
        name, oid = cursor.fetchone()
    return f"{name}/{oid}"


def message(chain: int, seq: int, head: str, at: datetime, reason: str, database: str = "") -> bytes:
    micros = (at - EPOCH) // timedelta(microseconds=1)
    return f"{FORMAT}|{database or database_id()}|{chain}|{seq}|{head}|{micros}|{reason}".encode()


def mac_of(data: bytes) -> str:
    return hmac.new(integrity_key(), data, hashlib.sha256).hexdigest()


def seal_file() -> Path:
    return Path(settings.INTEGRITY_SEAL_FILE)


def _head(cursor, chain: int) -> tuple[int, str]:
    cursor.execute(
        "SELECT seq, hash FROM audit_chainlink WHERE chain = %s ORDER BY seq DESC LIMIT 1", [chain]
    )
    row = cursor.fetchone()
    return (row[0], bytes(row[1]).hex()) if row else (0, "")


def seal(chain: int, reason: str) -> ChainSeal | None:
    """Seal a chain's head now, in a transaction of its own (call it outside a writer's transaction,
    or through `seal_after_commit`). None where no chain is kept (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, chain])
            seq, head = _head(cursor, chain)
        at = timezone.now()
        data = message(chain, seq, head, at, reason)
        record = ChainSeal.objects.create(
            chain=chain,
            seq=seq,
            head=head,
            at=at,
            reason=reason,
            key_id=key_id(),
            mac=mac_of(data),
            signature=(signer(chain, data) if signer else "") or "",
        )
        transaction.on_commit(lambda: _append_to_file(record))
    return record


def seal_after_commit(chain: int, reason: str) -> None:
    transaction.on_commit(lambda: seal(chain, reason))


def seal_all(reason: str) -> list[ChainSeal]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT chain FROM audit_chainlink ORDER BY chain")
        chains = [row[0] for row in cursor.fetchall()]
    return [s for s in (seal(chain, reason) for chain in chains) if s is not None]


def as_dict(record: ChainSeal, database: str = "") -> dict:
    return {
        "format": FORMAT,
        "database": database or database_id(),
        "chain": record.chain,
        "seq": record.seq,
        "head": record.head,
        "at": record.at.isoformat(timespec="microseconds"),
        "reason": record.reason,
        "key_id": record.key_id,
        "mac": record.mac,
        "signature": record.signature,
    }


def _append_to_file(record: ChainSeal) -> None:
    _append_line(as_dict(record))


def _append_line(data: dict) -> None:
    path = seal_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = json.dumps(data, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Anchor:
    """A seal as found somewhere, checked."""

    chain: int
    seq: int
    head: str
    at: datetime
    source: str
    valid: bool = True
    problem: str = ""

    @property
    def label(self) -> str:
        return _("the seal of %(at)s (%(source)s)") % {
            "at": timezone.localtime(self.at).strftime("%d/%m/%Y %H:%M"),
            "source": self.source,
        }


def anchor_from(data: dict, source: str) -> Anchor:
    """Check one seal read from a file, a backup or an archive manifest."""
    try:
        chain, seq, head = int(data["chain"]), int(data["seq"]), str(data["head"])
        at, reason, mac = parse_datetime(data["at"]), str(data["reason"]), str(data["mac"])
        if at is None:
            raise ValueError
    except (KeyError, TypeError, ValueError):
        return Anchor(
            0,
            0,
            "",
            timezone.now(),
            source,
            False,
            _("An unreadable seal in %(source)s.") % {"source": source},
        )
    anchor = Anchor(chain, seq, head, at, source)
    body = message(chain, seq, head, at, reason, str(data.get("database", "")))
    if data.get("key_id") != key_id():
        anchor.valid, anchor.problem = (
            False,
            _("%(seal)s was made with another integrity key: it cannot be checked with this one.")
            % {"seal": anchor.label},
        )
    elif not hmac.compare_digest(mac_of(body), mac):
        anchor.valid, anchor.problem = (
            False,
            _("%(seal)s does not verify: it was forged or altered.") % {"seal": anchor.label},
        )
    elif data.get("signature") and signature_checker:
        problem = signature_checker(chain, body, data["signature"])
        if problem:
            anchor.valid, anchor.problem = False, f"{anchor.label}: {problem}"
    return anchor


def file_seals(chain: int | None = None) -> list[dict]:
    """The seal file's seals of this database (of one chain), after its last restore: a restore
    replaces the chains with older ones, and says so in the file (`mark_restore`)."""
    path = seal_file()
    if not path.exists():
        return []
    here = database_id()
    found = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                data = json.loads(line)
            except ValueError:
                data = {"unreadable": line[:80]}
            if "unreadable" in data:
                found.append(data)
            elif data.get("database") != here:
                continue
            elif data.get("restored_from"):
                found = [d for d in found if "unreadable" in d]
            elif chain is None or data.get("chain") == chain:
                found.append(data)
    return found


def mark_restore(source: str) -> None:
    """Write in the seal file that this database was restored from a backup: the seals before are of
    chains the restore replaced (the backup's own seals vouch for what it brought back)."""
    _append_line({"database": database_id(), "restored_from": source, "at": timezone.now().isoformat()})


def anchors_of(chain: int, extra: Sequence[tuple[dict, str]] = ()) -> list[Anchor]:
    """Every seal of a chain: the database's, the seal file's (a seal missing from the database is
    reported), and any given from a backup or an archive."""
    anchors = []
    in_database = set()
    here = database_id()
    for record in ChainSeal.objects.filter(chain=chain).order_by("at"):
        data = as_dict(record, here)
        in_database.add((record.seq, record.head, data["at"]))
        anchors.append(anchor_from(data, _("database")))
    for data in file_seals(chain):
        anchor = anchor_from(data, _("seal file"))
        if anchor.valid and (anchor.seq, anchor.head, data.get("at")) not in in_database:
            anchors.append(
                Anchor(
                    anchor.chain,
                    anchor.seq,
                    anchor.head,
                    anchor.at,
                    anchor.source,
                    False,
                    _("%(seal)s is missing from the database: seals were removed.") % {"seal": anchor.label},
                )
            )
        anchors.append(anchor)
    for data, source in extra:
        if data.get("chain") == chain:
            anchors.append(anchor_from(data, source))
    return anchors


def signature_b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
