"""A small e-SAKIP fixture for the page tests: DINKES with a two-level tree whose
achievements are worked out by hand, and agency accounts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.staff_helpers import STAFF_PASSWORD, create_officer, english, login
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Agency, Indicator, IndicatorValue, PerformanceNode, Staff

YEAR = 2026
NOW = datetime(2026, 11, 23, 9, 0)


def agency_id(app: Flask, code: str) -> int:
    with database(app).session() as session:
        return session.scalars(select(Agency.id).where(Agency.code == code)).one()


def build_tree(app: Flask) -> dict[str, int]:
    """DINKES, 2026, whole year:

    - sasaran S "Meningkatnya derajat kesehatan" with indicator
      "Angka kematian bayi" (lower is better): target 7, realisation 6.5 → 107.14 %;
    - its program P with two indicators: "Cakupan imunisasi" (higher): 95 → 90.25, so
      95.00 %; "Puskesmas terakreditasi" (higher): target 20, no realisation (missing).
      P's own roll-up counts 1 of 2: 95.00 %.
    """
    dinkes = agency_id(app, "DINKES")
    with database(app).session() as session:
        sasaran = PerformanceNode(
            agency_id=dinkes, level="sasaran", code="S.1", name="Meningkatnya derajat kesehatan"
        )
        session.add(sasaran)
        session.flush()
        program = PerformanceNode(
            agency_id=dinkes,
            parent_id=sasaran.id,
            level="program",
            code="1.02.02",
            name="Program pemenuhan upaya kesehatan",
        )
        session.add(program)
        session.flush()
        rows = [
            (sasaran, "Angka kematian bayi", "per 1.000", "lower", "7", "6.5"),
            (program, "Cakupan imunisasi", "%", "higher", "95", "90.25"),
            (program, "Puskesmas terakreditasi", "unit", "higher", "20", None),
        ]
        ids = {"sasaran": sasaran.id, "program": program.id, "agency": dinkes}
        for order, (node, name, unit, polarity, target, realisation) in enumerate(rows):
            indicator = Indicator(
                node_id=node.id, name=name, unit=unit, polarity=polarity, sort_order=order
            )
            session.add(indicator)
            session.flush()
            ids[name] = indicator.id
            session.add(
                IndicatorValue(
                    indicator_id=indicator.id,
                    year=YEAR,
                    period="Y",
                    target=Decimal(target),
                    realisation=None if realisation is None else Decimal(realisation),
                    updated_at=NOW,
                )
            )
    return ids


def agency_account(
    app: Flask, init_result: InitResult, username: str, roles: set[str], code: str
) -> FlaskClient:
    staff_id = create_officer(app, init_result, username, roles)
    with database(app).session() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        staff.agency_id = agency_id(app, code)
    return logged_in(app, username)


def staff_account(
    app: Flask, init_result: InitResult, username: str, roles: set[str]
) -> FlaskClient:
    create_officer(app, init_result, username, roles)
    return logged_in(app, username)


def logged_in(app: Flask, username: str) -> FlaskClient:
    client = english(app.test_client())
    login(client, username, STAFF_PASSWORD)
    return client
