"""Current rows against their trail: every row of a model that keeps history must equal its newest
history row. A score changed by an UPDATE in SQL (no history row) differs from it; a row inserted in
SQL has none; a row deleted in SQL leaves a trail that says it still exists (docs/integrity.md)."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _

from audit.chain import chained_tables, school_path


def _labels(origin, ids, *, from_history: bool) -> dict:
    describe = getattr(origin, "integrity_labels", None)
    labels = describe(ids, from_history=from_history) if describe else {}
    name = str(origin._meta.verbose_name)
    return {i: labels.get(i) or f"{name} #{i}" for i in ids}


def check_trail(cursor, report) -> None:
    quote = connection.ops.quote_name
    for table in chained_tables():
        origin, history = table.origin, table.model
        if origin is history:  # the audit events are their own trail
            continue
        pk = quote(origin._meta.pk.column)
        history_columns = {f.column for f in history._meta.concrete_fields}
        columns = [f.column for f in origin._meta.concrete_fields if f.column in history_columns]
        current_row = ", ".join(f"c.{quote(c)}" for c in columns)
        history_row = ", ".join(f"h.{quote(c)}" for c in columns)
        joins, chain_expr = school_path(origin, origin.chain_school, alias="c")
        # the newest history row of each current row, by aggregates and hash joins (fast whatever the
        # planner's statistics)
        current_table, history_table = quote(origin._meta.db_table), quote(history._meta.db_table)
        cursor.execute(
            f"""WITH c AS MATERIALIZED (SELECT c.* FROM {current_table} c {joins} WHERE {chain_expr} = %s),
                     newest AS (SELECT h.{pk}, max(h.history_id) AS hid
                                FROM {history_table} h JOIN c ON c.{pk} = h.{pk} GROUP BY h.{pk})
                SELECT c.{pk}, n.hid IS NULL, h.history_type
                FROM c LEFT JOIN newest n ON n.{pk} = c.{pk} LEFT JOIN {history_table} h ON h.history_id = n.hid
                WHERE n.hid IS NULL OR h.history_type = '-'
                   OR ROW({current_row}) IS DISTINCT FROM ROW({history_row})
                ORDER BY c.{pk}""",  # noqa: S608 (identifiers from the models' metadata)
            [report.chain],
        )
        found = cursor.fetchall()
        labels = _labels(origin, [r[0] for r in found], from_history=False)
        for row_id, no_history, history_type in found:
            if no_history:
                kind, text = "no_history", _("%(row)s has no history: it was written around the application.")
            elif history_type == "-":
                kind, text = "differs", _("%(row)s exists although its history says it was deleted.")
            else:
                kind, text = (
                    "differs",
                    _("%(row)s differs from its newest history row: changed without a trace."),
                )
            report.add(kind, origin._meta.db_table, row_id, text % {"row": labels[row_id]})

        history_joins, history_chain = school_path(history, origin.chain_school, alias="h")
        cursor.execute(
            f"""WITH ids AS (SELECT DISTINCT h.{pk} FROM {history_table} h {history_joins}
                             WHERE {history_chain} = %s),
                     newest AS (SELECT h.{pk}, max(h.history_id) AS hid
                                FROM {history_table} h JOIN ids ON ids.{pk} = h.{pk} GROUP BY h.{pk})
                SELECT n.{pk} FROM newest n JOIN {history_table} h ON h.history_id = n.hid
                WHERE h.history_type <> '-'
                  AND NOT EXISTS (SELECT 1 FROM {current_table} c WHERE c.{pk} = n.{pk})
                ORDER BY n.{pk}""",  # noqa: S608
            [report.chain],
        )
        gone = [r[0] for r in cursor.fetchall()]
        labels = _labels(origin, gone, from_history=True)
        for row_id in gone:
            report.add(
                "deleted",
                origin._meta.db_table,
                row_id,
                _("%(row)s was deleted without a trace (its history says it exists).")
                % {"row": labels[row_id]},
            )
