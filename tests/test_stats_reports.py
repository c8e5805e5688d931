"""Printable monthly and quarterly reports (issue 4), the Zona Integritas WBS report:
the dashboard's figures for the period plus the obstacles, solutions and evaluation a
supervisor writes."""

from __future__ import annotations

import html

from flask import Flask
from sqlalchemy import select

from tests.staff_helpers import STAFF_PASSWORD, create_officer, english, login, post_form
from tests.test_dashboard import leader, rows
from tests.test_statistics import run, stats_db  # noqa: F401 - the fixture
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import AuditEntry
from wbs.stats_periods import month
from wbs.stats_protection import protected
from wbs.stats_queries import by_category


def test_leadership_opens_the_monthly_report_with_the_period_figures(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = leader(stats_db, init_result)
    index = client.get("/admin/reports").get_data(as_text=True)
    assert "Monthly reports" in index and "Quarterly reports" in index
    # The choice form leads to the report of the period typed.
    response = client.get("/admin/reports?period=2026-03")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/reports/2026-03")
    page = client.get("/admin/reports/2026-03").get_data(as_text=True)
    assert "Monthly report on the handling of the whistle-blowing system" in page
    assert "March 2026" in page
    # March 2026: cases 9, 10, 11 (three reports), every count below 3 in the by-type table.
    handling = rows(page, "1. Reports received and their handling")
    assert handling["Reports received"] == ["3"]
    expected = protected(run(stats_db, by_category, month(2026, 3)), 3)
    by_type = rows(page, "2. Reports by type of violation")
    for row in expected.rows:
        assert by_type[row.label_en] == [
            row.received.display(),
            row.substantiated.display(),
            row.closed.display(),
        ]
    # Korupsi: 10 and 11.
    assert by_type["Corruption / loss of regional funds"][0] == "< 3"
    assert "(not written yet)" in page


def test_the_quarterly_report_covers_three_months(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = leader(stats_db, init_result)
    page = client.get("/admin/reports/2026-Q1").get_data(as_text=True)
    assert "Quarterly report" in page and "Quarter I 2026" in page
    # Cases 1 to 11 were received in January to March.
    assert rows(page, "1. Reports received and their handling")["Reports received"] == ["11"]
    for key in ("2026", "2026-13", "2026-Q5", "all", "nope"):
        assert client.get(f"/admin/reports/{key}").status_code == 404
    response = client.get("/admin/reports?period=2026")
    assert response.status_code == 400
    assert "Write a month as 2026-07 or a quarter as 2026-Q3." in response.get_data(as_text=True)


def test_a_supervisor_writes_obstacles_solutions_and_evaluation(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    create_officer(stats_db, init_result, "kepala", {"supervisor"})
    client = english(stats_db.test_client())
    login(client, "kepala", STAFF_PASSWORD)
    path = "/admin/reports/2026-03/notes"
    too_long = post_form(
        client, path, {"obstacles": "x" * 5001, "solutions": "Rapat koordinasi", "evaluation": ""}
    )
    assert too_long.status_code == 400
    text = too_long.get_data(as_text=True)
    assert "Rapat koordinasi" in text  # what was typed is kept
    saved = post_form(
        client,
        path,
        {
            "obstacles": "Bukti sering tidak lengkap <b>tebal</b>",
            "solutions": "Formulir diperjelas",
            "evaluation": "Waktu penanganan membaik",
        },
    )
    assert saved.status_code == 302
    page = client.get("/admin/reports/2026-03").get_data(as_text=True)
    assert "Bukti sering tidak lengkap &lt;b&gt;tebal&lt;/b&gt;" in page  # shown as text
    assert "Formulir diperjelas" in page and "Waktu penanganan membaik" in page
    assert "Last written by" in page
    # The text belongs to March only.
    assert "Formulir diperjelas" not in client.get("/admin/reports/2026-04").get_data(as_text=True)
    # Editing again shows what was saved.
    form = html.unescape(client.get(path).get_data(as_text=True))
    assert "Formulir diperjelas" in form
    with database(stats_db).session() as session:
        actions = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "report.notes_saved")
        ).all()
    assert actions == ["period 2026-03"]


def test_leadership_reads_but_does_not_write_the_report_text(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = leader(stats_db, init_result)
    page = client.get("/admin/reports/2026-03").get_data(as_text=True)
    assert "Write obstacles, solutions and evaluation" not in page
    assert client.get("/admin/reports/2026-03/notes").status_code == 403
    create_officer(stats_db, init_result, "verifikator", {"intake"})
    intake = english(stats_db.test_client())
    login(intake, "verifikator", STAFF_PASSWORD)
    assert intake.get("/admin/reports/2026-03").status_code == 403
