"""The leadership dashboard (issue 4): aggregate figures for a period, never a case.

Every figure passes through wbs.stats_protection before it reaches the page, so small
counts show as "< 3" here exactly as they will in the exports and the API.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import format_decimal, format_number
from flask_babel import gettext as _

from case_admin import blueprint
from case_admin.auth import Officer, requires
from case_admin.labels import FORWARD_LABELS, REJECTION_LABELS, STATUS_LABELS
from wbs.app_context import db_session, settings
from wbs.stats_periods import PeriodError, parse_period, year
from wbs.stats_protection import protected
from wbs.stats_queries import (
    agency_ranking,
    backlog,
    by_agency,
    by_category,
    by_month,
    handling_times,
    overview,
)

DASHBOARD_ROLES = ("leadership", "supervisor", "admin")


def period_problem(reason: str) -> str:
    return {
        "missing": _("Choose a period."),
        "ambiguous": _("Give either a period or a range of dates, not both."),
        "bad_format": _("Write the period as 2026, 2026-Q3 or 2026-07."),
        "bad_month": _("A month runs from 01 to 12."),
        "year_out_of_range": _("Choose a year between 2000 and 2100."),
        "range_incomplete": _("Give both the first and the last day of the range."),
        "bad_date": _("Write the dates as day, month and year."),
        "range_reversed": _("The last day comes before the first."),
        "range_too_long": _("A range covers at most ten years."),
    }.get(reason, _("This period cannot be used."))


@blueprint.get("/dashboard")
@requires(*DASHBOARD_ROLES)
def dashboard(officer: Officer) -> tuple[str, int]:
    config = settings()
    today = config.today()
    problem = None
    try:
        period = parse_period(request.args, default=year(today.year))
    except PeriodError as error:
        problem = period_problem(error.reason)
        period = year(today.year)
    session = db_session()
    threshold = config.small_cell_threshold
    figures = {
        "overview": protected(overview(session, period), threshold),
        "agencies": protected(by_agency(session, period), threshold),
        "categories": protected(by_category(session, period), threshold),
        "months": protected(by_month(session, period), threshold),
        "times": protected(handling_times(session, period), threshold),
        "backlog": protected(backlog(session, today), threshold),
        "ranking": protected(agency_ranking(session, period), threshold),
    }
    page = render_template(
        "case_admin/dashboard.html",
        period=period,
        problem=problem,
        threshold=threshold,
        today=today,
        number=format_number,
        days=lambda value: "—" if value is None else format_decimal(value, format="#,##0.#"),
        percent=lambda value: (
            "—" if value is None else format_decimal(value * 100, "#,##0.#") + " %"
        ),
        status_labels=STATUS_LABELS,
        forward_labels=FORWARD_LABELS,
        rejection_labels=REJECTION_LABELS,
        args={key: value for key, value in request.args.items() if value},
        **figures,
    )
    return page, 400 if problem else 200
