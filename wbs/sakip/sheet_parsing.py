"""Checking the cells of an uploaded sheet (wbs/sakip/sheet_reading.py) row by row into
the nodes, indicators, targets and realisations they give (the layout:
wbs/sakip/sheet_layout.py). All issues are collected, none stops the reading.

Every problem is a ``SheetIssue`` (row as the spreadsheet numbers it, column as the
file names it, a reason code); the caller words it in the user's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from wbs.sakip.numbers_input import NumberError, parse_number
from wbs.sakip.rollup import CASCADE, parse_code
from wbs.sakip.sheet_layout import (
    HEADERS,
    IGNORED,
    LEVEL_WORDS,
    POLARITY_WORDS,
    REQUIRED,
    SHEET_PERIODS,
    UNKNOWN_VALUE_COLUMN,
    PeriodTarget,
    column_key,
    words,
)
from wbs.sakip.sheet_reading import (
    HEADER_SEARCH_ROWS,
    MAX_DATA_ROWS,
    Cell,
    RawTable,
    SheetFileError,
    read_table,
)

# What the database keeps (wbs/models/sakip.py): NUMERIC(20, 4), code 40 characters,
# names 500, unit 60.
PLACES, INTEGER_DIGITS = 4, 16
TEXT_LIMITS = {"code": 40, "parent": 40, "name": 500, "indicator": 500, "unit": 60}
_PLACE = Decimal(1).scaleb(-PLACES)


@dataclass(frozen=True)
class SheetIssue:
    """What is wrong in one cell: ``row`` as the spreadsheet numbers it, ``column`` the
    header as the file writes it, ``reason`` a code, ``params`` what the message names
    (``value``, ``row`` of another line, ``limit``, ``stored``...)."""

    row: int
    column: str
    reason: str
    params: dict[str, str] = field(default_factory=dict)


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
        row_key = (node.code, indicator_key(indicator))
        if row_key in self.indicator_rows:
            self.issue(number, "indicator", "duplicate_row", row=str(self.indicator_rows[row_key]))
        else:
            self.indicator_rows[row_key] = number
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
