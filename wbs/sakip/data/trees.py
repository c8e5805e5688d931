"""An agency's performance tree for one year and period, with every indicator's
capaian and each node's roll-up (DOMAIN.md, "Indicator achievement"). Three queries
(nodes, indicators, values), then the pure rules of wbs/sakip/; no Flask.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.models import Indicator, IndicatorValue, PerformanceNode
from wbs.sakip.achievement import Capaian, indicator_capaian
from wbs.sakip.rollup import ChildCapaian, Rollup, roll_up


@dataclass(frozen=True)
class IndicatorLine:
    indicator: Indicator
    value: IndicatorValue | None
    capaian: Capaian


@dataclass(frozen=True)
class NodeLine:
    """One node in tree order: ``own`` rolls up its indicators, ``children`` its child
    nodes' results; ``result`` is what its parent rolls up (own indicators when it has
    any, else its children)."""

    node: PerformanceNode
    depth: int
    indicators: tuple[IndicatorLine, ...]
    own: Rollup | None
    children: Rollup | None

    @property
    def result(self) -> Rollup | None:
        return self.own if self.own is not None else self.children


def _target(indicator: Indicator, value: IndicatorValue | None) -> object:
    if value is None:
        return None
    if indicator.polarity == "range":
        if value.target is None or value.target_high is None:
            return None
        return (value.target, value.target_high)
    return value.target


def capaian_of(indicator: Indicator, value: IndicatorValue | None, cap: int) -> Capaian:
    """The indicator's capaian for this value row; missing stays missing (None)."""
    return indicator_capaian(
        indicator.polarity,  # type: ignore[arg-type]
        _target(indicator, value),  # type: ignore[arg-type]
        None if value is None else value.realisation,
        cap=Decimal(cap) if cap else None,
    )


def agency_tree(
    session: Session, agency_id: int | None, year: int, period: str, cap: int = 0
) -> list[NodeLine]:
    """Every active node of the agency's tree (``agency_id`` None: the Pemda's), parents
    before children, siblings by sort order then code."""
    nodes = list(
        session.scalars(
            select(PerformanceNode)
            .where(
                PerformanceNode.agency_id.is_(agency_id)
                if agency_id is None
                else PerformanceNode.agency_id == agency_id
            )
            .where(PerformanceNode.active.is_(True))
            .order_by(PerformanceNode.sort_order, PerformanceNode.code)
        )
    )
    ids = [node.id for node in nodes]
    indicators: dict[int, list[Indicator]] = defaultdict(list)
    values: dict[int, IndicatorValue] = {}
    if ids:
        for indicator in session.scalars(
            select(Indicator)
            .where(Indicator.node_id.in_(ids), Indicator.active.is_(True))
            .order_by(Indicator.sort_order, Indicator.id)
        ):
            indicators[indicator.node_id].append(indicator)
        indicator_ids = [i.id for group in indicators.values() for i in group]
        if indicator_ids:
            for value in session.scalars(
                select(IndicatorValue).where(
                    IndicatorValue.indicator_id.in_(indicator_ids),
                    IndicatorValue.year == year,
                    IndicatorValue.period == period,
                )
            ):
                values[value.indicator_id] = value
    children: dict[int | None, list[PerformanceNode]] = defaultdict(list)
    known = set(ids)
    for node in nodes:
        # A node whose parent is inactive (or in another tree) shows at the top.
        children[node.parent_id if node.parent_id in known else None].append(node)
    lines: list[NodeLine] = []

    def visit(node: PerformanceNode, depth: int) -> NodeLine:
        own_lines = tuple(
            IndicatorLine(i, values.get(i.id), capaian_of(i, values.get(i.id), cap))
            for i in indicators[node.id]
        )
        position = len(lines)
        lines.append(NodeLine(node, depth, own_lines, None, None))  # placeholder, in order
        child_lines = [visit(child, depth + 1) for child in children[node.id]]
        own = _roll(
            [
                ChildCapaian.of(str(line.indicator.id), line.capaian, line.indicator.weight)
                for line in own_lines
            ]
        )
        below = _roll(
            [
                ChildCapaian(
                    line.node.code,
                    None if line.result is None else line.result.value,
                    line.node.weight,
                )
                for line in child_lines
            ]
        )
        done = NodeLine(node, depth, own_lines, own, below)
        lines[position] = done
        return done

    for root in children[None]:
        visit(root, 0)
    return lines


def _roll(children: Sequence[ChildCapaian]) -> Rollup | None:
    return roll_up(children) if children else None
