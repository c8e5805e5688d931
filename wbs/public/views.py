"""Public routes: thin views over the intake and reporter-access services."""

from __future__ import annotations

import itertools
from datetime import timedelta
from urllib.parse import quote

from flask import (
    Response,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse

from wbs import reporter_sessions, submission_receipts
from wbs.app_context import database, db_session, server_keys, settings
from wbs.attachments import (
    ALLOWED_TYPES,
    EvidenceFile,
    EvidenceRejected,
    iter_content,
    read_meta,
)
from wbs.case_labels import FORWARD_LABELS, HOW_KNOWN_LABELS
from wbs.errors import error_response
from wbs.extensions import limiter
from wbs.i18n import COOKIE, LANGUAGES
from wbs.installation import now_utc
from wbs.intake import UnknownReference, load_intake_keys
from wbs.limits import (
    lookup_failed,
    lookup_runner,
    report_was_filed,
    status_limit,
    submit_limit,
)
from wbs.models import Case
from wbs.notifications import notify_reporter_reply
from wbs.public import blueprint
from wbs.public.filing import AlreadyFiledUnreadable, file
from wbs.public.forms import ReplyForm, ReportForm, StatusForm
from wbs.public.status_text import event_label, status_explanation, status_label
from wbs.reference_data import agency_choices, category_choices
from wbs.reporter_access import (
    ReporterAccess,
    add_reply,
    attachment_for,
    open_with_code,
    reporter_view,
)
from wbs.tracking_code import CodeFormatError, MistypedCodeError, TrackingCode

REPORTER_SESSION_KEY = "reporter"


def uploaded_files(field_name: str = "evidence") -> list[FileStorage]:
    return [f for f in request.files.getlist(field_name) if f and f.filename]


def evidence_message(error: EvidenceRejected) -> str:
    reasons = {
        "type": _("%(name)s: this type of file is not accepted.", name=error.filename),
        "empty": _("%(name)s: the file is empty.", name=error.filename),
        "content": _("%(name)s: the content does not match the file type.", name=error.filename),
        "image_broken": _("%(name)s: the image cannot be read.", name=error.filename),
        "image_too_large": _(
            "%(name)s: the image has too many pixels; send a smaller one.", name=error.filename
        ),
        "image_unsupported": _("%(name)s: this image format is not accepted.", name=error.filename),
    }
    return reasons[error.reason]


def _too_many_files(files: list[FileStorage]) -> str | None:
    limit = settings().max_files
    if len(files) > limit:
        return _("Send at most %(count)d files at once.", count=limit)
    return None


@blueprint.get("/")
def index() -> str:
    return render_template("public/index.html")


@blueprint.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    try:
        with database().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "unavailable", with no detail leaked
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200


@blueprint.get("/lang/<code>")
def choose_language(code: str) -> BaseResponse:
    target = request.args.get("next", "/")
    # Only a path of this site; a control character (CR LF) cannot go into a header.
    if not target.startswith("/") or target.startswith("//") or not target.isprintable():
        target = "/"
    response = redirect(target, code=303)
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings().secure_cookies,
            httponly=True,
        )
    return response


def _report_form() -> ReportForm:
    form = ReportForm()
    form.set_choices(
        category_choices(db_session(), str(get_locale())), agency_choices(db_session())
    )
    return form


def _render_report_form(
    form: ReportForm,
    status: int = 200,
    lost_files: list[str] | None = None,
    expired: bool = False,
) -> Response:
    if not form.submission_token.data:
        form.submission_token.data = submission_receipts.new_token()
    page = render_template(
        "public/report.html",
        form=form,
        lost_files=lost_files or [],
        expired=expired,
        max_upload_mb=settings().max_upload_mb,
        max_files=settings().max_files,
        allowed_extensions=sorted(ALLOWED_TYPES),
    )
    return make_response(page, status)


@blueprint.get("/report")
def report_form() -> Response:
    return _render_report_form(_report_form())


@blueprint.post("/report")
@limiter.shared_limit(submit_limit, scope="submit", deduct_when=report_was_filed)
def submit_report() -> Response:
    form = _report_form()
    files = uploaded_files()
    names = [f.filename or "" for f in files]
    if not form.validate_on_submit():
        return _render_report_form(form, 400, lost_files=names)
    too_many = _too_many_files(files)
    if too_many:
        form.evidence.errors = [too_many]
        return _render_report_form(form, 400, lost_files=names)
    evidence = [EvidenceFile(f.filename or "", f.stream) for f in files]
    try:
        filed = file(form.content(), evidence, form.submission_token.data)
    except EvidenceRejected as error:
        form.evidence.errors = [evidence_message(error)]
        return _render_report_form(form, 400, lost_files=names)
    except UnknownReference as error:
        getattr(form, error.field).errors = [_("Choose one of the listed options.")]
        return _render_report_form(form, 400, lost_files=names)
    except AlreadyFiledUnreadable:
        return make_response(render_template("public/already_filed.html"), 409)
    g.report_filed = not filed.repeated
    return make_response(
        render_template("public/report_done.html", code=filed.code, repeated=filed.repeated),
        201 if not filed.repeated else 200,
    )


@blueprint.errorhandler(CSRFError)
def form_expired(_error: CSRFError) -> Response:
    """An expired form must not cost the citizen his report: show it again, filled in,
    with a fresh token, so that one more click sends it."""
    if request.endpoint == "public.submit_report":
        lost = [f.filename or "" for f in uploaded_files()]
        return _render_report_form(_report_form(), 400, lost_files=lost, expired=True)
    if request.endpoint == "public.reply":
        return _reply_expired()
    return error_response(
        400,
        "form_expired",
        _(
            "This form has expired or was opened in another window. Go back, reload "
            "the page and send it again."
        ),
    )


@blueprint.get("/status")
def status_form() -> str:
    return render_template("public/status.html", form=StatusForm())


@blueprint.post("/status")
@limiter.shared_limit(status_limit, scope="status", deduct_when=lookup_failed)
def check_status() -> BaseResponse:
    form = StatusForm()
    if not form.validate_on_submit():
        return make_response(render_template("public/status.html", form=form), 400)
    assert form.tracking_code.data is not None  # InputRequired
    try:
        code = TrackingCode.parse(form.tracking_code.data)
    except CodeFormatError:
        form.tracking_code.errors = [_("A tracking code has 16 digits. Check what you typed.")]
        return make_response(render_template("public/status.html", form=form), 400)
    except MistypedCodeError:
        form.tracking_code.errors = [
            _(
                "This code contains a typing error: one digit is wrong or two digits are swapped. "
                "Check it against your note. This attempt was not counted."
            )
        ]
        return make_response(render_template("public/status.html", form=form), 400)
    session_db = db_session()
    keys = load_intake_keys(session_db, server_keys().tracking_pepper, settings().argon2)
    access = open_with_code(session_db, keys, code, lookup_runner())
    if access is None:
        form.tracking_code.errors = [
            _(
                "No report matches this code. Check the code; after several failed attempts "
                "you will have to wait before trying again."
            )
        ]
        return make_response(render_template("public/status.html", form=form), 404)
    token = reporter_sessions.open_session(session_db, access, _session_lifetime(), now_utc())
    session_db.commit()
    session[REPORTER_SESSION_KEY] = token
    return redirect(url_for("public.case_status"), code=303)


def _session_lifetime() -> timedelta:
    return timedelta(minutes=settings().reporter_session_minutes)


def _reporter_access() -> ReporterAccess | None:
    token = session.get(REPORTER_SESSION_KEY)
    if not token:
        return None
    session_db = db_session()
    access = reporter_sessions.resume(session_db, token, _session_lifetime(), now_utc())
    if access is not None and session_db.get_one(Case, access.case_id).purged_on is not None:
        # Purged after the retention period while this page was open: nothing to show.
        reporter_sessions.end_session(session_db, token)
        access = None
    session_db.commit()
    if access is None:
        session.pop(REPORTER_SESSION_KEY, None)
    return access


def _session_ended() -> BaseResponse:
    flash(_("Your session has ended. Enter your tracking code again."), "info")
    return redirect(url_for("public.status_form"), code=303)


def _render_case(
    access: ReporterAccess,
    reply_form: ReplyForm,
    status: int = 200,
    lost_files: list[str] | None = None,
    expired: bool = False,
) -> Response:
    view = reporter_view(db_session(), access)
    page = render_template(
        "public/case_status.html",
        view=view,
        status_label=status_label(view.status),
        status_explanation=status_explanation(view.status),
        event_label=event_label,
        status_label_for=status_label,
        form=reply_form,
        lost_files=lost_files or [],
        expired=expired,
        max_upload_mb=settings().max_upload_mb,
        forward_labels=FORWARD_LABELS,
        category_names=dict(category_choices(db_session(), str(get_locale()))),
        agency_names=dict(agency_choices(db_session())),
        how_known_labels=HOW_KNOWN_LABELS,
    )
    return make_response(page, status)


def _reply_expired() -> Response:
    """The reply form expired: show the typed reply again, never drop it."""
    lost = [f.filename or "" for f in uploaded_files()]
    access = _reporter_access()
    if access is not None:
        return _render_case(access, ReplyForm(), 400, lost, expired=True)
    page = render_template(
        "public/error.html",
        message=_(
            "Your session ended before your reply was sent, so it was not sent. Copy your "
            "text below, open your report again with your tracking code, and send it."
        ),
        kept_text=request.form.get("message", ""),
    )
    return make_response(page, 400)


@blueprint.get("/status/case")
def case_status() -> BaseResponse:
    access = _reporter_access()
    if access is None:
        return _session_ended()
    return _render_case(access, ReplyForm())


@blueprint.post("/status/reply")
@limiter.limit(submit_limit, scope="reply")
def reply() -> BaseResponse:
    access = _reporter_access()
    if access is None:
        return _session_ended()
    form = ReplyForm()
    files = uploaded_files()
    names = [f.filename or "" for f in files]
    if not form.validate_on_submit():
        return _render_case(access, form, 400, names)
    text_value = (form.message.data or "").strip()
    if not text_value and not files:
        form.message.errors = [_("Write a reply or choose a file to send.")]
        return _render_case(access, form, 400)
    too_many = _too_many_files(files)
    if too_many:
        form.evidence.errors = [too_many]
        return _render_case(access, form, 400, names)
    session_db = db_session()
    try:
        add_reply(
            session_db,
            access,
            text_value,
            [EvidenceFile(f.filename or "", f.stream) for f in files],
            settings().today(),
            settings().max_image_pixels,
        )
        case = session_db.get_one(Case, access.case_id)
        notify_reporter_reply(session_db, case, settings(), now_utc())
        session_db.commit()
    except EvidenceRejected as error:
        session_db.rollback()
        form.evidence.errors = [evidence_message(error)]
        return _render_case(access, form, 400, names)
    flash(_("Thank you. The officers will see what you sent."), "success")
    return redirect(url_for("public.case_status"), code=303)


@blueprint.get("/status/attachment/<int:attachment_id>")
def download_attachment(attachment_id: int) -> BaseResponse:
    access = _reporter_access()
    if access is None:
        return _session_ended()
    session_db = db_session()
    attachment = attachment_for(session_db, access, attachment_id)
    if attachment is None:
        return make_response(
            render_template("public/error.html", message=_("This file does not exist.")), 404
        )
    meta = read_meta(attachment, access.data_key)
    chunks = iter_content(session_db, attachment, access.data_key)
    # Open the first chunk before any header is sent: a damaged file then gets the
    # integrity page instead of a download that silently stops.
    first = next(chunks)
    response = Response(
        stream_with_context(itertools.chain([first], chunks)),
        mimetype=meta.mime_type,
    )
    response.headers["Content-Length"] = str(meta.size)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(meta.filename)}"
    return response


@blueprint.post("/status/end")
def end_status_session() -> BaseResponse:
    token = session.pop(REPORTER_SESSION_KEY, None)
    if token:
        session_db = db_session()
        reporter_sessions.end_session(session_db, token)
        session_db.commit()
    flash(_("You have left the status page. Keep your tracking code safe."), "info")
    return redirect(url_for("public.index"), code=303)
