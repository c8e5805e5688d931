"""API routes. Reports are validated by the same ReportForm as the HTML page."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Response, g, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from wbs.api import blueprint
from wbs.api.openapi import openapi_document
from wbs.app_context import db_session, server_keys, settings
from wbs.errors import error_response
from wbs.extensions import limiter
from wbs.intake import ReportContent, UnknownReference, load_intake_keys
from wbs.limits import lookup_failed, report_was_filed, status_limit, submit_limit
from wbs.public.filing import file
from wbs.public.forms import ReportForm
from wbs.public.status_text import event_label, status_label
from wbs.reference_data import agency_choices, category_choices
from wbs.reporter_access import open_with_code, reporter_view
from wbs.tracking_code import CodeFormatError, MistypedCodeError, TrackingCode

# The fields of a report as the reporter writes them, whatever channel he uses.
REPORT_FIELDS = tuple(field.name for field in dataclasses.fields(ReportContent))


def _json_body() -> dict[str, Any] | Response:
    if not request.is_json:
        return error_response(415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error_response(400, "invalid_json", _("The body must be a JSON object."))
    return body


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


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


def _is_scalar(value: object) -> bool:
    return value is None or (isinstance(value, str | int) and not isinstance(value, bool))


def _form_data(body: dict[str, Any]) -> MultiDict[str, str]:
    data: MultiDict[str, str] = MultiDict()
    for name in REPORT_FIELDS:
        value = body.get(name)
        if value is None:
            continue
        data[name] = value if isinstance(value, str) else str(value)
    return data


@blueprint.post("/reports")
@limiter.shared_limit(submit_limit, scope="submit", deduct_when=report_was_filed)
def create_report() -> Response:
    body = _json_body()
    if isinstance(body, Response):
        return body
    wrong_types = [name for name in REPORT_FIELDS if name in body and not _is_scalar(body[name])]
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
    access = open_with_code(session_db, keys, code)
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
