"""Import and export of targets and realisations as XLSX and CSV (issue 5), in the
layout agencies already keep (wbs/sakip/sheet_layout.py). The page documents the layout
and offers an empty template; the export writes exactly what the import reads.

- Import: SAKIP officers load structure, indicators, targets and realisations; an
  agency's own staff load realisations only. Every row is checked first; with any
  problem the page lists them all (row, column, what is wrong) and nothing is saved.
  "Check the file" runs the same checks and says what an import would change,
  without saving: nothing is kept on the server between the two (upload again).
- Export: everyone who may read the tree (access.check_reads), with the year's
  capaian in an extra column that the import ignores.
"""

from __future__ import annotations

import re
from collections import defaultdict

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.wrappers import Response as BaseResponse
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from wbs.app_context import db_session, settings
from wbs.installation import now_utc
from wbs.models import Agency
from wbs.sakip.data.transfer import ImportPlan, apply_import, check_import, export_rows
from wbs.sakip.sheet_layout import CAPAIAN_HEADER, HEADERS
from wbs.sakip.sheet_parsing import SheetIssue, read_sheet
from wbs.sakip.sheet_reading import MAX_DATA_ROWS, MAX_FILE_BYTES, SheetFileError
from wbs.sakip.sheet_writing import write_csv, write_xlsx
from wbs.sakip.web import blueprint
from wbs.sakip.web.access import (
    ENTRY_ROLES,
    SAKIP_ROLES,
    agency_or_404,
    check_enters,
    check_reads,
    may_maintain,
)
from wbs.sakip.web.agency_views import MAX_YEAR, MIN_YEAR, chosen_year
from wbs.staff_auth import Officer, record, requires

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")
# Issues listed on the page at most; the count says how many more there are.
SHOWN_ISSUES = 500


class ImportForm(FlaskForm):
    year = IntegerField(
        _l("Year"),
        validators=[
            InputRequired(_l("Give the year the targets and realisations are for.")),
            NumberRange(MIN_YEAR, MAX_YEAR, _l("Give a year between 2000 and 2100.")),
        ],
    )
    sheet = FileField(_l("Spreadsheet (.xlsx or .csv)"))


def _file_message(reason: str) -> str:
    messages = {
        "empty_file": _("The file is empty."),
        "too_large": _(
            "The file is larger than %(size)d MB, or unpacks to far more.",
            size=MAX_FILE_BYTES // (1024 * 1024),
        ),
        "wrong_type": _("Choose an Excel workbook (.xlsx) or a CSV file (.csv)."),
        "old_excel": _(
            "This is an Excel 97-2003 (.xls) file or a workbook with a password. Save it as "
            "“Excel Workbook (.xlsx)” without a password, or as “CSV UTF-8”."
        ),
        "unreadable_xlsx": _("The file cannot be read as an Excel workbook (.xlsx)."),
        "unreadable_csv": _("The file cannot be read as CSV text."),
        "not_utf8": _(
            "The CSV file is not UTF-8 text. In Excel choose Save As, “CSV UTF-8 (Comma delimited)”."
        ),
        "no_header": _(
            "No header row was found: none of the first 20 rows has a cell “Kode”. "
            "Start from the template below."
        ),
        "no_rows": _("The file has a header row but no rows below it."),
        "too_many_rows": _("The file has more than %(count)d rows.", count=MAX_DATA_ROWS),
    }
    return messages.get(reason, _("The file cannot be read."))


# What is wrong in a cell (sheet_parsing.SheetIssue.reason, data.transfer); the placeholders
# are the issue's params.
ISSUE_MESSAGES = {
    "missing_column": _l("This column is missing."),
    "duplicate_column": _l("This column appears twice."),
    "unknown_column": _l(
        "Unknown column. Periods are written TW I, TW II, TW III, TW IV or Tahunan, "
        "for example “Realisasi TW II”."
    ),
    "required": _l("This cell must be filled in."),
    "too_long": _l("Longer than %(limit)s characters."),
    "unknown_level": _l(
        "“%(value)s” is not a level: write tujuan, sasaran, program, kegiatan or sub kegiatan."
    ),
    "unknown_polarity": _l(
        "“%(value)s” is not a polarity: write naik, turun or rentang (or higher, lower, range)."
    ),
    "bad_number": _l("“%(value)s” is not a number. Write for example 1.234,5 or 1234.5."),
    "too_many_decimals": _l("“%(value)s” has more than 4 decimals."),
    "number_too_large": _l("“%(value)s” is too large."),
    "range_upper_missing": _l("A range (rentang) target needs its upper bound here."),
    "range_lower_missing": _l("A range (rentang) target needs its lower bound here."),
    "range_reversed": _l("The upper bound is below the lower bound."),
    "upper_not_range": _l("Only a range (rentang) indicator has an upper bound."),
    "needs_indicator": _l("A value on a row without an indicator: fill in the indicator's name."),
    "duplicate_row": _l("This repeats row %(row)s."),
    "node_split": _l(
        "This code already appears at row %(row)s: keep the rows of one node together."
    ),
    "differs_from_node": _l("This differs from row %(row)s, which has the same code."),
    "parent_self": _l("A node cannot be its own parent."),
    "level_order": _l("The level must be below the level of its parent %(parent)s."),
    "level_order_code": _l(
        "By its code this node belongs below %(parent)s (row %(row)s): put its rows below that node."
    ),
    "parent_later": _l(
        "The parent is at row %(row)s, further down: put a parent's row above its children."
    ),
    "parent_unknown": _l("No node has the code “%(value)s”."),
    "parent_inactive": _l("The parent %(value)s is no longer active."),
    "parent_cycle": _l("The node would end up below itself."),
    "level_above_children": _l("The nodes below it would no longer be at a lower level."),
    "node_unknown": _l(
        "No active node has the code “%(value)s”. Only SAKIP officers may add nodes."
    ),
    "indicator_unknown": _l(
        "This node has no active indicator “%(value)s”. Only SAKIP officers may add indicators."
    ),
    "locked": _l(
        "Only SAKIP officers may change this; your file must keep the stored value “%(stored)s”."
    ),
}


def issue_message(issue: SheetIssue) -> str:
    template = ISSUE_MESSAGES.get(issue.reason)
    if template is None:
        return issue.reason
    return str(template) % defaultdict(str, issue.params)


def _page(
    officer: Officer,
    agency: Agency | None,
    form: ImportForm,
    year: int,
    *,
    plan: ImportPlan | None = None,
    checked: bool = False,
    status: int = 200,
) -> tuple[str, int]:
    issues = plan.issues if plan is not None else []
    page = render_template(
        "sakip/transfer.html",
        agency=agency,
        agency_id=None if agency is None else agency.id,
        form=form,
        year=year,
        plan=plan,
        checked=checked,
        issues=[(issue, issue_message(issue)) for issue in issues[:SHOWN_ISSUES]],
        hidden_issues=max(0, len(issues) - SHOWN_ISSUES),
        may_maintain=may_maintain(officer),
        headers=HEADERS,
        capaian_header=CAPAIAN_HEADER,
        max_mb=MAX_FILE_BYTES // (1024 * 1024),
    )
    return page, status


@blueprint.route("/pemda/transfer", methods=["GET", "POST"], defaults={"agency_id": None})
@blueprint.route("/agencies/<int:agency_id>/transfer", methods=["GET", "POST"])
@requires(*ENTRY_ROLES)
def transfer(officer: Officer, agency_id: int | None) -> BaseResponse | tuple[str, int]:
    check_enters(officer, agency_id)
    agency = agency_or_404(agency_id)
    year = chosen_year(settings().today())
    form = ImportForm(data={"year": year})
    if request.method == "GET":
        return _page(officer, agency, form, year)
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(officer, agency, form, year, status=400)
    assert form.year.data is not None  # InputRequired
    year = form.year.data
    storage = request.files.get("sheet")
    if storage is None or not storage.filename:
        form.sheet.errors = [_("Choose the file to import.")]
        return _page(officer, agency, form, year, status=400)
    # Read one byte more than allowed: enough to know the file is too large.
    data = storage.stream.read(MAX_FILE_BYTES + 1)
    try:
        sheet = read_sheet(data, storage.filename)
    except SheetFileError as error:
        form.sheet.errors = [_file_message(error.reason)]
        return _page(officer, agency, form, year, status=400)
    session = db_session()
    plan = check_import(session, agency_id, year, sheet, structure=may_maintain(officer))
    if plan.issues:
        return _page(officer, agency, form, year, plan=plan, status=400)
    if "check" in request.form:
        return _page(officer, agency, form, year, plan=plan, checked=True)
    counts = apply_import(session, plan, officer.id, now_utc())
    scope = "pemda" if agency_id is None else f"agency {agency_id}"
    record("sakip.imported", officer.id, detail=f"{scope} year {year} {counts.audit_detail()}")
    session.commit()
    if counts.changes:
        flash(
            _(
                "Imported: %(nodes)d nodes and %(indicators)d indicators added, "
                "%(updated)d updated, %(values)d period values changed.",
                nodes=counts.nodes_created,
                indicators=counts.indicators_created,
                updated=counts.nodes_updated + counts.indicators_updated,
                values=counts.values_changed,
            ),
            "success",
        )
    else:
        flash(_("The file matches what is stored: nothing changed."), "success")
    return redirect(url_for("sakip.transfer", agency_id=agency_id, year=year))


def _filename(agency: Agency | None, year: int | None, extension: str) -> str:
    """``sakip-DINKES-2026.xlsx``: ASCII letters, digits and "-" only."""
    parts = ["sakip", "pemda" if agency is None else agency.code]
    if year is not None:
        parts.append(str(year))
    safe = [re.sub(r"[^A-Za-z0-9]+", "-", part).strip("-") for part in parts]
    return "-".join(part for part in safe if part) + "." + extension


def _download(body: bytes, extension: str, filename: str) -> BaseResponse:
    response = make_response(body)
    response.headers["Content-Type"] = XLSX_TYPE if extension == "xlsx" else CSV_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/pemda/export.<extension>", defaults={"agency_id": None})
@blueprint.get("/agencies/<int:agency_id>/export.<extension>")
@requires(*SAKIP_ROLES)
def transfer_export(officer: Officer, agency_id: int | None, extension: str) -> BaseResponse:
    if extension not in FORMATS:
        abort(404)
    check_reads(officer, agency_id)
    agency = agency_or_404(agency_id)
    config = settings()
    year = chosen_year(config.today())
    rows = export_rows(db_session(), agency_id, year, config.sakip_capaian_cap)
    body = write_xlsx(rows, f"Kinerja {year}") if extension == "xlsx" else write_csv(rows)
    return _download(body, extension, _filename(agency, year, extension))


@blueprint.get("/transfer/template.<extension>")
@requires(*ENTRY_ROLES)
def transfer_template(officer: Officer, extension: str) -> BaseResponse:
    if extension not in FORMATS:
        abort(404)
    body = write_xlsx([]) if extension == "xlsx" else write_csv([])
    return _download(body, extension, f"sakip-template.{extension}")
