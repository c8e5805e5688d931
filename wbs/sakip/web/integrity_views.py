"""The integrity link: WBS findings beside each agency's accountability score, and the
integrity-adjusted ranking (DOMAIN.md, "Integrity link" [D]).

Readers: SAKIP officers, leadership, the Inspektorat (supervisor) and admins see every
agency; an agency account sees its own agency's row only, without a rank (a rank would
tell it about the others). SAKIP officers enter the staff counts the formula divides by.
Every WBS count is small-cell protected as on the leadership dashboard; the official
SAKIP score and predicate are shown as stored, never changed.
"""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_number
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import StringField

from wbs.app_context import db_session, settings
from wbs.case_labels import SEVERITY_LABELS
from wbs.sakip.achievement import round2
from wbs.sakip.data.integrity import integrity_rows, save_staff_counts, staff_counts
from wbs.sakip.integrity import DEFAULT_FORMULA
from wbs.sakip.numbers_input import NumberError, format_number_input, parse_number
from wbs.sakip.web import blueprint
from wbs.sakip.web.access import SAKIP_ROLES, may_maintain, own_agency, reads_every_agency
from wbs.sakip.web.agency_views import chosen_year
from wbs.sakip.web.evaluation_views import percent, score2
from wbs.staff_auth import Officer, record, requires

# The most staff an OPD may have; a larger number is a typo.
MAX_STAFF = 1_000_000


def formula_text() -> str:
    """The formula with its numbers, in the reader's language (wbs.sakip.integrity.DESCRIPTION)."""
    return DEFAULT_FORMULA.describe(
        _(
            "Integrity-adjusted score = SAKIP score − min(%(cap)s, findings per %(per_staff)s"
            " staff × %(factor)s) × (1 − follow-up rate ÷ %(follow_up_divisor)s). Findings:"
            " the sum of the severity weights of the substantiated cases (%(weights)s)."
            " Follow-up rate: substantiated cases with follow-up done ÷ substantiated cases."
            " A ranking aid only: the official score and predicate are not changed."
        ),
        number=format_decimal,
    )


def decimal2(value: Decimal | None) -> str:
    return "—" if value is None else format_decimal(round2(value), format="#,##0.00")


@blueprint.get("/integrity")
@requires(*SAKIP_ROLES)
def integrity(officer: Officer) -> str:
    only = own_agency(officer)
    if not reads_every_agency(officer) and only is None:
        abort(404)  # an agency account without an agency
    config = settings()
    year = chosen_year(config.today())
    rows = integrity_rows(db_session(), year, config.today(), config.small_cell_threshold)
    if only is not None:
        rows = [row for row in rows if row.agency_id == only]
    return render_template(
        "sakip/integrity.html",
        year=year,
        rows=rows,
        every_agency=only is None,
        formula=DEFAULT_FORMULA,
        formula_text=formula_text(),
        threshold=config.small_cell_threshold,
        today=config.today(),
        may_maintain=may_maintain(officer),
        severity_labels=SEVERITY_LABELS,
        number=format_number,
        score2=score2,
        decimal2=decimal2,
        percent=percent,
    )


def staff_form_class(agencies: list[tuple[int, str, int | None]]) -> type[FlaskForm]:
    fields = {
        f"staff_{agency_id}": StringField(name, render_kw={"inputmode": "numeric"})
        for agency_id, name, _count in agencies
    }
    return type("StaffCountsForm", (FlaskForm,), fields)


@blueprint.route("/integrity/staff", methods=["GET", "POST"])
@requires("sakip")
def staff_counts_form(officer: Officer) -> BaseResponse | tuple[str, int]:
    session = db_session()
    year = chosen_year(settings().today())
    agencies = staff_counts(session, year)
    form_class = staff_form_class(agencies)
    if request.method == "GET":
        form = form_class(
            data={
                f"staff_{agency_id}": format_number_input(None if count is None else Decimal(count))
                for agency_id, _name, count in agencies
            }
        )
    else:
        form = form_class()
    if form.validate_on_submit():
        counts: dict[int, int | None] = {}
        for agency_id, _name, _count in agencies:
            field = form[f"staff_{agency_id}"]
            raw = (field.data or "").strip()
            if not raw:
                counts[agency_id] = None
                continue
            try:
                value = parse_number(raw, places=0)
            except NumberError:
                value = None
            if value is None or not 0 < value <= MAX_STAFF:
                field.errors = [_("Enter a whole number of staff, for example 1.250.")]
                continue
            counts[agency_id] = int(value)
        if not any(field.errors for field in form):
            changed = save_staff_counts(session, year, counts)
            record("sakip.staff_counts_saved", officer.id, detail=f"year {year} changed {changed}")
            session.commit()
            flash(_("The staff counts have been saved."), "success")
            return redirect(url_for("sakip.integrity", year=year), code=303)
    page = render_template("sakip/integrity_staff.html", year=year, form=form, agencies=agencies)
    return page, 400 if any(field.errors for field in form) else 200
