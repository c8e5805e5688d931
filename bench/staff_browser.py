"""A staff member's browser for the benchmarks, with JavaScript off: a requests session
that takes paths, the CSRF token from a page, and the first login (password, then TOTP
enrolment). Kept apart from bench/locust_load.py, which imports locust (and with it
gevent's monkey-patching), so that other benchmarks can log in without it."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import requests

from bench.live_stack import Officer

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
TOTP_SECRET = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')


def token(pattern: re.Pattern[str], page: str) -> str:
    match = pattern.search(page)
    if not match:
        raise ValueError(f"no {pattern.pattern[:30]!r} on the page")
    return next(group for group in match.groups() if group)


class PrefixedSession:
    """A requests session that takes paths, as locust's client does."""

    def __init__(self, session: requests.Session, base_url: str) -> None:
        self.session, self.base_url = session, base_url

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=300, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.post(self.base_url + path, timeout=300, **kwargs)


def login(client: PrefixedSession, account: Officer) -> str:
    """Password, then TOTP enrolment (first login); the session's CSRF token."""
    page = client.get("/admin/login")
    response = client.post(
        "/admin/login",
        data={
            "csrf_token": token(CSRF, page.text),
            "username": account.username,
            "password": account.password,
        },
        allow_redirects=False,
    )
    if response.status_code != 302 or not response.headers["Location"].endswith("/admin/enrol"):
        raise RuntimeError(f"login of {account.username}: {response.status_code}")
    enrol = client.get("/admin/enrol")
    secret = token(TOTP_SECRET, enrol.text).replace(" ", "")
    csrf = token(CSRF, enrol.text)
    response = client.post(
        "/admin/enrol",
        data={"csrf_token": csrf, "code": pyotp.TOTP(secret).now()},
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"TOTP enrolment of {account.username}: {response.status_code}")
    return csrf
