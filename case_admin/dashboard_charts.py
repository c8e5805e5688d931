"""The dashboard's charts (issue 4): wbs.stats_charts drawings of the same protected
figures as the tables beside them, with titles and descriptions in the reader's language."""

from __future__ import annotations

from flask_babel import format_number, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from case_admin.labels import STATUS_LABELS
from wbs.small_cells import Cell
from wbs.stats_charts import bar_chart, column_chart, line_chart
from wbs.stats_dashboard import Figures
from wbs.stats_results import Breakdown


def _hidden_note(threshold: int) -> str:
    return _(
        "Counts shown as “< %(threshold)d” or “x” are hidden so that no case can be singled out.",
        threshold=threshold,
    )


def _names(breakdown: Breakdown[Cell]) -> list[tuple[str, Cell]]:
    english = str(get_locale()) == "en"
    return [
        ((row.label_en if english and row.label_en else row.label), row.received)
        for row in breakdown.rows
    ]


def dashboard_charts(figures: Figures) -> dict[str, Markup]:
    """One chart per dashboard table that reads well as a picture, keyed by table."""
    note = _hidden_note(figures.threshold)
    charts = {
        "agencies": bar_chart(
            _("Reports received by agency"),
            _("Horizontal bars, one per agency, of the reports received in the period.")
            + " "
            + note,
            _names(figures.agencies),
            number=format_number,
            chart_id="chart-agencies",
        ),
        "categories": bar_chart(
            _("Reports received by category"),
            _("Horizontal bars, one per category, of the reports received in the period.")
            + " "
            + note,
            _names(figures.categories),
            number=format_number,
            chart_id="chart-categories",
        ),
        "months": column_chart(
            _("Reports received by month"),
            _("Columns, one per month of the period, of the reports received.") + " " + note,
            [(row.key, row.received) for row in figures.months.rows],
            number=format_number,
            chart_id="chart-months",
        ),
        "backlog": bar_chart(
            _("Open cases by stage"),
            _("Horizontal bars, one per stage, of the cases open today.") + " " + note,
            [
                (str(STATUS_LABELS.get(stage.status, stage.status)), stage.open)
                for stage in figures.backlog.stages
            ],
            number=format_number,
            chart_id="chart-backlog",
        ),
        "overdue": line_chart(
            _("Open cases and cases past their deadline, month by month"),
            _(
                "Two lines over the months of the period: open cases and those past their"
                " deadline at the end of each month."
            )
            + " "
            + note,
            [
                (_("Open"), [(point.key, point.open) for point in figures.overdue.points]),
                (
                    _("Past their deadline"),
                    [(point.key, point.overdue) for point in figures.overdue.points],
                ),
            ],
            number=format_number,
            chart_id="chart-overdue",
        ),
        "ranking": bar_chart(
            _("Weighted findings by agency"),
            _(
                "Horizontal bars, one per agency in ranking order, of the substantiated findings weighted by severity."
            )
            + " "
            + note,
            [(score.name, score.weighted_findings) for score in figures.ranking.scores],
            number=format_number,
            chart_id="chart-ranking",
        ),
    }
    # The drawings escape every text they contain (wbs/stats_charts.py).
    return {key: Markup(svg) for key, svg in charts.items()}  # noqa: S704
