"""`wbs backup FILE` and `wbs restore FILE` (issue 6): thin click wrappers over wbs.backup.

Output is English, for operators, as in the other operator commands.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from wbs.app_context import database, server_keys, settings
from wbs.backup import BackupError, create_backup, record_backup
from wbs.restore import restore_backup, verify_backup

# Tables named in the summaries, in the order an operator reads them.
_SUMMARY = [
    ("case_file", "cases"),
    ("case_message", "messages"),
    ("attachment", "attachments"),
    ("attachment_chunk", "attachment chunks"),
    ("staff", "staff accounts"),
    ("audit_entry", "audit entries"),
]


def _summary(rows: dict[str, int]) -> str:
    parts = [f"{label}: {rows.get(table, 0)}" for table, label in _SUMMARY]
    return ", ".join(parts) + f" ({sum(rows.values())} rows in {len(rows)} tables)"


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Write a consistent backup of the running instance into DESTINATION.

    One file holds the whole database (every case, attachments included), the server
    secret and the settings needed to open cases. It is taken while the site runs and
    never overwrites an existing file; it is created readable by its owner only (0600).

    The file opens every report together with an officer's password or a tracking code:
    keep it like the recovery key (offline or encrypted, away from the server).
    """
    db = database()
    try:
        result = create_backup(db.url, settings(), destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    record_backup(db.engine, server_keys().audit_chain, result)
    click.echo(f"Backup written to {result.path} ({result.size} bytes, mode 0600).")
    click.echo(
        f"  {result.dialect} database at schema revision {result.revision}: "
        f"{_summary(result.rows)}."
    )
    click.echo(
        "It holds the server secret: keep it like the recovery key (offline or encrypted, "
        "away from the server)."
    )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Only check the file against its checksums and say what it holds; change nothing.",
)
@with_appcontext
def restore_command(source: Path, check: bool) -> None:
    """Restore a backup made by `wbs backup` into this new, empty instance.

    The database (WBS_DATABASE_URL) must be empty: new, or only migrated; do not run
    `wbs init` on it first. The archive is checked against its checksums before anything
    is changed. The server secret is written into the instance folder, unless
    WBS_SECRET_KEY already holds it. Restart the site afterwards.
    """
    config = settings()
    if check:
        try:
            manifest = verify_backup(source)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        rows = {name: table["rows"] for name, table in manifest["tables"].items()}
        click.echo(
            f"{source} is intact: backup of {manifest['created_at']} ({manifest['dialect']} "
            f"database at schema revision {manifest['alembic_revision']})."
        )
        click.echo(f"  {_summary(rows)}.")
        return
    try:
        result = restore_backup(database().url, config, source)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored the backup of {result.created_at} ({result.dialect} database).")
    click.echo(f"  {_summary(result.rows)}.")
    if result.secret_written:
        click.echo(f"  Server secret written to {config.instance_path / 'secret_key'} (mode 0600).")
    for name, backup_value, value in result.differences:
        click.echo(
            f"Note: setting {name} was {backup_value!r} in the backed-up instance and is "
            f"{value!r} here.",
            err=True,
        )
    click.echo(
        "Restart every process of the site (web server, timers) so that they use the "
        "restored data and secret. Officers log in with their passwords as before; "
        "reporters use their tracking codes as before."
    )
