"""GET /api/v1/stats (issue 4): the dashboard's protected figures as JSON, for staff
tokens created on the token page and for staff sessions with a dashboard role.

The numbers are checked against ``figures_to_json(collect(...))`` and, independently,
against counts of the hand-computed fixture of tests/test_statistics.py.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from case_admin.dashboard_views import DASHBOARD_ROLES
from tests.conftest import ADMIN_PASSWORD
from tests.staff_helpers import STAFF_PASSWORD, create_officer, english, login, post_form
from tests.test_api import check_schema
from tests.test_statistics import run, stats_db  # noqa: F401 - the fixture of the hand-computed cases
from wbs.api.views import STATS_ROLES
from wbs.api_tokens import PREFIX, create_token, verify_token
from wbs.app_context import database, settings
from wbs.installation import InitResult, now_utc
from wbs.models import ApiToken, AuditEntry, Staff
from wbs.stats_dashboard import collect, read_request
from wbs.stats_json import figures_to_json

_NEW_TOKEN = re.compile(r'id="new-token">([^<]+)<')
SMALL = {"value": None, "suppressed": "small", "display": "< 3"}
HIDDEN = {"value": None, "suppressed": "complementary", "display": "x"}


def staff_client(
    app: Flask, init_result: InitResult, username: str, roles: set[str]
) -> FlaskClient:
    create_officer(app, init_result, username, roles)
    client = english(app.test_client())
    login(client, username, STAFF_PASSWORD)
    return client


def token_from_page(client: FlaskClient, name: str = "Dashboard Bupati", days: str = "90") -> str:
    response = post_form(client, "/admin/account/tokens", {"name": name, "days_valid": days})
    assert response.status_code == 201, response.get_data(as_text=True)
    match = _NEW_TOKEN.search(response.get_data(as_text=True))
    assert match, "the new token is not on the page"
    return match.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def expected_json(app: Flask, args: dict[str, str], today: date) -> dict[str, Any]:
    def figures(session: Any) -> Any:
        return collect(session, read_request(session, args, today), today, 3)

    return figures_to_json(run(app, figures))


def today_of(app: Flask) -> date:
    return settings(app).today()


def direct_token(app: Flask, username: str, *, today: date, days_valid: int = 30) -> str:
    """A token made without the page (for accounts the page refuses, or past dates)."""
    with database(app).session() as session:
        staff = session.scalar(select(Staff).where(Staff.username == username))
        assert staff is not None
        return create_token(session, staff, "script", today, days_valid, now_utc()).secret


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_token_from_the_page_is_shown_once_and_reads_the_figures(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = staff_client(stats_db, init_result, "bupati", {"leadership"})
    assert "/admin/account/tokens" in client.get("/admin/account").get_data(as_text=True)
    assert "You have no API token yet." in client.get("/admin/account/tokens").get_data(
        as_text=True
    )
    token = token_from_page(client)
    assert token.startswith(PREFIX) and len(token) > 40
    listing = client.get("/admin/account/tokens").get_data(as_text=True)
    assert "Dashboard Bupati" in listing and token not in listing
    with database(stats_db).session() as session:
        row = session.scalars(select(ApiToken)).one()
        assert row.token_hash != token.encode() and token.encode() not in row.token_hash
        assert row.last_used_on is None

    api = english(stats_db.test_client())  # no staff cookie: the token alone
    response = api.get("/api/v1/stats?period=2026", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    today = date.fromisoformat(body["generated_for"])
    assert body == expected_json(stats_db, {"period": "2026"}, today)

    # Hand-known figures of the fixture (tests/test_statistics.py).
    assert body["period"] == {
        "key": "2026",
        "kind": "year",
        "start": "2026-01-01",
        "end": "2026-12-31",
    }
    assert body["filters"] == {"agency": None, "category": None}
    assert body["threshold"] == 3
    overview = body["overview"]
    assert overview["received"] == {"value": 22}
    assert overview["substantiated"] == {"value": 7}
    assert overview["by_status"]["closed"] == {"value": 10}
    assert overview["by_status"]["need_info"] == SMALL  # case 14 alone
    assert overview["forwarded_by_destination"]["ombudsman"] == {"value": 0}
    agencies = {row["key"]: row for row in body["by_agency"]["rows"]}
    assert agencies["DINKES"]["received"] == {"value": 8}
    assert agencies["DPUPR"]["closed"] == SMALL  # 2 closed
    assert agencies["DISDIK"]["closed"] == HIDDEN  # 3, hidden beside DPUPR's 2
    assert body["by_agency"]["total"]["closed"] == {"value": 10}
    months = {row["key"]: row for row in body["by_month"]["rows"]}
    assert months["2026-01"]["received"] == {"value": 4}
    assert body["handling_times"]["closure"] == {
        "cases": {"value": 10},
        "median_days": 37.5,
        "p90_days": 91,
    }
    ranking = body["agency_ranking"]
    assert ranking["weights"] == {"ringan": 1, "sedang": 3, "berat": 5}
    assert ranking["scores"][0]["code"] == "DINKES"
    assert ranking["scores"][0]["weighted_findings"] == HIDDEN
    assert ranking["scores"][0]["substantiated"] == {"value": 4}

    # The real answer matches the documented schema.
    document = api.get("/api/v1/openapi.json").get_json()
    schema = document["paths"]["/api/v1/stats"]["get"]["responses"]["200"]["content"]
    check_schema(document, schema["application/json"]["schema"], body, "GET /stats")

    with database(stats_db).session() as session:
        assert session.scalars(select(ApiToken)).one().last_used_on == today
        actions = [
            (entry.action, entry.detail)
            for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]
    assert ("stats.api_read", "2026") in actions
    created = [detail for action, detail in actions if action == "api_token.created"]
    assert len(created) == 1 and token not in created[0]
    assert all(token not in detail for _action, detail in actions)


def test_filters_and_periods_come_from_the_query_string(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    create_officer(stats_db, init_result, "sekda", {"leadership"})
    token = direct_token(stats_db, "sekda", today=today_of(stats_db))
    api = english(stats_db.test_client())
    response = api.get("/api/v1/stats?period=2026&agency=DINKES", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["filters"]["agency"]["code"] == "DINKES"
    assert body["overview"]["received"] == {"value": 8}  # 1,2,3,9,10,14,17,20
    quarter = api.get("/api/v1/stats?period=2026-Q1", headers=bearer(token)).get_json()
    assert quarter["period"]["key"] == "2026-Q1"
    assert quarter["overview"]["received"] == {"value": 11}
    span = api.get(
        "/api/v1/stats?from=2025-11-01&until=2026-01-31", headers=bearer(token)
    ).get_json()
    assert span["period"]["kind"] == "range"
    assert span["overview"]["received"] == {"value": 6}


def test_a_leadership_session_reads_the_same_figures(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = staff_client(stats_db, init_result, "bupati", {"leadership"})
    response = client.get("/api/v1/stats?period=2026")
    assert response.status_code == 200
    body = response.get_json()
    today = date.fromisoformat(body["generated_for"])
    assert body == expected_json(stats_db, {"period": "2026"}, today)
    # Only token calls are recorded (a session is a person at the dashboard).
    with database(stats_db).session() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "stats.api_read" not in actions


def test_supervisor_and_admin_may_read_and_the_roles_match_the_dashboard(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    assert frozenset(DASHBOARD_ROLES) == STATS_ROLES
    admin = english(stats_db.test_client())
    login(admin, "admin", ADMIN_PASSWORD)  # admin + supervisor
    assert admin.get("/api/v1/stats").status_code == 200
    assert admin.get("/admin/account/tokens").status_code == 200


def test_an_intake_officer_is_refused_by_session_and_by_token(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = staff_client(stats_db, init_result, "verifikator", {"intake"})
    assert_error(client.get("/api/v1/stats"), 403, "forbidden")
    assert client.get("/admin/account/tokens").status_code == 403
    assert "/admin/account/tokens" not in client.get("/admin/account").get_data(as_text=True)
    refused = post_form(
        client, "/admin/account/tokens", {"name": "x", "days_valid": "5"}, page="/admin/account"
    )
    assert refused.status_code == 403
    token = direct_token(stats_db, "verifikator", today=today_of(stats_db))
    api = stats_db.test_client()
    assert_error(api.get("/api/v1/stats", headers=bearer(token)), 403, "forbidden")
    with database(stats_db).session() as session:
        assert len(session.scalars(select(ApiToken)).all()) == 1


def test_without_credentials_or_with_a_bad_token_the_answer_is_401(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    api = stats_db.test_client()
    response = api.get("/api/v1/stats?period=2026")
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Cache-Control"] == "no-store"
    for header in ("Bearer wbs_not-a-token", "Bearer ", f"Bearer {PREFIX}{'A' * 43}"):
        response = api.get("/api/v1/stats", headers={"Authorization": header})
        assert_error(response, 401, "unauthorized")
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    response = api.get("/api/v1/stats", headers={"Authorization": "Basic YnVwYXRpOnNlY3JldA=="})
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="wbs"'


def test_a_revoked_token_is_refused(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    client = staff_client(stats_db, init_result, "bupati", {"leadership"})
    token = token_from_page(client)
    api = stats_db.test_client()
    assert api.get("/api/v1/stats", headers=bearer(token)).status_code == 200
    with database(stats_db).session() as session:
        token_id = session.scalars(select(ApiToken.id)).one()
    revoke = f"/admin/account/tokens/{token_id}/revoke"
    response = post_form(client, revoke, page="/admin/account/tokens")
    assert response.status_code == 302
    assert "Revoked on" in client.get("/admin/account/tokens").get_data(as_text=True)
    assert_error(api.get("/api/v1/stats", headers=bearer(token)), 401, "unauthorized")
    # Once is enough; and nobody revokes another person's token.
    assert post_form(client, revoke, page="/admin/account/tokens").status_code == 404
    other = staff_client(stats_db, init_result, "sekda", {"leadership"})
    other_token = token_from_page(other, "Sekda")
    with database(stats_db).session() as session:
        other_id = session.scalar(select(ApiToken.id).where(ApiToken.name == "Sekda"))
    response = post_form(
        client, f"/admin/account/tokens/{other_id}/revoke", page="/admin/account/tokens"
    )
    assert response.status_code == 404
    assert api.get("/api/v1/stats", headers=bearer(other_token)).status_code == 200
    with database(stats_db).session() as session:
        details = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "api_token.revoked")
        ).all()
    assert details == [f"token {token_id}"]


def test_an_expired_token_is_refused_from_its_expiry_day(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    create_officer(stats_db, init_result, "bupati", {"leadership"})
    today = today_of(stats_db)
    # Created 30 days ago for 30 days: today is its expiry day. For 31: its last day.
    expired = direct_token(stats_db, "bupati", today=today - timedelta(days=30), days_valid=30)
    last_day = direct_token(stats_db, "bupati", today=today - timedelta(days=30), days_valid=31)
    api = stats_db.test_client()
    assert_error(api.get("/api/v1/stats", headers=bearer(expired)), 401, "unauthorized")
    assert api.get("/api/v1/stats", headers=bearer(last_day)).status_code == 200


def test_a_disabled_accounts_token_is_refused(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    staff_id = create_officer(stats_db, init_result, "bupati", {"leadership"})
    token = direct_token(stats_db, "bupati", today=today_of(stats_db))
    api = stats_db.test_client()
    assert api.get("/api/v1/stats", headers=bearer(token)).status_code == 200
    admin = english(stats_db.test_client())
    login(admin, "admin", ADMIN_PASSWORD)
    edit = f"/admin/staff/{staff_id}"
    assert post_form(admin, f"{edit}/disable", page=edit).status_code == 302
    assert_error(api.get("/api/v1/stats", headers=bearer(token)), 401, "unauthorized")


def test_a_bad_period_or_filter_is_400_with_the_reason(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    create_officer(stats_db, init_result, "bupati", {"leadership"})
    token = direct_token(stats_db, "bupati", today=today_of(stats_db))
    api = english(stats_db.test_client())
    error = assert_error(
        api.get("/api/v1/stats?period=2026-13", headers=bearer(token)), 400, "invalid_period"
    )
    assert error["message"] == "A month runs from 01 to 12."
    assert error["reason"] == "bad_month"
    error = assert_error(
        api.get("/api/v1/stats?from=2026-05-01&until=2026-04-01", headers=bearer(token)),
        400,
        "invalid_period",
    )
    assert error["message"] == "The last day comes before the first."
    error = assert_error(
        api.get("/api/v1/stats?agency=NOPE", headers=bearer(token)), 400, "unknown_agency"
    )
    assert error["message"] == "There is no agency with this code."
    # Indonesian by default.
    indonesian = stats_db.test_client().get("/api/v1/stats?period=x", headers=bearer(token))
    assert indonesian.status_code == 400
    assert (
        indonesian.get_json()["error"]["message"] != "Write the period as 2026, 2026-Q3 or 2026-07."
    )


@pytest.mark.parametrize("days", ["0", "366", "", "dua"])
def test_the_token_form_refuses_a_bad_validity(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
    days: str,
) -> None:
    client = staff_client(stats_db, init_result, "bupati", {"leadership"})
    response = post_form(client, "/admin/account/tokens", {"name": "x", "days_valid": days})
    assert response.status_code == 400
    assert 'id="new-token"' not in response.get_data(as_text=True)
    with database(stats_db).session() as session:
        assert session.scalars(select(ApiToken)).all() == []


def test_verify_token_marks_use_once_a_day(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    create_officer(stats_db, init_result, "bupati", {"leadership"})
    day = date(2026, 9, 1)
    token = direct_token(stats_db, "bupati", today=day)
    with database(stats_db).session() as session:
        assert verify_token(session, "no-prefix", day) is None
        staff = verify_token(session, f"  {token} ", day)
        assert staff is not None and staff.username == "bupati"
        row = session.scalars(select(ApiToken)).one()
        assert row.last_used_on == day
        session.commit()
        assert verify_token(session, token, day) is not None
        assert not session.dirty  # used again the same day: nothing to write
        assert verify_token(session, token, day + timedelta(days=30)) is None  # expired


def test_the_openapi_document_describes_stats_with_bearer_security(
    stats_db: Flask,  # noqa: F811
    init_result: InitResult,
) -> None:
    document = stats_db.test_client().get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/stats"]["get"]
    assert {"bearerToken": []} in operation["security"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {**schemes["bearerToken"], "type": "http", "scheme": "bearer"}
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "period",
        "from",
        "until",
        "agency",
        "category",
    }
    assert set(operation["responses"]) == {"200", "400", "401", "403"}
    for status in ("400", "401", "403"):
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}
