"""CSV and XLSX exports of the dashboard tables (issue 4).

The same query string as the dashboard, the same ``collect`` and so the same
small-cell protected figures; the files carry the period and the filters. Labels are
in the reader's language, like the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Response, abort, request
from flask_babel import get_locale
from flask_babel import gettext as _

from case_admin import blueprint
from case_admin.dashboard_views import DASHBOARD_ROLES, figures_for_request
from case_admin.labels import FORWARD_LABELS, REJECTION_LABELS, STATUS_LABELS
from wbs.app_context import db_session
from wbs.errors import error_response
from wbs.small_cells import Cell
from wbs.staff_auth import Officer, record, requires
from wbs.stats_dashboard import Figures, Filter
from wbs.stats_export import Column, ExportTable, MetaValue, Row, to_csv, to_xlsx
from wbs.stats_results import Breakdown

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _english() -> bool:
    return str(get_locale()) == "en"


# --- the dashboard's tables -----------------------------------------------------------------


def overview_table(figures: Figures) -> ExportTable:
    o = figures.overview
    rows = [Row((_("Reports received"), o.received))]
    rows += [
        Row((_("now: %(status)s", status=STATUS_LABELS.get(status, status)), count), indent=1)
        for status, count in o.by_status.items()
    ]
    rows += [
        Row((_("Substantiated"), o.substantiated)),
        Row((_("Not substantiated"), o.not_substantiated)),
        Row((_("Forwarded"), o.forwarded)),
    ]
    rows += [
        Row((str(FORWARD_LABELS.get(code, code)), count), indent=1)
        for code, count in o.forwarded_by_destination.items()
    ]
    rows.append(Row((_("Cannot be followed up"), o.rejected)))
    rows += [
        Row((str(REJECTION_LABELS.get(code, code)), count), indent=1)
        for code, count in o.rejected_by_reason.items()
    ]
    columns = (Column(_("Figure"), "text"), Column(_("Cases")))
    return ExportTable("overview", _("Reports and their handling"), columns, tuple(rows))


def _breakdown_table(
    key: str, title: str, first_column: str, result: Breakdown[Cell], english: bool
) -> ExportTable:
    columns = (
        Column(first_column, "text"),
        Column(_("Received")),
        Column(_("Substantiated")),
        Column(_("Closed")),
    )
    rows = [
        Row(
            (
                row.label_en if english and row.label_en else row.label,
                row.received,
                row.substantiated,
                row.closed,
            )
        )
        for row in result.rows
    ]
    total = result.total
    rows.append(Row((_("Total"), total.received, total.substantiated, total.closed), total=True))
    return ExportTable(key, title, columns, tuple(rows))


def agencies_table(figures: Figures) -> ExportTable:
    # Agency names are proper names: the same in either language.
    return _breakdown_table(
        "agencies", _("By agency (OPD)"), _("Agency"), figures.agencies, english=False
    )


def categories_table(figures: Figures) -> ExportTable:
    return _breakdown_table(
        "categories", _("By category"), _("Category"), figures.categories, _english()
    )


def months_table(figures: Figures) -> ExportTable:
    # Months are their "YYYY-MM" key, as on the page: sortable and the same in any language.
    return _breakdown_table(
        "months", _("By month of receipt"), _("Month"), figures.months, english=False
    )


def handling_times_table(figures: Figures) -> ExportTable:
    times = figures.times
    columns = (
        Column(_("From receipt to"), "text"),
        Column(_("Cases")),
        Column(_("Median (days)"), "days"),
        Column(_("90th percentile (days)"), "days"),
    )
    rows = tuple(
        Row((label, figure.cases, figure.median_days, figure.p90_days))
        for label, figure in (
            (_("acknowledgement"), times.acknowledgement),
            (_("first feedback"), times.first_feedback),
            (_("closure"), times.closure),
        )
    )
    return ExportTable("handling_times", _("Handling time"), columns, rows)


def backlog_table(figures: Figures) -> ExportTable:
    backlog = figures.backlog
    columns = (
        Column(_("Stage"), "text"),
        Column(_("Open")),
        Column(_("Past their deadline")),
        Column(_("Share"), "share"),
    )
    # No share per stage: the dashboard publishes only the total's.
    rows = [
        Row((str(STATUS_LABELS.get(stage.status, stage.status)), stage.open, stage.overdue, ""))
        for stage in backlog.stages
    ]
    rows.append(Row((_("Total"), backlog.open, backlog.overdue, backlog.overdue_share), total=True))
    return ExportTable("backlog", _("Backlog today"), columns, tuple(rows))


def overdue_history_table(figures: Figures) -> ExportTable:
    columns = (
        Column(_("Month"), "text"),
        Column(_("Snapshot of"), "date"),
        Column(_("Open")),
        Column(_("Past their deadline")),
        Column(_("Share"), "share"),
    )
    rows = tuple(
        # A month without a snapshot has no figure at all, not zero cases.
        Row((point.key, point.day, point.open, point.overdue, point.overdue_share))
        if point.day is not None
        else Row((point.key, None, None, None, None))
        for point in figures.overdue.points
    )
    return ExportTable("overdue_history", _("Past their deadline over time"), columns, rows)


def ranking_table(figures: Figures) -> ExportTable:
    columns = (
        Column(_("Agency"), "text"),
        Column(_("Substantiated")),
        Column(_("Ringan")),
        Column(_("Sedang")),
        Column(_("Berat")),
        Column(_("Weighted findings")),
        Column(_("Follow-up done")),
        Column(_("Follow-up rate"), "share"),
    )
    rows = tuple(
        Row(
            (
                score.name,
                score.substantiated,
                score.ringan,
                score.sedang,
                score.berat,
                score.weighted_findings,
                score.follow_up_done,
                score.follow_up_rate,
            )
        )
        for score in figures.ranking.scores
    )
    return ExportTable("ranking", _("Agency ranking by substantiated findings"), columns, rows)


# In the dashboard's order; the keys name the CSV files (?table=...).
TABLES: dict[str, Callable[[Figures], ExportTable]] = {
    "overview": overview_table,
    "agencies": agencies_table,
    "categories": categories_table,
    "months": months_table,
    "handling_times": handling_times_table,
    "backlog": backlog_table,
    "overdue_history": overdue_history_table,
    "ranking": ranking_table,
}


# --- what the file says about itself --------------------------------------------------------


def _filter_text(chosen: Filter | None, everything: str, english: bool) -> str:
    if chosen is None:
        return everything
    name = chosen.name_en if english and chosen.name_en else chosen.name
    return f"{name} ({chosen.code})"


def metadata(figures: Figures, *, weights: bool) -> list[tuple[str, MetaValue]]:
    """Period, filters, the small-cell rule and the day: the rows above every table."""
    period, stats_request = figures.period, figures.request
    threshold = figures.threshold
    meta: list[tuple[str, MetaValue]] = [
        (_("Period"), period.key),
        (_("First day"), period.start),
        (_("Last day"), period.end),
        (_("Agency"), _filter_text(stats_request.agency, _("All agencies"), english=False)),
        (
            _("Category"),
            _filter_text(stats_request.category, _("All categories"), _english()),
        ),
        (
            _("Small counts"),
            _(
                # The dashboard's own sentence, so both say the rule in the same words.
                "Figures count the reports received in the period. Counts from 1 to "
                "%(below)d are shown as “< %(threshold)d” and a count that could be worked "
                "out from a total as “x”, so that no figure points at a single case.",
                below=threshold - 1,
                threshold=threshold,
            ),
        ),
    ]
    if weights:
        w = figures.ranking.weights
        meta.append(
            (
                _("Weighted findings"),
                _(
                    "Weighted findings = ringan × %(ringan)d + sedang × %(sedang)d + berat × "
                    "%(berat)d (severity per PP 94/2021; weights are a local policy choice). "
                    "Follow-up rate = substantiated cases whose follow-up is done ÷ "
                    "substantiated cases.",
                    ringan=w["ringan"],
                    sedang=w["sedang"],
                    berat=w["berat"],
                ),
            )
        )
    meta.append((_("Generated on"), figures.today))
    return meta


def _filename(figures: Figures, table: str | None, extension: str) -> str:
    """``wbs-statistik-2026[-AGENCY][-CATEGORY][-table].csv``, ASCII letters, digits, "-", "_"."""
    stats_request = figures.request
    parts = [figures.period.key.replace("..", "_")]
    parts += [chosen.code for chosen in (stats_request.agency, stats_request.category) if chosen]
    if table:
        parts.append(table)
    safe = [re.sub(r"[^A-Za-z0-9_]+", "-", part).strip("-") for part in parts]
    return "wbs-statistik-" + "-".join(part for part in safe if part) + "." + extension


def _download(body: bytes, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Aggregates only, but still internal figures: no shared or browser cache keeps them.
    response.headers["Cache-Control"] = "no-store"
    return response


def _recorded(officer: Officer, table: str, figures: Figures) -> None:
    # Who took which figures out of the application (the audit holds keys only).
    record("stats.exported", officer.id, detail=f"{table} {figures.period.key}")
    db_session().commit()


@blueprint.get("/dashboard/export.csv")
@requires(*DASHBOARD_ROLES)
def dashboard_export_csv(officer: Officer) -> Response:
    key = request.args.get("table", "")
    build = TABLES.get(key)
    if build is None:
        abort(404)
    figures, problem = figures_for_request()
    if problem:
        return error_response(400, "bad_statistics_request", problem)
    table = build(figures)
    meta: list[tuple[str, MetaValue]] = [(_("Integrity dashboard"), table.title)]
    meta += metadata(figures, weights=key == "ranking")
    _recorded(officer, key, figures)
    return _download(to_csv(table, meta), CSV_TYPE, _filename(figures, key, "csv"))


@blueprint.get("/dashboard/export.xlsx")
@requires(*DASHBOARD_ROLES)
def dashboard_export_xlsx(officer: Officer) -> Response:
    figures, problem = figures_for_request()
    if problem:
        return error_response(400, "bad_statistics_request", problem)
    tables = [build(figures) for build in TABLES.values()]
    body = to_xlsx(
        tables,
        metadata(figures, weights=True),
        title=_("Integrity dashboard"),
        about=_("About"),
    )
    _recorded(officer, "all", figures)
    return _download(body, XLSX_TYPE, _filename(figures, None, "xlsx"))
