"""The evaluation for the Bupati's meeting (issue 5, "Realisation monitoring"): beside
budget and physical progress it summarises the performance achievement of the quarter,
with the same figures as the ranking by achievement."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from tests.sakip_helpers import YEAR, staff_account
from tests.test_sakip_monitoring import table, text
from tests.test_sakip_ranking import build_agencies
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Agency, IndicatorValue


def _move_values_to(app: Flask, period: str) -> int:
    """The fixture's whole-year values become the values of ``period``; the number of
    active agencies."""
    with database(app).session() as session:
        session.execute(update(IndicatorValue).values(period=period))
        return session.scalar(select(func.count()).where(Agency.active.is_(True))) or 0


@pytest.mark.parametrize("page_period", [f"{YEAR}-Q2", f"{YEAR}-05"])
def test_the_meeting_page_ranks_the_achievement_of_the_quarter(
    app: Flask, init_result: InitResult, page_period: str
) -> None:
    # tests/test_sakip_ranking.build_agencies: DINKES 107.14 %, DISDIK and RSUD 81.88 %
    # (sharing rank 2), DPUPR without any achievement; here entered for Q2. A month
    # page (May) shows its quarter.
    build_agencies(app)
    agencies = _move_values_to(app, "Q2")
    bupati = staff_account(app, init_result, "bupati", {"leadership"})
    page = bupati.get(f"/sakip/monitoring/evaluations/{page_period}").get_data(as_text=True)
    assert "Performance achievement, Quarter II 2026" in text(page)
    highest = table(page, "The 3 highest")
    assert [(row[0], row[1], row[2].split(" %")[0]) for row in highest] == [
        ("1", "Dinas Kesehatan", "107.14"),
        ("2", "Dinas Pendidikan dan Kebudayaan", "81.88"),
        ("2", "Rumah Sakit Umum Daerah", "81.88"),
    ]
    lowest = table(page, "The 3 lowest, lowest first")
    assert [row[1] for row in lowest] == [
        "Rumah Sakit Umum Daerah",
        "Dinas Pendidikan dan Kebudayaan",
        "Dinas Kesehatan",
    ]
    # DPUPR (one realisation missing, one zero target) and the agencies without a tree.
    assert f"{agencies - 3} of the {agencies} agencies have no achievement" in text(page)
    ranking = bupati.get(f"/sakip/ranking?year={YEAR}&period=Q2").get_data(as_text=True)
    assert "107.14 %" in ranking


def test_a_quarter_without_values_says_so(app: Flask, init_result: InitResult) -> None:
    build_agencies(app)  # whole-year values only: nothing for the third quarter
    bupati = staff_account(app, init_result, "bupati", {"leadership"})
    page = bupati.get(f"/sakip/monitoring/evaluations/{YEAR}-Q3").get_data(as_text=True)
    assert table(page, "The 0 highest") == [["No agency has an achievement for this quarter yet."]]
