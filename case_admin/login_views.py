"""Login (password, then TOTP), first-login enrolment, password change and logout."""

from __future__ import annotations

from datetime import UTC

import segno
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from case_admin import blueprint
from case_admin.forms import CodeForm, LoginForm, PasswordChangeForm
from case_admin.password_text import password_problem_text
from case_admin.staff_views import account_context
from wbs import staff_login, staff_sessions
from wbs.access_keys import redeem_grant, rewrap_access_key, rewrap_officer_key, set_access_key
from wbs.app_context import db_session, server_keys, settings
from wbs.extensions import limiter
from wbs.installation import now_utc
from wbs.keyring import unwrap_for_officer
from wbs.limits import login_failed, login_limit
from wbs.models import Staff
from wbs.password_policy import password_problem
from wbs.staff_accounts import password_hasher
from wbs.staff_auth import (
    COOKIE,
    STAGE_ENDPOINTS,
    Officer,
    current_officer,
    open_staff_session,
    record,
    requires,
    session_lifetimes,
)
from wbs.staff_login import LoginPolicy, PasswordCheck
from wbs.staff_sessions import OpenSession


def _policy() -> LoginPolicy:
    config = settings()
    return LoginPolicy(config.login_lockout_attempts, config.login_lockout_minutes)


def _safe_next(target: str | None) -> str:
    # A path under /admin/ only; a control character (CR LF) cannot go into a header.
    if target and target.startswith("/admin/") and target.isprintable():
        return target
    return url_for("admin.home")


def _refusal(check: PasswordCheck) -> str:
    if check.outcome in ("locked", "wait") and check.until is not None:
        # Stored in UTC; shown in the installation's time zone.
        when = format_datetime(check.until.replace(tzinfo=UTC), "HH:mm:ss")
        if check.outcome == "locked":
            return _(
                "This account is locked after too many failed attempts. Try again after "
                "%(time)s, or ask an admin to unlock it.",
                time=when,
            )
        return _("Too many failed attempts. Wait until %(time)s and try again.", time=when)
    if check.outcome == "disabled":
        return _("This account is disabled. Ask an admin if you need access again.")
    return _("The username or password is wrong.")


def _stage_after_password(staff: Staff) -> str:
    if staff.must_change_password:
        return "password"
    if staff.totp_secret is None:
        return "enrol"
    return "totp"


@blueprint.get("/")
def home() -> BaseResponse:
    # Only case roles may open the queue; others start where their work is.
    officer = current_officer()
    if officer is not None and not officer.handles_cases:
        if officer.has("leadership"):
            return redirect(url_for("admin.dashboard"))
        if officer.has("sakip", "agency_staff", "agency_head"):
            return redirect(url_for("sakip.home"))
        if officer.has("asn"):
            return redirect(url_for("kinerja.home"))
        return redirect(url_for("admin.staff_list" if officer.has("admin") else "admin.account"))
    return redirect(url_for("admin.queue"))


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(login_limit, scope="staff-login", deduct_when=login_failed, methods=["POST"])
def login() -> BaseResponse | tuple[str, int] | str:
    form = LoginForm()
    next_url = request.args.get("next")
    if not form.validate_on_submit():
        return render_template("case_admin/login.html", form=form, next_url=next_url)
    session = db_session()
    now = now_utc()
    config = settings()
    check = staff_login.check_password(
        session, form.username.data or "", form.password.data or "", config.argon2, _policy(), now
    )
    if check.outcome != "ok" or check.staff is None:
        staff_id = check.staff.id if check.staff is not None else None
        record("login.failed", staff_id, detail=f"password {check.outcome}")
        session.commit()
        form.password.data = ""
        return render_template(
            "case_admin/login.html", form=form, next_url=next_url, refusal=_refusal(check)
        ), 401 if check.outcome == "wrong" else 403
    staff = check.staff
    password = form.password.data or ""
    if staff.access_public_key is None:
        set_access_key(staff, password, config.argon2)
    private = unwrap_for_officer(session, staff, password, config.argon2)
    if private is None:
        private = redeem_grant(session, staff, password, config.argon2, now)
        if private is not None:
            record("key.grant_redeemed", staff.id)
    idle, _maximum = session_lifetimes()
    opened = staff_sessions.start(
        session, staff.id, _stage_after_password(staff), private, now, idle
    )
    record("login.password_ok", staff.id)
    session.commit()
    response = redirect(
        url_for(STAGE_ENDPOINTS[opened.stage], next=_safe_next(next_url))
        if opened.stage == "totp"
        else url_for(STAGE_ENDPOINTS[opened.stage])
    )
    _set_cookie(response, opened)
    return response


def _set_cookie(response: BaseResponse, opened: OpenSession) -> None:
    response.set_cookie(
        COOKIE,
        opened.token.encode(),
        httponly=True,
        samesite="Lax",
        secure=settings().secure_cookies,
        path="/",
    )


def _pending_session(stage: str) -> tuple[OpenSession, Staff] | None:
    opened = open_staff_session()
    if opened is None or opened.stage != stage:
        return None
    staff = db_session().get(Staff, opened.staff_id)
    if staff is None or not staff.active:
        return None
    return opened, staff


@blueprint.route("/login/code", methods=["GET", "POST"])
@limiter.shared_limit(login_limit, scope="staff-login", deduct_when=login_failed, methods=["POST"])
def login_code() -> BaseResponse | tuple[str, int] | str:
    pending = _pending_session("totp")
    if pending is None:
        return redirect(url_for("admin.login"))
    opened, staff = pending
    form = CodeForm()
    next_url = request.args.get("next")
    if not form.validate_on_submit():
        return render_template("case_admin/login_code.html", form=form)
    now = now_utc()
    check = staff_login.check_totp(
        staff, form.code.data or "", server_keys().totp_secrets, _policy(), now
    )
    session = db_session()
    if check.outcome != "ok":
        record("login.failed", staff.id, detail=f"totp {check.outcome}")
        if check.outcome == "locked":
            staff_sessions.end_all_for(session, staff.id)
        session.commit()
        form.code.data = ""
        return render_template(
            "case_admin/login_code.html", form=form, refusal=_refusal(check)
        ), 401
    staff_login.login_succeeded(staff, now)
    opened.row.stage = "active"
    record("login.success", staff.id)
    session.commit()
    return redirect(_safe_next(next_url))


@blueprint.route("/enrol", methods=["GET", "POST"])
def enrol() -> BaseResponse | tuple[str, int] | str:
    pending = _pending_session("enrol")
    if pending is None:
        return redirect(url_for("admin.login"))
    opened, staff = pending
    session = db_session()
    secret = opened.pending_totp()
    if secret is None:
        secret = staff_login.new_totp_secret()
        opened.set_pending_totp(secret)
        session.commit()
    form = CodeForm()
    refusal = None
    if form.validate_on_submit():
        now = now_utc()
        if staff_login.confirm_enrolment(
            staff, secret, form.code.data or "", server_keys().totp_secrets, now
        ):
            opened.set_pending_totp(None)
            opened.row.stage = "active"
            staff_login.login_succeeded(staff, now)
            record("totp.enrolled", staff.id)
            record("login.success", staff.id)
            session.commit()
            flash(_("Your authenticator app is set up. Welcome."), "success")
            return redirect(url_for("admin.home"))
        refusal = _("That code does not match. Check the time on your phone and try again.")
        form.code.data = ""
    uri = staff_login.provisioning_uri(secret, staff.username, settings().organisation)
    qr_svg = segno.make(uri, error="m").svg_inline(
        scale=5, omitsize=True, title=_("QR code to scan")
    )
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template(
        "case_admin/enrol.html", form=form, qr_svg=qr_svg, secret=grouped, refusal=refusal
    ), (400 if refusal else 200)


def _change_password(
    staff: Staff, opened: OpenSession, form: PasswordChangeForm
) -> tuple[str, str] | None:
    """Apply a password change; (field, refusal text), or None when done."""
    config = settings()
    hasher = password_hasher(config.argon2)
    current, new = form.current.data or "", form.new.data or ""
    try:
        hasher.verify(staff.password_hash, current)
    except Exception:  # noqa: BLE001 - argon2 raises several kinds for a mismatch
        return "current", _("The current password is wrong.")
    if new == current:
        return "new", _("Choose a password different from the current one.")
    problem = password_problem(new, staff.username)
    if problem is not None:
        return "new", password_problem_text(problem.reason)
    session = db_session()
    now = now_utc()
    rewrap_access_key(staff, current, new, config.argon2)
    private = opened.unit_key()
    if private is not None:
        rewrap_officer_key(session, staff, private, new, config.argon2, now)
    staff.password_hash = hasher.hash(new)
    staff.must_change_password = False
    # Every other session of this account ends; this one goes on.
    staff_sessions.end_all_for(session, staff.id, keep=opened.row.id_hash)
    record("password.changed", staff.id)
    return None


@blueprint.route("/password", methods=["GET", "POST"])
def change_password() -> BaseResponse | tuple[str, int] | str:
    opened = open_staff_session()
    if opened is None or opened.stage not in ("password", "active"):
        return redirect(url_for("admin.login"))
    staff = db_session().get(Staff, opened.staff_id)
    if staff is None or not staff.active:
        return redirect(url_for("admin.login"))
    form = PasswordChangeForm()
    forced = opened.stage == "password"
    if form.validate_on_submit():
        refusal = _change_password(staff, opened, form)
        if refusal is None:
            if forced:
                opened.row.stage = "enrol" if staff.totp_secret is None else "active"
            db_session().commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for(STAGE_ENDPOINTS[opened.row.stage]))
        field, text = refusal
        form[field].errors = [text]
    return render_template("case_admin/password.html", form=form, forced=forced)


@blueprint.post("/logout")
def logout() -> BaseResponse:
    cookie = request.cookies.get(COOKIE)
    opened = open_staff_session()
    session = db_session()
    if cookie:
        if opened is not None:
            record("logout", opened.staff_id)
        staff_sessions.end(session, cookie)
        session.commit()
    flash(_("You have logged out."), "success")
    response = make_response(redirect(url_for("admin.login")))
    response.delete_cookie(COOKIE, path="/")
    return response


@blueprint.get("/account")
@requires()
def account(officer: Officer) -> str:
    return render_template("case_admin/account.html", officer=officer, **account_context(officer))
