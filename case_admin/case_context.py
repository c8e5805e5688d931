"""What the case views share: the actor, the handling context and name look-ups."""

from __future__ import annotations

from datetime import date

from flask import abort
from sqlalchemy import select

from wbs import notifications
from wbs.app_context import db_session, server_keys, settings
from wbs.case_actions import Handling
from wbs.case_permissions import Actor, may_see
from wbs.crypto import DataKey
from wbs.deadlines import DeadlineRules
from wbs.holiday_calendar import working_calendar
from wbs.installation import now_utc
from wbs.key_rotation import open_case_key
from wbs.models import Agency, Case, Category, Staff
from wbs.staff_auth import Officer


def actor_of(officer: Officer) -> Actor:
    return Actor(officer.id, officer.roles, officer.conflicts)


def visible_case(officer: Officer, case_id: int) -> Case:
    """The case, or 404 when it does not exist or this officer may not see it (a
    conflicted officer is not even told the case exists)."""
    case = db_session().get(Case, case_id)
    if case is None or not may_see(actor_of(officer), case.agency_id, case.assignee_id):
        abort(404)
    return case


def case_key(officer: Officer, case: Case) -> DataKey | None:
    private = officer.unit_key()
    if private is None or case.sealed_key is None:
        return None
    # Through the rotation module: during an unfinished `wbs rotate-unit-key` a case may
    # already be sealed to the new key while this session holds the old one.
    return open_case_key(db_session(), case, private)


def _notify(kind: str, case: Case, assignee: Staff | None) -> None:
    session, config, now = db_session(), settings(), now_utc()
    if kind == "assigned" and assignee is not None:
        notifications.notify_assigned(session, case, assignee, config, now)


def handling_for(officer: Officer, key: DataKey | None) -> Handling:
    config = settings()
    today = config.today()
    return Handling(
        actor=actor_of(officer),
        data_key=key,
        today=today,
        now=now_utc(),
        rules=DeadlineRules.from_settings(config),
        calendar=working_calendar(db_session(), range(today.year - 1, today.year + 2)),
        chain_key=server_keys().audit_chain,
        notify=_notify,
    )


def names() -> dict[str, dict[int, str]]:
    """Id → name maps for agencies, categories and staff, for the queue and case page."""
    session = db_session()
    from flask_babel import get_locale

    locale = str(get_locale())
    return {
        "agency": dict(session.execute(select(Agency.id, Agency.name)).all()),
        "category": {c.id: c.name(locale) for c in session.scalars(select(Category))},
        "staff": dict(session.execute(select(Staff.id, Staff.display_name)).all()),
    }


def today() -> date:
    return settings().today()
