"""Account administration, case-access grants, conflicts of interest and reference data,
through the test client with CSRF on (DESIGN.md, "Who uses it"; issue 3, "Key access").

Pages are read in English (the language switch) so that assertions do not depend on
the Indonesian catalogue.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from tests.conftest import ADMIN_PASSWORD, FAST_ARGON2
from tests.staff_helpers import (
    english,
    login,
    logout,
    post_form,
    staff_login_with_totp,
    submit_password,
)
from wbs.access_keys import has_key_access
from wbs.app_context import database
from wbs.installation import InitResult, now_utc
from wbs.keyring import active_unit_key, unwrap_for_officer, wrap_for_officer
from wbs.models import Agency, AuditEntry, Category, Holiday, Staff, StaffConflict, StaffSession
from wbs.staff_accounts import create_staff

OFFICER_PASSWORD = "sungai-cikapundung-jernih-88"
CHOSEN_PASSWORD = "gunung-tangkuban-perahu-45"
TEMPORARY = re.compile(r'id="temporary-password">([^<]+)<')


def page(response) -> str:  # noqa: ANN001 - a TestResponse
    return html.unescape(response.get_data(as_text=True))


def audit(app: Flask) -> list[tuple[str, str]]:
    with database(app).session() as session:
        return list(
            session.execute(select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.seq))
        )


def account(app: Flask, username: str) -> Staff:
    with database(app).session() as session:
        return session.scalars(select(Staff).where(Staff.username == username)).one()


def key_access(app: Flask, username: str) -> bool:
    with database(app).session() as session:
        staff = session.scalars(select(Staff).where(Staff.username == username)).one()
        return has_key_access(session, staff)


def add_officer(
    app: Flask,
    username: str,
    roles: set[str],
    init_result: InitResult | None = None,
    password: str = OFFICER_PASSWORD,
) -> int:
    """An account made directly in the database; with ``init_result`` it holds case access."""
    with database(app).session() as session:
        staff = create_staff(
            session,
            username=username,
            display_name=username.title(),
            password=password,
            roles=roles,
            params=FAST_ARGON2,
            now=now_utc(),
        )
        if init_result is not None:
            unit_key = active_unit_key(session)
            wrap_for_officer(
                session,
                unit_key,
                init_result.unit_private_key,
                staff,
                password,
                FAST_ARGON2,
                now_utc(),
            )
        return staff.id


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    """The first account (admin and supervisor, with case access), logged in."""
    login(english(client), "admin", ADMIN_PASSWORD)
    return client


def officer_client(app: Flask, username: str, password: str = OFFICER_PASSWORD) -> FlaskClient:
    person = english(app.test_client())
    login(person, username, password)
    return person


def create_account(admin: FlaskClient, **fields: object) -> tuple[int, str]:
    """Create an account through the form; returns its id and the temporary password."""
    data = {"username": "budi", "display_name": "Budi Santoso", "email": "", "roles": ["intake"]}
    data.update(fields)
    response = post_form(admin, "/admin/staff/new", data)
    assert response.status_code == 201, page(response)
    match = TEMPORARY.search(response.get_data(as_text=True))
    assert match, "the temporary password is not shown"
    staff_id = re.search(r'href="/admin/staff/(\d+)"', response.get_data(as_text=True))
    assert staff_id
    return int(staff_id.group(1)), html.unescape(match.group(1))


def test_a_new_account_logs_in_with_its_temporary_password_and_waits_for_a_grant(
    app: Flask, admin: FlaskClient
) -> None:
    staff_id, temporary = create_account(
        admin, email="budi@example.go.id", roles=["intake", "investigator"]
    )
    assert ("staff.created", f"staff {staff_id} roles intake,investigator") in audit(app)
    assert not any(temporary in detail for _action, detail in audit(app))
    created = account(app, "budi")
    assert created.must_change_password and created.role_set == {"intake", "investigator"}
    assert created.email == "budi@example.go.id"
    # The password is shown once: the account page never shows it again.
    assert temporary not in page(admin.get(f"/admin/staff/{staff_id}"))
    listing = page(admin.get("/admin/staff"))
    assert "Budi Santoso" in listing
    # Not before the person has replaced the password the admin has read.
    edit = f"/admin/staff/{staff_id}"
    assert "must log in once and choose his own password" in page(admin.get(edit))
    response = post_form(admin, f"{edit}/grant", page=edit)
    assert "must log in once and choose his own password" in page(
        admin.get(response.headers["Location"])
    )
    assert not key_access(app, "budi")

    budi = english(app.test_client())
    secret = login(budi, "budi", temporary, new_password=CHOSEN_PASSWORD)
    assert budi.get("/admin/", follow_redirects=True).request.path == "/admin/cases"
    assert "Not yet: a supervisor must grant it" in page(budi.get("/admin/account"))
    assert not key_access(app, "budi")
    assert not account(app, "budi").must_change_password
    # The temporary password is spent.
    assert submit_password(english(app.test_client()), "budi", temporary).status_code == 401

    detail = page(admin.get(f"/admin/staff/{staff_id}"))
    assert "Grant access to report content" in detail
    response = post_form(admin, f"/admin/staff/{staff_id}/grant", page=f"/admin/staff/{staff_id}")
    assert response.status_code == 302
    assert "Access granted. It takes effect at Budi Santoso's next login." in page(
        admin.get(response.headers["Location"])
    )
    assert ("key.granted", f"staff {staff_id}") in audit(app)
    assert "Granted: active from the next login" in page(admin.get("/admin/staff"))
    # The session opened before the grant stays without the key.
    assert "Not yet" in page(budi.get("/admin/account"))

    logout(budi)
    response = staff_login_with_totp(budi, "budi", CHOSEN_PASSWORD, secret, step=1)
    assert response.status_code == 302
    assert re.search(r"Access to report content</dt>\s*<dd>Yes", page(budi.get("/admin/account")))
    assert key_access(app, "budi")
    with database(app).session() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        assert unwrap_for_officer(session, staff, CHOSEN_PASSWORD, FAST_ARGON2) is not None
    assert ("key.grant_redeemed", "") in audit(app)


def test_a_password_reset_removes_key_access_and_forces_a_new_enrolment(
    app: Flask, admin: FlaskClient, init_result: InitResult
) -> None:
    staff_id = add_officer(app, "budi", {"investigator"}, init_result)
    budi = english(app.test_client())
    old_secret = login(budi, "budi", OFFICER_PASSWORD)
    assert "<dd>Yes" in page(budi.get("/admin/account"))

    response = post_form(
        admin, f"/admin/staff/{staff_id}/reset-password", page=f"/admin/staff/{staff_id}"
    )
    assert response.status_code == 200
    text = page(response)
    assert "His access to report content has been removed: a supervisor must grant it again." in (
        text
    )
    temporary = html.unescape(TEMPORARY.search(response.get_data(as_text=True)).group(1))  # type: ignore[union-attr]
    assert ("staff.password_reset", f"staff {staff_id}") in audit(app)

    # Logged out everywhere, the old password and second factor are gone, and so is the key.
    assert "/admin/login" in budi.get("/admin/account").headers["Location"]
    reset = account(app, "budi")
    assert reset.must_change_password and reset.totp_secret is None
    assert not key_access(app, "budi")
    assert submit_password(english(app.test_client()), "budi", OFFICER_PASSWORD).status_code == 401

    again = english(app.test_client())
    new_secret = login(again, "budi", temporary, new_password=CHOSEN_PASSWORD)
    assert new_secret != old_secret
    assert "Not yet: a supervisor must grant it" in page(again.get("/admin/account"))
    assert not key_access(app, "budi")


def test_disable_ends_the_sessions_and_enable_unlocks(app: Flask, admin: FlaskClient) -> None:
    staff_id = add_officer(app, "budi", {"intake"})
    budi = officer_client(app, "budi")
    edit = f"/admin/staff/{staff_id}"

    assert post_form(admin, f"{edit}/disable", page=edit).status_code == 302
    assert "/admin/login" in budi.get("/admin/account").headers["Location"]
    assert not account(app, "budi").active
    with database(app).session() as session:
        assert (
            session.scalars(select(StaffSession).where(StaffSession.staff_id == staff_id)).all()
            == []
        )
    refused = submit_password(english(app.test_client()), "budi", OFFICER_PASSWORD)
    assert "This account is disabled" in page(refused)
    assert "Disabled" in page(admin.get("/admin/staff"))

    # Locked as five wrong attempts would leave it.
    with database(app).session() as session:
        session.execute(
            update(Staff)
            .where(Staff.id == staff_id)
            .values(failed_logins=5, locked_until=now_utc() + timedelta(minutes=15))
        )
    assert post_form(admin, f"{edit}/enable", page=edit).status_code == 302
    enabled = account(app, "budi")
    assert enabled.active and enabled.failed_logins == 0 and enabled.locked_until is None
    assert submit_password(english(app.test_client()), "budi", OFFICER_PASSWORD).status_code == 302

    with database(app).session() as session:
        session.execute(
            update(Staff)
            .where(Staff.id == staff_id)
            .values(failed_logins=5, locked_until=now_utc() + timedelta(minutes=15))
        )
    assert "locked until" in page(admin.get(edit))
    post_form(admin, f"{edit}/enable", page=edit)
    assert account(app, "budi").locked_until is None
    actions = [action for action, detail in audit(app) if detail == f"staff {staff_id}"]
    assert actions == ["staff.disabled", "staff.enabled", "staff.unlocked"]


def test_the_last_active_admin_cannot_disable_himself_or_drop_the_role(
    app: Flask, admin: FlaskClient
) -> None:
    me = account(app, "admin").id
    edit = f"/admin/staff/{me}"
    response = post_form(admin, f"{edit}/disable", page=edit)
    assert "is the last active admin and cannot be disabled" in page(
        admin.get(response.headers["Location"])
    )
    response = post_form(
        admin, edit, {"display_name": "admin", "email": "", "roles": ["supervisor"]}
    )
    assert response.status_code == 400
    assert "is the last active admin: keep the admin role" in page(response)
    assert account(app, "admin").role_set == {"admin", "supervisor"}
    assert account(app, "admin").active

    add_officer(app, "kedua", {"admin"})
    response = post_form(
        admin, edit, {"display_name": "admin", "email": "", "roles": ["supervisor"]}
    )
    assert response.status_code == 302
    assert account(app, "admin").role_set == {"supervisor"}
    assert ("staff.roles_changed", f"staff {me} roles supervisor (was admin,supervisor)") in audit(
        app
    )


def test_bad_input_is_explained_next_to_the_field_and_kept(app: Flask, admin: FlaskClient) -> None:
    response = post_form(
        admin,
        "/admin/staff/new",
        {"username": "admin", "display_name": "Admin Kedua", "email": "bukan-email"},
        page="/admin/staff/new",
    )
    assert response.status_code == 400
    text = page(response)
    assert "Choose at least one role." in text
    assert "Enter an email address like nama@example.go.id." in text
    assert 'value="Admin Kedua"' in text and 'value="bukan-email"' in text

    response = post_form(
        admin,
        "/admin/staff/new",
        {"username": "admin", "display_name": "Admin Kedua", "roles": ["sakip"]},
        page="/admin/staff/new",
    )
    assert response.status_code == 400
    assert "This username is already taken. Choose another." in page(response)
    assert re.search(r'<input checked [^>]*value="sakip"', response.get_data(as_text=True))

    response = post_form(
        admin,
        "/admin/staff/new",
        {"username": "Budi Santoso", "display_name": "Budi", "roles": ["sakip"]},
        page="/admin/staff/new",
    )
    assert response.status_code == 400
    assert "Use lower-case letters, digits" in page(response)
    with database(app).session() as session:
        assert len(session.scalars(select(Staff)).all()) == 1


def test_an_edit_changes_name_email_and_roles(app: Flask, admin: FlaskClient) -> None:
    staff_id = add_officer(app, "budi", {"intake"})
    edit = f"/admin/staff/{staff_id}"
    response = post_form(
        admin,
        edit,
        {"display_name": "Budi S.", "email": "budi@example.go.id", "roles": ["intake", "sakip"]},
    )
    assert response.status_code == 302
    edited = account(app, "budi")
    assert (edited.display_name, edited.email) == ("Budi S.", "budi@example.go.id")
    assert edited.role_set == {"intake", "sakip"}
    entries = audit(app)
    assert ("staff.updated", f"staff {staff_id} display_name,email") in entries
    assert ("staff.roles_changed", f"staff {staff_id} roles intake,sakip (was intake)") in entries


def test_an_account_that_loses_every_case_role_loses_key_access(
    app: Flask, admin: FlaskClient, init_result: InitResult
) -> None:
    staff_id = add_officer(app, "budi", {"investigator"}, init_result)
    assert key_access(app, "budi")
    response = post_form(
        admin, f"/admin/staff/{staff_id}", {"display_name": "Budi", "roles": ["leadership"]}
    )
    assert response.status_code == 302
    assert not key_access(app, "budi")
    assert ("key.revoked", f"staff {staff_id} no case role") in audit(app)


def test_a_supervisor_revokes_access_even_from_an_open_session(
    app: Flask, admin: FlaskClient, init_result: InitResult
) -> None:
    staff_id = add_officer(app, "budi", {"investigator"}, init_result)
    budi = officer_client(app, "budi")
    assert "<dd>Yes" in page(budi.get("/admin/account"))
    edit = f"/admin/staff/{staff_id}"
    assert "Revoke access" in page(admin.get(edit))
    assert post_form(admin, f"{edit}/revoke", page=edit).status_code == 302
    assert not key_access(app, "budi")
    assert "Not yet: a supervisor must grant it" in page(budi.get("/admin/account"))
    assert ("key.revoked", f"staff {staff_id}") in audit(app)


def test_a_supervisor_without_the_key_cannot_grant(app: Flask, admin: FlaskClient) -> None:
    add_officer(app, "irban", {"supervisor"})
    staff_id = add_officer(app, "budi", {"intake"})
    irban = officer_client(app, "irban")
    edit = f"/admin/staff/{staff_id}"
    assert "Your own session has no access to report content" in page(irban.get(edit))
    response = post_form(irban, f"{edit}/grant", page=edit)
    assert "so you cannot grant it" in page(irban.get(response.headers["Location"]))
    assert not key_access(app, "budi")
    # A supervisor sees the account pages but cannot manage accounts.
    assert "Reset password" not in page(irban.get(edit))
    assert post_form(irban, f"{edit}/reset-password", page=edit).status_code == 403


def test_conflicts_of_interest_are_saved_and_shown_to_supervisors(
    app: Flask, admin: FlaskClient
) -> None:
    with database(app).session() as session:
        ids = {
            code: agency_id for code, agency_id in session.execute(select(Agency.code, Agency.id))
        }
    dinkes, rsud = ids["DINKES"], ids["RSUD"]
    response = post_form(
        admin, "/admin/account/conflicts", {"agencies": [dinkes, rsud]}, page="/admin/account"
    )
    assert response.status_code == 302
    account_page = page(admin.get("/admin/account"))
    assert f'value="{dinkes}" checked' in account_page
    assert f'value="{rsud}" checked' in account_page
    with database(app).session() as session:
        saved = set(session.scalars(select(StaffConflict.agency_id)))
    assert saved == {dinkes, rsud}
    assert "Dinas Kesehatan, Rumah Sakit Umum Daerah" in page(admin.get("/admin/staff"))

    post_form(admin, "/admin/account/conflicts", {"agencies": [dinkes]}, page="/admin/account")
    with database(app).session() as session:
        assert set(session.scalars(select(StaffConflict.agency_id))) == {dinkes}
    entries = audit(app)
    first, second = sorted((dinkes, rsud))
    assert ("conflict.declared", f"agencies {first},{second}") in entries
    assert ("conflict.withdrawn", f"agencies {rsud}") in entries


def report_choices(client: FlaskClient) -> str:
    return client.get("/report").get_data(as_text=True)


def test_agencies_are_added_renamed_and_deactivated(app: Flask, admin: FlaskClient) -> None:
    response = post_form(
        admin, "/admin/agencies/new", {"code": "DISARSIP", "name": "Dinas Kearsipan"}
    )
    assert response.status_code == 302
    assert "Dinas Kearsipan" in page(admin.get("/admin/agencies"))
    assert 'value="DISARSIP"' in report_choices(admin)

    response = post_form(admin, "/admin/agencies/new", {"code": "dinkes", "name": "Dinas Lain"})
    assert response.status_code == 400
    assert "The code dinkes is already used. Codes must be unique." in page(response)
    assert 'value="Dinas Lain"' in page(response)

    with database(app).session() as session:
        agency = session.scalars(select(Agency).where(Agency.code == "DISARSIP")).one()
    edit = f"/admin/agencies/{agency.id}"
    assert post_form(admin, edit, {"name": "Dinas Arsip Daerah"}).status_code == 302
    assert "Dinas Arsip Daerah" in report_choices(admin)

    post_form(admin, f"{edit}/active", {"active": "0"}, page="/admin/agencies")
    assert 'value="DISARSIP"' not in report_choices(admin)
    assert "Deactivated" in page(admin.get("/admin/agencies"))
    post_form(admin, f"{edit}/active", {"active": "1"}, page="/admin/agencies")
    assert 'value="DISARSIP"' in report_choices(admin)
    actions = [action for action, detail in audit(app) if detail.startswith("agency ")]
    assert actions == [
        "agency.created",
        "agency.updated",
        "agency.deactivated",
        "agency.reactivated",
    ]


def test_categories_are_added_edited_and_a_deactivated_one_leaves_the_form(
    app: Flask, admin: FlaskClient
) -> None:
    response = post_form(
        admin,
        "/admin/categories/new",
        {"code": "nepotisme", "name_id": "Nepotisme", "name_en": "Nepotism", "sort_order": "20"},
    )
    assert response.status_code == 302
    assert 'value="nepotisme"' in report_choices(admin)

    response = post_form(
        admin,
        "/admin/categories/new",
        {"code": "PUNGLI", "name_id": "Pungli lagi", "name_en": "", "sort_order": "x"},
    )
    assert response.status_code == 400
    text = page(response)
    assert "Enter the name." in text and "Enter a whole number from 0 to 9999." in text
    assert 'value="Pungli lagi"' in text
    response = post_form(
        admin,
        "/admin/categories/new",
        {"code": "PUNGLI", "name_id": "Pungli lagi", "name_en": "Levies", "sort_order": "3"},
    )
    assert response.status_code == 400
    assert "The code PUNGLI is already used. Codes must be unique." in page(response)

    with database(app).session() as session:
        pungli = session.scalars(select(Category).where(Category.code == "pungli")).one()
    edit = f"/admin/categories/{pungli.id}"
    response = post_form(
        admin,
        edit,
        {"name_id": "Pungutan liar (pungli)", "name_en": "Illegal levies", "sort_order": "0"},
    )
    assert response.status_code == 302
    assert "Pungutan liar (pungli)" in page(admin.get("/admin/categories"))

    assert 'value="pungli"' in report_choices(admin)
    post_form(admin, f"{edit}/active", {"active": "0"}, page="/admin/categories")
    assert 'value="pungli"' not in report_choices(admin)
    assert "Pungutan liar (pungli)" in page(admin.get("/admin/categories"))
    assert ("category.deactivated", f"category {pungli.id} pungli") in audit(app)


def test_holidays_of_a_year_are_listed_added_removed_and_loaded(
    app: Flask, admin: FlaskClient
) -> None:
    listing = page(admin.get("/admin/holidays?year=2026"))
    assert "The table holds no day for this year yet." in listing

    response = post_form(
        admin,
        "/admin/holidays/add?year=2026",
        {"day": "2026-03-20", "name": "Cuti bersama Idul Fitri"},
        page="/admin/holidays?year=2026",
    )
    assert response.status_code == 302
    assert "Cuti bersama Idul Fitri" in page(admin.get("/admin/holidays?year=2026"))

    response = post_form(
        admin,
        "/admin/holidays/add?year=2026",
        {"day": "20-03-2026", "name": "Hari lain"},
        page="/admin/holidays?year=2026",
    )
    assert response.status_code == 400
    assert "Enter a date like 2026-08-17." in page(response)
    assert 'value="Hari lain"' in page(response)

    post_form(
        admin, "/admin/holidays/remove", {"day": "2026-03-20"}, page="/admin/holidays?year=2026"
    )
    with database(app).session() as session:
        assert session.get(Holiday, date(2026, 3, 20)) is None

    response = post_form(
        admin, "/admin/holidays/load", {"year": "2026"}, page="/admin/holidays?year=2026"
    )
    assert response.status_code == 302
    with database(app).session() as session:
        loaded = session.scalars(select(Holiday)).all()
    assert date(2026, 8, 17) in {row.day for row in loaded}
    assert "national holidays of 2026 added" in page(admin.get(response.headers["Location"]))
    actions = [action for action, _detail in audit(app) if action.startswith("holiday.")]
    assert actions == ["holiday.added", "holiday.removed", "holiday.loaded"]


ADMIN_GETS = [
    "/admin/staff/new",
    "/admin/agencies",
    "/admin/agencies/new",
    "/admin/agencies/1",
    "/admin/categories",
    "/admin/categories/new",
    "/admin/categories/1",
    "/admin/holidays",
]
ADMIN_POSTS = [
    "/admin/staff/1",
    "/admin/staff/1/disable",
    "/admin/staff/1/enable",
    "/admin/staff/1/reset-password",
    "/admin/agencies/new",
    "/admin/agencies/1",
    "/admin/agencies/1/active",
    "/admin/categories/new",
    "/admin/categories/1",
    "/admin/categories/1/active",
    "/admin/holidays/add",
    "/admin/holidays/remove",
    "/admin/holidays/load",
]
ACCOUNT_PAGES = ["/admin/staff", "/admin/staff/1"]
SUPERVISOR_POSTS = ["/admin/staff/1/grant", "/admin/staff/1/revoke"]


@pytest.mark.parametrize("role", ["leadership", "sakip", "intake", "investigator"])
def test_other_roles_get_403_on_every_admin_route(
    app: Flask, init_result: InitResult, role: str
) -> None:
    add_officer(app, "orang", {role})
    person = officer_client(app, "orang")
    for path in [*ADMIN_GETS, *ACCOUNT_PAGES]:
        assert person.get(path).status_code == 403, path
    for path in [*ADMIN_POSTS, *SUPERVISOR_POSTS]:
        assert post_form(person, path, page="/admin/account").status_code == 403, path
    assert account(app, "admin").active


def test_a_supervisor_reaches_only_the_account_pages_and_an_admin_not_the_grants(
    app: Flask, init_result: InitResult
) -> None:
    add_officer(app, "irban", {"supervisor"})
    supervisor = officer_client(app, "irban")
    for path in ACCOUNT_PAGES:
        assert supervisor.get(path).status_code == 200, path
    for path in ADMIN_GETS:
        assert supervisor.get(path).status_code == 403, path
    for path in ADMIN_POSTS:
        assert post_form(supervisor, path, page="/admin/account").status_code == 403, path

    add_officer(app, "pengelola", {"admin"})
    admin_only = officer_client(app, "pengelola")
    assert admin_only.get("/admin/", follow_redirects=True).request.path == "/admin/staff"
    for path in SUPERVISOR_POSTS:
        assert post_form(admin_only, path, page="/admin/account").status_code == 403, path
    assert "Grant access" not in page(admin_only.get("/admin/staff/1"))
