"""The ASN's monthly plan page (issue 7): his plan lines of a month (target, unit,
planned quantity), against which his month page reads his output. The rules and writes
are in wbs/kinerja/plans.py; these views parse the request, phrase the problems
(entry_forms.py) and render."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from wbs.app_context import db_session
from wbs.kinerja import entries, plans
from wbs.kinerja.refusals import FieldsRefused
from wbs.kinerja.web import blueprint
from wbs.kinerja.web.asn_pages import (
    chosen_month,
    clock,
    month_text,
    own_profile_or_404,
    shift_month,
)
from wbs.kinerja.web.entry_forms import DeleteForm, PlanForm, choices, problem_message
from wbs.kinerja.web.field_problems import mark_fields
from wbs.models import ActivityPlan
from wbs.sakip.numbers_input import format_number_input
from wbs.sakip.web.form_pages import form_page
from wbs.sakip.web.tree_forms import csrf_refused
from wbs.staff_auth import Officer, record, requires


@blueprint.route("/plan", methods=["GET", "POST"])
@requires("asn")
def plan(officer: Officer) -> BaseResponse | tuple[str, int]:
    """The ASN's plan lines of a month (target, unit, planned quantity); ?edit=<line id>
    puts one line in the form. A POST with line_id changes that line."""
    profile = own_profile_or_404(officer)
    session = db_session()
    now, today = clock()
    month = chosen_month(today)
    options = entries.target_options(session, profile)
    is_open = plans.plan_month_open(month, today)
    line: ActivityPlan | None = None
    line_text = (
        request.form.get("line_id", "")
        if request.method == "POST"
        else request.args.get("edit", "")
    )
    if line_text:
        if not line_text.isdigit():
            abort(404)
        line = plans.own_plan_line(session, profile.staff_id, int(line_text))
        if line is None or (line.year, line.month) != month:
            abort(404)
    if request.method == "GET" and line is not None:
        form = PlanForm(
            formdata=None,
            data={
                "target_key": line.target_key,
                "unit": line.unit,
                "planned": format_number_input(line.planned),
            },
        )
    else:
        form = PlanForm()
    form.target_key.choices = choices(options, line.target_key if line else "")
    has_errors = False
    if request.method == "POST":
        if not is_open:
            abort(403)
        if csrf_refused(form):
            has_errors = True
        else:
            try:
                saved = plans.save_plan_line(
                    session,
                    profile.staff_id,
                    month,
                    form.target_key.data or "",
                    form.unit.data or "",
                    form.planned.data or "",
                    [o.key for o in options],
                    now,
                    line,
                )
            except FieldsRefused as refused:
                mark_fields(form, refused.problems, problem_message)
                has_errors = True
            else:
                record(
                    "kinerja.plan_saved",
                    officer.id,
                    detail=f"plan line {saved.id} month {month_text(month)}",
                )
                session.commit()
                flash(_("The plan line was saved."), "success")
                return redirect(url_for("kinerja.plan", month=month_text(month)))
    lines = plans.plan_lines(session, profile.staff_id, month)
    return form_page(
        "kinerja/plan.html",
        has_errors,
        form=form,
        lines=lines,
        line=line,
        labels=entries.target_labels(session, [item.target_key for item in lines]),
        month=month,
        month_start=date(month[0], month[1], 1),
        month_text=month_text(month),
        previous_month=month_text(shift_month(month, -1)),
        next_month=month_text(shift_month(month, 1)),
        is_open=is_open,
    )


@blueprint.post("/plan/<int:line_id>/delete")
@requires("asn")
def plan_delete(officer: Officer, line_id: int) -> BaseResponse:
    profile = own_profile_or_404(officer)
    session = db_session()
    line = plans.own_plan_line(session, profile.staff_id, line_id)
    if line is None:
        abort(404)
    month = (line.year, line.month)
    _now, today = clock()
    if not plans.plan_month_open(month, today):
        abort(403)
    if csrf_refused(DeleteForm()):
        abort(400)
    plans.delete_plan_line(session, line)
    record(
        "kinerja.plan_deleted", officer.id, detail=f"plan line {line_id} month {month_text(month)}"
    )
    session.commit()
    flash(_("The plan line was removed."), "success")
    return redirect(url_for("kinerja.plan", month=month_text(month)))
