"""`wbs init`: migrate, create the unit key pair, the first admin and the recovery key."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from wbs.crypto import UnitPrivateKey
from wbs.db import Database, migrate
from wbs.keyring import create_unit_key, is_initialised, wrap_for_officer, wrap_for_recovery
from wbs.settings import Settings
from wbs.staff_accounts import create_staff

# The first account bootstraps the inspectorate: it manages accounts (admin) and
# grants case access to the officers it creates (supervisor), so it holds a key wrap.
FIRST_ADMIN_ROLES = {"admin", "supervisor"}


@dataclass(frozen=True, repr=False)
class InitResult:
    admin_username: str
    admin_password: str
    recovery_key: str
    # Kept in memory only, so that `wbs demo` can grant access to its demo officers.
    unit_private_key: UnitPrivateKey


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def initialise(
    db: Database, settings: Settings, admin_username: str, admin_password: str | None = None
) -> InitResult | None:
    """Migrate, then create keys and the first admin. None when already initialised."""
    migrate(db.url)
    with db.session() as session:
        if is_initialised(session):
            return None
        now = now_utc()
        unit_key, private = create_unit_key(session, now)
        password = admin_password or secrets.token_urlsafe(15)
        admin = create_staff(
            session,
            username=admin_username,
            display_name=admin_username,
            password=password,
            roles=FIRST_ADMIN_ROLES,
            params=settings.argon2,
            now=now,
        )
        wrap_for_officer(session, unit_key, private, admin, password, settings.argon2, now)
        recovery = wrap_for_recovery(session, unit_key, private, now)
    return InitResult(admin_username, password, recovery.display(), private)
