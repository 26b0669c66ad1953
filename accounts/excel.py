"""Reading uploaded .xlsx files safely (an .xlsx is a zip: cap its size, rows and cells)."""

from __future__ import annotations

import zipfile
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from sodiem.domain import DomainError
from sodiem.text import nfc

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 50


class ExcelError(DomainError):
    """A spreadsheet that cannot be read; the message says why."""


def formula_without_value(number: int, column: int) -> ExcelError:
    """A formula whose result the file does not keep must not be read as an empty cell."""
    return ExcelError(
        _(
            "Cell %(cell)s holds a formula whose result the file does not keep (it was written "
            "by a program, not saved by a spreadsheet). Open the file in Excel or LibreOffice, "
            "save it, and upload it again."
        )
        % {"cell": f"{get_column_letter(column + 1)}{number}"}
    )


def read_rows(uploaded, *, max_rows: int) -> tuple[list, list[tuple[int, tuple]]]:
    """(header cells, [(row number, cells)]) of the first sheet."""
    rows = read_sheet(uploaded, max_rows=max_rows + 1)
    if not rows:
        raise ExcelError(_("The file has no data rows."))
    return list(rows[0][1]), rows[1:]


def read_sheet(uploaded, *, max_rows: int) -> list[tuple[int, tuple]]:
    """[(row number, cells)] of the first sheet, after the size checks: text in NFC, a formula as the
    result the spreadsheet saved (a formula without one is refused)."""
    data = uploaded.read(MAX_UPLOAD_BYTES + 1)
    check_size(data)
    rows, formulas = _rows(data, data_only=False, max_rows=max_rows)
    if formulas:
        # a formula's value is the result the spreadsheet cached when it saved the file; a file written
        # by a script holds the formula only, which must not be read as an empty cell
        cached, _formulas = _rows(data, data_only=True, max_rows=max_rows)
        values = {number: cells for number, cells in cached}
        for number, column in formulas:
            row = values.get(number, ())
            if column >= len(row) or row[column] is None:
                raise formula_without_value(number, column)
        rows = cached
    return [(number, tuple(nfc(v) if isinstance(v, str) else v for v in cells)) for number, cells in rows]


def _rows(data: bytes, *, data_only: bool, max_rows: int) -> tuple[list, list[tuple[int, int]]]:
    """[(row number, values)] of the first sheet and the (row, column index) of every formula."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=data_only)
    except Exception:  # noqa: BLE001 — openpyxl raises many kinds on a damaged file
        raise ExcelError(_("The Excel file could not be read.")) from None
    try:
        sheet = workbook.worksheets[0]
        out, formulas = [], []
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            if number > max_rows:
                raise ExcelError(_("The file has more than %(n)d rows.") % {"n": max_rows - 1})
            values = []
            for column, cell in enumerate(cells):
                value = getattr(cell, "value", None)
                if not data_only and getattr(cell, "data_type", None) == "f":
                    formulas.append((number, column))
                values.append(value)
            out.append((number, tuple(values)))
        return out, formulas
    finally:
        workbook.close()


def write_template(headers: list[str], example: list[str] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sach"
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    if example:
        sheet.append(example)
    for i, _header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = 24
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def neutralise_formulas(workbook) -> None:
    """No cell of an export is a formula: openpyxl turns any text starting with "=" into one, and a
    name, comment or reason typed as "=HYPERLINK(…)" would run in the reader's spreadsheet (formula
    injection). Such cells are stored as the text they are."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


class Table:
    """A sheet's header and data rows as the user sees them, with what a reader must not trust:
    hidden rows and merged cells (row number → reason)."""

    def __init__(
        self, sheet_name: str, header_row: int, header: list, rows: list[tuple[int, tuple]], flags: dict
    ):
        self.sheet_name, self.header_row, self.header, self.rows, self.flags = (
            sheet_name,
            header_row,
            header,
            rows,
            flags,
        )


def check_size(data: bytes) -> None:
    """An .xlsx within the limits (a zip: its size and its uncompressed size)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExcelError(_("The file is too large (at most 5 MB)."))
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                raise ExcelError(_("The file is too large once uncompressed."))
    except zipfile.BadZipFile:
        raise ExcelError(_("This is not an Excel (.xlsx) file.")) from None


def read_table(data: bytes, *, is_header, max_rows: int, look_rows: int = 15) -> Table:
    """The first sheet whose one of its first `look_rows` rows `is_header` accepts, and its rows below.

    Text comes back in NFC; a formula as the value the spreadsheet saved with it (none: refused, as in
    `read_sheet`); a hidden row or a row crossing a merged cell is flagged, not read silently: the
    person checking the preview must see every row that will be written."""
    from openpyxl import load_workbook

    check_size(data)
    try:
        formulas_book = load_workbook(BytesIO(data), data_only=False)
        values_book = load_workbook(BytesIO(data), data_only=True)
    except Exception:  # noqa: BLE001 — openpyxl raises many kinds on a damaged file
        raise ExcelError(_("The Excel file could not be read.")) from None
    for sheet, values in zip(formulas_book.worksheets, values_book.worksheets, strict=True):
        if sheet.sheet_state != "visible":
            continue
        last = sheet.max_row  # read before iterating: iterating a normal sheet past its end adds cells
        top = [
            (number, tuple(c.value for c in cells))
            for number, cells in enumerate(
                values.iter_rows(max_row=min(look_rows, last), max_col=MAX_COLUMNS), start=1
            )
        ]
        header_row = next((number for number, cells in top if is_header(cells)), None)
        if header_row is None:
            continue
        if last - header_row > max_rows:
            raise ExcelError(_("The file has more than %(n)d rows.") % {"n": max_rows})
        flags: dict[int, str] = {}
        for merged in sheet.merged_cells.ranges:
            for number in range(max(merged.min_row, header_row + 1), merged.max_row + 1):
                flags[number] = _("merged cells (%(range)s): unmerge them and fill each cell") % {
                    "range": merged.coord
                }
        rows = []
        for number, (f_cells, v_cells) in enumerate(
            zip(
                sheet.iter_rows(min_row=header_row + 1, max_row=last, max_col=MAX_COLUMNS),
                values.iter_rows(min_row=header_row + 1, max_row=last, max_col=MAX_COLUMNS),
                strict=True,
            ),
            start=header_row + 1,
        ):
            cells = []
            for column, (f_cell, v_cell) in enumerate(zip(f_cells, v_cells, strict=True)):
                value = v_cell.value
                if f_cell.data_type == "f" and value is None:
                    raise formula_without_value(number, column)
                cells.append(nfc(value) if isinstance(value, str) else value)
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue
            if sheet.row_dimensions[number].hidden:
                flags.setdefault(number, _("the row is hidden: show it or delete it"))
            rows.append((number, tuple(cells)))
        header = [nfc(c) if isinstance(c, str) else c for c in dict(top)[header_row]]
        return Table(sheet.title, header_row, header, rows, flags)
    raise ExcelError(_("No sheet of the file has the expected column headings."))
