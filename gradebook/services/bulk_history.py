"""Write many rows of a model and one django-simple-history row for each, in one statement.

The score grid saves up to a class × all columns at once. `bulk_update_with_history` compiles a
CASE WHEN per field and row (about 400 ms for 405 cells) and `bulk_history_create` builds a model
instance per history row; a teacher's save should cost little more than the write itself. On
PostgreSQL this module does the upsert and the history insert in one set-based statement:

    WITH input AS (SELECT … FROM unnest(%s::type[], …)),
         written AS (INSERT … SELECT … FROM input ON CONFLICT (…) DO UPDATE … RETURNING *)
    INSERT INTO <historical table> SELECT written.*, reason, '+'/'~', now, user, ip FROM written

A value the same on every row (the class-subject, the term, the author, the moment, often the reason
and the kind of change) is bound once rather than as an array; per-row reasons or kinds of change are
joined back by the rows' uuid. The history rows land in the library's own historical table with the library's own columns, so
`Score.history`, `instance.history`, `diff_against` and the admin read them as usual. The columns are
taken from the models' metadata and checked against each other, so a field added to the model is
written or the write fails loudly — never silently missing from history.

Other databases (SQLite, for the demo) take the ORM path with the library's helper for history rows.
The caller holds the lock that serialises writers of these rows. `read_together` is the matching read:
the rows a save needs, in one round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import psycopg
from django.db import connection
from django.db.models import Model, QuerySet

HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")
REASON_MAX = 100
# Field types whose Python values psycopg adapts as they are (the model validated them already): no
# per-value get_db_prep_save, the bulk of the cost for a class × all columns.
_NATIVE = {
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
    "UUIDField",
}  # django-simple-history's history_change_reason is a varchar(100)


def upsert_with_history(
    model: type[Model],
    rows: Sequence[Any],  # model instances, or plain rows carrying the model's attributes
    *,
    unique_fields: list[str],
    reasons: list[str],
    created: list[bool],
    user,
    when: datetime,
    extra_history: dict | None = None,
) -> None:
    """Insert the rows that are new and update the others (matched on `unique_fields`), with one
    history row each: `created[i]` says whether rows[i] is new ("+") or changed ("~"), `reasons[i]`
    is its change reason. Every concrete field but the primary key is written; the model needs a unique
    `uuid` field (set on new rows before the call), which ties each history row to its row. A matched
    row keeps its uuid; the rows' primary keys are not read back."""
    if not rows:
        return
    reasons = [(r or "")[:REASON_MAX] for r in reasons]
    extra_history = extra_history or {}
    if connection.vendor == "postgresql":
        _postgresql(model, rows, unique_fields, reasons, created, user, when, extra_history)
    else:
        orm_upsert_with_history(model, rows, unique_fields, reasons, created, user, when, extra_history)


def read_together(*reads) -> list[list[tuple]]:
    """The rows of several reads, in the order given: `values_list` querysets, or objects with a
    `sql_with_params()` of their own (a plain statement). On PostgreSQL they are sent in one round
    trip (psycopg's pipeline mode) and read by psycopg's binary loaders instead of Django's per-value
    Python ones: a grid save reads its lock, lock state, roster, cells and columns at once. The values
    are the querysets' (aware datetimes in UTC, Decimals, UUIDs); fields that need a converter (JSON,
    custom fields) must not be asked. Elsewhere each read is simply run in turn."""
    if connection.vendor != "postgresql":
        results = []
        for read in reads:
            if isinstance(read, QuerySet):
                results.append(list(read))
            else:
                with connection.cursor() as cursor:
                    cursor.execute(*read.sql_with_params())
                    results.append(cursor.fetchall())
        return results
    statements = [
        read.query.sql_with_params() if isinstance(read, QuerySet) else read.sql_with_params()
        for read in reads
    ]
    connection.ensure_connection()
    raw: psycopg.Connection = connection.connection
    pipe_cursors = [psycopg.Cursor(raw) for _ in statements]
    try:
        with raw.pipeline():
            for pipe_cursor, (sql, params) in zip(pipe_cursors, statements, strict=True):
                pipe_cursor.execute(sql, params, binary=True)
        return [pipe_cursor.fetchall() for pipe_cursor in pipe_cursors]
    finally:
        for pipe_cursor in pipe_cursors:
            pipe_cursor.close()


def orm_upsert_with_history(model, rows, unique_fields, reasons, created, user, when, extra_history):
    """The portable path: the ORM's upsert, then the library's bulk history helper. `rows` may be
    plain objects carrying the model's attributes (the grid's): they become instances here."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    plain = [row for row in rows if not isinstance(row, model)]
    if plain:
        originals = rows
        rows = [
            row if isinstance(row, model) else model(**{k: v for k, v in vars(row).items() if k[0] != "_"})
            for row in rows
        ]
    unique = set(unique_fields)
    update_fields = [f.name for f in fields if f.name not in unique and f.name != "uuid"]
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
    )
    if any(row.pk is None for row in rows):  # databases that return no ids from an upsert
        by_uuid = dict(model.objects.filter(uuid__in=[r.uuid for r in rows]).values_list("uuid", "pk"))
        for row in rows:
            row.pk = by_uuid[row.uuid]
    for row, reason in zip(rows, reasons, strict=True):
        row._change_reason = reason
    if plain:
        for original, row in zip(originals, rows, strict=True):
            original.id = row.pk
    for flag in (True, False):
        batch = [row for row, new in zip(rows, created, strict=True) if new is flag]
        if batch:
            model.history.bulk_history_create(
                batch,
                update=not flag,
                default_user=user,
                default_date=when,
                custom_historical_attrs=extra_history,
            )


@dataclass(frozen=True)
class _Table:
    """What the statement needs to know of a model and its history table (read once per model)."""

    fields: list  # (attname, native, field, db_type) of every concrete field but the primary key
    columns: list[str]
    unique_columns: list[str]
    table: str
    historical_table: str
    pk_column: str
    extra_types: tuple[str, ...]


@cache
def _table(model: type[Model], unique_fields: tuple[str, ...], extra: tuple[str, ...]) -> _Table:
    # `model.history` (django-simple-history's, added at run time) builds a manager class on every access
    historical = model.history.model  # type: ignore[attr-defined]
    fields: list = [f for f in model._meta.concrete_fields if not f.primary_key]
    pk_column = str(model._meta.pk.column)
    history_own = {"history_id", *HISTORY_COLUMNS, *extra}
    mirrored = {str(f.column) for f in historical._meta.concrete_fields} - history_own
    expected = {pk_column} | {str(f.column) for f in fields}
    if mirrored != expected:
        raise RuntimeError(
            f"{historical.__name__} and {model.__name__} columns differ: {sorted(mirrored ^ expected)}"
        )
    return _Table(
        fields=[(f.attname, f.get_internal_type() in _NATIVE, f, f.cast_db_type(connection)) for f in fields],
        columns=[f.column for f in fields],
        unique_columns=[str(model._meta.get_field(name).column) for name in unique_fields],  # type: ignore[union-attr]
        table=model._meta.db_table,
        historical_table=historical._meta.db_table,
        pk_column=pk_column,
        extra_types=tuple(historical._meta.get_field(name).cast_db_type(connection) for name in extra),
    )


def _postgresql(model, rows, unique_fields, reasons, created, user, when, extra_history):
    quote = connection.ops.quote_name
    meta = _table(model, tuple(unique_fields), tuple(extra_history))
    columns, unique_columns, pk_column = meta.columns, meta.unique_columns, meta.pk_column

    # A column whose value is the same on every row (the class-subject, the term, the author, the
    # moment, often the reason) is bound once instead of as an array of 400 equal values.
    arrays: list[list] = []
    array_types: list[str] = []

    def value_of(values: list, db_type: str, scalars: list) -> str:
        first = values[0]
        if all(v == first and type(v) is type(first) for v in values):
            scalars.append(first)
            return f"%s::{db_type}"
        arrays.append(values)
        array_types.append(db_type)
        return f"input.c{len(arrays) - 1}"

    row_scalars: list = []
    select = [
        value_of(
            [getattr(row, attname) for row in rows]
            if native
            else [field.get_db_prep_save(getattr(row, attname), connection) for row in rows],
            db_type,
            row_scalars,
        )
        for attname, native, field, db_type in meta.fields
    ]
    history_scalars: list = []
    reason = value_of(reasons, "text", history_scalars)
    history_type = value_of(["+" if new else "~" for new in created], "text", history_scalars)
    # Per-row history values are matched to the written rows by their uuid (set on new rows by the
    # caller); when they are the same for all, no join is needed.
    join = ""
    if "input." in reason + history_type:
        join = f" JOIN input ON written.{quote('uuid')} = {select[columns.index('uuid')]}"
        if "input." not in join:  # the uuids are unique: with several rows they are an array
            raise RuntimeError("rows share a uuid")
    if not arrays:  # one row: still a set to select from
        arrays.append([0])
        array_types.append("int")

    names = ", ".join(quote(c) for c in columns)
    table = quote(meta.table)
    # A matched row keeps its uuid: it identifies the row in history and in links.
    updates = ", ".join(
        f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c not in unique_columns and c != "uuid"
    )
    aliases = ", ".join(f"c{i}" for i in range(len(arrays)))
    extra_names = "".join(f", {quote(name)}" for name in extra_history)
    extra_values = "".join(f", %s::{db_type}" for db_type in meta.extra_types)
    # identifiers from the models' metadata, quoted; every value is bound
    sql = f"""
        WITH input AS (
            SELECT * FROM unnest({", ".join(f"%s::{t}[]" for t in array_types)}) AS t({aliases})
        ), written AS (
            INSERT INTO {table} AS target ({names})
            SELECT {", ".join(select)} FROM input
            ON CONFLICT ({", ".join(quote(c) for c in unique_columns)}) DO UPDATE SET {updates}
            RETURNING target.*
        )
        INSERT INTO {quote(meta.historical_table)}
            ({quote(pk_column)}, {names}, history_change_reason, history_type, history_date,
             history_user_id{extra_names})
        SELECT written.{quote(pk_column)}, {", ".join(f"written.{quote(c)}" for c in columns)},
               {reason}, {history_type}, %s::timestamptz, %s::bigint{extra_values}
        FROM written{join}
    """  # noqa: S608
    params = [*arrays, *row_scalars, *history_scalars, when, user.pk if user else None]
    params += extra_history.values()
    connection.ensure_connection()
    # Server-side binding in binary: Django's client-side binding would spell 6,000 values into the
    # SQL text. The statement runs on Django's connection, inside the caller's transaction.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql.replace("%s", "%b"), params)
        if cursor.rowcount != len(rows):
            raise RuntimeError(f"{len(rows)} rows written but {cursor.rowcount} history rows")
