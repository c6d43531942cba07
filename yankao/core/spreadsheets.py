"""Reading and writing the spreadsheets agencies exchange with the RDEC (.xlsx, and .csv for reading).

Every module that exports a list or takes back a filled template goes through here, so that
formula injection, ROC dates, encodings and the "row N, column X" error positions are handled
once. Reading uses python-calamine (fast, read-only); writing uses openpyxl in write-only mode.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from yankao.core.exceptions import ApplicationError

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_ENCODINGS = ("utf-8-sig", "big5", "cp950")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class SpreadsheetError(ApplicationError):
    """The file cannot be read as a spreadsheet at all (not a per-row problem)."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, code=kwargs.pop("code", "spreadsheet"), **kwargs)


@dataclass(frozen=True)
class Column:
    """A column of an exported list or a template: its header and, optionally, allowed values."""

    header: str
    width: int = 14
    choices: Sequence[str] = ()  # a template offers these in a drop-down
    help_text: str = ""


@dataclass(frozen=True)
class SheetRow:
    """A row read from a file, with its 1-based row number as the user sees it in Excel."""

    number: int
    values: dict[str, Any]  # by header


def spreadsheet_cell_safe(value: Any) -> Any:
    """A value safe to put in a cell: text that Excel would run as a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def workbook_build(
    *,
    sheets: Sequence[tuple[str, Sequence[Column], Iterable[Sequence[Any]]]],
    notes: Sequence[str] = (),
) -> bytes:
    """An .xlsx with one sheet per (title, columns, rows); headers bold and frozen.

    `notes` become a first "說明" sheet (how to fill a template, what a list contains). Rows may be
    a generator: the workbook is written row by row and never held as cells in memory.
    """
    book = Workbook(write_only=True)
    if notes:
        sheet = book.create_sheet("說明")
        sheet.column_dimensions["A"].width = 100
        for note in notes:
            sheet.append([note])
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE7F0")
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        for index, column in enumerate(columns, start=1):
            if column.choices:
                letter = get_column_letter(index)
                validation = DataValidation(
                    type="list",
                    formula1='"' + ",".join(column.choices) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="不在選項內",
                    error=f"{column.header}請從下拉選單選擇。",
                )
                validation.add(f"{letter}2:{letter}1048576")
                sheet.data_validations.append(validation)
        header_cells = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font = header_font
            cell.fill = header_fill
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([spreadsheet_cell_safe(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def spreadsheet_rows_read(
    *,
    file: IO[bytes],
    filename: str,
    sheet: str | None = None,
    header_row: int = 1,
) -> Iterator[SheetRow]:
    """The data rows of an .xlsx/.xls/.ods or .csv file, as dicts by header, numbered as in Excel.

    A CSV may be UTF-8 (with or without BOM) or Big5/CP950. Empty rows are skipped. Cells keep
    their types (dates as date/datetime, numbers as int/float) so that callers validate values,
    not text. A file that is not a spreadsheet raises SpreadsheetError.
    """
    name = filename.lower()
    if name.endswith(".csv"):
        rows: Iterable[Sequence[Any]] = _csv_rows(file)
    elif name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        rows = _workbook_rows(file, sheet=sheet)
    else:
        raise SpreadsheetError(f"「{filename}」不是可讀取的試算表，請上傳 .xlsx 或 .csv 檔。")
    headers: list[str] = []
    for number, values in enumerate(rows, start=1):
        if number < header_row:
            continue
        if number == header_row:
            headers = [str(value).strip() if value is not None else "" for value in values]
            if not any(headers):
                raise SpreadsheetError(f"第 {header_row} 列應為欄位名稱，但是空白。")
            continue
        cells = [_clean(value) for value in values]
        if all(value in ("", None) for value in cells):
            continue
        yield SheetRow(
            number=number,
            values={header: cells[i] if i < len(cells) else "" for i, header in enumerate(headers) if header},
        )


def _workbook_rows(file: IO[bytes], *, sheet: str | None) -> Iterator[Sequence[Any]]:
    try:
        book = CalamineWorkbook.from_filelike(file)
        target = book.get_sheet_by_name(sheet) if sheet else book.get_sheet_by_index(_first_data_sheet(book))
    except Exception as error:  # calamine raises its own error types for every kind of bad file
        raise SpreadsheetError(f"無法讀取試算表：{error}。請確認檔案未損毀，且為 Excel 格式。") from error
    yield from target.iter_rows()


def _first_data_sheet(book: Any) -> int:
    # A template's first sheet is "說明" (how to fill it in); the data is on the next one.
    names = list(book.sheet_names)
    return 1 if len(names) > 1 and names[0] == "說明" else 0


def _csv_rows(file: IO[bytes]) -> Iterator[list[str]]:
    raw = file.read()
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        yield from csv.reader(io.StringIO(text, newline=""))
        return
    raise SpreadsheetError("CSV 檔的編碼無法辨識，請以 UTF-8 或 Big5 儲存。")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value[1:] if value.startswith("'") and value[1:2] in _FORMULA_STARTS else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime) and value.time() == time(0, 0):
        return value.date()
    return value


def spreadsheet_value_text(value: Any) -> str:
    """A cell's value as the user typed it, for error lists ("第 5 列「日期」欄的「113/02/30」…")."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | float | int):
        return str(value)
    return str(value)
