"""Creating staff accounts and hashing their passwords (Argon2id)."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from wbs.crypto import Argon2Params
from wbs.models import ROLES, Staff

MIN_PASSWORD_LENGTH = 12


def password_hasher(params: Argon2Params) -> PasswordHasher:
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
    )


def create_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: set[str],
    params: Argon2Params,
    now: datetime,
) -> Staff:
    unknown = roles - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    staff = Staff(
        username=username,
        display_name=display_name,
        password_hash=password_hasher(params).hash(password),
        roles=" ".join(sorted(roles)),
        active=True,
        created_at=now,
    )
    session.add(staff)
    session.flush()
    return staff
