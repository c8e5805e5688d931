"""Entering the realisations of a performance tree's indicators (issue 5), by SAKIP
officers and by the agency's own staff (access.check_enters); the agency head reads
only. A form with any bad row saves nothing, keeps everything typed and says what is
wrong on each bad row (the rest of the tree's editing: tree_views.py)."""

from __future__ import annotations

from flask import flash, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from wbs.app_context import db_session, settings
from wbs.installation import now_utc
from wbs.models.sakip import PERIODS
from wbs.sakip.data import editing
from wbs.sakip.data.editing import RealisationEntry
from wbs.sakip.data.trees import agency_tree
from wbs.sakip.numbers_input import format_number_input
from wbs.sakip.web.access import SAKIP_ROLES, agency_or_404, check_enters
from wbs.sakip.web.agency_views import chosen_period, chosen_year
from wbs.sakip.web.form_pages import form_page
from wbs.sakip.web.tree_forms import (
    QUANTITY_DIGITS,
    RowsForm,
    TypedRow,
    csrf_refused,
    read_number,
    typed_row,
)
from wbs.sakip.web.tree_views import both_trees, tree_key, tree_name, tree_page, tree_url
from wbs.staff_auth import Officer, record, requires

NOTE_MAX_CHARS = 500


def _realisation_entries(rows: dict[int, TypedRow]) -> dict[int, RealisationEntry]:
    """The typed realisations by indicator id; each bad row gets its messages."""
    entries = {}
    for indicator_id, row in rows.items():
        value, message = read_number(row.texts["realisation"], QUANTITY_DIGITS)
        if message:
            row.add_error("realisation", message)
        if len(row.texts["note"]) > NOTE_MAX_CHARS:
            row.add_error(
                "note", _("A note has at most %(count)d characters.", count=NOTE_MAX_CHARS)
            )
        entries[indicator_id] = RealisationEntry(value, row.texts["note"])
    return entries


@both_trees("/realisations", methods=["GET", "POST"])
@requires(*SAKIP_ROLES)
def realisations(officer: Officer, agency_id: int | None) -> BaseResponse | tuple[str, int]:
    """Every indicator of the tree with its target and the realisation for one year and
    period. Blank is "not yet known" and stays NULL, never 0 (DOMAIN.md, "Indicator
    achievement": a missing realisation is missing, never zero)."""
    check_enters(officer, agency_id)
    agency = agency_or_404(agency_id)
    config = settings()
    year, period = chosen_year(config.today()), chosen_period()
    session = db_session()
    lines = agency_tree(session, agency_id, year, period, config.sakip_capaian_cap)
    form = RowsForm()
    rows: dict[int, TypedRow] = {}
    for line in lines:
        for item in line.indicators:
            value = item.value
            texts = {
                "realisation": format_number_input(value.realisation if value else None),
                "note": value.note if value else "",
            }
            rows[item.indicator.id] = typed_row(str(item.indicator.id), texts)
    has_errors = False
    if request.method == "POST":
        if csrf_refused(form):
            has_errors = True
        else:
            entries = _realisation_entries(rows)
            if not any(row.errors for row in rows.values()):
                changed = editing.save_realisations(
                    session, agency_id, year, period, entries, officer.id, now_utc()
                )
                record(
                    "sakip.realisations_saved",
                    officer.id,
                    detail=f"tree {tree_key(agency_id)} year {year} period {period} rows {changed}",
                )
                session.commit()
                flash(
                    _("Realisations saved. Indicators changed: %(num)d.", num=changed),
                    "success",
                )
                return tree_page(agency_id, year=year, period=period)
            has_errors = True
    return form_page(
        "sakip/tree_realisations.html",
        has_errors,
        form=form,
        agency=agency,
        agency_id=agency_id,
        tree_name=tree_name(agency),
        tree_url=tree_url(agency_id, year=year, period=period),
        lines=lines,
        rows=rows,
        year=year,
        period=period,
        periods=PERIODS,
        bad_rows=sum(1 for row in rows.values() if row.errors),
        has_errors=has_errors,
        note_max=NOTE_MAX_CHARS,
    )
