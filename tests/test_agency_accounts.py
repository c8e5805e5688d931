"""Agency accounts in the staff admin (issue 5): an agency staff or head account belongs
to one agency, chosen by the admin; it cannot also hold a case role; any other account
has no agency."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.conftest import ADMIN_PASSWORD
from tests.sakip_helpers import agency_id
from tests.staff_helpers import english, login, post_form
from wbs.app_context import database
from wbs.models import Agency, AuditEntry, Staff

TEMPORARY = re.compile(r'id="temporary-password">([^<]+)<')
CHOSEN_PASSWORD = "gunung-tangkuban-perahu-45"


def text(response: TestResponse) -> str:
    page = response.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def account(app: Flask, username: str) -> Staff:
    with database(app).session() as session:
        return session.scalars(select(Staff).where(Staff.username == username)).one()


def audit(app: Flask) -> list[tuple[str, str]]:
    with database(app).session() as session:
        return list(
            session.execute(select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.seq))
        )


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    login(english(client), "admin", ADMIN_PASSWORD)
    return client


def new_account(roles: list[str], agency: int | str = 0) -> dict[str, object]:
    return {
        "username": "operator",
        "display_name": "Operator Dinkes",
        "email": "",
        "roles": roles,
        "agency": str(agency),
    }


def test_an_agency_account_is_created_with_its_agency_and_reaches_only_it(
    app: Flask, admin: FlaskClient
) -> None:
    dinkes = agency_id(app, "DINKES")
    form = admin.get("/admin/staff/new").get_data(as_text=True)
    assert "Dinas Kesehatan" in form and 'name="agency"' in form

    # An agency role needs its agency.
    response = post_form(admin, "/admin/staff/new", new_account(["agency_staff"]))
    assert response.status_code == 400
    assert "Choose the agency this agency account belongs to." in text(response)
    # An unknown agency is no agency.
    response = post_form(admin, "/admin/staff/new", new_account(["agency_staff"], 999999))
    assert "Choose the agency this agency account belongs to." in text(response)
    # Not together with a case role.
    response = post_form(
        admin, "/admin/staff/new", new_account(["agency_staff", "investigator"], dinkes)
    )
    assert response.status_code == 400
    assert "cannot also hold a case role" in text(response)
    with database(app).session() as session:
        assert session.scalar(select(Staff).where(Staff.username == "operator")) is None

    response = post_form(admin, "/admin/staff/new", new_account(["agency_staff"], dinkes))
    assert response.status_code == 201, text(response)
    created = account(app, "operator")
    assert created.agency_id == dinkes and created.role_set == {"agency_staff"}
    assert ("staff.created", f"staff {created.id} roles agency_staff agency {dinkes}") in audit(app)
    assert "Agency Dinas Kesehatan" in text(admin.get(f"/admin/staff/{created.id}"))

    # The person logs in and lands on his agency's e-SAKIP page, and nowhere else.
    match = TEMPORARY.search(response.get_data(as_text=True))
    assert match
    operator = english(app.test_client())
    login(operator, "operator", html.unescape(match.group(1)), new_password=CHOSEN_PASSWORD)
    assert operator.get("/sakip/").headers["Location"].endswith(f"/sakip/agencies/{dinkes}")
    assert operator.get(f"/sakip/agencies/{agency_id(app, 'DISDIK')}").status_code == 404
    assert operator.get("/admin/cases").status_code == 403


def test_editing_an_account_sets_changes_and_clears_its_agency(
    app: Flask, admin: FlaskClient
) -> None:
    dinkes, disdik = agency_id(app, "DINKES"), agency_id(app, "DISDIK")
    response = post_form(admin, "/admin/staff/new", new_account(["agency_head"], dinkes))
    assert response.status_code == 201
    staff_id = account(app, "operator").id
    edit = f"/admin/staff/{staff_id}"
    page = admin.get(edit).get_data(as_text=True)
    assert re.search(rf'<option selected value="{dinkes}">|<option value="{dinkes}" selected', page)

    details = {"display_name": "Kepala Dinas", "email": "", "roles": ["agency_head"]}
    response = post_form(admin, edit, {**details, "agency": str(disdik)})
    assert response.status_code == 302
    assert account(app, "operator").agency_id == disdik
    assert (
        "staff.agency_changed",
        f"staff {staff_id} agency {disdik} (was {dinkes})",
    ) in audit(app)

    # Removing the agency from an agency account is refused; adding a case role too.
    response = post_form(admin, edit, {**details, "agency": "0"})
    assert response.status_code == 400
    assert "Choose the agency this agency account belongs to." in text(response)
    response = post_form(
        admin, edit, {**details, "roles": ["agency_head", "supervisor"], "agency": str(disdik)}
    )
    assert response.status_code == 400
    assert "cannot also hold a case role" in text(response)
    assert account(app, "operator").role_set == {"agency_head"}

    # Without an agency role the agency is cleared, whatever the select says.
    response = post_form(admin, edit, {**details, "roles": ["leadership"], "agency": str(disdik)})
    assert response.status_code == 302
    changed = account(app, "operator")
    assert changed.agency_id is None and changed.role_set == {"leadership"}
    assert ("staff.agency_changed", f"staff {staff_id} agency - (was {disdik})") in audit(app)


def test_an_inactive_agency_stays_on_the_account_that_has_it(
    app: Flask, admin: FlaskClient
) -> None:
    dinkes = agency_id(app, "DINKES")
    response = post_form(admin, "/admin/staff/new", new_account(["agency_staff"], dinkes))
    assert response.status_code == 201
    with database(app).session() as session:
        agency = session.get(Agency, dinkes)
        assert agency is not None
        agency.active = False
    # Not offered to new accounts, but kept on the one that has it.
    assert f'value="{dinkes}"' not in admin.get("/admin/staff/new").get_data(as_text=True)
    staff_id = account(app, "operator").id
    edit = f"/admin/staff/{staff_id}"
    response = post_form(
        admin,
        edit,
        {
            "display_name": "Operator",
            "email": "",
            "roles": ["agency_staff"],
            "agency": str(dinkes),
        },
    )
    assert response.status_code == 302
    assert account(app, "operator").agency_id == dinkes
