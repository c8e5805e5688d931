"""Operator commands for data at rest: `wbs purge` and `wbs rotate-unit-key`.

Thin click wrappers over wbs.retention and wbs.key_rotation; output is English, for
operators. Secrets are asked with hidden input, never taken from the command line
(where they would stay in the shell history and the process list).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from wbs.app_context import database, server_keys, settings
from wbs.installation import now_utc
from wbs.key_rotation import (
    DEFAULT_BATCH_SIZE as ROTATION_BATCH_SIZE,
)
from wbs.key_rotation import (
    DEFAULT_SETTLE_SECONDS,
    Rotation,
    RotationError,
    count_cases,
    finish_rotation,
    open_old_key,
    reseal_cases,
    resume_rotation,
    rotation_state,
    start_rotation,
)
from wbs.keyring import NotInitialisedError, RecoveryKey, is_initialised
from wbs.models import Staff, UnitKeyWrap
from wbs.retention import DEFAULT_BATCH_SIZE as PURGE_BATCH_SIZE
from wbs.retention import count_due, cutoff_date, purge_closed_cases


def _cases(count: int) -> str:
    return f"{count} case" if count == 1 else f"{count} cases"


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count the cases that would be purged.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=PURGE_BATCH_SIZE,
    show_default=True,
    help="Cases purged per transaction.",
)
@with_appcontext
def purge_command(dry_run: bool, batch_size: int) -> None:
    """Crypto-shred cases closed more than WBS_RETENTION_DAYS ago; only statistics remain."""
    db, config = database(), settings()
    cutoff = cutoff_date(config.today(), config.retention_days)
    if dry_run:
        with db.session() as session:
            due = count_due(session, cutoff)
        click.echo(
            f"{_cases(due)} closed on or before {cutoff.isoformat()} would be purged "
            "(dry run: nothing was changed)."
        )
        return

    def progress(total: int) -> None:
        if total % batch_size == 0:
            click.echo(f"  {_cases(total)} purged so far...")

    result = purge_closed_cases(
        db,
        today=config.today(),
        retention_days=config.retention_days,
        chain_key=server_keys().audit_chain,
        now=now_utc,
        batch_size=batch_size,
        on_batch=progress,
    )
    click.echo(f"Purged {_cases(result.purged)} closed on or before {result.cutoff.isoformat()}.")
    if not result.log_emptied:
        click.echo(
            "Note: SQLite's write-ahead log was in use and could not be emptied yet; it is "
            "emptied at a later checkpoint.",
            err=True,
        )


def _ask_recovery_key(label: str) -> RecoveryKey:
    text = click.prompt(label, hide_input=True)
    try:
        return RecoveryKey.parse(text)
    except ValueError:
        raise click.ClickException(
            "This is not a recovery key: it has 13 groups of four letters and digits."
        ) from None


def _holders(rotation: Rotation) -> list[str]:
    with database().session() as session:
        return list(
            session.scalars(
                select(Staff.username)
                .join(UnitKeyWrap, UnitKeyWrap.staff_id == Staff.id)
                .where(UnitKeyWrap.unit_key_id == rotation.new_id, UnitKeyWrap.kind == "officer")
                .order_by(Staff.username)
            )
        )


def _begin(recovery_label: str, pending: bool) -> Rotation:
    db, config = database(), settings()
    recovery = _ask_recovery_key(recovery_label)
    with db.session() as session:
        state = rotation_state(session)
        old_private = open_old_key(session, state, recovery)
    if pending:
        rotation = resume_rotation(db, old_private)
        click.echo("The new recovery key printed when the rotation started stays valid.")
        return rotation
    click.echo("Supervisor who gets the first access to the new key:")
    username = click.prompt("  Username").strip()
    password = click.prompt("  Password", hide_input=True)
    rotation = start_rotation(
        db,
        old_private,
        username,
        password,
        config.argon2,
        now_utc(),
        server_keys().audit_chain,
    )
    if rotation.new_recovery is None:  # start_rotation always makes one
        raise RotationError("The new recovery key is missing.")
    click.echo("New unit key created. Write this down now: it is shown only once.")
    click.echo(f"  Recovery key:  {rotation.new_recovery.display()}")
    click.echo(
        "Keep the new recovery key offline (printed, in a safe). The old one stops working "
        "when the rotation finishes; until then it resumes an interrupted rotation."
    )
    return rotation


@click.command("rotate-unit-key")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=ROTATION_BATCH_SIZE,
    show_default=True,
    help="Case keys re-sealed per transaction.",
)
@click.option(
    "--settle-seconds",
    type=click.FloatRange(min=0),
    default=DEFAULT_SETTLE_SECONDS,
    show_default=True,
    help="Wait after the switch, so that reports being filed at that moment are re-sealed too.",
)
@with_appcontext
def rotate_unit_key_command(batch_size: int, settle_seconds: float) -> None:
    """Re-seal every case key to a new unit key pair; resumable if interrupted.

    Asks for the current recovery key and a supervisor's username and password; prints
    the new recovery key once. Every other officer's access and every session ends: a
    supervisor grants access again. Run it again after an interruption to resume.
    """
    db = database()
    try:
        with db.session() as session:
            if not is_initialised(session):
                raise NotInitialisedError()
            state = rotation_state(session)
        if state.pending:
            started = state.started_at.date().isoformat() if state.started_at else "?"
            click.echo(f"A key rotation started on {started} was interrupted; resuming it.")
            rotation = _begin("Recovery key that was valid when the rotation started", True)
        else:
            click.echo(
                "Every case key will be re-sealed to a new unit key pair. Afterwards only the "
                "new recovery key and the supervisor you name open the cases; officers log in "
                "again and a supervisor grants each of them access."
            )
            rotation = _begin("Current recovery key", False)
    except (RotationError, NotInitialisedError) as error:
        raise click.ClickException(str(error)) from None

    try:
        remaining = count_cases(db, rotation.old_id)
        click.echo(f"Re-sealing {_cases(remaining)} to the new unit key...")
        reseal_cases(
            db,
            rotation,
            batch_size=batch_size,
            on_batch=lambda total: click.echo(f"  {total} of {remaining} done"),
        )
        click.echo("Switching to the new unit key...")
        result = finish_rotation(
            db,
            rotation,
            now=now_utc,
            chain_key=server_keys().audit_chain,
            batch_size=batch_size,
            settle_seconds=settle_seconds,
        )
    except KeyboardInterrupt:
        click.echo(
            "\nInterrupted. Every case can still be opened. Run `wbs rotate-unit-key` again "
            "with the same (old) recovery key to finish the rotation.",
            err=True,
        )
        raise click.Abort() from None
    click.echo(
        f"Rotation finished: {_cases(result.cases_on_new_key)} on the new unit key "
        f"({result.stragglers} filed during the switch), {result.wraps_removed} wraps of the "
        f"old key removed, {result.sessions_ended} staff sessions ended."
    )
    holders = ", ".join(_holders(rotation)) or "nobody"
    click.echo(
        f"Officers holding the new key: {holders}. Every officer logs in again; a supervisor "
        "grants case access to each officer who still needs it."
    )
    if not result.log_emptied:
        click.echo(
            "Note: SQLite's write-ahead log was in use and could not be emptied yet; it is "
            "emptied at a later checkpoint.",
            err=True,
        )
