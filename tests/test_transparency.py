"""The public transparency page (issue 4) and the admin setting that adds agency figures.

Expected figures are worked out by hand from the 24 cases of tests/test_statistics.py
(the ``stats_db`` fixture), never by re-running the query logic.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from tests.staff_helpers import STAFF_PASSWORD, create_officer, english, login, post_form
from tests.test_statistics import case, run, stats_db  # noqa: F401 - the hand-computed fixture
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Agency, AuditEntry, Case, Category, SiteSetting, Staff, UnitKey
from wbs.site_settings import TRANSPARENCY_AGENCIES, get_flag, set_flag
from wbs.transparency import DailyFigures, Published, Totals, published_figures

D = date
KORUPSI, PUNGLI, GRATIFIKASI = "korupsi", "pungli", "gratifikasi"


def shown(totals: Totals) -> tuple[str, str, str, float | None]:
    return (
        totals.received.display(),
        totals.handled.display(),
        totals.substantiated.display(),
        totals.median_days_to_closure,
    )


def figures_on(app: Flask, today: date, agencies: bool = False) -> Published:
    return run(app, published_figures, today, 3, agencies)


# --- the figures (no HTTP) ------------------------------------------------------------------


def test_yearly_and_quarterly_figures_of_the_fixture(stats_db: Flask) -> None:  # noqa: F811
    figures = figures_on(stats_db, D(2026, 9, 30))
    assert figures.cutoff == D(2026, 9, 29)
    assert [found.year for found in figures.years] == [2026, 2025]  # latest first
    this_year, last_year = figures.years
    # Handled = an outcome recorded. Q1 (cases 1-11): every one has an outcome;
    # substantiated 1, 2, 5, 6, 9, 10. Closed 1 (40 days), 2 (60), 3 (30), 4 (12),
    # 6 (90), 7 (20), 10 (100): 12 20 30 [40] 60 90 100 -> median 40.
    # Q2 (12-18): handled 13, 15; substantiated 15; closed 13 and 15 only: too few.
    # Q3 until 29 September (19-22): handled 20; closed 20 only.
    # Substantiated column 6, 1, 0: the "< 3" alone would be 7 - 6, so 6 is hidden.
    assert [shown(q) for q in this_year.quarters] == [
        ("11", "11", "x", 40),
        ("7", "< 3", "< 3", None),
        ("4", "< 3", "0", None),
    ]
    assert [q.quarter for q in this_year.quarters] == [1, 2, 3]  # Q4 has not begun
    assert [q.so_far for q in this_year.quarters] == [False, False, True]
    assert this_year.quarters[2].period.end == D(2026, 9, 29)
    # The year: 22 received, 14 handled (7 + 2 not substantiated + 2 forwarded + 3
    # rejected), median closure 37.5 over 10 closed (tests/test_statistics.py).
    assert shown(this_year.totals) == ("22", "14", "7", 37.5)
    assert this_year.totals.so_far
    # 2025: cases 23 (substantiated, closed after 50 days) and 24, both in Q4.
    assert shown(last_year.totals) == ("< 3", "< 3", "< 3", None)
    assert not last_year.totals.so_far
    assert [shown(q) for q in last_year.quarters] == [
        ("0", "0", "0", None),
        ("0", "0", "0", None),
        ("0", "0", "0", None),
        ("< 3", "< 3", "< 3", None),
    ]
    categories = {row.key: row for row in this_year.categories.rows}
    assert (
        categories[KORUPSI].received.display(),
        categories[KORUPSI].substantiated.display(),
    ) == (
        "10",
        "4",
    )
    assert categories[PUNGLI].received.display() == "6"
    assert categories[PUNGLI].substantiated.display() == "< 3"  # case 6
    assert categories[GRATIFIKASI].substantiated.display() == "< 3"  # 9, 15
    assert this_year.categories.total.received.display() == "22"
    assert this_year.agencies is None and figures.years[1].agencies is None


def test_only_reports_received_until_yesterday_count(stats_db: Flask) -> None:  # noqa: F811
    # Case 22 was received on 18 August: not yet on that day, counted from the next.
    on_the_day = figures_on(stats_db, D(2026, 8, 18)).years[0]
    assert shown(on_the_day.quarters[2])[0] == "3"  # 19, 20, 21
    assert on_the_day.totals.received.display() == "21"
    next_day = figures_on(stats_db, D(2026, 8, 19)).years[0]
    assert shown(next_day.quarters[2])[0] == "4"
    assert next_day.totals.received.display() == "22"
    # On 1 January the past year is complete and the new one not shown yet.
    new_year = figures_on(stats_db, D(2027, 1, 1))
    assert [found.year for found in new_year.years] == [2026, 2025]
    assert not new_year.years[0].totals.so_far


def test_agency_figures_only_when_asked_for(stats_db: Flask) -> None:  # noqa: F811
    figures = figures_on(stats_db, D(2026, 9, 30), agencies=True)
    agencies = {row.key: row for row in figures.years[0].agencies.rows}  # type: ignore[union-attr]
    # DINKES 1,2,3,9,10,14,17,20 (subst 1,2,9,10); DISDIK 4,5,6,11,15,18,21 (5,6,15).
    assert (agencies["DINKES"].received.display(), agencies["DINKES"].substantiated.display()) == (
        "8",
        "4",
    )
    assert agencies["DISDIK"].substantiated.display() == "3"
    assert agencies["DPUPR"].received.display() == "7"


def test_the_figures_are_computed_once_a_day_per_setting(stats_db: Flask) -> None:  # noqa: F811
    daily = DailyFigures()
    today = D(2026, 9, 30)
    with database(stats_db).session() as session:
        first = daily.get(session, today, 3, False)
        assert daily.get(session, today, 3, False) is first
        with_agencies = daily.get(session, today, 3, True)
        assert with_agencies is not first and with_agencies.agencies_shown
        tomorrow = daily.get(session, today + timedelta(days=1), 3, False)
        assert tomorrow.cutoff == today
        assert daily.get(session, today + timedelta(days=1), 3, False) is tomorrow


def test_site_flags_default_and_store_who_changed_them(app: Flask, init_result: InitResult) -> None:
    with database(app).session() as session:
        assert get_flag(session, TRANSPARENCY_AGENCIES) is False
        assert get_flag(session, TRANSPARENCY_AGENCIES, default=True) is True
        admin_id = session.scalar(select(Staff.id).where(Staff.username == "admin"))
        now = datetime(2026, 9, 30, 8, 15)
        set_flag(session, TRANSPARENCY_AGENCIES, True, admin_id, now)
        session.commit()
        assert get_flag(session, TRANSPARENCY_AGENCIES) is True
        set_flag(session, TRANSPARENCY_AGENCIES, False, admin_id, now)
        session.commit()
        assert get_flag(session, TRANSPARENCY_AGENCIES, default=True) is False
        row = session.get(SiteSetting, TRANSPARENCY_AGENCIES)
        assert row is not None and (row.value, row.updated_at, row.updated_by_id) == (
            "false",
            now,
            admin_id,
        )


# --- the page -------------------------------------------------------------------------------


def table(page: str, caption: str) -> dict[str, list[str]]:
    """Rows of the table with ``caption`` (body and footer): first cell -> the others."""
    start = page.index(f"<caption>{caption}</caption>")
    section = page[start : page.index("</table>", start)]
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        cells = [
            " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        if cells and cells[0] not in ("Year", "Quarter", "Category", "Agency"):
            found[cells[0]] = cells[1:]
    return found


def first_cells_starting(rows: dict[str, list[str]], start: str) -> list[str]:
    matches = [cells for first, cells in rows.items() if first.startswith(start)]
    assert len(matches) == 1, (start, list(rows))
    return matches[0]


def visitor(app: Flask) -> FlaskClient:
    return english(app.test_client())


def test_the_page_shows_the_protected_figures_without_login(stats_db: Flask) -> None:  # noqa: F811
    client = visitor(stats_db)
    response = client.get("/transparency?year=2026")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Every fixture case was received before yesterday (they end in August 2026).
    years = table(page, "Reports per year")
    assert first_cells_starting(years, "2026") == ["22", "14", "7", "37.5"]
    assert years["2025"] == ["< 3", "< 3", "< 3", "—"]
    quarters = table(page, "Reports per quarter, 2026")
    assert quarters["Quarter 1"] == ["11", "11", "x", "40"]
    assert quarters["Quarter 2"] == ["7", "< 3", "< 3", "—"]
    assert quarters["Quarter 3"] == ["4", "< 3", "0", "—"]
    assert first_cells_starting(quarters, "Quarter 4") == ["0", "0", "0", "—"]
    assert quarters["Year 2026"] == ["22", "14", "7", "37.5"]
    categories = table(page, "Reports by category, 2026")
    assert categories["Corruption / loss of regional funds"] == ["10", "4"]
    assert categories["Illegal levies"] == ["6", "< 3"]
    assert categories["Gratification (improper gifts)"] == ["6", "< 3"]
    assert categories["Total"] == ["22", "7"]
    # Small counts are marks, and the page says what the marks and "handled" mean.
    assert "<td>&lt; 3</td>" in page
    text = html.unescape(page)
    assert "Between 1 and 2 reports." in text
    assert "Reports the inspectorate has decided on" in text
    # The chosen year's tables for 2025 on request.
    quarters_2025 = table(
        client.get("/transparency?year=2025").get_data(as_text=True), "Reports per quarter, 2025"
    )
    assert quarters_2025["Quarter 4"] == ["< 3", "< 3", "< 3", "—"]


def test_the_latest_year_is_the_default(stats_db: Flask) -> None:  # noqa: F811
    figures = figures_on(stats_db, stats_db.extensions["wbs.settings"].today())
    page = visitor(stats_db).get("/transparency").get_data(as_text=True)
    assert f"Reports per quarter, {figures.years[0].year}" in page
    assert "/transparency?year=2025" in page  # each year links to its quarters


def insert_cases(app: Flask, rows: list[dict[str, object]]) -> None:
    with database(app).session() as session:
        agencies = dict(session.execute(select(Agency.code, Agency.id)).all())
        categories = dict(session.execute(select(Category.code, Category.id)).all())
        unit_key = session.execute(select(UnitKey.id)).scalars().first()
        values = []
        for row in rows:
            value = {k: v for k, v in row.items() if k not in ("agency", "category")}
            value |= {
                "agency_id": agencies[row["agency"]],
                "category_id": categories[row["category"]],
                "unit_key_id": unit_key,
                "paused_days": 0,
            }
            values.append(value)
        session.execute(insert(Case), values)


def test_reports_received_today_are_not_on_the_page(stats_db: Flask) -> None:  # noqa: F811
    today = stats_db.extensions["wbs.settings"].today()
    yesterday = today - timedelta(days=1)
    insert_cases(stats_db, [case(100 + n, "DINKES", KORUPSI, today, "received") for n in range(3)])
    page = visitor(stats_db).get(f"/transparency?year={yesterday.year}").get_data(as_text=True)
    fixture_received = {2026: "22", 2025: "< 3"}.get(yesterday.year, "0")
    years = table(page, "Reports per year")
    assert first_cells_starting(years, str(yesterday.year))[0] == fixture_received
    if today.year != yesterday.year:  # 1 January: the new year is not shown yet
        assert not any(first.startswith(str(today.year)) for first in years)


def test_agency_figures_appear_once_an_admin_allows_them(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    public = visitor(stats_db)
    page = public.get("/transparency?year=2026").get_data(as_text=True)
    for name in ("Dinas Kesehatan", "Dinas Pendidikan dan Kebudayaan", "Dinas Pekerjaan Umum"):
        assert name not in page
    assert "Reports by agency" not in page

    create_officer(stats_db, init_result, "pengelola", {"admin"})
    admin = english(stats_db.test_client())
    login(admin, "pengelola", STAFF_PASSWORD)
    form = admin.get("/admin/settings")
    assert form.status_code == 200
    assert 'name="transparency_agencies"' in form.get_data(as_text=True)
    assert 'href="/admin/settings"' in form.get_data(as_text=True)  # in the staff menu
    saved = post_form(admin, "/admin/settings", {"transparency_agencies": "y"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/admin/settings")
    after = admin.get("/admin/settings").get_data(as_text=True)
    assert "The transparency page now shows figures per agency." in after
    assert re.search(
        r'name="transparency_agencies"[^>]*checked|checked[^>]*name="transparency_agencies"', after
    )

    agencies = table(
        public.get("/transparency?year=2026").get_data(as_text=True), "Reports by agency, 2026"
    )
    assert agencies["Dinas Kesehatan"] == ["8", "4"]
    assert agencies["Dinas Pendidikan dan Kebudayaan"] == ["7", "3"]
    assert agencies["Dinas Pekerjaan Umum dan Penataan Ruang"] == ["7", "0"]
    assert agencies["Total"] == ["22", "7"]

    # Unticked: off again, at once.
    post_form(admin, "/admin/settings", {})
    assert "The transparency page shows no figures per agency." in admin.get(
        "/admin/settings"
    ).get_data(as_text=True)
    assert "Dinas Kesehatan" not in public.get("/transparency?year=2026").get_data(as_text=True)
    with database(stats_db).session() as session:
        entries = session.execute(
            select(AuditEntry.action, AuditEntry.detail).where(
                AuditEntry.action == "setting.changed"
            )
        ).all()
    assert [tuple(entry) for entry in entries] == [
        ("setting.changed", "transparency_agencies on"),
        ("setting.changed", "transparency_agencies off"),
    ]


def test_only_admins_change_the_settings(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    create_officer(stats_db, init_result, "irban", {"supervisor", "leadership"})
    officer = english(stats_db.test_client())
    login(officer, "irban", STAFF_PASSWORD)
    assert officer.get("/admin/settings").status_code == 403
    refused = post_form(
        officer, "/admin/settings", {"transparency_agencies": "y"}, page="/admin/account"
    )
    assert refused.status_code == 403
    assert 'href="/admin/settings"' not in officer.get("/admin/account").get_data(as_text=True)
    with database(stats_db).session() as session:
        assert get_flag(session, TRANSPARENCY_AGENCIES) is False
    # Not logged in: to the login page.
    assert "/admin/login" in stats_db.test_client().get("/admin/settings").headers["Location"]


def test_the_page_works_without_any_report(app: Flask, init_result: InitResult) -> None:
    response = visitor(app).get("/transparency")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    yesterday = app.extensions["wbs.settings"].today() - timedelta(days=1)
    years = table(page, "Reports per year")
    assert list(years.values()) == [["0", "0", "0", "—"]]
    assert next(iter(years)).startswith(str(yesterday.year))
    assert table(page, f"Reports by category, {yesterday.year}")["Total"] == ["0", "0"]


def test_a_bad_year_says_why(stats_db: Flask) -> None:  # noqa: F811
    client = visitor(stats_db)
    response = client.get("/transparency?year=dua-ribu")
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Write the year with four digits, for example" in page
    assert "Reports per year" in page  # the page itself, not an error page
    response = client.get("/transparency?year=2019")
    assert response.status_code == 404
    page = html.unescape(response.get_data(as_text=True))
    assert "There are no figures for 2019." in page
    assert "Reports per year" in page


def test_the_page_needs_no_script_and_nothing_from_other_hosts(stats_db: Flask) -> None:  # noqa: F811
    response = visitor(stats_db).get("/transparency")
    page = response.get_data(as_text=True)
    assert "<script" not in page.lower()
    assert " style=" not in page and "<style" not in page
    assert not re.search(r'(?:src|href|action)="(?:https?:)?//', page)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    # Semantic tables: every table has a caption, every header a scope.
    assert page.count("<table") == page.count("<caption>")
    assert all('scope="' in header for header in re.findall(r"<th(?:\s[^>]*)?>", page))
    # Indonesian by default, and linked from every public page.
    plain = stats_db.test_client()
    assert '<html lang="id">' in plain.get("/transparency").get_data(as_text=True)
    assert 'href="/transparency"' in plain.get("/").get_data(as_text=True)
