"""The leadership dashboard (issue 4): aggregate figures for a period, never a case.

Every figure comes from wbs.stats_dashboard.collect, already small-cell protected, so
small counts show as "< 3" here exactly as they do in the exports and the API.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import format_decimal, format_number, get_locale

from case_admin import blueprint
from case_admin.dashboard_charts import dashboard_charts
from case_admin.labels import FORWARD_LABELS, REJECTION_LABELS, STATUS_LABELS
from wbs.app_context import db_session, settings
from wbs.reference_data import agency_choices, category_choices
from wbs.staff_auth import Officer, requires
from wbs.stats_dashboard import Figures, StatsRequest, StatsRequestError, collect, read_request
from wbs.stats_messages import stats_problem
from wbs.stats_periods import year
from wbs.stats_queries import EVERYTHING

DASHBOARD_ROLES = ("leadership", "supervisor", "admin")


def days(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0.#")


def percent(value: float | None) -> str:
    return "—" if value is None else format_decimal(value * 100, "#,##0.#") + " %"


def figures_for_request() -> tuple[Figures, str | None]:
    """The figures the query string asks for, or this year's with the reason it cannot."""
    config = settings()
    today = config.today()
    session = db_session()
    problem = None
    try:
        stats_request = read_request(session, request.args, today)
    except StatsRequestError as error:
        problem = stats_problem(error.reason)
        stats_request = StatsRequest(year(today.year), EVERYTHING)
    return collect(session, stats_request, today, config.small_cell_threshold), problem


def figure_helpers() -> dict[str, Any]:
    """What the dashboard, its reports and its charts use to print figures."""
    return {
        "number": format_number,
        "days": days,
        "percent": percent,
        "status_labels": STATUS_LABELS,
        "forward_labels": FORWARD_LABELS,
        "rejection_labels": REJECTION_LABELS,
    }


@blueprint.get("/dashboard")
@requires(*DASHBOARD_ROLES)
def dashboard(officer: Officer) -> tuple[str, int]:
    figures, problem = figures_for_request()
    session = db_session()
    page = render_template(
        "case_admin/dashboard.html",
        figures=figures,
        charts=dashboard_charts(figures),
        period=figures.period,
        problem=problem,
        threshold=figures.threshold,
        agency_choices=agency_choices(session),
        category_choices=category_choices(session, str(get_locale())),
        export_args=figures.request.query_args(),
        **figure_helpers(),
    )
    return page, 400 if problem else 200
