"""An agency's performance tree for one year and period, with every indicator's
capaian and each node's roll-up (DOMAIN.md, "Indicator achievement"). Three queries
(nodes, indicators, values), then the pure rules of wbs/sakip/; no Flask.

The walk that rolls a tree up (``roll_tree``) takes any node with ``id``, ``parent_id``,
``code`` and ``weight``: the ORM rows of one agency's page here, plain result rows of
every agency in the ranking (wbs/sakip/data/ranking.py), so both compute the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.models import Indicator, IndicatorValue, PerformanceNode
from wbs.sakip.achievement import Capaian, Target, capped, indicator_capaian, raw_capaian
from wbs.sakip.rollup import Rollup, roll_up_figures


class TreeNode(Protocol):
    """What the roll-up walk reads of a node."""

    @property
    def id(self) -> int: ...

    @property
    def parent_id(self) -> int | None: ...

    @property
    def code(self) -> str: ...

    @property
    def weight(self) -> Decimal: ...


N = TypeVar("N", bound=TreeNode)


@dataclass(frozen=True)
class RolledNode(Generic[N]):
    """A node with its two roll-ups: ``own`` of its indicators (None when it has none),
    ``children`` of its child nodes' results (None when it has no child)."""

    node: N
    depth: int
    own: Rollup | None
    children: Rollup | None

    @property
    def result(self) -> Rollup | None:
        return result_of(self.own, self.children)


def roll_tree(
    nodes: Sequence[N],
    own_rollup: Callable[[N], Rollup | None],
    *,
    results_only: bool = False,
) -> list[RolledNode[N]]:
    """Every node reachable from a root, parents before children, siblings in the order
    given, each with ``own_rollup(node)`` and the roll-up of its children's results
    (weighted by the child nodes' weights; DOMAIN.md: weighted mean [D], rollup.py).

    A node whose parent is not among ``nodes`` (inactive, or in another tree) is a root.

    ``results_only`` walks no further than the results need (for tree_total): below a
    node with a roll-up of its own nothing counts in its result (RolledNode.result), so
    its children are not visited and its ``children`` roll-up is left None.
    """
    children = _children_of(nodes)
    rolled: list[RolledNode[N]] = []

    def visit(node: N, depth: int) -> RolledNode[N]:
        position = len(rolled)
        rolled.append(None)  # type: ignore[arg-type]  # its place, in tree order
        own = own_rollup(node)
        if results_only and own is not None:
            done = RolledNode(node, depth, own, None)
        else:
            below = [visit(child, depth + 1) for child in children.get(node.id, ())]
            done = RolledNode(node, depth, own, _results(below))
        rolled[position] = done
        return done

    for root in children.get(None, ()):
        visit(root, 0)
    return rolled


def _children_of(nodes: Sequence[N]) -> dict[int | None, list[N]]:
    """Each node's children in the order given; under None the roots (no parent, or a
    parent not among ``nodes``)."""
    known = {node.id for node in nodes}
    children: dict[int | None, list[N]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id if node.parent_id in known else None].append(node)
    return children


def nodes_for_total(nodes: Sequence[N], has_own: Callable[[N], bool]) -> list[N]:
    """The nodes whose own indicators the tree's total counts: from each root down to the
    first node with indicators of its own (``has_own``), as ``roll_tree(results_only=True)``
    walks. Lets the ranking fetch only those nodes' indicators."""
    children = _children_of(nodes)
    found: list[N] = []
    waiting = list(reversed(children.get(None, ())))
    while waiting:
        node = waiting.pop()
        if has_own(node):
            found.append(node)
        else:
            waiting.extend(reversed(children.get(node.id, ())))
    return found


def tree_total(rolled: Sequence[RolledNode[N]]) -> Rollup | None:
    """The achievement of the whole tree: the roll-up of its roots' results, weighted by
    the roots' weights, as each node rolls up its children; None for a tree without nodes."""
    return _results([line for line in rolled if line.depth == 0])


def result_of(own: Rollup | None, children: Rollup | None) -> Rollup | None:
    """What a node gives its parent: its own indicators' roll-up when it has indicators,
    else its children's."""
    return own if own is not None else children


def _results(lines: Sequence[RolledNode[N]]) -> Rollup | None:
    """The roll-up of these nodes' results by their weights; None without any node."""
    if not lines:
        return None
    return roll_up_figures(
        [line.node.code for line in lines],
        [None if line.result is None else line.result.value for line in lines],
        [line.node.weight for line in lines],
    )


def rolled_capaian(
    polarity: str,
    target: Decimal | None,
    target_high: Decimal | None,
    realisation: Decimal | None,
    limit: Decimal | None,
) -> Decimal | None:
    """What a roll-up counts of one indicator, from its value row's figures (None: no
    row, or not entered): ``capaian_of(...).value``, capped at ``limit``
    (achievement.cap_limit), without the indicator's own category."""
    raw, _reason = raw_capaian(
        polarity,  # type: ignore[arg-type]
        _target(polarity, target, target_high),
        realisation,
    )
    return None if raw is None else capped(raw, limit)


def _target(polarity: str, target: Decimal | None, target_high: Decimal | None) -> Target:
    """A range target needs both bounds; the others are one number."""
    if polarity == "range":
        return None if target is None or target_high is None else (target, target_high)
    return target


# --- one agency's page -----------------------------------------------------------------------


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
        return result_of(self.own, self.children)


def capaian_of(indicator: Indicator, value: IndicatorValue | None, cap: int) -> Capaian:
    """The indicator's capaian for this value row; missing stays missing (None)."""
    return indicator_capaian(
        indicator.polarity,  # type: ignore[arg-type]
        None if value is None else _target(indicator.polarity, value.target, value.target_high),
        None if value is None else value.realisation,
        cap=Decimal(cap) if cap else None,
    )


def own_rollup(lines: Sequence[IndicatorLine]) -> Rollup | None:
    """A node's own indicators rolled up by their weights; None when it has none."""
    if not lines:
        return None
    return roll_up_figures(
        [str(line.indicator.id) for line in lines],
        [line.capaian.value for line in lines],
        [line.indicator.weight for line in lines],
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
    own_lines = {
        node_id: tuple(
            IndicatorLine(i, values.get(i.id), capaian_of(i, values.get(i.id), cap)) for i in group
        )
        for node_id, group in indicators.items()
    }
    return [
        NodeLine(
            line.node,
            line.depth,
            own_lines.get(line.node.id, ()),
            line.own,
            line.children,
        )
        for line in roll_tree(nodes, lambda node: own_rollup(own_lines.get(node.id, ())))
    ]
