"""Import of a performance-tree spreadsheet into the database, and the rows of its
export (issue 5). SQLAlchemy, no Flask; the layout and the row checks are in
wbs/sakip/sheet_layout.py and wbs/sakip/sheet_parsing.py.

An import is checked whole before anything is written (``check_import``): every row
is compared with what is stored and every problem is listed; ``apply_import`` writes
only a plan without problems, and the caller commits once, with its audit entry. So
a file with one wrong row changes nothing.

- With ``structure`` (SAKIP officers, access.MAINTAIN_ROLES) the file creates missing
  nodes (by Kode) and indicators (by Kode and indicator name), updates names, levels,
  parents, units, polarities, targets and realisations. Nodes and indicators the file
  does not name stay as they are: an import never deletes.
- Without it (an agency's own staff) only realisations change: a row that would
  create a node or an indicator, or change a name, level, parent, unit, polarity or
  target, is a problem.

Tree rules as for the forms (wbs/sakip/data/editing.py): one tree per agency (or the
Pemda's), a parent is an active node of the same tree with a higher level (levels may
be skipped), a node is never its own ancestor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from wbs.models import Indicator, IndicatorValue, PerformanceNode
from wbs.sakip.achievement import round2
from wbs.sakip.data.trees import agency_tree
from wbs.sakip.rollup import CASCADE
from wbs.sakip.sheet_layout import (
    LEVEL_NAMES,
    POLARITY_NAMES,
    QUARTERS,
    SHEET_PERIODS,
    PeriodTarget,
)
from wbs.sakip.sheet_parsing import ParsedSheet, SheetIssue, SheetRow, indicator_key
from wbs.sakip.sheet_writing import ExportRow


def _in_tree(agency_id: int | None) -> ColumnElement[bool]:
    if agency_id is None:
        return PerformanceNode.agency_id.is_(None)
    return PerformanceNode.agency_id == agency_id


def _same_text(stored: str, written: str) -> bool:
    # The sheet reads every text with its spacing collapsed.
    return " ".join(stored.split()) == written


@dataclass(frozen=True)
class ImportCounts:
    rows: int = 0
    nodes_created: int = 0
    nodes_updated: int = 0
    indicators_created: int = 0
    indicators_updated: int = 0
    values_changed: int = 0

    @property
    def changes(self) -> int:
        return (
            self.nodes_created
            + self.nodes_updated
            + self.indicators_created
            + self.indicators_updated
            + self.values_changed
        )

    def audit_detail(self) -> str:
        return (
            f"rows {self.rows} nodes +{self.nodes_created} ~{self.nodes_updated} "
            f"indicators +{self.indicators_created} ~{self.indicators_updated} "
            f"values {self.values_changed}"
        )


@dataclass
class _NodeChange:
    row: SheetRow
    stored: PerformanceNode | None
    parent_code: str | None
    kept_parent: str | None
    changed: bool


@dataclass
class _IndicatorChange:
    row: SheetRow
    stored: Indicator | None
    changed: bool
    # period → (target, target_high, realisation) as they will be; None: not in the file.
    values: dict[str, dict[str, Decimal | None]] = field(default_factory=dict)


@dataclass
class ImportPlan:
    agency_id: int | None
    year: int
    issues: list[SheetIssue]
    counts: ImportCounts
    nodes: list[_NodeChange] = field(default_factory=list)
    indicators: list[_IndicatorChange] = field(default_factory=list)
    stored_values: dict[tuple[int, str], IndicatorValue] = field(default_factory=dict)


@dataclass
class _Stored:
    """The tree as stored: every node (active or not), indicator and the year's values."""

    nodes: dict[str, PerformanceNode]
    codes: dict[int, str]
    indicators: dict[tuple[int, str], Indicator]
    values: dict[tuple[int, str], IndicatorValue]

    @classmethod
    def load(cls, session: Session, agency_id: int | None, year: int) -> _Stored:
        """Three queries, joined to the tree rather than listing its ids."""
        nodes = list(session.scalars(select(PerformanceNode).where(_in_tree(agency_id))))
        indicators = session.scalars(
            select(Indicator)
            .join(PerformanceNode, PerformanceNode.id == Indicator.node_id)
            .where(_in_tree(agency_id))
            .order_by(Indicator.active.desc(), Indicator.id)
        )
        by_key: dict[tuple[int, str], Indicator] = {}
        for indicator in indicators:
            # An active indicator wins over an inactive namesake.
            by_key.setdefault((indicator.node_id, indicator_key(indicator.name)), indicator)
        values = {
            (value.indicator_id, value.period): value
            for value in session.scalars(
                select(IndicatorValue)
                .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
                .join(PerformanceNode, PerformanceNode.id == Indicator.node_id)
                .where(
                    _in_tree(agency_id),
                    IndicatorValue.year == year,
                    IndicatorValue.period.in_(SHEET_PERIODS),
                )
            )
        }
        return cls(
            {node.code: node for node in nodes},
            {node.id: node.code for node in nodes},
            by_key,
            values,
        )


class _Checker:
    """Compares the sheet's rows with the stored tree, collecting every issue."""

    def __init__(
        self, stored: _Stored, sheet: ParsedSheet, structure: bool, agency_id: int | None, year: int
    ) -> None:
        self.stored, self.sheet, self.structure = stored, sheet, structure
        self.plan = ImportPlan(agency_id, year, [], ImportCounts(rows=len(sheet.rows)))
        self.plan.stored_values = stored.values

    def issue(self, row: int, key: str, reason: str, **params: str) -> None:
        self.plan.issues.append(SheetIssue(row, self.sheet.column(key), reason, params))

    def locked(self, row: int, key: str, stored: str) -> None:
        """A change only SAKIP officers may make."""
        self.issue(row, key, "locked", stored=stored)

    # --- nodes ---

    def check_nodes(self) -> dict[str, _NodeChange]:
        firsts: dict[str, SheetRow] = {}
        for row in self.sheet.rows:
            firsts.setdefault(row.code, row)
        changes: dict[str, _NodeChange] = {}
        for code, row in firsts.items():
            change = self.check_node(row, firsts)
            if change is not None:
                changes[code] = change
                self.plan.nodes.append(change)
        if self.structure:
            self.check_tree(changes)
        return changes

    def check_node(self, row: SheetRow, firsts: dict[str, SheetRow]) -> _NodeChange | None:
        stored = self.stored.nodes.get(row.code)
        kept = None
        if stored is not None and stored.parent_id is not None:
            kept = self.stored.codes.get(stored.parent_id)
        parent = row.parent if row.parent_given else kept
        if parent is not None and parent not in firsts and parent not in self.stored.nodes:
            self.issue(row.node_row, "parent", "parent_unknown", value=parent)
        if stored is None:
            if not self.structure:
                self.issue(row.node_row, "code", "node_unknown", value=row.code)
                return None
            return _NodeChange(row, None, parent, None, True)
        differences = [
            ("level", stored.level != row.level, LEVEL_NAMES.get(stored.level, stored.level)),
            ("name", not _same_text(stored.name, row.name), stored.name),
            ("parent", parent != kept, kept or "—"),
        ]
        changed = any(differs for _key, differs, _stored in differences) or not stored.active
        if not self.structure:
            if not stored.active:
                self.issue(row.node_row, "code", "node_unknown", value=row.code)
            for key, differs, was in differences:
                if differs:
                    self.locked(row.node_row, key, was)
        return _NodeChange(row, stored, parent, kept, changed)

    def check_tree(self, changes: dict[str, _NodeChange]) -> None:
        """The tree after the import: checked where the file changes it."""
        level = {code: node.level for code, node in self.stored.nodes.items()}
        active = {code: node.active for code, node in self.stored.nodes.items()}
        parent = {
            code: self.stored.codes.get(node.parent_id) if node.parent_id is not None else None
            for code, node in self.stored.nodes.items()
        }
        for code, change in changes.items():
            level[code], active[code], parent[code] = change.row.level, True, change.parent_code
        children: dict[str, list[str]] = defaultdict(list)
        for code, above in parent.items():
            if above is not None and active.get(code):
                children[above].append(code)
        for code, change in changes.items():
            if not change.changed:
                continue
            row, stored = change.row, change.stored
            above = change.parent_code
            moved = stored is None or not stored.active or above != change.kept_parent
            relevelled = stored is not None and stored.level != row.level
            if above is not None and above in level and (moved or relevelled):
                if moved and not active.get(above, False):
                    self.issue(row.node_row, "parent", "parent_inactive", value=above)
                elif CASCADE.index(level[above]) >= CASCADE.index(row.level):
                    self.issue(row.node_row, "level", "level_order", parent=above)
            if relevelled:
                below = children[code]
                if any(CASCADE.index(level[c]) <= CASCADE.index(row.level) for c in below):
                    self.issue(row.node_row, "level", "level_above_children")
            if moved and self._in_cycle(code, parent):
                self.issue(row.node_row, "parent", "parent_cycle", value=above or "")

    @staticmethod
    def _in_cycle(code: str, parent: dict[str, str | None]) -> bool:
        seen = {code}
        above = parent.get(code)
        while above is not None:
            if above in seen:
                return above == code
            seen.add(above)
            above = parent.get(above)
        return False

    # --- indicators and values ---

    def check_indicators(self, nodes: dict[str, _NodeChange]) -> None:
        for row in self.sheet.rows:
            if row.indicator is None or row.code not in nodes:
                continue
            node = nodes[row.code].stored
            stored = None
            if node is not None:
                stored = self.stored.indicators.get((node.id, indicator_key(row.indicator)))
            if stored is None:
                if not self.structure:
                    self.issue(row.row, "indicator", "indicator_unknown", value=row.indicator)
                    continue
                change = _IndicatorChange(row, None, True)
            else:
                change = self.check_indicator(row, stored)
            self.check_values(change)
            self.plan.indicators.append(change)

    def check_indicator(self, row: SheetRow, stored: Indicator) -> _IndicatorChange:
        assert row.indicator is not None
        differences = [
            ("indicator", not _same_text(stored.name, row.indicator), stored.name),
            ("unit", not _same_text(stored.unit, row.unit), stored.unit),
            ("polarity", stored.polarity != row.polarity, POLARITY_NAMES.get(stored.polarity, "")),
        ]
        if not self.structure:
            if not stored.active:
                self.issue(row.row, "indicator", "indicator_unknown", value=row.indicator)
            for key, differs, was in differences:
                if differs:
                    self.locked(row.row, key, was)
        changed = any(differs for _key, differs, _was in differences) or not stored.active
        return _IndicatorChange(row, stored, changed)

    def check_values(self, change: _IndicatorChange) -> None:
        row, stored = change.row, change.stored
        for period in SHEET_PERIODS:
            value = None
            if stored is not None:
                value = self.stored.values.get((stored.id, period))
            wanted: dict[str, Decimal | None] = {}
            if period in row.targets:
                target = row.targets[period]
                # A stored upper bound counts for a range only (DOMAIN.md).
                old = PeriodTarget(
                    None if value is None else value.target,
                    None if value is None or row.polarity != "range" else value.target_high,
                )
                if old != target:
                    if not self.structure:
                        key = "target" if old.low != target.low else "target_high"
                        self.locked(row.row, f"{key}:{period}", _shown(old.low, old.high))
                    wanted |= {"target": target.low, "target_high": target.high}
            if period in row.realisations:
                realisation = row.realisations[period]
                if (None if value is None else value.realisation) != realisation:
                    wanted["realisation"] = realisation
            if wanted and (value is not None or any(v is not None for v in wanted.values())):
                change.values[period] = wanted

    def counts(self) -> ImportCounts:
        nodes, indicators = self.plan.nodes, self.plan.indicators
        return ImportCounts(
            rows=len(self.sheet.rows),
            nodes_created=sum(1 for c in nodes if c.stored is None),
            nodes_updated=sum(1 for c in nodes if c.stored is not None and c.changed),
            indicators_created=sum(1 for c in indicators if c.stored is None),
            indicators_updated=sum(1 for c in indicators if c.stored is not None and c.changed),
            values_changed=sum(len(c.values) for c in indicators),
        )


def _shown(low: Decimal | None, high: Decimal | None) -> str:
    if low is None and high is None:
        return "—"
    text = "—" if low is None else format(low.normalize(), "f")
    return text if high is None else f"{text} – {format(high.normalize(), 'f')}"


def check_import(
    session: Session, agency_id: int | None, year: int, sheet: ParsedSheet, *, structure: bool
) -> ImportPlan:
    """Compare every row of a sheet without issues with the stored tree; nothing is
    written. The plan's ``issues`` say what stops the import, its ``counts`` what the
    import would change."""
    if sheet.issues:
        return ImportPlan(agency_id, year, list(sheet.issues), ImportCounts(rows=len(sheet.rows)))
    checker = _Checker(_Stored.load(session, agency_id, year), sheet, structure, agency_id, year)
    nodes = checker.check_nodes()
    checker.check_indicators(nodes)
    checker.plan.counts = checker.counts()
    checker.plan.issues.sort(key=lambda issue: issue.row)
    return checker.plan


def apply_import(session: Session, plan: ImportPlan, staff_id: int, now: datetime) -> ImportCounts:
    """Write a plan that has no issues; the caller commits."""
    if plan.issues:
        raise ValueError("a plan with issues is never applied")
    nodes = _write_nodes(session, plan)
    indicators = _write_indicators(session, plan, nodes)
    for change, indicator in zip(plan.indicators, indicators, strict=True):
        for period, wanted in change.values.items():
            value = plan.stored_values.get((indicator.id, period))
            if value is None:
                value = IndicatorValue(
                    indicator_id=indicator.id, year=plan.year, period=period, note=""
                )
                session.add(value)
            for name, number in wanted.items():
                setattr(value, name, number)
            value.updated_at, value.updated_by_id = now, staff_id
    session.flush()
    return plan.counts


def _write_nodes(session: Session, plan: ImportPlan) -> dict[str, PerformanceNode]:
    """Create and update the nodes, then hang them where the file says; new nodes come
    after the stored ones in the page's order."""
    tree = {
        node.code: node
        for node in session.scalars(select(PerformanceNode).where(_in_tree(plan.agency_id)))
    }
    last_order = max((node.sort_order for node in tree.values()), default=-1)
    for change in plan.nodes:
        row, node = change.row, change.stored
        if node is None:
            last_order += 1
            node = PerformanceNode(
                agency_id=plan.agency_id, code=row.code, weight=Decimal(1), sort_order=last_order
            )
            session.add(node)
            tree[row.code] = node
        if change.changed:
            node.level, node.active = row.level, True
            if node.name is None or not _same_text(node.name, row.name):
                node.name = row.name
    session.flush()
    for change in plan.nodes:
        if change.changed:
            above = change.parent_code
            tree[change.row.code].parent_id = None if above is None else tree[above].id
    session.flush()
    return tree


def _write_indicators(
    session: Session, plan: ImportPlan, nodes: dict[str, PerformanceNode]
) -> list[Indicator]:
    """Each change's indicator, created or updated; new ones after the node's others."""
    next_order: dict[int, int] = {}
    written = []
    for change in plan.indicators:
        row, indicator = change.row, change.stored
        assert row.indicator is not None
        if indicator is None:
            node_id = nodes[row.code].id
            if node_id not in next_order:
                orders = session.scalars(
                    select(Indicator.sort_order).where(Indicator.node_id == node_id)
                )
                next_order[node_id] = max(orders, default=-1) + 1
            indicator = Indicator(
                node_id=node_id, weight=Decimal(1), sort_order=next_order[node_id]
            )
            next_order[node_id] += 1
            session.add(indicator)
        if change.changed:
            if indicator.name is None or not _same_text(indicator.name, row.indicator):
                indicator.name = row.indicator
            if indicator.unit is None or not _same_text(indicator.unit, row.unit):
                indicator.unit = row.unit
            indicator.polarity, indicator.active = row.polarity, True
        written.append(indicator)
    session.flush()
    return written


# --- export ----------------------------------------------------------------------------------


def export_rows(
    session: Session, agency_id: int | None, year: int, cap: int = 0
) -> list[ExportRow]:
    """The active tree in the order of its page, one row per indicator (one row for a
    node without indicators), with the year's and the quarters' targets and
    realisations and the year's capaian (raw, 2 decimals; wbs/sakip/achievement.py)."""
    lines = agency_tree(session, agency_id, year, "Y", cap)
    codes = {
        node_id: code
        for node_id, code in session.execute(
            select(PerformanceNode.id, PerformanceNode.code).where(_in_tree(agency_id))
        )
    }
    quarterly = {
        (value.indicator_id, value.period): value
        for value in session.scalars(
            select(IndicatorValue)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .join(PerformanceNode, PerformanceNode.id == Indicator.node_id)
            .where(
                _in_tree(agency_id),
                IndicatorValue.year == year,
                IndicatorValue.period.in_(QUARTERS),
            )
        )
    }
    rows = []
    for line in lines:
        node = line.node
        parent = codes.get(node.parent_id) if node.parent_id is not None else None
        if not line.indicators:
            rows.append(ExportRow(node.code, parent, node.level, node.name))
            continue
        for item in line.indicators:
            indicator = item.indicator
            values = {"Y": item.value} | {q: quarterly.get((indicator.id, q)) for q in QUARTERS}
            targets, realisations = {}, {}
            for period, value in values.items():
                high = None if value is None or indicator.polarity != "range" else value.target_high
                targets[period] = PeriodTarget(None if value is None else value.target, high)
                realisations[period] = None if value is None else value.realisation
            raw = item.capaian.raw
            rows.append(
                ExportRow(
                    node.code,
                    parent,
                    node.level,
                    node.name,
                    indicator.name,
                    indicator.unit,
                    indicator.polarity,
                    targets,
                    realisations,
                    None if raw is None else round2(raw),
                )
            )
    return rows
