"""The score grid's rows, written in Python: a 45 × 9 grid is 405 inputs of ten attributes each and
45 rows of a dozen values, and Django's template engine spent most of the grid page's time on them.
The markup is the one the grid's script reads (static/js/grid.js), whitespace included; every value is
escaped as the template would (tests/test_hostile_input.py keeps the template these replaced)."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _esc(value) -> str:
    """As the template escapes a value (django.utils.html.conditional_escape), without its wrappers."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def _day(day) -> str:
    """The `date:"d/m/Y"` filter's text, digits only whatever the language."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}" if day else ""


def _cell_titles() -> tuple[str, str]:
    """The titles of a late and of a locked cell, escaped: once a grid."""
    return _esc(_("Entered late")), _esc(_("Locked month"))


def _cells(row, who: str, columns: dict, late: str, locked: str) -> str:
    """The markup of a row's score cells; `who` is the student's name escaped, `columns` keeps each
    column's key and label escaped for the next rows of the grid."""
    parts = []
    for cell in row.cells:
        if cell.key not in columns:
            columns[cell.key] = (_esc(cell.key), _esc(cell.label))
        key, label = columns[cell.key]
        value = _esc(cell.value)
        css = f'cell late" title="{late}' if cell.late else "cell"
        readonly = " readonly" if row.readonly or cell.locked else ""
        why = f' title="{locked}"' if cell.locked else ""
        parts.append(
            f'<td data-col="{key}"><input class="{css}" data-col="{key}" data-label="{label}" '
            f'data-version="{int(cell.version)}" data-saved="{value}" value="{value}" inputmode="decimal" '
            f'autocomplete="off" aria-label="{who} {label}"{readonly}{why}></td>'
        )
    return "".join(parts)


@register.simple_tag
def grid_rows(rows) -> SafeString:
    """Every row of the grid (gradebook/selectors/grid.py GridRow): number, name, date of birth, the
    score cells, the term result with its explanation, the comment."""
    exempt = _esc(_("exempt"))
    why = _esc(_("Why?"))
    comment_label = _esc(_("Comment"))
    columns: dict = {}
    titles = _cell_titles()
    parts = []
    for row in rows:
        enrolment = row.enrolment
        student = enrolment.student
        name = _esc(student.full_name)
        css = ("" if row.studying else "left") + (" exempt" if row.exempt else "")
        tags = (f' <span class="tag">{exempt}</span>' if row.exempt else "") + (
            "" if row.studying else f' <span class="tag">{_esc(enrolment.get_status_display())}</span>'
        )
        comment = _esc(row.comment.value)
        parts.append(
            f'\n    <tr data-enrolment="{_esc(enrolment.uuid)}" class="{css}">'
            f'\n      <td class="num">{int(row.number) if row.studying else ""}</td>'
            f'\n      <td class="name">{name}{tags}</td>'
            f'\n      <td class="dob">{_day(student.date_of_birth)}</td>'
            f"\n      {_cells(row, name, columns, *titles)}"
            f'\n      <td class="avg"><span class="avg-value">{_esc(row.average)}</span> '
            f'<button type="button" class="why" title="{_esc(row.explanation)}" '
            f'aria-label="{why}">?</button></td>'
            f'\n      <td class="comment-col" data-col="comment"><input class="cell comment" list="comment-bank" '
            f'data-col="comment" data-version="{int(row.comment.version)}" data-saved="{comment}" '
            f'value="{comment}"\n        maxlength="500" autocomplete="off" aria-label="{name} {comment_label}"'
            f"{' readonly' if row.readonly else ''}></td>"
            "\n    </tr>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 — every value escaped above
