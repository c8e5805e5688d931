"""The leadership dashboard at scale (issue 4): 1,000,000 cases in PostgreSQL.

Five years of cases (40 agencies, 10 categories, most closed with an outcome) and a
backlog snapshot for every day of those years, as ``wbs stats-snapshot`` writes them.
Times the whole dashboard for one year and for all years as a leader gets it (a GET of
/admin/dashboard through the Flask test client, session check and rendering included),
``collect()`` alone, and hand-written SQL computing the same figures with psycopg, in the
same run; prints each and the ratio app ÷ bare SQL (goal: at most 1.5). Before timing,
the bare SQL's figures are checked against collect()'s, so both compute the same thing.

The bare SQL is one query per figure, as one would write it by hand to let the indexes
answer: where that differs from the application's query (backlog, overdue history), the
comment above the query says how, and the ratio shows what the difference costs. It is
sent unprepared: on this one long-lived connection psycopg would prepare each statement
from its fifth run, and PostgreSQL would then reuse a generic plan made for no dates in
particular, up to twice as slow for all years. The app's statements are never prepared:
every request ends in a rollback, on which psycopg forgets what it prepared.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg
from flask import Flask
from flask.testing import FlaskClient

from bench import postgres_part
from bench.audit import fresh_database
from bench.postgres_part import size
from wbs.app_context import settings as app_settings
from wbs.case_actions import FORWARD_DESTINATIONS, REJECTION_REASONS
from wbs.db import Database, migrate
from wbs.settings import Settings
from wbs.stats_dashboard import Figures, collect, read_request
from wbs.stats_periods import Period
from wbs.stats_queries import OPEN_STATUSES, SEVERITY_WEIGHTS

GOAL = 1.5
REPEATS = 9
FIRST_DAY, LAST_DAY = date(2021, 11, 23), date(2026, 11, 23)
AGENCIES, CATEGORIES = 40, 10
LEADER_ID = 9
# The two pages timed: one year, and every year since the first case.
PERIODS = {"year": "2025", "all": "all"}

# Random but repeatable (setseed first): each case gets the time it takes to close, so
# cases received in the last months are still open, in a stage that fits their age.
# Every (agency, category) pair occurs.
FILL_SQL = """
INSERT INTO case_file (id, lookup_id, status, category_id, agency_id, received_on,
    unit_key_id, paused_days, due_on, assignee_id, acknowledged_on, first_feedback_on,
    closed_on, outcome, severity, forwarded_to, rejection_reason, follow_up_done_on)
SELECT g.i,
       sha256(int8send(g.i)),
       s.status,
       1 + (g.i / %(agencies)s * 7) %% %(categories)s,
       1 + (g.i * 13) %% %(agencies)s,
       g.received_on,
       1, 0,
       CASE WHEN s.status IN ('closed', 'need_info') THEN NULL
            ELSE %(last)s - 30 + floor(g.r2 * 120)::int END,
       CASE WHEN g.i %% 3 = 0 THEN NULL ELSE 1 + g.i %% 8 END,
       CASE WHEN g.received_on + t.acknowledge_days <= %(last)s
            THEN g.received_on + t.acknowledge_days END,
       CASE WHEN g.received_on + t.feedback_days <= %(last)s
            THEN g.received_on + t.feedback_days END,
       CASE WHEN s.status = 'closed' THEN g.received_on + t.close_days END,
       o.outcome,
       CASE WHEN o.outcome = 'substantiated' THEN
            CASE WHEN g.r5 < 0.5 THEN 'ringan' WHEN g.r5 < 0.85 THEN 'sedang' ELSE 'berat' END
       END,
       CASE WHEN o.outcome = 'forwarded'
            THEN (%(destinations)s::text[])[1 + floor(g.r5 * %(destination_count)s)::int] END,
       CASE WHEN o.outcome = 'rejected'
            THEN (%(reasons)s::text[])[1 + floor(g.r5 * %(reason_count)s)::int] END,
       CASE WHEN o.outcome = 'substantiated' AND s.status = 'closed' AND g.r3 < 0.8
            THEN g.received_on + t.close_days END
FROM (SELECT i, %(first)s + ((i::bigint * 1826) / %(count)s)::int AS received_on,
             random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
      FROM generate_series(1, %(count)s) AS i) AS g
CROSS JOIN LATERAL (SELECT
    %(last)s - g.received_on AS age,
    floor(g.r3 * 8)::int AS acknowledge_days,
    10 + floor(g.r1 * g.r1 * 400)::int AS close_days,
    LEAST(7 + floor(g.r2 * 80)::int, 10 + floor(g.r1 * g.r1 * 400)::int) AS feedback_days
  ) AS t
CROSS JOIN LATERAL (SELECT CASE
    WHEN t.close_days <= t.age THEN 'closed'
    WHEN t.age < 3 THEN 'received'
    WHEN t.age < 10 THEN 'triage'
    WHEN g.r2 < 0.05 THEN 'need_info'
    WHEN t.age < 45 OR g.r4 < 0.5 THEN 'investigation'
    WHEN g.r4 < 0.6 THEN 'forwarded'
    WHEN g.r4 < 0.7 THEN 'rejected'
    WHEN g.r4 < 0.8 THEN 'concluded'
    ELSE 'follow_up' END AS status) AS s
CROSS JOIN LATERAL (SELECT CASE
    WHEN s.status IN ('forwarded', 'rejected') THEN s.status
    WHEN s.status = 'follow_up' THEN 'substantiated'
    WHEN s.status = 'concluded' THEN
         CASE WHEN g.r4 < 0.75 THEN 'substantiated' ELSE 'not_substantiated' END
    WHEN s.status = 'closed' THEN
         CASE WHEN g.r4 < 0.3 THEN 'substantiated' WHEN g.r4 < 0.65 THEN 'not_substantiated'
              WHEN g.r4 < 0.8 THEN 'forwarded' ELSE 'rejected' END
    END AS outcome) AS o
"""

# One snapshot a day (the cadence of config/wbs-stats-snapshot.timer) for every agency
# and category, over the same five years. The counts are made up: the history is only
# read, never recomputed from the cases.
SNAPSHOT_SQL = """
INSERT INTO backlog_snapshot (day, agency_id, category_id, open, overdue)
SELECT d.day, a, k, v.open, floor(v.open * (0.05 + 0.3 * random()))::int
FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d(day)
CROSS JOIN generate_series(1, %(agencies)s) AS a
CROSS JOIN generate_series(1, %(categories)s) AS k
CROSS JOIN LATERAL (SELECT 5 + (a * 7 + k * 3) %% 20 + floor(random() * 10)::int AS open) AS v
"""

# --- the same figures, as one would write them by hand --------------------------------------

OVERVIEW_SQL = """
SELECT status, outcome, forwarded_to, rejection_reason, count(*) FROM case_file
WHERE received_on BETWEEN %(start)s AND %(end)s
GROUP BY status, outcome, forwarded_to, rejection_reason
"""
AGENCY_SQL = """
SELECT a.code, coalesce(c.received, 0), coalesce(c.substantiated, 0), coalesce(c.closed, 0)
FROM agency AS a LEFT JOIN (
    SELECT agency_id,
           count(*) AS received,
           count(*) FILTER (WHERE outcome = 'substantiated') AS substantiated,
           count(*) FILTER (WHERE status = 'closed') AS closed
    FROM case_file
    WHERE received_on BETWEEN %(start)s AND %(end)s GROUP BY agency_id
) AS c ON c.agency_id = a.id
WHERE a.active OR c.received IS NOT NULL ORDER BY a.name, a.code
"""
CATEGORY_SQL = """
SELECT k.code, coalesce(c.received, 0), coalesce(c.substantiated, 0), coalesce(c.closed, 0)
FROM category AS k LEFT JOIN (
    SELECT category_id,
           count(*) AS received,
           count(*) FILTER (WHERE outcome = 'substantiated') AS substantiated,
           count(*) FILTER (WHERE status = 'closed') AS closed
    FROM case_file
    WHERE received_on BETWEEN %(start)s AND %(end)s GROUP BY category_id
) AS c ON c.category_id = k.id
WHERE k.active OR c.received IS NOT NULL ORDER BY k.sort_order, k.code
"""
MONTH_SQL = """
SELECT to_char(received_on, 'YYYY-MM'),
       count(*),
       count(*) FILTER (WHERE outcome = 'substantiated'),
       count(*) FILTER (WHERE status = 'closed')
FROM case_file
WHERE received_on BETWEEN %(start)s AND %(end)s GROUP BY 1 ORDER BY 1
"""
TIMES_SQL = """
SELECT count(acknowledged_on),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY acknowledged_on - received_on),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY acknowledged_on - received_on),
       count(first_feedback_on),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY first_feedback_on - received_on),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY first_feedback_on - received_on),
       count(closed_on),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY closed_on - received_on),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY closed_on - received_on)
FROM case_file WHERE received_on BETWEEN %(start)s AND %(end)s
"""
# The open stages listed (not "<> 'closed'"), so that the (status, due_on, id) index
# answers alone.
BACKLOG_SQL = """
SELECT status, count(*), count(*) FILTER (WHERE due_on < %(today)s) FROM case_file
WHERE status = ANY(%(open_statuses)s) GROUP BY status
"""
# The last snapshot day of each month, found in the primary key (day, agency, category),
# then the totals of that day only, rather than of every day of the period.
OVERDUE_SQL = """
SELECT to_char(m.month, 'YYYY-MM'), totals.open, totals.overdue
FROM generate_series(date_trunc('month', %(start)s::timestamp), %(end)s::timestamp,
                     interval '1 month') AS m(month)
CROSS JOIN LATERAL (SELECT max(day) AS day FROM backlog_snapshot
                    WHERE day >= m.month::date AND day < (m.month + interval '1 month')::date
                      AND day BETWEEN %(start)s AND %(end)s) AS last
CROSS JOIN LATERAL (SELECT sum(open) AS open, sum(overdue) AS overdue FROM backlog_snapshot
                    WHERE day = last.day) AS totals
WHERE last.day IS NOT NULL
ORDER BY m.month
"""
RANKING_SQL = """
SELECT a.code, coalesce(c.ringan, 0) * %(ringan)s + coalesce(c.sedang, 0) * %(sedang)s
       + coalesce(c.berat, 0) * %(berat)s AS weighted,
       coalesce(c.substantiated, 0), coalesce(c.done, 0)
FROM agency AS a LEFT JOIN (
    SELECT agency_id,
           count(*) FILTER (WHERE outcome = 'substantiated') AS substantiated,
           count(*) FILTER (WHERE outcome = 'substantiated' AND severity = 'ringan') AS ringan,
           count(*) FILTER (WHERE outcome = 'substantiated' AND severity = 'sedang') AS sedang,
           count(*) FILTER (WHERE outcome = 'substantiated' AND severity = 'berat') AS berat,
           count(*) FILTER (WHERE outcome = 'substantiated'
                            AND follow_up_done_on IS NOT NULL) AS done
    FROM case_file WHERE received_on BETWEEN %(start)s AND %(end)s GROUP BY agency_id
) AS c ON c.agency_id = a.id
WHERE a.active OR c.substantiated IS NOT NULL ORDER BY weighted DESC, a.name
"""
BARE_QUERIES = {
    "overview": OVERVIEW_SQL,
    "agencies": AGENCY_SQL,
    "categories": CATEGORY_SQL,
    "months": MONTH_SQL,
    "times": TIMES_SQL,
    "backlog": BACKLOG_SQL,
    "overdue": OVERDUE_SQL,
    "ranking": RANKING_SQL,
}


def _say(text: str = "") -> None:
    print(text, flush=True)


def fill(url: str, count: int) -> int:
    """Cases, daily snapshots, and a leadership account; returns the snapshot rows."""
    migrate(url)
    with psycopg.connect(postgres_part.dsn(url)) as connection:
        connection.execute(
            "INSERT INTO agency (id, code, name, active) SELECT i, 'OPD' || i, 'Dinas ' || i, "
            "true FROM generate_series(1, %s) AS i",
            (AGENCIES,),
        )
        connection.execute(
            "INSERT INTO category (id, code, name_id, name_en, sort_order, active) SELECT i, "
            "'k' || i, 'Kategori ' || i, 'Category ' || i, i, true FROM generate_series(1, %s) AS i",
            (CATEGORIES,),
        )
        connection.execute(
            "INSERT INTO unit_key (id, public_key, active, created_at) VALUES (1, '\\x00', true, now())"
        )
        connection.execute(
            "INSERT INTO staff (id, username, display_name, password_hash, roles, active, "
            "must_change_password, failed_logins, created_at) SELECT i, 'officer' || i, "
            "'Officer ' || i, 'x', 'investigator', true, false, 0, now() FROM generate_series(1, 8) AS i"
        )
        connection.execute(
            "INSERT INTO staff (id, username, display_name, password_hash, roles, active, "
            "must_change_password, failed_logins, created_at) VALUES (%s, 'pimpinan', "
            "'Pimpinan', 'x', 'leadership', true, false, 0, now())",
            (LEADER_ID,),
        )
        connection.execute("SELECT setseed(0.42)")
        params = {
            "count": count,
            "agencies": AGENCIES,
            "categories": CATEGORIES,
            "first": FIRST_DAY,
            "last": LAST_DAY,
            "destinations": list(FORWARD_DESTINATIONS),
            "destination_count": len(FORWARD_DESTINATIONS),
            "reasons": list(REJECTION_REASONS),
            "reason_count": len(REJECTION_REASONS),
        }
        connection.execute(FILL_SQL, params)
        snapshots = connection.execute(SNAPSHOT_SQL, params).rowcount
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE case_file")
        connection.execute("VACUUM ANALYZE backlog_snapshot")
    return snapshots


# --- the three ways of getting the figures --------------------------------------------------


def app_settings_of(app: Flask) -> Settings:
    with app.app_context():
        return app_settings()


def _get_page(client: FlaskClient, period: str) -> Callable[[], object]:
    def run() -> object:
        response = client.get(f"/admin/dashboard?period={period}")
        assert response.status_code == 200, response.status_code
        return response.data

    return run


def _collect(db: Database, period: str, today: date, threshold: int) -> Callable[[], Figures]:
    def run() -> Figures:
        with db.sessions() as session:
            return collect(
                session, read_request(session, {"period": period}, today), today, threshold
            )

    return run


def _bare_sql(
    connection: psycopg.Connection, period: Period, today: date
) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    params = {
        "start": period.start,
        "end": period.end,
        "today": today,
        "open_statuses": list(OPEN_STATUSES),
        **SEVERITY_WEIGHTS,
    }

    def run() -> dict[str, list[tuple[Any, ...]]]:
        return {
            name: connection.execute(sql, params).fetchall()  # type: ignore[arg-type]
            for name, sql in BARE_QUERIES.items()
        }

    return run


# --- the same numbers -----------------------------------------------------------------------


def _agree(app: object, sql: object) -> bool:
    """Equal, where None from the app (a suppressed cell: nothing published) matches anything."""
    if app is None:
        return True
    if isinstance(app, list | tuple) and isinstance(sql, list | tuple):
        return len(app) == len(sql) and all(map(_agree, app, sql))
    return app == sql


def _check_same(figures: Figures, bare: dict[str, list[tuple[Any, ...]]]) -> None:
    """The bare SQL computes what collect() publishes (suppressed cells aside)."""

    def same(what: str, app: object, sql: object) -> None:
        assert _agree(app, sql), f"{what}: collect() gives {app!r}, bare SQL {sql!r}"

    overview = figures.overview
    same("received", overview.received.value, sum(row[4] for row in bare["overview"]))
    same(
        "substantiated",
        overview.substantiated.value,
        sum(row[4] for row in bare["overview"] if row[1] == "substantiated"),
    )
    for label, result in (("agencies", figures.agencies), ("categories", figures.categories)):
        same(
            label,
            [(r.key, r.received.value, r.substantiated.value, r.closed.value) for r in result.rows],
            [tuple(row) for row in bare[label]],
        )
    months = {row[0]: tuple(row[1:]) for row in bare["months"]}
    same(
        "months",
        [
            (r.key, r.received.value, r.substantiated.value, r.closed.value)
            for r in figures.months.rows
        ],
        [(r.key, *months.get(r.key, (0, 0, 0))) for r in figures.months.rows],
    )
    times = bare["times"][0]
    for index, figure in enumerate(
        (figures.times.acknowledgement, figures.times.first_feedback, figures.times.closure)
    ):
        count, median, p90 = times[3 * index : 3 * index + 3]
        same(
            f"handling time {figure.milestone}",
            (figure.cases.value, figure.median_days, figure.p90_days),
            (
                count,
                None if median is None else round(median, 6),
                None if p90 is None else round(p90, 6),
            ),
        )
    same(
        "backlog",
        (figures.backlog.open.value, figures.backlog.overdue.value),
        (sum(row[1] for row in bare["backlog"]), sum(row[2] for row in bare["backlog"])),
    )
    same(
        "overdue history",
        [(p.key, p.open.value, p.overdue.value) for p in figures.overdue.points if p.day],
        [tuple(row) for row in bare["overdue"]],
    )
    same(
        # Sorted by code: ties in weighted findings go by name, in Python and in SQL collation.
        "agency ranking",
        sorted(
            (s.code, s.weighted_findings.value, s.substantiated.value, s.follow_up_done.value)
            for s in figures.ranking.scores
        ),
        sorted(tuple(row) for row in bare["ranking"]),
    )


# --- timing ---------------------------------------------------------------------------------


def measure(url: str, repeats: int = REPEATS) -> dict[str, float]:
    results: dict[str, float] = {}
    db = Database(url)
    try:
        with (
            postgres_part.logged_in_client(url, LEADER_ID) as (app, client),
            # Never prepared: each statement planned for its own dates (see the docstring).
            psycopg.connect(
                postgres_part.dsn(url), autocommit=True, prepare_threshold=None
            ) as connection,
        ):
            config = app_settings_of(app)
            # The app's own "today" (the backlog counts what is overdue on it).
            today, threshold = config.today(), config.small_cell_threshold
            for name, period in PERIODS.items():
                app_figures = _collect(db, period, today, threshold)
                figures = app_figures()
                bare = _bare_sql(connection, figures.period, today)
                _check_same(figures, bare())
                page_s, collect_s, bare_s = postgres_part.interleaved_medians(
                    [_get_page(client, period), app_figures, bare], repeats
                )
                results[f"{name}_ms"] = round(page_s * 1000, 1)
                results[f"{name}_collect_ms"] = round(collect_s * 1000, 1)
                results[f"{name}_sql_ms"] = round(bare_s * 1000, 1)
                results[f"{name}_ratio"] = round(page_s / bare_s, 2)
                results[f"{name}_collect_ratio"] = round(collect_s / bare_s, 2)
    finally:
        db.dispose()
    return results


def run(count: int) -> dict[str, float]:
    with fresh_database(prefix="wbs_bench_dashboard") as url:
        _say(f"Dashboard: filling PostgreSQL with {count:,} cases and daily backlog snapshots…")
        start = time.perf_counter()
        snapshots = fill(url, count)
        fill_s = time.perf_counter() - start
        _say(
            f"  filled in {fill_s:.0f} s ({snapshots:,} snapshot rows); timing the dashboard "
            f"(median of {REPEATS}, alternating)…"
        )
        results = measure(url)
    results["cases"] = count
    results["snapshot_rows"] = snapshots
    results["fill_s"] = round(fill_s, 1)
    return results


def print_results(results: dict[str, float] | None) -> None:
    if not results:
        return
    _say(
        f"\nLeadership dashboard, {int(results['cases']):,} cases over 5 years, "
        f"{AGENCIES} agencies, {CATEGORIES} categories, {int(results['snapshot_rows']):,} snapshot rows:"
    )
    _say(
        f"{'':<14}{'page (ms)':>10}{'collect() (ms)':>16}{'bare SQL (ms)':>15}"
        f"{'ratio':>8}{'collect()':>11}   goal: page ÷ bare ≤ {GOAL}"
    )
    for name, period in PERIODS.items():
        ratio = results[f"{name}_ratio"]
        flag = "" if ratio <= GOAL else "  ABOVE GOAL"
        _say(
            f"{'period=' + period:<14}{results[f'{name}_ms']:>10.1f}"
            f"{results[f'{name}_collect_ms']:>16.1f}{results[f'{name}_sql_ms']:>15.1f}"
            f"{ratio:>8.2f}{results[f'{name}_collect_ratio']:>11.2f}{flag}"
        )


def _count() -> int:
    return size("WBS_BENCH_DASHBOARD_CASES", 1_000_000)


def run_in_suite() -> dict[str, float] | None:
    return postgres_part.run_in_suite("Dashboard", run, _count())


def main() -> int:
    print_results(run(_count()))
    return 0
