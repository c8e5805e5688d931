"""The agencies ranked by performance achievement (issue 5; DOMAIN.md, "Indicator
achievement"): /sakip/ranking, with hand-worked roll-ups of three agencies' trees."""

from __future__ import annotations

import dataclasses
import html
import re
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.sakip_helpers import NOW, YEAR, agency_account, agency_id, build_tree, staff_account
from wbs import create_app
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Indicator, IndicatorValue, PerformanceNode, SakipEvaluation
from wbs.sakip.data import ranking as ranking_module
from wbs.sakip.data.ranking import agency_achievements
from wbs.sakip.data.trees import agency_tree
from wbs.sakip.rollup import ChildCapaian, roll_up
from wbs.settings import Settings


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def table_rows(page: str) -> list[str]:
    """The text of each row of the ranking's table body, in order."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [text(row) for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]


def node(
    session: Session,
    agency: int | None,
    code: str,
    level: str,
    parent: PerformanceNode | None = None,
    weight: str = "1",
    order: int = 0,
    active: bool = True,
) -> PerformanceNode:
    added = PerformanceNode(
        agency_id=agency,
        parent_id=None if parent is None else parent.id,
        level=level,
        code=code,
        name=f"Node {code}",
        weight=Decimal(weight),
        sort_order=order,
        active=active,
    )
    session.add(added)
    session.flush()
    return added


def indicator(
    session: Session,
    parent: PerformanceNode,
    polarity: str,
    target: str,
    realisation: str | None,
    target_high: str | None = None,
    active: bool = True,
) -> None:
    added = Indicator(
        node_id=parent.id,
        name=f"Indikator {parent.code}",
        unit="%",
        polarity=polarity,
        active=active,
    )
    session.add(added)
    session.flush()
    session.add(
        IndicatorValue(
            indicator_id=added.id,
            year=YEAR,
            period="Y",
            target=Decimal(target),
            target_high=None if target_high is None else Decimal(target_high),
            realisation=None if realisation is None else Decimal(realisation),
            updated_at=NOW,
        )
    )


def evaluation(session: Session, agency: int, year: int, score: str, status: str) -> None:
    session.add(
        SakipEvaluation(
            agency_id=agency,
            year=year,
            template="88/2021",
            evaluator="inspektorat",
            score=Decimal(score),
            predicate="BB",
            status=status,
            updated_at=NOW,
        )
    )


def build_agencies(app: Flask) -> None:
    """DINKES (tests/sakip_helpers.build_tree) and three more agencies, 2026, whole year.

    - DINKES: its root sasaran has its own indicator, (2 − 6.5 / 7) × 100 = 107.142857 %,
      so the whole tree is 107.14 % (the program below does not count: a node with
      indicators rolls those up). 3 indicators, 2 with a realisation. Final SAKIP score
      72.50, BB.
    - DISDIK: tujuan T.1 (weight 1) without indicators, its sasaran S.1 60 / 80 = 75 %
      and S.2 50 within the range 40-60 = 100 %: T.1 = (75 + 100) / 2 = 87.5 %. Tujuan
      T.2 (weight 3) with its own indicator 40 / 50 = 80 % (its sasaran S.3, 10 %, does
      not count). Whole tree (1 × 87.5 + 3 × 80) / 4 = 327.5 / 4 = 81.875, shown 81.88 %
      Tinggi. 4 indicators, all realised. Its evaluation is a draft: no official score.
    - RSUD: one node, 81.88 / 100 = 81.88 %: the same figure as DISDIK, the same rank.
    - DPUPR: one indicator without a realisation and one with a zero target (no
      capaian), so no achievement: 2 indicators, 1 realised, 1 missing. An inactive
      indicator with a realisation counts nowhere.
    - The Pemda's own tree is not an agency: it is not ranked.
    """
    build_tree(app)
    with database(app).session() as session:
        dinkes, disdik = agency_id(app, "DINKES"), agency_id(app, "DISDIK")
        evaluation(session, dinkes, YEAR, "72.50", "final")
        evaluation(session, disdik, YEAR, "80.00", "draft")
        t1 = node(session, disdik, "T.1", "tujuan", order=0)
        indicator(session, node(session, disdik, "S.1", "sasaran", t1), "higher", "80", "60")
        s2 = node(session, disdik, "S.2", "sasaran", t1, order=1)
        indicator(session, s2, "range", "40", "50", target_high="60")
        t2 = node(session, disdik, "T.2", "tujuan", weight="3", order=1)
        indicator(session, t2, "higher", "50", "40")
        indicator(session, node(session, disdik, "S.3", "sasaran", t2), "higher", "100", "10")
        rsud = node(session, agency_id(app, "RSUD"), "R.1", "sasaran")
        indicator(session, rsud, "higher", "100", "81.88")
        dpupr = node(session, agency_id(app, "DPUPR"), "P.1", "sasaran")
        indicator(session, dpupr, "higher", "10", None)
        indicator(session, dpupr, "lower", "0", "3")
        indicator(session, dpupr, "higher", "10", "10", active=False)
        pemda = node(session, None, "PEMDA.1", "tujuan")
        indicator(session, pemda, "higher", "10", "30")


def test_agencies_are_ranked_by_the_achievement_of_their_whole_tree(
    app: Flask, init_result: InitResult
) -> None:
    build_agencies(app)
    client = staff_account(app, init_result, "pimpinan", {"leadership"})
    response = client.get(f"/sakip/ranking?year={YEAR}&period=Y")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = table_rows(page)
    assert rows[0].startswith("1 Dinas Kesehatan 107.14 % Sangat Tinggi mean of 1")
    assert rows[0].endswith("3 2 1 72.50 BB (Sangat Baik)")
    # DISDIK and RSUD both show 81.88 %: they share rank 2, by name.
    assert rows[1].startswith("2 Dinas Pendidikan dan Kebudayaan 81.88 % Tinggi weighted mean of 2")
    assert rows[1].endswith("4 4 0 — —")  # a draft evaluation shows no official score
    assert rows[2].startswith("2 Rumah Sakit Umum Daerah 81.88 % Tinggi mean of 1")
    # No achievement: last, without a rank; missing realisations are counted, not zero.
    unranked = rows[3:]
    dpupr = [row for row in unranked if "Dinas Pekerjaan Umum" in row]
    assert dpupr == [
        "no realisation yet Dinas Pekerjaan Umum dan Penataan Ruang no achievement yet 2 1 1 — —"
    ]
    assert all(row.startswith("no realisation yet") for row in unranked)
    assert "Sekretariat Daerah no performance tree 0 0 0 — —" in " | ".join(unranked)
    assert "PEMDA" not in page and "300 %" not in page
    # The page says how: the capaian formula and the roll-up, no cap by default.
    words = text(page)
    assert "(2 − realisation ÷ target) × 100 %" in words
    assert "the weighted mean of its top nodes" in words and "capped" not in words
    # The ranking and the agency's own page agree.
    tree = text(client.get(f"/sakip/agencies/{agency_id(app, 'DINKES')}?year={YEAR}").data.decode())
    assert "107.14 %" in tree


@pytest.mark.parametrize("scan_share", [0.0, 1.0], ids=["scan-every-indicator", "by-node-ids"])
def test_each_total_is_the_roll_up_of_the_roots_on_the_agencys_page(
    app: Flask, init_result: InitResult, monkeypatch: pytest.MonkeyPatch, scan_share: float
) -> None:
    # The ranking walks only as far as its totals need, and fetches only those nodes'
    # indicators (by id, two ids a statement here) unless they are most of them; the
    # agency's page walks the whole tree. Both must give the very same Decimal and
    # counts, with and without a cap.
    monkeypatch.setattr(ranking_module, "SCAN_SHARE", scan_share)
    monkeypatch.setattr(ranking_module, "IDS_PER_STATEMENT", 2)
    build_agencies(app)
    with database(app).session() as session:
        for cap in (0, 100):
            ranking = agency_achievements(session, YEAR, "Y", cap)
            assert len(ranking) > 4
            for achievement in ranking:
                roots = [
                    ChildCapaian(
                        line.node.code,
                        None if line.result is None else line.result.value,
                        line.node.weight,
                    )
                    for line in agency_tree(session, achievement.agency_id, YEAR, "Y", cap)
                    if line.depth == 0
                ]
                assert achievement.total == (roll_up(roots) if roots else None)
            totals = {a.code: a.value for a in ranking}
            assert totals["DISDIK"] == Decimal("81.875")
            counts = {a.code: (a.indicators, a.realised) for a in ranking}
            assert counts["DINKES"] == (3, 2) and counts["DPUPR"] == (2, 1)
            assert totals["DINKES"] == (Decimal(100) if cap else Decimal(1500) / Decimal(14))


def test_another_period_without_values_ranks_nobody(app: Flask, init_result: InitResult) -> None:
    build_agencies(app)
    client = staff_account(app, init_result, "sakip", {"sakip"})
    page = client.get(f"/sakip/ranking?year={YEAR}&period=Q1").get_data(as_text=True)
    assert "Performance achievement, Quarter I 2026" in text(page)
    rows = table_rows(page)
    assert rows and all(row.startswith("no realisation yet") for row in rows)
    dinkes = [row for row in rows if "Dinas Kesehatan" in row]
    # 3 indicators, none with a Q1 realisation; the final score is the year's, still shown.
    assert dinkes == [
        "no realisation yet Dinas Kesehatan no achievement yet 3 0 3 72.50 BB (Sangat Baik)"
    ]
    # Another year: DINKES's 2026 evaluation is not that year's.
    other = table_rows(client.get(f"/sakip/ranking?year={YEAR - 1}").get_data(as_text=True))
    assert all(row.endswith("— —") for row in other)


def test_the_cap_setting_limits_the_roll_up(
    app: Flask, init_result: InitResult, settings: Settings
) -> None:
    build_agencies(app)
    capped = create_app(dataclasses.replace(settings, sakip_capaian_cap=100))
    try:
        client = staff_account(capped, init_result, "inspektur", {"supervisor"})
        page = client.get(f"/sakip/ranking?year={YEAR}").get_data(as_text=True)
    finally:
        database(capped).dispose()
    rows = table_rows(page)
    # DINKES's 107.14 % counts as 100 %; DISDIK's figures are all at most 100 %.
    assert rows[0].startswith("1 Dinas Kesehatan 100 % Sangat Tinggi")
    assert rows[1].startswith("2 Dinas Pendidikan dan Kebudayaan 81.88 %")
    assert "Roll-ups use achievements capped at 100 %." in text(page)


def test_only_the_roles_reading_every_agency_open_the_ranking(
    app: Flask, init_result: InitResult
) -> None:
    build_agencies(app)
    for role in ("sakip", "leadership", "supervisor", "admin"):
        client = staff_account(app, init_result, f"baca-{role}", {role})
        assert client.get("/sakip/ranking").status_code == 200, role
    # An agency account: the page about every agency does not exist for it.
    for role in ("agency_staff", "agency_head"):
        client = agency_account(app, init_result, f"opd-{role}", {role}, "DINKES")
        assert client.get(f"/sakip/ranking?year={YEAR}").status_code == 404, role
    intake = staff_account(app, init_result, "verifikator", {"intake"})
    assert intake.get("/sakip/ranking").status_code == 403
