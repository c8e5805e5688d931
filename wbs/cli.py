"""Command line: `flask --app wbs <command>` and the `wbs` console script share these."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from wbs.access_cli import grant_access_command
from wbs.app_context import database, settings
from wbs.audit_cli import audit_group
from wbs.backup_cli import backup_command, restore_command
from wbs.check_cli import check_command
from wbs.demo_data import DEMO_ADMIN, load_demo_staff, load_reference_data
from wbs.holidays_cli import holidays_group
from wbs.installation import InitResult, initialise, now_utc
from wbs.mail_cli import send_mail_command
from wbs.maintenance_cli import purge_command, rotate_unit_key_command
from wbs.sakip.data.demo import load_demo_sakip
from wbs.settings import SettingsError
from wbs.stats_cli import stats_snapshot_command


def _print_init(result: InitResult) -> None:
    click.echo("Instance initialised. Write these down now: they are shown only once.")
    click.echo(f"  First admin:   {result.admin_username}")
    click.echo(f"  Password:      {result.admin_password}")
    click.echo(f"  Recovery key:  {result.recovery_key}")
    click.echo(
        "Keep the recovery key offline (printed, in a safe). It restores access to every "
        "report if all officers forget their passwords."
    )


@click.command("init")
@click.option("--admin", "admin_name", help="Username of the first admin (asked if omitted).")
@with_appcontext
def init_command(admin_name: str | None) -> None:
    """Migrate the database; on first run create the unit key pair, first admin and recovery key."""
    db, config = database(), settings()
    from wbs.db import migrate
    from wbs.keyring import is_initialised

    migrate(db.url)
    with db.session() as session:
        if is_initialised(session):
            click.echo(
                "Database migrated. The instance was already initialised; nothing else to do."
            )
            return
    if not admin_name:
        admin_name = click.prompt("Username of the first admin")
    result = initialise(db, config, admin_name.strip())
    if result is not None:
        _print_init(result)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Initialise if needed, then load demo agencies, categories and staff accounts."""
    db, config = database(), settings()
    username, password = DEMO_ADMIN
    result = initialise(db, config, username, password)
    if result is not None:
        _print_init(result)
    with db.session() as session:
        load_reference_data(session)
        accounts = load_demo_staff(
            session, result.unit_private_key if result else None, config.argon2, now_utc()
        )
        load_demo_sakip(session, config.today().year, now_utc())
    click.echo("Demo data loaded. Demo accounts (public passwords, never use in production):")
    click.echo(f"  {username:<12} {password:<24} admin supervisor")
    for name, demo_password, roles in accounts:
        click.echo(f"  {name:<12} {demo_password:<24} {roles}")


def register_commands(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(grant_access_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(holidays_group)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(stats_snapshot_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(rotate_unit_key_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(check_command)


def _create_app() -> Flask:
    from wbs import create_app

    return create_app()


class _WbsGroup(FlaskGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        # Flask prints a traceback when the app cannot be built while listing commands
        # (`wbs --help`); a bad setting deserves its one-line message instead.
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except SettingsError as error:
            error.show()
            ctx.exit(error.exit_code)
        return super().list_commands(ctx)


main = _WbsGroup(create_app=_create_app, help="WBS command line.")
