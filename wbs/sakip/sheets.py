"""The spreadsheet of an agency's performance tree, its targets and realisations, as
agencies already keep it beside their Renja, Perjanjian Kinerja and IKU (issue 5):
reading an uploaded XLSX or CSV file into checked rows, and writing the same layout.
No Flask, no SQLAlchemy: the database side is wbs/sakip/data/transfer.py.

The layout, one row per indicator (the header row may sit below a few title lines; the
first row whose cell reads "Kode" is the header; the column order is free):

- Kode: the node's code (1.02.02, 1.02.02.2.01, S.1 ...). Rows of one node follow each
  other; on the rows after the first the Kode, Tingkat and Uraian may be left empty
  (merged cells read that way).
- Kode Induk (optional): the parent node's code, empty for a node at the top. Without
  this column the rows give the tree as an outline: a node hangs below the nearest row
  above it with a higher level, and a node with nothing above it keeps its place.
- Tingkat: tujuan, sasaran, program, kegiatan or sub kegiatan (DOMAIN.md cascade).
- Uraian: the node's name. Indikator: the indicator's name (empty on a row for a node
  without indicators). Satuan: its unit. Polaritas: naik, turun or rentang (higher,
  lower, range).
- Target, Target Atas: the year's target; Target Atas is the upper bound of a range
  (rentang). Target TW I .. Target TW IV and Target Atas TW I .. IV: quarterly targets.
- Realisasi TW I .. Realisasi TW IV, Realisasi Tahunan: the realisations.
- Columns named "Capaian ..." (the export adds one) and any column this list does not
  name are ignored; an unknown column that starts with "Target" or "Realisasi" is an
  error, as it is most likely a misspelt period.

A value column that is in the file sets the stored value (an empty cell is "missing",
never zero, DOMAIN.md); a column left out of the file leaves the stored values alone.

Numbers: real numbers in XLSX cells (a cell formatted as a percentage counts in
percent: 95 % is 95), or text read by wbs.sakip.numbers_input ("1.234,5" and "1234.5").
CSV: UTF-8 (a byte-order mark is fine), separated by ";" (Indonesian Excel) or ",".

Every problem is a ``SheetIssue`` (row as the spreadsheet numbers it, column as the
file names it, a reason code); the caller words it in the user's language.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from wbs.sakip.numbers_input import NumberError, parse_number
from wbs.sakip.rollup import CASCADE, parse_code

MAX_FILE_BYTES = 5 * 1024 * 1024
# An XLSX file is a zip: a few megabytes can unpack to gigabytes (a zip bomb).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_DATA_ROWS = 20_000
MAX_COLUMNS = 80
# The header is looked for in the first rows only, under the title lines.
HEADER_SEARCH_ROWS = 20
# What the database keeps (wbs/models/sakip.py): NUMERIC(20, 4), code 40 characters,
# names 500, unit 60.
PLACES, INTEGER_DIGITS = 4, 16
TEXT_LIMITS = {"code": 40, "parent": 40, "name": 500, "indicator": 500, "unit": 60}

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
_ROMAN = {"Q1": "I", "Q2": "II", "Q3": "III", "Q4": "IV"}

Cell = str | Decimal | None


# --- the layout ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetColumn:
    """One column of the layout: ``key`` is how the code names it ("target:Q1"),
    ``header`` how the file does."""

    key: str
    header: str
    required: bool = False


def _layout() -> tuple[SheetColumn, ...]:
    columns = [
        SheetColumn("code", "Kode", True),
        SheetColumn("parent", "Kode Induk"),
        SheetColumn("level", "Tingkat", True),
        SheetColumn("name", "Uraian", True),
        SheetColumn("indicator", "Indikator", True),
        SheetColumn("unit", "Satuan", True),
        SheetColumn("polarity", "Polaritas", True),
        SheetColumn("target:Y", "Target"),
        SheetColumn("target_high:Y", "Target Atas"),
    ]
    for quarter in QUARTERS:
        columns.append(SheetColumn(f"target:{quarter}", f"Target TW {_ROMAN[quarter]}"))
        columns.append(SheetColumn(f"target_high:{quarter}", f"Target Atas TW {_ROMAN[quarter]}"))
    columns += [SheetColumn(f"realisation:{q}", f"Realisasi TW {_ROMAN[q]}") for q in QUARTERS]
    columns.append(SheetColumn("realisation:Y", "Realisasi Tahunan"))
    return tuple(columns)


# Every column the import reads, in the order the export and the template write them.
LAYOUT: tuple[SheetColumn, ...] = _layout()
HEADERS: dict[str, str] = {column.key: column.header for column in LAYOUT}
REQUIRED: tuple[str, ...] = tuple(column.key for column in LAYOUT if column.required)
# Written by the export only: the year's capaian (wbs/sakip/achievement.py), ignored on import.
CAPAIAN_HEADER = "Capaian Tahunan (%)"
# The periods a sheet carries, in the order of wbs.models.sakip.PERIODS.
SHEET_PERIODS = ("Y", *QUARTERS)

# The words the file may use; the export writes the first of each.
LEVEL_WORDS: dict[str, str] = {
    "tujuan": "tujuan",
    "sasaran": "sasaran",
    "program": "program",
    "kegiatan": "kegiatan",
    "sub kegiatan": "sub_kegiatan",
    "subkegiatan": "sub_kegiatan",
    "goal": "tujuan",
    "objective": "sasaran",
    "programme": "program",
    "activity": "kegiatan",
    "sub activity": "sub_kegiatan",
}
LEVEL_NAMES = {"sub_kegiatan": "sub kegiatan"}
POLARITY_WORDS: dict[str, str] = {
    "naik": "higher",
    "turun": "lower",
    "rentang": "range",
    "higher": "higher",
    "lower": "lower",
    "range": "range",
}
POLARITY_NAMES = {"higher": "naik", "lower": "turun", "range": "rentang"}

_PERIOD_HEADER = re.compile(
    r"(target atas|target|realisasi)"
    r"(?: (?:tw|trw|triwulan) (i|ii|iii|iv|1|2|3|4)| (tahunan|tahun))?"
)
_QUARTER_WORDS = {"i": "Q1", "ii": "Q2", "iii": "Q3", "iv": "Q4", "1": "Q1", "2": "Q2"}
_QUARTER_WORDS |= {"3": "Q3", "4": "Q4"}
_HEADER_KIND = {"target atas": "target_high", "target": "target", "realisasi": "realisation"}
_TEXT_HEADERS = {
    "kode": "code",
    "kode induk": "parent",
    "induk": "parent",
    "tingkat": "level",
    "uraian": "name",
    "indikator": "indicator",
    "indikator kinerja": "indicator",
    "satuan": "unit",
    "polaritas": "polarity",
}
IGNORED, UNKNOWN_VALUE_COLUMN = "ignored", "unknown"


def words(text: str) -> str:
    """``text`` compared as a word list: case, "_", "-", "*", ":" and spacing ignored."""
    return " ".join(re.sub(r"[_\-*:]", " ", text).split()).casefold()


def column_key(header: str) -> str | None:
    """The layout key a header names, ``IGNORED`` (capaian), ``UNKNOWN_VALUE_COLUMN``
    (starts like a value column but names none), or None (another column: ignored)."""
    text = words(header)
    if text in _TEXT_HEADERS:
        return _TEXT_HEADERS[text]
    if text.startswith("capaian"):
        return IGNORED
    match = _PERIOD_HEADER.fullmatch(text)
    if match:
        kind, quarter = _HEADER_KIND[match.group(1)], match.group(2)
        return f"{kind}:{_QUARTER_WORDS[quarter] if quarter else 'Y'}"
    if text.startswith(("target", "realisasi")):
        return UNKNOWN_VALUE_COLUMN
    return None


# --- problems --------------------------------------------------------------------------------


class SheetFileError(ValueError):
    """The file as a whole cannot be read; ``reason`` is a code for the message:
    empty_file, too_large, wrong_type, old_excel, unreadable_xlsx, unreadable_csv,
    not_utf8, no_header, no_rows, too_many_rows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SheetIssue:
    """What is wrong in one cell: ``row`` as the spreadsheet numbers it, ``column`` the
    header as the file writes it, ``reason`` a code, ``params`` what the message names
    (``value``, ``row`` of another line, ``limit``, ``stored``...)."""

    row: int
    column: str
    reason: str
    params: dict[str, str] = field(default_factory=dict)


# --- reading the file into raw rows ----------------------------------------------------------


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


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(text: str) -> Cell:
    text = text.strip()
    # The export writes a text that starts like a formula with a leading apostrophe
    # (CSV injection, OWASP); read it back as the text itself.
    if text.startswith("'") and text[1:2] and text[1:2] in _FORMULA_START:
        text = text[1:]
    return text or None


# --- checking the rows -----------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodTarget:
    """A period's target: ``high`` is the upper bound of a range, else None."""

    low: Decimal | None
    high: Decimal | None = None


@dataclass(frozen=True)
class SheetRow:
    """One checked row: the node (``code``, ``level``, ``name``, first written at
    ``node_row``) and, unless ``indicator`` is None, one of its indicators with the
    values of the periods whose columns are in the file.

    ``parent`` is the parent's code (None: the top of the tree) when ``parent_given``;
    otherwise the file does not say and the stored parent stays."""

    row: int
    node_row: int
    code: str
    level: str
    name: str
    parent: str | None
    parent_given: bool
    indicator: str | None = None
    unit: str = ""
    polarity: str = ""
    targets: dict[str, PeriodTarget] = field(default_factory=dict)
    realisations: dict[str, Decimal | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedSheet:
    """The rows of a file without issues; with any issue, ``rows`` is not to be saved."""

    rows: tuple[SheetRow, ...]
    issues: tuple[SheetIssue, ...]
    # The header of each layout column, as the file writes it.
    headers: dict[str, str]
    header_row: int

    def column(self, key: str) -> str:
        """The column's name as the file writes it, or the layout's when it is absent."""
        return self.headers.get(key, HEADERS.get(key, key))

    @property
    def target_periods(self) -> tuple[str, ...]:
        return tuple(p for p in SHEET_PERIODS if f"target:{p}" in self.headers)

    @property
    def realisation_periods(self) -> tuple[str, ...]:
        return tuple(p for p in SHEET_PERIODS if f"realisation:{p}" in self.headers)


def indicator_key(name: str) -> str:
    """How an indicator is recognised within its node: its name, case and spacing aside."""
    return " ".join(name.split()).casefold()


def read_sheet(data: bytes, filename: str) -> ParsedSheet:
    return parse_table(read_table(data, filename))


def parse_table(table: RawTable) -> ParsedSheet:
    """Find the header, then check every row: all issues are collected, none stops."""
    header_at = next(
        (
            index
            for index, (_number, cells) in enumerate(table.rows[:HEADER_SEARCH_ROWS])
            if any(isinstance(cell, str) and column_key(cell) == "code" for cell in cells)
        ),
        None,
    )
    if header_at is None:
        raise SheetFileError("no_header")
    header_row, header_cells = table.rows[header_at]
    positions, headers, issues = _read_header(header_row, header_cells)
    data_rows = table.rows[header_at + 1 :]
    if not data_rows:
        raise SheetFileError("no_rows")
    if len(data_rows) > MAX_DATA_ROWS:
        raise SheetFileError("too_many_rows")
    if issues:
        # Without the right columns the rows cannot be read meaningfully.
        return ParsedSheet((), tuple(issues), headers, header_row)
    reader = _RowReader(positions, headers)
    for number, cells in data_rows:
        reader.read(number, cells)
    reader.check_parents()
    return ParsedSheet(tuple(reader.rows), tuple(reader.issues), headers, header_row)


def _read_header(
    header_row: int, cells: Sequence[Cell]
) -> tuple[dict[str, int], dict[str, str], list[SheetIssue]]:
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    issues: list[SheetIssue] = []
    for index, cell in enumerate(cells):
        title = _text(cell)
        key = column_key(title) if title else None
        if key is None or key == IGNORED:
            continue
        if key == UNKNOWN_VALUE_COLUMN:
            issues.append(SheetIssue(header_row, title, "unknown_column"))
        elif key in positions:
            issues.append(SheetIssue(header_row, title, "duplicate_column"))
        else:
            positions[key], headers[key] = index, title
    for key in REQUIRED:
        if key not in positions:
            issues.append(SheetIssue(header_row, HEADERS[key], "missing_column"))
    for period in SHEET_PERIODS:
        if f"target_high:{period}" in positions and f"target:{period}" not in positions:
            issues.append(SheetIssue(header_row, HEADERS[f"target:{period}"], "missing_column"))
    return positions, headers, issues


def _text(cell: Cell) -> str:
    if isinstance(cell, Decimal):
        return format(cell.normalize(), "f")  # a code typed as a number: 1.01
    return " ".join((cell or "").split())


@dataclass(frozen=True)
class _Node:
    code: str
    level: str  # "" when the file's word is not a level (an issue is recorded)
    name: str
    parent: str | None
    parent_given: bool
    row: int


def _is_value_column(key: str) -> bool:
    return key in ("unit", "polarity") or key.startswith(("target", "realisation"))


def _sheet_row(
    number: int,
    node: _Node,
    indicator: str | None = None,
    unit: str = "",
    polarity: str = "",
    targets: dict[str, PeriodTarget] | None = None,
    realisations: dict[str, Decimal | None] | None = None,
) -> SheetRow:
    return SheetRow(
        number,
        node.row,
        node.code,
        node.level,
        node.name,
        node.parent,
        node.parent_given,
        indicator,
        unit,
        polarity,
        targets or {},
        realisations or {},
    )


class _RowReader:
    """Reads the data rows in order, remembering the node the rows are at."""

    def __init__(self, positions: dict[str, int], headers: dict[str, str]) -> None:
        self.positions, self.headers = positions, headers
        self.by_parent_column = "parent" in positions
        self.rows: list[SheetRow] = []
        self.issues: list[SheetIssue] = []
        self.current: _Node | None = None
        self.nodes: dict[str, _Node] = {}
        self.indicator_rows: dict[tuple[str, str], int] = {}
        self.outline: list[tuple[int, str]] = []  # (level rank, code), top of the tree first

    def cell(self, cells: Sequence[Cell], key: str) -> Cell:
        index = self.positions.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def text(self, number: int, cells: Sequence[Cell], key: str) -> str:
        value = _text(self.cell(cells, key))
        limit = TEXT_LIMITS.get(key)
        if limit is not None and len(value) > limit:
            self.issue(number, key, "too_long", limit=str(limit))
        return value

    def issue(self, number: int, key: str, reason: str, **params: str) -> None:
        self.issues.append(SheetIssue(number, self.headers.get(key, HEADERS[key]), reason, params))

    def read(self, number: int, cells: Sequence[Cell]) -> None:
        before = len(self.issues)
        code_given = self.cell(cells, "code") is not None
        node = self._node(number, cells)
        if node is None:
            return
        indicator = self.text(number, cells, "indicator")
        if not indicator:
            valued = [k for k in self.positions if _is_value_column(k) and self.cell(cells, k)]
            for key in valued:
                self.issue(number, key, "needs_indicator")
            if code_given and not valued and node.row != number:
                self.issue(number, "code", "duplicate_row", row=str(node.row))  # written twice
            if node.row == number and len(self.issues) == before:
                self.rows.append(_sheet_row(number, node))
            return
        key = (node.code, indicator_key(indicator))
        if key in self.indicator_rows:
            self.issue(number, "indicator", "duplicate_row", row=str(self.indicator_rows[key]))
        else:
            self.indicator_rows[key] = number
        unit = self.text(number, cells, "unit")
        if not unit:
            self.issue(number, "unit", "required")
        polarity = self._polarity(number, cells)
        targets = self._targets(number, cells, polarity)
        realisations = {
            period: self.number(number, cells, f"realisation:{period}")
            for period in SHEET_PERIODS
            if f"realisation:{period}" in self.positions
        }
        if len(self.issues) == before:
            self.rows.append(
                _sheet_row(number, node, indicator, unit, polarity, targets, realisations)
            )

    def _polarity(self, number: int, cells: Sequence[Cell]) -> str:
        written = self.text(number, cells, "polarity")
        polarity = POLARITY_WORDS.get(words(written), "")
        if not written:
            self.issue(number, "polarity", "required")
        elif not polarity:
            self.issue(number, "polarity", "unknown_polarity", value=written)
        return polarity

    def _node(self, number: int, cells: Sequence[Cell]) -> _Node | None:
        """The node this row belongs to: a new one, or the node of the rows above."""
        code = self.text(number, cells, "code")
        level_written = self.text(number, cells, "level")
        name = self.text(number, cells, "name")
        parent_written = self.text(number, cells, "parent") if self.by_parent_column else ""
        current = self.current
        if not code:
            if level_written or name or parent_written or current is None:
                self.issue(number, "code", "required")
                return None
            return current  # a further indicator of the node above (merged cells)
        if current is not None and code == current.code:
            level = LEVEL_WORDS.get(words(level_written), level_written)
            if level_written and level != current.level:
                self.issue(number, "level", "differs_from_node", row=str(current.row))
            if name and name != current.name:
                self.issue(number, "name", "differs_from_node", row=str(current.row))
            if parent_written and parent_written != (current.parent or ""):
                self.issue(number, "parent", "differs_from_node", row=str(current.row))
            return current
        if code in self.nodes:
            self.issue(number, "code", "node_split", row=str(self.nodes[code].row))
            return None
        level = LEVEL_WORDS.get(words(level_written), "")
        if not level_written:
            self.issue(number, "level", "required")
        elif not level:
            self.issue(number, "level", "unknown_level", value=level_written)
        if not name:
            self.issue(number, "name", "required")
        parent, parent_given = self._parent(number, code, level, parent_written)
        self.current = self.nodes[code] = _Node(code, level, name, parent, parent_given, number)
        return self.current

    def _parent(self, number: int, code: str, level: str, written: str) -> tuple[str | None, bool]:
        """The parent's code from Kode Induk, or from the outline of the rows above."""
        if self.by_parent_column:
            above = self.nodes.get(written)
            if written == code:
                self.issue(number, "parent", "parent_self")
            elif above is not None and above.level and level:
                # The cascade runs downwards; levels may be skipped (data/editing.py).
                if CASCADE.index(above.level) >= CASCADE.index(level):
                    self.issue(number, "level", "level_order", parent=written)
            return (written or None), True
        if not level:
            return None, False
        rank = CASCADE.index(level)
        while self.outline and self.outline[-1][0] >= rank:
            self.outline.pop()
        parent = self.outline[-1][1] if self.outline else None
        self.outline.append((rank, code))
        if parent is not None:
            return parent, True
        # A tujuan is the top of a tree; another node with nothing above it in the file
        # keeps the parent it has.
        return None, rank == 0

    def check_parents(self) -> None:
        """Kode Induk naming a row further down; in an outline, a programme, kegiatan or
        sub kegiatan whose national code (Permendagri 90/2019, wbs/sakip/rollup.py)
        belongs to another node of the file than the one the rows put it under."""
        for node in self.nodes.values():
            if self.by_parent_column:
                above = self.nodes.get(node.parent or "")
                if above is not None and above.row > node.row:
                    self.issue(node.row, "parent", "parent_later", row=str(above.row))
                continue
            if node.level not in ("program", "kegiatan", "sub_kegiatan"):
                continue
            try:
                expected = parse_code(node.code).parent
            except ValueError:
                continue
            above = None if expected is None else self.nodes.get(expected.text)
            if above is not None and above.level:  # a wrong level is reported already
                if node.parent != above.code:
                    self.issue(
                        node.row,
                        "level",
                        "level_order_code",
                        parent=above.code,
                        row=str(above.row),
                    )

    def number(self, number: int, cells: Sequence[Cell], key: str) -> Decimal | None:
        value = self.cell(cells, key)
        if value is None:
            return None
        if isinstance(value, Decimal):
            # A number cell, perhaps a formula's result: kept to the 4 places the database
            # stores (the cell shows it rounded anyway).
            if value.adjusted() >= INTEGER_DIGITS:
                self.issue(number, key, "number_too_large", value=_text(value))
                return None
            rounded = value.quantize(_PLACE, rounding=ROUND_HALF_UP)
            return value if rounded == value else rounded
        text = value[:-1].rstrip() if value.endswith("%") else value
        try:
            return parse_number(text, places=PLACES, integer_digits=INTEGER_DIGITS)
        except NumberError as error:
            reason = {"places": "too_many_decimals", "size": "number_too_large"}
            self.issue(number, key, reason.get(error.reason, "bad_number"), value=value)
            return None

    def _targets(
        self, number: int, cells: Sequence[Cell], polarity: str
    ) -> dict[str, PeriodTarget]:
        targets = {}
        for period in SHEET_PERIODS:
            low_key, high_key = f"target:{period}", f"target_high:{period}"
            if low_key not in self.positions:
                continue
            low, high = self.number(number, cells, low_key), self.number(number, cells, high_key)
            low_given = self.cell(cells, low_key) is not None
            high_given = self.cell(cells, high_key) is not None
            if polarity == "range":
                # DOMAIN.md, Indicator achievement: a range is read against both bounds.
                if low_given and not high_given:
                    self.issue(number, high_key, "range_upper_missing")
                elif high_given and not low_given:
                    self.issue(number, low_key, "range_lower_missing")
                elif low is not None and high is not None and low > high:
                    self.issue(number, high_key, "range_reversed")
            elif high_given and polarity:
                self.issue(number, high_key, "upper_not_range")
            targets[period] = PeriodTarget(low, high if polarity == "range" else None)
        return targets


_PLACE = Decimal(1).scaleb(-PLACES)


# --- writing ---------------------------------------------------------------------------------


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
    return "'" + text if text.startswith(_FORMULA_START) else text


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
        cell = sheet.cell(1, index, title)
        cell.font = _BOLD
    for number, row in enumerate(rows, start=2):
        for index, value in enumerate(row.values(), start=1):
            if value is None:
                continue
            cell = sheet.cell(number, index)
            if (
                isinstance(value, Decimal)
                and len(value.normalize().as_tuple().digits) <= _EXCEL_DIGITS
            ):
                cell.value = value.normalize()
                widths[index - 1] = max(widths[index - 1], len(csv_number(value)))
            else:
                shown = csv_number(value) if isinstance(value, Decimal) else value
                cell.value = shown
                cell.data_type = "s"  # openpyxl would store "=..." as a formula
                widths[index - 1] = max(widths[index - 1], min(len(shown), 60))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width + 2
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
