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
# The upper bound a reader knows of an "x": none.
_UNBOUNDED = 2**62


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
       ``cells = total``. A reader knows each published member exactly, each "< 3" to lie
       in 1 .. threshold - 1, and each "x" to be at least the threshold. A line is
       *exposed* when the equation with those bounds leaves a hidden member only one
       possible value: one hidden cell beside shown ones (plain subtraction), but also
       two "< 3" whose total is 2 or 4 (both 1, both 2), or a "< 3" beside an "x" whose
       total leaves the "x" exactly the threshold. Then the smallest shown non-zero cell
       of the line (ties: the first) is hidden too (shown "x", since it is not small).
       This repeats until no published line is exposed, because each added suppression
       may expose another line.

    Totals are chosen only as a last resort: when the line has no other non-zero cell
    to hide, the total is hidden instead. A hidden total is a member of the line of
    totals, which the same rule then protects.

    This closes what a reader can work out from one row or column at a time, by hand;
    it is not a full linear-programming audit (as tau-ARGUS does) against combinations
    of several lines.

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

    def bounds(i: int, j: int) -> tuple[int, int]:
        """What a reader knows of one member: its value, or the range its mark allows."""
        cell = grid[i][j]
        if not cell.suppressed:
            return values[i][j], values[i][j]
        if cell.reason == "small":
            return 1, threshold - 1
        return threshold, _UNBOUNDED

    def exposed(members: list[tuple[int, int]], total: tuple[int, int]) -> bool:
        """Whether ``cells = total`` pins a hidden member to one value it did not have
        already (with threshold 2, "< 2" means 1 by itself)."""
        cells = [bounds(i, j) for i, j in members]
        low_total, high_total = bounds(*total)
        low_sum, high_sum = sum(low for low, _ in cells), sum(high for _, high in cells)
        spots = [*members, total]
        for index, (i, j) in enumerate(spots):
            if not grid[i][j].suppressed:
                continue
            low, high = bounds(i, j)
            if (i, j) == total:
                # total = sum of the cells
                can_low, can_high = max(low, low_sum), min(high, high_sum)
            else:
                # cell = total - the other cells
                others_low, others_high = low_sum - cells[index][0], high_sum - cells[index][1]
                can_low = max(low, low_total - others_high)
                can_high = min(high, high_total - others_low)
            if can_low == can_high and low != high:
                return True
        return False

    changed = True
    while changed:
        changed = False
        for members, total in lines:
            if not exposed(members, total):
                continue
            candidates = [
                (values[i][j], index, (i, j))
                for index, (i, j) in enumerate(members)
                if not grid[i][j].suppressed and values[i][j] > 0
            ]
            if candidates:
                _, _, (i, j) = min(candidates)
            elif not grid[total[0]][total[1]].suppressed:
                # No other non-zero cell to hide: hide the total.
                i, j = total
            else:
                continue  # nothing left to hide in this line
            grid[i][j] = _hide(values[i][j], threshold)
            changed = True

    return ProtectedTable(
        cells=tuple(tuple(grid[i][:width]) for i in range(height)),
        row_totals=tuple(grid[i][width] for i in range(height)) if row_totals else None,
        column_totals=tuple(grid[height][:width]) if column_totals else None,
        grand_total=grid[height][width] if row_totals and column_totals else None,
    )
