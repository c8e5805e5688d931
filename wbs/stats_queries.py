"""Leadership statistics (issue 4): aggregate queries over ``case_file``, no Flask.

Every figure comes from a GROUP BY aggregate (or an ordered-set/window aggregate for the
percentiles) run in the database; no case is ever loaded into Python (issue 4, "Speed").
The cohort of a period is the cases *received* in it, so every query filters on
``received_on`` and uses the index ``ix_case_file_received_on_id``. Purged cases count:
the retention purge keeps exactly these plain fields (models/case.py).

Only plain metadata is read (DESIGN.md, "Encryption at rest": agency, category, status,
dates, severity, outcome); leadership sees aggregates, never a case.

The results are the frozen dataclasses of wbs/stats_results.py with raw ``int``
counts; ``wbs.stats_protection.protected(result, threshold)`` turns each into the same
shape with ``Cell`` counts, which the dashboard, the exports and the API all publish.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, cast

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Table,
    and_,
    case,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy import (
    cast as sql_cast,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from wbs.case_actions import FORWARD_DESTINATIONS, REJECTION_REASONS
from wbs.models import Agency, Case, Category
from wbs.stats_periods import Period
from wbs.stats_results import (
    AgencyRanking,
    AgencyScore,
    Backlog,
    BacklogStage,
    Breakdown,
    BreakdownRow,
    HandlingFigure,
    HandlingTimes,
    Milestone,
    Overview,
)
from wbs.workflow import STATES

CASES = cast(Table, Case.__table__)
AGENCIES = cast(Table, Agency.__table__)
CATEGORIES = cast(Table, Category.__table__)

# shared/DOMAIN.md, "Integrity link" [D]: findings = Σ over substantiated cases of the
# severity weight (PP 94/2021 ringan, sedang, berat). A local policy choice, shown with
# the ranking wherever it is used.
SEVERITY_WEIGHTS: Mapping[str, int] = {"ringan": 1, "sedang": 3, "berat": 5}
STATUSES: tuple[str, ...] = tuple(STATES)
OPEN_STATUSES: tuple[str, ...] = tuple(status for status in STATUSES if status != "closed")


# --- the one dialect difference: days between two dates ------------------------------------


class days_between(FunctionElement[int]):  # noqa: N801 - reads as the SQL function it is
    """Whole days from ``earlier`` to ``later`` (two DATE columns), NULL if either is NULL."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    # PostgreSQL: date - date is an integer number of days.
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores dates as text; julianday() of two midnights differs by whole days.
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)})"
        f" - julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


@dataclass(frozen=True)
class Scope:
    """Which cases count besides the period: one agency, one category, both or all.

    Ids, not codes: the web layer resolves the codes it reads from the query string.
    """

    agency_id: int | None = None
    category_id: int | None = None

    def conditions(self, table: Table = CASES) -> list[ColumnElement[bool]]:
        found = []
        if self.agency_id is not None:
            found.append(table.c.agency_id == self.agency_id)
        if self.category_id is not None:
            found.append(table.c.category_id == self.category_id)
        return found


EVERYTHING = Scope()


def _in_period(period: Period, scope: Scope = EVERYTHING) -> ColumnElement[bool]:
    return and_(CASES.c.received_on.between(period.start, period.end), *scope.conditions())


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


# --- overview -------------------------------------------------------------------------------


def _bucket(known: Sequence[str], found: Mapping[str | None, int]) -> dict[str, int]:
    counts = dict.fromkeys(known, 0)
    for code, number in found.items():
        key = code or "unknown"
        counts[key] = counts.get(key, 0) + number
    return counts


def overview(session: Session, period: Period, scope: Scope = EVERYTHING) -> Overview[int]:
    c = CASES.c
    rows = session.execute(
        select(c.status, c.outcome, c.forwarded_to, c.rejection_reason, func.count())
        .where(_in_period(period, scope))
        .group_by(c.status, c.outcome, c.forwarded_to, c.rejection_reason)
    ).all()
    # At most a few dozen groups: adding them up here reads no case.
    by_status: dict[str, int] = dict.fromkeys(STATUSES, 0)
    by_outcome: dict[str | None, int] = {}
    destinations: dict[str | None, int] = {}
    reasons: dict[str | None, int] = {}
    for status, outcome, destination, reason, number in rows:
        by_status[status] = by_status.get(status, 0) + number
        by_outcome[outcome] = by_outcome.get(outcome, 0) + number
        if outcome == "forwarded":
            destinations[destination] = destinations.get(destination, 0) + number
        if outcome == "rejected":
            reasons[reason] = reasons.get(reason, 0) + number
    return Overview(
        period=period,
        received=sum(by_status.values()),
        by_status=by_status,
        substantiated=by_outcome.get("substantiated", 0),
        not_substantiated=by_outcome.get("not_substantiated", 0),
        forwarded=by_outcome.get("forwarded", 0),
        forwarded_by_destination=_bucket(FORWARD_DESTINATIONS, destinations),
        rejected=by_outcome.get("rejected", 0),
        rejected_by_reason=_bucket(REJECTION_REASONS, reasons),
    )


# --- breakdowns by agency, category and month ----------------------------------------------


def _group_counts(period: Period, scope: Scope, *group: ColumnElement[Any]) -> Any:
    c = CASES.c
    return (
        select(
            *group,
            func.count().label("received"),
            _count_if(c.outcome == "substantiated").label("substantiated"),
            _count_if(c.status == "closed").label("closed"),
        )
        .where(_in_period(period, scope))
        .group_by(*group)
    )


def _breakdown(
    dimension: Literal["agency", "category", "month"],
    period: Period,
    rows: list[BreakdownRow[int]],
) -> Breakdown[int]:
    total = BreakdownRow(
        "total",
        "Jumlah",
        "Total",
        sum(row.received for row in rows),
        sum(row.substantiated for row in rows),
        sum(row.closed for row in rows),
    )
    return Breakdown(dimension, period, tuple(rows), total)


def _by_reference(
    session: Session,
    period: Period,
    scope: Scope,
    table: Table,
    case_column: ColumnElement[Any],
    labels: tuple[ColumnElement[Any], ColumnElement[Any]],
    order: tuple[ColumnElement[Any], ...],
) -> list[BreakdownRow[int]]:
    """One row per active entry of ``table`` (zeros included) and per inactive one with
    cases: (code, label, English label, received, substantiated, closed). Scoped to one
    entry of ``table``, only that entry's row."""
    counts = _group_counts(period, scope, case_column).subquery()
    only = getattr(scope, cast(str, case_column.key))  # a column of CASES: key is its name
    received = counts.c.received
    query = (
        select(
            table.c.code,
            *labels,
            func.coalesce(received, 0),
            func.coalesce(counts.c.substantiated, 0),
            func.coalesce(counts.c.closed, 0),
        )
        .select_from(table.outerjoin(counts, counts.c[case_column.key] == table.c.id))
        .where(
            or_(table.c.active.is_(True), received.is_not(None)),
            *([] if only is None else [table.c.id == only]),
        )
        .order_by(*order)
    )
    return [BreakdownRow(*row) for row in session.execute(query)]


def by_agency(session: Session, period: Period, scope: Scope = EVERYTHING) -> Breakdown[int]:
    """Every active agency (zeros included) and any inactive one with cases, by name."""
    a = AGENCIES.c
    # Agency names are proper names: the same in either language.
    rows = _by_reference(
        session, period, scope, AGENCIES, CASES.c.agency_id, (a.name, a.name), (a.name, a.code)
    )
    return _breakdown("agency", period, rows)


def by_category(session: Session, period: Period, scope: Scope = EVERYTHING) -> Breakdown[int]:
    """Every active category (zeros included) and any inactive one with cases, in list order."""
    k = CATEGORIES.c
    rows = _by_reference(
        session,
        period,
        scope,
        CATEGORIES,
        CASES.c.category_id,
        (k.name_id, k.name_en),
        (k.sort_order, k.code),
    )
    return _breakdown("category", period, rows)


def by_month(session: Session, period: Period, scope: Scope = EVERYTHING) -> Breakdown[int]:
    """Every month the period touches (zeros included), by month of receipt."""
    received_on = CASES.c.received_on
    # EXTRACT works on both backends (SQLite: strftime); PostgreSQL returns numeric.
    year_, month_ = extract("year", received_on), extract("month", received_on)
    found = {
        (int(y), int(m)): (received, substantiated, closed)
        for y, m, received, substantiated, closed in session.execute(
            _group_counts(period, scope, year_, month_)
        )
    }
    rows = []
    for y, m in period.months():
        received, substantiated, closed = found.get((y, m), (0, 0, 0))
        key = f"{y}-{m:02d}"
        rows.append(BreakdownRow(key, key, key, received, substantiated, closed))
    return _breakdown("month", period, rows)


# --- handling times -------------------------------------------------------------------------

_MILESTONE_COLUMNS: dict[Milestone, str] = {
    "acknowledgement": "acknowledged_on",
    "first_feedback": "first_feedback_on",
    "closure": "closed_on",
}
MEDIAN, P90 = 0.5, 0.9


def _percentiles_postgresql(
    session: Session, period: Period, scope: Scope
) -> dict[str, tuple[int, float | None, float | None]]:
    columns: list[ColumnElement[Any]] = []
    for column in _MILESTONE_COLUMNS.values():
        days = days_between(CASES.c[column], CASES.c.received_on)
        columns += [
            func.count(days),
            func.percentile_cont(literal(MEDIAN, Float)).within_group(days),
            func.percentile_cont(literal(P90, Float)).within_group(days),
        ]
    row = session.execute(select(*columns).where(_in_period(period, scope))).one()
    return {
        milestone: (row[3 * index], row[3 * index + 1], row[3 * index + 2])
        for index, milestone in enumerate(_MILESTONE_COLUMNS)
    }


def _percentiles_window(
    session: Session, period: Period, scope: Scope
) -> dict[str, tuple[int, float | None, float | None]]:
    """percentile_cont with window functions, for SQLite, which has no ordered-set aggregate.

    percentile_cont(p) over n sorted values v[0..n-1]: h = (n - 1) * p; the result is
    v[floor(h)] + (h - floor(h)) * (v[ceil(h)] - v[floor(h)]). Same float operations in
    the same order as PostgreSQL, so both backends give the same numbers.
    """
    days = union_all(
        *(
            select(
                literal(milestone).label("milestone"),
                days_between(CASES.c[column], CASES.c.received_on).label("days"),
            ).where(_in_period(period, scope), CASES.c[column].is_not(None))
            for milestone, column in _MILESTONE_COLUMNS.items()
        )
    ).subquery()
    ranked = select(
        days.c.milestone,
        days.c.days,
        (func.row_number().over(partition_by=days.c.milestone, order_by=days.c.days) - 1).label(
            "i"
        ),
        func.count().over(partition_by=days.c.milestone).label("n"),
    ).subquery()

    def position(fraction: float, n: Any) -> ColumnElement[float]:
        return (n - 1) * literal(fraction, Float)

    def floor(value: ColumnElement[float]) -> ColumnElement[int]:
        return sql_cast(value, Integer)  # non-negative: truncation is floor

    ends = []
    for fraction in (MEDIAN, P90):
        h = position(fraction, ranked.c.n)
        low = floor(h)
        high = low + case((h > low, 1), else_=0)
        ends += [
            func.max(case((ranked.c.i == low, ranked.c.days))).label(f"low{fraction}"),
            func.max(case((ranked.c.i == high, ranked.c.days))).label(f"high{fraction}"),
        ]
    grouped = (
        select(ranked.c.milestone, func.max(ranked.c.n).label("n"), *ends)
        .group_by(ranked.c.milestone)
        .subquery()
    )
    results = []
    for fraction in (MEDIAN, P90):
        h = position(fraction, grouped.c.n)
        low, high = grouped.c[f"low{fraction}"], grouped.c[f"high{fraction}"]
        results.append(low + (h - floor(h)) * (high - low))
    rows = session.execute(select(grouped.c.milestone, grouped.c.n, *results)).all()
    return {milestone: (n, median, p90) for milestone, n, median, p90 in rows}


def _round(value: float | None) -> float | None:
    # Float noise (2.9999999999999996) would print differently on the two backends.
    return None if value is None else round(float(value), 6)


def handling_times(
    session: Session, period: Period, scope: Scope = EVERYTHING
) -> HandlingTimes[int]:
    if session.get_bind().dialect.name == "postgresql":
        found = _percentiles_postgresql(session, period, scope)
    else:
        found = _percentiles_window(session, period, scope)
    figures = {}
    for milestone in _MILESTONE_COLUMNS:
        n, median, p90 = found.get(milestone, (0, None, None))
        figures[milestone] = HandlingFigure(milestone, int(n), _round(median), _round(p90))
    return HandlingTimes(
        period, figures["acknowledgement"], figures["first_feedback"], figures["closure"]
    )


# --- backlog --------------------------------------------------------------------------------


def backlog(session: Session, today: date, scope: Scope = EVERYTHING) -> Backlog[int]:
    c = CASES.c
    # Same overdue rule as the queue (wbs/deadlines.is_overdue). The open statuses are
    # listed rather than "!= closed", so that the (status, due_on, id) index serves the
    # query instead of a scan of every case (bench/dashboard.py: 119 → 21 ms at 1,000,000).
    found = {
        status: (number, overdue)
        for status, number, overdue in session.execute(
            select(c.status, func.count(), _count_if(c.due_on < today))
            .where(c.status.in_(OPEN_STATUSES), *scope.conditions())
            .group_by(c.status)
        )
    }
    stages = [BacklogStage(status, *found.get(status, (0, 0))) for status in OPEN_STATUSES]
    open_ = sum(stage.open for stage in stages)
    overdue = sum(stage.overdue for stage in stages)
    return Backlog(today, tuple(stages), open_, overdue, overdue / open_ if open_ else None)


# --- agency ranking (integrity link) --------------------------------------------------------


def agency_ranking(
    session: Session, period: Period, scope: Scope = EVERYTHING
) -> AgencyRanking[int]:
    c = CASES.c
    substantiated = c.outcome == "substantiated"
    counts = (
        select(
            c.agency_id,
            _count_if(substantiated).label("substantiated"),
            *(
                _count_if(and_(substantiated, c.severity == severity)).label(severity)
                for severity in SEVERITY_WEIGHTS
            ),
            _count_if(and_(substantiated, c.follow_up_done_on.is_not(None))).label("done"),
        )
        .where(_in_period(period, scope))
        .group_by(c.agency_id)
        .subquery()
    )
    a = AGENCIES.c
    query = (
        select(
            a.code,
            a.name,
            *(
                func.coalesce(counts.c[name], 0)
                for name in ("substantiated", *SEVERITY_WEIGHTS, "done")
            ),
        )
        .select_from(AGENCIES.outerjoin(counts, counts.c.agency_id == a.id))
        .where(
            or_(a.active.is_(True), counts.c.substantiated.is_not(None)),
            *([] if scope.agency_id is None else [a.id == scope.agency_id]),
        )
    )
    scores = []
    for code, name, total, ringan, sedang, berat, done in session.execute(query):
        weighted = (
            ringan * SEVERITY_WEIGHTS["ringan"]
            + sedang * SEVERITY_WEIGHTS["sedang"]
            + berat * SEVERITY_WEIGHTS["berat"]
        )
        rate = done / total if total else None
        scores.append(AgencyScore(code, name, total, ringan, sedang, berat, weighted, done, rate))
    # One row per agency (tens of rows): ordering here keeps the SQL portable.
    scores.sort(key=lambda score: (-score.weighted_findings, *score.name_key))
    return AgencyRanking(period, dict(SEVERITY_WEIGHTS), tuple(scores))
