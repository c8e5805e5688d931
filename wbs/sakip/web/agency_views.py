"""The e-SAKIP home (the agencies) and an agency's performance tree with its
indicators, targets, realisations and achievement for a year and period."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from wbs.app_context import db_session, settings
from wbs.kinerja.data import agency_month_now
from wbs.models import Agency, Indicator, IndicatorValue, PerformanceNode
from wbs.models.sakip import PERIODS
from wbs.sakip.data.trees import agency_tree
from wbs.sakip.web import blueprint
from wbs.sakip.web.access import (
    SAKIP_ROLES,
    check_reads,
    may_enter,
    may_maintain,
    reads_every_agency,
)
from wbs.staff_auth import Officer, requires

MIN_YEAR, MAX_YEAR = 2000, 2100


def chosen_year(today: date) -> int:
    """``?year=`` when it is a plausible year, else this year."""
    raw = request.args.get("year", "")
    if raw.isdecimal() and MIN_YEAR <= int(raw) <= MAX_YEAR:
        return int(raw)
    return today.year


def chosen_period() -> str:
    raw = request.args.get("period", "Y")
    return raw if raw in PERIODS else "Y"


@blueprint.get("/")
@requires(*SAKIP_ROLES)
def home(officer: Officer) -> BaseResponse | str:
    if not reads_every_agency(officer):
        # An agency account starts at its own agency; one without an agency sees nothing.
        if officer.staff.agency_id is None:
            abort(404)
        return redirect(url_for("sakip.agency", agency_id=officer.staff.agency_id))
    session = db_session()
    year = chosen_year(settings().today())
    counts = (
        select(
            PerformanceNode.agency_id,
            func.count(func.distinct(Indicator.id)).label("indicators"),
            func.count(IndicatorValue.realisation).label("realised"),
        )
        .join(Indicator, Indicator.node_id == PerformanceNode.id)
        .outerjoin(
            IndicatorValue,
            (IndicatorValue.indicator_id == Indicator.id)
            & (IndicatorValue.year == year)
            & (IndicatorValue.period == "Y"),
        )
        .where(PerformanceNode.active.is_(True), Indicator.active.is_(True))
        .group_by(PerformanceNode.agency_id)
        .subquery()
    )
    rows = session.execute(
        select(Agency, func.coalesce(counts.c.indicators, 0), func.coalesce(counts.c.realised, 0))
        .outerjoin(counts, counts.c.agency_id == Agency.id)
        .where(Agency.active.is_(True))
        .order_by(Agency.name)
    ).all()
    pemda = session.execute(
        select(counts.c.indicators, counts.c.realised).where(counts.c.agency_id.is_(None))
    ).one_or_none()
    return render_template(
        "sakip/home.html", rows=rows, year=year, pemda=pemda, may_maintain=may_maintain(officer)
    )


def _tree_page(officer: Officer, agency: Agency | None) -> str:
    config = settings()
    year = chosen_year(config.today())
    period = chosen_period()
    lines = agency_tree(
        db_session(), None if agency is None else agency.id, year, period, config.sakip_capaian_cap
    )
    # e-Kinerja (issue 7): the agency's ASN this month, when it has any.
    kinerja = None if agency is None else agency_month_now(db_session(), agency.id, config.today())
    return render_template(
        "sakip/agency.html",
        agency=agency,
        lines=lines,
        year=year,
        period=period,
        periods=PERIODS,
        cap=config.sakip_capaian_cap,
        may_enter=may_enter(officer, None if agency is None else agency.id),
        may_maintain=may_maintain(officer),
        kinerja=kinerja,
        kinerja_link=kinerja is not None and _reads_kinerja(officer, agency),
    )


def _reads_kinerja(officer: Officer, agency: Agency | None) -> bool:
    # Imported here: wbs.kinerja.web imports this package's access rules.
    from wbs.kinerja.web.access import may_read_agency

    return agency is not None and may_read_agency(officer, agency.id)


@blueprint.get("/agencies/<int:agency_id>")
@requires(*SAKIP_ROLES)
def agency(officer: Officer, agency_id: int) -> str:
    check_reads(officer, agency_id)
    found = db_session().get(Agency, agency_id)
    if found is None:
        abort(404)
    return _tree_page(officer, found)


@blueprint.get("/pemda")
@requires(*SAKIP_ROLES)
def pemda(officer: Officer) -> str:
    check_reads(officer, None)
    return _tree_page(officer, None)
