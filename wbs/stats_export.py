"""CSV and XLSX files of the leadership statistics (issue 4). No Flask import.

The web layer turns the protected ``Figures`` into neutral ``ExportTable``s with
labels in the reader's language; this module only writes them. Counts arrive as
``Cell``s, so a suppressed count is written as the text the dashboard shows ("< 3" or
"x"), never as its number.

- CSV: UTF-8 with a byte-order mark (Excel then reads the encoding right), comma
  separated, numbers machine-readable (no thousands separator, "." for decimals, shares
  as fractions), dates ISO 8601. The metadata comes first as two-column rows, then an
  empty row, then the table.
- XLSX: a first sheet with the metadata, then one sheet per table. Numbers are stored
  as numbers; the format codes group thousands and show one decimal. Which characters
  separate them is the reader's Excel locale's choice (Indonesian: "1.234" and "12,5"):
  a format code cannot force them. Dates carry the Indonesian locale tag [$-421]
  (LCID 0x0421, id-ID), so their month names are Indonesian whatever the reader's locale.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from wbs.small_cells import Cell

# Shown where there is no figure at all (no case reached the milestone, no snapshot).
NO_FIGURE = "—"

COUNT_FORMAT = "#,##0"
DAYS_FORMAT = "#,##0.0"
SHARE_FORMAT = "0.0%"
DATE_FORMAT = "[$-421]d mmmm yyyy"

# Days are published to one decimal (the dashboard's precision), shares to a hundredth
# of a percent in the CSV; the XLSX keeps the share and formats it.
DAYS_DECIMALS = 1
SHARE_DECIMALS = 4

# Excel's limits on sheet names.
SHEET_NAME_LENGTH = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

# A text starting with one of these is run as a formula by Excel and LibreOffice
# (CSV/formula injection, OWASP): agency and category names are typed by admins, so
# such a text is written with a leading apostrophe, which the spreadsheet shows as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

ColumnKind = Literal["text", "count", "days", "share", "date"]
Value = Cell | int | float | str | date | None
MetaValue = str | int | date


@dataclass(frozen=True)
class Column:
    """A column title and what its values are (which number format they get).

    "count": ``Cell`` or int; "days": float (or None); "share": a fraction (or None),
    formatted as a percentage; "date": a date (or None); "text": a string.
    """

    title: str
    kind: ColumnKind = "count"


@dataclass(frozen=True)
class Row:
    """One table row; ``indent`` marks a part of the row above, ``total`` a total row.

    A value of None is "no figure" (written "—"); an empty string leaves the cell empty.
    """

    values: tuple[Value, ...]
    indent: int = 0
    total: bool = False


@dataclass(frozen=True)
class ExportTable:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row.values) != len(self.columns):
                raise ValueError(
                    f"table {self.key}: a row has {len(row.values)} values "
                    f"for {len(self.columns)} columns"
                )


# --- CSV ------------------------------------------------------------------------------------


def _plain_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_value(value: Value | MetaValue, kind: ColumnKind) -> str:
    if value is None:
        return NO_FIGURE
    if isinstance(value, Cell):
        return value.display()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        raise TypeError("a boolean is not a figure")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(round(value, SHARE_DECIMALS if kind == "share" else DAYS_DECIMALS))
    return _plain_text(value)


def to_csv(
    tables: ExportTable | Sequence[ExportTable], meta: Iterable[tuple[str, MetaValue]]
) -> bytes:
    """The metadata rows, an empty row, then each table (its header first).

    With several tables, each one is preceded by its title and followed by an empty row.
    """
    table_list = [tables] if isinstance(tables, ExportTable) else list(tables)
    several = len(table_list) > 1
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for label, value in meta:
        writer.writerow([_plain_text(label), _csv_value(value, "text")])
    writer.writerow([])
    for table in table_list:
        if several:
            writer.writerow([_plain_text(table.title)])
        writer.writerow([_plain_text(column.title) for column in table.columns])
        for row in table.rows:
            writer.writerow(
                [
                    _csv_value(value, column.kind)
                    for value, column in zip(row.values, table.columns, strict=True)
                ]
            )
        if several:
            writer.writerow([])
    return buffer.getvalue().encode("utf-8-sig")


# --- XLSX -----------------------------------------------------------------------------------


def sheet_name(title: str, taken: Iterable[str] = ()) -> str:
    """An Excel sheet name for ``title``: no []:*?/\\, no apostrophe at either end, at
    most 31 characters, and unlike every name in ``taken`` (Excel ignores case)."""
    base = _SHEET_FORBIDDEN.sub(" ", title)
    base = re.sub(r"\s+", " ", base).strip().strip("'").strip() or "Sheet"
    used = {name.casefold() for name in taken}
    name, number = base[:SHEET_NAME_LENGTH].rstrip(), 1
    while name.casefold() in used:
        number += 1
        suffix = f" ({number})"
        name = base[: SHEET_NAME_LENGTH - len(suffix)].rstrip() + suffix
    return name


_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_RIGHT = Alignment(horizontal="right")


def _cell(sheet: Worksheet, row: int, column: int) -> SheetCell:
    """A cell of a sheet written here, which merges none (the stubs allow a MergedCell)."""
    cell = sheet.cell(row, column)
    assert isinstance(cell, SheetCell)
    return cell


def _put_text(cell: SheetCell, text: str) -> None:
    # A worksheet cannot hold control characters (a name typed with one): openpyxl
    # refuses them, so they are left out rather than failing the whole export.
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    # openpyxl stores a text starting with "=" as a formula; this one is data.
    cell.data_type = "s"


def _put(cell: SheetCell, value: Value | MetaValue, kind: ColumnKind) -> None:
    """One value, stored as a number or date where it is one."""
    if isinstance(value, Cell):
        if value.suppressed or value.value is None:
            _put_text(cell, value.display())
            cell.alignment = _RIGHT
            return
        value = value.value
    if value is None:
        _put_text(cell, NO_FIGURE)
        cell.alignment = _RIGHT
    elif isinstance(value, bool):
        raise TypeError("a boolean is not a figure")
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int):
        cell.value = value
        cell.number_format = COUNT_FORMAT
    elif isinstance(value, float):
        if kind == "share":
            cell.value = value
            cell.number_format = SHARE_FORMAT
        else:
            cell.value = round(value, DAYS_DECIMALS)
            cell.number_format = DAYS_FORMAT
    elif value:
        _put_text(cell, value)


def _shown_length(value: Value | MetaValue) -> int:
    """Characters a value takes on screen, roughly (for the column width)."""
    if isinstance(value, date):
        return len("30 September 2026")
    if isinstance(value, Cell):
        return len(value.display()) + 2
    if isinstance(value, float):
        return 8
    if isinstance(value, int):
        return len(f"{value:,}")
    return len(value or NO_FIGURE)


def _set_widths(sheet: Worksheet, lengths: Sequence[int], *, widest: int = 60) -> None:
    for index, length in enumerate(lengths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(length + 2, 8), widest)


def _table_sheet(sheet: Worksheet, table: ExportTable) -> None:
    """Row 1 the full title (the sheet name may be cut short), row 2 the header (frozen,
    with the first column), then the rows."""
    sheet.cell(1, 1, table.title).font = _TITLE
    lengths = [len(column.title) for column in table.columns]
    for index, column in enumerate(table.columns, start=1):
        header = _cell(sheet, 2, index)
        _put_text(header, column.title)
        header.font = _BOLD
        if column.kind != "text":
            header.alignment = Alignment(horizontal="right", wrap_text=True)
    for number, row in enumerate(table.rows, start=3):
        for index, (value, column) in enumerate(zip(row.values, table.columns, strict=True), 1):
            cell = _cell(sheet, number, index)
            _put(cell, value, column.kind)
            if row.total:
                cell.font = _BOLD
            if index == 1 and row.indent:
                cell.alignment = Alignment(indent=row.indent)
            lengths[index - 1] = max(lengths[index - 1], _shown_length(value) + 2 * row.indent)
    sheet.freeze_panes = "B3"
    _set_widths(sheet, lengths)


def _about_sheet(sheet: Worksheet, title: str, meta: Sequence[tuple[str, MetaValue]]) -> None:
    sheet.cell(1, 1, title).font = _TITLE
    for number, (label, value) in enumerate(meta, start=3):
        _put_text(_cell(sheet, number, 1), label)
        sheet.cell(number, 1).font = _BOLD
        cell = _cell(sheet, number, 2)
        _put(cell, value, "text")
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
    _set_widths(sheet, [max((len(label) for label, _ in meta), default=10), 90], widest=90)


def to_xlsx(
    tables: Sequence[ExportTable],
    meta: Sequence[tuple[str, MetaValue]],
    *,
    title: str,
    about: str = "About",
) -> bytes:
    """A workbook: sheet ``about`` with ``title`` and the metadata, then one sheet per table."""
    workbook = Workbook()
    workbook.properties.title = title
    workbook.properties.creator = "WBS"
    first = workbook.active
    assert first is not None
    first.title = sheet_name(about)
    _about_sheet(first, title, meta)
    taken = [first.title]
    for table in tables:
        sheet = workbook.create_sheet(sheet_name(table.title, taken))
        taken.append(sheet.title)
        _table_sheet(sheet, table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
