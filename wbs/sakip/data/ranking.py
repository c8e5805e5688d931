"""The agencies ranked by performance achievement (capaian) for a year and period
(issue 5; DOMAIN.md, "Indicator achievement"), beside their official SAKIP result.

An agency's achievement is the roll-up of its tree's roots' results, each root giving
the roll-up of its own indicators when it has any, else of its children's results:
the walk of one agency's page (wbs/sakip/data/trees.roll_tree) with the same rules, so
the ranking and the agency's page always agree. Only what that total needs is computed
(a node with indicators of its own is not looked below); every indicator is counted.

Every agency at once, in three queries whatever their count (a few more for very
large trees): the agencies with their final evaluations; every active node with its
indicators counted by the database; the indicators, with their value of the year and
period, of only the nodes the totals need. The rows are read as plain tuples, not ORM
objects (a tree of 2,000 indicators per agency makes 120,000 rows for 60 agencies). No Flask.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, Executable, func, select
from sqlalchemy.orm import Session

from wbs.models import Agency, Indicator, IndicatorValue, PerformanceNode, SakipEvaluation
from wbs.sakip.achievement import cap_limit, round2
from wbs.sakip.data.evaluations import FINAL
from wbs.sakip.data.trees import nodes_for_total, roll_tree, rolled_capaian, tree_total
from wbs.sakip.rollup import Rollup, roll_up_figures

# Rows fetched from the driver at a time (see _rows).
BATCH = 500
# Node ids in one IN list: below SQLite's oldest limit of 999 bound parameters.
IDS_PER_STATEMENT = 900
# When the totals need more than this share of all indicators, one plain scan of every
# indicator is cheaper than matching node ids.
SCAN_SHARE = 0.5


@dataclass(frozen=True)
class AgencyAchievement:
    """One agency's achievement for the year and period.

    ``total`` is the roll-up of its tree's roots (None: no active node); its value is
    None, with a reason, when no indicator has a capaian yet. ``realised`` counts the
    indicators with a realisation entered; the others are missing, never zero.
    ``official_score`` and ``official_predicate`` are the year's SAKIP evaluation once
    final (None before).
    """

    agency_id: int
    code: str
    name: str
    total: Rollup | None
    indicators: int
    realised: int
    official_score: Decimal | None
    official_predicate: str | None

    @property
    def value(self) -> Decimal | None:
        return None if self.total is None else self.total.value

    @property
    def missing(self) -> int:
        return self.indicators - self.realised


@dataclass(frozen=True)
class RankedAgency:
    """``rank`` counts from 1 (highest achievement); agencies showing the same achievement
    share a rank. Those without an achievement come last, with no rank."""

    rank: int | None
    achievement: AgencyAchievement


class NodeRow(NamedTuple):
    """What the roll-up walk reads of a node (trees.TreeNode), with the number of its
    active indicators and of those with a realisation of the period."""

    id: int
    parent_id: int | None
    code: str
    weight: Decimal
    indicators: int
    realised: int


# An active indicator of a node with its value of the period (None when there is no
# value row, or nothing entered): (sort order, id, polarity, weight, target, upper bound
# of a range target, realisation). Tuples sort by their first two: sort order, then id.
IndicatorRow = tuple[int, int, str, Decimal, Decimal | None, Decimal | None, Decimal | None]
# An agency with its final evaluation of the year: (id, code, name, score, predicate).
AgencyRow = tuple[int, str, str, Decimal | None, str | None]


@dataclass(frozen=True)
class TreeRows:
    """What the ranking reads: the active agencies; each agency's active nodes, siblings
    in the order of the agency's page, with their indicator counts; the active
    indicators, by sort order then id, with their values of the year and period, of the
    nodes the totals need (trees.nodes_for_total) at least."""

    agencies: list[AgencyRow]
    nodes_of: dict[int, list[NodeRow]]
    indicators_of: dict[int, list[IndicatorRow]]


def _rows(connection: Connection, statement: Executable) -> Iterator[Any]:
    """The statement's rows, fetched from the driver a batch at a time (iterating a result
    asks the driver for one row at a time: three times slower for 120,000 rows)."""
    for batch in connection.execute(statement).partitions(BATCH):
        yield from batch


def _value_join(year: int, period: str) -> Any:
    return (
        (IndicatorValue.indicator_id == Indicator.id)
        & (IndicatorValue.year == year)
        & (IndicatorValue.period == period)
    )


def _agencies(connection: Connection, year: int) -> list[AgencyRow]:
    return [
        (agency_id, code, name, score, predicate)
        for agency_id, code, name, score, predicate in _rows(
            connection,
            select(
                Agency.id,
                Agency.code,
                Agency.name,
                SakipEvaluation.score,
                SakipEvaluation.predicate,
            )
            .outerjoin(
                SakipEvaluation,
                (SakipEvaluation.agency_id == Agency.id)
                & (SakipEvaluation.year == year)
                & (SakipEvaluation.status == FINAL),
            )
            .where(Agency.active.is_(True))
            .order_by(Agency.name, Agency.code),
        )
    ]


def _nodes(connection: Connection, year: int, period: str) -> dict[int, list[NodeRow]]:
    """Every agency's active nodes, siblings in the order of the agency's page (sort
    order, then code, sorted by the database's collation, as trees.agency_tree reads
    them), each with its active indicators counted by the database: the counts of a
    whole agency need no indicator row to cross."""
    counts = (
        select(
            Indicator.node_id,
            func.count().label("indicators"),
            func.count(IndicatorValue.realisation).label("realised"),
        )
        .outerjoin(IndicatorValue, _value_join(year, period))
        .where(Indicator.active.is_(True))
        .group_by(Indicator.node_id)
        .subquery()
    )
    nodes_of: dict[int, list[NodeRow]] = defaultdict(list)
    for node_id, agency_id, parent_id, code, weight, indicators, realised in _rows(
        connection,
        select(
            PerformanceNode.id,
            PerformanceNode.agency_id,
            PerformanceNode.parent_id,
            PerformanceNode.code,
            PerformanceNode.weight,
            func.coalesce(counts.c.indicators, 0),
            func.coalesce(counts.c.realised, 0),
        )
        .outerjoin(counts, counts.c.node_id == PerformanceNode.id)
        .where(PerformanceNode.agency_id.is_not(None), PerformanceNode.active.is_(True))
        .order_by(PerformanceNode.sort_order, PerformanceNode.code),
    ):
        nodes_of[agency_id].append(NodeRow(node_id, parent_id, code, weight, indicators, realised))
    return nodes_of


def _indicators(
    connection: Connection, year: int, period: str, node_ids: Sequence[int] | None
) -> dict[int, list[IndicatorRow]]:
    """The active indicators of ``node_ids`` (None: of every node) with their values,
    each indicator with its value in one row (an outer join on the value row's unique
    key), grouped by node."""
    statement = (
        select(
            Indicator.sort_order,
            Indicator.id,
            Indicator.node_id,
            Indicator.polarity,
            Indicator.weight,
            IndicatorValue.target,
            IndicatorValue.target_high,
            IndicatorValue.realisation,
        )
        .outerjoin(IndicatorValue, _value_join(year, period))
        .where(Indicator.active.is_(True))
    )
    if node_ids is None:
        statements = [statement]
    else:
        statements = [
            statement.where(Indicator.node_id.in_(node_ids[start : start + IDS_PER_STATEMENT]))
            for start in range(0, len(node_ids), IDS_PER_STATEMENT)
        ]
    indicators_of: dict[int, list[IndicatorRow]] = defaultdict(list)
    for query in statements:
        for order, indicator_id, node_id, polarity, weight, target, high, realisation in _rows(
            connection, query
        ):
            indicators_of[node_id].append(
                (order, indicator_id, polarity, weight, target, high, realisation)
            )
    for group in indicators_of.values():
        # By sort order, then id: whole numbers, ordered here as the database would; a
        # few per node, so sorting each node's own is cheaper than one ORDER BY of all.
        group.sort()
    return indicators_of


def nodes_needed(nodes_of: dict[int, list[NodeRow]]) -> list[int]:
    """The ids of the nodes whose indicators the agencies' totals count."""
    return [
        node.id
        for nodes in nodes_of.values()
        for node in nodes_for_total(nodes, lambda node: node.indicators > 0)
    ]


def load_rows(session: Session, year: int, period: str) -> TreeRows:
    """The agencies; the nodes with their indicator counts; then the indicators (with
    values) of only the nodes the totals need: with indicators on every level that is
    each tree's roots, with indicators on the leaves only it is nearly all of them, and
    one plain scan then beats matching ids."""
    connection = session.connection()
    agencies = _agencies(connection, year)
    nodes_of = _nodes(connection, year, period)
    needed = nodes_needed(nodes_of)
    node_indicators = {node.id: node.indicators for nodes in nodes_of.values() for node in nodes}
    wanted = sum(node_indicators[node_id] for node_id in needed)
    every = wanted > SCAN_SHARE * sum(node_indicators.values())
    indicators_of = _indicators(connection, year, period, None if every else needed)
    return TreeRows(agencies, nodes_of, indicators_of)


def agency_achievements(
    session: Session, year: int, period: str, cap: int = 0
) -> list[AgencyAchievement]:
    """Every active agency's achievement, by name; ``cap`` as in
    settings.sakip_capaian_cap (0: off)."""
    return achievements_of(load_rows(session, year, period), cap)


def achievements_of(rows: TreeRows, cap: int = 0) -> list[AgencyAchievement]:
    limit = cap_limit(cap) if cap else None
    return [
        _achievement(agency, rows.nodes_of.get(agency[0], []), rows.indicators_of, limit)
        for agency in rows.agencies
    ]


def _achievement(
    agency: AgencyRow,
    nodes: Sequence[NodeRow],
    indicators_of: dict[int, list[IndicatorRow]],
    limit: Decimal | None,
) -> AgencyAchievement:
    def own(node: NodeRow) -> Rollup | None:
        """The node's indicators rolled up, as trees.own_rollup does on the agency's page."""
        rows = indicators_of.get(node.id)
        if not rows:
            return None
        return roll_up_figures(
            [str(row[1]) for row in rows],
            [rolled_capaian(row[2], row[4], row[5], row[6], limit) for row in rows],
            [row[3] for row in rows],
        )

    # Only what the total needs (roll_tree's results_only): a node with indicators of its
    # own gives their roll-up whatever lies below it, so with indicators at every level
    # only the roots' own are computed.
    total = tree_total(roll_tree(nodes, own, results_only=True))
    # Every indicator of the active nodes is counted, as on the e-SAKIP home page.
    indicators = sum(node.indicators for node in nodes)
    realised = sum(node.realised for node in nodes)
    agency_id, code, name, score, predicate = agency
    return AgencyAchievement(agency_id, code, name, total, indicators, realised, score, predicate)


def ranked(achievements: Iterable[AgencyAchievement]) -> list[RankedAgency]:
    """Highest achievement first, read on the value rounded to 2 decimals as shown (so
    equal figures share a rank, competition style: 1, 1, 3); ties by name. Agencies
    without an achievement follow, by name, without a rank."""
    achievements = list(achievements)
    with_value = sorted(
        ((round2(a.value), a) for a in achievements if a.value is not None),
        key=lambda item: (-item[0], item[1].name, item[1].code),
    )
    result: list[RankedAgency] = []
    previous: tuple[Decimal, int] | None = None
    for position, (shown, achievement) in enumerate(with_value, start=1):
        rank = previous[1] if previous is not None and previous[0] == shown else position
        previous = (shown, rank)
        result.append(RankedAgency(rank, achievement))
    without = sorted((a for a in achievements if a.value is None), key=lambda a: (a.name, a.code))
    return result + [RankedAgency(None, achievement) for achievement in without]
