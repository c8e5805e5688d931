"""`wbs check [--repair]`: find half-written or orphan rows; remove the ones that can
never be opened. The checks themselves are in wbs.consistency.

Output is English (operators), one line per problem, ``problem <code> <rows>: <what>``
(or ``repaired ...``), then one summary line. Exit status 0 when the database is
consistent (after the repairs, with --repair), 1 otherwise, for cron and monitoring.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from wbs.app_context import database, server_keys
from wbs.consistency import CheckReport, can_record_repairs, check, repair, snapshot
from wbs.installation import now_utc

SERIALIZATION_FAILURE = "40001"


def _problems(count: int) -> str:
    return "1 problem" if count == 1 else f"{count} problems"


def _finish(report: CheckReport, repaired: int) -> None:
    for problem in report.problems:
        click.echo(f"problem {problem.line()}")
    done = f"; {_problems(repaired)} repaired" if repaired else ""
    if report.ok:
        click.echo(f"Consistent: {report.summary()}{done}.")
        return
    fixable = len(report.repairable)
    hint = f" ({fixable} repairable with `wbs check --repair`)" if fixable and not repaired else ""
    click.echo(
        f"INCONSISTENT: {_problems(len(report.problems))}{hint}. Checked {report.summary()}{done}."
    )
    click.get_current_context().exit(1)


@click.command("check")
@click.option(
    "--repair",
    "do_repair",
    is_flag=True,
    help="Delete the orphan and half-written rows that can never be opened (recorded in "
    "the audit log). Missing keys and a broken audit chain are only reported.",
)
@with_appcontext
def check_command(do_repair: bool) -> None:
    """Check every case's keys, attachment chunks and the audit chain; exit 1 if inconsistent."""
    db, chain_key = database(), server_keys().audit_chain
    if not do_repair:
        with snapshot(db) as session:
            report = check(session, chain_key)
        _finish(report, 0)
        return
    try:
        with snapshot(db, write=True) as session:
            found = check(session, chain_key)
            if found.repairable and not can_record_repairs(session):
                raise click.ClickException(
                    "The audit log has no head row, so repairs could not be recorded; nothing "
                    "was changed. Run `wbs check` without --repair to see every problem."
                )
            repaired = repair(session, found.problems, chain_key, now_utc)
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != SERIALIZATION_FAILURE:
            raise
        # PostgreSQL: a row being repaired changed meanwhile (a purge, say).
        raise click.ClickException(
            "The data changed while it was being repaired; nothing was changed. Run "
            "`wbs check --repair` again."
        ) from None
    for problem in repaired:
        click.echo(f"repaired {problem.line()}")
    # Checked again from scratch: the exit status says what state the data is in now.
    with snapshot(db) as session:
        report = check(session, chain_key)
    _finish(report, len(repaired))
