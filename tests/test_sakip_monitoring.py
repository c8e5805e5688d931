"""Realisation monitoring (issue 5; DOMAIN.md, "Realisation monitoring"): an agency's
budget absorption and physical progress against plan with the traffic lights, its
procurement packages, the ranking of the agencies, the printable evaluation, the entry
of the figures and who may reach what.

Every expected figure is worked out by hand in the comments. The fixture (2025, standing
at the end of June):

- DINKES: pagu Rp 1,200,000,000; plan Rp 100,000,000 every month; spent January to June
  50 + 80 + 100 + 90 + 120 + 60 = 500 million. Physical plan/actual: May 35/30, June 45/40.
- DISDIK: no pagu, so the total is the sum of the plans: 20 million × 6 (January-June) +
  80 million × 6 (July-December) = 600 million; spent 20 million each month to June.
  Physical: May 60/58, June 75/69.
- DPUPR: pagu Rp 2,000,000,000; plan 150 million a month to June; spent 100 million a
  month January-May and 80 million in June = 580 million. Physical: May 40/25, June 50/30.
- DINSOS: pagu Rp 1,000,000,000; plan 100 million a month to June; spent 100 million in
  January, March and June, February NOT entered (missing). No physical figures.
- Every other agency: nothing entered.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.sakip_helpers import agency_account, agency_id, build_tree, staff_account
from tests.staff_helpers import csrf_token, post_form
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import (
    Agency,
    AgencyYear,
    AuditEntry,
    IndicatorValue,
    MonthlyRealisation,
    ProcurementPackage,
)
from wbs.sakip.data.monitoring import MonthEntry, year_figures

YEAR = 2025
NOW = datetime(2025, 7, 2, 9, 0)
M = Decimal(1_000_000)  # a million rupiah
DINKES, DISDIK, DPUPR, DINSOS = (
    "Dinas Kesehatan",
    "Dinas Pendidikan dan Kebudayaan",
    "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Dinas Sosial",
)


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table(page: str, caption: str) -> list[list[str]]:
    """The body rows (cell texts) of the table whose caption or preceding heading holds
    ``caption``."""
    start = page.index(caption)
    body = page[start:].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def by_first_cell(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows}


def _months(
    agency: int,
    plans: list[int | None],
    actuals: list[int | None],
    physical: dict[int, tuple[str, str]] | None = None,
) -> Iterator[MonthlyRealisation]:
    physical = physical or {}
    for number in range(1, 13):
        plan = plans[number - 1] if number <= len(plans) else None
        actual = actuals[number - 1] if number <= len(actuals) else None
        planned_physical, actual_physical = physical.get(number, (None, None))
        if plan is None and actual is None and planned_physical is None:
            continue
        yield MonthlyRealisation(
            agency_id=agency,
            year=YEAR,
            month=number,
            budget_plan=None if plan is None else plan * M,
            budget_actual=None if actual is None else actual * M,
            physical_plan=None if planned_physical is None else Decimal(planned_physical),
            physical_actual=None if actual_physical is None else Decimal(actual_physical),
            updated_at=NOW,
        )


def seed(app: Flask) -> dict[str, int]:
    ids = {code: agency_id(app, code) for code in ("DINKES", "DISDIK", "DPUPR", "DINSOS")}
    with database(app).session() as session:
        session.add_all(
            [
                AgencyYear(agency_id=ids["DINKES"], year=YEAR, budget_ceiling=1200 * M),
                AgencyYear(agency_id=ids["DPUPR"], year=YEAR, budget_ceiling=2000 * M),
                AgencyYear(agency_id=ids["DINSOS"], year=YEAR, budget_ceiling=1000 * M),
                # DISDIK's year row holds only its staff: no pagu.
                AgencyYear(agency_id=ids["DISDIK"], year=YEAR, staff_count=900),
            ]
        )
        session.add_all(
            _months(
                ids["DINKES"],
                [100] * 12,
                [50, 80, 100, 90, 120, 60],
                {5: ("35", "30"), 6: ("45", "40")},
            )
        )
        session.add_all(
            _months(
                ids["DISDIK"],
                [20] * 6 + [80] * 6,
                [20] * 6,
                {5: ("60", "58"), 6: ("75", "69")},
            )
        )
        session.add_all(
            _months(
                ids["DPUPR"],
                [150] * 6,
                [100, 100, 100, 100, 100, 80],
                {5: ("40", "25"), 6: ("50", "30")},
            )
        )
        session.add_all(_months(ids["DINSOS"], [100] * 6, [100, None, 100, None, None, 100]))
        packages = [
            ("DINKES", "Pembangunan Puskesmas Kota", 2500, "pelaksanaan", date(2025, 9, 30)),
            ("DINKES", "Pengadaan alat kesehatan", 750, "pelaksanaan", date(2025, 5, 31)),
            ("DINKES", "Rehab gudang farmasi", None, "kontrak", None),
            ("DINKES", "Pengadaan ambulans", 900, "selesai", date(2025, 3, 31)),
            ("DPUPR", "Peningkatan jalan lingkar", 4000, "pemilihan", date(2025, 6, 15)),
        ]
        for code, name, value, stage, finish in packages:
            package = ProcurementPackage(
                agency_id=ids[code],
                year=YEAR,
                name=name,
                value=None if value is None else value * M,
                stage=stage,
                stage_on=date(2025, 2, 1),
                planned_finish=finish,
                updated_at=NOW,
            )
            session.add(package)
            session.flush()
            ids[name] = package.id
    return ids


@pytest.fixture
def ids(app: Flask, init_result: InitResult) -> dict[str, int]:
    """The fixture above, stored: the ids by agency code and by package name."""
    return seed(app)


@pytest.fixture
def sakip(app: Flask, init_result: InitResult) -> FlaskClient:
    return staff_account(app, init_result, "sakip", {"sakip"})


@pytest.fixture
def bupati(app: Flask, init_result: InitResult) -> FlaskClient:
    return staff_account(app, init_result, "bupati", {"leadership"})


def june_2025(client: FlaskClient, agency: int) -> str:
    """The agency's monitoring page, standing at the end of June 2025."""
    response = client.get(f"/sakip/agencies/{agency}/monitoring?year=2025&month=6")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def active_agencies(app: Flask) -> int:
    with database(app).session() as session:
        return session.scalar(select(func.count()).where(Agency.active.is_(True)))


# --- the figures, without the web ------------------------------------------------------------


def test_cumulative_absorption_deviation_and_colour_from_the_months() -> None:
    # DINKES as in the fixture; all figures in million rupiah.
    entries = {
        number: MonthEntry(number, Decimal(100), Decimal(actual))
        for number, actual in zip(range(1, 7), [50, 80, 100, 90, 120, 60], strict=True)
    }
    figures = year_figures(entries, Decimal(1200))
    june = figures.month(6).to_date.budget
    # Plan to June: 6 × 100 / 1,200 × 100 = 50 %; spent 500 / 1,200 × 100 = 41.666... %.
    assert june.rencana == Decimal(50)
    assert round(june.realisasi, 4) == Decimal("41.6667")
    # Deviation 41.67 − 50 = −8.33 points: between −5 and −10, yellow; pace 500 / 600.
    assert round(june.deviation, 2) == Decimal("-8.33") and june.status == "yellow"
    assert round(june.pace, 4) == Decimal("0.8333")
    # June alone: planned 100 / 1,200 = 8.33 %, spent 60 / 1,200 = 5 %: −3.33, green.
    alone = figures.month(6).alone.budget
    assert alone.realisasi == Decimal(5) and alone.status == "green"
    # July: planned, nothing spent yet: missing, never a red zero.
    assert figures.month(7).to_date.budget.status == "missing"
    assert figures.total.basis == "pagu"


def test_without_a_pagu_the_plans_make_the_total_and_an_incomplete_plan_none() -> None:
    plans = {n: MonthEntry(n, Decimal(20 if n <= 6 else 80)) for n in range(1, 13)}
    figures = year_figures(plans, None)
    # 6 × 20 + 6 × 80 = 600; to June 120 / 600 = 20 %.
    assert figures.total.amount == Decimal(600) and figures.total.basis == "plans"
    assert figures.month(6).to_date.budget.rencana == Decimal(20)
    del plans[12]
    incomplete = year_figures(plans, None)
    assert incomplete.total.amount is None and incomplete.total.missing == "incomplete_plan"
    assert incomplete.month(1).to_date.budget.status == "missing"


# --- the agency's page -----------------------------------------------------------------------


def test_the_agency_page_shows_absorption_physical_progress_and_the_lights(
    ids: dict[str, int], sakip: FlaskClient
) -> None:
    page = june_2025(sakip, ids["DINKES"])
    standing = by_first_cell(table(page, "Standing at the end of June 2025"))
    # Budget: plan 600 / 1,200 = 50 %, absorbed 500 / 1,200 = 41.67 %, −8.33 points
    # (yellow), pace 500 / 600 = 83.33 %.
    assert standing["Budget absorption"] == ["50 %", "41.67 %", "-8.33", "yellow", "83.33 %"]
    # Physical: 45 planned, 40 reached: exactly −5 points is still green; 40 / 45 = 88.89 %.
    assert standing["Physical progress"] == ["45 %", "40 %", "-5", "green", "88.89 %"]
    # The colour is never told by colour alone: a word and a class.
    assert 'class="band light light-yellow">yellow</span>' in page
    # The thresholds are shown with the colours.
    assert "Red: below -10 points, or below -5 points once the plan has reached 70 %" in (
        html.unescape(page)
    )
    months = by_first_cell(table(page, "Month by month, 2025"))
    # January: plan 100 / 1,200 = 8.33 %, spent 50 / 1,200 = 4.17 %, −4.17: green.
    assert months["January"] == [
        "Rp 100,000,000",
        "Rp 50,000,000",
        "8.33 %",
        "4.17 %",
        "-4.17",
        "green",
        "missing",
        "missing",
        "—",
        "no data",
    ]
    assert months["June"][:6] == [
        "Rp 100,000,000",
        "Rp 60,000,000",
        "50 %",
        "41.67 %",
        "-8.33",
        "yellow",
    ]
    # July: the plan goes on (700 / 1,200 = 58.33 %), nothing spent yet: missing, no data.
    assert months["July"][1:6] == ["missing", "58.33 %", "missing", "—", "no data"]
    assert "÷ the budget ceiling (pagu) of Rp 1,200,000,000" in html.unescape(page)


def test_the_colours_red_below_ten_and_red_late_in_the_year(
    ids: dict[str, int], sakip: FlaskClient
) -> None:
    standing = by_first_cell(table(june_2025(sakip, ids["DPUPR"]), "Standing at the end of June"))
    # DPUPR budget: plan 900 / 2,000 = 45 %, spent 580 / 2,000 = 29 %: −16 < −10, red;
    # pace 580 / 900 = 64.44 %. Physical 30 against 50: −20, red; pace 60 %.
    assert standing["Budget absorption"] == ["45 %", "29 %", "-16", "red", "64.44 %"]
    assert standing["Physical progress"] == ["50 %", "30 %", "-20", "red", "60 %"]
    page = june_2025(sakip, ids["DISDIK"])
    standing = by_first_cell(table(page, "Standing at the end of June"))
    # DISDIK physical: 69 against 75 is only −6 (yellow on its own), but the plan is at
    # 70 % or more and it is more than 5 points behind: red.
    assert standing["Physical progress"] == ["75 %", "69 %", "-6", "red", "92 %"]
    # DISDIK budget without a pagu: 120 / 600 = 20 % planned and spent, on plan: green.
    assert standing["Budget absorption"] == ["20 %", "20 %", "0", "green", "100 %"]
    assert "the sum of the twelve monthly plans, Rp 600,000,000" in html.unescape(page)


def test_a_missing_month_stays_missing_and_stops_the_cumulation(
    ids: dict[str, int], sakip: FlaskClient
) -> None:
    months = by_first_cell(table(june_2025(sakip, ids["DINSOS"]), "Month by month, 2025"))
    # January: 100 / 1,000 = 10 % planned and spent.
    assert months["January"][2:6] == ["10 %", "10 %", "0", "green"]
    # February was not entered: missing, not zero; and so is every total after it, even
    # March, whose own spending is known.
    assert months["February"][1] == "missing"
    assert months["February"][2:6] == ["20 %", "missing", "—", "no data"]
    assert months["March"][1] == "Rp 100,000,000"
    assert months["March"][3:6] == ["missing", "—", "no data"]


def test_procurement_packages_by_stage_and_behind_schedule(
    ids: dict[str, int], sakip: FlaskClient
) -> None:
    body = june_2025(sakip, ids["DINKES"])
    stages = by_first_cell(table(body, "Packages by current stage"))
    # Pelaksanaan: Puskesmas 2,500 + alat kesehatan 750 = 3,250 million in 2 packages.
    assert stages["Pelaksanaan"] == ["2", "Rp 3,250,000,000"]
    # The gudang farmasi has no value: counted, its value missing, never Rp 0.
    assert stages["Kontrak"] == ["1", "missing"]
    assert stages["Selesai"] == ["1", "Rp 900,000,000"]
    assert stages["RUP"] == ["0", "—"]
    assert list(stages)[0] == "Belum terdaftar" and list(stages)[-1] == "Gagal/ulang"
    packages = by_first_cell(table(body, "The packages"))
    # Both 2025 finishes of the packages in progress have passed (today is later); the
    # finished ambulances and the package without a planned finish are not behind.
    assert "behind schedule" in packages["Pengadaan alat kesehatan"][3]
    assert "behind schedule" in packages["Pembangunan Puskesmas Kota"][3]
    assert "behind schedule" not in packages["Pengadaan ambulans"][3]
    assert "behind schedule" not in packages["Rehab gudang farmasi"][3]


def test_performance_achievement_of_the_quarter_else_the_year(
    app: Flask, sakip: FlaskClient
) -> None:
    tree = build_tree(app)
    url = f"/sakip/agencies/{tree['agency']}/monitoring?year=2026&month=5"
    section = text(sakip.get(url).get_data(as_text=True).split("Performance achievement")[1])
    # No quarter value: the year's. The root sasaran rolls up its own indicator,
    # lower is better: (2 − 6.5 / 7) × 100 = 107.14 %.
    assert "Whole year 2026" in section and "107.14 %" in section
    with database(app).session() as session:
        session.add(
            IndicatorValue(
                indicator_id=tree["Angka kematian bayi"],
                year=2026,
                period="Q2",
                target=Decimal(7),
                realisation=Decimal(7),
                updated_at=NOW,
            )
        )
    # May is in quarter II, which now has a value: (2 − 7 / 7) × 100 = 100 %.
    section = text(sakip.get(url).get_data(as_text=True).split("Performance achievement")[1])
    assert "Quarter II 2026" in section and "100 %" in section and "107.14" not in section


# --- the ranking and the evaluation ----------------------------------------------------------


@pytest.mark.usefixtures("ids")
def test_the_ranking_orders_by_pace_for_the_year_to_date_and_the_month(
    app: Flask, bupati: FlaskClient
) -> None:
    response = bupati.get("/sakip/monitoring/ranking?year=2025&month=6")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    ytd = table(page, "Year to date: January to the end of June")
    # Budget pace to June: DISDIK 120 / 120 = 1; DINKES 500 / 600 = 0.8333;
    # DPUPR 580 / 900 = 0.6444; DINSOS has a missing month: no data, with the others.
    assert [row[:2] for row in ytd[:3]] == [["1", DISDIK], ["2", DINKES], ["3", DPUPR]]
    assert ytd[0][2:] == [
        *["20 %", "20 %", "0", "green", "100 %"],
        *["75 %", "69 %", "-6", "red", "92 %"],
    ]
    assert len(ytd) == active_agencies(app)
    assert all(row[0] == "no data" for row in ytd[3:])
    # Without a month it opens on the last month anyone reported, not on December.
    page = bupati.get("/sakip/monitoring/ranking?year=2025").get_data(as_text=True)
    with database(app).session() as session:
        last = session.scalar(
            select(func.max(MonthlyRealisation.month)).where(
                MonthlyRealisation.year == 2025,
                MonthlyRealisation.budget_actual.is_not(None)
                | MonthlyRealisation.physical_actual.is_not(None),
            )
        )
    assert last is not None and last < 12
    name = date(2025, last, 1).strftime("%B")
    assert f"Ranking of the agencies by realisation, {name} 2025" in page
    no_data = [row[1] for row in ytd[3:]]
    assert DINSOS in no_data and no_data == sorted(no_data)
    month = table(page, "June alone")
    # June alone: DISDIK 20 / 20 = 1 and DINSOS 100 / 100 = 1 share rank 1 (by name),
    # then DINKES 60 / 100 = 0.6 and DPUPR 80 / 150 = 0.5333.
    assert [row[:2] for row in month[:4]] == [
        ["1", DISDIK],
        ["1", DINSOS],
        ["3", DINKES],
        ["4", DPUPR],
    ]
    # DPUPR's June: 150 / 2,000 = 7.5 % planned, 80 / 2,000 = 4 % spent, −3.5: green;
    # physical rose 10 points planned (40 → 50) and 5 reached (25 → 30): −5, green, 50 %.
    assert month[3][2:] == [
        *["7.5 %", "4 %", "-3.5", "green", "53.33 %"],
        *["10 %", "5 %", "-5", "green", "50 %"],
    ]
    # By physical progress to June: DISDIK 69 / 75 = 0.92, DINKES 40 / 45 = 0.8889,
    # DPUPR 30 / 50 = 0.6.
    page = bupati.get("/sakip/monitoring/ranking?year=2025&month=6&order=physical")
    ytd = table(page.get_data(as_text=True), "Year to date")
    assert [row[:2] for row in ytd[:3]] == [["1", DISDIK], ["2", DINKES], ["3", DPUPR]]


@pytest.mark.usefixtures("ids")
def test_the_ranking_takes_two_queries_whatever_the_number_of_agencies(app: Flask) -> None:
    from sqlalchemy import event

    from wbs.sakip.data.monitoring import agency_standings

    db = database(app)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.session() as session:
            standings = agency_standings(session, YEAR, 6)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(standings) == active_agencies(app)
    assert len(statements) == 2


@pytest.mark.usefixtures("ids")
@pytest.mark.parametrize("period", ["2025-06", "2025-Q2"])
def test_the_evaluation_for_the_bupati_counts_colours_and_names_the_late_packages(
    app: Flask, bupati: FlaskClient, period: str
) -> None:
    response = bupati.get(f"/sakip/monitoring/evaluations/{period}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if period == "2025-06":
        assert "Monthly evaluation of budget and physical realisation – June 2025" in page
    else:
        assert "Quarterly evaluation of budget and physical realisation – Quarter II 2025" in (page)
    # Both end on 30 June. Budget: DISDIK green, DINKES yellow, DPUPR red, the rest no
    # data (DINSOS among them). Physical: DINKES green, DISDIK (late rule) and DPUPR red.
    rest = str(active_agencies(app) - 3)
    counts = by_first_cell(table(page, "1. Agencies by colour"))
    assert counts == {
        "green": ["1", "1"],
        "yellow": ["1", "0"],
        "red": ["1", "2"],
        "no data": [rest, rest],
    }
    # Three ranked agencies: one list fastest first (not the same three as both the
    # fastest and the slowest).
    fastest = table(page, "All 3 ranked agencies, fastest first")
    assert [row[1] for row in fastest] == [DISDIK, DINKES, DPUPR]
    assert "The 3 slowest" not in page
    late = table(page, "Procurement packages behind schedule")
    # Planned finish before 30 June and not selesai: alat kesehatan (31 May, 30 days
    # late) and jalan lingkar (15 June, 15 days); the Puskesmas is due in September, the
    # ambulances are finished.
    assert [(row[1], row[-1]) for row in late] == [
        ("Pengadaan alat kesehatan", "30"),
        ("Peningkatan jalan lingkar", "15"),
    ]
    # Printable: the links and the chooser are hidden in print.
    assert 'class="no-print hint"' in page


def test_the_evaluation_chooser_and_bad_periods(bupati: FlaskClient) -> None:
    assert bupati.get("/sakip/monitoring/evaluations").status_code == 200
    response = bupati.get("/sakip/monitoring/evaluations?period=2025-Q3")
    assert response.headers["Location"].endswith("/sakip/monitoring/evaluations/2025-Q3")
    response = bupati.get("/sakip/monitoring/evaluations?period=July")
    assert response.status_code == 400
    assert "Write a month as 2026-07" in response.get_data(as_text=True)
    assert bupati.get("/sakip/monitoring/evaluations/2025").status_code == 404
    assert bupati.get("/sakip/monitoring/evaluations/2025-13").status_code == 404


# --- entry -----------------------------------------------------------------------------------


def entry_data(**changes: str) -> dict[str, str]:
    data = {
        f"{measure}_{number:02d}": ""
        for number in range(1, 13)
        for measure in ("budget_plan", "budget_actual", "physical_plan", "physical_actual")
    }
    data["budget_ceiling"] = ""
    data.update(changes)
    return data


def stored(app: Flask, agency: int, year: int) -> dict[int, tuple[Decimal | None, ...]]:
    with database(app).session() as session:
        rows = session.scalars(
            select(MonthlyRealisation).where(
                MonthlyRealisation.agency_id == agency, MonthlyRealisation.year == year
            )
        )
        return {
            row.month: (row.budget_plan, row.budget_actual, row.physical_plan, row.physical_actual)
            for row in rows
        }


def test_agency_staff_enter_the_figures_in_indonesian_notation(
    app: Flask, init_result: InitResult
) -> None:
    dishub = agency_id(app, "DISHUB")
    client = agency_account(app, init_result, "operator", {"agency_staff"}, "DISHUB")
    url = f"/sakip/agencies/{dishub}/monitoring/2026/entry"
    assert client.get(url).status_code == 200
    response = post_form(
        client,
        url,
        entry_data(
            budget_ceiling="1.200.000.000",
            budget_plan_01="100.000.000",
            budget_actual_01="95.500.000,50",
            physical_plan_01="5",
            physical_actual_01="4,5",
            budget_plan_02="100000000",  # a plan alone: the realisation stays missing
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sakip/agencies/{dishub}/monitoring?year=2026")
    assert stored(app, dishub, 2026) == {
        1: (100 * M, Decimal("95500000.50"), Decimal(5), Decimal("4.5")),
        2: (100 * M, None, None, None),
    }
    with database(app).session() as session:
        ceiling = session.get(AgencyYear, (dishub, 2026))
        assert ceiling is not None and ceiling.budget_ceiling == 1200 * M
        actions = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "sakip.monitoring_saved")
        ).all()
        assert actions == [f"agency {dishub} year 2026"]
    # The boxes show what is stored, in a form read back the same.
    page = client.get(url).get_data(as_text=True)
    assert 'value="95500000,5"' in page and 'value="4,5"' in page
    assert 'value="1200000000"' in page
    # Emptying February's box removes the month: missing again, never zero.
    post_form(
        client,
        url,
        entry_data(
            budget_ceiling="1200000000",
            budget_plan_01="100000000",
            budget_actual_01="95500000,5",
            physical_plan_01="5",
            physical_actual_01="4,5",
        ),
    )
    assert list(stored(app, dishub, 2026)) == [1]


def test_the_entry_is_all_or_nothing(app: Flask, sakip: FlaskClient) -> None:
    dishub = agency_id(app, "DISHUB")
    url = f"/sakip/agencies/{dishub}/monitoring/2026/entry"
    post_form(sakip, url, entry_data(budget_plan_01="100000000"))
    before = stored(app, dishub, 2026)
    response = post_form(
        sakip,
        url,
        entry_data(
            budget_ceiling="900.000.000",  # fine, but not saved alone
            budget_plan_01="200000000",  # fine, but not saved alone
            budget_actual_02="-5",
            physical_plan_03="101",
            budget_plan_04="12 juta",
            physical_actual_05="45,555",
        ),
    )
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "An amount cannot be negative." in page
    assert "A percentage is between 0 and 100." in page
    assert "Write a number, for example 1.250.000 or 45,5." in page
    assert "At most two decimals." in page
    # What was typed is kept, the good and the bad.
    assert 'value="12 juta"' in page and 'value="200000000"' in page
    assert stored(app, dishub, 2026) == before
    with database(app).session() as session:
        assert session.get(AgencyYear, (dishub, 2026)) is None


def test_physical_progress_cannot_fall_and_spending_cannot_pass_the_pagu(
    app: Flask, sakip: FlaskClient
) -> None:
    dishub = agency_id(app, "DISHUB")
    url = f"/sakip/agencies/{dishub}/monitoring/2026/entry"
    before = stored(app, dishub, 2026)
    response = post_form(
        sakip,
        url,
        entry_data(
            budget_ceiling="1.000.000.000",
            budget_actual_01="600.000.000",
            budget_actual_03="500.000.000",  # 1.1 billion by March: past the pagu
            physical_actual_10="75",
            physical_actual_11="50",  # cumulative: cannot fall back
            physical_actual_12="80",
        ),
    )
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "it cannot fall below the 75 % of October" in page
    assert page.count("it cannot fall below") == 1  # December's 80 % is fine
    assert "The spending up to March is more than the pagu of the year." in page
    assert stored(app, dishub, 2026) == before
    # Within the pagu and rising: saved.
    response = post_form(
        sakip,
        url,
        entry_data(
            budget_ceiling="1.200.000.000",
            budget_actual_01="600.000.000",
            budget_actual_03="500.000.000",
            physical_actual_10="75",
            physical_actual_12="80",
        ),
    )
    assert response.status_code == 302


def test_procurement_packages_are_added_changed_and_deleted(
    app: Flask, init_result: InitResult
) -> None:
    dishub = agency_id(app, "DISHUB")
    client = agency_account(app, init_result, "operator", {"agency_staff"}, "DISHUB")
    new = f"/sakip/agencies/{dishub}/monitoring/2026/packages/new"
    package = {
        "name": "Pengadaan rambu lalu lintas",
        "value": "1.250.000.000",
        "stage": "pemilihan",
        "stage_on": "2026-03-02",
        "planned_finish": "2026-08-31",
        "note": "",
    }
    # A stage that does not exist, and a missing name: nothing saved.
    response = post_form(client, new, {**package, "stage": "lelang", "name": "   "})
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Enter the package's name." in page and "Not a valid choice" in page
    response = post_form(client, new, package)
    assert response.status_code == 302
    with database(app).session() as session:
        saved = session.scalars(select(ProcurementPackage)).one()
        assert (saved.value, saved.stage, saved.planned_finish, saved.year) == (
            1250 * M,
            "pemilihan",
            date(2026, 8, 31),
            2026,
        )
        package_id = saved.id
    edit = f"/sakip/agencies/{dishub}/packages/{package_id}"
    assert 'value="1250000000"' in client.get(edit).get_data(as_text=True)
    response = post_form(client, edit, {**package, "stage": "kontrak", "value": ""})
    assert response.status_code == 302
    with database(app).session() as session:
        saved = session.get(ProcurementPackage, package_id)
        assert saved is not None and (saved.stage, saved.value) == ("kontrak", None)
    response = post_form(client, f"{edit}/delete", page=edit)
    assert response.status_code == 302
    with database(app).session() as session:
        assert session.get(ProcurementPackage, package_id) is None
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("sakip.package_%"))
        ).all()
        assert sorted(actions) == [
            "sakip.package_created",
            "sakip.package_deleted",
            "sakip.package_updated",
        ]


# --- access ----------------------------------------------------------------------------------


def test_agency_accounts_reach_their_own_agency_and_heads_only_read(
    app: Flask, init_result: InitResult, ids: dict[str, int]
) -> None:
    own, other = ids["DINKES"], ids["DISDIK"]
    dpupr_package = ids["Peningkatan jalan lingkar"]
    dinkes_package = ids["Pengadaan ambulans"]
    staff = agency_account(app, init_result, "operator", {"agency_staff"}, "DINKES")
    assert staff.get(f"/sakip/agencies/{own}/monitoring?year=2025").status_code == 200
    assert staff.get(f"/sakip/agencies/{own}/monitoring/2025/entry").status_code == 200
    # Another agency's pages do not exist for it, nor its packages under any address.
    for path in (
        f"/sakip/agencies/{other}/monitoring",
        f"/sakip/agencies/{other}/monitoring/2025/entry",
        f"/sakip/agencies/{other}/monitoring/2025/packages/new",
        f"/sakip/agencies/{ids['DPUPR']}/packages/{dpupr_package}",
        f"/sakip/agencies/{own}/packages/{dpupr_package}",
    ):
        assert staff.get(path).status_code == 404, path
    token = csrf_token(staff, f"/sakip/agencies/{own}/monitoring")
    response = staff.post(
        f"/sakip/agencies/{ids['DPUPR']}/packages/{dpupr_package}/delete",
        data={"csrf_token": token},
    )
    assert response.status_code == 404
    # Comparing agencies is for the roles that read them all.
    assert staff.get("/sakip/monitoring/ranking").status_code == 403
    assert staff.get("/sakip/monitoring/evaluations").status_code == 403
    assert staff.get("/sakip/monitoring/evaluations/2025-06").status_code == 403

    head = agency_account(app, init_result, "kadis", {"agency_head"}, "DINKES")
    assert head.get(f"/sakip/agencies/{own}/monitoring?year=2025").status_code == 200
    assert head.get(f"/sakip/agencies/{other}/monitoring").status_code == 404
    token = csrf_token(head, f"/sakip/agencies/{own}/monitoring")
    for path in (
        f"/sakip/agencies/{own}/monitoring/2025/entry",
        f"/sakip/agencies/{own}/monitoring/2025/packages/new",
        f"/sakip/agencies/{own}/packages/{dinkes_package}",
        f"/sakip/agencies/{own}/packages/{dinkes_package}/delete",
    ):
        response = head.post(path, data={"csrf_token": token, **entry_data(budget_plan_01="1")})
        assert response.status_code == 403, path
    assert head.get(f"/sakip/agencies/{own}/monitoring/2025/entry").status_code == 403
    assert stored(app, own, 2025)[1][0] == 100 * M  # unchanged
    with database(app).session() as session:
        assert session.get(ProcurementPackage, dinkes_package) is not None


def test_read_all_roles_read_and_others_are_refused(
    app: Flask, init_result: InitResult, ids: dict[str, int]
) -> None:
    own = ids["DINKES"]
    for username, role in (("bupati", "leadership"), ("irban", "supervisor"), ("root", "admin")):
        client = staff_account(app, init_result, username, {role})
        assert client.get(f"/sakip/agencies/{own}/monitoring").status_code == 200
        assert client.get("/sakip/monitoring/ranking").status_code == 200
        assert client.get("/sakip/monitoring/evaluations/2025-Q2").status_code == 200
        # Reading every agency is not entering their figures.
        assert client.get(f"/sakip/agencies/{own}/monitoring/2025/entry").status_code == 403
    intake = staff_account(app, init_result, "verifikator", {"intake"})
    for path in (
        f"/sakip/agencies/{own}/monitoring",
        f"/sakip/agencies/{own}/monitoring/2025/entry",
        f"/sakip/agencies/{own}/packages/{ids['Pengadaan ambulans']}",
        "/sakip/monitoring/ranking",
        "/sakip/monitoring/evaluations",
        "/sakip/monitoring/evaluations/2025-06",
    ):
        assert intake.get(path).status_code == 403, path
    sakip = staff_account(app, init_result, "sakip", {"sakip"})
    assert sakip.get("/sakip/agencies/999999/monitoring").status_code == 404
    assert sakip.get(f"/sakip/agencies/{own}/monitoring/1999/entry").status_code == 404
    # A package is reached through its own agency only.
    other_package = f"/sakip/agencies/{ids['DISDIK']}/packages/{ids['Pengadaan ambulans']}"
    assert sakip.get(other_package).status_code == 404
