"""The score grid's cells, written in Python: a 45 × 9 grid is 405 inputs of ten attributes each, and
Django's template engine spent two thirds of the grid page's time on them. The markup is the one the
grid's script reads (static/js/grid.js); every value is escaped as the template would."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def score_cells(row, name) -> SafeString:
    late = conditional_escape(_("Entered late"))
    locked = conditional_escape(_("Locked month"))
    who = conditional_escape(name)
    parts = []
    for cell in row.cells:
        key, label, value = (conditional_escape(v) for v in (cell.key, cell.label, cell.value))
        css = f'cell late" title="{late}' if cell.late else "cell"
        readonly = " readonly" if row.readonly or cell.locked else ""
        why = f' title="{locked}"' if cell.locked else ""
        parts.append(
            f'<td data-col="{key}"><input class="{css}" data-col="{key}" data-label="{label}" '
            f'data-version="{int(cell.version)}" data-saved="{value}" value="{value}" inputmode="decimal" '
            f'autocomplete="off" aria-label="{who} {label}"{readonly}{why}></td>'
        )
    return mark_safe("".join(parts))  # noqa: S308 — every value escaped above
