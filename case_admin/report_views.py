"""Printable monthly and quarterly reports (issue 4), including the monthly WBS
management report the Zona Integritas evaluation asks for (shared/DOMAIN.md,
PermenPANRB 90/2021: complaints per type, follow-up, obstacles and solutions,
evaluation). The figures are the dashboard's (wbs.stats_dashboard.collect); obstacles,
solutions and evaluation are written by a supervisor and kept per period (ReportNote).

The page prints cleanly (the browser's "Save as PDF" gives the PDF): navigation and
forms are hidden in print, every table fits a portrait A4 page.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from case_admin import blueprint
from case_admin.dashboard_charts import dashboard_charts
from case_admin.dashboard_views import DASHBOARD_ROLES, figure_helpers
from wbs.app_context import db_session, settings
from wbs.installation import now_utc
from wbs.models import ReportNote, Staff
from wbs.staff_auth import Officer, record, requires
from wbs.stats_dashboard import StatsRequest, collect
from wbs.stats_periods import Period, PeriodError, parse_period, recent_periods
from wbs.stats_queries import EVERYTHING

NOTE_ROLES = ("supervisor", "admin")
NOTE_MAX_CHARS = 5000


class ReportNoteForm(FlaskForm):
    obstacles = TextAreaField(_l("Obstacles"), validators=[Length(max=NOTE_MAX_CHARS)])
    solutions = TextAreaField(_l("Solutions"), validators=[Length(max=NOTE_MAX_CHARS)])
    evaluation = TextAreaField(_l("Evaluation"), validators=[Length(max=NOTE_MAX_CHARS)])


class ReportChoiceForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only picks a page

    period = StringField(_l("Month or quarter"))


def _report_period(period_key: str) -> Period:
    """A month ("2026-07") or a quarter ("2026-Q3"); anything else is not a report."""
    try:
        period = parse_period({"period": period_key})
    except PeriodError:
        abort(404)
    if period.kind not in ("month", "quarter"):
        abort(404)
    return period


@blueprint.get("/reports")
@requires(*DASHBOARD_ROLES)
def reports(officer: Officer) -> tuple[str, int] | BaseResponse:
    form = ReportChoiceForm(request.args)
    status = 200
    if form.period.data:
        key = form.period.data.strip()
        try:
            period = parse_period({"period": key})
        except PeriodError:
            period = None
        if period is not None and period.kind in ("month", "quarter"):
            return redirect(url_for("admin.report", period_key=period.key))
        form.period.errors = [_("Write a month as 2026-07 or a quarter as 2026-Q3.")]
        status = 400
    months, quarters = recent_periods(settings().today())
    page = render_template("case_admin/reports.html", form=form, months=months, quarters=quarters)
    return page, status


def _note(period: Period) -> ReportNote | None:
    return db_session().get(ReportNote, period.key)


@blueprint.get("/reports/<period_key>")
@requires(*DASHBOARD_ROLES)
def report(officer: Officer, period_key: str) -> str:
    period = _report_period(period_key)
    config = settings()
    session = db_session()
    figures = collect(
        session, StatsRequest(period, EVERYTHING), config.today(), config.small_cell_threshold
    )
    note = _note(period)
    author = session.get(Staff, note.updated_by_id) if note and note.updated_by_id else None
    return render_template(
        "case_admin/report.html",
        figures=figures,
        charts=dashboard_charts(figures),
        period=period,
        note=note,
        author=author,
        organisation=config.organisation,
        today=config.today(),
        threshold=figures.threshold,
        can_write=officer.has(*NOTE_ROLES),
        **figure_helpers(),
    )


@blueprint.route("/reports/<period_key>/notes", methods=["GET", "POST"])
@requires(*NOTE_ROLES)
def report_notes(officer: Officer, period_key: str) -> BaseResponse | tuple[str, int]:
    period = _report_period(period_key)
    note = _note(period)
    form = ReportNoteForm(obj=note)
    if form.validate_on_submit():
        session = db_session()
        if note is None:
            note = ReportNote(period_key=period.key)
            session.add(note)
        note.obstacles = (form.obstacles.data or "").strip()
        note.solutions = (form.solutions.data or "").strip()
        note.evaluation = (form.evaluation.data or "").strip()
        note.updated_at = now_utc()
        note.updated_by_id = officer.id
        record("report.notes_saved", officer.id, detail=f"period {period.key}")
        session.commit()
        flash(_("The report text has been saved."), "success")
        return redirect(url_for("admin.report", period_key=period.key))
    status = 400 if form.errors else 200
    page = render_template(
        "case_admin/report_notes.html", form=form, period=period, max_chars=NOTE_MAX_CHARS
    )
    return page, status
