"""Leadership statistics (issue 4): periods, small-cell protection and the aggregate queries.

The query figures are checked against a fixture of 24 cases whose expected numbers are
worked out by hand below, never by re-running the query logic in Python.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select

from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Agency, Case, Category, UnitKey
from wbs.settings import SettingsError, load_settings
from wbs.small_cells import Cell, ProtectedTable, protect, protect_table
from wbs.stats_periods import (
    Period,
    PeriodError,
    between,
    month,
    parse_period,
    quarter,
    year,
)
from wbs.stats_protection import protected
from wbs.stats_queries import (
    SEVERITY_WEIGHTS,
    agency_ranking,
    backlog,
    by_agency,
    by_category,
    by_month,
    handling_times,
    overview,
)

# --- periods (pure) -------------------------------------------------------------------------


def test_period_constructors_cover_whole_calendar_units() -> None:
    assert year(2026) == Period(date(2026, 1, 1), date(2026, 12, 31), "year")
    assert quarter(2026, 3) == Period(date(2026, 7, 1), date(2026, 9, 30), "quarter")
    assert quarter(2024, 1).end == date(2024, 3, 31)
    assert quarter(2026, 4).end == date(2026, 12, 31)
    assert month(2024, 2).end == date(2024, 2, 29)  # leap year
    assert month(2026, 2).end == date(2026, 2, 28)
    assert month(2026, 4).end == date(2026, 4, 30)
    assert list(quarter(2026, 4).months()) == [(2026, 10), (2026, 11), (2026, 12)]
    assert list(between(date(2025, 11, 20), date(2026, 2, 1)).months()) == [
        (2025, 11),
        (2025, 12),
        (2026, 1),
        (2026, 2),
    ]


@pytest.mark.parametrize(
    ("args", "expected", "key"),
    [
        ({"period": "2026"}, year(2026), "2026"),
        ({"period": "2026-Q3"}, quarter(2026, 3), "2026-Q3"),
        ({"period": "2026-q1"}, quarter(2026, 1), "2026-Q1"),
        ({"period": " 2026-07 "}, month(2026, 7), "2026-07"),
        (
            {"from": "2026-01-15", "until": "2026-04-30"},
            Period(date(2026, 1, 15), date(2026, 4, 30), "range"),
            "2026-01-15..2026-04-30",
        ),
        (
            {"from": "2026-03-01", "until": "2026-03-01"},
            between(date(2026, 3, 1), date(2026, 3, 1)),
            "2026-03-01..2026-03-01",
        ),
    ],
)
def test_parse_period_reads_every_form_and_round_trips(
    args: dict[str, str], expected: Period, key: str
) -> None:
    period = parse_period(args)
    assert period == expected
    assert period.key == key
    assert parse_period(period.query_args()) == period


def test_parse_period_falls_back_to_the_default_only_without_arguments() -> None:
    assert parse_period({}, default=year(2025)) == year(2025)
    assert parse_period({"period": ""}, default=year(2025)) == year(2025)
    assert parse_period({"period": "2026-02"}, default=year(2025)) == month(2026, 2)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ({}, "missing"),
        ({"period": "2026", "from": "2026-01-01"}, "ambiguous"),
        ({"period": "2026", "until": "2026-01-01"}, "ambiguous"),
        ({"period": "26"}, "bad_format"),
        ({"period": "2026-Q5"}, "bad_format"),
        ({"period": "2026-Q0"}, "bad_format"),
        ({"period": "2026-7"}, "bad_format"),
        ({"period": "2026/07"}, "bad_format"),
        ({"period": "tahun ini"}, "bad_format"),
        ({"period": "2026-13"}, "bad_month"),
        ({"period": "2026-00"}, "bad_month"),
        ({"period": "1999"}, "year_out_of_range"),
        ({"period": "2101-Q1"}, "year_out_of_range"),
        ({"period": "9999-12"}, "year_out_of_range"),
        ({"from": "2026-01-01"}, "range_incomplete"),
        ({"until": "2026-01-01"}, "range_incomplete"),
        ({"from": "2026-02-30", "until": "2026-03-31"}, "bad_date"),
        ({"from": "20260101", "until": "2026-03-31"}, "bad_date"),
        ({"from": "2026-01-01", "until": "31-03-2026"}, "bad_date"),
        ({"from": "2026-04-01", "until": "2026-03-31"}, "range_reversed"),
        ({"from": "2020-01-01", "until": "2030-01-01"}, "range_too_long"),
        ({"from": "1990-01-01", "until": "1990-03-01"}, "year_out_of_range"),
    ],
)
def test_parse_period_refuses_bad_input_with_a_reason(args: dict[str, str], reason: str) -> None:
    with pytest.raises(PeriodError) as raised:
        parse_period(args)
    assert raised.value.reason == reason


def test_a_range_may_span_ten_years_but_no_more() -> None:
    assert between(date(2020, 1, 1), date(2029, 12, 31)).end == date(2029, 12, 31)
    with pytest.raises(PeriodError, match="range_too_long"):
        between(date(2020, 1, 1), date(2030, 1, 1))
    with pytest.raises(PeriodError, match="range_reversed"):
        between(date(2026, 1, 2), date(2026, 1, 1))


# --- small cells (pure) ---------------------------------------------------------------------


def test_counts_below_the_threshold_are_suppressed_zero_and_threshold_shown() -> None:
    assert protect(0, 3) == Cell(0, False, 3)
    assert protect(0, 3).display() == "0"
    for small in (1, 2):
        cell = protect(small, 3)
        assert cell.suppressed and cell.value is None
        assert cell.display() == "< 3"
    assert protect(3, 3).display() == "3"
    assert protect(1234, 3).display(lambda n: f"{n:,}".replace(",", ".")) == "1.234"
    assert protect(1, 1).display() == "1"  # threshold 1 publishes everything
    with pytest.raises(ValueError, match="threshold"):
        protect(1, 0)
    with pytest.raises(ValueError, match="negative"):
        protect(-1, 3)


def test_threshold_comes_from_settings(tmp_path: Path) -> None:
    base = {"WBS_INSTANCE_PATH": str(tmp_path), "WBS_SECRET_KEY": "k" * 40}
    assert load_settings(base).small_cell_threshold == 3
    five = load_settings({**base, "WBS_SMALL_CELL_THRESHOLD": "5"}).small_cell_threshold
    assert five == 5
    assert protect(4, five).display() == "< 5"
    assert protect(5, five).display() == "5"
    assert protect(3, five).suppressed  # shown under the default, hidden under 5
    with pytest.raises(SettingsError, match="WBS_SMALL_CELL_THRESHOLD"):
        load_settings({**base, "WBS_SMALL_CELL_THRESHOLD": "0"})


def shown(table: ProtectedTable) -> list[list[str]]:
    return [[cell.display() for cell in row] for row in table.cells]


def no_line_with_one_hidden(table: ProtectedTable) -> bool:
    """No published row or column can be solved by subtraction."""
    lines: list[list[Cell]] = []
    if table.row_totals is not None:
        lines += [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    if table.column_totals is not None:
        columns = [list(column) for column in zip(*table.cells, strict=True)]
        lines += [[*col, total] for col, total in zip(columns, table.column_totals, strict=True)]
    return all(sum(cell.suppressed for cell in line) != 1 for line in lines)


def test_complementary_suppression_in_a_row_and_a_column() -> None:
    # Row [1, 4, 9], total 14 published: "< 3" alone would be 14 - 4 - 9 = 1, so the
    # next-smallest cell (4) is hidden too, shown "x" (it is not small).
    row = protect_table([[1, 4, 9]], 3, column_totals=False)
    assert shown(row) == [["< 3", "x", "9"]]
    assert row.row_totals == (Cell(14, False, 3),)
    # Column [5, 2, 0, 7], total 14: 2 hidden, and the smallest non-zero other cell (5).
    column = protect_table([[5], [2], [0], [7]], 3, row_totals=False)
    assert shown(column) == [["x"], ["< 3"], ["0"], ["7"]]
    assert column.column_totals == (Cell(14, False, 3),)
    # Two small cells already protect each other: nothing more is hidden.
    pair = protect_table([[1, 2, 9]], 3, column_totals=False)
    assert shown(pair) == [["< 3", "< 3", "9"]]


def test_hidden_cells_whose_bounds_pin_them_are_protected_too() -> None:
    # A reader knows "< 3" is 1 or 2 and "x" at least 3 (the README says so).
    # Two "< 3" adding up to 2 are both 1, and adding up to 4 both 2: hide the 9 as well.
    assert shown(protect_table([[1, 1, 9]], 3, column_totals=False)) == [["< 3", "< 3", "x"]]
    assert shown(protect_table([[2, 2, 9]], 3, column_totals=False)) == [["< 3", "< 3", "x"]]
    # Adding up to 3 they may be 1 + 2 or 2 + 1: nothing more to hide.
    assert shown(protect_table([[1, 2, 9]], 3, column_totals=False)) == [["< 3", "< 3", "9"]]
    # [1, 3, 9]: hiding the 3 beside the 1 is not enough, since "x" + "< 3" = 13 - 9 = 4
    # leaves x = 3 and the "< 3" = 1 as the only answer; the 9 is hidden as well.
    assert shown(protect_table([[1, 3, 9]], 3, column_totals=False)) == [["< 3", "x", "x"]]
    # Three "< 3" adding up to 3 (each 1) and nothing else to hide: the total goes.
    only_small = protect_table([[1, 1, 1]], 3, column_totals=False)
    assert [c.display() for c in only_small.row_totals or ()] == ["x"]
    # With threshold 2, "< 2" means 1 by itself: no further hiding on that account.
    assert shown(protect_table([[1, 1, 9]], 2, column_totals=False)) == [["< 2", "< 2", "9"]]


def test_complementary_suppression_spreads_until_no_line_is_solvable() -> None:
    table = protect_table([[1, 5, 7], [4, 6, 8], [3, 9, 10]], 3)
    # By hand: row 0 hides 5 beside the 1; column 0 hides 3; column 1 then hides 6;
    # row 1 (only 6 hidden) hides 4; row 2 (only 3 hidden) hides 9.
    assert shown(table) == [["< 3", "x", "7"], ["x", "x", "8"], ["x", "x", "10"]]
    assert [c.display() for c in table.row_totals or ()] == ["13", "18", "22"]
    assert [c.display() for c in table.column_totals or ()] == ["8", "20", "25"]
    assert table.grand_total == Cell(53, False, 3)
    assert no_line_with_one_hidden(table)


def test_a_total_is_hidden_when_it_would_give_the_only_hidden_cell_away() -> None:
    # Row 1 is [10, 0]: once its 10 is hidden beside the column's 1, the row total 10
    # would equal it, so the total is hidden (then the totals' own line protects it).
    table = protect_table([[1, 5], [10, 0]], 3)
    assert shown(table) == [["< 3", "x"], ["x", "0"]]
    assert [c.display() for c in table.row_totals or ()] == ["x", "x"]
    assert [c.display() for c in table.column_totals or ()] == ["x", "x"]
    assert table.grand_total == Cell(16, False, 3)
    assert no_line_with_one_hidden(table)


def test_protect_table_needs_rectangular_rows() -> None:
    with pytest.raises(ValueError, match="same number"):
        protect_table([[1, 2], [3]], 3)
    assert protect_table([], 3).cells == ()


# --- the fixture ----------------------------------------------------------------------------

TODAY = date(2026, 9, 30)
A, B, C = "DINKES", "DISDIK", "DPUPR"  # Dinas Kesehatan, Dinas Pendidikan..., Dinas PU...
K, P, G = "korupsi", "pungli", "gratifikasi"


def case(
    number: int,
    agency: str,
    category: str,
    received: date,
    status: str,
    *,
    ack: int | None = None,
    feedback: int | None = None,
    closed: int | None = None,
    due: date | None = None,
    outcome: str | None = None,
    severity: str | None = None,
    to: str | None = None,
    reason: str | None = None,
    follow_up_done: bool = False,
    purged: bool = False,
) -> dict[str, Any]:
    """One case; ack, feedback and closed are days after receipt."""

    def after(days: int | None) -> date | None:
        return None if days is None else received + timedelta(days=days)

    return {
        "id": number,
        "agency": agency,
        "category": category,
        "received_on": received,
        "status": status,
        "acknowledged_on": after(ack),
        "first_feedback_on": after(feedback),
        "closed_on": after(closed),
        "due_on": due,
        "outcome": outcome,
        "severity": severity,
        "forwarded_to": to,
        "rejection_reason": reason,
        "follow_up_done_on": after(closed) if follow_up_done else None,
        "purged_on": after(closed + 1) if purged and closed is not None else None,
    }


D = date
CASES = [
    # January 2026
    case(1, A, K, D(2026, 1, 5), "closed", ack=2, feedback=10, closed=40,
         outcome="substantiated", severity="berat", follow_up_done=True),
    case(2, A, K, D(2026, 1, 10), "closed", ack=3, feedback=20, closed=60,
         outcome="substantiated", severity="sedang", follow_up_done=True),
    case(3, A, P, D(2026, 1, 20), "closed", ack=1, feedback=15, closed=30,
         outcome="not_substantiated", purged=True),  # purged: still counted
    case(4, B, G, D(2026, 1, 25), "closed", ack=5, feedback=8, closed=12,
         outcome="rejected", reason="incomplete"),
    # February
    case(5, B, K, D(2026, 2, 2), "follow_up", ack=4, feedback=30,
         outcome="substantiated", severity="ringan"),
    case(6, B, P, D(2026, 2, 14), "closed", ack=2, feedback=25, closed=90,
         outcome="substantiated", severity="sedang", follow_up_done=True),
    case(7, C, K, D(2026, 2, 20), "closed", ack=6, feedback=6, closed=20,
         outcome="forwarded", to="kpk"),
    case(8, C, G, D(2026, 2, 28), "forwarded", ack=3, feedback=3,
         outcome="forwarded", to="kejaksaan"),
    # March
    case(9, A, G, D(2026, 3, 3), "concluded", ack=2, feedback=40, due=D(2026, 9, 15),
         outcome="substantiated", severity="berat"),
    case(10, A, K, D(2026, 3, 15), "closed", ack=13, feedback=50, closed=100,
         outcome="substantiated", severity="ringan", follow_up_done=True),
    case(11, B, K, D(2026, 3, 31), "rejected", ack=7, feedback=14,
         outcome="rejected", reason="no_evidence"),
    # April
    case(12, C, P, D(2026, 4, 1), "investigation", ack=2, feedback=45, due=D(2026, 10, 10)),
    case(13, C, P, D(2026, 4, 10), "closed", ack=1, feedback=20, closed=35,
         outcome="not_substantiated"),
    case(14, A, P, D(2026, 4, 30), "need_info", ack=4),
    # May
    case(15, B, G, D(2026, 5, 5), "closed", ack=12, feedback=30, closed=70,
         outcome="substantiated", severity="sedang"),
    case(16, C, K, D(2026, 5, 20), "triage", ack=4, due=D(2026, 8, 20)),
    # June
    case(17, A, K, D(2026, 6, 10), "investigation", ack=2, feedback=60, due=D(2026, 9, 29)),
    case(18, B, P, D(2026, 6, 30), "triage", ack=8, due=D(2026, 9, 30)),  # due today: not late
    # July
    case(19, C, G, D(2026, 7, 7), "received", due=D(2026, 7, 14)),
    case(20, A, G, D(2026, 7, 15), "closed", ack=1, feedback=10, closed=20,
         outcome="rejected", reason="duplicate"),
    # August
    case(21, B, K, D(2026, 8, 1), "received", due=D(2026, 8, 8)),
    case(22, C, K, D(2026, 8, 18), "investigation", ack=5, feedback=20, due=D(2026, 11, 1)),
    # 2025: outside every 2026 period; case 24 is still open, so it is in today's backlog.
    case(23, A, K, D(2025, 12, 28), "closed", ack=3, feedback=10, closed=50,
         outcome="substantiated", severity="berat", follow_up_done=True),
    case(24, B, G, D(2025, 11, 11), "investigation", ack=2, feedback=20, due=D(2026, 1, 1)),
]  # fmt: skip


@pytest.fixture
def stats_db(app: Flask, init_result: InitResult) -> Flask:
    with database(app).session() as session:
        agencies = dict(session.execute(select(Agency.code, Agency.id)).all())
        categories = dict(session.execute(select(Category.code, Category.id)).all())
        unit_key = session.execute(select(UnitKey.id)).scalars().first()
        rows = []
        for row in CASES:
            values = {k: v for k, v in row.items() if k not in ("agency", "category")}
            values["agency_id"] = agencies[row["agency"]]
            values["category_id"] = categories[row["category"]]
            values["unit_key_id"] = unit_key
            values["paused_days"] = 0
            rows.append(values)
        # Statistics read no sealed key and no body: both stay NULL here.
        session.execute(insert(Case), rows)
    return app


def run(app: Flask, query: Any, *args: Any) -> Any:
    with database(app).session() as session:
        return query(session, *args)


# --- overview -------------------------------------------------------------------------------


def test_overview_of_the_year(stats_db: Flask) -> None:
    result = run(stats_db, overview, year(2026))
    # Cases 1-22; 23 and 24 were received in 2025.
    assert result.received == 22
    assert dict(result.by_status) == {
        "received": 2,  # 19, 21
        "triage": 2,  # 16, 18
        "need_info": 1,  # 14
        "investigation": 3,  # 12, 17, 22
        "forwarded": 1,  # 8
        "rejected": 1,  # 11
        "concluded": 1,  # 9
        "follow_up": 1,  # 5
        "closed": 10,  # 1, 2, 3, 4, 6, 7, 10, 13, 15, 20
    }
    assert result.substantiated == 7  # 1, 2, 5, 6, 9, 10, 15
    assert result.not_substantiated == 2  # 3 (purged), 13
    assert result.forwarded == 2
    assert result.forwarded_by_destination == {
        "kpk": 1,  # 7
        "kejaksaan": 1,  # 8
        "kepolisian": 0,
        "bkpsdm": 0,
        "apip_lain": 0,
        "sp4n_lapor": 0,
        "ombudsman": 0,
    }
    assert result.rejected == 3
    assert result.rejected_by_reason == {
        "incomplete": 1,  # 4
        "not_a_violation": 0,
        "no_evidence": 1,  # 11
        "duplicate": 1,  # 20
        "outside_scope": 0,
        "other": 0,
    }


def test_overview_of_a_quarter_a_month_and_a_range(stats_db: Flask) -> None:
    q1 = run(stats_db, overview, quarter(2026, 1))
    assert q1.received == 11  # cases 1-11
    assert q1.substantiated == 6  # 1, 2, 5, 6, 9, 10
    assert q1.by_status["closed"] == 7  # 1, 2, 3, 4, 6, 7, 10
    february = run(stats_db, overview, month(2026, 2))
    assert february.received == 4  # 5, 6, 7, 8
    assert february.forwarded == 2
    # A range across the new year takes 2025's cases 23 and 24 and January's 1-4.
    span = run(stats_db, overview, between(D(2025, 11, 1), D(2026, 1, 31)))
    assert span.received == 6
    assert span.substantiated == 3  # 23, 1, 2
    nothing = run(stats_db, overview, year(2024))
    assert nothing.received == 0 and nothing.by_status["closed"] == 0


# --- breakdowns -----------------------------------------------------------------------------


def figures(breakdown: Any) -> dict[str, tuple[int, int, int]]:
    return {row.key: (row.received, row.substantiated, row.closed) for row in breakdown.rows}


def test_by_agency(stats_db: Flask) -> None:
    result = run(stats_db, by_agency, year(2026))
    rows = figures(result)
    # (received, substantiated, closed)
    assert rows[A] == (8, 4, 5)  # 1,2,3,9,10,14,17,20; subst 1,2,9,10; closed 1,2,3,10,20
    assert rows[B] == (7, 3, 3)  # 4,5,6,11,15,18,21; subst 5,6,15; closed 4,6,15
    assert rows[C] == (7, 0, 2)  # 7,8,12,13,16,19,22; closed 7,13
    # Every other active agency is listed with zeros (zero singles out nobody).
    assert len(rows) == 32
    assert all(value == (0, 0, 0) for key, value in rows.items() if key not in (A, B, C))
    assert (result.total.received, result.total.substantiated, result.total.closed) == (22, 7, 10)
    labels = [row.label for row in result.rows]
    assert labels == sorted(labels)


def test_by_category(stats_db: Flask) -> None:
    result = run(stats_db, by_category, year(2026))
    rows = figures(result)
    assert rows[K] == (10, 4, 4)  # 1,2,5,7,10,11,16,17,21,22; subst 1,2,5,10; closed 1,2,7,10
    assert rows[P] == (6, 1, 3)  # 3,6,12,13,14,18; subst 6; closed 3,6,13
    assert rows[G] == (6, 2, 3)  # 4,8,9,15,19,20; subst 9,15; closed 4,15,20
    assert [row.key for row in result.rows][:2] == [K, "suap"]  # the seed list's order
    assert result.rows[0].label_en == "Corruption / loss of regional funds"
    assert (result.total.received, result.total.substantiated, result.total.closed) == (22, 7, 10)


def test_by_month(stats_db: Flask) -> None:
    result = run(stats_db, by_month, year(2026))
    assert figures(result) == {
        "2026-01": (4, 2, 4),  # 1-4; subst 1, 2; all closed
        "2026-02": (4, 2, 2),  # 5-8; subst 5, 6; closed 6, 7
        "2026-03": (3, 2, 1),  # 9-11; subst 9, 10; closed 10
        "2026-04": (3, 0, 1),  # 12-14; closed 13
        "2026-05": (2, 1, 1),  # 15, 16; subst and closed 15
        "2026-06": (2, 0, 0),  # 17, 18
        "2026-07": (2, 0, 1),  # 19, 20; closed 20
        "2026-08": (2, 0, 0),  # 21, 22
        "2026-09": (0, 0, 0),
        "2026-10": (0, 0, 0),
        "2026-11": (0, 0, 0),
        "2026-12": (0, 0, 0),
    }
    span = run(stats_db, by_month, between(D(2025, 11, 1), D(2026, 1, 31)))
    assert figures(span) == {
        "2025-11": (1, 0, 0),  # 24
        "2025-12": (1, 1, 1),  # 23
        "2026-01": (4, 2, 4),
    }


# --- handling times -------------------------------------------------------------------------


def test_handling_times_medians_and_90th_percentiles(stats_db: Flask) -> None:
    result = run(stats_db, handling_times, year(2026))
    # percentile_cont(p) over n sorted values v[0..]: h = (n - 1) p, linear between
    # v[floor h] and v[ceil h].
    #
    # Acknowledgement, 20 cases (19 and 21 not acknowledged), days sorted:
    # 1 1 1 2 2 2 2 2 3 3 | 4 4 4 5 5 6 7 8 12 13
    # median: h = 9.5 -> 3 + 0.5 * (4 - 3) = 3.5; p90: h = 17.1 -> 8 + 0.1 * (12 - 8) = 8.4
    assert result.acknowledgement.cases == 20
    assert result.acknowledgement.median_days == 3.5
    assert result.acknowledgement.p90_days == 8.4
    # First feedback, 17 cases (14, 16, 18, 19, 21 none):
    # 3 6 8 10 10 14 15 20 [20] 20 25 30 30 40 45 50 60
    # median: h = 8 -> 20; p90: h = 14.4 -> 45 + 0.4 * (50 - 45) = 47
    assert result.first_feedback.cases == 17
    assert result.first_feedback.median_days == 20
    assert result.first_feedback.p90_days == 47
    # Closure, 10 cases: 12 20 20 30 35 | 40 60 70 90 100
    # median: h = 4.5 -> 35 + 0.5 * 5 = 37.5; p90: h = 8.1 -> 90 + 0.1 * 10 = 91
    assert result.closure.cases == 10
    assert result.closure.median_days == 37.5
    assert result.closure.p90_days == 91


def test_handling_times_of_a_small_or_empty_period(stats_db: Flask) -> None:
    march = run(stats_db, handling_times, month(2026, 3))
    # Acknowledgement: 9 -> 2, 10 -> 13, 11 -> 7: sorted 2 7 13; median 7;
    # p90: h = 1.8 -> 7 + 0.8 * 6 = 11.8
    assert march.acknowledgement.cases == 3
    assert march.acknowledgement.median_days == 7
    assert march.acknowledgement.p90_days == 11.8
    assert (march.closure.cases, march.closure.median_days) == (1, 100)  # only case 10
    empty = run(stats_db, handling_times, year(2024))
    assert (empty.closure.cases, empty.closure.median_days, empty.closure.p90_days) == (
        0,
        None,
        None,
    )


# --- backlog --------------------------------------------------------------------------------


def test_backlog_per_stage_with_overdue_share(stats_db: Flask) -> None:
    result = run(stats_db, backlog, TODAY)
    # Open (not closed) on 2026-09-30, whenever received; overdue: due_on before today.
    stages = {stage.status: (stage.open, stage.overdue) for stage in result.stages}
    assert stages == {
        "received": (2, 2),  # 19 (due 07-14), 21 (due 08-08)
        "triage": (2, 1),  # 16 (due 08-20); 18 is due today, not late
        "need_info": (1, 0),  # 14 (paused, no due date)
        "investigation": (4, 2),  # 12, 17 (due 09-29), 22, 24 from 2025 (due 01-01)
        "forwarded": (1, 0),  # 8
        "rejected": (1, 0),  # 11
        "concluded": (1, 1),  # 9 (due 09-15)
        "follow_up": (1, 0),  # 5
    }
    assert (result.open, result.overdue) == (13, 6)
    assert result.overdue_share == pytest.approx(6 / 13)
    # A day earlier, case 17 (due 09-29) was not late yet.
    assert run(stats_db, backlog, D(2026, 9, 29)).overdue == 5


# --- agency ranking -------------------------------------------------------------------------


def test_agency_ranking_weighted_by_severity(stats_db: Flask) -> None:
    result = run(stats_db, agency_ranking, year(2026))
    # DOMAIN.md "Integrity link": ringan 1, sedang 3, berat 5.
    assert result.weights == {"ringan": 1, "sedang": 3, "berat": 5} == SEVERITY_WEIGHTS
    first, second, *rest = result.scores
    # DINKES: 1 berat, 2 sedang, 9 berat, 10 ringan -> 5 + 3 + 5 + 1 = 14;
    # follow-up done 1, 2, 10 -> 3 of 4.
    assert (first.code, first.substantiated, first.ringan, first.sedang, first.berat) == (
        A,
        4,
        1,
        1,
        2,
    )
    assert (first.weighted_findings, first.follow_up_done, first.follow_up_rate) == (14, 3, 0.75)
    # DISDIK: 5 ringan, 6 sedang (done), 15 sedang -> 1 + 3 + 3 = 7; 1 of 3 done.
    assert (second.code, second.weighted_findings, second.follow_up_done) == (B, 7, 1)
    assert second.follow_up_rate == pytest.approx(1 / 3)
    # Case 23 (DINKES, berat, 2025) is outside the year. The rest have no finding: by name.
    assert all(score.weighted_findings == 0 and score.follow_up_rate is None for score in rest)
    assert [score.name for score in rest] == sorted(score.name for score in rest)
    assert C in [score.code for score in rest]


# --- protection of the results --------------------------------------------------------------


def test_protected_overview_hides_small_counts(stats_db: Flask) -> None:
    result = protected(run(stats_db, overview, year(2026)), 3)
    assert result.received.display() == "22"
    assert {status: cell.display() for status, cell in result.by_status.items()} == {
        "received": "< 3",
        "triage": "< 3",
        "need_info": "< 3",
        "investigation": "3",
        "forwarded": "< 3",
        "rejected": "< 3",
        "concluded": "< 3",
        "follow_up": "< 3",
        "closed": "10",
    }
    assert result.substantiated.display() == "7"
    assert result.not_substantiated.display() == "< 3"
    assert result.forwarded.display() == "< 3"
    assert result.forwarded_by_destination["kpk"].display() == "< 3"
    assert result.forwarded_by_destination["ombudsman"].display() == "0"
    # Rejected: 3 = incomplete + no evidence + duplicate, each "< 3", so each would be
    # exactly 1: the total is hidden too.
    assert result.rejected.display() == "x"
    assert {k: v.display() for k, v in result.rejected_by_reason.items() if v.suppressed} == {
        "incomplete": "< 3",
        "no_evidence": "< 3",
        "duplicate": "< 3",
    }


def test_protected_breakdown_adds_a_complementary_cell(stats_db: Flask) -> None:
    result = protected(run(stats_db, by_agency, year(2026)), 3)
    rows = {row.key: row for row in result.rows}
    # Closed column: DINKES 5, DISDIK 3, DPUPR 2, total 10 published. DPUPR's 2 alone
    # would be 10 - 5 - 3, so the next-smallest (DISDIK's 3) is hidden as well.
    assert rows[C].closed.display() == "< 3"
    assert rows[B].closed.display() == "x"
    assert rows[A].closed.display() == "5"
    assert result.total.closed.display() == "10"
    assert rows[A].received.display() == "8" and rows[C].substantiated.display() == "0"


def test_protected_handling_times_hide_figures_of_too_few_cases(stats_db: Flask) -> None:
    march = protected(run(stats_db, handling_times, month(2026, 3)), 3)
    assert march.closure.cases.display() == "< 3"  # only case 10: its own handling time
    assert march.closure.median_days is None and march.closure.p90_days is None
    assert march.acknowledgement.cases.display() == "3"
    assert march.acknowledgement.median_days == 7


def test_protected_backlog_and_ranking(stats_db: Flask) -> None:
    queue = protected(run(stats_db, backlog, TODAY), 3)
    assert queue.open.display() == "13" and queue.overdue.display() == "6"
    assert queue.overdue_share == pytest.approx(6 / 13)
    stages = {stage.status: stage for stage in queue.stages}
    assert stages["investigation"].open.display() == "4"
    assert stages["received"].overdue.display() == "< 3"

    ranking = protected(run(stats_db, agency_ranking, year(2026)), 3)
    first, second = ranking.scores[:2]
    assert first.substantiated.display() == "4"
    assert [first.ringan.display(), first.sedang.display(), first.berat.display()] == [
        "< 3",
        "< 3",
        "< 3",
    ]
    # With the weights public, 14 and the hidden severities would give them back.
    assert first.weighted_findings.display() == "x"
    # Follow-up done: DISDIK's 1 is small; DINKES's 3 hidden beside it (column total 4).
    assert second.follow_up_done.display() == "< 3"
    assert first.follow_up_done.display() == "x"
    assert first.follow_up_rate is None and second.follow_up_rate is None
    assert ranking.weights == SEVERITY_WEIGHTS


def test_threshold_one_publishes_every_count(stats_db: Flask) -> None:
    result = protected(run(stats_db, overview, year(2026)), 1)
    assert all(not cell.suppressed for cell in result.by_status.values())
    assert result.by_status["need_info"].display() == "1"
