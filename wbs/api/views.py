"""API routes. Reports are validated by the same ReportForm as the HTML page; the
statistics come from the same ``collect`` as the leadership dashboard."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any, get_args

from flask import Response, g, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from wbs import audit, staff_sessions
from wbs.api import blueprint
from wbs.api.openapi import openapi_document
from wbs.api_tokens import verify_token
from wbs.app_context import db_session, server_keys, settings
from wbs.errors import error_response
from wbs.extensions import limiter
from wbs.installation import now_utc
from wbs.intake import ReportContent, UnknownReference, load_intake_keys
from wbs.limits import (
    lookup_failed,
    lookup_runner,
    report_was_filed,
    status_limit,
    submit_limit,
)
from wbs.models import Staff
from wbs.public.filing import file
from wbs.public.forms import ReportForm
from wbs.public.status_text import event_label, status_label
from wbs.reference_data import agency_choices, category_choices
from wbs.reporter_access import open_with_code, reporter_view
from wbs.stats_dashboard import FilterReason, StatsRequestError, collect, read_request
from wbs.stats_json import figures_to_json
from wbs.stats_messages import stats_problem
from wbs.tracking_code import CodeFormatError, MistypedCodeError, TrackingCode

# The fields of a report as the reporter writes them, whatever channel he uses.
REPORT_FIELDS = tuple(field.name for field in dataclasses.fields(ReportContent))
# The staff session cookie wbs/staff_auth.py sets (path "/"), read here without
# importing the staff blueprint (DESIGN.md, "Layout": nothing imports a blueprint).
STAFF_COOKIE = "wbs_staff"
FILTER_REASONS: frozenset[str] = frozenset(get_args(FilterReason))
# Who may read the statistics: the roles of the leadership dashboard
# (case_admin.dashboard_views.DASHBOARD_ROLES; tests/test_stats_api.py keeps them equal).
STATS_ROLES = frozenset({"leadership", "supervisor", "admin"})


def _json_body() -> dict[str, Any] | Response:
    if not request.is_json:
        return error_response(415)
    request.get_data(cache=True)
    if request.content_length is None:
        # A chunked body has no length to refuse up front, and Werkzeug stops reading
        # at MAX_CONTENT_LENGTH without saying so: one more read raises the 413 when
        # the body went on past the limit, instead of a misleading "invalid JSON".
        request.stream.read(1)
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        # "[[[[…" nested deeper than the parser's recursion limit: a client error.
        body = None
    if not isinstance(body, dict):
        return error_response(400, "invalid_json", _("The body must be a JSON object."))
    return body


@blueprint.get("/openapi.json")
def openapi() -> Response:
    session = db_session()
    return jsonify(
        openapi_document(
            [code for code, _name in agency_choices(session)],
            [code for code, _name in category_choices(session, str(get_locale()))],
        )
    )


@blueprint.get("/agencies")
def agencies() -> Response:
    return jsonify(
        {"agencies": [{"code": code, "name": name} for code, name in agency_choices(db_session())]}
    )


@blueprint.get("/categories")
def categories() -> Response:
    locale = str(get_locale())
    return jsonify(
        {
            "categories": [
                {"code": code, "name": name}
                for code, name in category_choices(db_session(), locale)
            ]
        }
    )


def _whole_number(value: object) -> int | None:
    """A JSON integer; 352422.0 is one too (JSON Schema: "integer" is any number
    without a fraction)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _has_its_type(name: str, value: object) -> bool:
    """Text, or nothing (null); the estimated loss may also be a whole number."""
    if value is None or isinstance(value, str):
        return True
    return name == "estimated_loss" and _whole_number(value) is not None


def _form_data(body: dict[str, Any]) -> MultiDict[str, str]:
    data: MultiDict[str, str] = MultiDict()
    for name in REPORT_FIELDS:
        value = body.get(name)
        if value is None:
            continue
        data[name] = value if isinstance(value, str) else str(_whole_number(value))
    return data


@blueprint.post("/reports")
@limiter.shared_limit(submit_limit, scope="submit", deduct_when=report_was_filed)
def create_report() -> Response:
    body = _json_body()
    if isinstance(body, Response):
        return body
    wrong_types = [
        name for name in REPORT_FIELDS if name in body and not _has_its_type(name, body[name])
    ]
    if wrong_types:
        return error_response(
            400,
            "invalid_fields",
            _("Some fields are not valid."),
            fields={name: [_("Must be text.")] for name in wrong_types},
        )
    form = ReportForm(formdata=_form_data(body), meta={"csrf": False})
    form.set_choices(
        category_choices(db_session(), str(get_locale())), agency_choices(db_session())
    )
    if not form.validate():
        errors = {
            name: [str(message) for message in messages] for name, messages in form.errors.items()
        }
        return error_response(400, "invalid_fields", _("Some fields are not valid."), fields=errors)
    try:
        filed = file(form.content(), [], None)
    except UnknownReference as error:
        return error_response(
            400,
            "invalid_fields",
            _("Some fields are not valid."),
            fields={error.field: [_("Choose one of the listed options.")]},
        )
    g.report_filed = True
    response = jsonify(
        {
            "tracking_code": filed.code.digits,
            "tracking_code_display": filed.code.grouped(),
            "status": "received",
        }
    )
    response.status_code = 201
    return response


@blueprint.post("/reports/status")
@limiter.shared_limit(status_limit, scope="status", deduct_when=lookup_failed)
def report_status() -> Response:
    body = _json_body()
    if isinstance(body, Response):
        return body
    raw = body.get("tracking_code")
    if not isinstance(raw, str):
        return error_response(
            400, "invalid_tracking_code", _("Send tracking_code as a string of 16 digits.")
        )
    try:
        code = TrackingCode.parse(raw)
    except CodeFormatError:
        return error_response(
            400, "invalid_tracking_code", _("A tracking code has 16 digits. Check what you typed.")
        )
    except MistypedCodeError:
        return error_response(
            400,
            "mistyped_tracking_code",
            _(
                "This code contains a typing error: one digit is wrong or two digits are swapped. "
                "Check it against your note. This attempt was not counted."
            ),
        )
    session_db = db_session()
    keys = load_intake_keys(session_db, server_keys().tracking_pepper, settings().argon2)
    access = open_with_code(session_db, keys, code, lookup_runner())
    if access is None:
        return error_response(
            404,
            "not_found",
            _(
                "No report matches this code. Check the code; after several failed attempts "
                "you will have to wait before trying again."
            ),
        )
    view = reporter_view(session_db, access)
    return jsonify(
        {
            "status": view.status,
            "status_label": str(status_label(view.status)),
            "received_on": view.received_on.isoformat(),
            "events": [
                {
                    "date": event.occurred_on.isoformat(),
                    "kind": event.kind,
                    "label": str(event_label(event.kind)),
                    "status": event.status_to,
                    "note": event.note,
                }
                for event in view.events
            ],
            "messages": [
                {
                    "date": message.sent_on.isoformat(),
                    "author": message.author,
                    "text": message.text,
                }
                for message in view.messages
            ],
        }
    )


# --- statistics for leadership (issue 4) ---------------------------------------------------


def _unauthorised(invalid_token: bool) -> Response:
    response = error_response(
        401,
        "unauthorized",
        _("Send a valid API token (Authorization: Bearer ...) or log in as staff."),
    )
    # RFC 6750, section 3: say which scheme, and that a token was sent but refused.
    challenge = 'Bearer realm="wbs"'
    if invalid_token:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def _session_staff() -> Staff | None:
    """The account of a complete staff login (TOTP given), as wbs.staff_auth sees it."""
    cookie = request.cookies.get(STAFF_COOKIE)
    if not cookie:
        return None
    config = settings()
    session = db_session()
    opened = staff_sessions.resume(
        session,
        cookie,
        now_utc(),
        timedelta(minutes=config.staff_idle_minutes),
        timedelta(hours=config.staff_session_hours),
    )
    if opened is None or opened.stage != "active":
        return None
    staff = session.get(Staff, opened.staff_id)
    return staff if staff is not None and staff.active else None


def _stats_caller() -> tuple[Staff, bool] | Response:
    """The account asking, and whether it came with a token; or the 401 answer.

    An Authorization header, when sent, is the only credential looked at: a bad one is
    refused even when a staff cookie comes along.
    """
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _space, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return _unauthorised(invalid_token=False)
        staff = verify_token(db_session(), token, settings().today())
        return _unauthorised(invalid_token=True) if staff is None else (staff, True)
    staff = _session_staff()
    # resume() slides the session's idle expiry or deletes an expired one.
    db_session().commit()
    return _unauthorised(invalid_token=False) if staff is None else (staff, False)


@blueprint.get("/stats")
def stats() -> Response:
    caller = _stats_caller()
    if isinstance(caller, Response):
        return caller
    staff, with_token = caller
    session = db_session()
    if not staff.role_set & STATS_ROLES:
        session.commit()  # the token's last use, even when refused
        return error_response(
            403,
            "forbidden",
            _("Only leadership, supervisors and admins may read the statistics."),
        )
    config = settings()
    today = config.today()
    try:
        stats_request = read_request(session, request.args, today)
    except StatsRequestError as error:
        session.commit()
        code = error.reason if error.reason in FILTER_REASONS else "invalid_period"
        return error_response(400, code, stats_problem(error.reason), reason=error.reason)
    figures = collect(session, stats_request, today, config.small_cell_threshold)
    if with_token:
        # Programs read the statistics unattended: each read is recorded, with the
        # period only (the statistics hold no case, so there is no case to name).
        audit.record(
            session,
            server_keys().audit_chain,
            "stats.api_read",
            at=now_utc(),
            staff_id=staff.id,
            detail=stats_request.period.key,
        )
    session.commit()
    response = jsonify(figures_to_json(figures))
    response.headers["Cache-Control"] = "no-store"
    return response
