"""The score grid as an Excel file: a template to fill (download) and a filled one to read (upload).

Rows are matched by the student's system code (hidden column A), columns by their keys (hidden row 5),
so a sorted or re-typed sheet still lands in the right cells. Files saved by Excel and by LibreOffice
both read (numbers may come back as floats or as text with a decimal comma).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection

from accounts.excel import ExcelError, neutralise_formulas, read_sheet
from gradebook.services.scores import COMMENT_COLUMN, CellChange, CellError, display_value, parse_cell

ID_ROW = 4  # hidden: which class-subject and term the file is the template of
ID_MARK = "sodiem-grid"
KEY_ROW = 5
HEADER_ROW = 6
FIRST_ROW = 7
FIXED = ["Mã hệ thống", "STT", "Mã học sinh", "Họ và tên", "Ngày sinh"]
MAX_ROWS = 200


def export_grid(assignment, term: str, data: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Diem"
    classroom = assignment.classroom
    ws["B1"] = classroom.school_year.school.name
    ws["B2"] = (
        f"Lớp {classroom.name} — Môn {assignment.subject.name} — {'Học kì I' if term == 'HK1' else 'Học kì II'} — Năm học {classroom.school_year.name}"
    )
    ws["B3"] = (
        f"Xuất lúc {timezone.localtime():%H:%M ngày %d/%m/%Y}. Chỉ nhập vào các ô trắng; không đổi thứ tự cột."
    )
    ws["B1"].font = Font(bold=True)
    for i, value in enumerate(
        [ID_MARK, str(assignment.uuid), term, classroom.name, assignment.subject.name], start=1
    ):
        ws.cell(ID_ROW, i, value)
    ws.row_dimensions[ID_ROW].hidden = True
    keys = [c.key for c in data["columns"]] + [COMMENT_COLUMN]
    labels = [c.label for c in data["columns"]] + ["Nhận xét"]
    for i, key in enumerate(["enrolment", "number", "code", "name", "dob", *keys], start=1):
        ws.cell(KEY_ROW, i, key)
    for i, label in enumerate(FIXED + labels, start=1):
        cell = ws.cell(HEADER_ROW, i, label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F2")
        cell.alignment = Alignment(horizontal="center")
    ws.row_dimensions[KEY_ROW].hidden = True
    ws.column_dimensions["A"].hidden = True
    ws.column_dimensions["D"].width = 28
    ws.column_dimensions["E"].width = 12
    ws.column_dimensions[ws.cell(1, len(FIXED) + len(keys)).column_letter].width = 40
    for r, row in enumerate((r for r in data["rows"] if r.studying), start=FIRST_ROW):
        student = row.enrolment.student
        ws.cell(r, 1, str(row.enrolment.uuid))
        ws.cell(r, 2, row.number)
        ws.cell(r, 3, student.moet_code)
        ws.cell(r, 4, student.full_name)
        ws.cell(r, 5, student.date_of_birth.strftime("%d/%m/%Y"))
        for c, cell in enumerate([*row.cells, row.comment], start=len(FIXED) + 1):
            target = ws.cell(r, c, _excel_value(cell.value))
            target.protection = Protection(locked=False)
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatColumns = False
    neutralise_formulas(wb)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _excel_value(text: str):
    if text and text.replace(",", "").isdigit():
        number = Decimal(text.replace(",", "."))
        return int(number) if number == number.to_integral_value() else float(number)
    return text or None


def _cell_text(value) -> str:
    """An Excel value back as the text the grid would have received."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value).strip()


@dataclass
class ImportLine:
    number: int
    student: str
    column: str
    old: str
    new: str


@dataclass
class ImportPreview:
    changes: list[CellChange] = field(default_factory=list)
    lines: list[ImportLine] = field(default_factory=list)
    refused: list[ImportLine] = field(default_factory=list)  # `new` holds the reason
    missing: list[str] = field(default_factory=list)  # students of the class the file does not hold
    error: str = ""


def read_grid(assignment, term: str, uploaded, data: dict) -> ImportPreview:
    """Validate a filled file cell by cell against the current grid; nothing is written here."""
    preview = ImportPreview()
    try:
        rows = read_sheet(uploaded, max_rows=FIRST_ROW + MAX_ROWS)
    except ExcelError as exc:
        preview.error = str(exc)
        return preview
    by_number = dict(rows)
    identity = [str(v or "").strip() for v in by_number.get(ID_ROW, ())] + [""] * 5
    if identity[0] == ID_MARK and (identity[1], identity[2]) != (str(assignment.uuid), term):
        preview.error = _(
            "This file is the score sheet of class %(classroom)s, %(subject)s, %(term)s: not of this page. "
            "Download this page's template, or open the page of that class."
        ) % {"classroom": identity[3], "subject": identity[4], "term": identity[2]}
        return preview
    keys = [str(v or "").strip() for v in by_number.get(KEY_ROW, ())]
    expected = [c.key for c in data["columns"]] + [COMMENT_COLUMN]
    if keys[:2] != ["enrolment", "number"] or not set(expected) <= set(keys):
        preview.error = _(
            "This is not the score template of this class, subject and term: download the template again."
        )
        return preview
    grid_rows = {str(r.enrolment.uuid): r for r in data["rows"] if r.studying}
    position = {key: keys.index(key) for key in expected}
    labels = {c.key: c.label for c in data["columns"]} | {COMMENT_COLUMN: "Nhận xét"}
    seen = set()
    for number, values in rows:
        if number < FIRST_ROW:
            continue
        values = list(values) + [None] * (len(keys) - len(values))
        code = _cell_text(values[0])
        if not code and not any(values):
            continue
        row = grid_rows.get(code)
        if row is None:
            if any(_cell_text(v) for v in values[len(FIXED) :]):
                preview.refused.append(
                    ImportLine(
                        number,
                        _cell_text(values[3]),
                        "",
                        "",
                        _("This student is not in the class (the row's code was changed)."),
                    )
                )
            continue
        if code in seen:
            preview.refused.append(
                ImportLine(
                    number,
                    row.enrolment.student.full_name,
                    "",
                    "",
                    _("The student appears twice in the file."),
                )
            )
            continue
        seen.add(code)
        current = {cell.key: cell for cell in [*row.cells, row.comment]}
        for key in expected:
            text = _cell_text(values[position[key]])
            old = current[key]
            shown = text
            if key != COMMENT_COLUMN:
                try:
                    value, level = parse_cell(assignment.subject.kind, text)
                    shown = display_value(value, level)  # as the grid shows it: 7,5 (Excel keeps 7.5)
                except CellError as exc:
                    preview.refused.append(
                        ImportLine(
                            number, row.enrolment.student.full_name, labels[key], old.value, f"{text}: {exc}"
                        )
                    )
                    continue
                if _same(assignment.subject.kind, text, old.value):
                    continue
            elif " ".join(text.split()) == old.value:
                continue
            preview.changes.append(CellChange(code, key, text, old.version))
            preview.lines.append(
                ImportLine(
                    number, row.enrolment.student.full_name, labels[key], old.value or "∅", shown or "∅"
                )
            )
    # the class's students the file does not hold: their cells stay as they are, but the teacher is told
    preview.missing = [r.enrolment.student.full_name for code, r in grid_rows.items() if code not in seen]
    return preview


def _same(subject_kind: str, text: str, shown: str) -> bool:
    """Same cell value, however typed (8 / 8,0 / 8.0; đ / Đ)."""
    return parse_cell(subject_kind, text) == parse_cell(subject_kind, shown)
