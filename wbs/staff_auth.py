"""Who is logged in, and what each role may reach (DESIGN.md, "Who uses it").

``@requires(*roles)`` hands the view the logged-in ``Officer`` (STYLE.md habit 4); the
view never reads the session itself. Not logged in: to the login page. Logged in
without one of the roles: 403.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for
from sqlalchemy import select

from wbs import audit, staff_sessions
from wbs.app_context import db_session, server_keys, settings
from wbs.crypto import UnitPrivateKey
from wbs.installation import now_utc
from wbs.models import Staff, StaffConflict
from wbs.staff_sessions import OpenSession

COOKIE = "wbs_staff"
CASE_ROLES = frozenset({"intake", "investigator", "supervisor"})
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Officer:
    staff: Staff
    session: OpenSession
    conflicts: frozenset[int] = field(default_factory=frozenset)

    @property
    def id(self) -> int:
        return self.staff.id

    @property
    def roles(self) -> frozenset[str]:
        return self.staff.role_set

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def handles_cases(self) -> bool:
        return bool(self.roles & CASE_ROLES)

    def unit_key(self) -> UnitPrivateKey | None:
        return self.session.unit_key()


def session_lifetimes() -> tuple[timedelta, timedelta]:
    config = settings()
    return timedelta(minutes=config.staff_idle_minutes), timedelta(hours=config.staff_session_hours)


def open_staff_session() -> OpenSession | None:
    """The request's staff session (cached), or None."""
    if "staff_session" not in g:
        cookie = request.cookies.get(COOKIE)
        opened = None
        if cookie:
            idle, maximum = session_lifetimes()
            opened = staff_sessions.resume(db_session(), cookie, now_utc(), idle, maximum)
            db_session().commit()
        g.staff_session = opened
    return g.staff_session


def current_officer() -> Officer | None:
    """The logged-in officer whose login is complete, or None."""
    if "officer" in g:
        return g.officer
    officer = None
    opened = open_staff_session()
    if opened is not None and opened.stage == "active":
        staff = db_session().get(Staff, opened.staff_id)
        if staff is not None and staff.active:
            conflicts = frozenset(
                db_session().scalars(
                    select(StaffConflict.agency_id).where(StaffConflict.staff_id == staff.id)
                )
            )
            officer = Officer(staff, opened, conflicts)
    g.officer = officer
    return officer


def requires(*roles: str) -> Callable[[F], F]:
    """Only logged-in staff holding one of ``roles`` (any role when none is given)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            officer = current_officer()
            if officer is None:
                opened = open_staff_session()
                # An "active" session whose account is gone or disabled goes to the
                # login page; sending it to admin.home would redirect for ever.
                if opened is not None and opened.stage != "active":
                    return redirect(url_for(STAGE_ENDPOINTS[opened.stage]))
                return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
            if roles and not officer.has(*roles):
                abort(403)
            return view(officer, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


STAGE_ENDPOINTS = {
    "totp": "admin.login_code",
    "enrol": "admin.enrol",
    "password": "admin.change_password",
    "active": "admin.home",
}


def record(action: str, staff_id: int | None, case_id: int | None = None, detail: str = "") -> None:
    """An audit entry in the request's transaction (committed with the action)."""
    audit.record(
        db_session(),
        server_keys().audit_chain,
        action,
        at=now_utc(),
        staff_id=staff_id,
        case_id=case_id,
        detail=detail,
    )
