"""Creating staff accounts and hashing their passwords (Argon2id)."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from wbs.access_keys import set_access_key
from wbs.crypto import Argon2Params
from wbs.models import ROLES, Staff
from wbs.password_policy import MIN_LENGTH, password_problem

MIN_PASSWORD_LENGTH = MIN_LENGTH


class WeakPasswordError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            {
                "too_short": f"a password has at least {MIN_LENGTH} characters",
                "too_long": "a password has at most 200 characters",
                "contains_username": "a password must not contain the username",
                "guessable": "this password is too easy to guess (common or breached-looking)",
            }[reason]
        )
        self.reason = reason


def password_hasher(params: Argon2Params) -> PasswordHasher:
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
    )


def check_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise WeakPasswordError(problem.reason)


def create_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: set[str],
    params: Argon2Params,
    now: datetime,
    email: str | None = None,
    must_change_password: bool = False,
) -> Staff:
    unknown = roles - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    check_password(password, username)
    staff = Staff(
        username=username,
        display_name=display_name,
        email=email or None,
        password_hash=password_hasher(params).hash(password),
        roles=" ".join(sorted(roles)),
        active=True,
        must_change_password=must_change_password,
        failed_logins=0,
        created_at=now,
    )
    session.add(staff)
    session.flush()
    set_access_key(staff, password, params)
    return staff
