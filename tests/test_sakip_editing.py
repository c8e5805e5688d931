"""Editing e-SAKIP performance trees, indicators, targets, realisations and the agency
head (issue 5), through the test client with CSRF on; and the one rule for numbers
typed the Indonesian way (wbs/sakip/numbers_input.py)."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.sakip_helpers import YEAR, agency_account, agency_id, build_tree, staff_account
from tests.staff_helpers import post_form
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Agency, AuditEntry, Indicator, IndicatorValue, PerformanceNode, Staff
from wbs.sakip.numbers_input import NumberError, format_number_input, parse_number

# The numbers rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("6,5", "6.5"),  # Indonesian decimal comma
        ("1.234,5", "1234.5"),  # Indonesian thousands and decimals
        ("1,234.5", "1234.5"),  # English: both separators, the last one is decimal
        ("1234.5", "1234.5"),  # a spreadsheet's decimal point
        ("1234,5", "1234.5"),
        ("6.5", "6.5"),  # one dot, not three digits after it: a decimal point
        ("0.125", "0.125"),  # "0" cannot start a thousands group: a decimal point
        ("1234.567", "1234.567"),  # four digits before the dot: a decimal point
        ("1.234", "1234"),  # Indonesian: the dot groups thousands
        ("12.500.000", "12500000"),
        ("1.234.567,89", "1234567.89"),
        ("1,234", "1.234"),  # a single comma is always the decimal separator
        ("  95 ", "95"),
        ("-2,5", "-2.5"),
        ("−2,5", "-2.5"),  # the typographic minus
        ("+3", "3"),
        ("-0", "0"),
        ("007", "7"),
    ],
)
def test_numbers_typed_the_indonesian_way(typed: str, value: str) -> None:
    assert parse_number(typed) == Decimal(value)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "format"),
        ("1,234,567", "format"),  # two commas: two decimal separators
        ("1.2.3", "format"),  # dots that do not group thousands
        ("1.234.5", "format"),
        ("1.23,4", "format"),  # a thousands group of two digits
        ("12,34.5", "format"),
        ("1,2,3.4", "format"),
        (",5", "format"),  # a decimal separator needs digits on both sides
        ("5,", "format"),
        ("1 234", "format"),  # no spaces inside
        ("1e5", "format"),
        ("NaN", "format"),
        ("--1", "format"),
        ("6,5%", "format"),
    ],
)
def test_numbers_that_are_refused(typed: str, reason: str) -> None:
    with pytest.raises(NumberError) as caught:
        parse_number(typed)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_numbers_longer_than_the_column_are_refused_not_rounded() -> None:
    assert parse_number("1,1234", places=4) == Decimal("1.1234")
    assert parse_number("1,12340", places=4) == Decimal("1.1234")  # trailing zeros are fine
    with pytest.raises(NumberError) as caught:
        parse_number("1,12345", places=4)
    assert caught.value.reason == "places"
    assert parse_number("99.999", integer_digits=5) == Decimal(99999)
    with pytest.raises(NumberError) as caught:
        parse_number("100.000", integer_digits=5)
    assert caught.value.reason == "size"


@pytest.mark.parametrize(
    "value", ["1234.5", "7", "0", "-0.25", "1.1234", "1234567.8912", "100", "0.0001", "1.0000"]
)
def test_form_fields_show_numbers_that_read_back_the_same(value: str) -> None:
    shown = format_number_input(Decimal(value))
    assert "." not in shown  # never a dot: "1.234" would read as a thousand
    assert parse_number(shown) == Decimal(value)
    assert format_number_input(None) == ""


# Helpers --------------------------------------------------------------------------------


def text(response: TestResponse) -> str:
    page = response.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


_INPUT = re.compile(r'<input type="text" id="[^"]*" name="([^"]+)" value="([^"]*)"')


def form_inputs(response: TestResponse) -> dict[str, str]:
    """The text inputs of a row form as a browser would send them."""
    page = response.get_data(as_text=True)
    return {name: html.unescape(value) for name, value in _INPUT.findall(page)}


def audit(app: Flask) -> list[tuple[str, str]]:
    with database(app).session() as session:
        return list(
            session.execute(select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.seq))
        )


def node_by_code(app: Flask, code: str, agency: int | None) -> PerformanceNode:
    with database(app).session() as session:
        query = select(PerformanceNode).where(PerformanceNode.code == code)
        query = query.where(
            PerformanceNode.agency_id.is_(None)
            if agency is None
            else PerformanceNode.agency_id == agency
        )
        return session.scalars(query).one()


def value_of(app: Flask, indicator_id: int, period: str = "Y") -> IndicatorValue | None:
    with database(app).session() as session:
        return session.scalars(
            select(IndicatorValue).where(
                IndicatorValue.indicator_id == indicator_id,
                IndicatorValue.year == YEAR,
                IndicatorValue.period == period,
            )
        ).one_or_none()


def node_form(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "level": "program",
        "code": "1.02.03",
        "name": "Program baru",
        "parent_id": "0",
        "weight": "1",
        "sort_order": "0",
    }
    data.update(fields)
    return data


@pytest.fixture
def tree(app: Flask, init_result: InitResult) -> dict[str, int]:
    return build_tree(app)


@pytest.fixture
def sakip(app: Flask, init_result: InitResult) -> FlaskClient:
    return staff_account(app, init_result, "sakip", {"sakip"})


# The tree: nodes ------------------------------------------------------------------------


def test_sakip_officers_create_edit_and_deactivate_nodes(
    app: Flask, tree: dict[str, int], sakip: FlaskClient
) -> None:
    dinkes = tree["agency"]
    page = text(sakip.get(f"/sakip/agencies/{dinkes}/tree"))
    assert "S.1 Meningkatnya derajat kesehatan" in page and "Cakupan imunisasi" in page

    # "Add a node below" offers that parent and the next level.
    below = sakip.get(f"/sakip/agencies/{dinkes}/nodes/new?parent={tree['program']}")
    assert f'<option selected value="{tree["program"]}">' in below.get_data(as_text=True)
    assert '<option selected value="kegiatan">' in below.get_data(as_text=True)

    # A goal at the top of the tree, then the objective moved below it.
    new = f"/sakip/agencies/{dinkes}/nodes/new"
    response = post_form(
        sakip,
        new,
        node_form(level="tujuan", code="T.1", name="Masyarakat sehat", weight="0,5"),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sakip/agencies/{dinkes}")
    assert "The node T.1 has been added." in text(sakip.get(response.headers["Location"]))
    goal = node_by_code(app, "T.1", dinkes)
    assert goal.parent_id is None and goal.weight == Decimal("0.5") and goal.active
    assert ("sakip.node_created", f"node {goal.id} tree {dinkes}") in audit(app)

    edit = f"/sakip/nodes/{tree['sasaran']}"
    assert 'value="1"' in sakip.get(edit).get_data(as_text=True)  # weight, as typed back
    response = post_form(
        sakip,
        edit,
        node_form(
            level="sasaran",
            code="S.1",
            name="Meningkatnya derajat kesehatan masyarakat",
            parent_id=str(goal.id),
            weight="2",
            sort_order="3",
        ),
    )
    assert response.status_code == 302, text(response)
    moved = node_by_code(app, "S.1", dinkes)
    assert moved.parent_id == goal.id and moved.weight == 2 and moved.sort_order == 3
    assert moved.name == "Meningkatnya derajat kesehatan masyarakat"
    assert (
        "sakip.node_updated",
        f"node {moved.id} name,parent_id,weight,sort_order",
    ) in audit(app)
    # The agency page shows the new shape: the goal, then the objective below it.
    shown = text(sakip.get(f"/sakip/agencies/{dinkes}?year={YEAR}"))
    assert shown.index("T.1 Masyarakat sehat") < shown.index("S.1 Meningkatnya")

    # A node with an active node below it stays; its child goes first.
    response = post_form(sakip, f"/sakip/nodes/{goal.id}/deactivate", page=edit)
    assert response.headers["Location"].endswith(f"/sakip/agencies/{dinkes}/tree")
    assert "still has active nodes below it" in text(sakip.get(response.headers["Location"]))
    assert node_by_code(app, "T.1", dinkes).active
    response = post_form(sakip, f"/sakip/nodes/{tree['program']}/deactivate", page=edit)
    assert response.status_code == 302
    assert not node_by_code(app, "1.02.02", dinkes).active
    assert ("sakip.node_deactivated", f"node {tree['program']}") in audit(app)
    shown = text(sakip.get(f"/sakip/agencies/{dinkes}?year={YEAR}"))
    assert "The node 1.02.02 is deactivated" in shown
    assert "Program pemenuhan" not in shown and "Cakupan imunisasi" not in shown
    # Listed as deactivated on the editing page, and it comes back.
    assert "Program pemenuhan upaya kesehatan" in text(sakip.get(f"/sakip/agencies/{dinkes}/tree"))
    response = post_form(sakip, f"/sakip/nodes/{tree['program']}/reactivate", page=edit)
    assert response.status_code == 302
    assert node_by_code(app, "1.02.02", dinkes).active
    assert "Cakupan imunisasi" in text(sakip.get(f"/sakip/agencies/{dinkes}?year={YEAR}"))


def test_a_node_cannot_move_below_itself_or_into_another_tree(
    app: Flask, tree: dict[str, int], sakip: FlaskClient
) -> None:
    dinkes, disdik = tree["agency"], agency_id(app, "DISDIK")
    edit = f"/sakip/nodes/{tree['sasaran']}"
    sasaran = node_form(level="sasaran", code="S.1", name="Meningkatnya derajat kesehatan")
    # Below its own child: a cycle.
    response = post_form(sakip, edit, {**sasaran, "parent_id": str(tree["program"])})
    assert response.status_code == 400
    page = text(response)
    assert "A node cannot be placed under itself or under a node below it." in page
    assert "Please correct the marked fields. Everything you typed has been kept." in page
    # Below itself.
    response = post_form(sakip, edit, {**sasaran, "parent_id": str(tree["sasaran"])})
    assert "A node cannot be placed under itself" in text(response)
    # The form never offers them.
    offered = re.findall(r'<option[^>]*value="(\d+)"', sakip.get(edit).get_data(as_text=True))
    assert str(tree["program"]) not in offered and str(tree["sasaran"]) not in offered

    # A node of DISDIK's tree is not a parent for DINKES.
    response = post_form(
        sakip, f"/sakip/agencies/{disdik}/nodes/new", node_form(level="sasaran", code="S.1")
    )
    assert response.status_code == 302
    other = node_by_code(app, "S.1", disdik)
    response = post_form(sakip, edit, {**sasaran, "parent_id": str(other.id)})
    assert response.status_code == 400
    assert "Choose a parent node of this tree." in text(response)

    # The cascade: a programme does not sit above an objective, and codes are unique.
    response = post_form(
        sakip,
        f"/sakip/agencies/{dinkes}/nodes/new",
        node_form(level="sasaran", code="S.2", parent_id=str(tree["program"])),
    )
    assert response.status_code == 400
    assert "The level must come after the parent's level" in text(response)
    response = post_form(sakip, edit, {**sasaran, "level": "kegiatan"})
    assert "The level must come before the levels of the nodes below this one." in text(response)
    response = post_form(
        sakip, f"/sakip/agencies/{dinkes}/nodes/new", node_form(code="S.1", level="sasaran")
    )
    assert "Another node of this tree already has this code" in text(response)
    # Bad numbers keep what was typed.
    response = post_form(sakip, edit, {**sasaran, "weight": "satu"})
    assert response.status_code == 400
    assert 'value="satu"' in response.get_data(as_text=True)
    assert "Not a number." in text(response)
    response = post_form(sakip, edit, {**sasaran, "weight": "-1"})
    assert "The number cannot be below 0." in text(response)

    unchanged = node_by_code(app, "S.1", dinkes)
    assert unchanged.parent_id is None and unchanged.level == "sasaran" and unchanged.weight == 1
    assert not [entry for entry in audit(app) if entry[0] == "sakip.node_updated"]


def test_the_pemda_tree_is_edited_the_same_way(
    app: Flask, tree: dict[str, int], sakip: FlaskClient
) -> None:
    response = post_form(
        sakip, "/sakip/pemda/nodes/new", node_form(level="tujuan", code="T.1", name="Bupati")
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sakip/pemda")
    goal = node_by_code(app, "T.1", None)
    # The Pemda's tree has no database uniqueness (NULL agency): checked by the form.
    response = post_form(sakip, "/sakip/pemda/nodes/new", node_form(level="tujuan", code="T.1"))
    assert "Another node of this tree already has this code" in text(response)
    # A DINKES node is no parent in the Pemda's tree.
    response = post_form(
        sakip,
        "/sakip/pemda/nodes/new",
        node_form(level="sasaran", code="SP.1", parent_id=str(tree["sasaran"])),
    )
    assert "Choose a parent node of this tree." in text(response)
    response = post_form(
        sakip,
        "/sakip/pemda/nodes/new",
        node_form(level="sasaran", code="SP.1", parent_id=str(goal.id)),
    )
    assert response.status_code == 302
    assert node_by_code(app, "SP.1", None).parent_id == goal.id
    assert "SP.1" in text(sakip.get("/sakip/pemda/tree"))
    assert ("sakip.node_created", f"node {goal.id} tree pemda") in audit(app)


# Indicators and targets ------------------------------------------------------------------


def test_indicators_are_added_edited_and_deactivated(
    app: Flask, tree: dict[str, int], sakip: FlaskClient
) -> None:
    dinkes = tree["agency"]
    data = {
        "name": "Persentase balita gizi baik",
        "unit": "%",
        "polarity": "higher",
        "weight": "1,5",
        "sort_order": "5",
    }
    response = post_form(sakip, f"/sakip/nodes/{tree['program']}/indicators/new", data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sakip/agencies/{dinkes}")
    with database(app).session() as session:
        added = session.scalars(
            select(Indicator).where(Indicator.name == "Persentase balita gizi baik")
        ).one()
        assert added.node_id == tree["program"] and added.weight == Decimal("1.5")
    assert ("sakip.indicator_created", f"indicator {added.id} node {tree['program']}") in audit(app)

    edit = f"/sakip/indicators/{added.id}"
    assert 'value="1,5"' in sakip.get(edit).get_data(as_text=True)
    response = post_form(sakip, edit, {**data, "unit": "", "polarity": "sideways"})
    assert response.status_code == 400
    assert "Enter the unit" in text(response)
    response = post_form(sakip, edit, {**data, "polarity": "range"})
    assert response.status_code == 302
    assert ("sakip.indicator_updated", f"indicator {added.id} polarity") in audit(app)

    response = post_form(sakip, f"{edit}/deactivate", page=edit)
    assert response.status_code == 302
    assert "Persentase balita gizi baik" not in text(
        sakip.get(f"/sakip/agencies/{dinkes}?year={YEAR}")
    )
    assert "Persentase balita gizi baik" in text(sakip.get(f"/sakip/agencies/{dinkes}/tree"))
    post_form(sakip, f"{edit}/reactivate", page=edit)
    assert "Persentase balita gizi baik" in text(sakip.get(f"/sakip/agencies/{dinkes}?year={YEAR}"))
    assert [a for a, _d in audit(app) if a.startswith("sakip.indicator_")][-2:] == [
        "sakip.indicator_deactivated",
        "sakip.indicator_reactivated",
    ]


def test_targets_for_the_year_and_its_periods_with_ranges(
    app: Flask, tree: dict[str, int], sakip: FlaskClient
) -> None:
    response = post_form(
        sakip,
        f"/sakip/nodes/{tree['program']}/indicators/new",
        {"name": "Suhu ruang vaksin", "unit": "°C", "polarity": "range", "weight": "1"},
    )
    assert response.status_code == 302
    with database(app).session() as session:
        indicator_id = session.scalars(
            select(Indicator.id).where(Indicator.name == "Suhu ruang vaksin")
        ).one()
    path = f"/sakip/indicators/{indicator_id}/targets?year={YEAR}"
    blank = form_inputs(sakip.get(path))
    assert set(blank) >= {"target-Y", "target_high-Y", "target-M12", "target_high-Q4"}

    # Only the lower bound: both are required.
    response = post_form(sakip, path, {**blank, "target-Y": "2"})
    assert response.status_code == 400
    assert "A range needs both bounds: enter the upper bound." in text(response)
    assert "Nothing was saved" in text(response)
    # Lower above upper, and a bad quarter: every bad row says so, the typing is kept.
    response = post_form(
        sakip, path, {**blank, "target-Y": "8", "target_high-Y": "2", "target-Q1": "dua"}
    )
    assert response.status_code == 400
    page = text(response)
    assert "The upper bound must not be below the lower bound." in page
    assert "Not a number." in page
    assert form_inputs(response)["target-Q1"] == "dua"
    assert form_inputs(response)["target_high-Y"] == "2"
    # The year is required.
    response = post_form(sakip, path, {**blank, "target-Q1": "2", "target_high-Q1": "8"})
    assert "Enter the target for the whole year." in text(response)
    assert value_of(app, indicator_id) is None

    response = post_form(
        sakip,
        path,
        {
            **blank,
            "target-Y": "2",
            "target_high-Y": "8,5",
            "target-Q3": "2,25",
            "target_high-Q3": "1.234,5",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sakip/agencies/{tree['agency']}?year={YEAR}")
    assert "Targets 2026 saved. Periods changed: 2." in text(
        sakip.get(response.headers["Location"])
    )
    year = value_of(app, indicator_id)
    assert year is not None and (year.target, year.target_high) == (Decimal(2), Decimal("8.5"))
    assert year.realisation is None and year.updated_by_id is not None
    q3 = value_of(app, indicator_id, "Q3")
    assert q3 is not None and (q3.target, q3.target_high) == (Decimal("2.25"), Decimal("1234.5"))
    # Periods left blank have no row at all.
    assert value_of(app, indicator_id, "M01") is None
    assert ("sakip.targets_saved", f"indicator {indicator_id} year {YEAR} periods Y,Q3") in audit(
        app
    )
    # The form shows them back in the form they are typed in.
    shown = form_inputs(sakip.get(path))
    assert shown["target_high-Y"] == "8,5" and shown["target_high-Q3"] == "1234,5"


def test_a_higher_is_better_target_keeps_its_realisation(
    app: Flask, tree: dict[str, int], sakip: FlaskClient
) -> None:
    indicator_id = tree["Cakupan imunisasi"]
    path = f"/sakip/indicators/{indicator_id}/targets?year={YEAR}"
    inputs = form_inputs(sakip.get(path))
    assert "target_high-Y" not in inputs and inputs["target-Y"] == "95"
    response = post_form(sakip, path, {**inputs, "target-Y": "97,5"})
    assert response.status_code == 302
    saved = value_of(app, indicator_id)
    assert saved is not None and saved.target == Decimal("97.5")
    assert saved.realisation == Decimal("90.25")


# Realisations ----------------------------------------------------------------------------


def test_realisations_blank_stays_missing_and_decimal_commas_count(
    app: Flask, tree: dict[str, int], sakip: FlaskClient
) -> None:
    dinkes = tree["agency"]
    path = f"/sakip/agencies/{dinkes}/realisations?year={YEAR}&period=Y"
    inputs = form_inputs(sakip.get(path))
    bayi, puskesmas = tree["Angka kematian bayi"], tree["Puskesmas terakreditasi"]
    assert inputs[f"realisation-{bayi}"] == "6,5"
    assert inputs[f"realisation-{puskesmas}"] == ""

    response = post_form(
        sakip,
        path,
        {
            **inputs,
            f"realisation-{bayi}": "6,4",
            f"note-{bayi}": "Data Dinkes per Desember",
            f"realisation-{puskesmas}": "",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sakip/agencies/{dinkes}?year={YEAR}&period=Y")
    page = text(sakip.get(response.headers["Location"]))
    assert "Realisations saved. Indicators changed: 1." in page
    # Lower is better: (2 - 6.4 / 7) x 100 = 108.57 %.
    assert "108.57 %" in page
    saved = value_of(app, bayi)
    assert saved is not None and saved.realisation == Decimal("6.4")
    assert saved.note == "Data Dinkes per Desember"
    with database(app).session() as session:
        officer = session.scalars(select(Staff).where(Staff.username == "sakip")).one()
    assert saved.updated_by_id == officer.id and saved.updated_at is not None
    # Blank is missing, never zero: the row keeps NULL and the page says "missing".
    kept = value_of(app, puskesmas)
    assert kept is not None and kept.realisation is None and kept.target == 20
    assert "no realisation yet" in page and "missing" in page
    assert (
        "sakip.realisations_saved",
        f"tree {dinkes} year {YEAR} period Y rows 1",
    ) in audit(app)

    # A quarter with no rows yet: "6,5" is stored as 6.5, blanks create nothing.
    quarter = f"/sakip/agencies/{dinkes}/realisations?year={YEAR}&period=Q2"
    inputs = form_inputs(sakip.get(quarter))
    assert all(value == "" for value in inputs.values())
    response = post_form(sakip, quarter, {**inputs, f"realisation-{bayi}": "6,5"})
    assert response.status_code == 302
    q2 = value_of(app, bayi, "Q2")
    assert q2 is not None and q2.realisation == Decimal("6.5") and q2.target is None
    assert value_of(app, puskesmas, "Q2") is None
    assert value_of(app, tree["Cakupan imunisasi"], "Q2") is None


def test_realisations_are_all_or_nothing(
    app: Flask, tree: dict[str, int], sakip: FlaskClient
) -> None:
    dinkes = tree["agency"]
    path = f"/sakip/agencies/{dinkes}/realisations?year={YEAR}&period=Y"
    inputs = form_inputs(sakip.get(path))
    bayi, imunisasi, puskesmas = (
        tree["Angka kematian bayi"],
        tree["Cakupan imunisasi"],
        tree["Puskesmas terakreditasi"],
    )
    typed = {
        **inputs,
        f"realisation-{bayi}": "6,1",
        f"realisation-{imunisasi}": "sembilan puluh",
        f"realisation-{puskesmas}": "1,23456",
        f"note-{puskesmas}": "x" * 501,
    }
    response = post_form(sakip, path, typed)
    assert response.status_code == 400
    page = text(response)
    assert "Nothing was saved. Rows that need a correction: 2." in page
    assert "Not a number." in page
    assert "Use at most 4 decimal places." in page
    assert "A note has at most 500 characters." in page
    shown = form_inputs(response)
    assert shown[f"realisation-{bayi}"] == "6,1"  # the good row keeps its typing too
    assert shown[f"realisation-{imunisasi}"] == "sembilan puluh"
    assert shown[f"realisation-{puskesmas}"] == "1,23456"
    # Nothing was written, not even the good row.
    assert value_of(app, bayi).realisation == Decimal("6.5")  # type: ignore[union-attr]
    assert value_of(app, imunisasi).realisation == Decimal("90.25")  # type: ignore[union-attr]
    assert value_of(app, puskesmas).realisation is None  # type: ignore[union-attr]
    assert not [entry for entry in audit(app) if entry[0] == "sakip.realisations_saved"]


def test_agency_staff_enter_their_own_agency_only(
    app: Flask, init_result: InitResult, tree: dict[str, int]
) -> None:
    dinkes, disdik = tree["agency"], agency_id(app, "DISDIK")
    operator = agency_account(app, init_result, "operator", {"agency_staff"}, "DINKES")
    path = f"/sakip/agencies/{dinkes}/realisations?year={YEAR}&period=Y"
    inputs = form_inputs(operator.get(path))
    bayi = tree["Angka kematian bayi"]
    response = post_form(operator, path, {**inputs, f"realisation-{bayi}": "6,9"})
    assert response.status_code == 302
    saved = value_of(app, bayi)
    assert saved is not None and saved.realisation == Decimal("6.9")
    with database(app).session() as session:
        staff_id = session.scalars(select(Staff.id).where(Staff.username == "operator")).one()
    assert saved.updated_by_id == staff_id

    # Another agency's realisations, and the Pemda's, do not exist for it.
    own = f"/sakip/agencies/{dinkes}"
    assert operator.get(f"/sakip/agencies/{disdik}/realisations").status_code == 404
    response = post_form(operator, f"/sakip/agencies/{disdik}/realisations", {}, page=own)
    assert response.status_code == 404
    assert operator.get("/sakip/pemda/realisations").status_code == 404
    # Its own tree it reads but does not edit.
    assert operator.get(f"/sakip/agencies/{dinkes}/tree").status_code == 403
    response = post_form(
        operator, f"/sakip/nodes/{tree['sasaran']}", node_form(code="S.9"), page=own
    )
    assert response.status_code == 403
    assert operator.get(f"/sakip/indicators/{bayi}/targets").status_code == 403
    response = post_form(operator, f"/sakip/nodes/{tree['program']}/deactivate", page=own)
    assert response.status_code == 403
    assert node_by_code(app, "1.02.02", dinkes).active
    assert node_by_code(app, "S.1", dinkes).code == "S.1"

    # The head reads his agency's picture, and changes nothing.
    head = agency_account(app, init_result, "kadis", {"agency_head"}, "DINKES")
    assert head.get(own).status_code == 200
    assert head.get(path).status_code == 403
    response = post_form(head, path, {f"realisation-{bayi}": "1"}, page=own)
    assert response.status_code == 403
    assert value_of(app, bayi).realisation == Decimal("6.9")  # type: ignore[union-attr]


# Every route: who may, who may not ----------------------------------------------------

MAINTAIN_GETS = [
    "/sakip/agencies/{agency}/tree",
    "/sakip/agencies/{agency}/nodes/new",
    "/sakip/nodes/{sasaran}",
    "/sakip/nodes/{program}/indicators/new",
    "/sakip/indicators/{indicator}",
    "/sakip/indicators/{indicator}/targets",
    "/sakip/agencies/{agency}/head",
]
MAINTAIN_POSTS = [
    *MAINTAIN_GETS[1:],  # the tree page itself is read only
    "/sakip/nodes/{program}/deactivate",
    "/sakip/nodes/{program}/reactivate",
    "/sakip/indicators/{indicator}/deactivate",
    "/sakip/indicators/{indicator}/reactivate",
]
ENTER = "/sakip/agencies/{agency}/realisations"


def test_every_editing_route_answers_by_role_and_agency(
    app: Flask, init_result: InitResult, tree: dict[str, int], sakip: FlaskClient
) -> None:
    ids = {
        "agency": tree["agency"],
        "sasaran": tree["sasaran"],
        "program": tree["program"],
        "indicator": tree["Cakupan imunisasi"],
    }
    clients = {
        "dinkes_staff": agency_account(app, init_result, "op-dinkes", {"agency_staff"}, "DINKES"),
        "disdik_staff": agency_account(app, init_result, "op-disdik", {"agency_staff"}, "DISDIK"),
        "disdik_head": agency_account(app, init_result, "kadis", {"agency_head"}, "DISDIK"),
        "leader": staff_account(app, init_result, "bupati", {"leadership"}),
        "intake": staff_account(app, init_result, "verifikator", {"intake"}),
    }
    for template in MAINTAIN_GETS:
        path = template.format(**ids)
        assert sakip.get(path).status_code == 200, path
        assert clients["dinkes_staff"].get(path).status_code == 403, path
        assert clients["disdik_staff"].get(path).status_code == 404, path
        assert clients["disdik_head"].get(path).status_code == 404, path
        assert clients["leader"].get(path).status_code == 403, path
        assert clients["intake"].get(path).status_code == 403, path
    for template in MAINTAIN_POSTS:
        path = template.format(**ids)
        token_page = "/admin/account"
        assert post_form(clients["dinkes_staff"], path, page=token_page).status_code == 403, path
        assert post_form(clients["disdik_staff"], path, page=token_page).status_code == 404, path
        assert post_form(clients["leader"], path, page=token_page).status_code == 403, path
    # The Pemda's tree: SAKIP officers only; agency accounts do not see it.
    for path in ("/sakip/pemda/tree", "/sakip/pemda/nodes/new", "/sakip/pemda/realisations"):
        assert sakip.get(path).status_code == 200, path
        assert clients["dinkes_staff"].get(path).status_code == 404, path
        assert clients["leader"].get(path).status_code == 403, path
    enter = ENTER.format(**ids)
    assert sakip.get(enter).status_code == 200
    assert clients["dinkes_staff"].get(enter).status_code == 200
    assert clients["disdik_staff"].get(enter).status_code == 404
    assert clients["disdik_head"].get(enter).status_code == 404
    assert clients["leader"].get(enter).status_code == 403
    assert clients["intake"].get(enter).status_code == 403
    # Unknown things do not exist.
    assert sakip.get("/sakip/nodes/999999").status_code == 404
    assert sakip.get("/sakip/indicators/999999/targets").status_code == 404
    assert sakip.get("/sakip/agencies/999999/realisations").status_code == 404
    # A POST without the form's token saves nothing.
    response = sakip.post(f"/sakip/nodes/{tree['program']}/deactivate")
    assert response.status_code == 400
    assert node_by_code(app, "1.02.02", tree["agency"]).active


# The agency head ------------------------------------------------------------------------


def test_sakip_officers_record_the_agency_head(
    app: Flask, tree: dict[str, int], sakip: FlaskClient
) -> None:
    dinkes = tree["agency"]
    path = f"/sakip/agencies/{dinkes}/head"
    data = {
        "head_name": "dr. Siti Rahmawati, M.Kes",
        "head_title": "Kepala Dinas Kesehatan",
        "head_nip": "19750312 200003 2 002",
    }
    response = post_form(sakip, path, {**data, "head_nip": "1975"})
    assert response.status_code == 400
    assert "A NIP has 18 digits" in text(response)
    assert 'value="dr. Siti Rahmawati, M.Kes"' in response.get_data(as_text=True)
    response = post_form(sakip, path, data)
    assert response.status_code == 302
    page = text(sakip.get(response.headers["Location"]))
    assert "The head of the agency has been saved." in page
    assert (
        "Head: dr. Siti Rahmawati, M.Kes, Kepala Dinas Kesehatan (NIP 197503122000032002)" in page
    )
    with database(app).session() as session:
        agency = session.get(Agency, dinkes)
        assert agency is not None and agency.head_nip == "197503122000032002"
    assert (
        "sakip.agency_head_saved",
        f"agency {dinkes} head_name,head_title,head_nip",
    ) in audit(app)
    # Empty boxes clear.
    response = post_form(sakip, path, {"head_name": "", "head_title": "", "head_nip": ""})
    assert response.status_code == 302
    with database(app).session() as session:
        agency = session.get(Agency, dinkes)
        assert agency is not None and agency.head_name is None and agency.head_nip is None
