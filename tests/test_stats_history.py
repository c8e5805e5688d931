"""Overdue cases over time (daily backlog snapshots), the agency and category filters and
the "all years" period of the statistics, on the hand-computed fixture of
tests/test_statistics.py (today there is 2026-09-30)."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.test_statistics import TODAY, run, stats_db  # noqa: F401 - the fixture
from wbs.app_context import database
from wbs.models import Agency, BacklogSnapshot, Category
from wbs.stats_dashboard import StatsRequestError, read_request
from wbs.stats_history import overdue_history, take_snapshot
from wbs.stats_periods import Period, quarter, year
from wbs.stats_protection import protected
from wbs.stats_queries import Scope, agency_ranking, by_agency, by_month, overview

D = date


def ids(app: Flask, model: type[Agency] | type[Category], code: str) -> int:
    with database(app).session() as session:
        return session.scalars(select(model.id).where(model.code == code)).one()


def snapshot(app: Flask, day: date) -> int:
    with database(app).session() as session:
        return take_snapshot(session, day)


def test_a_snapshot_counts_open_and_overdue_cases_per_agency_and_category(
    stats_db: Flask,  # noqa: F811
) -> None:
    # Open on 2026-09-30: 13 cases (see test_backlog_per_stage_with_overdue_share), 6 of
    # them due before that day: 9, 16, 17, 19, 21, 24.
    assert snapshot(stats_db, TODAY) == 13
    # Taken again the same day, it replaces the day's rows instead of adding to them.
    assert snapshot(stats_db, TODAY) == 13
    with database(stats_db).session() as session:
        totals = session.execute(
            select(func.sum(BacklogSnapshot.open), func.sum(BacklogSnapshot.overdue)).where(
                BacklogSnapshot.day == TODAY
            )
        ).one()
        # DINKES korupsi: 17 (open, overdue); DINKES gratifikasi: 9 (open, overdue).
        dinkes = ids(stats_db, Agency, "DINKES")
        rows = session.execute(
            select(BacklogSnapshot.category_id, BacklogSnapshot.open, BacklogSnapshot.overdue)
            .where(BacklogSnapshot.day == TODAY, BacklogSnapshot.agency_id == dinkes)
            .order_by(BacklogSnapshot.category_id)
        ).all()
    assert tuple(totals) == (13, 6)
    expected = {
        ids(stats_db, Category, "korupsi"): (1, 1),  # 17
        ids(stats_db, Category, "pungli"): (1, 0),  # 14, need_info without a due date
        ids(stats_db, Category, "gratifikasi"): (1, 1),  # 9
    }
    assert {category: (open_, late) for category, open_, late in rows} == expected


def test_overdue_history_takes_the_last_snapshot_of_each_month(
    stats_db: Flask,  # noqa: F811
) -> None:
    # 2026-08-31: the same 13 cases were open (all received by 08-18); due before 08-31:
    # 16 (08-20), 19 (07-14), 21 (08-08), 24 (01-01) = 4.
    snapshot(stats_db, D(2026, 8, 31))
    snapshot(stats_db, D(2026, 9, 15))
    snapshot(stats_db, TODAY)
    history = run(stats_db, overdue_history, year(2026))
    assert [point.key for point in history.points] == [f"2026-{m:02d}" for m in range(1, 13)]
    points = {point.key: point for point in history.points}
    assert points["2026-07"].day is None and (
        points["2026-07"].open,
        points["2026-07"].overdue,
    ) == (
        0,
        0,
    )
    assert (points["2026-08"].day, points["2026-08"].open, points["2026-08"].overdue) == (
        D(2026, 8, 31),
        13,
        4,
    )
    # September: the 30th, not the 15th.
    assert (points["2026-09"].day, points["2026-09"].open, points["2026-09"].overdue) == (
        TODAY,
        13,
        6,
    )
    assert points["2026-09"].overdue_share == pytest.approx(6 / 13)
    # A quarter only has its own months.
    assert [p.key for p in run(stats_db, overdue_history, quarter(2026, 3)).points] == [
        "2026-07",
        "2026-08",
        "2026-09",
    ]
    # One agency: DINKES on 09-30 has 9, 14, 17 open and 9, 17 overdue.
    dinkes = Scope(agency_id=ids(stats_db, Agency, "DINKES"))
    september = run(stats_db, overdue_history, year(2026), dinkes).points[8]
    assert (september.open, september.overdue) == (3, 2)
    # Published: 2 is small, and with it the share would give it back.
    shown = protected(run(stats_db, overdue_history, year(2026), dinkes), 3).points[8]
    assert shown.open.display() == "3" and shown.overdue.display() == "< 3"
    assert shown.overdue_share is None


def test_scope_filters_every_figure_by_agency_and_category(stats_db: Flask) -> None:  # noqa: F811
    dinkes = ids(stats_db, Agency, "DINKES")
    korupsi = ids(stats_db, Category, "korupsi")
    # DINKES in 2026: 1, 2, 3, 9, 10, 14, 17, 20. korupsi: 1, 2, 5, 7, 10, 11, 16, 17, 21, 22.
    assert run(stats_db, overview, year(2026), Scope(agency_id=dinkes)).received == 8
    assert run(stats_db, overview, year(2026), Scope(category_id=korupsi)).received == 10
    both = run(stats_db, overview, year(2026), Scope(dinkes, korupsi))
    assert (both.received, both.substantiated) == (4, 3)  # 1, 2, 10, 17; 17 is open
    # The by-agency table of one agency has that agency's row only.
    rows = run(stats_db, by_agency, year(2026), Scope(agency_id=dinkes)).rows
    assert [(row.key, row.received) for row in rows] == [("DINKES", 8)]


def test_read_request_resolves_codes_and_every_year(stats_db: Flask) -> None:  # noqa: F811
    with database(stats_db).session() as session:
        request = read_request(session, {"period": "all", "agency": "DINKES"}, TODAY)
        assert request.period == Period(D(2025, 1, 1), D(2026, 12, 31), "all")
        assert request.agency is not None and request.agency.code == "DINKES"
        assert request.query_args() == {"period": "all", "agency": "DINKES"}
        months = by_month(session, request.period, request.scope)
        assert len(months.rows) == 24
        # DINKES: 8 cases in 2026 and case 23 of 2025-12-28.
        assert months.total.received == 9
        for args, reason in [
            ({"agency": "NOPE"}, "unknown_agency"),
            ({"category": "nope"}, "unknown_category"),
            ({"period": "2026-13"}, "bad_month"),
        ]:
            with pytest.raises(StatsRequestError) as error:
                read_request(session, args, TODAY)
            assert error.value.reason == reason


def test_stats_snapshot_command(stats_db: Flask) -> None:  # noqa: F811
    runner = stats_db.test_cli_runner()
    result = runner.invoke(args=["stats-snapshot", "--day", "2026-09-30"])
    assert result.exit_code == 0, result.output
    assert "Backlog snapshot of 2026-09-30: 13 open cases." in result.output
    result = runner.invoke(args=["stats-snapshot", "--day", "30-09-2026"])
    assert result.exit_code == 2 and "is not a date" in result.output


def test_ranking_by_follow_up_completion(stats_db: Flask) -> None:  # noqa: F811
    ranking = run(stats_db, agency_ranking, year(2026))
    # DINKES 3 of 4 done (0.75), DISDIK 1 of 3; DPUPR and the rest have no finding.
    assert [(s.code, s.follow_up_rate) for s in ranking.by_follow_up()] == [
        ("DINKES", 0.75),
        ("DISDIK", pytest.approx(1 / 3)),
    ]
    # Published: DISDIK's 1 done is "< 3", and DINKES's 3 is hidden ("x") so that the
    # column total cannot give it back; neither rate is shown (it would give the count
    # back), so both come after any shown rate, by name, and are still listed.
    shown = protected(ranking, 3).by_follow_up()
    assert [(s.code, s.follow_up_rate) for s in shown] == [("DINKES", None), ("DISDIK", None)]
    assert [s.follow_up_done.display() for s in shown] == ["x", "< 3"]
