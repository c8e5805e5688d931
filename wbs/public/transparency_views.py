"""The public transparency page (issue 4): yearly and quarterly totals and the breakdown
by category, small-cell protected like the dashboard; figures per agency only when an
admin allows it (wbs/site_settings.py). No login, no JavaScript.
"""

from __future__ import annotations

import re

from flask import Response, current_app, make_response, render_template, request
from flask_babel import format_decimal, format_number
from flask_babel import gettext as _

from wbs.app_context import db_session, settings
from wbs.public import blueprint
from wbs.site_settings import TRANSPARENCY_AGENCIES, get_flag
from wbs.transparency import DailyFigures, Published, YearFigures

_YEAR = re.compile(r"\d{4}")


def days(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0.#")


def _daily_figures() -> DailyFigures:
    # One per app (and so per worker process): each worker computes the same figures.
    cache: DailyFigures = current_app.extensions.setdefault("wbs.transparency", DailyFigures())
    return cache


def _chosen_year(figures: Published, raw: str) -> tuple[YearFigures, str | None, int]:
    """The year ``?year=`` asks for (default: the latest), or the latest with the reason
    and status why not: 400 when it is not a year, 404 when nothing is published for it."""
    latest = figures.years[0]
    raw = raw.strip()
    if not raw:
        return latest, None, 200
    if not _YEAR.fullmatch(raw):
        return (
            latest,
            _("Write the year with four digits, for example %(year)d.", year=latest.year),
            400,
        )
    found = figures.year(int(raw))
    if found is None:
        problem = _(
            "There are no figures for %(year)s. Choose one of the years in the table.", year=raw
        )
        return latest, problem, 404
    return found, None, 200


@blueprint.get("/transparency")
def transparency() -> Response:
    config = settings()
    session = db_session()
    agencies_shown = get_flag(session, TRANSPARENCY_AGENCIES)
    figures = _daily_figures().get(
        session, config.today(), config.small_cell_threshold, agencies_shown
    )
    chosen, problem, status = _chosen_year(figures, request.args.get("year", ""))
    page = render_template(
        "public/transparency.html",
        figures=figures,
        chosen=chosen,
        problem=problem,
        threshold=figures.threshold,
        number=format_number,
        days=days,
    )
    return make_response(page, status)
