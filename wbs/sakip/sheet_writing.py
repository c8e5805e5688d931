"""Writing the sheet (wbs/sakip/sheet_layout.py) of an agency's performance tree, its
targets, realisations and capaian: XLSX and CSV files that
wbs/sakip/sheet_parsing.py reads back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from wbs.sakip.sheet_layout import (
    CAPAIAN_HEADER,
    FORMULA_START,
    LAYOUT,
    LEVEL_NAMES,
    POLARITY_NAMES,
    PeriodTarget,
)


@dataclass(frozen=True)
class ExportRow:
    """One row of the export; ``indicator`` None for a node without indicators."""

    code: str
    parent: str | None
    level: str
    name: str
    indicator: str | None = None
    unit: str = ""
    polarity: str = ""
    targets: dict[str, PeriodTarget] = field(default_factory=dict)
    realisations: dict[str, Decimal | None] = field(default_factory=dict)
    capaian: Decimal | None = None

    def values(self) -> list[str | Decimal | None]:
        """The cells in LAYOUT order, then the capaian."""
        cells: list[str | Decimal | None] = []
        for column in LAYOUT:
            kind, _sep, period = column.key.partition(":")
            if kind == "code":
                cells.append(self.code)
            elif kind == "parent":
                cells.append(self.parent)
            elif kind == "level":
                cells.append(LEVEL_NAMES.get(self.level, self.level))
            elif kind == "name":
                cells.append(self.name)
            elif kind == "indicator":
                cells.append(self.indicator)
            elif kind == "unit":
                cells.append(self.unit or None)
            elif kind == "polarity":
                cells.append(POLARITY_NAMES.get(self.polarity, self.polarity) or None)
            elif kind == "target":
                cells.append(self.targets.get(period, PeriodTarget(None)).low)
            elif kind == "target_high":
                cells.append(self.targets.get(period, PeriodTarget(None)).high)
            else:
                cells.append(self.realisations.get(period))
        cells.append(self.capaian)
        return cells


def _header_titles() -> list[str]:
    return [column.header for column in LAYOUT] + [CAPAIAN_HEADER]


def csv_number(value: Decimal) -> str:
    """A number as Indonesian Excel reads it: decimal comma, no grouping ("1234,5")."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def write_csv(rows: Iterable[ExportRow]) -> bytes:
    """UTF-8 with a byte-order mark, ";"-separated with decimal commas: what Excel in
    an Indonesian locale opens by a double click, and what read_sheet reads back."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(_header_titles())
    for row in rows:
        writer.writerow(
            [
                ""
                if value is None
                else csv_number(value)
                if isinstance(value, Decimal)
                else _plain_text(value)
                for value in row.values()
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def _plain_text(text: str) -> str:
    # A text that starts like a formula is run by the spreadsheet (CSV injection, OWASP).
    return "'" + text if text.startswith(FORMULA_START) else text


# Excel keeps 15 significant digits in a number cell; longer values go in as text.
_EXCEL_DIGITS = 15
_BOLD = Font(bold=True)


def write_xlsx(rows: Iterable[ExportRow], sheet_title: str = "Kinerja") -> bytes:
    """One sheet: the header in row 1 (frozen), then the rows. Numbers are number cells;
    codes and names are text cells, so "1.01" stays a code and "=..." stays text."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title[:31]
    titles = _header_titles()
    widths = [len(title) for title in titles]
    for index, title in enumerate(titles, start=1):
        sheet.cell(1, index, title).font = _BOLD
    for number, row in enumerate(rows, start=2):
        for index, value in enumerate(row.values(), start=1):
            if value is None:
                continue
            cell = sheet.cell(number, index)
            assert isinstance(cell, Cell)  # this sheet merges no cells
            if (
                isinstance(value, Decimal)
                and len(value.normalize().as_tuple().digits) <= _EXCEL_DIGITS
            ):
                cell.value = value.normalize()
                widths[index - 1] = max(widths[index - 1], len(csv_number(value)))
            else:
                shown = csv_number(value) if isinstance(value, Decimal) else value
                # A worksheet cannot hold control characters: left out, not a failure.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", shown)
                cell.data_type = "s"  # openpyxl would store "=..." as a formula
                widths[index - 1] = max(widths[index - 1], min(len(shown), 60))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
