"""Write many rows of a model and one django-simple-history row for each, in one statement.

The score grid saves up to a class × all columns at once. `bulk_update_with_history` compiles a
CASE WHEN per field and row (about 400 ms for 405 cells) and `bulk_history_create` builds a model
instance per history row; a teacher's save should cost little more than the write itself. On
PostgreSQL this module does the upsert and the history insert in one set-based statement:

    WITH input AS (SELECT … FROM unnest(%s::type[], …)),
         written AS (INSERT … SELECT … FROM input ON CONFLICT (…) DO UPDATE … RETURNING *)
    INSERT INTO <historical table> SELECT written.*, now, reason, '+'/'~', user, ip FROM written JOIN input

The history rows land in the library's own historical table with the library's own columns, so
`Score.history`, `instance.history`, `diff_against` and the admin read them as usual. The columns are
taken from the models' metadata and checked against each other, so a field added to the model is
written or the write fails loudly — never silently missing from history.

Other databases (SQLite, for the demo) take the ORM path with the library's helper for history rows.
The caller holds the lock that serialises writers of these rows.
"""

from __future__ import annotations

from datetime import datetime

import psycopg
from django.db import connection
from django.db.models import Model

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
    rows: list[Model],
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
    `uuid` field (set on new rows before the call), which ties each history row to its row."""
    if not rows:
        return
    reasons = [(r or "")[:REASON_MAX] for r in reasons]
    extra_history = extra_history or {}
    if connection.vendor == "postgresql":
        _postgresql(model, rows, unique_fields, reasons, created, user, when, extra_history)
    else:
        orm_upsert_with_history(model, rows, unique_fields, reasons, created, user, when, extra_history)


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


def _postgresql(model, rows, unique_fields, reasons, created, user, when, extra_history):
    historical = model.history.model
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    pk_column = model._meta.pk.column
    unique_columns = [model._meta.get_field(name).column for name in unique_fields]
    history_own = {"history_id", *HISTORY_COLUMNS, *extra_history}
    mirrored = {f.column for f in historical._meta.concrete_fields} - history_own
    expected = {pk_column} | {f.column for f in fields}
    if mirrored != expected:
        raise RuntimeError(
            f"{historical.__name__} and {model.__name__} columns differ: {sorted(mirrored ^ expected)}"
        )

    columns = [f.column for f in fields]
    arrays = [
        [getattr(row, f.attname) for row in rows]
        if f.get_internal_type() in _NATIVE
        else [f.get_db_prep_save(getattr(row, f.attname), connection) for row in rows]
        for f in fields
    ]
    types = [f.cast_db_type(connection) for f in fields]
    history_type = ["+" if new else "~" for new in created]

    inputs = ", ".join(f"%s::{t}[]" for t in types)
    names = ", ".join(quote(c) for c in columns)
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    table = quote(model._meta.db_table)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c not in unique_columns)
    uuid_index = columns.index("uuid")
    extra_names = "".join(f", {quote(name)}" for name in extra_history)
    extra_values = "".join(
        f", %s::{historical._meta.get_field(name).cast_db_type(connection)}" for name in extra_history
    )
    # identifiers from the models' metadata, quoted; every value is bound
    sql = f"""
        WITH input AS (
            SELECT * FROM unnest({inputs}, %s::text[], %s::text[]) AS t({aliases}, reason, htype)
        ), written AS (
            INSERT INTO {table} AS target ({names})
            SELECT {aliases} FROM input
            ON CONFLICT ({", ".join(quote(c) for c in unique_columns)}) DO UPDATE SET {updates}
            RETURNING target.*
        )
        INSERT INTO {quote(historical._meta.db_table)}
            ({quote(pk_column)}, {names}, history_date, history_change_reason, history_type,
             history_user_id{extra_names})
        SELECT written.{quote(pk_column)}, {", ".join(f"written.{quote(c)}" for c in columns)},
               %s, input.reason, input.htype, %s{extra_values}
        FROM written JOIN input ON written.{quote("uuid")} = input.c{uuid_index}
        RETURNING {quote(pk_column)}, {quote("uuid")}
    """  # noqa: S608
    params = [*arrays, reasons, history_type, when, user.pk if user else None, *extra_history.values()]
    connection.ensure_connection()
    # Server-side binding in binary: Django's client-side binding would spell 6,000 values into the
    # SQL text. The statement runs on Django's connection, inside the caller's transaction.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql.replace("%s", "%b"), params)
        ids = dict((uuid, pk) for pk, uuid in cursor.fetchall())
    if len(ids) != len(rows):
        raise RuntimeError(f"{len(rows)} rows written but {len(ids)} history rows")
    pk = model._meta.pk.attname
    for row in rows:
        setattr(row, pk, ids[row.uuid])
