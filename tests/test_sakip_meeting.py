"""The evaluation for the Bupati's meeting (issue 5, "Realisation monitoring"): beside
budget and physical progress it summarises the performance achievement of the quarter,
with the same figures as the ranking by achievement."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from tests.sakip_helpers import NOW, YEAR, staff_account
from tests.test_sakip_monitoring import table, text
from tests.test_sakip_ranking import build_agencies
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Agency, Indicator, IndicatorValue, PerformanceNode


def _move_values_to(app: Flask, period: str) -> int:
    """The fixture's whole-year values become the values of ``period``; the number of
    active agencies."""
    with database(app).session() as session:
        session.execute(update(IndicatorValue).values(period=period))
        return session.scalar(select(func.count()).where(Agency.active.is_(True))) or 0


@pytest.mark.parametrize("page_period", [f"{YEAR}-Q2", f"{YEAR}-06", f"{YEAR}-08"])
def test_the_meeting_page_ranks_the_achievement_of_the_quarter(
    app: Flask, init_result: InitResult, page_period: str
) -> None:
    # tests/test_sakip_ranking.build_agencies: DINKES 107.14 %, DISDIK and RSUD 81.88 %
    # (sharing rank 2), DPUPR without any achievement; here entered for Q2. A month
    # page reads the last quarter ended by its end: June and August the second.
    build_agencies(app)
    agencies = _move_values_to(app, "Q2")
    bupati = staff_account(app, init_result, "bupati", {"leadership"})
    page = bupati.get(f"/sakip/monitoring/evaluations/{page_period}").get_data(as_text=True)
    assert "Performance achievement, Quarter II 2026" in text(page)
    # Three agencies: one list, not the same ones as both highest and lowest.
    assert "The 3 highest" not in page and "lowest first" not in page
    ranked = table(page, "All 3 agencies with an achievement, highest first")
    assert [(row[0], row[1], row[2].split(" %")[0]) for row in ranked] == [
        ("1", "Dinas Kesehatan", "107.14"),
        ("2", "Dinas Pendidikan dan Kebudayaan", "81.88"),
        ("2", "Rumah Sakit Umum Daerah", "81.88"),
    ]
    # DPUPR (one realisation missing, one zero target) and the agencies without a tree.
    assert f"{agencies - 3} of the {agencies} agencies have no achievement" in text(page)
    ranking = bupati.get(f"/sakip/ranking?year={YEAR}&period=Q2").get_data(as_text=True)
    assert "107.14 %" in ranking


def test_a_quarter_without_values_says_so(app: Flask, init_result: InitResult) -> None:
    build_agencies(app)  # whole-year values only: nothing for the third quarter
    bupati = staff_account(app, init_result, "bupati", {"leadership"})
    page = bupati.get(f"/sakip/monitoring/evaluations/{YEAR}-Q3").get_data(as_text=True)
    assert table(page, "All 0 agencies with an achievement") == [
        ["No agency has an achievement for this quarter yet."]
    ]


def test_more_agencies_give_the_highest_and_the_lowest_apart(
    app: Flask, init_result: InitResult
) -> None:
    # Twelve agencies with one node each, achievements 50 %, 55 % ... 105 %: the five
    # highest and, apart, the five lowest, lowest first.
    with database(app).session() as session:
        for number in range(12):
            agency = Agency(code=f"OPD{number}", name=f"Dinas {number:02d}", active=True)
            session.add(agency)
            session.flush()
            node = PerformanceNode(
                agency_id=agency.id, level="sasaran", code=f"S{number}", name="S", weight=1
            )
            session.add(node)
            session.flush()
            indicator = Indicator(node_id=node.id, name="I", unit="%", polarity="higher")
            session.add(indicator)
            session.flush()
            session.add(
                IndicatorValue(
                    indicator_id=indicator.id,
                    year=YEAR,
                    period="Q3",
                    target=Decimal(100),
                    realisation=Decimal(50 + 5 * number),
                    updated_at=NOW,
                )
            )
    bupati = staff_account(app, init_result, "bupati", {"leadership"})
    page = bupati.get(f"/sakip/monitoring/evaluations/{YEAR}-10").get_data(as_text=True)
    assert [row[1] for row in table(page, "The 5 highest")] == [
        f"Dinas {n:02d}" for n in (11, 10, 9, 8, 7)
    ]
    assert [row[1] for row in table(page, "The 5 lowest, lowest first")] == [
        f"Dinas {n:02d}" for n in (0, 1, 2, 3, 4)
    ]
