"""`wbs holidays ...`: review the non-working days that deadlines in working days skip.

DOMAIN.md l. 45: working days skip weekends and national holidays, a holiday table per
year. Output is English (operators).
"""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from wbs.app_context import database
from wbs.holiday_calendar import (
    add_holiday,
    list_holidays,
    load_national_holidays,
    national_holidays,
    remove_holiday,
)
from wbs.installation import now_utc

_YEAR = click.IntRange(1970, 2100)


def _this_year() -> int:
    return now_utc().year


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.group("holidays")
def holidays_group() -> None:
    """Non-working days for deadlines counted in working days."""


@holidays_group.command("load")
@click.option("--year", type=_YEAR, default=_this_year, show_default="this year")
@click.option(
    "--cuti-bersama",
    is_flag=True,
    help="Also copy the cuti bersama days the package knows (check the year's SKB 3 Menteri).",
)
@with_appcontext
def load_command(year: int, cuti_bersama: bool) -> None:
    """Copy the year's Indonesian national holidays into the holiday table."""
    with database().session() as session:
        added = load_national_holidays(session, year, cuti_bersama=cuti_bersama)
        total = len(list_holidays(session, year))
    click.echo(f"{added} holidays added for {year}; the table now holds {total} days.")
    click.echo(
        "Dates marked 'perkiraan' are estimates: correct them once the SKB 3 Menteri is out."
    )


@holidays_group.command("list")
@click.option("--year", type=_YEAR, default=_this_year, show_default="this year")
@with_appcontext
def list_command(year: int) -> None:
    """Show every non-working day of the year besides weekends, and where it comes from."""
    with database().session() as session:
        table = {row.day: row.name for row in list_holidays(session, year)}
    national = national_holidays([year])
    if not table and not national:
        click.echo(f"No holidays for {year}.")
        return
    for day in sorted(table.keys() | national.keys()):
        source = "table" if day in table else "national"
        name = table.get(day) or national[day]
        click.echo(f"{day.isoformat()}  {day:%a}  {source:<8}  {name}")
    missing = len(national.keys() - table.keys())
    if missing:
        click.echo(
            f"{missing} national holidays are not in the table; "
            f"`wbs holidays load --year {year}` copies them for review."
        )


@holidays_group.command("add")
@click.argument("day", type=_day, metavar="YYYY-MM-DD")
@click.argument("name")
@with_appcontext
def add_command(day: date, name: str) -> None:
    """Add a non-working day (e.g. cuti bersama), or rename the one on that day."""
    try:
        with database().session() as session:
            add_holiday(session, day, name)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="NAME") from None
    click.echo(f"{day.isoformat()} is a non-working day: {name.strip()}")


@holidays_group.command("remove")
@click.argument("day", type=_day, metavar="YYYY-MM-DD")
@with_appcontext
def remove_command(day: date) -> None:
    """Remove a day from the holiday table."""
    with database().session() as session:
        removed = remove_holiday(session, day)
    if not removed:
        raise click.ClickException(f"{day.isoformat()} is not in the holiday table.")
    click.echo(f"{day.isoformat()} removed from the holiday table.")
    if day in national_holidays([day.year]):
        click.echo("It is still a national holiday in the `holidays` package, so it stays off.")
