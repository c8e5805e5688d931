"""An agency's risk register (issue 5: risk, cause, likelihood, impact, level,
mitigation, owner, status), part of the evaluated planning. SAKIP officers and the
agency's own staff keep it; the agency head and the read-all roles read it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from wbs.app_context import db_session, settings
from wbs.installation import now_utc
from wbs.models import Agency, RiskEntry
from wbs.sakip.data.evaluations import RISK_STATUSES, band_ranges, risk_level, risks_of
from wbs.sakip.web import blueprint
from wbs.sakip.web.access import SAKIP_ROLES, agency_or_404, check_enters, check_reads, may_enter
from wbs.sakip.web.agency_views import chosen_year
from wbs.sakip.web.evaluation_views import (
    IMPACT_LABELS,
    LIKELIHOOD_LABELS,
    RISK_STATUS_LABELS,
    TEXT_MAX_CHARS,
    _year_field_value,
    choices_of,
    page_helpers,
)
from wbs.sakip.web.form_pages import form_page
from wbs.staff_auth import Officer, record, requires


class RiskForm(FlaskForm):
    risk = TextAreaField(
        _l("Risk"),
        [InputRequired(_l("Describe the risk.")), Length(max=TEXT_MAX_CHARS)],
        render_kw={"rows": 2},
    )
    cause = TextAreaField(_l("Cause"), [Length(max=TEXT_MAX_CHARS)], render_kw={"rows": 2})
    likelihood = SelectField(
        _l("Likelihood"), choices=choices_of(LIKELIHOOD_LABELS), coerce=int, default=3
    )
    impact = SelectField(_l("Impact"), choices=choices_of(IMPACT_LABELS), coerce=int, default=3)
    mitigation = TextAreaField(
        _l("Mitigation"), [Length(max=TEXT_MAX_CHARS)], render_kw={"rows": 2}
    )
    owner = StringField(_l("Risk owner"), [Length(max=200)])
    status = SelectField(
        _l("Status"),
        choices=choices_of(RISK_STATUS_LABELS, RISK_STATUSES),
        default="open",
    )


# --- risk register ---------------------------------------------------------------------------


@blueprint.get("/agencies/<int:agency_id>/risks")
@requires(*SAKIP_ROLES)
def risks(officer: Officer, agency_id: int) -> str:
    check_reads(officer, agency_id)
    agency = agency_or_404(agency_id)
    year = chosen_year(settings().today())
    return render_template(
        "sakip/risks.html",
        agency=agency,
        year=year,
        rows=risks_of(db_session(), agency.id, year),
        bands=band_ranges(),
        may_enter=may_enter(officer, agency.id),
        likelihood_labels=LIKELIHOOD_LABELS,
        impact_labels=IMPACT_LABELS,
        **page_helpers(),
    )


def _risk_page(
    officer: Officer, agency: Agency, year: int, entry: RiskEntry | None
) -> BaseResponse | tuple[str, int]:
    form = RiskForm(obj=entry)
    if form.validate_on_submit():
        session = db_session()
        action = "sakip.risk_saved"
        if entry is None:
            entry = RiskEntry(agency_id=agency.id, year=year)
            session.add(entry)
            action = "sakip.risk_added"
        entry.risk = (form.risk.data or "").strip()
        entry.cause = (form.cause.data or "").strip()
        entry.likelihood = int(form.likelihood.data)
        entry.impact = int(form.impact.data)
        entry.mitigation = (form.mitigation.data or "").strip()
        entry.owner = (form.owner.data or "").strip()
        entry.status = form.status.data or "open"
        entry.updated_at = now_utc()
        session.flush()
        level = risk_level(entry.likelihood, entry.impact)
        record(
            action,
            officer.id,
            detail=f"risk {entry.id} agency {agency.id} year {entry.year} level {level.level}",
        )
        session.commit()
        flash(_("The risk has been saved."), "success")
        return redirect(url_for("sakip.risks", agency_id=agency.id, year=entry.year), code=303)
    return form_page(
        "sakip/risk_form.html",
        bool(form.errors),
        agency=agency,
        year=year,
        entry=entry,
        form=form,
        bands=band_ranges(),
        **page_helpers(),
    )


@blueprint.route("/agencies/<int:agency_id>/risks/new", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def risk_new(officer: Officer, agency_id: int) -> BaseResponse | tuple[str, int]:
    check_enters(officer, agency_id)
    agency = agency_or_404(agency_id)
    return _risk_page(officer, agency, _year_field_value(), None)


def _risk(agency_id: int, risk_id: int) -> RiskEntry:
    entry = db_session().get(RiskEntry, risk_id)
    if entry is None or entry.agency_id != agency_id:
        abort(404)
    return entry


@blueprint.route("/agencies/<int:agency_id>/risks/<int:risk_id>", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def risk_edit(officer: Officer, agency_id: int, risk_id: int) -> BaseResponse | tuple[str, int]:
    check_enters(officer, agency_id)
    agency = agency_or_404(agency_id)
    entry = _risk(agency.id, risk_id)
    return _risk_page(officer, agency, entry.year, entry)


@blueprint.post("/agencies/<int:agency_id>/risks/<int:risk_id>/delete")
@requires(*SAKIP_ROLES)
def risk_delete(officer: Officer, agency_id: int, risk_id: int) -> BaseResponse:
    check_enters(officer, agency_id)
    entry = _risk(agency_id, risk_id)
    session = db_session()
    year = entry.year
    session.delete(entry)
    record(
        "sakip.risk_deleted", officer.id, detail=f"risk {risk_id} agency {agency_id} year {year}"
    )
    session.commit()
    flash(_("The risk has been deleted."), "success")
    return redirect(url_for("sakip.risks", agency_id=agency_id, year=year), code=303)
