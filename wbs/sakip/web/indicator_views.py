"""Editing the indicators of a performance tree's nodes and their targets (issue 5),
for SAKIP officers. The tree and its nodes are edited in tree_views.py, whose rules
these pages share: another agency's indicator answers 404, a reading account 403."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from wbs.app_context import db_session, settings
from wbs.installation import now_utc
from wbs.models import Indicator, PerformanceNode
from wbs.models.sakip import PERIODS, POLARITIES
from wbs.sakip.data import editing
from wbs.sakip.data.editing import IndicatorFields, TargetEntry
from wbs.sakip.numbers_input import format_number_input
from wbs.sakip.web import blueprint
from wbs.sakip.web.access import SAKIP_ROLES, agency_or_404
from wbs.sakip.web.agency_views import chosen_year
from wbs.sakip.web.form_pages import form_page
from wbs.sakip.web.labels import POLARITY_LABELS
from wbs.sakip.web.tree_forms import (
    PROBLEM_MESSAGES,
    QUANTITY_DIGITS,
    RowsForm,
    TypedRow,
    apply_problems,
    csrf_refused,
    read_number,
    stripped,
    typed_row,
    weight_field,
    whole_number_field,
)
from wbs.sakip.web.tree_views import check_maintains, node_to_maintain, tree_name, tree_page
from wbs.staff_auth import Officer, record, requires

# Indicators ---------------------------------------------------------------------------


class IndicatorForm(FlaskForm):
    name = StringField(
        _l("Indicator"), [InputRequired(_l("Enter the name.")), Length(max=500)], filters=[stripped]
    )
    unit = StringField(
        _l("Unit"),
        [
            InputRequired(_l("Enter the unit, for example %, persons or days.")),
            Length(max=60, message=_l("A unit has at most 60 characters.")),
        ],
        filters=[stripped],
    )
    polarity = SelectField(_l("How it is read"))
    weight = weight_field(_l("Weight in the node's roll-up"))
    sort_order = whole_number_field(_l("Position among the node's indicators"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.polarity.choices = [(p, POLARITY_LABELS[p]) for p in POLARITIES]

    def fields_value(self) -> IndicatorFields:
        return IndicatorFields(
            name=self.name.data or "",
            unit=self.unit.data or "",
            polarity=self.polarity.data or "",
            weight=self.weight.number if self.weight.number is not None else Decimal(1),
            sort_order=self.sort_order.data or 0,
        )


# Which indicator, and who may change it -----------------------------------------------


def _indicator(officer: Officer, indicator_id: int) -> tuple[Indicator, PerformanceNode]:
    indicator = db_session().get(Indicator, indicator_id)
    if indicator is None:
        abort(404)
    node = db_session().get(PerformanceNode, indicator.node_id)
    assert node is not None  # a foreign key
    check_maintains(officer, node.agency_id)
    return indicator, node


def _render_indicator_form(
    form: IndicatorForm, node: PerformanceNode, indicator: Indicator | None
) -> tuple[str, int]:
    agency = agency_or_404(node.agency_id)
    return form_page(
        "sakip/tree_indicator.html",
        bool(form.errors),
        form=form,
        node=node,
        indicator=indicator,
        agency=agency,
        tree_name=tree_name(agency),
    )


@blueprint.route("/nodes/<int:node_id>/indicators/new", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def indicator_new(officer: Officer, node_id: int) -> BaseResponse | tuple[str, int]:
    node = node_to_maintain(officer, node_id)
    form = IndicatorForm()
    if form.validate_on_submit():
        fields = form.fields_value()
        if apply_problems(form, editing.indicator_problems(fields)):
            session = db_session()
            indicator = editing.create_indicator(session, node, fields)
            record(
                "sakip.indicator_created",
                officer.id,
                detail=f"indicator {indicator.id} node {node.id}",
            )
            session.commit()
            flash(
                _(
                    "The indicator has been added to %(code)s. Enter its targets next.",
                    code=node.code,
                ),
                "success",
            )
            return tree_page(node.agency_id)
    return _render_indicator_form(form, node, None)


@blueprint.route("/indicators/<int:indicator_id>", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def indicator_edit(officer: Officer, indicator_id: int) -> BaseResponse | tuple[str, int]:
    indicator, node = _indicator(officer, indicator_id)
    if request.method == "POST":
        form = IndicatorForm()
    else:
        form = IndicatorForm(
            data={
                "name": indicator.name,
                "unit": indicator.unit,
                "polarity": indicator.polarity,
                "weight": format_number_input(indicator.weight),
                "sort_order": indicator.sort_order,
            }
        )
    if form.validate_on_submit():
        fields = form.fields_value()
        if apply_problems(form, editing.indicator_problems(fields)):
            changed = editing.update_indicator(db_session(), indicator, fields)
            if changed:
                record(
                    "sakip.indicator_updated",
                    officer.id,
                    detail=f"indicator {indicator.id} {','.join(changed)}",
                )
            db_session().commit()
            flash(_("The indicator has been saved."), "success")
            return tree_page(node.agency_id)
    return _render_indicator_form(form, node, indicator)


def _set_indicator_active(officer: Officer, indicator_id: int, active: bool) -> BaseResponse:
    indicator, node = _indicator(officer, indicator_id)
    if csrf_refused(RowsForm()):
        abort(400)
    if indicator.active != active:
        indicator.active = active
        action = "sakip.indicator_reactivated" if active else "sakip.indicator_deactivated"
        record(action, officer.id, detail=f"indicator {indicator.id}")
        db_session().commit()
    if active:
        flash(_("The indicator is active again."), "success")
    else:
        flash(
            _(
                "The indicator is deactivated: it no longer shows in the tree. Its figures are kept."
            ),
            "success",
        )
    return tree_page(node.agency_id)


@blueprint.post("/indicators/<int:indicator_id>/deactivate")
@requires(*SAKIP_ROLES)
def indicator_deactivate(officer: Officer, indicator_id: int) -> BaseResponse:
    return _set_indicator_active(officer, indicator_id, False)


@blueprint.post("/indicators/<int:indicator_id>/reactivate")
@requires(*SAKIP_ROLES)
def indicator_reactivate(officer: Officer, indicator_id: int) -> BaseResponse:
    return _set_indicator_active(officer, indicator_id, True)


# Targets ------------------------------------------------------------------------------


def _target_entries(rows: list[TypedRow], polarity: str) -> list[TargetEntry]:
    """The typed targets; each bad row gets its messages."""
    entries = []
    for row in rows:
        target, message = read_number(row.texts["target"], QUANTITY_DIGITS)
        if message:
            row.add_error("target", message)
        high = None
        if polarity == "range":
            high, message = read_number(row.texts["target_high"], QUANTITY_DIGITS)
            if message:
                row.add_error("target_high", message)
        entry = TargetEntry(row.key, target, high)
        if not row.errors:
            for problem in editing.target_problems(polarity, entry):
                row.add_error(problem.field, PROBLEM_MESSAGES[problem.reason])
        entries.append(entry)
    return entries


@blueprint.route("/indicators/<int:indicator_id>/targets", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def indicator_targets(officer: Officer, indicator_id: int) -> BaseResponse | tuple[str, int]:
    """The year's target and, optionally, each quarter's and month's."""
    indicator, node = _indicator(officer, indicator_id)
    year = chosen_year(settings().today())
    session = db_session()
    is_range = indicator.polarity == "range"
    form = RowsForm()
    stored = editing.indicator_values(session, [indicator.id], year)
    rows = []
    for period in PERIODS:
        value = stored.get((indicator.id, period))
        texts = {
            "target": format_number_input(value.target if value else None),
            "target_high": format_number_input(value.target_high if value else None),
        }
        rows.append(typed_row(period, texts))
    has_errors = False
    if request.method == "POST":
        if csrf_refused(form):
            has_errors = True
        else:
            entries = _target_entries(rows, indicator.polarity)
            if not any(row.errors for row in rows):
                changed = editing.save_targets(
                    session, indicator, year, entries, officer.id, now_utc()
                )
                if changed:
                    record(
                        "sakip.targets_saved",
                        officer.id,
                        detail=f"indicator {indicator.id} year {year} periods {','.join(changed)}",
                    )
                session.commit()
                flash(
                    _(
                        "Targets %(year)d saved. Periods changed: %(num)d.",
                        year=year,
                        num=len(changed),
                    ),
                    "success",
                )
                return tree_page(node.agency_id, year=year)
            has_errors = True
    agency = agency_or_404(node.agency_id)
    return form_page(
        "sakip/tree_targets.html",
        has_errors,
        form=form,
        indicator=indicator,
        node=node,
        agency=agency,
        tree_name=tree_name(agency),
        year=year,
        rows=rows,
        is_range=is_range,
        has_errors=has_errors,
    )
