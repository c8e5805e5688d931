"""`wbs grant-access USERNAME`: the recovery key grants case access to an account.

For when every key holder has forgotten his password: an admin resets a supervisor's
password (or creates an account), then the holder of the printed recovery key runs this
command; the grant becomes the account's own key wrap at its next login.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from wbs import audit
from wbs.access_keys import grant
from wbs.app_context import database, server_keys
from wbs.crypto import DecryptionError
from wbs.installation import now_utc
from wbs.keyring import NotInitialisedError, RecoveryKey, unwrap_with_recovery
from wbs.models import Staff

CASE_ROLES = {"intake", "investigator", "supervisor"}


@click.command("grant-access")
@click.argument("username")
@with_appcontext
def grant_access_command(username: str) -> None:
    """Grant case access to USERNAME with the recovery key (asked, not echoed)."""
    with database().session() as session:
        staff = session.scalar(select(Staff).where(Staff.username == username))
        if staff is None or not staff.active:
            raise click.ClickException(f"No active account named {username!r}.")
        if not staff.role_set & CASE_ROLES:
            raise click.ClickException(
                f"{username!r} has no case role (intake, investigator, supervisor): give it "
                "one first."
            )
        if staff.access_public_key is None:
            raise click.ClickException(
                f"{username!r} must log in once before access can be granted."
            )
        text = click.prompt("Recovery key", hide_input=True)
        try:
            private = unwrap_with_recovery(session, RecoveryKey.parse(text))
        except (ValueError, DecryptionError):
            raise click.ClickException("This is not the recovery key of this instance.") from None
        except NotInitialisedError as error:
            raise click.ClickException(str(error)) from None
        now = now_utc()
        grant(session, staff, private, now)
        audit.record(
            session,
            server_keys().audit_chain,
            "key.granted_with_recovery",
            at=now,
            detail=f"staff {staff.id}",
        )
    click.echo(f"Access granted to {username}; it takes effect at the account's next login.")
