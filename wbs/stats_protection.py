"""Small-cell protection of every statistics result (issue 4): the only form in which
figures leave the application. No Flask import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

from wbs.small_cells import Cell, protect, protect_table
from wbs.stats_results import (
    AgencyRanking,
    AgencyScore,
    Backlog,
    BacklogStage,
    Breakdown,
    BreakdownRow,
    HandlingFigure,
    HandlingTimes,
    OverdueHistory,
    OverduePoint,
    Overview,
)

# --- small-cell protection of every result --------------------------------------------------


def _protect_parts(parts: Mapping[str, int], threshold: int) -> tuple[dict[str, Cell], Cell]:
    """Protect counts and their published total (one line of protect_table)."""
    table = protect_table([list(parts.values())], threshold, column_totals=False)
    assert table.row_totals is not None
    return dict(zip(parts, table.cells[0], strict=True)), table.row_totals[0]


def _protect_overview(result: Overview[int], threshold: int) -> Overview[Cell]:
    by_status, _ = _protect_parts(result.by_status, threshold)
    # The received count is the total of every breakdown (agency, category, month) too,
    # where it is published: hiding it here would protect nothing.
    received = protect(result.received, threshold)
    destinations, forwarded = _protect_parts(result.forwarded_by_destination, threshold)
    reasons, rejected = _protect_parts(result.rejected_by_reason, threshold)
    return Overview(
        period=result.period,
        received=received,
        by_status=by_status,
        substantiated=protect(result.substantiated, threshold),
        not_substantiated=protect(result.not_substantiated, threshold),
        forwarded=forwarded,
        forwarded_by_destination=destinations,
        rejected=rejected,
        rejected_by_reason=reasons,
    )


def _protect_breakdown(result: Breakdown[int], threshold: int) -> Breakdown[Cell]:
    # Columns add up to the published totals; the three columns are not parts of one
    # whole, so rows have no total to subtract from.
    table = protect_table(
        [[row.received, row.substantiated, row.closed] for row in result.rows],
        threshold,
        row_totals=False,
    )
    assert table.column_totals is not None
    rows = tuple(
        BreakdownRow(row.key, row.label, row.label_en, *cells)
        for row, cells in zip(result.rows, table.cells, strict=True)
    )
    # A table without rows (a filter that leaves no group) has no columns either:
    # its totals are then protected on their own.
    totals = table.column_totals or [
        protect(count, threshold)
        for count in (result.total.received, result.total.substantiated, result.total.closed)
    ]
    total = BreakdownRow(result.total.key, result.total.label, result.total.label_en, *totals)
    return Breakdown(result.dimension, result.period, rows, total)


def _protect_figure(figure: HandlingFigure[int], threshold: int) -> HandlingFigure[Cell]:
    cases = protect(figure.cases, threshold)
    if cases.suppressed:
        # The median of one or two cases is a single case's handling time.
        return HandlingFigure(figure.milestone, cases, None, None)
    return HandlingFigure(figure.milestone, cases, figure.median_days, figure.p90_days)


def _protect_handling_times(result: HandlingTimes[int], threshold: int) -> HandlingTimes[Cell]:
    return HandlingTimes(
        result.period,
        _protect_figure(result.acknowledgement, threshold),
        _protect_figure(result.first_feedback, threshold),
        _protect_figure(result.closure, threshold),
    )


def _protect_backlog(result: Backlog[int], threshold: int) -> Backlog[Cell]:
    table = protect_table(
        [[stage.open, stage.overdue] for stage in result.stages], threshold, row_totals=False
    )
    assert table.column_totals is not None
    stages = tuple(
        BacklogStage(stage.status, *cells)
        for stage, cells in zip(result.stages, table.cells, strict=True)
    )
    open_, overdue = table.column_totals
    share = None if open_.suppressed or overdue.suppressed else result.overdue_share
    return Backlog(result.today, stages, open_, overdue, share)


def _protect_ranking(result: AgencyRanking[int], threshold: int) -> AgencyRanking[Cell]:
    # The substantiated column adds up to the overview's substantiated count, like the
    # by-agency table: protect it column-wise in that table's order (by name), so that
    # both tables hide the same cells and neither gives away what the other hides.
    by_name = sorted(range(len(result.scores)), key=lambda i: result.scores[i].name_key)
    columns = protect_table(
        [[result.scores[i].substantiated, result.scores[i].follow_up_done] for i in by_name],
        threshold,
        row_totals=False,
    ).cells
    column_cells = {i: columns[rank] for rank, i in enumerate(by_name)}
    scores = []
    for index, score in enumerate(result.scores):
        substantiated, done = column_cells[index]
        severities, _ = _protect_parts(
            {"ringan": score.ringan, "sedang": score.sedang, "berat": score.berat}, threshold
        )
        weighted = Cell(score.weighted_findings, False, threshold)
        if any(cell.suppressed for cell in (substantiated, *severities.values())):
            # With the weights public, the weighted sum and the severity counts are two
            # equations that give two hidden severity counts back.
            weighted = Cell(None, True, threshold, "complementary")
        rate = None if substantiated.suppressed or done.suppressed else score.follow_up_rate
        scores.append(
            AgencyScore(
                score.code,
                score.name,
                substantiated,
                severities["ringan"],
                severities["sedang"],
                severities["berat"],
                weighted,
                done,
                rate,
            )
        )
    return AgencyRanking(result.period, result.weights, tuple(scores))


def _protect_history(result: OverdueHistory[int], threshold: int) -> OverdueHistory[Cell]:
    points = []
    for point in result.points:
        open_, overdue = protect(point.open, threshold), protect(point.overdue, threshold)
        # The share and one count give the other back.
        share = None if open_.suppressed or overdue.suppressed else point.overdue_share
        points.append(OverduePoint(point.key, point.day, open_, overdue, share))
    return OverdueHistory(result.period, tuple(points))


@overload
def protected(result: Overview[int], threshold: int) -> Overview[Cell]: ...
@overload
def protected(result: Breakdown[int], threshold: int) -> Breakdown[Cell]: ...
@overload
def protected(result: HandlingTimes[int], threshold: int) -> HandlingTimes[Cell]: ...
@overload
def protected(result: Backlog[int], threshold: int) -> Backlog[Cell]: ...
@overload
def protected(result: AgencyRanking[int], threshold: int) -> AgencyRanking[Cell]: ...
@overload
def protected(result: OverdueHistory[int], threshold: int) -> OverdueHistory[Cell]: ...
def protected(result: Any, threshold: int) -> Any:
    """The result with every count small-cell protected (``Settings.small_cell_threshold``).

    Publish only what this returns: the page, the exports and the API share it.
    """
    if isinstance(result, Overview):
        return _protect_overview(result, threshold)
    if isinstance(result, Breakdown):
        return _protect_breakdown(result, threshold)
    if isinstance(result, HandlingTimes):
        return _protect_handling_times(result, threshold)
    if isinstance(result, Backlog):
        return _protect_backlog(result, threshold)
    if isinstance(result, AgencyRanking):
        return _protect_ranking(result, threshold)
    if isinstance(result, OverdueHistory):
        return _protect_history(result, threshold)
    raise TypeError(f"no small-cell protection for {type(result).__name__}")
