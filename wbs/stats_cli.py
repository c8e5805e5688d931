"""`wbs stats-snapshot`: record today's open and overdue cases for "past their deadline
over time" (wbs/stats_history.py).

Meant to run once a day, late, from config/wbs-stats-snapshot.timer or cron. Running it
again the same day replaces that day's snapshot. Output is English (operators).
"""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from wbs.app_context import database, settings
from wbs.stats_history import take_snapshot


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.command("stats-snapshot")
@click.option(
    "--day",
    "day_text",
    metavar="YYYY-MM-DD",
    help="Day to record (default today). A past day counts today's open cases.",
)
@with_appcontext
def stats_snapshot_command(day_text: str | None) -> None:
    """Record how many cases are open and past their deadline, per agency and category."""
    day = _day(day_text) or settings().today()
    with database().session() as session:
        open_cases = take_snapshot(session, day)
    click.echo(f"Backlog snapshot of {day.isoformat()}: {open_cases} open cases.")
