"""The statistics tables (a row per class, grade and school: counts, percentages, a bar), written in
Python: the school's page is two or four such tables of forty rows, and the template engine's nodes were
half of a page served from the kept figures. The markup and the numbers' formatting are the template's
(`{{ n }}` localised, the bar's coordinates unlocalised); tests/test_statistics.py keeps the template
this replaced as the reference."""

from django import template
from django.templatetags.l10n import unlocalize
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _value(value) -> str:
    """`{{ value }}`: localised, then escaped."""
    return conditional_escape(localize(value))


@register.simple_tag
def stats_table(rows, levels, table_id) -> SafeString:
    """One table of gradebook/selectors/statistics.py `table()` rows under the levels' headings."""
    head = "".join(f'<th class="num">{_value(level)}</th>' for level in levels)
    parts = [
        f'<table class="data stats" id="{_value(table_id)}"><thead><tr><th>{_value(_("Class / grade"))}</th>'
        f'<th class="num">{_value(_("Students"))}</th>{head}<th>{_value(_("Chart"))}</th></tr></thead>\n<tbody>'
    ]
    for row in rows:
        label = _value(row["label"])
        cells = "".join(
            f'<td class="num">{_value(n)}'
            + (f' <small class="muted">({_value(pct)}%)</small>' if n else "")
            + "</td>"
            for n, pct in row["cells"]
        )
        bar = "".join(
            f'<rect x="{conditional_escape(unlocalize(part["x"]))}" width="{conditional_escape(unlocalize(part["w"]))}" '
            f'height="12" class="lvl{_value(part["i"])}"><title>{_value(part["label"])}: {_value(part["n"])}</title></rect>'
            for part in row["bar"]
        )
        parts.append(
            f'<tr class="{"total" if row["total"] else ""}"><td>{label}</td><td class="num">{_value(row["students"])}</td>'
            f'{cells}\n<td class="chart"><svg width="160" height="12" role="img" aria-label="{label}">{bar}</svg></td></tr>'
        )
    parts.append("</tbody></table>\n")
    return mark_safe("".join(parts))  # noqa: S308 — every value escaped above
