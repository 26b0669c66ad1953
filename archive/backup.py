"""Periodic copies and restore (docs/workflows.md §8: copies per term and year, restore on the principal's
request, regular integrity checks), wrapping pg_dump / pg_restore and the stored files.

A backup is a directory:

    database.dump   pg_dump's custom format (every table, sequence, trigger)
    files.tar.gz    MEDIA_ROOT and PRIVATE_ROOT (photos, evidence, printed documents, archives)
    manifest.json   when, the SHA-256 of both files, each table's row count and content hash, the seal
                    of every chain taken for the backup (audit/seals.py), and an HMAC of all of it with
                    the integrity key, so the manifest cannot be rewritten to match a changed dump

The directory is readable by its owner only (0700, files 0600): it holds password hashes and two-factor
secrets.

The content hash of a table is the SHA-256 of its rows' text forms, sorted: the same after a restore
whatever order the rows come back in. `restore` checks the backup's own hashes first, then every table
after restoring, and fails loudly on any difference.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.utils import timezone

from audit import dbroles, seals
from audit.models import ChainSeal
from sodiem.domain import DomainError

FORMAT = "sodiem-backup/1"


class BackupError(DomainError):
    """A backup or restore that cannot be made; the message says why."""


def _require_postgresql() -> dict:
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        raise BackupError("Backups need PostgreSQL (the SQLite demo database is a single file: copy it).")
    return db


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def table_fingerprints() -> dict[str, dict]:
    """Row count and content hash of every table of the public schema."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        result = {}
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), encode(sha256(convert_to(coalesce(string_agg(h, '' ORDER BY h), ''),"  # noqa: S608
                f" 'UTF8')), 'hex') FROM (SELECT md5(t::text) AS h FROM {quoted} t) rows"
            )
            count, digest = cursor.fetchone()
            result[table] = {"rows": count, "sha256": digest}
    return result


def _media_roots() -> list[Path]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_ROOT)]
    # PRIVATE_ROOT lives inside MEDIA_ROOT by default: keep it once
    return [r for r in roots if not any(r != o and o in r.parents for o in roots)]


def _mac(manifest: dict) -> str:
    body = json.dumps({k: v for k, v in manifest.items() if k != "mac"}, sort_keys=True).encode()
    return seals.mac_of(b"sodiem-backup|" + body)


def backup(output: Path) -> Path:
    """Write a backup directory under `output`; returns its path."""
    db = _require_postgresql()
    if connection.in_atomic_block:
        raise BackupError("A backup takes its own snapshot: run it outside a transaction.")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    target = output / f"sodiem-backup-{stamp}"
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.mkdir(mode=0o700, exist_ok=False)
    os.chmod(target, 0o700)
    # every chain sealed first: the snapshot holds the seals, the manifest carries them
    sealed = [seals.as_dict(s) for s in seals.seal_all(ChainSeal.Reason.BACKUP)]
    dump = target / "database.dump"
    dump.touch(mode=0o600)
    # the fingerprints and the dump see the same data: one repeatable-read snapshot exported to pg_dump
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = table_fingerprints()
            run = subprocess.run(  # noqa: S603
                [
                    shutil.which("pg_dump") or "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                    db["NAME"],
                ],
                env=_pg_env(db),
                capture_output=True,
                text=True,
            )
        finally:
            cursor.execute("COMMIT")
    if run.returncode != 0:
        raise BackupError(f"pg_dump failed: {run.stderr.strip()}")
    files = target / "files.tar.gz"
    files.touch(mode=0o600)
    with tarfile.open(files, "w:gz") as tar:
        for root in _media_roots():
            if root.exists():
                tar.add(root, arcname=root.name)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.localtime().isoformat(timespec="seconds"),
        "database": db["NAME"],
        "media_roots": [str(r) for r in _media_roots()],
        "database_sha256": _sha256(dump),
        "files_sha256": _sha256(files),
        "tables": tables,
        "seals": sealed,
        "key_id": seals.key_id(),
    }
    manifest["mac"] = _mac(manifest)
    path = target / "manifest.json"
    path.touch(mode=0o600)
    path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return target


@dataclass
class RestoreReport:
    tables: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def check_backup(source: Path) -> dict:
    """The backup's own integrity: its manifest and the SHA-256 of its two files."""
    try:
        manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source}: no readable manifest.json ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: not a Sổ Điểm backup")
    if manifest.get("key_id") != seals.key_id():
        raise BackupError(f"{source}: made with another integrity key (INTEGRITY_KEY): cannot be checked")
    if not hmac.compare_digest(str(manifest.get("mac", "")), _mac(manifest)):
        raise BackupError(f"{source}: the manifest was changed after the backup (its HMAC does not verify)")
    for name, key in (("database.dump", "database_sha256"), ("files.tar.gz", "files_sha256")):
        path = source / name
        if not path.is_file() or _sha256(path) != manifest[key]:
            raise BackupError(f"{path}: missing or changed since the backup (SHA-256 differs)")
    return manifest


def compare(expected: dict) -> RestoreReport:
    report = RestoreReport()
    actual = table_fingerprints()
    for table, want in sorted(expected.items()):
        got = actual.get(table)
        report.tables += 1
        if got is None:
            report.differences.append(f"{table}: missing")
        elif got != want:
            report.differences.append(
                f"{table}: {got['rows']} rows (expected {want['rows']}), hash {got['sha256'][:12]}…"
                f" (expected {want['sha256'][:12]}…)"
            )
    for table in sorted(set(actual) - set(expected)):
        report.differences.append(f"{table}: not in the backup")
    return report


def restore(source: Path) -> RestoreReport:
    """Replace the database and the files with the backup's, then check every table. Run as the owner
    of the database (its DATABASE_URL): the application role may not drop the tables, and it gets its
    rights back from the owner afterwards."""
    db = _require_postgresql()
    manifest = check_backup(source)
    for alias in connections:
        connections[alias].close()
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # the session's own role: the owner's
        try:
            # what pg_restore --clean would not drop (tables created after the backup) goes too
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        except DatabaseError as exc:
            raise BackupError(f"restore must run as the owner of the database ({exc})") from None
    connection.close()
    run = subprocess.run(  # noqa: S603
        [
            shutil.which("pg_restore") or "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={db['NAME']}",
            str(source / "database.dump"),
        ],
        env=_pg_env(db),
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise BackupError(f"pg_restore failed: {run.stderr.strip()}")
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    dbroles.grant(connection)  # the dump carries no rights: the application role gets its own back
    connection.close()
    seals.mark_restore(source.name)  # the chains are the backup's now: older seals no longer apply
    with tarfile.open(source / "files.tar.gz", "r:gz") as tar:
        for root in _media_roots():
            members = [
                m for m in tar.getmembers() if m.name == root.name or m.name.startswith(root.name + "/")
            ]
            if members:
                if root.exists():
                    shutil.rmtree(root)
                tar.extractall(root.parent, members=members, filter="data")
    return compare(manifest["tables"])


def prune(output: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest backups under `output` (their names sort by time); returns the
    removed directories. Only directories that are backups (a manifest of this format) are touched."""
    backups = sorted(
        p for p in output.glob("sodiem-backup-*") if p.is_dir() and (p / "manifest.json").is_file()
    )
    removed = backups[: max(0, len(backups) - keep)]
    for path in removed:
        shutil.rmtree(path)
    return removed
