"""The statistics tables as an Excel workbook (openpyxl): one sheet per table, counts and percentages."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _

from accounts.excel import neutralise_formulas


def statistics_workbook(data: dict, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    rows = [*(group for _grade, group in data["classes"]), *data["grades"], data["school"]]

    def sheet(name, header, values):
        ws = workbook.create_sheet(name[:31])
        ws.append([title])
        ws.append(header)
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for line in values:
            ws.append(line)
        ws.freeze_panes = "B3"

    def levels(counter_name, levels_):
        header = [_("Class / grade"), _("Students")]
        for level in levels_:
            header += [level, "%"]
        values = []
        for group in rows:
            counter = getattr(group, counter_name)
            line = [group.label, group.students]
            for level in levels_:
                line += [counter.get(level, 0), float(group.percent(counter.get(level, 0)))]
            values.append(line)
        return header, values

    sheet(_("Academic results"), *levels("academic", data["academic_levels"]))
    sheet(_("Conduct"), *levels("conduct", data["conduct_levels"]))
    header = [_("Subject"), _("Class / grade")] + data["bands"]
    values = []
    for subject, kind in data["subjects"]:
        bands = data["comment_bands"] if kind == "comment" else data["bands"]
        for group in rows:
            counts = group.bands.get(subject, {})
            values.append([subject, group.label] + [counts.get(b, 0) for b in bands])
    sheet(_("Subject averages"), header, values)
    if data["decisions"]:
        header = [_("Class / grade"), _("Students")] + data["decisions"] + data["honours"]
        values = [
            [g.label, g.students]
            + [g.decisions.get(d, 0) for d in data["decisions"]]
            + [g.honours.get(h, 0) for h in data["honours"]]
            for g in rows
        ]
        sheet(_("Promotion and honours"), header, values)
    del workbook[workbook.sheetnames[0]]
    neutralise_formulas(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
