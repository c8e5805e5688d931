"""Why a statistics request cannot be used, in the user's language (dashboard, exports,
reports, the transparency page and the API share these)."""

from __future__ import annotations

from flask_babel import gettext as _


def stats_problem(reason: str) -> str:
    return {
        "missing": _("Choose a period."),
        "ambiguous": _("Give either a period or a range of dates, not both."),
        "bad_format": _("Write the period as 2026, 2026-Q3 or 2026-07."),
        "bad_month": _("A month runs from 01 to 12."),
        "year_out_of_range": _("Choose a year between 2000 and 2100."),
        "range_incomplete": _("Give both the first and the last day of the range."),
        "bad_date": _("Write the dates as day, month and year."),
        "range_reversed": _("The last day comes before the first."),
        "range_too_long": _("A range covers at most ten years."),
        "unknown_agency": _("There is no agency with this code."),
        "unknown_category": _("There is no category with this code."),
    }.get(reason, _("This period cannot be used."))
