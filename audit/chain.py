"""The trail's hash chains, kept by PostgreSQL itself (docs/integrity.md).

Chained tables: every django-simple-history table and the audit events. Each chained model names the
school whose chain its rows join (`chain_school`, a path of foreign keys, "self" for the school itself,
None for rows of no school, which join chain 0). For every chained table:

- an AFTER INSERT statement trigger hashes each new row — SHA-256 of the row's text in a fixed
  session format (UTC, ISO dates) over the table's columns as they are (the layout) — and appends one
  link per school to that school's chain: the rows' ids and hashes, the previous link's hash, and the
  link's own hash over all of it. Every way of inserting (the ORM, the grid's set-based statement, a
  psql session) is chained alike; a transaction waits only for writers of the same school;
- a BEFORE UPDATE/DELETE/TRUNCATE statement trigger refuses the statement. The one lawful removal,
  the personal data of a student past the retention period, goes through `audit_dispose()`, which
  removes the rows and appends a "dispose" link naming them to the chain.

The application's database role cannot UPDATE, DELETE or TRUNCATE these tables, cannot write links
except through the triggers, and does not own the tables, so it cannot disable the triggers
(audit/dbroles.py). Someone with the owner's rights can do anything — and then the chain shows it
(`audit/verify.py`): a row changed or removed, a row inserted without its link, links reordered or
rewritten. A chain rewritten from some point on is consistent with itself; the seals (audit/seals.py),
kept outside the database, catch that.

Everything here is PostgreSQL; the SQLite demo database keeps no chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection as default_connection

LOCK_NAMESPACE = 0x50D1  # pg_advisory_xact_lock(namespace, chain): one writer per school's chain
NO_SCHOOL = 0
MISSING = object()

# The session format every row hash is taken in: the trigger functions run with these settings and
# the verification sets them, so a row's text never depends on the server's or the client's locale.
SESSION_SETTINGS = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "extra_float_digits": "3",
    "bytea_output": "hex",
}


def link_hash_sql(prefix: str) -> str:
    """The SQL expression of a link's hash over its columns (`prefix` + column name); the triggers
    compute it with their variables, the verification recomputes it from the stored link."""
    p = prefix
    return (
        f"sha256({p}prev_hash || {p}row_hashes || convert_to(concat_ws('|', {p}chain, {p}seq, {p}kind, "
        f"{p}table_name, coalesce({p}layout_id::text, ''), (extract(epoch FROM {p}at) * 1000000)::bigint, "
        f"array_to_string({p}row_ids, ','), {p}note), 'UTF8'))"
    )


def row_hash_sql(alias: str, columns: list[str]) -> str:
    quote = default_connection.ops.quote_name
    return f"sha256(convert_to(ROW({', '.join(f'{alias}.{quote(c)}' for c in columns)})::text, 'UTF8'))"


@dataclass(frozen=True)
class ChainedTable:
    model: Any  # the history model (or AuditEvent)
    table: str
    pk_column: str
    joins: str  # LEFT JOINs from alias n to the school
    chain_expr: str  # the chain of row n
    disposable: bool
    origin: Any  # the model whose history this is (AuditEvent for itself)


def school_path(model, path, alias: str = "n") -> tuple[str, str]:
    """(joins, expression) giving the school id of row `alias` of `model` along `path`."""
    quote = default_connection.ops.quote_name
    if path is None:
        return "", str(NO_SCHOOL)
    if path == "self":
        return "", f"coalesce({alias}.{quote(model._meta.get_field('id').column)}, 0)::int"
    joins, current = [], model
    *hops, last = path.split("__")
    for i, hop in enumerate(hops):
        field = current._meta.get_field(hop)
        target = field.remote_field.model
        joined = f"{alias}_s{i}"
        joins.append(
            f"LEFT JOIN {quote(target._meta.db_table)} {joined} "
            f"ON {joined}.{quote(target._meta.pk.column)} = {alias}.{quote(field.column)}"
        )
        alias, current = joined, target
    field = current._meta.get_field(last)
    return " ".join(joins), f"coalesce({alias}.{quote(field.column)}, 0)::int"


def chained_tables() -> list[ChainedTable]:
    """Every chained table: the audit events and every history table. A history-bearing model must say
    which chain it joins (checked by `audit.checks`)."""
    from simple_history.models import registered_models

    from audit.models import AuditEvent

    tables = []
    origins = [AuditEvent, *sorted(registered_models.values(), key=lambda m: m._meta.label)]
    for origin in origins:
        model = origin if origin is AuditEvent else origin.history.model
        path = getattr(origin, "chain_school", MISSING)
        if path is MISSING:
            continue  # reported by the system check
        joins, expr = school_path(model, path)
        tables.append(
            ChainedTable(
                model=model,
                table=model._meta.db_table,
                pk_column=str(model._meta.pk.column),
                joins=joins,
                chain_expr=expr,
                disposable=getattr(origin, "chain_disposable", False),
                origin=origin,
            )
        )
    return tables


@cache
def unchained_history_models() -> list[str]:
    from simple_history.models import registered_models

    return [m._meta.label for m in registered_models.values() if not hasattr(m, "chain_school")]


# Tables of the chain itself: append-only, not chained.
GUARDED_OWN = ("audit_chainlink", "audit_chainlayout", "audit_chainseal", "audit_integritycheck")


def _function_settings(schema: str) -> str:
    quote = default_connection.ops.quote_name
    settings = " ".join(f"SET {name} = '{value}'" for name, value in SESSION_SETTINGS.items())
    return f"SET search_path = {quote(schema)}, pg_temp {settings}"


def _base_sql(schema: str, disposable: list[str]) -> str:
    settings = _function_settings(schema)
    allowed = ", ".join(f"'{t}'" for t in disposable) or "''"
    # identifiers and constants from the models' metadata, never from input
    return f"""
CREATE OR REPLACE FUNCTION audit_chain_append(
    p_chain int, p_kind text, p_table text, p_layout int, p_ids bigint[], p_hashes bytea, p_note text
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER {settings} AS $fn$
DECLARE
    last record;
    chain int := p_chain;
    seq bigint;
    kind text := p_kind;
    table_name text := p_table;
    layout_id int := p_layout;
    at timestamptz;
    row_ids bigint[] := p_ids;
    row_hashes bytea := p_hashes;
    note text := p_note;
    prev_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_NAMESPACE}, p_chain);
    SELECT l.seq, l.hash INTO last FROM audit_chainlink l WHERE l.chain = p_chain ORDER BY l.seq DESC LIMIT 1;
    seq := coalesce(last.seq, 0) + 1;
    prev_hash := coalesce(last.hash, '\\x'::bytea);
    at := clock_timestamp();
    INSERT INTO audit_chainlink (chain, seq, kind, table_name, layout_id, at, row_ids, row_hashes, note,
                                 prev_hash, hash)
    VALUES (chain, seq, kind, table_name, layout_id, at, row_ids, row_hashes, note, prev_hash,
            {link_hash_sql("")});
END
$fn$;
REVOKE ALL ON FUNCTION audit_chain_append(int, text, text, int, bigint[], bytea, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION audit_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('sodiem.disposal', true) = TG_TABLE_NAME THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$fn$;

-- The lawful removal: a retention decision's personal data, named in the chain.
CREATE OR REPLACE FUNCTION audit_dispose(p_chain int, p_table text, p_ids bigint[], p_note text)
RETURNS int LANGUAGE plpgsql SECURITY DEFINER {settings} AS $fn$
DECLARE
    removed bigint[];
BEGIN
    IF NOT (p_table = ANY (ARRAY[{allowed}])) THEN
        RAISE EXCEPTION 'rows of % cannot be disposed of', p_table USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF coalesce(btrim(p_note), '') = '' THEN
        RAISE EXCEPTION 'a disposal needs the decision it carries out';
    END IF;
    PERFORM set_config('sodiem.disposal', p_table, true);
    EXECUTE format('WITH gone AS (DELETE FROM %I WHERE history_id = ANY ($1) RETURNING history_id) '
                   'SELECT coalesce(array_agg(history_id ORDER BY history_id), ARRAY[]::bigint[]) FROM gone',
                   p_table)
        INTO removed USING p_ids;
    PERFORM set_config('sodiem.disposal', '', true);
    IF cardinality(removed) > 0 THEN
        PERFORM audit_chain_append(p_chain, 'dispose', p_table, NULL, removed, '\\x'::bytea, p_note);
    END IF;
    RETURN cardinality(removed);
END
$fn$;
"""  # noqa: S608


def _trigger_sql(schema: str, table: ChainedTable, columns: list[str], layout_id: int) -> str:
    quote = default_connection.ops.quote_name
    name = quote(f"audit_chain_{table.table}"[:63])
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
{_function_settings(schema)} AS $fn$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT q.chain, array_agg(q.id ORDER BY q.id) AS ids, string_agg(q.h, ''::bytea ORDER BY q.id) AS hashes
        FROM (SELECT {table.chain_expr} AS chain, n.{quote(table.pk_column)}::bigint AS id,
                     {row_hash_sql("n", columns)} AS h
              FROM new_rows n {table.joins}) q
        GROUP BY q.chain ORDER BY q.chain
    LOOP
        PERFORM audit_chain_append(r.chain, 'insert', TG_TABLE_NAME::text, {layout_id}, r.ids, r.hashes, '');
    END LOOP;
    RETURN NULL;
END
$fn$;
DROP TRIGGER IF EXISTS audit_chain ON {quote(table.table)};
CREATE TRIGGER audit_chain AFTER INSERT ON {quote(table.table)} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""  # noqa: S608


def _guard_sql(table: str) -> str:
    quote = default_connection.ops.quote_name
    return f"""
DROP TRIGGER IF EXISTS audit_guard ON {quote(table)};
CREATE TRIGGER audit_guard BEFORE UPDATE OR DELETE OR TRUNCATE ON {quote(table)}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_guard();
"""


def table_columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _layout(cursor, table: str, columns: list[str]) -> tuple[int, bool]:
    """The id of the table's current layout, and whether the table had none before (never chained)."""
    import json

    cursor.execute("SELECT count(*) FROM audit_chainlayout WHERE table_name = %s", [table])
    first = cursor.fetchone()[0] == 0
    encoded = json.dumps(columns)
    cursor.execute(
        "INSERT INTO audit_chainlayout (table_name, columns, created_at) VALUES (%s, %s::jsonb, now()) "
        "ON CONFLICT (table_name, columns) DO NOTHING",
        [table, encoded],
    )
    cursor.execute(
        "SELECT id FROM audit_chainlayout WHERE table_name = %s AND columns = %s::jsonb", [table, encoded]
    )
    return cursor.fetchone()[0], first


def install(connection=default_connection, *, verbosity: int = 0) -> None:
    """Create or refresh the chain: functions, a chain trigger and a guard on every chained table,
    guards on the chain's own tables. Idempotent; run after every migration (post_migrate) by the role
    that owns the tables. Rows already in a table chained for the first time are linked now."""
    if connection.vendor != "postgresql":
        return
    tables = chained_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_schema(), pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
            "WHERE oid = 'audit_chainlink'::regclass"
        )
        schema, owner = cursor.fetchone()
        if not owner:
            return  # only the tables' owner installs (a flush run by the application role, for one)
        cursor.execute(_base_sql(schema, [t.table for t in tables if t.disposable]))
        for table in tables:
            columns = table_columns(cursor, table.table)
            layout_id, first = _layout(cursor, table.table, columns)
            cursor.execute(_trigger_sql(schema, table, columns, layout_id))
            cursor.execute(_guard_sql(table.table))
            if first:
                linked = _link_existing(cursor, table, columns, layout_id)
                if linked and verbosity:
                    print(f"  chained {linked} existing rows of {table.table}")
        for own in GUARDED_OWN:
            cursor.execute(_guard_sql(own))
        # the old single chain of the audit events (replaced by the per-school chains)
        cursor.execute("DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent")
        cursor.execute("DROP FUNCTION IF EXISTS audit_auditevent_append_only()")


def _link_existing(
    cursor, table: ChainedTable, columns: list[str], layout_id: int, chunk: int = 10000
) -> int:
    """Link the rows a table held before it was chained, in id order, `chunk` rows a link."""
    quote = default_connection.ops.quote_name
    cursor.execute(
        f"""
        SELECT audit_chain_append(q.chain, 'insert', %s, %s, array_agg(q.id ORDER BY q.id),
                                  string_agg(q.h, ''::bytea ORDER BY q.id), 'rows kept before the chain')
        FROM (SELECT {table.chain_expr} AS chain, n.{quote(table.pk_column)}::bigint AS id,
                     {row_hash_sql("n", columns)} AS h,
                     (row_number() OVER (PARTITION BY {table.chain_expr} ORDER BY n.{quote(table.pk_column)}) - 1)
                        / %s AS part
              FROM {quote(table.table)} n {table.joins}) q
        GROUP BY q.chain, q.part ORDER BY q.chain, q.part
        """,  # noqa: S608 (identifiers from the models' metadata)
        [table.table, layout_id, chunk],
    )
    return cursor.rowcount if cursor.rowcount > 0 else 0


def set_session_format(cursor) -> None:
    """Put the session in the format rows are hashed in (for the rest of the transaction)."""
    for name, value in SESSION_SETTINGS.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def lock_chains(schools, connection=default_connection) -> None:
    """Take the chain locks of several schools up front, in one order, for a transaction that writes
    into more than one school (a transfer): two such transactions never wait on each other crosswise."""
    if connection.vendor != "postgresql":
        return
    ids = sorted({getattr(s, "pk", s) or NO_SCHOOL for s in schools})
    with connection.cursor() as cursor:
        for chain in ids:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, chain])


def dispose(chain: int, model, ids: list[int], note: str, connection=default_connection) -> int:
    """Remove history rows of `model` (a disposable model's history) through the lawful path."""
    if not ids:
        return 0
    history = model.history.model
    if connection.vendor != "postgresql":
        return history.objects.filter(history_id__in=ids).delete()[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT audit_dispose(%s, %s, %s::bigint[], %s)", [chain, history._meta.db_table, ids, note]
        )
        return cursor.fetchone()[0]
