"""Import and export of performance trees with targets and realisations (issue 5): good
XLSX and CSV files, the round trip export → import, bad files with their exact row and
column and nothing saved, and who may import what."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.sakip_helpers import YEAR, agency_account, agency_id, build_tree, staff_account
from tests.staff_helpers import csrf_token
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import AuditEntry, Indicator, IndicatorValue, PerformanceNode

# The layout as agencies keep it: no Kode Induk, the tree given by the order of the rows.
HEADER = [
    "Kode",
    "Tingkat",
    "Uraian",
    "Indikator",
    "Satuan",
    "Polaritas",
    "Target",
    "Target Atas",
    "Realisasi TW I",
    "Realisasi TW II",
    "Realisasi Tahunan",
]
# DISDIK's tree, 2026: a sasaran with two indicators (the second on a merged row), a
# programme, a kegiatan with a range indicator and a sub kegiatan without indicators.
ROWS: list[list[object]] = [
    ["S.1", "sasaran", "Meningkatnya mutu pendidikan", "Angka partisipasi murni", "%", "naik",
     95, None, 40, 60.5, 90.25],
    [None, None, None, "Rata-rata lama sekolah", "tahun", "Naik", 9, None, None, None, "8,1"],
    ["1.01.02", "program", "Program pengelolaan pendidikan", "Sekolah terakreditasi", "unit",
     "higher", "1.234", None, None, None, "1.234,5"],
    ["1.01.02.2.01", "kegiatan", "Pengelolaan pendidikan SD", "Rasio murid per guru", "murid",
     "rentang", 20, 25, None, None, 27],
    ["1.01.02.2.01.0001", "sub kegiatan", "Pembangunan ruang kelas", None, None, None,
     None, None, None, None, None],
]  # fmt: skip


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def xlsx_file(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows: list[list[object]], header: list[str] = HEADER, delimiter: str = ";") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows([["" if cell is None else cell for cell in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


def transfer_path(agency: int | None) -> str:
    return "/sakip/pemda/transfer" if agency is None else f"/sakip/agencies/{agency}/transfer"


def upload(
    client: FlaskClient,
    agency: int | None,
    data: bytes,
    filename: str,
    *,
    check: bool = False,
    year: int = YEAR,
) -> TestResponse:
    path = transfer_path(agency)
    form = {
        "csrf_token": csrf_token(client, path),
        "year": str(year),
        "sheet": (io.BytesIO(data), filename),
        "check" if check else "save": "1",
    }
    return client.post(path, data=form, content_type="multipart/form-data")


def snapshot(app: Flask) -> list[tuple[object, ...]]:
    """Every stored node, indicator and value: what "nothing imported" compares."""
    with database(app).session() as session:
        rows: list[tuple[object, ...]] = []
        for model in (PerformanceNode, Indicator, IndicatorValue):
            columns = [getattr(model, c.key) for c in model.__table__.columns]
            rows += [(model.__name__, *row) for row in session.execute(select(*columns))]
    return sorted(rows, key=repr)


def stored_tree(app: Flask, agency: int) -> dict[str, object]:
    """code → (level, name, parent code, {indicator: (unit, polarity, {period: values})})."""
    with database(app).session() as session:
        nodes = list(
            session.scalars(select(PerformanceNode).where(PerformanceNode.agency_id == agency))
        )
        codes = {node.id: node.code for node in nodes}
        tree: dict[str, object] = {}
        for node in nodes:
            indicators = {}
            for indicator in session.scalars(
                select(Indicator).where(Indicator.node_id == node.id).order_by(Indicator.sort_order)
            ):
                values = {
                    value.period: (value.target, value.target_high, value.realisation)
                    for value in session.scalars(
                        select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id)
                    )
                }
                indicators[indicator.name] = (indicator.unit, indicator.polarity, values)
            tree[node.code] = (node.level, node.name, codes.get(node.parent_id or 0), indicators)
    return tree


def audit_details(app: Flask, action: str) -> list[str]:
    with database(app).session() as session:
        return list(session.scalars(select(AuditEntry.detail).where(AuditEntry.action == action)))


D = Decimal


# --- good files ------------------------------------------------------------------------------


def test_an_officer_imports_a_tree_with_targets_and_realisations_from_xlsx(
    app: Flask, init_result: InitResult
) -> None:
    disdik = agency_id(app, "DISDIK")
    client = staff_account(app, init_result, "sakip", {"sakip"})
    response = upload(client, disdik, xlsx_file(ROWS), "renja-2026.xlsx")
    assert response.status_code == 302, text(response.get_data(as_text=True))
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Imported: 4 nodes and 4 indicators added, 0 updated, 6 period values changed." in page
    tree = stored_tree(app, disdik)
    assert tree["S.1"] == (
        "sasaran",
        "Meningkatnya mutu pendidikan",
        None,
        {
            "Angka partisipasi murni": (
                "%",
                "higher",
                {
                    "Y": (D(95), None, D("90.25")),
                    "Q1": (None, None, D(40)),
                    "Q2": (None, None, D("60.5")),
                },
            ),
            # The merged row (no Kode) is a second indicator of S.1; "8,1" is 8.1.
            "Rata-rata lama sekolah": ("tahun", "higher", {"Y": (D(9), None, D("8.1"))}),
        },
    )
    # Indonesian numbers: "1.234" is one thousand two hundred thirty-four.
    assert tree["1.01.02"] == (
        "program",
        "Program pengelolaan pendidikan",
        "S.1",
        {"Sekolah terakreditasi": ("unit", "higher", {"Y": (D(1234), None, D("1234.5"))})},
    )
    assert tree["1.01.02.2.01"][2] == "1.01.02"  # type: ignore[index]
    assert tree["1.01.02.2.01"][3] == {  # type: ignore[index]
        "Rasio murid per guru": ("murid", "range", {"Y": (D(20), D(25), D(27))})
    }
    assert tree["1.01.02.2.01.0001"] == (
        "sub_kegiatan",
        "Pembangunan ruang kelas",
        "1.01.02.2.01",
        {},
    )
    # The page of the tree computes the achievements: 27 above the range 20-25 is
    # (2 - 27 / 25) x 100 = 92 %.
    tree_page = text(client.get(f"/sakip/agencies/{disdik}?year=2026").get_data(as_text=True))
    assert "92 % Sangat Tinggi" in tree_page
    assert audit_details(app, "sakip.imported") == [
        f"agency {disdik} year 2026 rows 5 nodes +4 ~0 indicators +4 ~0 values 6"
    ]


def test_a_semicolon_csv_with_a_title_line_and_indonesian_decimals(
    app: Flask, init_result: InitResult
) -> None:
    disdik = agency_id(app, "DISDIK")
    client = staff_account(app, init_result, "sakip", {"sakip"})
    # Excel in an Indonesian locale: ";" between cells, a byte-order mark, decimal commas,
    # title lines above the header, the columns in another order, an extra "No" column.
    body = (
        "\ufeffRENCANA KINERJA DINAS PENDIDIKAN;;;;;;\r\n"
        "Tahun 2026;;;;;;\r\n"
        "No;Uraian;Kode;Tingkat;Indikator;Satuan;Polaritas;Target;Realisasi Tahunan\r\n"
        '1;Meningkatnya mutu;S.1;Sasaran;Angka putus sekolah;%;turun;"1,5";1,25\r\n'
        "2;Program SD;1.01.02;program;Anggaran terserap;Rp;naik;1.250.000.000;987.654.321,5\r\n"
    ).encode()
    response = upload(client, disdik, body, "kinerja.csv")
    assert response.status_code == 302, text(response.get_data(as_text=True))
    tree = stored_tree(app, disdik)
    assert tree["S.1"] == (
        "sasaran",
        "Meningkatnya mutu",
        None,
        {"Angka putus sekolah": ("%", "lower", {"Y": (D("1.5"), None, D("1.25"))})},
    )
    assert tree["1.01.02"] == (
        "program",
        "Program SD",
        "S.1",
        {"Anggaran terserap": ("Rp", "higher", {"Y": (D(1250000000), None, D("987654321.5"))})},
    )


def test_a_comma_csv_with_plain_decimals(app: Flask, init_result: InitResult) -> None:
    disdik = agency_id(app, "DISDIK")
    client = staff_account(app, init_result, "sakip", {"sakip"})
    rows = [["S.1", "sasaran", "Mutu", "Indeks kepuasan", "indeks", "range", "3.5", "4.25",
             "", "", "3.75"]]  # fmt: skip
    response = upload(client, disdik, csv_file(rows, delimiter=","), "kinerja.csv")
    assert response.status_code == 302, text(response.get_data(as_text=True))
    assert stored_tree(app, disdik)["S.1"] == (
        "sasaran",
        "Mutu",
        None,
        {"Indeks kepuasan": ("indeks", "range", {"Y": (D("3.5"), D("4.25"), D("3.75"))})},
    )


def test_xlsx_number_cells_percentages_and_long_fractions(
    app: Flask, init_result: InitResult
) -> None:
    disdik = agency_id(app, "DISDIK")
    client = staff_account(app, init_result, "sakip", {"sakip"})
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(
        ["S.1", "sasaran", "Mutu", "Kelulusan", "%", "naik", 0.95, None, None, None, 1 / 3]
    )
    sheet["G2"].number_format = "0%"  # shown as 95 %: the target is 95, not 0.95
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, disdik, buffer.getvalue(), "angka.xlsx")
    assert response.status_code == 302, text(response.get_data(as_text=True))
    values = stored_tree(app, disdik)["S.1"][3]["Kelulusan"][2]  # type: ignore[index]
    # A computed 0.333333... keeps the 4 decimals the database stores.
    assert values == {"Y": (D(95), None, D("0.3333"))}


def test_checking_a_file_says_what_would_change_and_saves_nothing(
    app: Flask, init_result: InitResult
) -> None:
    disdik = agency_id(app, "DISDIK")
    client = staff_account(app, init_result, "sakip", {"sakip"})
    before = snapshot(app)
    response = upload(client, disdik, xlsx_file(ROWS), "renja.xlsx", check=True)
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    assert "The file is correct; nothing has been saved yet." in page
    assert "would add 4 nodes and 4 indicators, update 0, and change 6 period values" in page
    assert snapshot(app) == before
    assert audit_details(app, "sakip.imported") == []


def test_an_import_updates_what_is_stored(app: Flask, init_result: InitResult) -> None:
    ids = build_tree(app)
    client = staff_account(app, init_result, "sakip", {"sakip"})
    rows = [
        ["S.1", "sasaran", "Meningkatnya derajat kesehatan masyarakat", "Angka kematian bayi",
         "per 1.000", "turun", 7, None, None, None, "6,9"],
    ]  # fmt: skip
    response = upload(client, ids["agency"], xlsx_file(rows), "update.xlsx")
    assert response.status_code == 302
    tree = stored_tree(app, ids["agency"])
    # Renamed, the realisation changed; the programme, not in the file, stays.
    assert tree["S.1"] == (
        "sasaran",
        "Meningkatnya derajat kesehatan masyarakat",
        None,
        {"Angka kematian bayi": ("per 1.000", "lower", {"Y": (D(7), None, D("6.9"))})},
    )
    assert tree["1.02.02"][2] == "S.1"  # type: ignore[index]
    assert audit_details(app, "sakip.imported")[-1].endswith(
        "rows 1 nodes +0 ~1 indicators +0 ~0 values 1"
    )


# --- round trip ------------------------------------------------------------------------------


def _richer_tree(app: Flask) -> dict[str, int]:
    """build_tree plus quarterly values and a range indicator on a kegiatan, and names
    that start like a spreadsheet formula."""
    ids = build_tree(app)
    with database(app).session() as session:
        kegiatan = PerformanceNode(
            agency_id=ids["agency"],
            parent_id=ids["program"],
            level="kegiatan",
            code="1.02.02.2.01",
            name="=Penyediaan layanan kesehatan",
            sort_order=1,
        )
        session.add(kegiatan)
        session.flush()
        indicator = Indicator(
            node_id=kegiatan.id, name="-Rasio dokter", unit="per 1.000", polarity="range"
        )
        session.add(indicator)
        session.flush()
        now = datetime(2026, 4, 2, 8, 0)
        for period, low, high, realisation in (
            ("Y", "0.5", "1.25", "1.3"),
            ("Q1", "0.1", "0.2", "0.15"),
        ):
            session.add(
                IndicatorValue(
                    indicator_id=indicator.id,
                    year=YEAR,
                    period=period,
                    target=D(low),
                    target_high=D(high),
                    realisation=D(realisation),
                    updated_at=now,
                )
            )
        session.add(
            IndicatorValue(
                indicator_id=ids["Cakupan imunisasi"],
                year=YEAR,
                period="Q2",
                target=D("47.5"),
                realisation=D("1234567.8901"),
                updated_at=now,
            )
        )
    return ids


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(
    app: Flask, init_result: InitResult, extension: str
) -> None:
    ids = _richer_tree(app)
    client = staff_account(app, init_result, "sakip", {"sakip"})
    response = client.get(f"/sakip/agencies/{ids['agency']}/export.{extension}?year=2026")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="sakip-DINKES-2026.{extension}"'
    )
    body = response.get_data()
    before = snapshot(app)
    result = upload(client, ids["agency"], body, f"sakip-DINKES-2026.{extension}")
    assert result.status_code == 302, text(result.get_data(as_text=True))
    page = text(client.get(result.headers["Location"]).get_data(as_text=True))
    assert "The file matches what is stored: nothing changed." in page
    assert snapshot(app) == before
    assert audit_details(app, "sakip.imported")[-1].endswith(
        "rows 4 nodes +0 ~0 indicators +0 ~0 values 0"
    )


def test_the_export_has_the_layout_and_the_capaian(app: Flask, init_result: InitResult) -> None:
    ids = _richer_tree(app)
    client = staff_account(app, init_result, "leader", {"leadership"})
    body = client.get(f"/sakip/agencies/{ids['agency']}/export.csv?year=2026").get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header = records[0]
    assert header[:9] == [
        "Kode", "Kode Induk", "Tingkat", "Uraian", "Indikator", "Satuan", "Polaritas",
        "Target", "Target Atas",
    ]  # fmt: skip
    assert header[-2:] == ["Realisasi Tahunan", "Capaian Tahunan (%)"]
    by_indicator = {record[4]: dict(zip(header, record, strict=True)) for record in records[1:]}
    infant = by_indicator["Angka kematian bayi"]
    assert (infant["Kode"], infant["Polaritas"], infant["Target"]) == ("S.1", "turun", "7")
    # (2 - 6.5 / 7) x 100 = 107.142857... shown to two decimals, with a decimal comma.
    assert (infant["Realisasi Tahunan"], infant["Capaian Tahunan (%)"]) == ("6,5", "107,14")
    missing = by_indicator["Puskesmas terakreditasi"]
    assert (missing["Realisasi Tahunan"], missing["Capaian Tahunan (%)"]) == ("", "")
    # A text that starts like a formula is written as text, not run by the spreadsheet.
    doctors = by_indicator["'-Rasio dokter"]
    assert doctors["Uraian"] == "'=Penyediaan layanan kesehatan"
    assert (doctors["Target"], doctors["Target Atas"], doctors["Kode Induk"]) == (
        "0,5",
        "1,25",
        "1.02.02",
    )
    immunisation = by_indicator["Cakupan imunisasi"]
    assert (immunisation["Target TW II"], immunisation["Realisasi TW II"]) == (
        "47,5",
        "1234567,8901",
    )
    workbook = load_workbook(
        io.BytesIO(client.get(f"/sakip/agencies/{ids['agency']}/export.xlsx?year=2026").data)
    )
    sheet = workbook.worksheets[0]
    cells = {sheet.cell(1, column).value: column for column in range(1, sheet.max_column + 1)}
    assert sheet.cell(2, cells["Uraian"]).value == "Meningkatnya derajat kesehatan"
    assert sheet.cell(2, cells["Target"]).value == 7  # a number cell, not text
    assert sheet.cell(2, cells["Capaian Tahunan (%)"]).value == pytest.approx(107.14)


# --- bad files -------------------------------------------------------------------------------


GOOD_ROW = ["S.9", "sasaran", "Sasaran baru", "Indikator baru", "%", "naik", 50, None, 10, 20, 45]


def _replace(index: int, column: str, value: object) -> list[list[object]]:
    rows = [list(row) for row in ROWS]
    rows[index][HEADER.index(column)] = value
    return rows


BAD_FILES = {
    "bad number": (_replace(2, "Target", "12,3,4"), (4, "Target", "“12,3,4” is not a number")),
    "range without upper bound": (
        _replace(3, "Target Atas", None),
        (5, "Target Atas", "A range (rentang) target needs its upper bound here."),
    ),
    "reversed range": (
        _replace(3, "Target Atas", 15),
        (5, "Target Atas", "The upper bound is below the lower bound."),
    ),
    "unknown polarity": (
        _replace(0, "Polaritas", "naik-turun"),
        (2, "Polaritas", "“naik-turun” is not a polarity"),
    ),
    "unknown level": (
        _replace(2, "Tingkat", "urusan"),
        (4, "Tingkat", "“urusan” is not a level"),
    ),
    "duplicate row": (ROWS[:3] + [ROWS[2]], (5, "Indikator", "This repeats row 4.")),
    "kegiatan above its programme": (
        [ROWS[0], ROWS[3], ROWS[2]],
        (3, "Tingkat", "By its code this node belongs below 1.01.02 (row 4)"),
    ),
    "too many decimals": (
        _replace(0, "Realisasi Tahunan", "90,12345"),
        (2, "Realisasi Tahunan", "“90,12345” has more than 4 decimals."),
    ),
    "value on a node without indicator": (
        _replace(4, "Target", 3),
        (6, "Target", "A value on a row without an indicator"),
    ),
    "missing unit": (_replace(0, "Satuan", None), (2, "Satuan", "This cell must be filled in.")),
    "a node's rows apart": (
        [ROWS[0], ROWS[2], ["S.1", "sasaran", "Mutu", "Lain", "%", "naik", 1]],
        (4, "Kode", "This code already appears at row 2"),
    ),
    "a node named twice": (
        [ROWS[0], ["S.1", None, "Mutu", "Lain", "%", "naik", 1]],
        (3, "Uraian", "This differs from row 2, which has the same code."),
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_wrong_row_names_its_row_and_column_and_nothing_is_imported(
    app: Flask, init_result: InitResult, case: str
) -> None:
    rows, (row, column, message) = BAD_FILES[case]
    disdik = agency_id(app, "DISDIK")
    client = staff_account(app, init_result, "sakip", {"sakip"})
    before = snapshot(app)
    # The good rows around the wrong one are not saved either.
    for data, filename in (
        (xlsx_file([*rows, GOOD_ROW]), "bad.xlsx"),
        (csv_file([*rows, GOOD_ROW]), "bad.csv"),
    ):
        response = upload(client, disdik, data, filename)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        problems = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
        assert [(int(r), html.unescape(c)) for r, c, _m in problems] == [(row, column)], problems
        assert message in html.unescape(problems[0][2])
        assert "Nothing was imported." in text(page)
        assert snapshot(app) == before
    assert audit_details(app, "sakip.imported") == []


def test_a_missing_column_is_named_at_the_header_row(app: Flask, init_result: InitResult) -> None:
    disdik = agency_id(app, "DISDIK")
    client = staff_account(app, init_result, "sakip", {"sakip"})
    header = [title for title in HEADER if title != "Polaritas"]
    rows = [[cell for index, cell in enumerate(row) if index != 5] for row in ROWS]
    before = snapshot(app)
    response = upload(client, disdik, xlsx_file(rows, header), "no-polarity.xlsx")
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert "Row Column What is wrong 1 Polaritas This column is missing." in page
    # A misspelt period is not silently ignored.
    header = [*HEADER[:-1], "Realisasi TW V"]
    response = upload(client, disdik, csv_file(ROWS, header), "typo.csv")
    assert "1 Realisasi TW V Unknown column." in text(response.get_data(as_text=True))
    assert snapshot(app) == before


def test_a_parent_must_be_at_a_higher_level(app: Flask, init_result: InitResult) -> None:
    disdik = agency_id(app, "DISDIK")
    client = staff_account(app, init_result, "sakip", {"sakip"})
    header = ["Kode", "Kode Induk", "Tingkat", "Uraian", "Indikator", "Satuan", "Polaritas"]
    rows = [
        ["K.1", None, "kegiatan", "Kegiatan", "Jumlah", "unit", "naik"],
        ["P.1", "K.1", "program", "Program", "Jumlah", "unit", "naik"],
    ]
    response = upload(client, disdik, xlsx_file(rows, header), "levels.xlsx")
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert (
        "Row Column What is wrong 3 Tingkat The level must be below the level of its parent K.1."
        in page
    )
    # A parent the file and the tree do not have.
    rows[1][1] = "Z.9"
    response = upload(client, disdik, xlsx_file(rows, header), "levels.xlsx")
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert "Row Column What is wrong 3 Kode Induk No node has the code “Z.9”." in page
    assert stored_tree(app, disdik) == {}


def test_an_import_keeps_the_tree_a_tree(app: Flask, init_result: InitResult) -> None:
    ids = build_tree(app)
    client = staff_account(app, init_result, "sakip", {"sakip"})
    header = ["Kode", "Kode Induk", "Tingkat", "Uraian", "Indikator", "Satuan", "Polaritas"]
    before = snapshot(app)
    # S.1 below its own programme: a loop, and a sasaran below a programme.
    rows = [["S.1", "1.02.02", "sasaran", "Meningkatnya derajat kesehatan", None, None, None]]
    response = upload(client, ids["agency"], xlsx_file(rows, header), "loop.xlsx")
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert "2 Tingkat The level must be below the level of its parent 1.02.02." in page
    assert "2 Kode Induk The node would end up below itself." in page
    # S.1 made a kegiatan while its programme (not in the file) stays below it.
    rows = [["S.1", "", "kegiatan", "Meningkatnya derajat kesehatan", None, None, None]]
    response = upload(client, ids["agency"], xlsx_file(rows, header), "relevel.xlsx")
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert "2 Tingkat The nodes below it would no longer be at a lower level." in page
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("kinerja.xlsx", b"", "The file is empty."),
        ("kinerja.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "Excel 97-2003 (.xls)"),
        ("kinerja.pdf", b"%PDF-1.7", "Choose an Excel workbook (.xlsx) or a CSV file (.csv)."),
        ("kinerja.xlsx", b"not a zip at all", "cannot be read as an Excel workbook"),
        ("kinerja.csv", "Kode;Uraian\nS.1;Pelayanan\xe9\n".encode("cp1252"), "not UTF-8 text"),
        ("kinerja.csv", b"Nama;Nilai\nA;1\n", "No header row was found"),
        ("kinerja.csv", ";".join(HEADER).encode(), "The file has a header row but no rows"),
        ("kinerja.csv", b"x" * (5 * 1024 * 1024 + 1), "The file is larger than 5 MB"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(
    app: Flask, init_result: InitResult, filename: str, data: bytes, message: str
) -> None:
    disdik = agency_id(app, "DISDIK")
    client = staff_account(app, init_result, "sakip", {"sakip"})
    response = upload(client, disdik, data, filename)
    assert response.status_code == 400
    assert message in text(response.get_data(as_text=True))
    assert stored_tree(app, disdik) == {}


def test_the_form_needs_a_file_and_a_year(app: Flask, init_result: InitResult) -> None:
    disdik = agency_id(app, "DISDIK")
    client = staff_account(app, init_result, "sakip", {"sakip"})
    path = transfer_path(disdik)
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "year": "1999", "save": "1"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Give a year between 2000 and 2100." in text(response.get_data(as_text=True))
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "year": "2026", "save": "1"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Choose the file to import." in text(response.get_data(as_text=True))
    # Without the CSRF token nothing is read.
    response = client.post(
        path,
        data={"year": "2026", "sheet": (io.BytesIO(xlsx_file(ROWS)), "a.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert stored_tree(app, disdik) == {}


# --- who may import what ---------------------------------------------------------------------


def test_agency_staff_import_realisations_only(app: Flask, init_result: InitResult) -> None:
    ids = build_tree(app)
    officer = staff_account(app, init_result, "sakip", {"sakip"})
    exported = officer.get(f"/sakip/agencies/{ids['agency']}/export.csv?year=2026").get_data()
    records = list(csv.reader(io.StringIO(exported.decode("utf-8-sig")), delimiter=";"))
    header = records[0]
    staff = agency_account(app, init_result, "operator", {"agency_staff"}, "DINKES")

    def with_cell(indicator: str, column: str, value: str) -> bytes:
        changed = [list(record) for record in records]
        for record in changed[1:]:
            if record[4] == indicator:
                record[header.index(column)] = value
        return csv_file(changed[1:], header)

    # The realisation of the accredited health centres, missing until now: accepted.
    body = with_cell("Puskesmas terakreditasi", "Realisasi Tahunan", "18")
    response = upload(staff, ids["agency"], body, "realisasi.csv")
    assert response.status_code == 302, text(response.get_data(as_text=True))
    values = stored_tree(app, ids["agency"])["1.02.02"][3]  # type: ignore[index]
    assert values["Puskesmas terakreditasi"][2]["Y"] == (D(20), None, D(18))
    # A changed target, unit, a new indicator: refused, each at its cell, nothing saved.
    before = snapshot(app)
    changed = [list(record) for record in records[1:]]
    changed[0][header.index("Target")] = "8"
    changed[1][header.index("Satuan")] = "persen"
    changed.append(["1.02.02", "S.1", "program", changed[1][3], "Indikator baru", "%", "naik"])
    changed[0][header.index("Realisasi Tahunan")] = "6"
    response = upload(staff, ids["agency"], csv_file(changed, header), "ubah.csv")
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert (
        "2 Target Only SAKIP officers may change this; your file must keep the stored value “7”."
        in page
    )
    assert "3 Satuan Only SAKIP officers may change this" in page and "“%”" in page
    assert "5 Indikator This node has no active indicator “Indikator baru”." in page
    assert snapshot(app) == before
    # A node the tree does not have.
    rows = [["9.99", "", "program", "Program lain", "Jumlah", "unit", "naik"]]
    response = upload(staff, ids["agency"], csv_file(rows, header[:7]), "baru.csv")
    assert "2 Kode No active node has the code “9.99”." in text(response.get_data(as_text=True))
    assert snapshot(app) == before


def test_who_reaches_import_and_export(app: Flask, init_result: InitResult) -> None:
    ids = build_tree(app)
    dinkes, disdik = ids["agency"], agency_id(app, "DISDIK")
    own = agency_account(app, init_result, "operator", {"agency_staff"}, "DINKES")
    other = agency_account(app, init_result, "operator2", {"agency_staff"}, "DISDIK")
    head = agency_account(app, init_result, "kadis", {"agency_head"}, "DINKES")
    leader = staff_account(app, init_result, "bupati", {"leadership"})
    intake = staff_account(app, init_result, "verifikator", {"intake"})
    officer = staff_account(app, init_result, "sakip", {"sakip"})
    pages = {
        "transfer": f"/sakip/agencies/{dinkes}/transfer",
        "export": f"/sakip/agencies/{dinkes}/export.xlsx",
        "template": "/sakip/transfer/template.xlsx",
        "pemda transfer": "/sakip/pemda/transfer",
        "pemda export": "/sakip/pemda/export.csv",
    }
    expected = {
        "own": (own, {"transfer": 200, "export": 200, "template": 200, "pemda transfer": 404,
                      "pemda export": 404}),
        "other": (other, {"transfer": 404, "export": 404, "template": 200,
                          "pemda transfer": 404, "pemda export": 404}),
        "head": (head, {"transfer": 403, "export": 200, "template": 403,
                        "pemda transfer": 403, "pemda export": 404}),
        "leader": (leader, {"transfer": 403, "export": 200, "template": 403,
                            "pemda transfer": 403, "pemda export": 200}),
        "intake": (intake, {"transfer": 403, "export": 403, "template": 403,
                            "pemda transfer": 403, "pemda export": 403}),
        "officer": (officer, {"transfer": 200, "export": 200, "template": 200,
                              "pemda transfer": 200, "pemda export": 200}),
    }  # fmt: skip
    for who, (client, statuses) in expected.items():
        for name, status in statuses.items():
            assert client.get(pages[name]).status_code == status, (who, name)
    # Another agency's import answers 404 to a POST too, and saves nothing.
    before = snapshot(app)
    form = {"year": "2026", "sheet": (io.BytesIO(xlsx_file(ROWS)), "a.xlsx"), "save": "1"}
    token = csrf_token(other, f"/sakip/agencies/{disdik}/transfer")
    response = other.post(
        pages["transfer"], data={**form, "csrf_token": token}, content_type="multipart/form-data"
    )
    assert response.status_code == 404
    token = csrf_token(leader, "/sakip/")
    assert leader.post(pages["transfer"], data={"csrf_token": token}).status_code == 403
    assert snapshot(app) == before
    # An agency that does not exist, a format that is not offered.
    assert officer.get("/sakip/agencies/9999/transfer").status_code == 404
    assert officer.get(f"/sakip/agencies/{disdik}/export.pdf").status_code == 404
    assert officer.get("/sakip/transfer/template.ods").status_code == 404


def test_the_pemda_tree_is_imported_by_sakip_officers(app: Flask, init_result: InitResult) -> None:
    client = staff_account(app, init_result, "sakip", {"sakip"})
    rows = [
        ["T.1", "tujuan", "Meningkatkan kualitas SDM", "IPM", "indeks", "naik", "72,5", None,
         None, None, "73,1"],
        ["S.1", "sasaran", "Meningkatnya derajat kesehatan", "Usia harapan hidup", "tahun",
         "naik", 71, None, None, None, None],
    ]  # fmt: skip
    response = upload(client, None, xlsx_file(rows), "rpjmd.xlsx")
    assert response.status_code == 302, text(response.get_data(as_text=True))
    with database(app).session() as session:
        nodes = {
            node.code: node
            for node in session.scalars(
                select(PerformanceNode).where(PerformanceNode.agency_id.is_(None))
            )
        }
        assert nodes["S.1"].parent_id == nodes["T.1"].id
    exported = client.get("/sakip/pemda/export.xlsx?year=2026")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="sakip-pemda-2026.xlsx"'
    before = snapshot(app)
    response = upload(client, None, exported.get_data(), "pemda.xlsx")
    assert response.headers["Location"] == "/sakip/pemda/transfer?year=2026"
    assert snapshot(app) == before


def test_the_template_is_the_empty_layout(app: Flask, init_result: InitResult) -> None:
    client = staff_account(app, init_result, "sakip", {"sakip"})
    page = text(
        client.get(f"/sakip/agencies/{agency_id(app, 'DISDIK')}/transfer").get_data(as_text=True)
    )
    assert "Realisasi TW I … Realisasi TW IV, Realisasi Tahunan" in page
    template = client.get("/sakip/transfer/template.csv").get_data().decode("utf-8-sig")
    assert template.splitlines() == [
        "Kode;Kode Induk;Tingkat;Uraian;Indikator;Satuan;Polaritas;Target;Target Atas;"
        "Target TW I;Target Atas TW I;Target TW II;Target Atas TW II;Target TW III;"
        "Target Atas TW III;Target TW IV;Target Atas TW IV;Realisasi TW I;Realisasi TW II;"
        "Realisasi TW III;Realisasi TW IV;Realisasi Tahunan;Capaian Tahunan (%)"
    ]
    workbook = load_workbook(io.BytesIO(client.get("/sakip/transfer/template.xlsx").data))
    assert [cell.value for cell in workbook.worksheets[0][1]][:3] == [
        "Kode",
        "Kode Induk",
        "Tingkat",
    ]
