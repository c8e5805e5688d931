"""Reading an uploaded XLSX or CSV file into its cells, row by row, before any row is
checked (wbs/sakip/sheet_parsing.py; the layout: wbs/sakip/sheet_layout.py). A file that
cannot be read as a whole raises ``SheetFileError``; the limits keep a large or
crafted file from taking the server's memory."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from openpyxl import load_workbook

from wbs.sakip.sheet_layout import FORMULA_START, IGNORED, UNKNOWN_VALUE_COLUMN, column_key

MAX_FILE_BYTES = 5 * 1024 * 1024
# An XLSX file is a zip: a few megabytes can unpack to gigabytes (a zip bomb).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_DATA_ROWS = 20_000
MAX_COLUMNS = 80
# The header is looked for in the first rows only, under the title lines.
HEADER_SEARCH_ROWS = 20

Cell = str | Decimal | None


class SheetFileError(ValueError):
    """The file as a whole cannot be read; ``reason`` is a code for the message:
    empty_file, too_large, wrong_type, old_excel, unreadable_xlsx, unreadable_csv,
    not_utf8, no_header, no_rows, too_many_rows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RawTable:
    """The cells of the file, row by row, numbered as the spreadsheet numbers them."""

    rows: tuple[tuple[int, tuple[Cell, ...]], ...]


def read_table(data: bytes, filename: str) -> RawTable:
    """The rows of an uploaded .xlsx or .csv file (the first sheet of a workbook)."""
    if not data:
        raise SheetFileError("empty_file")
    if len(data) > MAX_FILE_BYTES:
        raise SheetFileError("too_large")
    extension = filename.rsplit(".", 1)[-1].casefold() if "." in filename else ""
    if extension == "xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        # The Excel 97-2003 format, or an XLSX saved with a password (also OLE).
        raise SheetFileError("old_excel")
    if extension in ("xlsx", "xlsm"):
        return _read_xlsx(data)
    if extension in ("csv", "txt"):
        return _read_csv(data)
    raise SheetFileError("wrong_type")


def _read_xlsx(data: bytes) -> RawTable:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise SheetFileError("unreadable_xlsx") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetFileError("too_large")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any parser error of an uploaded file means "unreadable"
        raise SheetFileError("unreadable_xlsx") from None
    try:
        if not workbook.worksheets:
            raise SheetFileError("no_header")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong size; read what is there
        rows: list[tuple[int, tuple[Cell, ...]]] = []
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            values = tuple(
                _xlsx_value(cell.value, getattr(cell, "number_format", "")) for cell in cells
            )
            if any(value is not None for value in values):
                rows.append((number, values))
            if len(rows) > MAX_DATA_ROWS + HEADER_SEARCH_ROWS:
                raise SheetFileError("too_many_rows")
    except SheetFileError:
        raise
    except Exception:  # a broken sheet inside a valid zip
        raise SheetFileError("unreadable_xlsx") from None
    finally:
        workbook.close()
    return RawTable(tuple(rows))


def _xlsx_value(value: object, number_format: str | None) -> Cell:
    """A cell as text or an exact Decimal. A float is read through its shortest repr
    (90.25 stays 90.25); a cell formatted as a percentage holds a fraction (0.95 shows
    as 95 %): it counts in percent. Dates and booleans become text, which no number
    column accepts."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        try:
            number = Decimal(repr(value))
        except InvalidOperation:
            return str(value)
        if not number.is_finite():
            return str(value)
        if "%" in (number_format or "").replace('"%"', ""):
            number *= 100
        return number
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _read_csv(data: bytes) -> RawTable:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetFileError("not_utf8") from None
    if "\x00" in text:
        raise SheetFileError("unreadable_csv")
    # Indonesian Excel separates with ";" (its decimal separator is ","); others with ",".
    # The separator is the one that finds a header with the most known columns.
    best: tuple[int, list[list[str]]] | None = None
    for delimiter in (";", ",", "\t"):
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error:
            continue
        score = _header_score(records)
        if best is None or score > best[0]:
            best = (score, records)
    if best is None:
        raise SheetFileError("unreadable_csv")
    rows = []
    for number, record in enumerate(best[1], start=1):
        values = tuple(_csv_value(cell) for cell in record[:MAX_COLUMNS])
        if any(value is not None for value in values):
            rows.append((number, values))
        if len(rows) > MAX_DATA_ROWS + HEADER_SEARCH_ROWS:
            raise SheetFileError("too_many_rows")
    return RawTable(tuple(rows))


def _header_score(records: Sequence[Sequence[str]]) -> int:
    for record in records[:HEADER_SEARCH_ROWS]:
        keys = [column_key(cell) for cell in record]
        if "code" in keys:
            return sum(1 for key in keys if key not in (None, IGNORED, UNKNOWN_VALUE_COLUMN))
    return -1


def _csv_value(text: str) -> Cell:
    text = text.strip()
    # The export writes a text that starts like a formula with a leading apostrophe
    # (CSV injection, OWASP); read it back as the text itself.
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_START:
        text = text[1:]
    return text or None
