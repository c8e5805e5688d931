"""`wbs grant-access`: the recovery key gives case access back when every holder forgot."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.conftest import FAST_ARGON2
from wbs.access_keys import has_key_access, redeem_grant
from wbs.app_context import database
from wbs.installation import InitResult, now_utc
from wbs.keyring import active_unit_key, unwrap_for_officer
from wbs.models import AuditEntry, Staff
from wbs.staff_accounts import create_staff

PASSWORD = "sawah-hijau-di-lembang-2026"


def _new_officer(app: Flask, roles: set[str]) -> None:
    with database(app).session() as session:
        create_staff(
            session,
            username="irban2",
            display_name="Irban II",
            password=PASSWORD,
            roles=roles,
            params=FAST_ARGON2,
            now=now_utc(),
        )


def test_recovery_key_grants_access_that_opens_at_the_next_login(
    app: Flask, init_result: InitResult
) -> None:
    _new_officer(app, {"supervisor"})
    result = app.test_cli_runner().invoke(
        args=["grant-access", "irban2"], input=init_result.recovery_key + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "Access granted to irban2" in result.output
    assert init_result.recovery_key not in result.output
    with database(app).session() as session:
        staff = session.scalars(select(Staff).where(Staff.username == "irban2")).one()
        assert has_key_access(session, staff)
        assert unwrap_for_officer(session, staff, PASSWORD, FAST_ARGON2) is None
        private = redeem_grant(session, staff, PASSWORD, FAST_ARGON2, now_utc())
        assert private is not None
        assert private.public_raw == active_unit_key(session).public_key
    with database(app).session() as session:
        staff = session.scalars(select(Staff).where(Staff.username == "irban2")).one()
        # The grant became an ordinary wrap under his password.
        assert unwrap_for_officer(session, staff, PASSWORD, FAST_ARGON2) is not None
        actions = list(session.scalars(select(AuditEntry.action)))
        assert "key.granted_with_recovery" in actions


def test_wrong_recovery_key_is_refused_and_grants_nothing(
    app: Flask, init_result: InitResult
) -> None:
    _new_officer(app, {"investigator"})
    wrong = "AAAA-" * 12 + "AAAA"
    result = app.test_cli_runner().invoke(args=["grant-access", "irban2"], input=wrong + "\n")
    assert result.exit_code == 1
    assert "not the recovery key" in result.output
    with database(app).session() as session:
        staff = session.scalars(select(Staff).where(Staff.username == "irban2")).one()
        assert not has_key_access(session, staff)


def test_accounts_without_a_case_role_or_unknown_are_refused(
    app: Flask, init_result: InitResult
) -> None:
    _new_officer(app, {"leadership"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["grant-access", "irban2"], input=init_result.recovery_key + "\n")
    assert result.exit_code == 1 and "no case role" in result.output
    result = runner.invoke(args=["grant-access", "nobody"], input=init_result.recovery_key + "\n")
    assert result.exit_code == 1 and "No active account" in result.output
