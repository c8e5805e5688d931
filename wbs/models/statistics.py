"""Tables of the leadership statistics (issue 4): daily backlog snapshots, the text of
the periodic reports, and the settings an admin changes on the pages."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wbs.models.base import Base


class BacklogSnapshot(Base):
    """Open and overdue cases of one agency and category at the end of one day.

    Written once a day by `wbs stats-snapshot` (a past deadline cannot be recomputed
    later: a case's due date moves with its stage), read for "past their deadline over
    time". Aggregates only; a combination without open cases has no row.
    """

    __tablename__ = "backlog_snapshot"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), primary_key=True)
    open: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)


class ReportNote(Base):
    """What the inspectorate writes into a monthly or quarterly report (Zona Integritas:
    obstacles, solutions, evaluation; shared/DOMAIN.md). ``period_key`` is "2026-07" or
    "2026-Q3". Management text about the handling, never report content."""

    __tablename__ = "report_note"

    period_key: Mapped[str] = mapped_column(String(10), primary_key=True)
    obstacles: Mapped[str] = mapped_column(Text, default="")
    solutions: Mapped[str] = mapped_column(Text, default="")
    evaluation: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class SiteSetting(Base):
    """A setting an admin changes on the pages (the rest live in the environment)."""

    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
