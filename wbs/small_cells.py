"""Small-cell protection: counts that could single out a case are never published.

Plain Python (DESIGN.md, "Layout"). Leadership must never see a single case (DESIGN.md,
"Who uses it"); a count of 1 or 2 for a rare category in a small agency in one month
points at a case and often at its reporter. So every published count between 1 and
``threshold - 1`` is shown as "< threshold" (issue 4: charts, tables, exports and the
API alike). Zero is shown: it singles out nobody.

A suppressed cell is useless if it can be computed back by subtraction from a published
total; ``protect_table`` adds complementary suppression for that (see its docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

SuppressionReason = Literal["small", "complementary"]

# What a cell hidden only to protect another one shows: its value is not small, so
# "< 3" would be false. "x" is the usual "confidential" mark of statistical offices.
HIDDEN_MARK = "x"


@dataclass(frozen=True)
class Cell:
    """A published count: ``value`` is None when it is suppressed."""

    value: int | None
    suppressed: bool
    threshold: int
    reason: SuppressionReason | None = None

    def display(self, number: Callable[[int], str] = str) -> str:
        """Text for a table cell: the number, "< 3" when small, "x" when hidden to protect another.

        ``number`` formats a shown value (the page passes an Indonesian number format).
        """
        if self.reason == "small":
            return f"< {self.threshold}"
        if self.suppressed or self.value is None:
            return HIDDEN_MARK
        return number(self.value)


def _check_threshold(threshold: int) -> None:
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, not {threshold}")


def is_small(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def protect(count: int, threshold: int) -> Cell:
    """Suppress a count of 1 .. threshold - 1; show 0 and everything from threshold on."""
    _check_threshold(threshold)
    if count < 0:
        raise ValueError(f"a count cannot be negative: {count}")
    if is_small(count, threshold):
        return Cell(None, True, threshold, "small")
    return Cell(count, False, threshold)


def _hide(count: int, threshold: int) -> Cell:
    del count  # the value is exactly what must not be published
    return Cell(None, True, threshold, "complementary")


@dataclass(frozen=True)
class ProtectedTable:
    """A protected table with its totals; a total is None when it is not published."""

    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...] | None
    column_totals: tuple[Cell, ...] | None
    grand_total: Cell | None


def protect_table(
    rows: Sequence[Sequence[int]],
    threshold: int,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
) -> ProtectedTable:
    """Protect a table of counts whose row and/or column totals are published.

    Rule:

    1. Primary suppression: every cell *and every published total* of 1 .. threshold - 1
       is suppressed ("< 3").
    2. Complementary suppression: a published line (a row when ``row_totals``, a column
       when ``column_totals``, and the line of totals itself) is an equation
       ``cells = total``. When exactly one of its members (cells or total) is suppressed,
       that one follows by subtraction; so the smallest shown non-zero cell of the line
       (ties: the first) is suppressed too (shown "x", since it is not small). This
       repeats until no published line has exactly one suppressed member, because each
       added suppression may leave another line with exactly one.

    Totals are chosen only as a last resort: when the line has no other non-zero cell
    (its one hidden cell then equals its total), the total is hidden instead. A hidden
    total is a member of the line of totals, which the same rule then protects.

    This closes subtraction within one row or column, the attack a reader of a printed
    table can do by hand; it is not a full linear-programming audit (as tau-ARGUS does)
    against combinations of several lines.

    Tables whose columns are not parts of one whole (received, substantiated, closed per
    agency) pass ``row_totals=False``: only their column totals add up.
    """
    _check_threshold(threshold)
    width = max((len(row) for row in rows), default=0)
    if any(len(row) != width for row in rows):
        raise ValueError("every row must have the same number of cells")
    height = len(rows)
    # The grid with totals: row totals in column `width`, column totals in row `height`.
    values = [[*row, sum(row)] for row in rows]
    values.append([sum(row[j] for row in rows) for j in range(width)] + [0])
    values[height][width] = sum(values[height][:width])
    grid: list[list[Cell]] = [[protect(value, threshold) for value in line] for line in values]

    # Each published line: (members that are cells, the total member).
    lines: list[tuple[list[tuple[int, int]], tuple[int, int]]] = []
    if row_totals:
        lines += [([(i, j) for j in range(width)], (i, width)) for i in range(height)]
    if column_totals:
        lines += [([(i, j) for i in range(height)], (height, j)) for j in range(width)]
    if row_totals and column_totals:
        lines.append(([(height, j) for j in range(width)], (height, width)))
        lines.append(([(i, width) for i in range(height)], (height, width)))

    changed = True
    while changed:
        changed = False
        for members, total in lines:
            suppressed = [spot for spot in [*members, total] if grid[spot[0]][spot[1]].suppressed]
            if len(suppressed) != 1:
                continue
            candidates = [
                (values[i][j], index, (i, j))
                for index, (i, j) in enumerate(members)
                if not grid[i][j].suppressed and values[i][j] > 0
            ]
            # No other non-zero cell: the hidden one equals the total, so hide the total.
            _, _, (i, j) = min(candidates) if candidates else (0, 0, total)
            grid[i][j] = _hide(values[i][j], threshold)
            changed = True

    return ProtectedTable(
        cells=tuple(tuple(grid[i][:width]) for i in range(height)),
        row_totals=tuple(grid[i][width] for i in range(height)) if row_totals else None,
        column_totals=tuple(grid[height][:width]) if column_totals else None,
        grand_total=grid[height][width] if row_totals and column_totals else None,
    )
