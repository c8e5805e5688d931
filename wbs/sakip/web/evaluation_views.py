"""The yearly SAKIP evaluation: sub-component scores, LHE findings and their follow-up,
the Pemda's own result, and the risk register.

The Inspektorat's SAKIP officers (role sakip) evaluate each agency (PermenPANRB
88/2021, or the legacy 12/2015 LKE) and record the Pemda's result from KemenPANRB; every
SAKIP reader sees the results, and an agency account its own agency's only (access.py).
A final evaluation's scores change only after an explicit, audited reopen; its LHE
findings' follow-up can be updated at any time, since follow-up comes after the LHE.
The risk register is kept by SAKIP officers and the agency's own staff.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import LazyString, format_decimal, format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3 > stubs
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from wbs.app_context import db_session, settings
from wbs.case_labels import SEVERITY_LABELS
from wbs.i18n import decimal_text
from wbs.installation import now_utc
from wbs.models import Agency, EvaluationFinding, SakipEvaluation
from wbs.sakip.achievement import round2
from wbs.sakip.data.evaluations import (
    DEFAULT_TEMPLATE,
    FINAL,
    FOLLOW_UP_STATUSES,
    EvaluationStateError,
    IncompleteEvaluation,
    ScoreInput,
    create_evaluation,
    evaluation_overview,
    evaluation_record,
    finalise,
    find_evaluation,
    findings_of,
    history,
    reopen,
    save_pemda_result,
    save_scores,
)
from wbs.sakip.data.integrity import SEVERITIES, agency_findings
from wbs.sakip.evaluation import PREDICATES, EvaluationTemplate
from wbs.sakip.numbers_input import NumberError, format_number_input, parse_number
from wbs.sakip.web import blueprint
from wbs.sakip.web.access import (
    SAKIP_ROLES,
    agency_or_404,
    check_reads,
    may_maintain,
)
from wbs.sakip.web.agency_views import MAX_YEAR, MIN_YEAR, chosen_year
from wbs.sakip.web.form_pages import form_page
from wbs.small_cells import Cell
from wbs.staff_auth import Officer, record, requires
from wbs.stats_results import AgencyScore

TEXT_MAX_CHARS = 5000

TEMPLATE_LABELS: dict[str, LazyString] = {
    "88/2021": _l("PermenPANRB 88/2021"),
    "12/2015": _l("PermenPANRB 12/2015 (legacy template)"),
}
EVALUATION_STATUS_LABELS: dict[str, LazyString] = {
    "draft": _l("draft"),
    "final": _l("final"),
}
EVALUATOR_LABELS: dict[str, LazyString] = {
    "inspektorat": _l("Inspektorat"),
    "kemenpanrb": _l("KemenPANRB"),
}
FOLLOW_UP_LABELS: dict[str, LazyString] = {
    "open": _l("open"),
    "in_progress": _l("in progress"),
    "done": _l("done"),
}
PREDICATE_CHANGE_LABELS: dict[str, LazyString] = {
    "improved": _l("predicate improved"),
    "unchanged": _l("predicate unchanged"),
    "declined": _l("predicate declined"),
    "first_year": _l("no result the year before"),
}
RISK_STATUS_LABELS: dict[str, LazyString] = {
    "open": _l("open"),
    "mitigated": _l("mitigated"),
    "closed": _l("closed"),
}
RISK_BAND_LABELS: dict[str, LazyString] = {
    "low": _l("low"),
    "medium": _l("medium"),
    "high": _l("high"),
    "extreme": _l("extreme"),
}
LIKELIHOOD_LABELS: dict[int, LazyString] = {
    1: _l("1 – rare"),
    2: _l("2 – unlikely"),
    3: _l("3 – possible"),
    4: _l("4 – likely"),
    5: _l("5 – almost certain"),
}
IMPACT_LABELS: dict[int, LazyString] = {
    1: _l("1 – insignificant"),
    2: _l("2 – minor"),
    3: _l("3 – moderate"),
    4: _l("4 – major"),
    5: _l("5 – severe"),
}
# The standard recommendation beside the WBS findings of an agency's evaluation record
# (issue 5): PP 94/2021 sets the penalties by severity; the inspectorate recommends, the
# PyB (official authorised to punish) decides (DOMAIN.md, "WBS").
WBS_RECOMMENDATIONS: dict[str, LazyString] = {
    "ringan": _l(
        "Follow up under PP 94/2021: the official authorised to punish (PyB) decides a light"
        " penalty (verbal or written reprimand, written statement of dissatisfaction); fix"
        " the procedure that allowed the breach."
    ),
    "sedang": _l(
        "Follow up under PP 94/2021: the PyB decides a moderate penalty (performance"
        " allowance cut by 25 percent for 6, 9 or 12 months); recover any loss and fix the"
        " procedure."
    ),
    "berat": _l(
        "Follow up under PP 94/2021: the PyB decides a severe penalty (demotion, release"
        " from position, or dismissal); recover any loss, and refer to law enforcement"
        " where a crime is suspected."
    ),
}


# --- helpers -------------------------------------------------------------------------------


def score2(value: Decimal | None) -> str:
    """A SAKIP score as published: two decimals ("67.53", Indonesian "67,53")."""
    return "—" if value is None else decimal_text(round2(value), "#,##0.00")


def signed2(value: Decimal | None) -> str:
    """A change of score with its sign ("+2.08", "−1.20", "0.00")."""
    if value is None:
        return "—"
    text = decimal_text(abs(round2(value)), "#,##0.00")
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def percent(rate: float | Decimal | None) -> str:
    """A rate 0..1 as a percentage with one decimal, as the dashboard prints it."""
    return "—" if rate is None else decimal_text(rate * 100, "#,##0.#") + " %"


def page_helpers() -> dict[str, object]:
    return {
        "score2": score2,
        "percent": percent,
        "signed2": signed2,
        "number": format_number,
        "template_labels": TEMPLATE_LABELS,
        "evaluation_status_labels": EVALUATION_STATUS_LABELS,
        "evaluator_labels": EVALUATOR_LABELS,
        "follow_up_labels": FOLLOW_UP_LABELS,
        "predicate_change_labels": PREDICATE_CHANGE_LABELS,
        "risk_status_labels": RISK_STATUS_LABELS,
        "risk_band_labels": RISK_BAND_LABELS,
        "severity_labels": SEVERITY_LABELS,
        "predicates": PREDICATES,
        "predicate_names": {predicate.code: predicate.label for predicate in PREDICATES},
    }


def _evaluation_to_maintain(officer: Officer, evaluation_id: int) -> SakipEvaluation:
    """The evaluation, when the officer may change it: 404 when it does not exist or its
    agency is out of the officer's reach, 403 for readers who are not SAKIP officers."""
    evaluation = db_session().get(SakipEvaluation, evaluation_id)
    if evaluation is None:
        abort(404)
    check_reads(officer, evaluation.agency_id)
    if not may_maintain(officer):
        abort(403)
    return evaluation


def _evaluation_url(evaluation: SakipEvaluation) -> str:
    if evaluation.agency_id is None:
        return url_for("sakip.pemda_evaluation", year=evaluation.year)
    return url_for("sakip.evaluation", agency_id=evaluation.agency_id, year=evaluation.year)


def _detail(evaluation: SakipEvaluation) -> str:
    agency = "pemda" if evaluation.agency_id is None else f"agency {evaluation.agency_id}"
    return f"evaluation {evaluation.id} {agency} year {evaluation.year}"


def _year_field_value() -> int:
    """The year a write form names (``?year=``), or 404 when it is not a plausible one."""
    raw = request.args.get("year", "")
    if not (raw.isdecimal() and MIN_YEAR <= int(raw) <= MAX_YEAR):
        abort(404)
    return int(raw)


def _number_message(reason: str, upper: Decimal) -> str:
    if reason == "places":
        return _("Use at most two decimals.")
    if reason == "format":
        return _("Enter a number, for example 4,5.")
    return _("Enter a score from 0 to %(upper)s.", upper=format_decimal(upper))


def parse_score(text: str, upper: Decimal) -> Decimal:
    """A typed score 0..upper with at most two decimals; ValueError with the message."""
    try:
        value = parse_number(text, places=2, integer_digits=3)
    except NumberError as error:
        raise ValueError(_number_message(error.reason, upper)) from error
    if not 0 <= value <= upper:
        raise ValueError(_number_message("size", upper))
    return value


# --- forms ---------------------------------------------------------------------------------


def choices_of(
    labels: Mapping[Any, LazyString], order: Iterable[Any] | None = None
) -> list[SelectChoice]:
    """Select options for ``labels``, in ``order`` (default: the labels' own)."""
    return [SelectChoice(code, labels[code]) for code in (labels if order is None else order)]


class EvaluationCreateForm(FlaskForm):
    year = IntegerField(_l("Year"), [InputRequired(), NumberRange(min=MIN_YEAR, max=MAX_YEAR)])
    template = SelectField(
        _l("Evaluation template (LKE)"),
        choices=choices_of(TEMPLATE_LABELS),
        default=DEFAULT_TEMPLATE,
    )


def scores_form_class(template: EvaluationTemplate) -> type[FlaskForm]:
    """One score, note and recommendation per sub-component, named by position
    (``score_0``...), labelled in the reader's language (built per request)."""
    fields: dict[str, object] = {}
    index = 0
    for component in template.components:
        for sub in component.subcomponents:
            fields[f"score_{index}"] = StringField(
                _("Score (0 to %(weight)s)", weight=format_decimal(sub.weight)),
                render_kw={"inputmode": "decimal", "autocomplete": "off"},
            )
            fields[f"note_{index}"] = TextAreaField(
                _("Note"), [Length(max=TEXT_MAX_CHARS)], render_kw={"rows": 2}
            )
            fields[f"recommendation_{index}"] = TextAreaField(
                _("Recommendation"), [Length(max=TEXT_MAX_CHARS)], render_kw={"rows": 2}
            )
            index += 1
    return type("EvaluationScoresForm", (FlaskForm,), fields)


class FindingForm(FlaskForm):
    finding = TextAreaField(
        _l("Finding (temuan)"),
        [InputRequired(_l("Describe the finding.")), Length(max=TEXT_MAX_CHARS)],
        render_kw={"rows": 3},
    )
    recommendation = TextAreaField(
        _l("Recommendation (rekomendasi)"), [Length(max=TEXT_MAX_CHARS)], render_kw={"rows": 3}
    )
    follow_up = SelectField(
        _l("Follow-up (tindak lanjut)"),
        choices=choices_of(FOLLOW_UP_LABELS, FOLLOW_UP_STATUSES),
        default="open",
    )
    follow_up_note = TextAreaField(
        _l("Follow-up note"), [Length(max=TEXT_MAX_CHARS)], render_kw={"rows": 2}
    )
    due_on = DateField(_l("Follow-up due on"), [Optional()])


class PemdaResultForm(FlaskForm):
    score = StringField(
        _l("Score published by KemenPANRB (0 to 100)"),
        [InputRequired(_l("Enter the score."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    template = SelectField(
        _l("Evaluation template (LKE)"),
        choices=choices_of(TEMPLATE_LABELS),
        default=DEFAULT_TEMPLATE,
    )
    summary = TextAreaField(_l("Notes"), [Length(max=TEXT_MAX_CHARS)], render_kw={"rows": 3})


# --- the Pemda-wide page -------------------------------------------------------------------


@blueprint.get("/evaluations")
@requires(*SAKIP_ROLES)
def evaluations(officer: Officer) -> str:
    check_reads(officer, None)  # agency accounts: their own agency's page only
    year = chosen_year(settings().today())
    pemda, rows = evaluation_overview(db_session(), year)
    return render_template(
        "sakip/evaluations.html", year=year, pemda=pemda, rows=rows, **page_helpers()
    )


# --- an agency's evaluation ----------------------------------------------------------------


def subcomponent_names(template: EvaluationTemplate) -> dict[tuple[str, str], str]:
    """The LKE name of every key of the template: "Component – sub-component"."""
    return {
        (component.code, sub.code): f"{component.name} – {sub.name}"
        for component in template.components
        for sub in component.subcomponents
    }


def wbs_follow_up_status(wbs: AgencyScore[Cell] | None) -> str | None:
    """The follow-up of the agency's substantiated WBS findings as one LHE status: done
    when all are done, open when none is; None without findings or when a count is
    hidden (the status would tell a hidden count)."""
    if wbs is None or wbs.substantiated.value == 0:
        return None
    total, done = wbs.substantiated, wbs.follow_up_done
    if total.suppressed or done.suppressed or total.value is None or done.value is None:
        return None
    if done.value == total.value:
        return "done"
    return "open" if done.value == 0 else "in_progress"


def _evaluation_page(
    officer: Officer, agency: Agency, year: int, problem: str | None = None
) -> str:
    session = db_session()
    config = settings()
    evaluation = find_evaluation(session, agency.id, year)
    evaluation_data = None if evaluation is None else evaluation_record(session, evaluation)
    findings = [] if evaluation is None else findings_of(session, evaluation.id)
    wbs = agency_findings(session, agency.code, year, config.small_cell_threshold)
    wbs_status = wbs_follow_up_status(wbs)
    return render_template(
        "sakip/evaluation.html",
        agency=agency,
        year=year,
        record=evaluation_data,
        findings=findings,
        wbs=wbs,
        wbs_status=wbs_status,
        wbs_status_label=FOLLOW_UP_LABELS[wbs_status] if wbs_status else None,
        names={} if evaluation_data is None else subcomponent_names(evaluation_data.template),
        severities=SEVERITIES,
        wbs_recommendations=WBS_RECOMMENDATIONS,
        threshold=config.small_cell_threshold,
        years=history(session, agency.id),
        today=config.today(),
        create_form=EvaluationCreateForm(year=year, formdata=None),
        may_maintain=may_maintain(officer),
        problem=problem,
        **page_helpers(),
    )


@blueprint.get("/agencies/<int:agency_id>/evaluation")
@requires(*SAKIP_ROLES)
def evaluation(officer: Officer, agency_id: int) -> str:
    check_reads(officer, agency_id)
    agency = agency_or_404(agency_id)
    return _evaluation_page(officer, agency, chosen_year(settings().today()))


@blueprint.post("/agencies/<int:agency_id>/evaluation")
@requires(*SAKIP_ROLES)
def evaluation_create(officer: Officer, agency_id: int) -> BaseResponse:
    check_reads(officer, agency_id)
    if not may_maintain(officer):
        abort(403)
    agency = agency_or_404(agency_id)
    form = EvaluationCreateForm()
    if not form.validate_on_submit():
        abort(400)
    session = db_session()
    year = form.year.data
    assert year is not None
    evaluation = find_evaluation(session, agency.id, year)
    if evaluation is None:  # a second click opens the one the first created
        evaluation = create_evaluation(
            session, agency.id, year, form.template.data or DEFAULT_TEMPLATE, now_utc(), officer.id
        )
        record("sakip.evaluation_created", officer.id, detail=_detail(evaluation))
        session.commit()
    return redirect(url_for("sakip.evaluation_scores", evaluation_id=evaluation.id), code=303)


@blueprint.route("/evaluations/<int:evaluation_id>/scores", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def evaluation_scores(officer: Officer, evaluation_id: int) -> BaseResponse | tuple[str, int]:
    evaluation = _evaluation_to_maintain(officer, evaluation_id)
    if evaluation.agency_id is None:
        abort(404)  # the Pemda's result is entered as a total (pemda_result)
    if evaluation.status == FINAL:
        flash(_("This evaluation is final. Reopen it to change its scores."), "warning")
        return redirect(_evaluation_url(evaluation), code=303)
    session = db_session()
    current = evaluation_record(session, evaluation)
    template = current.template
    keys = template.keys()
    form_class = scores_form_class(template)
    if request.method == "GET":
        data: dict[str, str] = {}
        for index, key in enumerate(keys):
            row = current.scores.get(f"{key[0]}.{key[1]}")
            if row is not None:
                data[f"score_{index}"] = format_number_input(row.score)
                data[f"note_{index}"] = row.note
                data[f"recommendation_{index}"] = row.recommendation
        form = form_class(data=data)
    else:
        form = form_class()
    if form.validate_on_submit():
        inputs: dict[tuple[str, str], ScoreInput] = {}
        for index, key in enumerate(keys):
            field = form[f"score_{index}"]
            raw = (field.data or "").strip()
            value = None
            if raw:
                try:
                    value = parse_score(raw, template.subcomponent(key).weight)
                except ValueError as error:
                    field.errors = [str(error)]
            inputs[key] = ScoreInput(
                value,
                (form[f"note_{index}"].data or "").strip(),
                (form[f"recommendation_{index}"].data or "").strip(),
            )
        if not any(form[f"score_{index}"].errors for index in range(len(keys))):
            save_scores(session, evaluation, inputs, now_utc(), officer.id)
            record("sakip.evaluation_scores_saved", officer.id, detail=_detail(evaluation))
            session.commit()
            flash(_("The scores have been saved."), "success")
            return redirect(_evaluation_url(evaluation), code=303)
    return form_page(
        "sakip/evaluation_scores.html",
        any(field.errors for field in form),
        evaluation=evaluation,
        agency=agency_or_404(evaluation.agency_id),
        template=template,
        form=form,
        **page_helpers(),
    )


@blueprint.post("/evaluations/<int:evaluation_id>/finalise")
@requires(*SAKIP_ROLES)
def evaluation_finalise(officer: Officer, evaluation_id: int) -> BaseResponse | tuple[str, int]:
    evaluation = _evaluation_to_maintain(officer, evaluation_id)
    if evaluation.agency_id is None:
        abort(404)
    session = db_session()
    try:
        result = finalise(session, evaluation, now_utc(), officer.id)
    except IncompleteEvaluation as missing:
        problem = _(
            "The evaluation cannot be finalised: %(count)d sub-components have no score yet.",
            count=len(missing.unscored),
        )
        agency = agency_or_404(evaluation.agency_id)
        return _evaluation_page(officer, agency, evaluation.year, problem), 400
    except EvaluationStateError:
        return redirect(_evaluation_url(evaluation), code=303)
    assert result.predicate is not None
    record(
        "sakip.evaluation_finalised",
        officer.id,
        detail=f"{_detail(evaluation)} predicate {result.predicate.code}",
    )
    session.commit()
    flash(_("The evaluation is final."), "success")
    return redirect(_evaluation_url(evaluation), code=303)


@blueprint.post("/evaluations/<int:evaluation_id>/reopen")
@requires(*SAKIP_ROLES)
def evaluation_reopen(officer: Officer, evaluation_id: int) -> BaseResponse:
    evaluation = _evaluation_to_maintain(officer, evaluation_id)
    if evaluation.agency_id is None:
        abort(404)
    session = db_session()
    try:
        reopen(session, evaluation, now_utc(), officer.id)
    except EvaluationStateError:
        return redirect(_evaluation_url(evaluation), code=303)
    record("sakip.evaluation_reopened", officer.id, detail=_detail(evaluation))
    session.commit()
    flash(_("The evaluation is a draft again; its scores can be changed."), "success")
    return redirect(_evaluation_url(evaluation), code=303)


# --- LHE findings ----------------------------------------------------------------------------


def _finding_page(
    officer: Officer, evaluation: SakipEvaluation, finding: EvaluationFinding | None
) -> BaseResponse | tuple[str, int]:
    form = FindingForm(obj=finding)
    if form.validate_on_submit():
        session = db_session()
        if finding is None:
            finding = EvaluationFinding(evaluation_id=evaluation.id)
            session.add(finding)
            action = "sakip.finding_added"
        else:
            action = "sakip.finding_saved"
        finding.finding = (form.finding.data or "").strip()
        finding.recommendation = (form.recommendation.data or "").strip()
        finding.follow_up = form.follow_up.data or "open"
        finding.follow_up_note = (form.follow_up_note.data or "").strip()
        finding.due_on = form.due_on.data
        finding.updated_at = now_utc()
        session.flush()
        record(
            action,
            officer.id,
            detail=f"{_detail(evaluation)} finding {finding.id} follow_up {finding.follow_up}",
        )
        session.commit()
        flash(_("The finding has been saved."), "success")
        return redirect(_evaluation_url(evaluation), code=303)
    agency = None if evaluation.agency_id is None else agency_or_404(evaluation.agency_id)
    return form_page(
        "sakip/evaluation_finding.html",
        bool(form.errors),
        evaluation=evaluation,
        agency=agency,
        finding=finding,
        form=form,
        back=_evaluation_url(evaluation),
    )


@blueprint.route("/evaluations/<int:evaluation_id>/findings/new", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def finding_new(officer: Officer, evaluation_id: int) -> BaseResponse | tuple[str, int]:
    evaluation = _evaluation_to_maintain(officer, evaluation_id)
    return _finding_page(officer, evaluation, None)


@blueprint.route(
    "/evaluations/<int:evaluation_id>/findings/<int:finding_id>", methods=["GET", "POST"]
)
@requires(*SAKIP_ROLES)
def finding_edit(
    officer: Officer, evaluation_id: int, finding_id: int
) -> BaseResponse | tuple[str, int]:
    evaluation = _evaluation_to_maintain(officer, evaluation_id)
    finding = db_session().get(EvaluationFinding, finding_id)
    if finding is None or finding.evaluation_id != evaluation.id:
        abort(404)
    return _finding_page(officer, evaluation, finding)


# --- the Pemda's result from KemenPANRB ------------------------------------------------------


@blueprint.get("/pemda/evaluation")
@requires(*SAKIP_ROLES)
def pemda_evaluation(officer: Officer) -> str:
    check_reads(officer, None)
    session = db_session()
    year = chosen_year(settings().today())
    evaluation = find_evaluation(session, None, year)
    return render_template(
        "sakip/evaluation_pemda.html",
        year=year,
        evaluation=evaluation,
        findings=[] if evaluation is None else findings_of(session, evaluation.id),
        years=history(session, None),
        today=settings().today(),
        may_maintain=may_maintain(officer),
        **page_helpers(),
    )


@blueprint.route("/pemda/evaluation/result", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def pemda_result(officer: Officer) -> BaseResponse | tuple[str, int]:
    check_reads(officer, None)
    if not may_maintain(officer):
        abort(403)
    year = _year_field_value()
    session = db_session()
    existing = find_evaluation(session, None, year)
    if request.method == "GET" and existing is not None:
        form = PemdaResultForm(
            data={
                "score": format_number_input(existing.score),
                "template": existing.template,
                "summary": existing.summary,
            }
        )
    else:
        form = PemdaResultForm()
    if form.validate_on_submit():
        try:
            score = parse_score(form.score.data or "", Decimal(100))
        except ValueError as error:
            form.score.errors = [str(error)]
        else:
            evaluation = save_pemda_result(
                session,
                year,
                score,
                form.template.data or DEFAULT_TEMPLATE,
                (form.summary.data or "").strip(),
                now_utc(),
                officer.id,
            )
            record(
                "sakip.pemda_result_saved",
                officer.id,
                detail=f"{_detail(evaluation)} predicate {evaluation.predicate}",
            )
            session.commit()
            flash(_("The Pemda's result has been saved."), "success")
            return redirect(url_for("sakip.pemda_evaluation", year=year), code=303)
    has_errors = bool(form.errors or form.score.errors)
    return form_page("sakip/evaluation_pemda_form.html", has_errors, year=year, form=form)
