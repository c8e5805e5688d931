"""The case queue at scale (issue 3): 1,000,000 cases in PostgreSQL.

Times the first page and page 500 of a filtered queue as the application fetches them
(wbs.case_queue.load_page through SQLAlchemy) and as bare SQL fetching the same rows
with psycopg, in the same run; prints each and their ratio (goal: at most 2).

Run alone: ``.venv/bin/python -m bench queue`` (WBS_BENCH_DATABASE_URL, else the local
PostgreSQL ``postgresql://postgres@127.0.0.1:5432/test``, is used to create and drop a
fresh database; WBS_BENCH_QUEUE_CASES changes the count).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import psycopg
from sqlalchemy.engine import make_url

from bench import postgres_part
from bench.audit import fresh_database
from bench.postgres_part import size
from wbs.case_permissions import Actor
from wbs.case_queue import PAGE_SIZE, QueueFilters, decode_cursor, load_page
from wbs.db import Database, migrate

GOAL = 2.0
TODAY = date(2026, 11, 23)
AGENCIES, CATEGORIES = 40, 10
FILTER_STATUS = "investigation"

# ~10 % of cases are open (recent), the rest closed over five years.
FILL_SQL = """
INSERT INTO case_file (id, lookup_id, status, category_id, agency_id, received_on,
    unit_key_id, paused_days, due_on, assignee_id)
SELECT i,
       sha256(int8send(i)),
       s.status,
       1 + (i * 7) % {categories},
       1 + (i * 13) % {agencies},
       DATE '2021-11-23' + ((i::bigint * 1826) / {count})::int,
       1, 0,
       CASE WHEN s.status IN ('closed', 'need_info') THEN NULL
            ELSE DATE '2026-09-01' + (i * 31 % 150) END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + i % 8 END
FROM generate_series(1, {count}) AS i
CROSS JOIN LATERAL (SELECT CASE
    WHEN i <= {count} * 0.9 THEN 'closed'
    ELSE (ARRAY['received','triage','need_info','investigation','investigation',
                'investigation','investigation','concluded','follow_up','follow_up'])[1 + i % 10]
  END AS status) AS s
"""


def _say(text: str = "") -> None:
    print(text, flush=True)


def fill(url: str, count: int) -> None:
    migrate(url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
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
            FILL_SQL.format(count=count, agencies=AGENCIES, categories=CATEGORIES)  # type: ignore[arg-type]
        )
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE case_file")


def _bare_sql(dsn: str, cursor: list[object] | None) -> Callable[[], list[tuple]]:
    """The same page as hand-written SQL: the index range scan, nothing else."""
    if cursor is None:
        sql, params = (
            "SELECT id, received_on, category_id, agency_id, status, assignee_id, due_on "
            "FROM case_file WHERE status = %s AND due_on IS NOT NULL "
            "ORDER BY due_on, id LIMIT %s",
            (FILTER_STATUS, PAGE_SIZE + 1),
        )
    else:
        sql, params = (
            "SELECT id, received_on, category_id, agency_id, status, assignee_id, due_on "
            "FROM case_file WHERE status = %s AND due_on IS NOT NULL "
            "AND (due_on, id) > (%s, %s) ORDER BY due_on, id LIMIT %s",
            (FILTER_STATUS, cursor[0], cursor[1], PAGE_SIZE + 1),
        )
    connection = psycopg.connect(dsn)

    def run() -> list[tuple]:
        return connection.execute(sql, params).fetchall()  # type: ignore[arg-type]

    return run


def measure(url: str, repeats: int = 200) -> dict[str, float]:
    db = Database(url)
    actor = Actor(staff_id=1, roles=frozenset({"supervisor"}))
    filters = QueueFilters(status=FILTER_STATUS)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    results: dict[str, float] = {}
    try:
        with db.sessions() as session:
            cursor_text: str | None = None
            cursors: dict[int, str | None] = {1: None}
            for number in range(1, 500):
                page = load_page(session, actor, filters, TODAY, cursor_text)
                cursor_text = page.next_cursor
                assert cursor_text is not None, f"the queue has fewer than {number + 1} pages"
                cursors[number + 1] = cursor_text
            for number in (1, 500):
                text = cursors[number]
                bare = _bare_sql(dsn, decode_cursor(text) if text else None)
                app_rows = [row.id for row in load_page(session, actor, filters, TODAY, text).rows]
                assert app_rows == [row[0] for row in bare()][:PAGE_SIZE], "not the same rows"
                app_seconds, bare_seconds = postgres_part.interleaved_medians(
                    [lambda text=text: load_page(session, actor, filters, TODAY, text), bare],
                    repeats,
                )
                results[f"page_{number}_ms"] = round(app_seconds * 1000, 3)
                results[f"page_{number}_sql_ms"] = round(bare_seconds * 1000, 3)
                results[f"page_{number}_ratio"] = round(app_seconds / bare_seconds, 2)
    finally:
        db.dispose()
    return results


def run(count: int) -> dict[str, float]:
    with fresh_database(prefix="wbs_bench_queue") as url:
        _say(f"Queue: filling PostgreSQL with {count:,} cases…")
        start = time.perf_counter()
        fill(url, count)
        _say(
            f"  filled in {time.perf_counter() - start:.0f} s; timing pages (median of 200, alternating)…"
        )
        results = measure(url)
    results["cases"] = count
    return results


def print_results(results: dict[str, float] | None) -> None:
    if not results:
        return
    _say(
        f"\nCase queue, {int(results['cases']):,} cases, filter status={FILTER_STATUS}, by due date:"
    )
    _say(f"{'':<10}{'app (ms)':>10}{'bare SQL (ms)':>15}{'ratio':>8}   goal ≤ {GOAL}")
    for number in (1, 500):
        ratio = results[f"page_{number}_ratio"]
        flag = "" if ratio <= GOAL else "  ABOVE GOAL"
        _say(
            f"page {number:<5}{results[f'page_{number}_ms']:>10.2f}"
            f"{results[f'page_{number}_sql_ms']:>15.2f}{ratio:>8.2f}{flag}"
        )


def _count() -> int:
    return size("WBS_BENCH_QUEUE_CASES", 1_000_000)


def run_in_suite() -> dict[str, float] | None:
    return postgres_part.run_in_suite("Queue", run, _count())


def main() -> int:
    print_results(run(_count()))
    return 0
