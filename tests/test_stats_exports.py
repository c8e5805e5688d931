"""CSV and XLSX exports of the dashboard tables (issue 4): the page's figures, the same
small-cell protection, the period and filters in the file, Indonesian formats in XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Flask
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from tests.test_dashboard import leader, rows
from tests.test_statistics import stats_db  # noqa: F401 - the fixture of the hand-computed cases
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Agency, AuditEntry, Category
from wbs.small_cells import Cell, protect
from wbs.stats_export import (
    COUNT_FORMAT,
    DATE_FORMAT,
    DAYS_FORMAT,
    SHARE_FORMAT,
    Column,
    ExportTable,
    Row,
    sheet_name,
    to_csv,
    to_xlsx,
)
from wbs.stats_history import take_snapshot

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLE_KEYS = (
    "overview",
    "agencies",
    "categories",
    "months",
    "handling_times",
    "backlog",
    "overdue_history",
    "ranking",
)

# --- the writers (pure) ---------------------------------------------------------------------

SAMPLE = ExportTable(
    "sample",
    "Sample table",
    (
        Column("Name", "text"),
        Column("Cases"),
        Column("Median (days)", "days"),
        Column("Share", "share"),
        Column("Day", "date"),
    ),
    (
        Row(("=HYPERLINK(1)", protect(1234, 3), 37.300000000000004, 6 / 13, date(2026, 9, 30))),
        Row(("small", protect(2, 3), None, None, None), indent=1),
        Row(("hidden", Cell(None, True, 3, "complementary"), 7.0, 0.5, date(2026, 1, 1))),
        Row(("Total", 17, "", "", ""), total=True),
    ),
)
META = [("Period", "2026"), ("First day", date(2026, 1, 1)), ("Threshold", 3)]


def test_sheet_names_lose_forbidden_characters_and_stay_short_and_unique() -> None:
    assert sheet_name("Agency: [OPD] a/b\\c*d?e") == "Agency OPD a b c d e"
    assert sheet_name("'quoted'") == "quoted"
    assert sheet_name(" :*? ") == "Sheet"
    long = sheet_name("Agency ranking by substantiated findings")
    assert long == "Agency ranking by substantiated" and len(long) == 31
    assert sheet_name("About", ["ABOUT"]) == "About (2)"
    second = sheet_name("Agency ranking by substantiated findings", [long])
    assert second == "Agency ranking by substanti (2)" and len(second) == 31


def test_a_row_must_fill_every_column() -> None:
    with pytest.raises(ValueError, match="2 values for 1 columns"):
        ExportTable("t", "T", (Column("A"),), (Row((1, 2)),))


def test_csv_has_the_metadata_then_machine_readable_figures() -> None:
    body = to_csv(SAMPLE, META)
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines == [
        ["Period", "2026"],
        ["First day", "2026-01-01"],
        ["Threshold", "3"],
        [],
        ["Name", "Cases", "Median (days)", "Share", "Day"],
        # A text a spreadsheet would run as a formula is kept as text.
        ["'=HYPERLINK(1)", "1234", "37.3", "0.4615", "2026-09-30"],
        ["small", "< 3", "—", "—", "—"],
        ["hidden", "x", "7.0", "0.5", "2026-01-01"],
        ["Total", "17", "", "", ""],
    ]


def test_csv_of_several_tables_titles_each() -> None:
    lines = list(csv.reader(io.StringIO(to_csv([SAMPLE, SAMPLE], META).decode("utf-8-sig"))))
    assert lines[4] == ["Sample table"]
    assert lines.count(["Sample table"]) == 2
    assert lines[-1] == []


def open_workbook(body: bytes) -> Workbook:
    return load_workbook(io.BytesIO(body))


def test_xlsx_stores_numbers_and_dates_with_indonesian_formats() -> None:
    book = open_workbook(to_xlsx([SAMPLE], META, title="Integrity dashboard", about="Keterangan"))
    assert book.sheetnames == ["Keterangan", "Sample table"]
    about = book["Keterangan"]
    assert about["A1"].value == "Integrity dashboard"
    assert [(about.cell(n, 1).value, about.cell(n, 2).value) for n in (3, 5)] == [
        ("Period", "2026"),
        ("Threshold", 3),
    ]
    assert about["B4"].value == datetime(2026, 1, 1)
    assert about["B4"].number_format == DATE_FORMAT == "[$-421]d mmmm yyyy"

    sheet = book["Sample table"]
    assert sheet["A1"].value == "Sample table"
    assert [cell.value for cell in sheet[2]] == ["Name", "Cases", "Median (days)", "Share", "Day"]
    assert all(cell.font.b for cell in sheet[2])
    assert sheet.freeze_panes == "B3"
    name, count, days, share, day = sheet[3]
    assert name.value == "=HYPERLINK(1)" and name.data_type == "s"  # text, not a formula
    assert (count.value, count.number_format) == (1234, COUNT_FORMAT)
    assert COUNT_FORMAT == "#,##0"
    assert (days.value, days.number_format) == (37.3, DAYS_FORMAT)
    assert share.value == pytest.approx(6 / 13) and share.number_format == SHARE_FORMAT == "0.0%"
    assert (day.value, day.number_format) == (datetime(2026, 9, 30), DATE_FORMAT)
    small = sheet[4]
    assert [cell.value for cell in small] == ["small", "< 3", "—", "—", "—"]
    assert all(cell.alignment.horizontal == "right" for cell in small[1:])
    assert small[0].alignment.indent == 1
    assert sheet["B5"].value == "x" and sheet["B5"].data_type == "s"
    total = sheet[6]
    assert [cell.value for cell in total] == ["Total", 17, None, None, None]
    assert total[0].font.b
    assert sheet.column_dimensions["A"].width >= len("=HYPERLINK(1)")


# --- the exports of the dashboard -----------------------------------------------------------


def page_text(cell: Any) -> str:
    """What the English dashboard shows for an XLSX cell."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_date(value.date(), "medium", locale="en")
    if isinstance(value, int):
        return format_decimal(value, "#,##0", locale="en")
    if isinstance(value, float):
        if cell.number_format == SHARE_FORMAT:
            return format_decimal(value * 100, "#,##0.#", locale="en") + " %"
        return format_decimal(value, "#,##0.#", locale="en")
    return str(value)


def sheet_lines(sheet: Worksheet) -> list[list[str]]:
    """Header and rows (row 1 is the title), as the page would show them."""
    lines = []
    for row in sheet.iter_rows(min_row=2):
        texts = [page_text(cell) for cell in row]
        while texts and texts[-1] == "":
            texts.pop()
        lines.append(texts)
    return lines


def with_snapshots(app: Flask) -> Flask:
    """Two month-end snapshots of the fixture's backlog for the overdue history."""
    with database(app).session() as session:
        take_snapshot(session, date(2026, 8, 31))
        take_snapshot(session, date(2026, 9, 30))
    return app


def test_the_workbook_holds_every_table_with_the_page_figures(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = leader(with_snapshots(stats_db), init_result)
    page = client.get("/admin/dashboard?period=2026").get_data(as_text=True)
    response = client.get("/admin/dashboard/export.xlsx?period=2026")
    assert response.status_code == 200
    assert response.content_type == XLSX_TYPE
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="wbs-statistik-2026.xlsx"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    book = open_workbook(response.data)
    assert len(book.sheetnames) == 1 + len(TABLE_KEYS)
    compared = []
    for name in book.sheetnames[1:]:
        sheet = book[name]
        title = sheet["A1"].value
        shown = rows(page, title)
        header, *lines = sheet_lines(sheet)
        if title == "Backlog today":
            # The page puts the total's share beside its count, "6 (46.2 %)", not in a column.
            assert header.pop() == "Share"
            total = lines[-1]
            lines[-1] = [*total[:2], f"{total[2]} ({total[3]})"]
        if title != "Reports and their handling":  # the one table without a header
            assert shown[header[0]] == header[1:], title
        for first, *figures in lines:
            assert shown[first] == figures, (title, first)
            compared += figures
        assert len(lines) == len(shown) - (title != "Reports and their handling"), title
    assert {"< 3", "x", "—"} <= set(compared)

    about = book[book.sheetnames[0]]
    meta = {about.cell(n, 1).value: about.cell(n, 2) for n in range(3, about.max_row + 1)}
    assert meta["Period"].value == "2026"
    assert meta["First day"].value == datetime(2026, 1, 1)
    assert meta["Last day"].value == datetime(2026, 12, 31)
    assert meta["First day"].number_format == "[$-421]d mmmm yyyy"
    assert meta["Agency"].value == "All agencies"
    assert meta["Category"].value == "All categories"
    assert "“< 3”" in meta["Small counts"].value
    assert "ringan × 1 + sedang × 3 + berat × 5" in meta["Weighted findings"].value
    assert isinstance(meta["Generated on"].value, datetime)

    agencies = book["By agency (OPD)"]
    assert agencies["B3"].number_format == "#,##0" and isinstance(agencies["B3"].value, int)
    history = book["Past their deadline over time"]
    september = [row for row in history.iter_rows(min_row=3) if row[0].value == "2026-09"][0]
    assert september[1].value == datetime(2026, 9, 30)
    assert september[1].number_format == "[$-421]d mmmm yyyy"
    assert [september[2].value, september[3].value] == [13, 6]

    with database(stats_db).session() as session:
        action, detail = session.execute(
            select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.seq.desc()).limit(1)
        ).one()
    assert (action, detail) == ("stats.exported", "all 2026")


def csv_parts(body: bytes) -> tuple[dict[str, str], list[str], list[list[str]]]:
    """Metadata, header and rows of a one-table CSV."""
    assert body.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    blank = lines.index([])
    meta = {label: value for label, value in lines[:blank]}
    return meta, lines[blank + 1], lines[blank + 2 :]


def test_the_csv_of_the_agencies_matches_the_page(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = leader(stats_db, init_result)
    page = client.get("/admin/dashboard?period=2026-Q1").get_data(as_text=True)
    response = client.get("/admin/dashboard/export.csv?table=agencies&period=2026-Q1")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="wbs-statistik-2026-Q1-agencies.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    meta, header, lines = csv_parts(response.data)
    assert meta["Integrity dashboard"] == "By agency (OPD)"
    assert (meta["Period"], meta["First day"], meta["Last day"]) == (
        "2026-Q1",
        "2026-01-01",
        "2026-03-31",
    )
    assert meta["Agency"] == "All agencies"
    assert "Weighted findings" not in meta  # the weights go with the ranking only
    shown = rows(page, "By agency (OPD)")
    assert shown[header[0]] == header[1:]
    assert {first: figures for first, *figures in lines} == {
        first: figures for first, figures in shown.items() if first != header[0]
    }
    assert any("< 3" in figures for _, *figures in lines)

    for key in TABLE_KEYS:
        response = client.get(f"/admin/dashboard/export.csv?table={key}&period=2026-Q1")
        assert response.status_code == 200, key
        assert response.headers["Content-Disposition"].endswith(f'-2026-Q1-{key}.csv"')
    ranking, _, _ = csv_parts(response.data)
    assert "ringan × 1 + sedang × 3 + berat × 5" in ranking["Weighted findings"]


def test_a_filtered_export_holds_only_the_chosen_figures(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    with database(stats_db).session() as session:
        dinkes = session.scalar(select(Agency.name).where(Agency.code == "DINKES"))
        korupsi = session.scalar(select(Category.name_en).where(Category.code == "korupsi"))
    client = leader(stats_db, init_result)
    args = "period=2026&agency=DINKES"
    page = client.get(f"/admin/dashboard?{args}").get_data(as_text=True)
    response = client.get(f"/admin/dashboard/export.csv?table=agencies&{args}")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="wbs-statistik-2026-DINKES-agencies.csv"'
    )
    meta, header, lines = csv_parts(response.data)
    assert meta["Agency"] == f"{dinkes} (DINKES)"
    assert meta["Category"] == "All categories"
    assert [line[0] for line in lines] == [dinkes, "Total"]
    assert lines[0][1:] == rows(page, "By agency (OPD)")[dinkes] == ["8", "4", "5"]

    args = "from=2026-01-01&until=2026-06-30&agency=DINKES&category=korupsi"
    response = client.get(f"/admin/dashboard/export.xlsx?{args}")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="wbs-statistik-2026-01-01_2026-06-30-DINKES-korupsi.xlsx"'
    )
    book = open_workbook(response.data)
    about = book[book.sheetnames[0]]
    meta_cells = {about.cell(n, 1).value: about.cell(n, 2).value for n in range(3, 12)}
    assert meta_cells["Period"] == "2026-01-01..2026-06-30"
    assert meta_cells["Agency"] == f"{dinkes} (DINKES)"
    assert meta_cells["Category"] == f"{korupsi} (korupsi)"  # English names for an English reader
    agencies = sheet_lines(book["By agency (OPD)"])
    assert [line[0] for line in agencies[1:]] == [dinkes, "Total"]
    # DINKES korupsi cases 1, 2, 10 and 17 in the first half: 4 received, 3 substantiated.
    assert agencies[1][1:3] == ["4", "3"]
    categories = sheet_lines(book["By category"])
    assert [line[0] for line in categories[1:]] == [korupsi, "Total"]


def test_unknown_tables_and_bad_requests_are_refused(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = leader(stats_db, init_result)
    assert client.get("/admin/dashboard/export.csv?table=cases&period=2026").status_code == 404
    assert client.get("/admin/dashboard/export.csv?period=2026").status_code == 404
    response = client.get("/admin/dashboard/export.csv?table=agencies&period=2026-13")
    assert response.status_code == 400
    assert "A month runs from 01 to 12." in response.get_data(as_text=True)
    response = client.get("/admin/dashboard/export.xlsx?from=2026-05-01&until=2026-04-01")
    assert response.status_code == 400
    assert "The last day comes before the first." in response.get_data(as_text=True)
    response = client.get("/admin/dashboard/export.xlsx?period=2026&agency=NOPE")
    assert response.status_code == 400
    assert "There is no agency with this code." in response.get_data(as_text=True)
    with database(stats_db).session() as session:
        exported = session.scalars(
            select(AuditEntry.seq).where(AuditEntry.action == "stats.exported")
        ).all()
    assert exported == []  # nothing left the application


def test_only_dashboard_roles_may_export(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    intake = leader(stats_db, init_result, {"intake"})
    assert intake.get("/admin/dashboard/export.csv?table=agencies").status_code == 403
    assert intake.get("/admin/dashboard/export.xlsx").status_code == 403
    anonymous = stats_db.test_client()
    response = anonymous.get("/admin/dashboard/export.xlsx?period=2026")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]
