"""The leadership figures as JSON for ``GET /api/v1/stats`` (issue 4). No Flask import.

The shape is part of the API (wbs/api/openapi.py describes it; keep the two together):

- ``period`` {key, kind, start, end}, ``filters`` {agency, category} (each null or
  {code, name, name_en}), ``threshold`` and ``generated_for`` (the day the backlog is
  counted on);
- ``overview``, ``by_agency``, ``by_category``, ``by_month``, ``handling_times``,
  ``backlog``, ``overdue_history`` and ``agency_ranking``, one per dashboard section.

Every count is an object: ``{"value": 7}`` when published, and
``{"value": null, "suppressed": "small", "display": "< 3"}`` (a count of 1 to
threshold - 1) or ``{"value": null, "suppressed": "complementary", "display": "x"}``
(hidden because a published total would give a small one back). A client can never
read a suppressed value, and a missing number cannot be mistaken for zero. Medians,
percentiles and shares are plain numbers, or null when nothing (or too little to
publish) stands behind them. Dates are ISO 8601 strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wbs.small_cells import Cell
from wbs.stats_dashboard import Figures, Filter
from wbs.stats_results import (
    AgencyRanking,
    Backlog,
    Breakdown,
    BreakdownRow,
    HandlingFigure,
    HandlingTimes,
    OverdueHistory,
    Overview,
)

JsonObject = dict[str, Any]


def count_json(cell: Cell) -> JsonObject:
    """One published count (see the module docstring)."""
    if not cell.suppressed and cell.value is not None:
        return {"value": cell.value}
    return {"value": None, "suppressed": cell.reason or "complementary", "display": cell.display()}


def _counts(cells: Mapping[str, Cell]) -> JsonObject:
    return {key: count_json(cell) for key, cell in cells.items()}


def _filter(chosen: Filter | None) -> JsonObject | None:
    if chosen is None:
        return None
    return {"code": chosen.code, "name": chosen.name, "name_en": chosen.name_en}


def _overview(result: Overview[Cell]) -> JsonObject:
    return {
        "received": count_json(result.received),
        "by_status": _counts(result.by_status),
        "substantiated": count_json(result.substantiated),
        "not_substantiated": count_json(result.not_substantiated),
        "forwarded": count_json(result.forwarded),
        "forwarded_by_destination": _counts(result.forwarded_by_destination),
        "rejected": count_json(result.rejected),
        "rejected_by_reason": _counts(result.rejected_by_reason),
    }


def _row_counts(row: BreakdownRow[Cell]) -> JsonObject:
    return {
        "received": count_json(row.received),
        "substantiated": count_json(row.substantiated),
        "closed": count_json(row.closed),
    }


def _breakdown(result: Breakdown[Cell]) -> JsonObject:
    return {
        "rows": [
            {"key": row.key, "label": row.label, "label_en": row.label_en, **_row_counts(row)}
            for row in result.rows
        ],
        "total": _row_counts(result.total),
    }


def _handling_figure(figure: HandlingFigure[Cell]) -> JsonObject:
    return {
        "cases": count_json(figure.cases),
        "median_days": figure.median_days,
        "p90_days": figure.p90_days,
    }


def _handling_times(result: HandlingTimes[Cell]) -> JsonObject:
    return {
        "acknowledgement": _handling_figure(result.acknowledgement),
        "first_feedback": _handling_figure(result.first_feedback),
        "closure": _handling_figure(result.closure),
    }


def _backlog(result: Backlog[Cell]) -> JsonObject:
    return {
        "today": result.today.isoformat(),
        "stages": [
            {
                "status": stage.status,
                "open": count_json(stage.open),
                "overdue": count_json(stage.overdue),
            }
            for stage in result.stages
        ],
        "open": count_json(result.open),
        "overdue": count_json(result.overdue),
        "overdue_share": result.overdue_share,
    }


def _overdue_history(result: OverdueHistory[Cell]) -> JsonObject:
    return {
        "points": [
            {
                "key": point.key,
                "day": point.day.isoformat() if point.day else None,
                "open": count_json(point.open),
                "overdue": count_json(point.overdue),
                "overdue_share": point.overdue_share,
            }
            for point in result.points
        ]
    }


def _ranking(result: AgencyRanking[Cell]) -> JsonObject:
    return {
        "weights": dict(result.weights),
        "scores": [
            {
                "code": score.code,
                "name": score.name,
                "substantiated": count_json(score.substantiated),
                "ringan": count_json(score.ringan),
                "sedang": count_json(score.sedang),
                "berat": count_json(score.berat),
                "weighted_findings": count_json(score.weighted_findings),
                "follow_up_done": count_json(score.follow_up_done),
                "follow_up_rate": score.follow_up_rate,
            }
            for score in result.scores
        ],
    }


def figures_to_json(figures: Figures) -> JsonObject:
    """Every dashboard figure, already protected, as plain JSON values."""
    period = figures.period
    return {
        "period": {
            "key": period.key,
            "kind": period.kind,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "filters": {
            "agency": _filter(figures.request.agency),
            "category": _filter(figures.request.category),
        },
        "threshold": figures.threshold,
        "generated_for": figures.today.isoformat(),
        "overview": _overview(figures.overview),
        "by_agency": _breakdown(figures.agencies),
        "by_category": _breakdown(figures.categories),
        "by_month": _breakdown(figures.months),
        "handling_times": _handling_times(figures.times),
        "backlog": _backlog(figures.backlog),
        "overdue_history": _overdue_history(figures.overdue),
        "agency_ranking": _ranking(figures.ranking),
    }
