"""The agencies ranked by performance achievement (capaian) for a year and period, with
the count of indicators still missing a realisation and the official SAKIP result.

It compares agencies, so only the roles that read every agency open it; for an agency
account it does not exist (404), like the other pages about all agencies (access.py).
"""

from __future__ import annotations

from flask import abort, render_template

from wbs.app_context import db_session, settings
from wbs.models.sakip import PERIODS
from wbs.sakip.data.ranking import agency_achievements, ranked
from wbs.sakip.web import blueprint
from wbs.sakip.web.access import SAKIP_ROLES, reads_every_agency
from wbs.sakip.web.agency_views import chosen_period, chosen_year
from wbs.sakip.web.evaluation_views import page_helpers
from wbs.staff_auth import Officer, requires


@blueprint.get("/ranking")
@requires(*SAKIP_ROLES)
def ranking(officer: Officer) -> str:
    if not reads_every_agency(officer):
        abort(404)
    config = settings()
    year, period = chosen_year(config.today()), chosen_period()
    achievements = agency_achievements(db_session(), year, period, config.sakip_capaian_cap)
    return render_template(
        "sakip/ranking.html",
        year=year,
        period=period,
        periods=PERIODS,
        cap=config.sakip_capaian_cap,
        lines=ranked(achievements),
        **page_helpers(),
    )
