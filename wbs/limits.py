"""Rate limits of the public entry points, read from the settings at request time."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g
from redis.exceptions import RedisError
from werkzeug.wrappers import Response

from wbs.app_context import settings
from wbs.extensions import client_key, limiter
from wbs.lookup_priority import LookupLanes
from wbs.reporter_access import run_directly
from wbs.tracking_code import CodeKeys, TrackingCode


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


def failed_before() -> bool:
    """Whether this client already failed a status look-up in the limit's windows.

    Read from the limiter's own counters (the limit was checked for this request just
    before the view ran). When the limiter's storage cannot answer, the look-up runs
    at normal priority: the limit itself still holds (wbs/extensions.py).
    """
    try:
        return any(limit.remaining < limit.limit.amount for limit in limiter.current_limits)
    except RedisError:
        return False


def lookup_runner() -> Callable[[Callable[[TrackingCode], CodeKeys], TrackingCode], CodeKeys]:
    """Where this request's Argon2id run goes: the low-priority lane after a failure or
    beside another look-up from the same client (wbs/lookup_priority.py), else this
    thread."""
    lanes: LookupLanes = current_app.extensions["wbs.lookup_lanes"]

    def run(derive: Callable[[TrackingCode], CodeKeys], code: TrackingCode) -> CodeKeys:
        with lanes.running(client_key()) as busy:
            if busy or failed_before():
                return lanes.low.run(derive, code)
            return run_directly(derive, code)

    return run
