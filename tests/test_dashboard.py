"""The leadership dashboard shows the protected figures of wbs.stats_queries for a period."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

from tests.staff_helpers import STAFF_PASSWORD, create_officer, english, login
from tests.test_statistics import run, stats_db  # noqa: F401 - the fixture of the hand-computed cases
from wbs.installation import InitResult
from wbs.stats_periods import year
from wbs.stats_protection import protected
from wbs.stats_queries import by_agency, overview


def leader(app: Flask, init_result: InitResult, roles: set[str] | None = None) -> FlaskClient:
    create_officer(app, init_result, "bupati", roles or {"leadership"})
    client = english(app.test_client())
    login(client, "bupati", STAFF_PASSWORD)
    return client


def rows(page: str, heading: str) -> dict[str, list[str]]:
    """The body rows of the table under ``heading``: first cell → the other cells."""
    section = page.split(f"<h2>{heading}</h2>", 1)[1].split("</section>", 1)[0]
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        if cells:
            found[cells[0]] = cells[1:]
    return found


def test_leadership_lands_on_the_dashboard_and_reads_the_protected_figures(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = leader(stats_db, init_result)
    assert client.get("/admin/").headers["Location"].endswith("/admin/dashboard")
    response = client.get("/admin/dashboard?period=2026")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    expected = protected(run(stats_db, overview, year(2026)), 3)
    handling = rows(page, "Reports and their handling")
    assert handling["Reports received"] == [expected.received.display()]
    assert handling["Substantiated"] == [expected.substantiated.display()]
    agencies = rows(page, "By agency (OPD)")
    table = protected(run(stats_db, by_agency, year(2026)), 3)
    for row in table.rows:
        assert agencies[row.label] == [
            row.received.display(),
            row.substantiated.display(),
            row.closed.display(),
        ]
    # Some cell of the fixture is small: it is shown as "< 3", never as its number.
    assert "&lt; 3" in page
    assert "Weighted findings = ringan × 1 + sedang × 3 + berat × 5" in html.unescape(page)


def test_a_bad_period_says_why_and_shows_the_current_year(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = leader(stats_db, init_result)
    response = client.get("/admin/dashboard?period=2026-13")
    assert response.status_code == 400
    assert "A month runs from 01 to 12." in response.get_data(as_text=True)
    response = client.get("/admin/dashboard?from=2026-05-01&until=2026-04-01")
    assert response.status_code == 400
    assert "The last day comes before the first." in response.get_data(as_text=True)
    assert client.get("/admin/dashboard?period=2026-Q2").status_code == 200


def test_case_officers_without_a_dashboard_role_are_refused(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = leader(stats_db, init_result, {"intake"})
    assert client.get("/admin/dashboard").status_code == 403
