"""Changes to performance trees, their indicators, targets and realisations, and the
agency head's details (issue 5). SQLAlchemy, no Flask: the views parse the request,
these functions check the rules and write; the caller commits (with its audit entry).

Refusals are ``Problem``s naming the field and a reason code; the views turn the code
into a message in the user's language.

Tree rules:

- a node's parent is a node of the same tree (the same agency, or the Pemda's), never
  the node itself or one of its descendants: a tree has no cycles;
- the cascade runs tujuan → sasaran → program → kegiatan → sub kegiatan (DOMAIN.md,
  "Indicator achievement"): a child's level comes after its parent's (levels may be
  skipped, an agency's tree often starts at sasaran);
- codes are unique within a tree (the database enforces it for agencies; NULL
  agency_id does not, so the Pemda's tree is checked here);
- a node is deactivated only once it has no active child node, so no active node
  hangs below an inactive one; it is reactivated only under an active parent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from wbs.models import Agency, Indicator, IndicatorValue, PerformanceNode
from wbs.models.sakip import LEVELS, PERIODS, POLARITIES
from wbs.sakip.data.trees import NodeLine, agency_tree


@dataclass(frozen=True)
class Problem:
    """A refusal: ``field`` is the form field it belongs to, ``reason`` a code."""

    field: str
    reason: str


@dataclass(frozen=True)
class NodeFields:
    level: str
    code: str
    name: str
    parent_id: int | None
    weight: Decimal
    sort_order: int


@dataclass(frozen=True)
class IndicatorFields:
    name: str
    unit: str
    polarity: str
    weight: Decimal
    sort_order: int


def in_tree(agency_id: int | None) -> ColumnElement[bool]:
    """The condition "the node belongs to this tree" (None: the Pemda's)."""
    if agency_id is None:
        return PerformanceNode.agency_id.is_(None)
    return PerformanceNode.agency_id == agency_id


def tree_nodes(session: Session, agency_id: int | None) -> list[PerformanceNode]:
    """Every node of the tree, active or not, by sort order then code."""
    return list(
        session.scalars(
            select(PerformanceNode)
            .where(in_tree(agency_id))
            .order_by(PerformanceNode.sort_order, PerformanceNode.code, PerformanceNode.id)
        )
    )


def descendant_ids(nodes: Iterable[PerformanceNode], node_id: int) -> set[int]:
    """The ids of every node below ``node_id`` (children, their children...)."""
    children: dict[int | None, list[int]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node.id)
    found: set[int] = set()
    waiting = list(children.get(node_id, []))
    while waiting:
        current = waiting.pop()
        if current in found:  # a cycle already in the data: stop rather than loop
            continue
        found.add(current)
        waiting.extend(children.get(current, []))
    return found


def tree_structure(session: Session, agency_id: int | None) -> list[NodeLine]:
    """The active nodes and indicators in tree order, without figures (no year has
    values for year 0, so no value row is read)."""
    return agency_tree(session, agency_id, 0, "Y")


def parent_choices(
    session: Session, agency_id: int | None, node: PerformanceNode | None = None
) -> list[tuple[PerformanceNode, int]]:
    """The active nodes that may be ``node``'s parent, in tree order with their depth:
    the same tree, not the node itself nor any node below it."""
    excluded: set[int] = set()
    if node is not None:
        excluded = {node.id} | descendant_ids(tree_nodes(session, agency_id), node.id)
    return [
        (line.node, line.depth)
        for line in tree_structure(session, agency_id)
        if line.node.id not in excluded
    ]


def _level_rank(level: str) -> int:
    return LEVELS.index(level)


def node_problems(
    session: Session, agency_id: int | None, node: PerformanceNode | None, fields: NodeFields
) -> list[Problem]:
    """Why ``fields`` cannot be saved as ``node`` (None: a new node) of this tree."""
    problems: list[Problem] = []
    if fields.level not in LEVELS:
        problems.append(Problem("level", "unknown_level"))
    if fields.weight < 0:
        problems.append(Problem("weight", "negative_weight"))
    taken = session.scalar(
        select(PerformanceNode.id).where(in_tree(agency_id), PerformanceNode.code == fields.code)
    )
    if taken is not None and (node is None or taken != node.id):
        problems.append(Problem("code", "code_taken"))
    if fields.parent_id is not None:
        parent = session.get(PerformanceNode, fields.parent_id)
        if parent is None or parent.agency_id != agency_id:
            problems.append(Problem("parent_id", "parent_not_in_tree"))
        elif node is not None and (
            parent.id == node.id
            or parent.id in descendant_ids(tree_nodes(session, agency_id), node.id)
        ):
            problems.append(Problem("parent_id", "parent_cycle"))
        elif not parent.active:
            problems.append(Problem("parent_id", "parent_inactive"))
        elif fields.level in LEVELS and _level_rank(fields.level) <= _level_rank(parent.level):
            problems.append(Problem("level", "level_not_below_parent"))
    if node is not None and fields.level in LEVELS:
        children = session.scalars(
            select(PerformanceNode.level).where(
                PerformanceNode.parent_id == node.id, PerformanceNode.active.is_(True)
            )
        )
        if any(_level_rank(level) <= _level_rank(fields.level) for level in children):
            problems.append(Problem("level", "level_not_above_children"))
    return problems


def _apply_node(node: PerformanceNode, fields: NodeFields) -> list[str]:
    changed = []
    for name in ("level", "code", "name", "parent_id", "weight", "sort_order"):
        value = getattr(fields, name)
        if getattr(node, name) != value:
            setattr(node, name, value)
            changed.append(name)
    return changed


def create_node(session: Session, agency_id: int | None, fields: NodeFields) -> PerformanceNode:
    """A new active node; check ``node_problems`` first."""
    node = PerformanceNode(agency_id=agency_id, active=True)
    _apply_node(node, fields)
    session.add(node)
    session.flush()
    return node


def update_node(node: PerformanceNode, fields: NodeFields) -> list[str]:
    """Apply ``fields`` (checked with ``node_problems``); the names of what changed."""
    return _apply_node(node, fields)


def deactivation_problem(session: Session, node: PerformanceNode) -> Problem | None:
    """A node with an active child stays: the child would lose its place in the tree."""
    child = session.scalar(
        select(PerformanceNode.id)
        .where(PerformanceNode.parent_id == node.id, PerformanceNode.active.is_(True))
        .limit(1)
    )
    return None if child is None else Problem("active", "active_children")


def reactivation_problem(session: Session, node: PerformanceNode) -> Problem | None:
    if node.parent_id is None:
        return None
    parent = session.get(PerformanceNode, node.parent_id)
    if parent is None or not parent.active:
        return Problem("active", "parent_inactive")
    if _level_rank(node.level) <= _level_rank(parent.level):
        return Problem("active", "level_not_below_parent")
    return None


def indicator_problems(fields: IndicatorFields) -> list[Problem]:
    problems = []
    if fields.polarity not in POLARITIES:
        problems.append(Problem("polarity", "unknown_polarity"))
    if fields.weight < 0:
        problems.append(Problem("weight", "negative_weight"))
    return problems


def inactive_indicators(session: Session, agency_id: int | None) -> list[Indicator]:
    """The deactivated indicators of the tree's active nodes (to reactivate them)."""
    return list(
        session.scalars(
            select(Indicator)
            .join(PerformanceNode, PerformanceNode.id == Indicator.node_id)
            .where(
                in_tree(agency_id),
                PerformanceNode.active.is_(True),
                Indicator.active.is_(False),
            )
            .order_by(PerformanceNode.code, Indicator.sort_order, Indicator.id)
        )
    )


def _apply_indicator(indicator: Indicator, fields: IndicatorFields) -> list[str]:
    changed = []
    for name in ("name", "unit", "polarity", "weight", "sort_order"):
        value = getattr(fields, name)
        if getattr(indicator, name) != value:
            setattr(indicator, name, value)
            changed.append(name)
    return changed


def create_indicator(session: Session, node: PerformanceNode, fields: IndicatorFields) -> Indicator:
    indicator = Indicator(node_id=node.id, active=True)
    _apply_indicator(indicator, fields)
    session.add(indicator)
    session.flush()
    return indicator


def update_indicator(session: Session, indicator: Indicator, fields: IndicatorFields) -> list[str]:
    """Apply ``fields``; the names of what changed. An indicator that is no longer read
    against a range loses its upper bounds, which would otherwise still show as a range."""
    was_range = indicator.polarity == "range"
    changed = _apply_indicator(indicator, fields)
    if was_range and indicator.polarity != "range":
        session.execute(
            update(IndicatorValue)
            .where(IndicatorValue.indicator_id == indicator.id)
            .values(target_high=None)
        )
    return changed


# Targets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetEntry:
    """A period's target as typed: ``target_high`` only for range polarity."""

    period: str
    target: Decimal | None
    target_high: Decimal | None = None


def target_problems(polarity: str, entry: TargetEntry) -> list[Problem]:
    """The year's target is required; a range needs both bounds, low ≤ high
    (DOMAIN.md: a range target is read against its lower and upper bound)."""
    problems = []
    if entry.period == "Y" and entry.target is None:
        problems.append(Problem("target", "year_target_required"))
    if polarity == "range":
        if entry.target is None and entry.target_high is not None:
            problems.append(Problem("target", "range_low_missing"))
        if entry.target is not None and entry.target_high is None:
            problems.append(Problem("target_high", "range_high_missing"))
        if (
            entry.target is not None
            and entry.target_high is not None
            and entry.target > entry.target_high
        ):
            problems.append(Problem("target_high", "range_reversed"))
    return problems


def indicator_values(
    session: Session, indicator_ids: Iterable[int], year: int, periods: Iterable[str] = PERIODS
) -> dict[tuple[int, str], IndicatorValue]:
    """The stored value rows, by (indicator id, period)."""
    ids = list(indicator_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id.in_(ids),
            IndicatorValue.year == year,
            IndicatorValue.period.in_(list(periods)),
        )
    )
    return {(row.indicator_id, row.period): row for row in rows}


def _value_row(
    session: Session,
    existing: dict[tuple[int, str], IndicatorValue],
    indicator_id: int,
    year: int,
    period: str,
) -> IndicatorValue:
    row = existing.get((indicator_id, period))
    if row is None:
        row = IndicatorValue(indicator_id=indicator_id, year=year, period=period, note="")
        session.add(row)
        existing[(indicator_id, period)] = row
    return row


def save_targets(
    session: Session,
    indicator: Indicator,
    year: int,
    entries: Iterable[TargetEntry],
    staff_id: int,
    now: datetime,
) -> list[str]:
    """Write the targets (checked with ``target_problems``); the periods that changed.
    A blank target is stored as NULL; realisations already entered stay."""
    entries = list(entries)
    existing = indicator_values(session, [indicator.id], year, [e.period for e in entries])
    changed = []
    for entry in entries:
        high = entry.target_high if indicator.polarity == "range" else None
        row = existing.get((indicator.id, entry.period))
        if row is None and entry.target is None and high is None:
            continue  # nothing typed, nothing stored: no empty rows
        if row is not None and row.target == entry.target and row.target_high == high:
            continue
        row = _value_row(session, existing, indicator.id, year, entry.period)
        row.target, row.target_high = entry.target, high
        row.updated_at, row.updated_by_id = now, staff_id
        changed.append(entry.period)
    session.flush()
    return changed


# Realisations -------------------------------------------------------------------------


@dataclass(frozen=True)
class RealisationEntry:
    """A realisation as typed: None is "not yet known" (missing, never zero)."""

    realisation: Decimal | None
    note: str


def entry_indicators(session: Session, agency_id: int | None) -> dict[int, Indicator]:
    """The active indicators of the tree's active nodes: what realisations are entered for."""
    return {
        indicator.id: indicator
        for indicator in session.scalars(
            select(Indicator)
            .join(PerformanceNode, PerformanceNode.id == Indicator.node_id)
            .where(
                in_tree(agency_id),
                PerformanceNode.active.is_(True),
                Indicator.active.is_(True),
            )
        )
    }


def save_realisations(
    session: Session,
    agency_id: int | None,
    year: int,
    period: str,
    entries: Mapping[int, RealisationEntry],
    staff_id: int,
    now: datetime,
) -> int:
    """Write the realisations of the tree's indicators for one period; the number of
    rows that changed (each records who and when). Indicators of another tree are
    ignored. A blank realisation stays NULL; a row is created only when something
    was typed."""
    allowed = entry_indicators(session, agency_id)
    wanted = {key: entry for key, entry in entries.items() if key in allowed}
    existing = indicator_values(session, wanted, year, [period])
    changed = 0
    for indicator_id, entry in sorted(wanted.items()):
        row = existing.get((indicator_id, period))
        if row is None and entry.realisation is None and not entry.note:
            continue
        if row is not None and row.realisation == entry.realisation and row.note == entry.note:
            continue
        row = _value_row(session, existing, indicator_id, year, period)
        row.realisation, row.note = entry.realisation, entry.note
        row.updated_at, row.updated_by_id = now, staff_id
        changed += 1
    session.flush()
    return changed


# The agency head -----------------------------------------------------------------------


def update_agency_head(
    agency: Agency, name: str | None, title: str | None, nip: str | None
) -> list[str]:
    """The head's name, title and NIP (None clears); the names of what changed."""
    changed = []
    for attribute, value in (("head_name", name), ("head_title", title), ("head_nip", nip)):
        if getattr(agency, attribute) != value:
            setattr(agency, attribute, value)
            changed.append(attribute)
    return changed
