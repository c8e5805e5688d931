"""e-SAKIP (issue 5): performance trees with indicators, their targets and
realisations, monthly realisation monitoring, procurement packages, the yearly SAKIP
evaluation with its scores and LHE findings, and each agency's risk register.

Rules and figures: shared/DOMAIN.md; the calculations live in wbs/sakip/ (no Flask,
no SQLAlchemy). Amounts are NUMERIC, never floats: they are money and percentages
that must add up exactly.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from wbs.models.base import Base

# DOMAIN.md, "Indicator achievement": tujuan → sasaran → program → kegiatan → sub kegiatan.
LEVELS = ("tujuan", "sasaran", "program", "kegiatan", "sub_kegiatan")
POLARITIES = ("higher", "lower", "range")
# An indicator value's period: the year, a quarter or a month.
PERIODS = ("Y", "Q1", "Q2", "Q3", "Q4", *(f"M{m:02d}" for m in range(1, 13)))

MONEY = Numeric(18, 2)
# Targets and realisations: any unit (persons, %, days, Rp), four decimals.
QUANTITY = Numeric(20, 4)
PERCENT = Numeric(7, 2)
WEIGHT = Numeric(9, 4)


class AgencyYear(Base):
    """What an agency's figures are measured against in one year: its staff (integrity
    link: findings per 1,000 staff) and its budget ceiling (pagu)."""

    __tablename__ = "agency_year"
    __table_args__ = (PrimaryKeyConstraint("agency_id", "year"),)

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int] = mapped_column(Integer)
    staff_count: Mapped[int | None] = mapped_column(Integer)
    budget_ceiling: Mapped[Decimal | None] = mapped_column(MONEY)


class PerformanceNode(Base):
    """One node of a performance tree; ``agency_id`` None is the Pemda's own tree."""

    __tablename__ = "performance_node"
    __table_args__ = (
        UniqueConstraint("agency_id", "code"),
        Index("ix_performance_node_parent_id_sort_order", "parent_id", "sort_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("performance_node.id"))
    level: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(500))
    # Weight in the parent's roll-up (DOMAIN.md: equal weights unless set).
    weight: Mapped[Decimal] = mapped_column(WEIGHT, default=Decimal(1))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Indicator(Base):
    __tablename__ = "indicator"
    __table_args__ = (Index("ix_indicator_node_id_sort_order", "node_id", "sort_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("performance_node.id"))
    name: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str] = mapped_column(String(60))
    polarity: Mapped[str] = mapped_column(String(10))
    weight: Mapped[Decimal] = mapped_column(WEIGHT, default=Decimal(1))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class IndicatorValue(Base):
    """Target and realisation of one indicator in one period of one year.

    ``target_high`` is the upper bound of a range target. A realisation not yet entered
    is NULL: missing, never zero (DOMAIN.md).
    """

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator_id", "year", "period"),
        Index("ix_indicator_value_year_period", "year", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"))
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(3))
    target: Mapped[Decimal | None] = mapped_column(QUANTITY)
    target_high: Mapped[Decimal | None] = mapped_column(QUANTITY)
    realisation: Mapped[Decimal | None] = mapped_column(QUANTITY)
    note: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class MonthlyRealisation(Base):
    """Budget absorption and physical progress of an agency in one month (DOMAIN.md,
    "Realisation monitoring"): budget in Rp spent in the month (plan and actual),
    physical progress as the cumulative % reached by the month's end (plan and actual)."""

    __tablename__ = "monthly_realisation"
    __table_args__ = (PrimaryKeyConstraint("agency_id", "year", "month"),)

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    budget_plan: Mapped[Decimal | None] = mapped_column(MONEY)
    budget_actual: Mapped[Decimal | None] = mapped_column(MONEY)
    physical_plan: Mapped[Decimal | None] = mapped_column(PERCENT)
    physical_actual: Mapped[Decimal | None] = mapped_column(PERCENT)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class ProcurementPackage(Base):
    __tablename__ = "procurement_package"
    __table_args__ = (Index("ix_procurement_package_agency_id_year", "agency_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    value: Mapped[Decimal | None] = mapped_column(MONEY)
    # DOMAIN.md, "Realisation monitoring": procurement stages (Perpres 16/2018).
    stage: Mapped[str] = mapped_column(String(30))
    stage_on: Mapped[date | None] = mapped_column(Date)
    planned_finish: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class SakipEvaluation(Base):
    """The yearly SAKIP evaluation of an agency by the Inspektorat, or (``agency_id``
    None) the Pemda's by KemenPANRB, recorded the same way."""

    __tablename__ = "sakip_evaluation"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    # "88/2021" (PermenPANRB 88/2021) or the legacy "12/2015".
    template: Mapped[str] = mapped_column(String(10))
    evaluator: Mapped[str] = mapped_column(String(20))
    # The total as published (KemenPANRB's result is entered, not computed).
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    predicate: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    summary: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class EvaluationScore(Base):
    """The evaluator's score of one sub-component (for example
    "perencanaan.pemenuhan"), with the note and the recommendation."""

    __tablename__ = "evaluation_score"
    __table_args__ = (PrimaryKeyConstraint("evaluation_id", "subcomponent"),)

    evaluation_id: Mapped[int] = mapped_column(ForeignKey("sakip_evaluation.id"))
    subcomponent: Mapped[str] = mapped_column(String(60))
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str] = mapped_column(Text, default="")


class EvaluationFinding(Base):
    """A finding (temuan) of the evaluation report (LHE) with its recommendation and
    follow-up (tindak lanjut). WBS findings are not stored here: the evaluation page
    adds them from the cases' anonymous aggregates."""

    __tablename__ = "evaluation_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("sakip_evaluation.id"), index=True)
    finding: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(String(20), default="open")
    follow_up_note: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class RiskEntry(Base):
    """One risk of an agency's register, part of the evaluated planning (issue 5)."""

    __tablename__ = "risk_entry"
    __table_args__ = (Index("ix_risk_entry_agency_id_year", "agency_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int] = mapped_column(Integer)
    risk: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(Text, default="")
    # 1 (rare, minor) .. 5 (almost certain, severe); level = likelihood × impact.
    likelihood: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    mitigation: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    updated_at: Mapped[datetime] = mapped_column(DateTime)
