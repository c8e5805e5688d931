"""An agency's month in e-Kinerja (issue 7): per ASN the days due, reported, missing and
approved, attendance and output against plan; the agency's totals and its output per
target. Readers: the agency's head and those who read every agency in e-SAKIP."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from flask import abort, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from wbs.app_context import db_session, settings
from wbs.i18n import date_text, decimal_text
from wbs.kinerja import data, entries
from wbs.kinerja.data import Month
from wbs.kinerja.monthly import AsnMonth
from wbs.kinerja.web import blueprint
from wbs.kinerja.web.access import check_reads_agency
from wbs.models import Agency
from wbs.staff_auth import Officer, requires

MIN_YEAR, MAX_YEAR = 2000, 2100
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str) -> Month | None:
    """ "YYYY-MM" as (year, month), or None when it is not a plausible month."""
    match = _MONTH.fullmatch(text.strip())
    if match is None:
        return None
    year, number = int(match.group(1)), int(match.group(2))
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= number <= 12):
        return None
    return (year, number)


def chosen_month(today: date) -> tuple[Month, str | None]:
    """``?month=`` when it is a month, else this month with a message saying so."""
    raw = request.args.get("month", "")
    if not raw:
        return (today.year, today.month), None
    month = parse_month(raw)
    if month is None:
        return (today.year, today.month), _(
            "“%(value)s” is not a month written as YYYY-MM (for example 2026-11); "
            "this month is shown.",
            value=raw[:20],
        )
    return month, None


def percent_cells() -> Callable[[Decimal | None], Markup]:
    """What a percent cell shows: "45,45 %" in the reader's language, or a dash for none.
    Remembered per value: a table of a thousand ASN repeats the same few hundred
    percents."""
    none = Markup('<span class="missing">—</span>')
    shown: dict[Decimal, Markup] = {}

    def cell(value: Decimal | None) -> Markup:
        if value is None:
            return none
        text = shown.get(value)
        if text is None:
            text = shown[value] = Markup("{} %").format(decimal_text(value, "#,##0.##"))
        return text

    return cell


class AsnLine(NamedTuple):
    """One ASN's row of the table, its percent cells made here: a function called per
    cell from the template (through Jinja's context) cost more than the figures behind
    a table of a thousand ASN."""

    month: AsnMonth
    person: data.AsnRow | None
    attendance: Markup
    output: Markup


@blueprint.get("/agency/<int:agency_id>")
@requires()
def agency_month(officer: Officer, agency_id: int) -> tuple[str, int]:
    check_reads_agency(officer, agency_id)
    session = db_session()
    agency = session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    month, problem = chosen_month(settings().today())
    summary, people = data.agency_month(session, agency_id, month, settings().today())
    percent = percent_cells()
    page = render_template(
        "kinerja/agency_month.html",
        agency=agency,
        month=month,
        month_value=f"{month[0]:04d}-{month[1]:02d}",
        month_label=date_text(date(month[0], month[1], 1), "MMMM y"),
        problem=problem,
        summary=summary,
        approved_days=sum(asn.approved_days for asn in summary.asns),
        rows=[
            AsnLine(
                asn,
                people.get(asn.asn_id),
                percent(asn.attendance_percent),
                percent(asn.output_percent),
            )
            for asn in summary.asns
        ],
        percent=percent,
        targets=entries.target_labels(session, [line.target_key for line in summary.outputs]),
    )
    return page, 400 if problem else 200
