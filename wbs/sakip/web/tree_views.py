"""Editing performance trees, their nodes and the agency head's details (issue 5);
what the tree-editing pages share about where a tree's pages are and who may change
them. Indicators and targets: indicator_views.py; realisations: realisation_views.py;
the form inputs all of them read: tree_forms.py.

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
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Regexp, ValidationError

from wbs import MAX_ID
from wbs.app_context import db_session
from wbs.models import Agency, PerformanceNode
from wbs.models.sakip import LEVELS
from wbs.sakip.data import editing
from wbs.sakip.data.editing import NodeFields
from wbs.sakip.numbers_input import format_number_input
from wbs.sakip.web import blueprint
from wbs.sakip.web.access import SAKIP_ROLES, agency_or_404, check_reads, may_maintain
from wbs.sakip.web.form_pages import form_page
from wbs.sakip.web.labels import LEVEL_LABELS
from wbs.sakip.web.tree_forms import (
    PROBLEM_MESSAGES,
    RowsForm,
    apply_problems,
    csrf_refused,
    stripped,
    weight_field,
    whole_number_field,
)
from wbs.staff_auth import Officer, record, requires

# Codes such as "S.1" or "1.02.02.2.01.0001" (DOMAIN.md, "Indicator achievement").
NODE_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
# A NIP (Nomor Induk Pegawai) has 18 digits: birth date, appointment month, sex, serial.
# It is often written in groups ("19750312 200003 1 002"); the digits are stored.
NIP_DIGITS = 18


# Where things are and who may change them ---------------------------------------------


def check_maintains(officer: Officer, agency_id: int | None) -> None:
    """404 for another agency's account, 403 for those who only read or enter."""
    check_reads(officer, agency_id)
    if not may_maintain(officer):
        abort(403)


def node_to_maintain(officer: Officer, node_id: int) -> PerformanceNode:
    """The node, 404 when there is none, then as check_maintains."""
    node = db_session().get(PerformanceNode, node_id)
    if node is None:
        abort(404)
    check_maintains(officer, node.agency_id)
    return node


def tree_url(agency_id: int | None, **args: Any) -> str:
    """The agency's tree page (sakip.agency, or sakip.pemda), where each save shows."""
    if agency_id is None:
        return url_for("sakip.pemda", **args)
    return url_for("sakip.agency", agency_id=agency_id, **args)


def tree_page(agency_id: int | None, **args: Any) -> BaseResponse:
    return redirect(tree_url(agency_id, **args))


def tree_name(agency: Agency | None) -> str:
    return agency.name if agency is not None else _("Pemda (whole local government)")


def tree_key(agency_id: int | None) -> str:
    return "pemda" if agency_id is None else str(agency_id)


def both_trees(rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The same page for an agency's tree (/agencies/<id>/...) and the Pemda's (/pemda/...)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        blueprint.route(f"/agencies/<int:agency_id>{rule}", **options)(view)
        blueprint.route(f"/pemda{rule}", defaults={"agency_id": None}, **options)(view)
        return view

    return decorator


# The forms ----------------------------------------------------------------------------


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
        filters=[stripped],
    )
    name = StringField(
        _l("Name"), [InputRequired(_l("Enter the name.")), Length(max=500)], filters=[stripped]
    )
    # Any id is accepted here: editing.node_problems says why a parent is refused.
    parent_id = SelectField(_l("Parent node"), coerce=int, validate_choice=False)
    weight = weight_field(_l("Weight in the parent's roll-up"))
    sort_order = whole_number_field(_l("Position among its siblings"))

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


class HeadForm(FlaskForm):
    head_name = StringField(_l("Name of the head"), [Length(max=200)], filters=[stripped])
    head_title = StringField(
        _l("Title (for example Kepala Dinas)"), [Length(max=200)], filters=[stripped]
    )
    head_nip = StringField(_l("NIP"), [Length(max=30)], filters=[stripped])

    def validate_head_nip(self, nip_field: StringField) -> None:
        digits = re.sub(r"\s", "", nip_field.data or "")
        if digits and not (digits.isdigit() and len(digits) == NIP_DIGITS):
            raise ValidationError(
                _("A NIP has %(count)d digits (spaces between groups are fine).", count=NIP_DIGITS)
            )


# The tree and its nodes ---------------------------------------------------------------


@both_trees("/tree")
@requires(*SAKIP_ROLES)
def tree_edit(officer: Officer, agency_id: int | None) -> str:
    """The tree's nodes and indicators with their edit links, and what is deactivated."""
    check_maintains(officer, agency_id)
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
        tree_name=tree_name(agency),
        tree_url=tree_url(agency_id),
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
    return form_page(
        "sakip/tree_node.html",
        bool(form.errors),
        form=form,
        agency=agency,
        agency_id=agency_id,
        tree_name=tree_name(agency),
        node=node,
    )


def _below(agency_id: int | None, parent_arg: str) -> dict[str, object]:
    """A new node's form below ``?parent=``: that parent, and the level after its own."""
    # Decimal digits and within the id column's range, or no parent (never a 500).
    known = parent_arg.isdecimal() and int(parent_arg) <= MAX_ID
    parent = db_session().get(PerformanceNode, int(parent_arg)) if known else None
    if parent is None or parent.agency_id != agency_id or parent.level not in LEVELS:
        return {"parent_id": 0}
    after = min(LEVELS.index(parent.level) + 1, len(LEVELS) - 1)
    return {"parent_id": parent.id, "level": LEVELS[after]}


@both_trees("/nodes/new", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def node_new(officer: Officer, agency_id: int | None) -> BaseResponse | tuple[str, int]:
    check_maintains(officer, agency_id)
    agency = agency_or_404(agency_id)
    if request.method == "POST":
        form = NodeForm()
    else:
        form = NodeForm(data=_below(agency_id, request.args.get("parent", "")))
    form.parent_id.choices = _parent_choices(agency_id, None)
    if form.validate_on_submit():
        session = db_session()
        fields = form.fields_value()
        if apply_problems(form, editing.node_problems(session, agency_id, None, fields)):
            node = editing.create_node(session, agency_id, fields)
            record(
                "sakip.node_created",
                officer.id,
                detail=f"node {node.id} tree {tree_key(agency_id)}",
            )
            session.commit()
            flash(_("The node %(code)s has been added.", code=node.code), "success")
            return tree_page(agency_id)
    return _render_node_form(form, agency, agency_id, None)


@blueprint.route("/nodes/<int:node_id>", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def node_edit(officer: Officer, node_id: int) -> BaseResponse | tuple[str, int]:
    node = node_to_maintain(officer, node_id)
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
        if apply_problems(form, editing.node_problems(session, node.agency_id, node, fields)):
            changed = editing.update_node(node, fields)
            if changed:
                record(
                    "sakip.node_updated", officer.id, detail=f"node {node.id} {','.join(changed)}"
                )
            session.commit()
            flash(_("The node %(code)s has been saved.", code=node.code), "success")
            return tree_page(node.agency_id)
    return _render_node_form(form, agency, node.agency_id, node)


def _set_node_active(officer: Officer, node_id: int, active: bool) -> BaseResponse:
    node = node_to_maintain(officer, node_id)
    if csrf_refused(RowsForm()):
        abort(400)
    session = db_session()
    if active:
        problem = editing.reactivation_problem(session, node)
    else:
        problem = editing.deactivation_problem(session, node)
    if problem is not None:
        flash(PROBLEM_MESSAGES[problem.reason], "error")
        return redirect(url_for("sakip.tree_edit", agency_id=node.agency_id))
    if node.active != active:
        node.active = active
        action = "sakip.node_reactivated" if active else "sakip.node_deactivated"
        record(action, officer.id, detail=f"node {node.id}")
        session.commit()
    if active:
        flash(_("The node %(code)s is active again.", code=node.code), "success")
    else:
        flash(
            _(
                "The node %(code)s is deactivated: it no longer shows in the tree. Its "
                "figures are kept.",
                code=node.code,
            ),
            "success",
        )
    return tree_page(node.agency_id)


@blueprint.post("/nodes/<int:node_id>/deactivate")
@requires(*SAKIP_ROLES)
def node_deactivate(officer: Officer, node_id: int) -> BaseResponse:
    return _set_node_active(officer, node_id, False)


@blueprint.post("/nodes/<int:node_id>/reactivate")
@requires(*SAKIP_ROLES)
def node_reactivate(officer: Officer, node_id: int) -> BaseResponse:
    return _set_node_active(officer, node_id, True)


# The agency head ----------------------------------------------------------------------


@blueprint.route("/agencies/<int:agency_id>/head", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def agency_head(officer: Officer, agency_id: int) -> BaseResponse | tuple[str, int]:
    """The head of the agency (kepala OPD) as the SAKIP pages print him."""
    check_maintains(officer, agency_id)
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
        return tree_page(agency.id)
    return form_page("sakip/tree_head.html", bool(form.errors), form=form, agency=agency)
