"""e-SAKIP pages (issue 5): the agencies, an agency's tree with its achievements, and who
may reach which agency."""

from __future__ import annotations

import html
import re

from flask import Flask

from tests.sakip_helpers import agency_account, agency_id, build_tree, staff_account
from wbs.installation import InitResult


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_an_agency_tree_shows_targets_realisations_and_achievements(
    app: Flask, init_result: InitResult
) -> None:
    ids = build_tree(app)
    client = staff_account(app, init_result, "sakip", {"sakip"})
    assert client.get("/admin/").headers["Location"].endswith("/sakip/")
    home = text(client.get("/sakip/?year=2026").get_data(as_text=True))
    assert "Dinas Kesehatan" in home
    page = text(client.get(f"/sakip/agencies/{ids['agency']}?year=2026").get_data(as_text=True))
    # Lower is better: (2 - 6.5 / 7) x 100 = 107.14 %.
    assert "Angka kematian bayi" in page and "107.14 %" in page
    # Higher is better: 90.25 / 95 x 100 = 95 %; a missing realisation stays missing.
    assert "95 % Sangat Tinggi" in page
    assert "no realisation yet" in page
    # The program rolls up the one indicator that has a realisation, and says so.
    assert "1 without realisation left out" in page
    # Another year has no values at all: everything missing, nothing zero.
    other = text(client.get(f"/sakip/agencies/{ids['agency']}?year=2025").get_data(as_text=True))
    assert not re.search(r"(?<![\d.,])0 %", other) and "no target" in other


def test_agency_accounts_reach_their_own_agency_only(app: Flask, init_result: InitResult) -> None:
    ids = build_tree(app)
    staff = agency_account(app, init_result, "operator", {"agency_staff"}, "DINKES")
    # The home page leads straight to the own agency.
    assert staff.get("/sakip/").headers["Location"].endswith(f"/sakip/agencies/{ids['agency']}")
    assert staff.get(f"/sakip/agencies/{ids['agency']}").status_code == 200
    # Another agency, and the Pemda's tree, do not exist for it.
    assert staff.get(f"/sakip/agencies/{agency_id(app, 'DISDIK')}").status_code == 404
    assert staff.get("/sakip/pemda").status_code == 404
    # Case work stays out of reach.
    assert staff.get("/admin/cases").status_code == 403
    head = agency_account(app, init_result, "kadis", {"agency_head"}, "DISDIK")
    assert head.get(f"/sakip/agencies/{ids['agency']}").status_code == 404
    leader = staff_account(app, init_result, "bupati", {"leadership"})
    assert leader.get(f"/sakip/agencies/{ids['agency']}").status_code == 200
    intake = staff_account(app, init_result, "verifikator", {"intake"})
    assert intake.get("/sakip/").status_code == 403
