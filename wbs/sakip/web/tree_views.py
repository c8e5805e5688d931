"""Editing performance trees, indicators, targets and realisations, and the agency
head's details (issue 5).

- SAKIP officers maintain the trees (an agency's, or the Pemda's), their indicators
  and targets, and the agency head's name, title and NIP.
- Realisations are entered by SAKIP officers and by the agency's own staff
  (access.check_enters); the agency head reads only.

Every page checks the agency first (another agency's pages answer 404, as if they did
not exist), then the right to change (403). Numbers are typed the Indonesian way
("6,5", "1.234,5"; wbs/sakip/numbers_input.py). A form with any bad row saves
nothing, keeps everything typed and says what is wrong on each bad row. Each save
writes one audit entry (ids, codes and years only) and shows the result on the
agency's tree page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from wbs.app_context import db_session, settings
from wbs.installation import now_utc
from wbs.models import Agency, Indicator, PerformanceNode
from wbs.models.sakip import LEVELS, PERIODS, POLARITIES
from wbs.sakip.data import editing
from wbs.sakip.data.editing import (
    IndicatorFields,
    NodeFields,
    Problem,
    RealisationEntry,
    TargetEntry,
)
from wbs.sakip.data.trees import agency_tree
from wbs.sakip.numbers_input import NumberError, format_number_input, parse_number
from wbs.sakip.web import blueprint
from wbs.sakip.web.access import SAKIP_ROLES, agency_or_404, check_enters, check_reads, may_maintain
from wbs.sakip.web.agency_views import chosen_period, chosen_year
from wbs.sakip.web.labels import LEVEL_LABELS, POLARITY_LABELS
from wbs.staff_auth import Officer, record, requires

# What the columns keep (wbs/models/sakip.py): QUANTITY is NUMERIC(20, 4), WEIGHT
# NUMERIC(9, 4). A longer number is refused rather than silently rounded.
QUANTITY_DIGITS = (16, 4)
WEIGHT_DIGITS = (5, 4)
NOTE_MAX_CHARS = 500
# Codes such as "S.1" or "1.02.02.2.01.0001" (DOMAIN.md, "Indicator achievement").
NODE_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
# A NIP (Nomor Induk Pegawai) has 18 digits: birth date, appointment month, sex, serial.
# It is often written in groups ("19750312 200003 1 002"); the digits are stored.
NIP_DIGITS = 18

PROBLEM_MESSAGES = {
    "unknown_level": _l("Choose a level."),
    "unknown_polarity": _l("Choose how the indicator is read."),
    "negative_weight": _l("The weight cannot be negative."),
    "code_taken": _l(
        "Another node of this tree already has this code (perhaps a deactivated one)."
    ),
    "parent_not_in_tree": _l("Choose a parent node of this tree."),
    "parent_cycle": _l("A node cannot be placed under itself or under a node below it."),
    "parent_inactive": _l("The parent node is deactivated: reactivate it first."),
    "level_not_below_parent": _l(
        "The level must come after the parent's level (goal, objective, programme, "
        "activity, sub-activity)."
    ),
    "level_not_above_children": _l(
        "The level must come before the levels of the nodes below this one."
    ),
    "active_children": _l(
        "This node still has active nodes below it: deactivate them or move them first."
    ),
    "year_target_required": _l("Enter the target for the whole year."),
    "range_low_missing": _l("A range needs both bounds: enter the lower bound."),
    "range_high_missing": _l("A range needs both bounds: enter the upper bound."),
    "range_reversed": _l("The upper bound must not be below the lower bound."),
}


def number_message(error: NumberError, places: int) -> str:
    """What is wrong with a typed number, in the reader's language."""
    if error.reason == "places":
        return _("Use at most %(places)d decimal places.", places=places)
    if error.reason == "size":
        return _("This number is too large.")
    return _(
        "Not a number. Write for example 6,5 or 1.234,5: a comma before the decimals, "
        "dots between thousands."
    )


def read_number(text: str, digits: tuple[int, int]) -> tuple[Decimal | None, str | None]:
    """A typed number: (value, None), (None, None) when blank, (None, message) when bad."""
    if not text.strip():
        return None, None
    integer_digits, places = digits
    try:
        return parse_number(text, places=places, integer_digits=integer_digits), None
    except NumberError as error:
        return None, number_message(error, places)


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class NumberInputField(StringField):
    """A number typed the Indonesian way; ``number`` holds the value after validation."""

    def __init__(
        self,
        label: object = None,
        validators: Iterable[Any] | None = None,
        *,
        digits: tuple[int, int] = QUANTITY_DIGITS,
        minimum: Decimal | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, filters=[_strip], **kwargs)
        self.digits = digits
        self.minimum = minimum
        self.number: Decimal | None = None

    def pre_validate(self, form: object) -> None:
        self.number, message = read_number(self.data or "", self.digits)
        if message:
            raise ValidationError(message)
        if self.minimum is not None and self.number is not None and self.number < self.minimum:
            raise ValidationError(
                _("The number cannot be below %(minimum)s.", minimum=self.minimum)
            )


def _whole_number_field(label: object) -> IntegerField:
    return IntegerField(
        label,
        [Optional(), NumberRange(0, 9999, _l("Enter a whole number from 0 to 9999."))],
        default=0,
        invalid_value_message=_l("Enter a whole number from 0 to 9999."),
    )


class NodeForm(FlaskForm):
    level = SelectField(_l("Level"))
    code = StringField(
        _l("Code"),
        [
            InputRequired(_l("Enter a code.")),
            Length(max=40, message=_l("A code has at most 40 characters.")),
            Regexp(
                NODE_CODE_PATTERN,
                message=_l("Use letters, digits, dots, hyphens or underscores, without spaces."),
            ),
        ],
        filters=[_strip],
    )
    name = StringField(
        _l("Name"), [InputRequired(_l("Enter the name.")), Length(max=500)], filters=[_strip]
    )
    # Any id is accepted here: editing.node_problems says why a parent is refused.
    parent_id = SelectField(_l("Parent node"), coerce=int, validate_choice=False)
    weight = NumberInputField(
        _l("Weight in the parent's roll-up"),
        [InputRequired(_l("Enter a weight (1 when all are equal)."))],
        digits=WEIGHT_DIGITS,
        minimum=Decimal(0),
        default="1",
    )
    sort_order = _whole_number_field(_l("Position among its siblings"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.level.choices = [(level, LEVEL_LABELS[level]) for level in LEVELS]

    def fields_value(self) -> NodeFields:
        return NodeFields(
            level=self.level.data or "",
            code=self.code.data or "",
            name=self.name.data or "",
            parent_id=self.parent_id.data or None,
            weight=self.weight.number if self.weight.number is not None else Decimal(1),
            sort_order=self.sort_order.data or 0,
        )


class IndicatorForm(FlaskForm):
    name = StringField(
        _l("Indicator"), [InputRequired(_l("Enter the name.")), Length(max=500)], filters=[_strip]
    )
    unit = StringField(
        _l("Unit"),
        [
            InputRequired(_l("Enter the unit, for example %, persons or days.")),
            Length(max=60, message=_l("A unit has at most 60 characters.")),
        ],
        filters=[_strip],
    )
    polarity = SelectField(_l("How it is read"))
    weight = NumberInputField(
        _l("Weight in the node's roll-up"),
        [InputRequired(_l("Enter a weight (1 when all are equal)."))],
        digits=WEIGHT_DIGITS,
        minimum=Decimal(0),
        default="1",
    )
    sort_order = _whole_number_field(_l("Position among the node's indicators"))

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


class HeadForm(FlaskForm):
    head_name = StringField(_l("Name of the head"), [Length(max=200)], filters=[_strip])
    head_title = StringField(
        _l("Title (for example Kepala Dinas)"), [Length(max=200)], filters=[_strip]
    )
    head_nip = StringField(_l("NIP"), [Length(max=30)], filters=[_strip])

    def validate_head_nip(self, nip_field: StringField) -> None:
        digits = re.sub(r"\s", "", nip_field.data or "")
        if digits and not (digits.isdigit() and len(digits) == NIP_DIGITS):
            raise ValidationError(
                _("A NIP has %(count)d digits (spaces between groups are fine).", count=NIP_DIGITS)
            )


class RowsForm(FlaskForm):
    """The CSRF token of the row forms; their inputs are read row by row."""


def _apply_problems(form: FlaskForm, problems: Iterable[Problem]) -> bool:
    """Put each problem's message on its field; True when there was none."""
    found = False
    for problem in problems:
        form[problem.field].errors.append(PROBLEM_MESSAGES[problem.reason])
        found = True
    return not found


def _csrf_refused(form: FlaskForm) -> bool:
    """True when a POST lacks a valid CSRF token (then nothing is read or saved)."""
    return not form.validate_on_submit()


# Where things are and who may change them -------------------------------------------


def _check_maintains(officer: Officer, agency_id: int | None) -> None:
    """404 for another agency's account, 403 for those who only read or enter."""
    check_reads(officer, agency_id)
    if not may_maintain(officer):
        abort(403)


def _node(officer: Officer, node_id: int) -> PerformanceNode:
    node = db_session().get(PerformanceNode, node_id)
    if node is None:
        abort(404)
    _check_maintains(officer, node.agency_id)
    return node


def _indicator(officer: Officer, indicator_id: int) -> tuple[Indicator, PerformanceNode]:
    indicator = db_session().get(Indicator, indicator_id)
    if indicator is None:
        abort(404)
    node = db_session().get(PerformanceNode, indicator.node_id)
    assert node is not None  # a foreign key
    _check_maintains(officer, node.agency_id)
    return indicator, node


def _tree_url(agency_id: int | None, **args: object) -> str:
    """The agency's tree page (sakip.agency, or sakip.pemda), where each save shows."""
    if agency_id is None:
        return url_for("sakip.pemda", **args)
    return url_for("sakip.agency", agency_id=agency_id, **args)


def _tree_page(agency_id: int | None, **args: object) -> BaseResponse:
    return redirect(_tree_url(agency_id, **args))


def _tree_name(agency: Agency | None) -> str:
    return agency.name if agency is not None else _("Pemda (whole local government)")


def _tree_key(agency_id: int | None) -> str:
    return "pemda" if agency_id is None else str(agency_id)


def _both_trees(rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The same page for an agency's tree (/agencies/<id>/...) and the Pemda's (/pemda/...)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        blueprint.route(f"/agencies/<int:agency_id>{rule}", **options)(view)
        blueprint.route(f"/pemda{rule}", defaults={"agency_id": None}, **options)(view)
        return view

    return decorator


# The tree: nodes and indicators -------------------------------------------------------


@_both_trees("/tree")
@requires(*SAKIP_ROLES)
def tree_edit(officer: Officer, agency_id: int | None) -> str:
    """The tree's nodes and indicators with their edit links, and what is deactivated."""
    _check_maintains(officer, agency_id)
    agency = agency_or_404(agency_id)
    session = db_session()
    lines = editing.tree_structure(session, agency_id)
    nodes = editing.tree_nodes(session, agency_id)
    inactive_nodes = [node for node in nodes if not node.active]
    inactive_indicators = editing.inactive_indicators(session, agency_id)
    return render_template(
        "sakip/tree_edit.html",
        agency=agency,
        agency_id=agency_id,
        tree_name=_tree_name(agency),
        tree_url=_tree_url(agency_id),
        lines=lines,
        inactive_nodes=inactive_nodes,
        inactive_indicators=inactive_indicators,
        node_names={node.id: node for node in nodes},
    )


def _parent_choices(agency_id: int | None, node: PerformanceNode | None) -> list[tuple[int, str]]:
    top = [(0, _("— none: the top of the tree —"))]
    return top + [
        (parent.id, "\u2003" * depth + f"{parent.code} {parent.name}")
        for parent, depth in editing.parent_choices(db_session(), agency_id, node)
    ]


def _render_node_form(
    form: NodeForm, agency: Agency | None, agency_id: int | None, node: PerformanceNode | None
) -> tuple[str, int]:
    page = render_template(
        "sakip/tree_node.html",
        form=form,
        agency=agency,
        agency_id=agency_id,
        tree_name=_tree_name(agency),
        node=node,
    )
    return page, 400 if form.errors else 200


def _below(agency_id: int | None, parent_arg: str) -> dict[str, object]:
    """A new node's form below ``?parent=``: that parent, and the level after its own."""
    parent = db_session().get(PerformanceNode, int(parent_arg)) if parent_arg.isdigit() else None
    if parent is None or parent.agency_id != agency_id or parent.level not in LEVELS:
        return {"parent_id": 0}
    after = min(LEVELS.index(parent.level) + 1, len(LEVELS) - 1)
    return {"parent_id": parent.id, "level": LEVELS[after]}


@_both_trees("/nodes/new", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def node_new(officer: Officer, agency_id: int | None) -> BaseResponse | tuple[str, int]:
    _check_maintains(officer, agency_id)
    agency = agency_or_404(agency_id)
    if request.method == "POST":
        form = NodeForm()
    else:
        form = NodeForm(data=_below(agency_id, request.args.get("parent", "")))
    form.parent_id.choices = _parent_choices(agency_id, None)
    if form.validate_on_submit():
        session = db_session()
        fields = form.fields_value()
        if _apply_problems(form, editing.node_problems(session, agency_id, None, fields)):
            node = editing.create_node(session, agency_id, fields)
            record(
                "sakip.node_created",
                officer.id,
                detail=f"node {node.id} tree {_tree_key(agency_id)}",
            )
            session.commit()
            flash(_("The node %(code)s has been added.", code=node.code), "success")
            return _tree_page(agency_id)
    return _render_node_form(form, agency, agency_id, None)


@blueprint.route("/nodes/<int:node_id>", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def node_edit(officer: Officer, node_id: int) -> BaseResponse | tuple[str, int]:
    node = _node(officer, node_id)
    agency = agency_or_404(node.agency_id)
    if request.method == "POST":
        form = NodeForm()
    else:
        form = NodeForm(
            data={
                "level": node.level,
                "code": node.code,
                "name": node.name,
                "parent_id": node.parent_id or 0,
                "weight": format_number_input(node.weight),
                "sort_order": node.sort_order,
            }
        )
    form.parent_id.choices = _parent_choices(node.agency_id, node)
    if form.validate_on_submit():
        session = db_session()
        fields = form.fields_value()
        if _apply_problems(form, editing.node_problems(session, node.agency_id, node, fields)):
            changed = editing.update_node(node, fields)
            if changed:
                record(
                    "sakip.node_updated", officer.id, detail=f"node {node.id} {','.join(changed)}"
                )
            session.commit()
            flash(_("The node %(code)s has been saved.", code=node.code), "success")
            return _tree_page(node.agency_id)
    return _render_node_form(form, agency, node.agency_id, node)


@blueprint.post("/nodes/<int:node_id>/deactivate")
@requires(*SAKIP_ROLES)
def node_deactivate(officer: Officer, node_id: int) -> BaseResponse:
    node = _node(officer, node_id)
    if _csrf_refused(RowsForm()):
        abort(400)
    session = db_session()
    problem = editing.deactivation_problem(session, node)
    if problem is not None:
        flash(PROBLEM_MESSAGES[problem.reason], "error")
        return redirect(url_for("sakip.tree_edit", agency_id=node.agency_id))
    if node.active:
        node.active = False
        record("sakip.node_deactivated", officer.id, detail=f"node {node.id}")
        session.commit()
    flash(
        _(
            "The node %(code)s is deactivated: it no longer shows in the tree. Its "
            "figures are kept.",
            code=node.code,
        ),
        "success",
    )
    return _tree_page(node.agency_id)


@blueprint.post("/nodes/<int:node_id>/reactivate")
@requires(*SAKIP_ROLES)
def node_reactivate(officer: Officer, node_id: int) -> BaseResponse:
    node = _node(officer, node_id)
    if _csrf_refused(RowsForm()):
        abort(400)
    session = db_session()
    problem = editing.reactivation_problem(session, node)
    if problem is not None:
        flash(PROBLEM_MESSAGES[problem.reason], "error")
        return redirect(url_for("sakip.tree_edit", agency_id=node.agency_id))
    if not node.active:
        node.active = True
        record("sakip.node_reactivated", officer.id, detail=f"node {node.id}")
        session.commit()
    flash(_("The node %(code)s is active again.", code=node.code), "success")
    return _tree_page(node.agency_id)


def _render_indicator_form(
    form: IndicatorForm, node: PerformanceNode, indicator: Indicator | None
) -> tuple[str, int]:
    agency = agency_or_404(node.agency_id)
    page = render_template(
        "sakip/tree_indicator.html",
        form=form,
        node=node,
        indicator=indicator,
        agency=agency,
        tree_name=_tree_name(agency),
    )
    return page, 400 if form.errors else 200


@blueprint.route("/nodes/<int:node_id>/indicators/new", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def indicator_new(officer: Officer, node_id: int) -> BaseResponse | tuple[str, int]:
    node = _node(officer, node_id)
    form = IndicatorForm()
    if form.validate_on_submit():
        fields = form.fields_value()
        if _apply_problems(form, editing.indicator_problems(fields)):
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
            return _tree_page(node.agency_id)
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
        if _apply_problems(form, editing.indicator_problems(fields)):
            changed = editing.update_indicator(db_session(), indicator, fields)
            if changed:
                record(
                    "sakip.indicator_updated",
                    officer.id,
                    detail=f"indicator {indicator.id} {','.join(changed)}",
                )
            db_session().commit()
            flash(_("The indicator has been saved."), "success")
            return _tree_page(node.agency_id)
    return _render_indicator_form(form, node, indicator)


def _set_indicator_active(officer: Officer, indicator_id: int, active: bool) -> BaseResponse:
    indicator, node = _indicator(officer, indicator_id)
    if _csrf_refused(RowsForm()):
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
    return _tree_page(node.agency_id)


@blueprint.post("/indicators/<int:indicator_id>/deactivate")
@requires(*SAKIP_ROLES)
def indicator_deactivate(officer: Officer, indicator_id: int) -> BaseResponse:
    return _set_indicator_active(officer, indicator_id, False)


@blueprint.post("/indicators/<int:indicator_id>/reactivate")
@requires(*SAKIP_ROLES)
def indicator_reactivate(officer: Officer, indicator_id: int) -> BaseResponse:
    return _set_indicator_active(officer, indicator_id, True)


# Targets ------------------------------------------------------------------------------


@dataclass
class TypedRow:
    """One row of a row form as typed, with its messages by input name."""

    key: str
    texts: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add_error(self, name: str, message: object) -> None:
        self.errors.setdefault(name, []).append(str(message))


def _typed_row(key: str, stored: dict[str, str]) -> TypedRow:
    """A row as stored (GET) or as typed (POST, inputs named "<name>-<key>"); an input
    the form did not send keeps what is stored."""
    texts = stored
    if request.method == "POST":
        texts = {
            name: request.form.get(f"{name}-{key}", kept).strip() for name, kept in stored.items()
        }
    return TypedRow(key, texts)


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
        rows.append(_typed_row(period, texts))
    status = 200
    if request.method == "POST":
        if _csrf_refused(form):
            status = 400
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
                return _tree_page(node.agency_id, year=year)
            status = 400
    agency = agency_or_404(node.agency_id)
    page = render_template(
        "sakip/tree_targets.html",
        form=form,
        indicator=indicator,
        node=node,
        agency=agency,
        tree_name=_tree_name(agency),
        year=year,
        rows=rows,
        is_range=is_range,
        has_errors=status == 400,
    )
    return page, status


# Realisations -------------------------------------------------------------------------


def _realisation_entries(rows: dict[int, TypedRow]) -> dict[int, RealisationEntry]:
    """The typed realisations by indicator id; each bad row gets its messages."""
    entries = {}
    for indicator_id, row in rows.items():
        value, message = read_number(row.texts["realisation"], QUANTITY_DIGITS)
        if message:
            row.add_error("realisation", message)
        if len(row.texts["note"]) > NOTE_MAX_CHARS:
            row.add_error(
                "note", _("A note has at most %(count)d characters.", count=NOTE_MAX_CHARS)
            )
        entries[indicator_id] = RealisationEntry(value, row.texts["note"])
    return entries


@_both_trees("/realisations", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def realisations(officer: Officer, agency_id: int | None) -> BaseResponse | tuple[str, int]:
    """Every indicator of the tree with its target and the realisation for one year and
    period. Blank is "not yet known" and stays NULL, never 0 (DOMAIN.md, "Indicator
    achievement": a missing realisation is missing, never zero)."""
    check_enters(officer, agency_id)
    agency = agency_or_404(agency_id)
    config = settings()
    year, period = chosen_year(config.today()), chosen_period()
    session = db_session()
    lines = agency_tree(session, agency_id, year, period, config.sakip_capaian_cap)
    form = RowsForm()
    rows: dict[int, TypedRow] = {}
    for line in lines:
        for item in line.indicators:
            value = item.value
            texts = {
                "realisation": format_number_input(value.realisation if value else None),
                "note": value.note if value else "",
            }
            rows[item.indicator.id] = _typed_row(str(item.indicator.id), texts)
    status = 200
    if request.method == "POST":
        if _csrf_refused(form):
            status = 400
        else:
            entries = _realisation_entries(rows)
            if not any(row.errors for row in rows.values()):
                changed = editing.save_realisations(
                    session, agency_id, year, period, entries, officer.id, now_utc()
                )
                record(
                    "sakip.realisations_saved",
                    officer.id,
                    detail=f"tree {_tree_key(agency_id)} year {year} period {period} "
                    f"rows {changed}",
                )
                session.commit()
                flash(
                    _("Realisations saved. Indicators changed: %(num)d.", num=changed),
                    "success",
                )
                return _tree_page(agency_id, year=year, period=period)
            status = 400
    page = render_template(
        "sakip/tree_realisations.html",
        form=form,
        agency=agency,
        agency_id=agency_id,
        tree_name=_tree_name(agency),
        tree_url=_tree_url(agency_id, year=year, period=period),
        lines=lines,
        rows=rows,
        year=year,
        period=period,
        periods=PERIODS,
        bad_rows=sum(1 for row in rows.values() if row.errors),
        has_errors=status == 400,
        note_max=NOTE_MAX_CHARS,
    )
    return page, status


# The agency head ----------------------------------------------------------------------


@blueprint.route("/agencies/<int:agency_id>/head", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def agency_head(officer: Officer, agency_id: int) -> BaseResponse | tuple[str, int]:
    """The head of the agency (kepala OPD) as the SAKIP pages print him."""
    _check_maintains(officer, agency_id)
    agency = agency_or_404(agency_id)
    assert agency is not None
    if request.method == "POST":
        form = HeadForm()
    else:
        form = HeadForm(
            data={
                "head_name": agency.head_name or "",
                "head_title": agency.head_title or "",
                "head_nip": agency.head_nip or "",
            }
        )
    if form.validate_on_submit():
        nip = re.sub(r"\s", "", form.head_nip.data or "")
        changed = editing.update_agency_head(
            agency, form.head_name.data or None, form.head_title.data or None, nip or None
        )
        if changed:
            record(
                "sakip.agency_head_saved",
                officer.id,
                detail=f"agency {agency.id} {','.join(changed)}",
            )
        db_session().commit()
        flash(_("The head of the agency has been saved."), "success")
        return _tree_page(agency.id)
    page = render_template("sakip/tree_head.html", form=form, agency=agency)
    return page, 400 if form.errors else 200
