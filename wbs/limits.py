"""Rate limits of the public entry points, read from the settings at request time."""

from __future__ import annotations

from flask import g
from werkzeug.wrappers import Response

from wbs.app_context import settings


def submit_limit() -> str:
    return settings().submit_rate_limit


def status_limit() -> str:
    return settings().status_rate_limit


def login_limit() -> str:
    return settings().login_rate_limit


def login_failed(response: Response) -> bool:
    """Only a refused login (wrong, throttled, locked, disabled) costs an attempt."""
    return response.status_code in (401, 403)


def report_was_filed(_response: Response) -> bool:
    """Only a filed report counts against the submission limit, not a form error."""
    return bool(g.get("report_filed"))


def lookup_failed(response: Response) -> bool:
    """Only a look-up that found nothing costs an attempt; a typo caught by the check
    digit (400) never reaches the database."""
    return response.status_code == 404
