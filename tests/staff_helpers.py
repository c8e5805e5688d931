"""Helpers that drive the staff pages as a browser would: the CSRF token comes from the
page, TOTP codes from the secret the enrolment page shows.

A TOTP step (30 s) is accepted once per account, and the server allows one step of
clock drift either way. So enrolment uses the current step (``step=0``) and the next
login of the same account ``step=1``; use a separate test client per person, rather
than logging the same person out and in again, to stay within those two steps.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import FAST_ARGON2
from wbs.app_context import database
from wbs.installation import InitResult, now_utc
from wbs.keyring import active_unit_key, wrap_for_officer
from wbs.staff_accounts import create_staff

# A password that passes the policy, for the accounts tests create.
STAFF_PASSWORD = "kopi-pagi-di-braga-2026"


def create_officer(
    app: Flask,
    init_result: InitResult,
    username: str,
    roles: set[str],
    *,
    key_access: bool = True,
    display_name: str | None = None,
    password: str = STAFF_PASSWORD,
) -> int:
    """An account with ``roles``; with ``key_access`` (and a case role) it holds a wrap of
    the unit key, as if a supervisor had granted access and it had logged in since."""
    with database(app).session() as session:
        staff = create_staff(
            session,
            username=username,
            display_name=display_name or username.title(),
            password=password,
            roles=roles,
            params=FAST_ARGON2,
            now=now_utc(),
        )
        if key_access and roles & {"intake", "investigator", "supervisor"}:
            private = init_result.unit_private_key
            unit_key = active_unit_key(session)
            wrap_for_officer(session, unit_key, private, staff, password, FAST_ARGON2, now_utc())
        return staff.id


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_SECRET = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')


def english(client: FlaskClient) -> FlaskClient:
    """The same client after choosing English with the language switch, so assertions
    read the msgids rather than depend on the Indonesian catalogue."""
    response = client.get("/lang/en?next=/admin/login")
    assert response.status_code == 303
    return client


def csrf_token(client: FlaskClient, path: str = "/admin/login") -> str:
    """A CSRF token of this client's browser session, read from a page's form."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def post_form(
    client: FlaskClient, path: str, data: dict[str, object] | None = None, page: str | None = None
) -> TestResponse:
    """POST ``data`` to ``path`` with a CSRF token read from ``page`` (default: ``path``)."""
    token = csrf_token(client, page or path)
    return client.post(path, data={"csrf_token": token, **(data or {})})


def totp_code(secret: str, step: int = 0) -> str:
    """The code of the time step ``step`` steps after the current one."""
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * step))


def submit_password(client: FlaskClient, username: str, password: str) -> TestResponse:
    """The first login step; the response is a redirect to the next step when accepted."""
    return post_form(client, "/admin/login", {"username": username, "password": password})


def enrolment_secret(client: FlaskClient) -> str:
    """The TOTP secret the enrolment page shows (the session must be at that stage)."""
    html = client.get("/admin/enrol").get_data(as_text=True)
    match = _SECRET.search(html)
    assert match, "no TOTP secret on the enrolment page"
    return match.group(1).replace(" ", "")


def login(
    client: FlaskClient, username: str, password: str, new_password: str | None = None
) -> str:
    """A first login: password, the forced password change when the account has a
    temporary one (to ``new_password``), TOTP enrolment. Returns the TOTP secret."""
    response = submit_password(client, username, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.headers["Location"].endswith("/admin/password"):
        assert new_password, "this account must change its password: pass new_password"
        response = post_form(
            client,
            "/admin/password",
            {"current": password, "new": new_password, "repeat": new_password},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/admin/enrol"), response.headers["Location"]
    secret = enrolment_secret(client)
    response = post_form(client, "/admin/enrol", {"code": totp_code(secret, 0)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return secret


def staff_login_with_totp(
    client: FlaskClient, username: str, password: str, secret: str, step: int = 1
) -> TestResponse:
    """A later login: password, then the code of ``step``. Returns the code step's
    response (a redirect when accepted)."""
    response = submit_password(client, username, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "/admin/login/code" in response.headers["Location"], response.headers["Location"]
    return post_form(client, "/admin/login/code", {"code": totp_code(secret, step)})


def logout(client: FlaskClient) -> TestResponse:
    return post_form(client, "/admin/logout", page="/admin/account")
