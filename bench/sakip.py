"""e-SAKIP at scale (issue 5): 60 agencies × 5 years × 2,000 indicators in PostgreSQL.

Each agency has a five-level performance tree (tujuan 1, sasaran 3, program 10, kegiatan
40, sub kegiatan 200 nodes) with 2,000 indicators spread evenly over its nodes, about
eight on every node of every level (80 % higher is better, 15 % lower, 5 % range
targets; about 1 % of the sub kegiatan and of the indicators inactive), and for every
indicator, each year 2022..2026 and each of the periods Y, Q1..Q4 a target and a
realisation, about one in ten realisations missing (NULL): 3,000,000 value rows. Every agency has its yearly SAKIP
evaluation (PermenPANRB 88/2021: a score for each of the twelve sub-components, the
total and predikat computed by wbs.sakip.evaluation; a few of this year's still drafts),
a few LHE findings and its staff counts; the Pemda has its KemenPANRB result each year.
20,000 WBS cases over the same years feed the integrity link.

Times, as a leader gets them (a GET through the Flask test client, session check and
rendering included), the agency ranking of 2026 (/sakip/ranking, and the
integrity-adjusted ranking /sakip/integrity), and the Pemda-wide evaluation page of
2026 (/sakip/evaluations); the data function alone; and the hand-written SQL fetching
the same rows with psycopg, in the same run. Prints each and the ratio page ÷ bare SQL
(goal: at most 2). Before timing, the bare SQL's rows are checked against the app's.
The bare SQL is sent unprepared, as the app's statements are (see bench/dashboard.py).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from bench import dashboard, postgres_part
from bench.audit import fresh_database
from bench.postgres_part import size
from wbs.app_context import settings as app_settings
from wbs.case_actions import FORWARD_DESTINATIONS, REJECTION_REASONS
from wbs.db import Database, migrate
from wbs.sakip.data.evaluations import evaluation_overview
from wbs.sakip.data.integrity import integrity_rows
from wbs.sakip.data.monitoring import period_evaluation
from wbs.sakip.evaluation import TEMPLATE_88_2021, DirectScore, predicate_of, score_evaluation
from wbs.sakip.monitoring import PROCUREMENT_STAGE_CODES
from wbs.stats_queries import OPEN_STATUSES

GOAL = 2.0
REPEATS = 7
YEARS = tuple(range(2022, 2027))
YEAR = YEARS[-1]
# The nodes of one agency's tree, level by level (DOMAIN.md, "Indicator achievement":
# tujuan → sasaran → program → kegiatan → sub kegiatan).
TREE = (("tujuan", 1), ("sasaran", 3), ("program", 10), ("kegiatan", 40), ("sub_kegiatan", 200))
NODES_PER_AGENCY = sum(count for _level, count in TREE)
PERIODS = ("Y", "Q1", "Q2", "Q3", "Q4")
CASES = 20_000
INVESTIGATORS = 8
LEADER_ID = INVESTIGATORS + 1
NOW = datetime(2026, 11, 23, 9, 0)
# Agencies whose evaluation of the last year is still a draft (every DRAFT_EVERY-th).
DRAFT_EVERY = 20
DRAFT_SCORED = 8  # of the twelve sub-components

# --- the fill ---------------------------------------------------------------------------------

# Nodes numbered level by level within an agency: node k of a level hangs under node
# k × (parent count) ÷ (count) of the level above, so each parent has children. About one
# sub kegiatan in a hundred is inactive (and with it its indicators).
NODES_SQL = """
WITH levels(level, depth, first, n) AS (VALUES {levels})
INSERT INTO performance_node (id, agency_id, parent_id, level, code, name, weight,
                              sort_order, active)
SELECT (a - 1) * %(per_agency)s + l.first + k + 1,
       a,
       CASE WHEN p.level IS NOT NULL
            THEN (a - 1) * %(per_agency)s + p.first + k * p.n / l.n + 1 END,
       l.level,
       l.depth || '.' || lpad(k::text, 3, '0'),
       initcap(replace(l.level, '_', ' ')) || ' ' || k || ' Dinas ' || a,
       1, k,
       NOT (l.level = 'sub_kegiatan' AND k %% 97 = 96)
FROM generate_series(1, %(agencies)s) AS a
CROSS JOIN levels AS l
CROSS JOIN LATERAL generate_series(0, l.n - 1) AS k
LEFT JOIN levels AS p ON p.depth = l.depth - 1
"""

# Indicator i of an agency sits on node (i - 1) mod 254: every node has about eight.
# Every twentieth is a range target, every fifth otherwise lower-is-better; one in 101
# is inactive.
INDICATORS_SQL = """
INSERT INTO indicator (id, node_id, name, unit, polarity, weight, sort_order, active)
SELECT (a - 1) * %(indicators)s + i,
       (a - 1) * %(per_agency)s + (i - 1) %% %(per_agency)s + 1,
       'Indikator ' || i,
       CASE WHEN i %% 5 = 0 AND i %% 20 <> 0 THEN 'hari' ELSE '%%' END,
       CASE WHEN i %% 20 = 0 THEN 'range' WHEN i %% 5 = 0 THEN 'lower' ELSE 'higher' END,
       1, i,
       i %% 101 <> 0
FROM generate_series(1, %(agencies)s) AS a
CROSS JOIN generate_series(1, %(indicators)s) AS i
"""

# Year by year (as they are entered), indicator by indicator. Higher: target 50..99 %,
# realisation 60..120 % of it; lower: target 10..29 days, realisation 70..130 % of it;
# range: 40..60, realisation 30..70. One realisation in ten missing (NULL).
VALUES_SQL = """
INSERT INTO indicator_value (id, indicator_id, year, period, target, target_high,
                             realisation, note, updated_at)
SELECT ((y - %(first_year)s) * %(indicator_count)s + i.id - 1) * %(period_count)s + p.k,
       i.id, y, p.period, t.target, t.target_high,
       CASE WHEN random() < 0.1 THEN NULL
            WHEN i.polarity = 'range' THEN round((30 + 40 * random())::numeric, 2)
            WHEN i.polarity = 'lower' THEN round(t.target * (0.7 + 0.6 * random())::numeric, 2)
            ELSE round(t.target * (0.6 + 0.6 * random())::numeric, 2) END,
       '', %(now)s
FROM generate_series(%(first_year)s::int, %(last_year)s::int) AS y
CROSS JOIN indicator AS i
CROSS JOIN unnest(%(periods)s::text[]) WITH ORDINALITY AS p(period, k)
CROSS JOIN LATERAL (SELECT
    CASE WHEN i.polarity = 'range' THEN 40
         WHEN i.polarity = 'lower' THEN 10 + (i.id + y) %% 20
         ELSE 50 + (i.id * 7 + y) %% 50 END::numeric AS target,
    CASE WHEN i.polarity = 'range' THEN 60 END::numeric AS target_high) AS t
ORDER BY 1
"""


# Realisation monitoring (DOMAIN.md, "Realisation monitoring"): each agency, each year and
# month, the planned and actual budget spent (the pagu spread over the months, the
# actual 50..110 % of the plan) and the cumulative physical progress, plan and actual;
# about one month in twenty not reported yet (NULL actuals).
MONTHS_SQL = """
INSERT INTO monthly_realisation (agency_id, year, month, budget_plan, budget_actual,
                                 physical_plan, physical_actual, updated_at)
SELECT a, y, m,
       round((1000000000::numeric + a * 25000000) / 12, 2),
       CASE WHEN random() < 0.05 THEN NULL
            ELSE round((1000000000::numeric + a * 25000000) / 12 * (0.5 + 0.6 * random())::numeric, 2)
       END,
       round(100 * m / 12.0, 2),
       CASE WHEN random() < 0.05 THEN NULL
            ELSE round(least(100, 100 * m / 12.0 * (0.6 + 0.5 * random()))::numeric, 2) END,
       %(now)s
FROM generate_series(1, %(agencies)s) AS a
CROSS JOIN generate_series(%(first_year)s::int, %(last_year)s::int) AS y
CROSS JOIN generate_series(1, 12) AS m
"""
# PACKAGES packages per agency and year at random stages, planned to finish between
# April and December; the ones not finished by then are behind schedule.
PACKAGES = 40
PACKAGES_SQL = """
INSERT INTO procurement_package (agency_id, year, name, value, stage, stage_on,
                                 planned_finish, note, updated_at)
SELECT a, y, 'Paket ' || k || ' Dinas ' || a, (50 + (a * k) %% 950) * 1000000::numeric,
       (%(stages)s::text[])[1 + floor(random() * %(stage_count)s)::int],
       make_date(y, 1 + k %% 3, 15), make_date(y, 4 + k %% 9, 28), '', %(now)s
FROM generate_series(1, %(agencies)s) AS a
CROSS JOIN generate_series(%(first_year)s::int, %(last_year)s::int) AS y
CROSS JOIN generate_series(1, %(packages)s) AS k
"""


def _say(text: str = "") -> None:
    print(text, flush=True)


@dataclass(frozen=True)
class Size:
    agencies: int
    indicators: int  # per agency

    @property
    def value_rows(self) -> int:
        return self.agencies * self.indicators * len(YEARS) * len(PERIODS)


def _evaluation_rows(
    agencies: int, rng: random.Random
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Evaluations, their sub-component scores and LHE findings of every agency and year,
    and the Pemda's KemenPANRB results. Totals and predikat from score_evaluation, as
    finalising stores them (wbs.sakip.data.evaluations.finalise)."""
    evaluations, scores, findings = [], [], []
    keys = TEMPLATE_88_2021.keys()
    for agency in range(1, agencies + 1):
        base = 50 + (agency * 37) % 45  # each agency its own level, 50..94 %
        for year in YEARS:
            evaluation_id = len(evaluations) + 1
            draft = year == YEAR and agency % DRAFT_EVERY == 0
            entries = {}
            for position, key in enumerate(keys):
                if draft and position >= DRAFT_SCORED:
                    break
                weight = TEMPLATE_88_2021.subcomponent(key).weight
                percent = min(100.0, max(0.0, base + 1.5 * (year - YEARS[0]) + rng.uniform(-8, 8)))
                score = min(weight, (weight * Decimal(percent) / 100).quantize(Decimal("0.01")))
                entries[key] = DirectScore(score)
                scores.append((evaluation_id, f"{key[0]}.{key[1]}", score, "", ""))
            result = score_evaluation(TEMPLATE_88_2021, entries)
            predicate = None if result.predicate is None else result.predicate.code
            status = "draft" if draft else "final"
            evaluations.append(
                (evaluation_id, agency, year, "inspektorat", result.total, predicate, status)
            )
            if agency % 3 == 0:
                for number in range(1, 3):
                    findings.append(
                        (
                            evaluation_id,
                            f"Temuan {number}: indikator kinerja belum selaras dengan Renstra.",
                            "Selaraskan indikator kinerja dengan Renstra.",
                            ("open", "in_progress", "done")[(agency + number) % 3],
                            date(year + 1, 6, 30),
                        )
                    )
    for year in YEARS:  # the Pemda, as KemenPANRB published it (entered, not computed)
        total = Decimal("61.20") + Decimal("2.35") * (year - YEARS[0])
        evaluations.append(
            (
                len(evaluations) + 1,
                None,
                year,
                "kemenpanrb",
                total,
                predicate_of(total).code,
                "final",
            )
        )
    return evaluations, scores, findings


def fill(url: str, sizes: Size) -> None:
    """Agencies, trees, indicators, values, evaluations, staff counts, cases, a leader."""
    migrate(url)
    rng = random.Random(42)
    evaluations, scores, findings = _evaluation_rows(sizes.agencies, rng)
    levels, first = [], 0
    for depth, (level, count) in enumerate(TREE):
        levels.append(f"('{level}', {depth}, {first}, {count})")
        first += count
    params: dict[str, Any] = {
        "agencies": sizes.agencies,
        "indicators": sizes.indicators,
        "indicator_count": sizes.agencies * sizes.indicators,
        "per_agency": NODES_PER_AGENCY,
        "first_year": YEARS[0],
        "last_year": YEARS[-1],
        "periods": list(PERIODS),
        "period_count": len(PERIODS),
        "now": NOW,
    }
    with psycopg.connect(postgres_part.dsn(url)) as connection:
        connection.execute(
            "INSERT INTO agency (id, code, name, active, head_name, head_title) SELECT i, "
            "'OPD' || i, 'Dinas ' || i, true, 'Kepala ' || i, 'Kepala Dinas' "
            "FROM generate_series(1, %s) AS i",
            (sizes.agencies,),
        )
        connection.execute(
            "INSERT INTO category (id, code, name_id, name_en, sort_order, active) SELECT i, "
            "'k' || i, 'Kategori ' || i, 'Category ' || i, i, true "
            "FROM generate_series(1, %s) AS i",
            (dashboard.CATEGORIES,),
        )
        connection.execute(
            "INSERT INTO unit_key (id, public_key, active, created_at) VALUES (1, '\\x00', true, now())"
        )
        connection.execute(
            "INSERT INTO staff (id, username, display_name, password_hash, roles, active, "
            "must_change_password, failed_logins, created_at) SELECT i, 'officer' || i, "
            "'Officer ' || i, 'x', 'investigator', true, false, 0, now() "
            "FROM generate_series(1, %s) AS i",
            (INVESTIGATORS,),
        )
        connection.execute(
            "INSERT INTO staff (id, username, display_name, password_hash, roles, active, "
            "must_change_password, failed_logins, created_at) VALUES (%s, 'pimpinan', "
            "'Pimpinan', 'x', 'leadership', true, false, 0, now())",
            (LEADER_ID,),
        )
        connection.execute(NODES_SQL.format(levels=", ".join(levels)), params)
        connection.execute(INDICATORS_SQL, params)
        connection.execute("SELECT setseed(0.42)")
        connection.execute(VALUES_SQL, params)
        connection.execute(MONTHS_SQL, params)
        connection.execute(
            PACKAGES_SQL,
            {
                **params,
                "packages": PACKAGES,
                "stages": list(PROCUREMENT_STAGE_CODES),
                "stage_count": len(PROCUREMENT_STAGE_CODES),
            },
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO sakip_evaluation (id, agency_id, year, template, evaluator, score, "
                "predicate, status, summary, updated_at) "
                "VALUES (%s, %s, %s, '88/2021', %s, %s, %s, %s, '', %s)",
                [(*row, NOW) for row in evaluations],
            )
            cursor.executemany(
                "INSERT INTO evaluation_score (evaluation_id, subcomponent, score, note, "
                "recommendation) VALUES (%s, %s, %s, %s, %s)",
                scores,
            )
            cursor.executemany(
                "INSERT INTO evaluation_finding (evaluation_id, finding, recommendation, "
                "follow_up, follow_up_note, due_on, updated_at) VALUES (%s, %s, %s, %s, '', %s, %s)",
                [(*row, NOW) for row in findings],
            )
        connection.execute(
            "INSERT INTO agency_year (agency_id, year, staff_count, budget_ceiling) "
            "SELECT a, y, 150 + (a * 37) %% 900, 1000000000::numeric + a * 25000000 "
            "FROM generate_series(1, %s) AS a CROSS JOIN generate_series(%s::int, %s::int) AS y",
            (sizes.agencies, YEARS[0], YEARS[-1]),
        )
        connection.execute(
            dashboard.FILL_SQL,
            {
                "count": CASES,
                "agencies": sizes.agencies,
                "categories": dashboard.CATEGORIES,
                "first": dashboard.FIRST_DAY,
                "last": dashboard.LAST_DAY,
                "destinations": list(FORWARD_DESTINATIONS),
                "destination_count": len(FORWARD_DESTINATIONS),
                "reasons": list(REJECTION_REASONS),
                "reason_count": len(REJECTION_REASONS),
            },
        )
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")


# --- the pages and their bare SQL -------------------------------------------------------------

# Evaluations: every agency (active, or evaluated that year) with this year's evaluation,
# the number of its scored sub-components, and last year's total; then the Pemda's two years.
EVALUATIONS_SQL = """
SELECT a.id, a.name, c.id, c.status, c.template, c.score, c.predicate, s.n, p.score, p.status
FROM agency AS a
LEFT JOIN sakip_evaluation AS c ON c.agency_id = a.id AND c.year = %(year)s
LEFT JOIN sakip_evaluation AS p ON p.agency_id = a.id AND p.year = %(year)s - 1
LEFT JOIN (SELECT s.evaluation_id, count(s.score) AS n
           FROM evaluation_score AS s JOIN sakip_evaluation AS e ON e.id = s.evaluation_id
           WHERE e.year = %(year)s GROUP BY s.evaluation_id) AS s ON s.evaluation_id = c.id
WHERE a.active OR c.id IS NOT NULL
ORDER BY a.name, a.code
"""
PEMDA_EVALUATIONS_SQL = """
SELECT id, year, status, template, score, predicate FROM sakip_evaluation
WHERE agency_id IS NULL AND year IN (%(year)s - 1, %(year)s) ORDER BY id
"""

# Integrity: the WBS findings of the cases received in the year and the open cases past
# their deadline, per agency; the official final results and the staff counts.
INTEGRITY_FINDINGS_SQL = """
SELECT a.id, a.code, a.name, coalesce(c.substantiated, 0), coalesce(c.ringan, 0),
       coalesce(c.sedang, 0), coalesce(c.berat, 0), coalesce(c.done, 0)
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
WHERE a.active OR c.substantiated IS NOT NULL
"""
INTEGRITY_OVERDUE_SQL = """
SELECT agency_id, count(*) FROM case_file
WHERE status = ANY(%(open_statuses)s) AND due_on < %(today)s GROUP BY agency_id
"""
OFFICIAL_SQL = """
SELECT agency_id, score, predicate FROM sakip_evaluation
WHERE year = %(year)s AND agency_id IS NOT NULL AND status = 'final' AND score IS NOT NULL
"""
STAFF_SQL = "SELECT agency_id, staff_count FROM agency_year WHERE year = %(year)s"

# The agency ranking (wbs/sakip/data/ranking.py): the active agencies with the year's final
# evaluation; every agency's active nodes in sibling order, each with its active
# indicators and realisations of the year's whole-year period (the page's default)
# counted; the indicators, with their values, of the nodes the totals need (each tree's
# roots here: every node has indicators of its own), whose ids are found once before
# timing, from the nodes' rows, as the app finds them.
RANKING_AGENCIES_SQL = """
SELECT a.id, a.code, a.name, e.score, e.predicate
FROM agency AS a
LEFT JOIN sakip_evaluation AS e ON e.agency_id = a.id AND e.year = %(year)s AND e.status = 'final'
WHERE a.active ORDER BY a.name, a.code
"""
RANKING_NODES_SQL = """
SELECT n.id, n.agency_id, n.parent_id, n.code, n.weight,
       coalesce(c.indicators, 0), coalesce(c.realised, 0)
FROM performance_node AS n LEFT JOIN (
    SELECT i.node_id, count(*) AS indicators, count(v.realisation) AS realised
    FROM indicator AS i
    LEFT JOIN indicator_value AS v ON v.indicator_id = i.id AND v.year = %(year)s
                                      AND v.period = %(period)s
    WHERE i.active GROUP BY i.node_id
) AS c ON c.node_id = n.id
WHERE n.agency_id IS NOT NULL AND n.active ORDER BY n.sort_order, n.code
"""
RANKING_INDICATORS_SQL = """
SELECT i.sort_order, i.id, i.node_id, i.polarity, i.weight, v.target, v.target_high,
       v.realisation
FROM indicator AS i
LEFT JOIN indicator_value AS v ON v.indicator_id = i.id AND v.year = %(year)s
                                 AND v.period = %(period)s
WHERE i.active AND i.node_id = ANY(%(node_ids)s)
"""

# The evaluation for the Bupati's meeting (wbs/sakip/data/monitoring.period_evaluation):
# the active agencies with their pagu, every monthly row of the year, the packages behind
# schedule with their agency's name, and the ranking's three statements for the quarter.
MEETING_AGENCIES_SQL = """
SELECT a.id, a.code, a.name, y.budget_ceiling FROM agency AS a
LEFT JOIN agency_year AS y ON y.agency_id = a.id AND y.year = %(year)s
WHERE a.active ORDER BY a.name
"""
MEETING_MONTHS_SQL = """
SELECT agency_id, month, budget_plan, budget_actual, physical_plan, physical_actual
FROM monthly_realisation WHERE year = %(year)s
"""
MEETING_LATE_SQL = """
SELECT p.id, p.name, p.value, p.stage, p.planned_finish, a.name
FROM procurement_package AS p JOIN agency AS a ON a.id = p.agency_id
WHERE a.active AND p.year = %(year)s AND p.planned_finish < %(on)s AND p.stage <> 'selesai'
ORDER BY p.planned_finish, a.name, p.name
"""


def _ranking_node_ids(connection: psycopg.Connection, params: dict[str, Any]) -> list[int]:
    """The nodes whose indicators the totals need, from the bare nodes' rows."""
    from wbs.sakip.data.ranking import NodeRow, nodes_needed

    nodes_of: dict[int, list[NodeRow]] = {}
    for node_id, agency_id, parent_id, code, weight, indicators, realised in connection.execute(
        RANKING_NODES_SQL, params
    ):
        nodes_of.setdefault(agency_id, []).append(
            NodeRow(node_id, parent_id, code, weight, indicators, realised)
        )
    return nodes_needed(nodes_of)


Rows = dict[str, list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Page:
    """A page timed three ways: ``path`` through the test client, ``data`` (the data
    function alone, in a session) and ``bare`` (name → SQL, sent with psycopg).
    ``check(app result, bare rows, rows of each app statement)`` asserts, once before
    timing, that both fetch the same data."""

    name: str
    path: str
    data: Callable[[Session], Any]
    bare: dict[str, str]
    check: Callable[[Any, Rows, list[int]], None]
    params: dict[str, Any] = field(default_factory=dict)  # the bare SQL's own


def _same_counts(page: str, app_counts: list[int], expected: list[int]) -> None:
    assert sorted(app_counts) == sorted(expected), (
        f"{page}: the app's statements return {app_counts} rows, the bare SQL's {expected}"
    )


def _check_evaluations(app_result: Any, bare: Rows, app_counts: list[int]) -> None:
    pemda, rows = app_result
    app_rows = [
        (
            row.agency_id,
            None if row.evaluation is None else row.evaluation.score,
            row.scored,
            row.previous_score,
        )
        for row in rows
    ]
    sql_rows = [
        (agency_id, score, n or 0, previous if previous_status == "final" else None)
        for agency_id, _name, _id, _status, _template, score, _p, n, previous, previous_status in (
            bare["agencies"]
        )
    ]
    assert app_rows == sql_rows, "evaluations: not the same rows"
    assert (pemda is not None) == bool(bare["pemda"]), "evaluations: not the same Pemda rows"
    _same_counts("evaluations", app_counts, [len(bare["agencies"]), len(bare["pemda"])])


def _check_integrity(app_result: Any, bare: Rows, _app_counts: list[int]) -> None:
    """The same agencies, official scores and staff counts. (The app reads the agency
    list twice more: protecting the counts needs every agency's row.)"""
    official = {row[0]: row[1] for row in bare["official"]}
    staff = dict(bare["staff"])  # type: ignore[arg-type]
    app_rows = sorted((row.agency_id, row.official_score, row.staff) for row in app_result)
    sql_rows = sorted((row[0], official.get(row[0]), staff.get(row[0])) for row in bare["findings"])
    assert app_rows == sql_rows, "integrity: not the same rows"


def _check_ranking(
    app_result: Any, bare: Rows, app_counts: list[int], check_counts: bool = True
) -> None:
    """Each agency's indicators (active ones on its active nodes), how many have a
    realisation, and its final score, from the bare rows as the ranking counts them; and
    the app reads as many agencies, nodes and indicators (each with its value)."""
    indicators: dict[int, int] = {}
    realised: dict[int, int] = {}
    for _id, agency, _parent, _code, _weight, count, entered in bare["nodes"]:
        indicators[agency] = indicators.get(agency, 0) + count
        realised[agency] = realised.get(agency, 0) + entered
    app_rows = [(a.agency_id, a.indicators, a.realised, a.official_score) for a in app_result]
    sql_rows = [
        (agency_id, indicators.get(agency_id, 0), realised.get(agency_id, 0), score)
        for agency_id, _code, _name, score, _predicate in bare["agencies"]
    ]
    assert app_rows == sql_rows, "ranking: not the same rows"
    if check_counts:
        _same_counts(
            "ranking",
            app_counts,
            [len(bare["agencies"]), len(bare["nodes"]), len(bare["indicators"])],
        )


def _pages(app: Flask, today: date, threshold: int, cap: int) -> list[Page]:
    pages = []
    ranking = _ranking_data(app, cap)
    if ranking is not None:
        pages.append(
            Page(
                "ranking",
                f"/sakip/ranking?year={YEAR}",
                ranking,
                {
                    "agencies": RANKING_AGENCIES_SQL,
                    "nodes": RANKING_NODES_SQL,
                    "indicators": RANKING_INDICATORS_SQL,
                },
                _check_ranking,
            )
        )
    pages.append(
        Page(
            "integrity",
            f"/sakip/integrity?year={YEAR}",
            lambda session: integrity_rows(session, YEAR, today, threshold),
            {
                "findings": INTEGRITY_FINDINGS_SQL,
                "overdue": INTEGRITY_OVERDUE_SQL,
                "official": OFFICIAL_SQL,
                "staff": STAFF_SQL,
            },
            _check_integrity,
        )
    )
    pages.append(
        Page(
            "evaluations",
            f"/sakip/evaluations?year={YEAR}",
            lambda session: evaluation_overview(session, YEAR),
            {"agencies": EVALUATIONS_SQL, "pemda": PEMDA_EVALUATIONS_SQL},
            _check_evaluations,
        )
    )
    quarter_end = date(YEAR, 9, 30)
    pages.append(
        Page(
            "meeting",
            f"/sakip/monitoring/evaluations/{YEAR}-Q3",
            lambda session: period_evaluation(
                session, YEAR, quarter_end.month, min(quarter_end, today), cap
            ),
            {
                "agencies": MEETING_AGENCIES_SQL,
                "months": MEETING_MONTHS_SQL,
                "late": MEETING_LATE_SQL,
                "ranked": RANKING_AGENCIES_SQL,
                "nodes": RANKING_NODES_SQL,
                "indicators": RANKING_INDICATORS_SQL,
            },
            _check_meeting,
            {"period": "Q3", "on": min(quarter_end, today)},
        )
    )
    return pages


def _check_meeting(app_result: Any, bare: Rows, app_counts: list[int]) -> None:
    """The same agencies, late packages and achievement counts (the ranking's check)."""
    assert [s.agency_id for s in app_result.standings] == [row[0] for row in bare["agencies"]]
    assert [late.package.id for late in app_result.late] == [row[0] for row in bare["late"]]
    _check_ranking(
        app_result.achievements,
        {"agencies": bare["ranked"], "nodes": bare["nodes"], "indicators": bare["indicators"]},
        [],
        check_counts=False,
    )
    _same_counts("meeting", app_counts, [len(rows) for rows in bare.values()])


def _ranking_data(app: Flask, cap: int) -> Callable[[Session], Any] | None:
    """The agency ranking's data function, when the application has the page (endpoint
    sakip.ranking); imported here so that the benchmark runs without it."""
    if "sakip.ranking" not in app.view_functions:
        return None
    from wbs.sakip.data.ranking import agency_achievements

    return lambda session: agency_achievements(session, YEAR, "Y", cap)


# --- timing ---------------------------------------------------------------------------------


def _get(client: FlaskClient, path: str) -> Callable[[], object]:
    def run() -> object:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.data

    return run


def _data(db: Database, page: Page) -> Callable[[], Any]:
    def run() -> Any:
        with db.sessions() as session:
            return page.data(session)

    return run


def _bare(connection: psycopg.Connection, page: Page, params: dict[str, Any]) -> Callable[[], Rows]:
    params = {**params, **page.params}

    def run() -> Rows:
        return {
            name: connection.execute(sql, params).fetchall()  # type: ignore[arg-type]
            for name, sql in page.bare.items()
        }

    return run


@contextmanager
def _row_counts(db: Database) -> Iterator[list[int]]:
    """The number of rows each statement the app sends returns, while in the block."""
    counts: list[int] = []

    def count(connection: Any, cursor: Any, *_args: Any) -> None:
        counts.append(cursor.rowcount)

    event.listen(db.engine, "after_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(db.engine, "after_cursor_execute", count)


def measure(url: str, repeats: int = REPEATS) -> dict[str, float]:
    results: dict[str, float] = {}
    db = Database(url)
    try:
        with (
            postgres_part.logged_in_client(url, LEADER_ID) as (app, client),
            psycopg.connect(
                postgres_part.dsn(url), autocommit=True, prepare_threshold=None
            ) as connection,
        ):
            with app.app_context():
                config = app_settings()
            today = config.today()
            params = {
                "year": YEAR,
                "start": date(YEAR, 1, 1),
                "end": date(YEAR, 12, 31),
                "today": today,
                "open_statuses": list(OPEN_STATUSES),
                "period": "Y",
            }
            pages = _pages(app, today, config.small_cell_threshold, config.sakip_capaian_cap)
            # Which nodes have indicators does not depend on the period: the same ids
            # serve the ranking (whole year) and the meeting page (a quarter).
            params["node_ids"] = _ranking_node_ids(connection, params)
            for page in pages:
                data, bare = _data(db, page), _bare(connection, page, params)
                with _row_counts(db) as counts:
                    app_result = data()
                bare_rows = bare()
                page.check(app_result, bare_rows, counts)
                page_s, data_s, bare_s = postgres_part.interleaved_medians(
                    [_get(client, page.path), data, bare], repeats
                )
                results[f"{page.name}_ms"] = round(page_s * 1000, 1)
                results[f"{page.name}_data_ms"] = round(data_s * 1000, 1)
                results[f"{page.name}_sql_ms"] = round(bare_s * 1000, 1)
                results[f"{page.name}_ratio"] = round(page_s / bare_s, 2)
                results[f"{page.name}_data_ratio"] = round(data_s / bare_s, 2)
    finally:
        db.dispose()
    return results


def run(sizes: Size) -> dict[str, float]:
    with fresh_database(prefix="wbs_bench_sakip") as url:
        _say(
            f"e-SAKIP: filling PostgreSQL with {sizes.agencies} agencies × {len(YEARS)} years × "
            f"{sizes.indicators:,} indicators ({sizes.value_rows:,} value rows)…"
        )
        start = time.perf_counter()
        fill(url, sizes)
        fill_s = time.perf_counter() - start
        _say(f"  filled in {fill_s:.0f} s; timing the pages (median of {REPEATS}, alternating)…")
        results = measure(url)
    results["agencies"] = sizes.agencies
    results["indicators"] = sizes.indicators
    results["value_rows"] = sizes.value_rows
    results["fill_s"] = round(fill_s, 1)
    return results


PAGE_LABELS = {
    "ranking": f"/sakip/ranking?year={YEAR}",
    "integrity": f"/sakip/integrity?year={YEAR}",
    "evaluations": f"/sakip/evaluations?year={YEAR}",
    "meeting": f"/sakip/monitoring/evaluations/{YEAR}-Q3",
}


def print_results(results: dict[str, float] | None) -> None:
    if not results:
        return
    _say(
        f"\ne-SAKIP, {int(results['agencies'])} agencies × {len(YEARS)} years × "
        f"{int(results['indicators']):,} indicators ({int(results['value_rows']):,} value rows):"
    )
    _say(
        f"{'':<32}{'page (ms)':>10}{'data (ms)':>11}{'bare SQL (ms)':>15}"
        f"{'ratio':>8}{'data':>7}   goal: page ÷ bare ≤ {GOAL:g}"
    )
    for name, label in PAGE_LABELS.items():
        if f"{name}_ratio" not in results:
            _say(f"{label:<32}(no such page in this build)")
            continue
        ratio = results[f"{name}_ratio"]
        flag = "" if ratio <= GOAL else "  ABOVE GOAL"
        _say(
            f"{label:<32}{results[f'{name}_ms']:>10.1f}{results[f'{name}_data_ms']:>11.1f}"
            f"{results[f'{name}_sql_ms']:>15.1f}{ratio:>8.2f}"
            f"{results[f'{name}_data_ratio']:>7.2f}{flag}"
        )


def _sizes() -> Size:
    return Size(size("WBS_BENCH_SAKIP_AGENCIES", 60), size("WBS_BENCH_SAKIP_INDICATORS", 2_000))


def run_in_suite() -> dict[str, float] | None:
    sizes = _sizes()
    return postgres_part.run_in_suite(
        "e-SAKIP", lambda indicators: run(Size(sizes.agencies, indicators)), sizes.indicators
    )


def main() -> int:
    print_results(run(_sizes()))
    return 0
