"""The yearly SAKIP evaluation as stored: an agency's LKE scores, finalising and
reopening it, the Pemda's own result from KemenPANRB, the year-over-year comparison,
the Pemda-wide overview, and each agency's risk register. No Flask.

The scores are the evaluator's, one per sub-component (DirectScore); the total and the
predikat are always computed by wbs.sakip.evaluation.score_evaluation (PermenPANRB
88/2021; DOMAIN.md, "SAKIP evaluation"), never here. A final evaluation stores its total
and predikat; a draft stores neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from wbs.models import Agency, EvaluationFinding, EvaluationScore, RiskEntry, SakipEvaluation
from wbs.sakip.evaluation import (
    TEMPLATES,
    DirectScore,
    EntryKey,
    EvaluationResult,
    EvaluationTemplate,
    SubcomponentEntry,
    YearComparison,
    compare_years,
    predicate_of,
    score_evaluation,
)

DEFAULT_TEMPLATE = "88/2021"
# Who evaluated: the Inspektorat evaluates each OPD, KemenPANRB the Pemda (DOMAIN.md,
# "SAKIP evaluation" [P]).
INSPEKTORAT, KEMENPANRB = "inspektorat", "kemenpanrb"
DRAFT, FINAL = "draft", "final"
# Follow-up (tindak lanjut) of an LHE finding.
FOLLOW_UP_STATUSES = ("open", "in_progress", "done")
RISK_STATUSES = ("open", "mitigated", "closed")


class EvaluationStateError(ValueError):
    """The evaluation is not in the state the change needs (``reason``: "final" when a
    final evaluation would be edited without reopening, "draft" when a draft would be
    reopened)."""

    def __init__(self, reason: Literal["final", "draft"]) -> None:
        super().__init__(reason)
        self.reason = reason


class IncompleteEvaluation(ValueError):
    """Finalising needs every sub-component scored; ``unscored`` lists the others."""

    def __init__(self, unscored: tuple[EntryKey, ...]) -> None:
        super().__init__(f"{len(unscored)} sub-components without a score")
        self.unscored = unscored


def stored_key(key: EntryKey) -> str:
    """EvaluationScore.subcomponent: "component.sub-component" ("perencanaan.pemenuhan")."""
    return f"{key[0]}.{key[1]}"


# --- one evaluation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreInput:
    """What the evaluator typed for one sub-component; ``score`` None: not scored yet."""

    score: Decimal | None
    note: str = ""
    recommendation: str = ""


@dataclass(frozen=True)
class EvaluationRecord:
    """An evaluation with its scores and their roll-up (``result``)."""

    evaluation: SakipEvaluation
    template: EvaluationTemplate
    scores: Mapping[str, EvaluationScore]
    result: EvaluationResult


def find_evaluation(session: Session, agency_id: int | None, year: int) -> SakipEvaluation | None:
    """The evaluation of an agency (None: the Pemda) for a year. The unique constraint
    does not hold for the Pemda (NULLs are distinct), hence the first by id."""
    agency = (
        SakipEvaluation.agency_id.is_(None)
        if agency_id is None
        else SakipEvaluation.agency_id == agency_id
    )
    return session.scalars(
        select(SakipEvaluation)
        .where(agency, SakipEvaluation.year == year)
        .order_by(SakipEvaluation.id)
        .limit(1)
    ).first()


def create_evaluation(
    session: Session, agency_id: int, year: int, template: str, now: datetime, staff_id: int
) -> SakipEvaluation:
    """A draft evaluation of the agency by the Inspektorat, on ``template``."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}")
    evaluation = SakipEvaluation(
        agency_id=agency_id,
        year=year,
        template=template,
        evaluator=INSPEKTORAT,
        status=DRAFT,
        summary="",
        updated_at=now,
        updated_by_id=staff_id,
    )
    session.add(evaluation)
    session.flush()
    return evaluation


def evaluation_record(session: Session, evaluation: SakipEvaluation) -> EvaluationRecord:
    template = TEMPLATES[evaluation.template]
    scores = {
        row.subcomponent: row
        for row in session.scalars(
            select(EvaluationScore).where(EvaluationScore.evaluation_id == evaluation.id)
        )
    }
    entries: dict[EntryKey, SubcomponentEntry] = {}
    for key in template.keys():
        row = scores.get(stored_key(key))
        if row is not None and row.score is not None:
            entries[key] = DirectScore(row.score)
    return EvaluationRecord(evaluation, template, scores, score_evaluation(template, entries))


def save_scores(
    session: Session,
    evaluation: SakipEvaluation,
    inputs: Mapping[EntryKey, ScoreInput],
    now: datetime,
    staff_id: int,
) -> EvaluationResult:
    """Store the typed scores of a draft, all or nothing: they are checked against the
    template first (ScoreOutOfRange), then written. A sub-component left empty (no
    score, note or recommendation) has no row."""
    if evaluation.status == FINAL:
        raise EvaluationStateError("final")
    template = TEMPLATES[evaluation.template]
    entries = {
        key: DirectScore(typed.score) for key, typed in inputs.items() if typed.score is not None
    }
    result = score_evaluation(template, entries)  # raises before anything is written
    existing = {
        row.subcomponent: row
        for row in session.scalars(
            select(EvaluationScore).where(EvaluationScore.evaluation_id == evaluation.id)
        )
    }
    for key, typed in inputs.items():
        name = stored_key(key)
        row = existing.get(name)
        if typed.score is None and not typed.note and not typed.recommendation:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = EvaluationScore(evaluation_id=evaluation.id, subcomponent=name)
            session.add(row)
        row.score = typed.score
        row.note = typed.note
        row.recommendation = typed.recommendation
    evaluation.updated_at, evaluation.updated_by_id = now, staff_id
    return result


def finalise(
    session: Session, evaluation: SakipEvaluation, now: datetime, staff_id: int
) -> EvaluationResult:
    """Store the total and the predikat and close the draft; every sub-component must
    be scored (IncompleteEvaluation lists the others)."""
    if evaluation.status == FINAL:
        raise EvaluationStateError("final")
    result = evaluation_record(session, evaluation).result
    if result.total is None or result.predicate is None:
        raise IncompleteEvaluation(result.unscored)
    evaluation.score, evaluation.predicate = result.total, result.predicate.code
    evaluation.status = FINAL
    evaluation.updated_at, evaluation.updated_by_id = now, staff_id
    return result


def reopen(session: Session, evaluation: SakipEvaluation, now: datetime, staff_id: int) -> None:
    """Back to a draft, so that its scores can be edited. The stored total and predikat
    are cleared: a draft has no official result, and the old one would no longer match
    the scores once they change."""
    if evaluation.status != FINAL or evaluation.agency_id is None:
        raise EvaluationStateError("draft")
    evaluation.status = DRAFT
    evaluation.score = evaluation.predicate = None
    evaluation.updated_at, evaluation.updated_by_id = now, staff_id


def save_pemda_result(
    session: Session,
    year: int,
    score: Decimal,
    template: str,
    summary: str,
    now: datetime,
    staff_id: int,
) -> SakipEvaluation:
    """The Pemda's result as KemenPANRB published it: the total is entered, not computed,
    and its predikat is read from it (PermenPANRB 88/2021 thresholds)."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}")
    predicate = predicate_of(score)  # ScoreOutOfRange outside 0..100
    evaluation = find_evaluation(session, None, year)
    if evaluation is None:
        evaluation = SakipEvaluation(agency_id=None, year=year)
        session.add(evaluation)
    evaluation.template = template
    evaluation.evaluator = KEMENPANRB
    evaluation.score, evaluation.predicate = score, predicate.code
    evaluation.status = FINAL
    evaluation.summary = summary
    evaluation.updated_at, evaluation.updated_by_id = now, staff_id
    session.flush()
    return evaluation


def findings_of(session: Session, evaluation_id: int) -> list[EvaluationFinding]:
    return list(
        session.scalars(
            select(EvaluationFinding)
            .where(EvaluationFinding.evaluation_id == evaluation_id)
            .order_by(EvaluationFinding.id)
        )
    )


# --- years -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearResult:
    """A final result and its change from the year before (``comparison.previous`` None
    when that year has no final result)."""

    year: int
    evaluation: SakipEvaluation
    comparison: YearComparison


def history(session: Session, agency_id: int | None) -> list[YearResult]:
    """Every final result of an agency (None: the Pemda), newest first, each compared
    with the year before it."""
    agency = (
        SakipEvaluation.agency_id.is_(None)
        if agency_id is None
        else SakipEvaluation.agency_id == agency_id
    )
    finals = {
        evaluation.year: evaluation
        for evaluation in session.scalars(
            select(SakipEvaluation)
            .where(agency, SakipEvaluation.status == FINAL, SakipEvaluation.score.is_not(None))
            .order_by(SakipEvaluation.year, SakipEvaluation.id.desc())
        )
    }
    results = []
    for year in sorted(finals, reverse=True):
        before, current = finals.get(year - 1), finals[year].score
        assert current is not None  # the query keeps final results with a score only
        comparison = compare_years(None if before is None else before.score, current)
        results.append(YearResult(year, finals[year], comparison))
    return results


@dataclass(frozen=True)
class EvaluationSummary:
    """What the Pemda-wide page shows of an evaluation (read as plain columns: no ORM
    object for a row the page only prints)."""

    id: int
    status: str
    template: str
    score: Decimal | None
    predicate: str | None


@dataclass(frozen=True)
class OverviewRow:
    """One agency (``agency_id`` None: the Pemda) in the Pemda-wide evaluation page."""

    agency_id: int | None
    name: str
    evaluation: EvaluationSummary | None
    scored: int  # sub-components with a score (what a draft has so far)
    subcomponents: int  # how many its template has
    previous_score: Decimal | None  # last year's final total
    comparison: YearComparison | None  # when this year's result is final

    @property
    def final(self) -> bool:
        return self.evaluation is not None and self.evaluation.status == FINAL


def _overview_row(
    agency_id: int | None,
    name: str,
    evaluation: EvaluationSummary | None,
    scored: int | None,
    previous_score: Decimal | None,
    previous_status: str | None,
) -> OverviewRow:
    previous = previous_score if previous_status == FINAL else None
    comparison = None
    if evaluation is not None and evaluation.status == FINAL and evaluation.score is not None:
        comparison = compare_years(previous, evaluation.score)
    size = len(TEMPLATES[evaluation.template].keys()) if evaluation is not None else 0
    return OverviewRow(agency_id, name, evaluation, scored or 0, size, previous, comparison)


def evaluation_overview(
    session: Session, year: int
) -> tuple[OverviewRow | None, list[OverviewRow]]:
    """The Pemda's result (None when there is none for ``year`` or the year before) and
    every active agency (inactive ones with an evaluation that year too), by name, with
    this year's evaluation and last year's total. Two queries, whatever the number of
    agencies."""
    current, previous = aliased(SakipEvaluation), aliased(SakipEvaluation)
    scored = (
        select(EvaluationScore.evaluation_id, func.count(EvaluationScore.score).label("n"))
        .join(SakipEvaluation, SakipEvaluation.id == EvaluationScore.evaluation_id)
        .where(SakipEvaluation.year == year)
        .group_by(EvaluationScore.evaluation_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Agency.id,
            Agency.name,
            current.id,
            current.status,
            current.template,
            current.score,
            current.predicate,
            scored.c.n,
            previous.score,
            previous.status,
        )
        .outerjoin(current, (current.agency_id == Agency.id) & (current.year == year))
        .outerjoin(previous, (previous.agency_id == Agency.id) & (previous.year == year - 1))
        .outerjoin(scored, scored.c.evaluation_id == current.id)
        .where(or_(Agency.active.is_(True), current.id.is_not(None)))
        .order_by(Agency.name, Agency.code)
    ).all()
    agencies = [
        _overview_row(
            agency_id,
            name,
            None if evaluation_id is None else EvaluationSummary(evaluation_id, *columns),
            count,
            previous_score,
            previous_status,
        )
        for agency_id, name, evaluation_id, *columns, count, previous_score, previous_status in rows
    ]
    pemda_rows = session.execute(
        select(
            SakipEvaluation.year,
            SakipEvaluation.id,
            SakipEvaluation.status,
            SakipEvaluation.template,
            SakipEvaluation.score,
            SakipEvaluation.predicate,
        )
        .where(SakipEvaluation.agency_id.is_(None), SakipEvaluation.year.in_((year - 1, year)))
        .order_by(SakipEvaluation.id)
    ).all()
    # The first row of each year, as before: reversed, so that the lowest id wins.
    by_year = {row[0]: EvaluationSummary(*row[1:]) for row in reversed(pemda_rows)}
    pemda = None
    if by_year:
        before = by_year.get(year - 1)
        pemda = _overview_row(
            None,
            "",
            by_year.get(year),
            0,
            None if before is None else before.score,
            None if before is None else before.status,
        )
    return pemda, agencies


# --- risk register -----------------------------------------------------------------------------

RiskBand = Literal["low", "medium", "high", "extreme"]
# Level = likelihood × impact, each 1..5 (issue 5). The bands are our default [D], the
# common 5 × 5 matrix split (as in AS/NZS 4360 practice): no regulation fixes them for
# an OPD's register. Upper bound of each band's level, lowest band first.
RISK_BANDS: tuple[tuple[RiskBand, int], ...] = (
    ("low", 4),
    ("medium", 9),
    ("high", 16),
    ("extreme", 25),
)
RISK_SCALE = range(1, 6)


@dataclass(frozen=True)
class RiskLevel:
    level: int
    band: RiskBand


def risk_level(likelihood: int, impact: int) -> RiskLevel:
    """Level = likelihood × impact (1..25) and its band: 1-4 low, 5-9 medium, 10-16
    high, 17-25 extreme (RISK_BANDS)."""
    if likelihood not in RISK_SCALE or impact not in RISK_SCALE:
        raise ValueError(f"likelihood and impact are 1..5, not {likelihood} and {impact}")
    level = likelihood * impact
    band = next(name for name, upper in RISK_BANDS if level <= upper)
    return RiskLevel(level, band)


def band_ranges() -> list[tuple[RiskBand, int, int]]:
    """(band, lowest level, highest level) of each band, for the page's legend."""
    ranges, low = [], 1
    for name, upper in RISK_BANDS:
        ranges.append((name, low, upper))
        low = upper + 1
    return ranges


def risks_of(session: Session, agency_id: int, year: int) -> list[tuple[RiskEntry, RiskLevel]]:
    """The agency's register for the year, highest level first."""
    entries = session.scalars(
        select(RiskEntry)
        .where(RiskEntry.agency_id == agency_id, RiskEntry.year == year)
        .order_by(RiskEntry.id)
    )
    rows = [(entry, risk_level(entry.likelihood, entry.impact)) for entry in entries]
    rows.sort(key=lambda row: -row[1].level)
    return rows
