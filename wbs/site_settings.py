"""Settings an admin changes on the pages, stored in ``site_setting`` (issue 4).

Everything else is configured in the environment (wbs/settings.py); these few are
policy choices the inspectorate makes and changes while the site runs, so every worker
reads them from the database on each use. Pure SQLAlchemy, no Flask.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.models import SiteSetting

# Publish figures per agency (OPD) on the public transparency page. Off by default: an
# agency's counts name the agency a reporter works in or reported on (issue 4).
TRANSPARENCY_AGENCIES = "transparency_agencies"

_STORED = {True: "true", False: "false"}
_READ = {text: flag for flag, text in _STORED.items()}


def get_flag(session: Session, key: str, default: bool = False) -> bool:
    """The stored yes/no setting ``key``, or ``default`` when it was never saved."""
    value = session.scalar(select(SiteSetting.value).where(SiteSetting.key == key))
    return default if value is None else _READ.get(value, default)


def set_flag(session: Session, key: str, value: bool, staff_id: int | None, now: datetime) -> None:
    """Store ``value`` for ``key``, with who changed it and when (``now``: naive UTC, as
    ``now_utc()``). The caller commits, together with its audit entry."""
    row = session.get(SiteSetting, key)
    if row is None:
        row = SiteSetting(key=key)
        session.add(row)
    row.value = _STORED[value]
    row.updated_at = now
    row.updated_by_id = staff_id
