"""Staff login as an officer meets it, through the test client with CSRF on: password,
TOTP enrolment and second step, slow-down and lockout, disabled accounts, session
expiry and logout, password changes (issue 3; OWASP Authentication Cheat Sheet).

Pages are read in English (the language switch) so that assertions do not depend on
the Indonesian catalogue.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from tests.conftest import ADMIN_PASSWORD, FAST_ARGON2
from tests.staff_helpers import (
    english,
    login,
    logout,
    post_form,
    staff_login_with_totp,
    submit_password,
    totp_code,
)
from wbs import create_app, staff_sessions
from wbs.app_context import database
from wbs.crypto import DecryptionError
from wbs.demo_data import load_reference_data
from wbs.installation import InitResult, initialise, now_utc
from wbs.keyring import unwrap_for_officer
from wbs.models import AuditEntry, Staff, StaffSession
from wbs.settings import Settings
from wbs.staff_accounts import create_staff

NEW_PASSWORD = "kebun-teh-berkabut-pagi-77"
WRONG_PASSWORD_TEXT = "The username or password is wrong."


def refusal(response) -> str:  # noqa: ANN001 - a TestResponse
    match = re.search(
        r'notice notice-error" role="alert">([^<]*)<', response.get_data(as_text=True)
    )
    assert match, "no refusal on the page"
    return html.unescape(match.group(1))


def actions(app: Flask) -> list[tuple[str, str]]:
    with database(app).session() as session:
        return list(
            session.execute(select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.seq))
        )


def admin_row(app: Flask) -> Staff:
    with database(app).session() as session:
        return session.scalars(select(Staff).where(Staff.username == "admin")).one()


def end_slow_down(app: Flask, username: str = "admin") -> None:
    """The slow-down wait, over at once instead of sleeping through it."""
    with database(app).session() as session:
        session.execute(update(Staff).where(Staff.username == username).values(locked_until=None))


def wrong_code(secret: str) -> str:
    """A six-digit code that none of the accepted steps would give."""
    accepted = {totp_code(secret, step) for step in (-2, -1, 0, 1, 2)}
    return next(code for code in ("123456", "654321", "111111", "222222") if code not in accepted)


@pytest.fixture
def staff(client: FlaskClient) -> FlaskClient:
    return english(client)


def test_first_login_goes_from_password_to_enrolment_to_the_queue(
    app: Flask, staff: FlaskClient
) -> None:
    response = submit_password(staff, "admin", ADMIN_PASSWORD)
    assert response.headers["Location"].endswith("/admin/enrol")
    # Not logged in yet: a staff page sends back to the enrolment step.
    assert staff.get("/admin/cases").headers["Location"].endswith("/admin/enrol")
    page = staff.get("/admin/enrol").get_data(as_text=True)
    assert "<svg" in page and "Set up your second factor" in page

    fresh = english(app.test_client())
    secret = login(fresh, "admin", ADMIN_PASSWORD)
    queue = fresh.get("/admin/", follow_redirects=True)
    assert queue.status_code == 200
    assert queue.request.path == "/admin/cases"
    assert "Cases" in queue.get_data(as_text=True)
    assert len(secret) >= 16
    logged = [action for action, _ in actions(app)]
    assert "totp.enrolled" in logged and logged[-1] == "login.success"
    assert admin_row(app).last_login_at is not None


def test_second_login_needs_the_code_refuses_a_wrong_or_reused_one(
    app: Flask, client: FlaskClient
) -> None:
    secret = login(english(client), "admin", ADMIN_PASSWORD)
    second = english(app.test_client())
    response = submit_password(second, "admin", ADMIN_PASSWORD)
    assert "/admin/login/code" in response.headers["Location"]
    # The password alone opens nothing.
    assert "/admin/login/code" in second.get("/admin/account").headers["Location"]

    response = post_form(second, "/admin/login/code", {"code": wrong_code(secret)})
    assert response.status_code == 401
    assert refusal(response) == WRONG_PASSWORD_TEXT
    assert "/admin/login/code" in second.get("/admin/account").headers["Location"]

    code = totp_code(secret, 1)
    response = post_form(second, "/admin/login/code", {"code": code})
    assert response.status_code == 302
    assert second.get("/admin/account").status_code == 200
    logout(second)

    # The same code, a moment later, from someone who watched it being typed.
    third = english(app.test_client())
    submit_password(third, "admin", ADMIN_PASSWORD)
    response = post_form(third, "/admin/login/code", {"code": code})
    assert response.status_code == 401
    assert third.get("/admin/account").status_code == 302
    failures = [detail for action, detail in actions(app) if action == "login.failed"]
    assert failures == ["totp wrong", "totp wrong"]


def test_unknown_user_and_wrong_password_get_the_same_answer(
    app: Flask, staff: FlaskClient
) -> None:
    unknown = submit_password(staff, "nobody", ADMIN_PASSWORD)
    wrong = submit_password(staff, "admin", "salah-sandi-sekali-2026")
    assert unknown.status_code == wrong.status_code == 401
    assert refusal(unknown) == refusal(wrong) == WRONG_PASSWORD_TEXT
    # The typed username stays in the form; the password does not.
    assert 'value="admin"' in wrong.get_data(as_text=True)
    assert "salah-sandi" not in wrong.get_data(as_text=True)
    assert [a for a, _ in actions(app)] == ["login.failed", "login.failed"]
    assert staff.get("/admin/account").status_code == 302


def test_two_failures_slow_the_next_attempt_down(app: Flask, staff: FlaskClient) -> None:
    for _attempt in range(2):
        assert submit_password(staff, "admin", "salah-sandi-sekali-2026").status_code == 401
    # Even the right password must wait now.
    response = submit_password(staff, "admin", ADMIN_PASSWORD)
    assert response.status_code == 403
    assert refusal(response).startswith("Too many failed attempts. Wait until")
    assert actions(app)[-1] == ("login.failed", "password wait")
    end_slow_down(app)
    assert submit_password(staff, "admin", ADMIN_PASSWORD).status_code == 302


def test_five_failures_lock_the_account(app: Flask, settings: Settings, staff: FlaskClient) -> None:
    assert settings.login_lockout_attempts == 5
    for _attempt in range(settings.login_lockout_attempts):
        end_slow_down(app)
        assert submit_password(staff, "admin", "salah-sandi-sekali-2026").status_code == 401
    response = submit_password(staff, "admin", ADMIN_PASSWORD)
    assert response.status_code == 403
    assert refusal(response).startswith("This account is locked after too many failed attempts.")
    assert "ask an admin to unlock it" in refusal(response)
    row = admin_row(app)
    assert row.failed_logins == 5
    assert row.locked_until is not None
    assert row.locked_until - now_utc() > timedelta(minutes=settings.login_lockout_minutes - 1)
    assert actions(app)[-1] == ("login.failed", "password locked")
    assert [detail for _, detail in actions(app)].count("password wrong") == 5


def test_disabled_account_is_told_so_only_after_the_right_password(
    app: Flask, staff: FlaskClient
) -> None:
    with database(app).session() as session:
        account = create_staff(
            session,
            username="lama",
            display_name="Pegawai Lama",
            password=NEW_PASSWORD,
            roles={"intake"},
            params=FAST_ARGON2,
            now=now_utc(),
        )
        account.active = False
    wrong = submit_password(staff, "lama", "salah-sandi-sekali-2026")
    assert refusal(wrong) == WRONG_PASSWORD_TEXT
    right = submit_password(staff, "lama", NEW_PASSWORD)
    assert right.status_code == 403
    assert refusal(right) == "This account is disabled. Ask an admin if you need access again."
    assert staff.get("/admin/account").status_code == 302


@pytest.fixture
def short_idle_app(settings: Settings) -> Iterator[Flask]:
    application = create_app(dataclasses.replace(settings, staff_idle_minutes=5))
    assert initialise(database(application), settings, "admin", ADMIN_PASSWORD) is not None
    with database(application).session() as session:
        load_reference_data(session)
    yield application
    database(application).dispose()


def test_an_idle_session_expires(short_idle_app: Flask) -> None:
    staff = english(short_idle_app.test_client())
    login(staff, "admin", ADMIN_PASSWORD)
    assert staff.get("/admin/account").status_code == 200
    with database(short_idle_app).session() as session:
        row = session.scalars(select(StaffSession)).one()
        assert row.expires_at - row.last_seen_at == timedelta(minutes=5)
        # Five idle minutes later, without sleeping through them.
        row.expires_at = now_utc() - timedelta(seconds=1)
    response = staff.get("/admin/account")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]
    with database(short_idle_app).session() as session:
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 0


def test_the_idle_expiry_slides_at_most_every_half_minute(
    app: Flask, init_result: InitResult
) -> None:
    # A page read within SLIDE_STEP of the last slide writes nothing; a later one slides
    # the expiry again (never past the session's maximum).
    idle, maximum = timedelta(minutes=5), timedelta(hours=8)
    began = now_utc()
    with database(app).session() as session:
        staff_id = session.scalars(select(Staff.id)).first()
        assert staff_id is not None
        cookie = staff_sessions.start(session, staff_id, "active", None, began, idle).token.encode()

    def read_at(seconds: int) -> tuple[object, object]:
        with database(app).session() as session:
            opened = staff_sessions.resume(
                session, cookie, began + timedelta(seconds=seconds), idle, maximum
            )
            assert opened is not None
        with database(app).session() as session:
            row = session.scalars(select(StaffSession)).one()
            return row.last_seen_at, row.expires_at

    assert read_at(10) == (began, began + idle)
    assert read_at(29) == (began, began + idle)
    moved = began + timedelta(seconds=31)
    assert read_at(31) == (moved, moved + idle)
    assert read_at(50) == (moved, moved + idle)


def test_logout_ends_the_session_on_the_server(app: Flask, staff: FlaskClient) -> None:
    login(staff, "admin", ADMIN_PASSWORD)
    cookie = staff.get_cookie("wbs_staff")
    assert cookie is not None
    response = logout(staff)
    assert response.headers["Location"].endswith("/admin/login")
    with database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 0
    # A copy of the old cookie opens nothing any more.
    thief = app.test_client()
    thief.set_cookie("wbs_staff", cookie.value)
    assert "/admin/login" in thief.get("/admin/account").headers["Location"]
    assert actions(app)[-1][0] == "logout"


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("pendek-1", "Use at least 12 characters."),
        ("password1234", "This password is too easy to guess"),
        ("admin-kebun-teh-pagi", "The password must not contain your username."),
    ],
)
def test_a_weak_new_password_is_refused_with_the_reason(
    app: Flask, staff: FlaskClient, new: str, reason: str
) -> None:
    login(staff, "admin", ADMIN_PASSWORD)
    response = post_form(
        staff, "/admin/password", {"current": ADMIN_PASSWORD, "new": new, "repeat": new}
    )
    assert response.status_code == 200
    assert reason in html.unescape(response.get_data(as_text=True))
    # Nothing changed: the old password still opens the unit key.
    with database(app).session() as session:
        admin = session.scalars(select(Staff).where(Staff.username == "admin")).one()
        assert unwrap_for_officer(session, admin, ADMIN_PASSWORD, FAST_ARGON2) is not None
    assert "password.changed" not in [action for action, _ in actions(app)]


def test_a_password_change_keeps_access_to_report_content(app: Flask, staff: FlaskClient) -> None:
    secret = login(staff, "admin", ADMIN_PASSWORD)
    other = english(app.test_client())
    staff_login_with_totp(other, "admin", ADMIN_PASSWORD, secret, step=1)
    response = post_form(
        staff,
        "/admin/password",
        {"current": ADMIN_PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
    )
    assert response.status_code == 302
    # This session goes on; the other one has ended.
    assert staff.get("/admin/account").status_code == 200
    assert other.get("/admin/account").status_code == 302
    with database(app).session() as session:
        admin = session.scalars(select(Staff).where(Staff.username == "admin")).one()
        assert unwrap_for_officer(session, admin, NEW_PASSWORD, FAST_ARGON2) is not None
        with pytest.raises(DecryptionError):
            unwrap_for_officer(session, admin, ADMIN_PASSWORD, FAST_ARGON2)
    assert submit_password(english(app.test_client()), "admin", ADMIN_PASSWORD).status_code == 401
    assert ("password.changed", "") in actions(app)


def test_a_locked_account_answers_a_wrong_password_like_an_unknown_user(
    app: Flask, settings: Settings, staff: FlaskClient
) -> None:
    for _attempt in range(settings.login_lockout_attempts):
        end_slow_down(app)
        submit_password(staff, "admin", "salah-sandi-sekali-2026")
    locked_until = admin_row(app).locked_until
    unknown = submit_password(staff, "tidak-ada", "salah-sandi-lain-2026")
    wrong = submit_password(staff, "admin", "salah-sandi-lain-2026")
    assert unknown.status_code == wrong.status_code == 401
    assert refusal(unknown) == refusal(wrong) == WRONG_PASSWORD_TEXT
    # Attempts during the lock neither count nor stretch it.
    assert admin_row(app).failed_logins == settings.login_lockout_attempts
    assert admin_row(app).locked_until == locked_until
    right = submit_password(staff, "admin", ADMIN_PASSWORD)
    assert refusal(right).startswith("This account is locked")
