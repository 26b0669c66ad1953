"""Verifying a school's chain, its seals, and the current rows against their trail (docs/integrity.md).

Everything is recomputed from the stored rows with the same SQL expressions the triggers use
(audit/chain.py), in the same session format, so nothing stored in the database — a function, a
trigger — is trusted. What can be found:

- a row changed (its hash differs from the one its link holds), removed (its link names it, the table
  no longer has it, and no retention decision removed it) or inserted (no link names it);
- links removed (a gap in the sequence), changed (a link's own hash), out of order (a link that does
  not follow the one before it);
- against each seal (in the database, in the seal file, in a backup or a year archive): the tail
  removed since (the chain ends before the seal) or the chain rewritten before it (the link the seal
  names has another hash); a seal whose key does not verify; a seal removed from the database;
- current rows against their trail: a row with no history, a row that differs from its newest history
  row (a score changed in SQL), a row gone while its history says it exists.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction
from django.utils.translation import gettext as _

from audit.chain import NO_SCHOOL, chained_tables, link_hash_sql, row_hash_sql, set_session_format

MAX_KEPT = 200  # problems kept with a check (all are printed by the command)


@dataclass
class Problem:
    kind: str
    table: str
    row: str
    text: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "table": self.table, "row": self.row, "text": self.text}


@dataclass
class ChainReport:
    chain: int
    links: int = 0
    rows: int = 0
    last_seq: int = 0
    head: str = ""
    problems: list[Problem] = field(default_factory=list)
    available: bool = True

    @property
    def ok(self) -> bool:
        return self.available and not self.problems

    def add(self, kind: str, table: str, row, text: str) -> None:
        self.problems.append(Problem(kind, table, str(row), text))


def chains_in_use() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT chain FROM audit_chainlink ORDER BY chain")
        return [row[0] for row in cursor.fetchall()]


def verify_chain(chain: int, *, anchors=None, trail: bool = True) -> ChainReport:
    """Check one chain (a school's id, or 0) and return what is wrong with it."""
    report = ChainReport(chain)
    if connection.vendor != "postgresql":
        report.available = False
        return report
    with transaction.atomic(), connection.cursor() as cursor:
        set_session_format(cursor)
        hashes = _links(cursor, report)
        disposed = _disposed(cursor)
        _rows(cursor, report, disposed)
        _inserted(cursor, report)
        if anchors is None:
            from audit.seals import anchors_of

            anchors = anchors_of(chain)
        _against_anchors(report, hashes, anchors)
        if trail:
            from audit.trail import check_trail

            check_trail(cursor, report)
    return report


def _links(cursor, report: ChainReport) -> dict[int, str]:
    cursor.execute(
        f"""SELECT l.seq, l.kind, l.table_name, cardinality(l.row_ids), l.prev_hash, l.hash,
                   l.hash = {link_hash_sql("l.")} AS intact, l.at
            FROM audit_chainlink l WHERE l.chain = %s ORDER BY l.seq""",  # noqa: S608
        [report.chain],
    )
    hashes: dict[int, str] = {}
    by_hash: dict[bytes, int] = {}
    expected, previous, previous_at = 1, b"", None
    rows = cursor.fetchall()
    for seq, _kind, table, count, prev, digest, intact, at in rows:
        prev, digest = bytes(prev), bytes(digest)
        by_hash[digest] = seq
        if seq != expected:
            report.add(
                "links_removed",
                "audit_chainlink",
                f"{expected}–{seq - 1}",
                _("Links %(first)s to %(last)s of the chain are missing (rows removed with their links).")
                % {"first": expected, "last": seq - 1},
            )
        elif prev != previous:
            report.add(
                "out_of_order",
                "audit_chainlink",
                seq,
                _("Link %(seq)s does not follow link %(before)s (links reordered or rewritten).")
                % {"seq": seq, "before": seq - 1},
            )
        if not intact:
            report.add(
                "link_changed",
                "audit_chainlink",
                seq,
                _("Link %(seq)s (%(table)s) was changed after it was written.")
                % {"seq": seq, "table": table},
            )
        if previous_at is not None and at < previous_at:
            report.add(
                "out_of_order",
                "audit_chainlink",
                seq,
                _("Link %(seq)s is dated before the link it follows.") % {"seq": seq},
            )
        hashes[seq] = digest.hex()
        expected, previous, previous_at = seq + 1, digest, at
        report.links += 1
        report.rows += count if _kind == "insert" else 0
    if rows:
        report.last_seq, report.head = rows[-1][0], bytes(rows[-1][5]).hex()
    return hashes


def _disposed(cursor) -> dict[str, set[int]]:
    cursor.execute("SELECT table_name, unnest(row_ids) FROM audit_chainlink WHERE kind = 'dispose'")
    disposed: dict[str, set[int]] = defaultdict(set)
    for table, row_id in cursor.fetchall():
        disposed[table].add(row_id)
    return disposed


def _rows(cursor, report: ChainReport, disposed: dict[str, set[int]]) -> None:
    quote = connection.ops.quote_name
    tables = {t.table: t for t in chained_tables()}
    cursor.execute(
        """SELECT DISTINCT l.table_name, l.layout_id, y.columns
           FROM audit_chainlink l LEFT JOIN audit_chainlayout y ON y.id = l.layout_id
           WHERE l.chain = %s AND l.kind = 'insert'""",
        [report.chain],
    )
    from audit.chain import table_columns

    for table_name, layout_id, columns in cursor.fetchall():
        columns = json.loads(columns) if isinstance(columns, str) else columns
        table = tables.get(table_name)
        if table is None or columns is None:
            report.add(
                "link_changed",
                table_name,
                "",
                _("Links name a table or layout the application does not know (%(table)s).")
                % {"table": table_name},
            )
            continue
        present = set(table_columns(cursor, table_name))
        gone = [c for c in columns if c not in present]
        if gone:
            report.add(
                "changed",
                table_name,
                "",
                _("Columns hashed when the rows were written are gone from %(table)s: %(columns)s.")
                % {"table": table_name, "columns": ", ".join(gone)},
            )
            continue
        pk = quote(table.pk_column)
        cursor.execute(
            f"""SELECT u.id, x.{pk} IS NULL AS missing, l.seq
                FROM audit_chainlink l
                CROSS JOIN LATERAL unnest(l.row_ids) WITH ORDINALITY AS u(id, ord)
                LEFT JOIN {quote(table_name)} x ON x.{pk} = u.id
                WHERE l.chain = %s AND l.table_name = %s AND l.layout_id = %s AND l.kind = 'insert'
                  AND (x.{pk} IS NULL OR {row_hash_sql("x", columns)}
                       IS DISTINCT FROM substring(l.row_hashes FROM ((u.ord - 1) * 32 + 1)::int FOR 32))
                ORDER BY u.id""",  # noqa: S608 (identifiers from the models' metadata and the catalogue)
            [report.chain, table_name, layout_id],
        )
        for row_id, missing, seq in cursor.fetchall():
            if missing and row_id in disposed.get(table_name, ()):
                continue
            if missing:
                report.add(
                    "removed",
                    table_name,
                    row_id,
                    _("Row %(row)s of %(table)s, written with link %(seq)s, was removed.")
                    % {"row": row_id, "table": table_name, "seq": seq},
                )
            else:
                report.add(
                    "changed",
                    table_name,
                    row_id,
                    _("Row %(row)s of %(table)s was changed after it was written (link %(seq)s).")
                    % {"row": row_id, "table": table_name, "seq": seq},
                )


def _inserted(cursor, report: ChainReport) -> None:
    quote = connection.ops.quote_name
    for table in chained_tables():
        pk = quote(table.pk_column)
        cursor.execute(
            f"""SELECT n.{pk} FROM {quote(table.table)} n {table.joins}
                WHERE {table.chain_expr} = %s
                  AND n.{pk}::bigint NOT IN (SELECT unnest(row_ids) FROM audit_chainlink
                                             WHERE table_name = %s AND kind = 'insert')
                ORDER BY n.{pk}""",  # noqa: S608
            [report.chain, table.table],
        )
        for (row_id,) in cursor.fetchall():
            report.add(
                "inserted",
                table.table,
                row_id,
                _("Row %(row)s of %(table)s is in no link: it was inserted around the chain.")
                % {"row": row_id, "table": table.table},
            )


def _against_anchors(report: ChainReport, hashes: dict[int, str], anchors) -> None:
    for anchor in anchors:
        if not anchor.valid:
            report.add("seal_invalid", "audit_chainseal", anchor.label, anchor.problem)
            continue
        if anchor.seq == 0:
            continue
        if anchor.seq > report.last_seq:
            report.add(
                "tail_missing",
                "audit_chainlink",
                f"{report.last_seq + 1}–{anchor.seq}",
                _(
                    "The chain ends at link %(last)s, but %(anchor)s sealed it at link %(seq)s: the newest "
                    "rows were removed."
                )
                % {"last": report.last_seq, "anchor": anchor.label, "seq": anchor.seq},
            )
        elif anchor.seq in hashes and hashes[anchor.seq] != anchor.head:
            report.add(
                "rewritten",
                "audit_chainlink",
                anchor.seq,
                _("Link %(seq)s is not the one %(anchor)s sealed: the chain was rewritten before it.")
                % {"seq": anchor.seq, "anchor": anchor.label},
            )


def school_label(chain: int) -> str:
    if chain == NO_SCHOOL:
        return _("accounts and sign-ins (no school)")
    school = apps.get_model("accounts", "School").objects.filter(pk=chain).only("code", "name").first()
    return f"{school.code} {school.name}" if school else str(chain)


def check_and_record(chains: list[int] | None = None, *, extra_anchors=()) -> list[ChainReport]:
    """Verify chains (all in use when None) and keep each result for the home pages."""
    from audit.models import IntegrityCheck
    from audit.seals import anchors_of

    if connection.vendor != "postgresql":
        return []
    reports = []
    for chain in chains if chains is not None else chains_in_use():
        report = verify_chain(chain, anchors=anchors_of(chain, list(extra_anchors)))
        IntegrityCheck.objects.create(
            chain=chain,
            ok=report.ok,
            links=report.links,
            rows=report.rows,
            problems=[p.as_dict() for p in report.problems[:MAX_KEPT]],
        )
        reports.append(report)
    return reports
