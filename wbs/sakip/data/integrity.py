"""The integrity link (DOMAIN.md, "Integrity link" [D]): what crosses from the WBS into
e-SAKIP, and the integrity-adjusted ranking. No Flask.

Only anonymous aggregates cross (issue 5): the statistics' agency ranking
(wbs.stats_queries.agency_ranking, the cohort of cases received in the year) and one
GROUP BY of open cases past their deadline, both small-cell protected exactly as the
leadership dashboard publishes them. The ranking is protected over every agency at once
even where one agency is shown: protecting one agency's row alone could show a count
that the Pemda-wide table hides to protect another agency's small count. No case is
loaded, no case content, id, reference or date is read.

The adjusted score (wbs.sakip.integrity) is computed only from counts that are shown: a
score computed from a hidden count would give it back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from wbs.models import Agency, AgencyYear, SakipEvaluation
from wbs.sakip.achievement import round2
from wbs.sakip.data.evaluations import FINAL
from wbs.sakip.integrity import (
    DEFAULT_FORMULA,
    CaseFindings,
    IntegrityFormula,
    IntegrityScore,
    integrity_adjusted,
)
from wbs.small_cells import Cell, protect_table
from wbs.stats_periods import year as year_period
from wbs.stats_protection import protected
from wbs.stats_queries import CASES, OPEN_STATUSES, agency_ranking
from wbs.stats_results import AgencyScore

SEVERITIES = ("ringan", "sedang", "berat")  # PP 94/2021


def protected_findings(session: Session, year: int, threshold: int) -> dict[str, AgencyScore[Cell]]:
    """Substantiated WBS findings of the cases received in ``year``, per agency code,
    protected as the dashboard's ranking of that year (one GROUP BY query)."""
    ranking = protected(agency_ranking(session, year_period(year)), threshold)
    return {score.code: score for score in ranking.scores}


def agency_findings(
    session: Session, agency_code: str, year: int, threshold: int
) -> AgencyScore[Cell] | None:
    """One agency's row of ``protected_findings``; None when it has none (an inactive
    agency without cases)."""
    return protected_findings(session, year, threshold).get(agency_code)


def case_findings(score: AgencyScore[Cell]) -> CaseFindings | None:
    """The formula's inputs, or None when any of them is hidden (small-cell protection)."""
    cells = (score.substantiated, score.ringan, score.sedang, score.berat, score.follow_up_done)
    shown = [cell.value for cell in cells if not cell.suppressed and cell.value is not None]
    if len(shown) != len(cells):
        return None
    total, ringan, sedang, berat, done = shown
    return CaseFindings(total, {"ringan": ringan, "sedang": sedang, "berat": berat}, done)


def overdue_by_agency(session: Session, today: date, threshold: int) -> dict[int, Cell]:
    """Open cases whose deadline has passed (due_on < today, the queue's rule), per
    agency id, whenever received. One GROUP BY; protected as a column whose total (the
    dashboard's overdue backlog) is published."""
    c = CASES.c
    counts: dict[int, int] = dict(
        session.execute(
            select(c.agency_id, func.count())
            .where(c.status.in_(OPEN_STATUSES), c.due_on < today)
            .group_by(c.agency_id)
        ).all()
    )
    agency_ids = list(
        session.scalars(
            select(Agency.id)
            .where(or_(Agency.active.is_(True), Agency.id.in_(list(counts))))
            .order_by(Agency.name, Agency.code)
        )
    )
    table = protect_table(
        [[counts.get(agency_id, 0)] for agency_id in agency_ids], threshold, row_totals=False
    )
    return {agency_id: cells[0] for agency_id, cells in zip(agency_ids, table.cells, strict=True)}


NotShownReason = Literal["no_official_score", "missing_staff", "protected"]


@dataclass(frozen=True)
class IntegrityRow:
    """One agency on the integrity page: the official result untouched, the WBS
    aggregates (protected), and the adjusted score when it can be shown (else
    ``reason``). ``rank`` is 1 for the highest adjusted score; ties share a rank."""

    agency_id: int
    code: str
    name: str
    official_score: Decimal | None
    official_predicate: str | None
    findings: AgencyScore[Cell]
    overdue: Cell
    staff: int | None
    adjusted: IntegrityScore | None
    reason: NotShownReason | None
    rank: int | None = None


def integrity_rows(
    session: Session,
    year: int,
    today: date,
    threshold: int,
    formula: IntegrityFormula = DEFAULT_FORMULA,
) -> list[IntegrityRow]:
    """Every agency of the year's ranking (active ones, and inactive ones with cases):
    ranked ones first by adjusted score (then official score, then name), then the others
    by name. Five queries, whatever the number of agencies."""
    findings = protected_findings(session, year, threshold)
    agencies = session.execute(
        select(Agency.id, Agency.code, Agency.name).where(Agency.code.in_(list(findings)))
    ).all()
    official = {
        agency_id: (score, predicate)
        for agency_id, score, predicate in session.execute(
            select(
                SakipEvaluation.agency_id, SakipEvaluation.score, SakipEvaluation.predicate
            ).where(
                SakipEvaluation.year == year,
                SakipEvaluation.agency_id.is_not(None),
                SakipEvaluation.status == FINAL,
                SakipEvaluation.score.is_not(None),
            )
        )
    }
    staff = dict(
        session.execute(
            select(AgencyYear.agency_id, AgencyYear.staff_count).where(AgencyYear.year == year)
        ).all()
    )
    overdue = overdue_by_agency(session, today, threshold)
    rows = []
    for agency_id, code, name in agencies:
        score, predicate = official.get(agency_id, (None, None))
        inputs = case_findings(findings[code])
        count = staff.get(agency_id)
        adjusted: IntegrityScore | None = None
        reason: NotShownReason | None = None
        if score is None:
            reason = "no_official_score"
        elif not count:
            reason = "missing_staff"
        elif inputs is None:
            reason = "protected"
        else:
            adjusted = integrity_adjusted(score, inputs, count, formula)
        rows.append(
            IntegrityRow(
                agency_id,
                code,
                name,
                score,
                predicate,
                findings[code],
                overdue.get(agency_id, Cell(0, False, threshold)),
                count,
                adjusted,
                reason,
            )
        )
    return _ranked(rows)


def _ranked(rows: list[IntegrityRow]) -> list[IntegrityRow]:
    """Highest adjusted score (as shown, to the cent) first; equal ones share a rank."""
    scored = sorted(
        (
            (round2(row.adjusted.adjusted_score), row)
            for row in rows
            if row.adjusted is not None and row.adjusted.adjusted_score is not None
        ),
        key=lambda pair: (-pair[0], -(pair[1].official_score or 0), pair[1].name),
    )
    result: list[IntegrityRow] = []
    previous: Decimal | None = None
    rank = 0
    for position, (shown, row) in enumerate(scored, start=1):
        if shown != previous:
            rank, previous = position, shown
        result.append(replace(row, rank=rank))
    result += sorted((row for row in rows if row.adjusted is None), key=lambda row: row.name)
    return result


# --- staff counts ------------------------------------------------------------------------------


def staff_counts(session: Session, year: int) -> list[tuple[int, str, int | None]]:
    """(agency id, name, staff count) of every active agency for the year, by name."""
    return [
        (agency_id, name, count)
        for agency_id, name, count in session.execute(
            select(Agency.id, Agency.name, AgencyYear.staff_count)
            .outerjoin(AgencyYear, (AgencyYear.agency_id == Agency.id) & (AgencyYear.year == year))
            .where(Agency.active.is_(True))
            .order_by(Agency.name, Agency.code)
        )
    ]


def save_staff_counts(session: Session, year: int, counts: dict[int, int | None]) -> int:
    """Set the staff count of each agency for the year (None clears it); the budget
    ceiling of an existing AgencyYear row is kept. Returns how many counts changed."""
    rows = {
        row.agency_id: row
        for row in session.scalars(
            select(AgencyYear).where(AgencyYear.year == year, AgencyYear.agency_id.in_(counts))
        )
    }
    changed = 0
    for agency_id, count in counts.items():
        row = rows.get(agency_id)
        if row is None:
            if count is None:
                continue
            row = AgencyYear(agency_id=agency_id, year=year)
            session.add(row)
        if row.staff_count != count:
            row.staff_count = count
            changed += 1
    return changed
