"""Error pages in the user's language, and the JSON error shape for the API."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from wbs.crypto import DecryptionError


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", _("The request could not be understood.")),
        403: ("forbidden", _("Your account may not open this page.")),
        404: ("not_found", _("This page does not exist.")),
        405: ("method_not_allowed", _("This address does not accept that kind of request.")),
        413: ("too_large", _("What you sent is too large. Send fewer or smaller files.")),
        415: (
            "unsupported_media_type",
            _("Send the request as JSON (Content-Type: application/json)."),
        ),
        429: (
            "throttled",
            _("Too many attempts from your connection. Wait a while and try again."),
        ),
        500: (
            "server_error",
            _(
                "Something went wrong on our side. Nothing you sent was left half-saved; please try again later."
            ),
        ),
        503: (
            "unavailable",
            _(
                "The service is busy or under maintenance. Nothing was saved; please try again in a few minutes."
            ),
        ),
    }


# The form field whose text a reporter would lose when his POST fails with a 503.
_KEEP_TYPED_TEXT = {"public.submit_report": "description", "public.reply": "message"}

# What a client is told to wait after a database failure: a PostgreSQL restart or a
# failover takes seconds to a minute.
DATABASE_RETRY_AFTER_SECONDS = 60


def _database_error_summary(error: Exception) -> str:
    """The driver's error class and first message line, for the operator's log.

    Never SQLAlchemy's own text, which appends the statement's parameters (look-up ids,
    ciphertexts); the driver's first line names the cause ("No space left on device",
    "Connection refused", "terminating connection due to administrator command").
    """
    original = error.orig if isinstance(error, DBAPIError) else error
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0] if lines else ''}"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(
    status: int, code: str | None = None, message: str | None = None, **extra: object
) -> Response:
    default_code, default_message = _messages().get(status, _messages()[400])
    body: dict[str, object] = {"code": code or default_code, "message": message or default_message}
    body.update(extra)
    if wants_json():
        response = jsonify({"error": body})
    else:
        response = Response(render_template("public/error.html", message=body["message"]))
    response.status_code = status
    return response


def _http_error(error: HTTPException) -> Response:
    response = error_response(error.code or 500)
    if error.code == 429:
        # Keep the limiter's Retry-After so clients know when to come back.
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        # RFC 9110, section 15.5.6: a 405 lists the methods the resource does accept.
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> Response:
        return error_response(
            400,
            "form_expired",
            _(
                "This form has expired or was opened in another window. Go back, reload "
                "the page and send it again."
            ),
        )

    # The database is down, restarting, unreachable, out of connections or out of disk:
    # 503 with "nothing was saved", never a half-written report. Every write of a report
    # is one transaction (wbs.public.filing), so a failure anywhere in it rolls it all
    # back; the pool pings connections before use (wbs.db), so the app recovers by
    # itself once the database is back.
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeoutError)
    def _database_down(error: Exception) -> Response:
        app.logger.error("database unavailable: %s", _database_error_summary(error))
        response = error_response(503)
        kept_field = _KEEP_TYPED_TEXT.get(request.endpoint or "")
        if kept_field and not wants_json() and request.method == "POST":
            # Whatever the reporter typed is shown back, so that nothing he wrote is lost
            # even if the browser's Back button does not restore the form.
            response.set_data(
                render_template(
                    "public/error.html",
                    message=_messages()[503][1],
                    kept_text=request.form.get(kept_field, ""),
                )
            )
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(DecryptionError)
    def _integrity(_error: DecryptionError) -> Response:
        # Logged without any detail that could identify the case or the reporter.
        app.logger.error("stored ciphertext failed authentication")
        return error_response(
            500,
            "integrity_error",
            _(
                "This record could not be opened because its stored data failed an integrity "
                "check. The error was recorded; please contact the inspectorate."
            ),
        )

    @app.errorhandler(InternalServerError)
    def _internal(_error: InternalServerError) -> Response:
        return error_response(500)
