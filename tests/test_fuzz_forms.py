"""Issue 6, "Hostile input": property-based fuzzing (hypothesis) of every public and
staff form and every API endpoint, through the Flask test client with a valid session
and CSRF token where the route needs them.

Every answer must be below 500; a 4xx of the API must have the documented shape
``{"error": {"code": ..., "message": ...}}``; a 4xx of an HTML page must be the app's
own page (error page or the form again), never a bare framework page.

``WBS_FUZZ_EXAMPLES`` sets the examples per route (default 5, for ``make test``);
with 111 routes, 25 sends more than 5,000 requests over SQLite and PostgreSQL together,
50 more than 5,000 on each. ``WBS_FUZZ_RANDOM=1``
draws new examples each run instead of the fixed, derandomised ones. When
``WBS_FUZZ_REPORT`` names a file, the number of requests sent per database is written
there as JSON, for the verification table.
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from hypothesis import given
from sqlalchemy import select

from tests.fuzz_support import (
    LAYOUT_MARKER,
    FuzzRequest,
    World,
    all_targets,
    build_world,
    coverage_problems,
    crawl,
    fuzz_settings,
    problem_with,
    request_strategy,
    restore,
    send,
)
from wbs.app_context import database
from wbs.installation import InitResult
from wbs.models import Category
from wbs.settings import Settings

EXAMPLES = int(os.environ.get("WBS_FUZZ_EXAMPLES", "5"))
RANDOM = os.environ.get("WBS_FUZZ_RANDOM") == "1"
REPORT = os.environ.get("WBS_FUZZ_REPORT")
# Findings kept per route: the first few tell what is wrong.
KEEP_PER_ROUTE = 3

FUZZ_SETTINGS = fuzz_settings(5)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Rate limits and lockouts would turn most of the fuzzing into 429s and locked
    # accounts; tests/test_rate_limits.py and test_staff_login.py check those.
    return settings.replace(
        submit_rate_limit="100000 per minute",
        status_rate_limit="100000 per minute",
        login_rate_limit="100000 per minute",
        login_lockout_attempts=1_000_000,
    )


def _fuzz_route(world: World, target_key: str, findings: dict[str, list[str]]) -> None:
    target = world.targets[target_key]
    account = world.accounts[target.account]

    @FUZZ_SETTINGS
    @given(request=request_strategy(target, world))
    def run(request):  # noqa: ANN001, ANN202 - hypothesis fills it
        restore(world, account)
        try:
            response = send(world, target, request)
        except Exception:  # noqa: BLE001 - an unhandled exception is a 500 in production
            problem = "raised " + traceback.format_exc(limit=-4)
        else:
            problem = problem_with(request, response)
        if problem is not None and len(findings[target_key]) < KEEP_PER_ROUTE:
            finding = f"{problem}\n    request: {request.describe()}"
            findings[target_key].append(finding)
            print(f"\nFINDING {target_key}: {finding}", flush=True)  # seen at once with -s

    # Form requests carry the account's CSRF token as drawn; keep it fresh first.
    restore(world, account)
    run()


def _record(database: str, world: World) -> None:
    """The requests sent, per database and in total: into ``WBS_FUZZ_REPORT`` (JSON)
    and, under ``make verify``, into its table (bench/verify.py)."""
    key = f"fuzz requests {database}"
    for variable in (REPORT, os.environ.get("WBS_VERIFY_FIGURES")):
        if not variable:
            continue
        path = Path(variable)
        stored = json.loads(path.read_text()) if path.exists() and path.stat().st_size else {}
        stored[key] = world.sent
        stored["fuzz requests total"] = sum(
            value
            for name, value in stored.items()
            if name.startswith("fuzz requests ") and name != "fuzz requests total"
        )
        stored["fuzz examples per route"] = EXAMPLES
        stored["fuzzed routes"] = len(world.targets)
        path.write_text(json.dumps(stored, indent=2, sort_keys=True))


def test_every_form_and_endpoint_survives_hostile_input(
    app: Flask, init_result: InitResult, database_url: str
) -> None:
    world = build_world(app, init_result)
    world.targets = crawl(world)
    # A route the crawl cannot reach with real path values or a real form would only be
    # hit blindly: fuzz it by hand here, or link it from a page.
    assert coverage_problems(world.targets) == []
    findings: dict[str, list[str]] = {key: [] for key in world.targets}
    for target in all_targets(world.targets):
        _fuzz_route(world, target.key, findings)
    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    _record(backend, world)
    print(f"\nfuzzing on {backend}: {world.sent} requests to {len(world.targets)} routes")
    failures = {key: found for key, found in findings.items() if found}
    report = "\n".join(f"{key}:\n  " + "\n  ".join(found) for key, found in failures.items())
    assert not failures, f"{len(failures)} routes failed:\n{report}"
    assert world.sent >= EXAMPLES * len(world.targets) // 2


def test_the_checks_refuse_a_500_a_bare_json_error_and_a_foreign_error_page() -> None:
    """The checks above can fail: each broken answer is named."""
    page = FuzzRequest("GET", "/report", "")
    api = FuzzRequest("POST", "/api/v1/reports", "")
    layout = f"<html>{LAYOUT_MARKER}</html>"
    assert problem_with(page, Response("x", 500)) == "answered 500"
    assert problem_with(page, Response(layout, 400, mimetype="text/html")) is None
    assert "layout" in (problem_with(page, Response("<p>Bad</p>", 400, mimetype="text/html")) or "")
    good = Response('{"error": {"code": "x", "message": "y"}}', 400, mimetype="application/json")
    assert problem_with(api, good) is None
    for body in ('{"error": "x"}', '{"error": {"code": "x", "message": ""}}', "[]"):
        bad = Response(body, 400, mimetype="application/json")
        assert "documented error shape" in (problem_with(api, bad) or "")
    assert "text/html" in (problem_with(api, Response(layout, 404, mimetype="text/html")) or "")


# --- what the fuzzing found (issue 6), kept as plain regression tests --------------------


def test_a_next_address_with_a_line_break_goes_home(client: FlaskClient) -> None:
    response = client.get("/lang/en?next=/%0d%0aSet-Cookie:%20a=b")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/holidays?year=%C2%B2",  # "²": str.isdigit() but not int()
        "/admin/cases?assignee=%C2%B2&agency=%C2%B2&reference=%C2%B2",
        "/admin/audit?before=%C2%B2",
        "/sakip/?year=%C2%B2",
        "/admin/dashboard?period=2026&category=disiplin",  # a deactivated category
    ],
)
def test_odd_digits_and_empty_breakdowns_are_not_server_errors(
    app: Flask, init_result: InitResult, path: str
) -> None:
    world = build_world(app, init_result)
    staff = world.accounts["staff"]
    deactivate = staff.client.post(
        "/admin/categories/" + str(_category_id(app, "disiplin")) + "/active",
        data={"csrf_token": staff.csrf, "active": "0"},
    )
    assert deactivate.status_code == 302
    response = staff.client.get(path)
    assert response.status_code == 200, path


def _category_id(app: Flask, code: str) -> int:
    with database(app).session() as session:
        return session.scalars(select(Category.id).where(Category.code == code)).one()


def test_the_api_takes_a_whole_loss_written_as_a_float_and_refuses_numbers_as_text(
    client: FlaskClient,
) -> None:
    report = {
        "category": "pungli",
        "agency": "DINKES",
        "description": "Petugas loket meminta uang tambahan untuk setiap surat rujukan.",
    }
    assert (
        client.post("/api/v1/reports", json={**report, "estimated_loss": 352422.0}).status_code
        == 201
    )
    refused = client.post("/api/v1/reports", json={**report, "location": 12345})
    assert refused.status_code == 400
    assert set(refused.get_json()["error"]["fields"]) == {"location"}
    odd = client.post("/api/v1/reports", json={**report, "estimated_loss": "\u0661\u0662"})
    assert odd.status_code == 400


def test_a_name_with_a_control_character_does_not_break_the_xlsx_export(
    app: Flask, init_result: InitResult
) -> None:
    world = build_world(app, init_result)
    staff = world.accounts["staff"]
    agency = str(world.agency_id)
    saved = staff.client.post(
        f"/admin/agencies/{agency}",
        data={"csrf_token": staff.csrf, "name": "Dinas\x07Kesehatan\x1b"},
    )
    assert saved.status_code in (200, 302)
    response = staff.client.get("/admin/dashboard/export.xlsx?period=2026")
    assert response.status_code == 200
    sakip = staff.client.get(f"/sakip/agencies/{agency}/export.xlsx?year=2026")
    assert sakip.status_code == 200
