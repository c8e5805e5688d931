"""Realisation monitoring (issue 5; DOMAIN.md, "Realisation monitoring"): budget absorption
(penyerapan anggaran), physical progress (progres fisik), procurement packages and their
stage, the traffic lights, the fast/slow ranking of the agencies, and the printable
monthly and quarterly evaluation for the Bupati's meeting.

Who: an agency's page is read by whoever reads that agency (access.check_reads); its
figures and packages are entered by SAKIP officers and the agency's own staff
(access.check_enters); the ranking and the evaluation pages compare agencies, so only the
roles that read every agency open them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TypeVar, cast

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import DateField, SelectField, StringField
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3 > stubs
from wtforms.validators import DataRequired, Length, Optional

from wbs.app_context import db_session, settings
from wbs.i18n import amount_text, date_text, decimal_text
from wbs.installation import now_utc
from wbs.models import Agency, AgencyYear, MonthlyRealisation, ProcurementPackage
from wbs.sakip.achievement import round2
from wbs.sakip.data.monitoring import (
    MONTHS,
    STATUSES,
    AgencyStanding,
    Measure,
    agency_standings,
    agency_year_figures,
    colour_counts,
    is_behind,
    last_reported_month,
    packages_of,
    performance,
    period_evaluation,
    ranked,
    stage_totals,
)
from wbs.sakip.data.ranking import ranked as ranked_by_achievement
from wbs.sakip.monitoring import (
    DEFAULT_COLOURS,
    PROCUREMENT_STAGES,
    Progress,
    falling_months,
    month_over_ceiling,
)
from wbs.sakip.numbers_input import NumberError, format_number_input, parse_number
from wbs.sakip.web import blueprint
from wbs.sakip.web.access import (
    READ_ALL_ROLES,
    SAKIP_ROLES,
    agency_or_404,
    check_enters,
    check_reads,
    may_enter,
)
from wbs.sakip.web.agency_views import MAX_YEAR, MIN_YEAR, chosen_year
from wbs.sakip.web.form_pages import form_page
from wbs.staff_auth import Officer, record, requires
from wbs.stats_periods import Period, PeriodError, parse_period, recent_periods

RANKING_ROLES = tuple(sorted(READ_ALL_ROLES))
# What MonthlyRealisation and ProcurementPackage keep: NUMERIC(18, 2) for money,
# NUMERIC(7, 2) for percentages (wbs/models/sakip.py). A longer number is refused, not
# rounded.
MONEY_DIGITS, PERCENT_DIGITS, PLACES = 16, 5, 2
MONTH_MEASURES = ("budget_plan", "budget_actual", "physical_plan", "physical_actual")
PERCENT_MEASURES = frozenset({"physical_plan", "physical_actual"})
# The colours are never told by colour alone: each has its word (and a CSS class).
STATUS_LABELS = {
    "green": _l("green"),
    "yellow": _l("yellow"),
    "red": _l("red"),
    "missing": _l("no data"),
}
RANK_GROUP_LABELS = {
    "unplanned": _l("nothing planned yet"),
    "no_data": _l("no data"),
}
MEASURE_LABELS = {
    "budget_plan": _l("Budget plan (Rp)"),
    "budget_actual": _l("Budget spent (Rp)"),
    "physical_plan": _l("Physical plan (cumulative %)"),
    "physical_actual": _l("Physical progress (cumulative %)"),
}
STAGE_LABELS = {stage.code: stage.label for stage in PROCUREMENT_STAGES}
SLOWEST_FASTEST = 5


def month_field(measure: str, number: int) -> str:
    return f"{measure}_{number:02d}"


class MonitoringForm(FlaskForm):
    """The pagu and twelve months of four figures; each box left empty is "not entered"
    (stored as NULL, never 0). The numbers are read by wbs/sakip/numbers_input.py."""

    budget_ceiling = StringField(_l("Budget ceiling (pagu) of the year, Rp"))


def _add_month_fields() -> None:
    """budget_plan_01 .. physical_actual_12: 48 boxes, declared once on the class."""
    for number in MONTHS:
        for measure in MONTH_MEASURES:
            setattr(
                MonitoringForm, month_field(measure, number), StringField(MEASURE_LABELS[measure])
            )


_add_month_fields()


def _strip(text: str | None) -> str | None:
    return text.strip() if text else text


class PackageForm(FlaskForm):
    name = StringField(
        _l("Package name"),
        [DataRequired(_l("Enter the package's name.")), Length(max=500)],
        filters=[_strip],
    )
    value = StringField(_l("Value (Rp)"))
    stage = SelectField(
        _l("Current stage"),
        choices=[SelectChoice(stage.code, stage.label) for stage in PROCUREMENT_STAGES],
    )
    stage_on = DateField(_l("Stage reached on"), [Optional()])
    planned_finish = DateField(_l("Planned finish"), [Optional()])
    note = StringField(_l("Note"), [Length(max=500)], filters=[_strip])


class DeleteForm(FlaskForm):
    """Only the CSRF token."""


# --- request choices -------------------------------------------------------------------------


def chosen_month(year: int, today: date) -> int:
    """``?month=`` 1..12; else this month in this year, December for a past year and
    January for a future one."""
    raw = request.args.get("month", "")
    if raw.isdecimal() and 1 <= int(raw) <= 12:
        return int(raw)
    if year == today.year:
        return today.month
    return 12 if year < today.year else 1


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        abort(404)


# --- display helpers -------------------------------------------------------------------------


def figure_helpers() -> dict[str, object]:
    """Number formats of the monitoring pages. Percentages and points are shown rounded to
    2 decimals half up, the rounding the colour is read on (wbs/sakip/monitoring.py)."""

    def percent(value: Decimal) -> str:
        return f"{decimal_text(round2(value), '#,##0.##')} %"

    def points(value: Decimal) -> str:
        """Signed: "+2.5", "-8.33"; no sign on 0."""
        rounded = round2(value)
        return decimal_text(rounded, "+#,##0.##;-#,##0.##" if rounded else "0")

    def pace(value: Decimal) -> str:
        return percent(value * 100)

    def rupiah(value: Decimal) -> str:
        return f"Rp {amount_text(value)}"

    return {
        "percent": percent,
        "points": points,
        "pace": pace,
        "rupiah": rupiah,
        "status_labels": STATUS_LABELS,
        "rank_group_labels": RANK_GROUP_LABELS,
        "rule": DEFAULT_COLOURS,
        "month_start": lambda year, number: date(year, number, 1),
        "day": date_text,
        "stage_label": lambda code: STAGE_LABELS.get(code, code),
    }


# --- an agency's page ------------------------------------------------------------------------


@blueprint.get("/agencies/<int:agency_id>/monitoring")
@requires(*SAKIP_ROLES)
def monitoring(officer: Officer, agency_id: int) -> str:
    check_reads(officer, agency_id)
    agency = agency_or_404(agency_id)
    config = settings()
    today = config.today()
    year = chosen_year(today)
    number = chosen_month(year, today)
    session = db_session()
    packages = packages_of(session, agency_id, year)
    return render_template(
        "sakip/monitoring.html",
        agency=agency,
        year=year,
        month=number,
        figures=agency_year_figures(session, agency_id, year),
        packages=packages,
        stages=stage_totals(packages),
        behind={package.id for package in packages if is_behind(package, today)},
        performance=performance(session, agency_id, year, number, config.sakip_capaian_cap),
        may_enter=may_enter(officer, agency_id),
        today=today,
        **figure_helpers(),
    )


# --- entry of the monthly figures ------------------------------------------------------------


def _read_number(field: StringField, digits: int, percent: bool) -> Decimal | None:
    """The typed number, None when the box is empty; a message on the field when it
    cannot be stored (returns None then too: the caller checks the form's errors)."""
    text = (field.data or "").strip()
    if not text:
        return None
    # Called after validate(), which made the errors a list (the stubs say Sequence).
    errors = cast("list[str]", field.errors)
    try:
        value = parse_number(text, places=PLACES, integer_digits=digits)
    except NumberError as error:
        errors.append(
            {
                "places": _("At most two decimals."),
                "size": _("This number is too large."),
            }.get(error.reason, _("Write a number, for example 1.250.000 or 45,5."))
        )
        return None
    if percent and not 0 <= value <= 100:
        errors.append(_("A percentage is between 0 and 100."))
    elif value < 0:
        errors.append(_("An amount cannot be negative."))
    return value


def _check_sequence(
    form: MonitoringForm,
    year: int,
    typed: dict[int, dict[str, Decimal | None]],
    ceiling: Decimal | None,
) -> None:
    """Figures each readable alone but impossible together: physical progress falling
    back (it is cumulative), spending past the pagu. A message on the month's box."""

    def month(number: int) -> str:
        return format_date(date(year, number, 1), "MMMM")

    for measure in sorted(PERCENT_MEASURES):
        figures = {number: values[measure] for number, values in typed.items()}
        for number, earlier in falling_months(figures):
            form[month_field(measure, number)].errors.append(
                _(
                    "Physical progress is counted to date: it cannot fall below the "
                    "%(value)s %% of %(month)s.",
                    value=format_decimal(figures[earlier]),
                    month=month(earlier),
                )
            )
    spent = {number: values["budget_actual"] for number, values in typed.items()}
    over = month_over_ceiling(spent, ceiling)
    if over is not None:
        form[month_field("budget_actual", over)].errors.append(
            _(
                "The spending up to %(month)s is more than the pagu of the year. Check the "
                "amounts, or enter the pagu after the budget change (APBD-P).",
                month=month(over),
            )
        )


def _stored_months(agency_id: int, year: int) -> dict[int, MonthlyRealisation]:
    rows = db_session().scalars(
        select(MonthlyRealisation).where(
            MonthlyRealisation.agency_id == agency_id, MonthlyRealisation.year == year
        )
    )
    return {row.month: row for row in rows}


def _fill(form: MonitoringForm, agency_id: int, year: int) -> None:
    """What is stored, as the boxes show it (decimal comma, no grouping: read back the same)."""
    ceiling = db_session().get(AgencyYear, (agency_id, year))
    form.budget_ceiling.data = format_number_input(
        None if ceiling is None else ceiling.budget_ceiling
    )
    for number, row in _stored_months(agency_id, year).items():
        if number in MONTHS:
            for measure in MONTH_MEASURES:
                form[month_field(measure, number)].data = format_number_input(getattr(row, measure))


def _save(form: MonitoringForm, officer: Officer, agency_id: int, year: int) -> bool:
    """Every box or none: any box that cannot be read leaves everything as it was."""
    ceiling = _read_number(form.budget_ceiling, MONEY_DIGITS, percent=False)
    typed = {
        number: {
            measure: _read_number(
                form[month_field(measure, number)],
                PERCENT_DIGITS if measure in PERCENT_MEASURES else MONEY_DIGITS,
                percent=measure in PERCENT_MEASURES,
            )
            for measure in MONTH_MEASURES
        }
        for number in MONTHS
    }
    _check_sequence(form, year, typed, ceiling)
    if form.errors:
        return False
    session = db_session()
    now = now_utc()
    stored = _stored_months(agency_id, year)
    for number, values in typed.items():
        row = stored.get(number)
        if all(value is None for value in values.values()):
            # A month with nothing entered has no row: missing, never zero.
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = MonthlyRealisation(agency_id=agency_id, year=year, month=number)
            session.add(row)
        elif all(getattr(row, measure) == value for measure, value in values.items()):
            continue
        for measure, value in values.items():
            setattr(row, measure, value)
        row.updated_at = now
        row.updated_by_id = officer.id
    agency_year = session.get(AgencyYear, (agency_id, year))
    if agency_year is None and ceiling is not None:
        session.add(AgencyYear(agency_id=agency_id, year=year, budget_ceiling=ceiling))
    elif agency_year is not None:
        agency_year.budget_ceiling = ceiling
    record("sakip.monitoring_saved", officer.id, detail=f"agency {agency_id} year {year}")
    session.commit()
    return True


@blueprint.route("/agencies/<int:agency_id>/monitoring/<int:year>/entry", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def monitoring_entry(officer: Officer, agency_id: int, year: int) -> BaseResponse | tuple[str, int]:
    check_enters(officer, agency_id)
    _check_year(year)
    agency = agency_or_404(agency_id)
    form = MonitoringForm()
    if request.method == "GET":
        _fill(form, agency_id, year)
    elif form.validate_on_submit() and _save(form, officer, agency_id, year):
        flash(_("The monitoring figures of %(year)d have been saved.", year=year), "success")
        return redirect(url_for("sakip.monitoring", agency_id=agency_id, year=year))
    return form_page(
        "sakip/monitoring_entry.html",
        bool(form.errors),
        agency=agency,
        year=year,
        form=form,
        months=MONTHS,
        measures=MONTH_MEASURES,
        measure_labels=MEASURE_LABELS,
        month_field=month_field,
        packages=packages_of(db_session(), agency_id, year),
        today=settings().today(),
        **figure_helpers(),
    )


# --- procurement packages --------------------------------------------------------------------


def _package(agency_id: int, package_id: int) -> ProcurementPackage:
    found = db_session().get(ProcurementPackage, package_id)
    if found is None or found.agency_id != agency_id:
        abort(404)
    return found


def _save_package(
    form: PackageForm, officer: Officer, package: ProcurementPackage, action: str
) -> bool:
    value = _read_number(form.value, MONEY_DIGITS, percent=False)
    if form.errors:
        return False
    package.name = (form.name.data or "").strip()
    package.value = value
    package.stage = form.stage.data or ""
    package.stage_on = form.stage_on.data
    package.planned_finish = form.planned_finish.data
    package.note = (form.note.data or "").strip()
    package.updated_at = now_utc()
    package.updated_by_id = officer.id
    session = db_session()
    session.add(package)
    session.flush()
    record(action, officer.id, detail=f"agency {package.agency_id} package {package.id}")
    session.commit()
    return True


def _package_page(
    form: PackageForm, agency: Agency, year: int, package: ProcurementPackage | None
) -> tuple[str, int]:
    return form_page(
        "sakip/monitoring_package.html",
        bool(form.errors),
        form=form,
        agency=agency,
        year=year,
        package=package,
        delete_form=DeleteForm(),
    )


@blueprint.route(
    "/agencies/<int:agency_id>/monitoring/<int:year>/packages/new", methods=["GET", "POST"]
)
@requires(*SAKIP_ROLES)
def package_new(officer: Officer, agency_id: int, year: int) -> BaseResponse | tuple[str, int]:
    check_enters(officer, agency_id)
    _check_year(year)
    agency = agency_or_404(agency_id)
    form = PackageForm()
    if form.validate_on_submit():
        package = ProcurementPackage(agency_id=agency_id, year=year)
        if _save_package(form, officer, package, "sakip.package_created"):
            flash(_("The procurement package has been added."), "success")
            return redirect(url_for("sakip.monitoring_entry", agency_id=agency_id, year=year))
    return _package_page(form, agency, year, None)


@blueprint.route("/agencies/<int:agency_id>/packages/<int:package_id>", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def package_edit(
    officer: Officer, agency_id: int, package_id: int
) -> BaseResponse | tuple[str, int]:
    check_enters(officer, agency_id)
    package = _package(agency_id, package_id)
    agency = agency_or_404(agency_id)
    if request.method == "GET":
        form = PackageForm(
            data={
                "name": package.name,
                "value": format_number_input(package.value),
                "stage": package.stage,
                "stage_on": package.stage_on,
                "planned_finish": package.planned_finish,
                "note": package.note,
            }
        )
    else:
        form = PackageForm()
        if form.validate_on_submit() and _save_package(
            form, officer, package, "sakip.package_updated"
        ):
            flash(_("The procurement package has been saved."), "success")
            return redirect(
                url_for("sakip.monitoring_entry", agency_id=agency_id, year=package.year)
            )
    return _package_page(form, agency, package.year, package)


@blueprint.post("/agencies/<int:agency_id>/packages/<int:package_id>/delete")
@requires(*SAKIP_ROLES)
def package_delete(officer: Officer, agency_id: int, package_id: int) -> BaseResponse:
    check_enters(officer, agency_id)
    package = _package(agency_id, package_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    year = package.year
    session = db_session()
    session.delete(package)
    record("sakip.package_deleted", officer.id, detail=f"agency {agency_id} package {package_id}")
    session.commit()
    flash(_("The procurement package has been deleted."), "success")
    return redirect(url_for("sakip.monitoring_entry", agency_id=agency_id, year=year))


# --- every agency: ranking and evaluation ----------------------------------------------------

ORDERS: tuple[Measure, ...] = ("budget", "physical")
T = TypeVar("T")


def chosen_order() -> Measure:
    """``?order=physical`` ranks by physical progress; anything else by budget absorption."""
    return "physical" if request.args.get("order") == "physical" else "budget"


@blueprint.get("/monitoring/ranking")
@requires(*RANKING_ROLES)
def monitoring_ranking(officer: Officer) -> str:
    today = settings().today()
    year = chosen_year(today)
    number = chosen_month(year, today)
    if "month" not in request.args:
        # This month's figures come in during the next one: open on the last month
        # any agency has reported, not on a month of "no data" rows.
        number = min(number, last_reported_month(db_session(), year) or number)
    order = chosen_order()
    standings = agency_standings(db_session(), year, number)
    return render_template(
        "sakip/monitoring_ranking.html",
        year=year,
        month=number,
        order=order,
        tables=[
            ("year_to_date", ranked(standings, "year_to_date", order)),
            ("month", ranked(standings, "month", order)),
        ],
        **figure_helpers(),
    )


class EvaluationChoiceForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only picks a page

    period = StringField(_l("Month or quarter"))


def _evaluation_period(key: str) -> Period | None:
    try:
        period = parse_period({"period": key})
    except PeriodError:
        return None
    return period if period.kind in ("month", "quarter") else None


@blueprint.get("/monitoring/evaluations")
@requires(*RANKING_ROLES)
def monitoring_evaluations(officer: Officer) -> BaseResponse | tuple[str, int]:
    form = EvaluationChoiceForm(request.args)
    bad_period = False
    if form.period.data:
        period = _evaluation_period(form.period.data.strip())
        if period is not None:
            return redirect(url_for("sakip.monitoring_evaluation", period_key=period.key))
        form.period.errors = [_("Write a month as 2026-07 or a quarter as 2026-Q3.")]
        bad_period = True
    months, quarters = recent_periods(settings().today())
    return form_page(
        "sakip/monitoring_evaluations.html", bad_period, form=form, months=months, quarters=quarters
    )


@blueprint.get("/monitoring/evaluations/<period_key>")
@requires(*RANKING_ROLES)
def monitoring_evaluation(officer: Officer, period_key: str) -> str:
    period = _evaluation_period(period_key)
    if period is None:
        abort(404)
    config = settings()
    year, last_month = period.end.year, period.end.month
    # A period not over yet is judged today; only the current stage of a package is kept.
    on = min(period.end, config.today())
    figures = period_evaluation(db_session(), year, last_month, on, config.sakip_capaian_cap)
    standings = figures.standings
    achieved = [line for line in ranked_by_achievement(figures.achievements) if line.rank]
    summaries = []
    for measure in ORDERS:
        order = ranked(standings, "year_to_date", measure)
        rankable = [line for line in order if line.group == "ranked"]
        summaries.append(
            (
                measure,
                colour_counts(standings, _year_to_date(measure)),
                *_ends(rankable),
            )
        )
    return render_template(
        "sakip/monitoring_evaluation.html",
        period=period,
        year=year,
        month=last_month,
        summaries=summaries,
        statuses=STATUSES,
        agencies=len(standings),
        late=figures.late,
        quarter=figures.quarter,
        achievement_ends=_ends(achieved),
        without_achievement=len(figures.achievements) - len(achieved),
        on=on,
        organisation=config.organisation,
        today=config.today(),
        **figure_helpers(),
    )


def _ends(lines: list[T]) -> tuple[list[T], list[T] | None]:
    """The SLOWEST_FASTEST first and last of a ranking (the last from the end); with no
    more than twice as many, all of them first and None: no agency in both lists."""
    if len(lines) <= 2 * SLOWEST_FASTEST:
        return lines, None
    return lines[:SLOWEST_FASTEST], list(reversed(lines[-SLOWEST_FASTEST:]))


def _year_to_date(measure: Measure) -> Callable[[AgencyStanding], Progress]:
    return lambda standing: standing.year_to_date.of(measure)
