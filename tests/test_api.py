"""JSON API v1 through the test client: what a program filing and following reports sees."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from tests.conftest import FAST_ARGON2
from wbs import create_app
from wbs.app_context import database, server_keys
from wbs.demo_data import AGENCIES, CATEGORIES
from wbs.intake import load_intake_keys
from wbs.models import Agency, Case
from wbs.reporter_access import open_with_code, reporter_view
from wbs.settings import Settings
from wbs.tracking_code import TrackingCode

DESCRIPTION = "Petugas loket meminta uang tambahan sebesar Rp50.000 untuk setiap surat rujukan."
VALID_REPORT = {"category": "pungli", "agency": "DINKES", "description": DESCRIPTION}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def case_count(app: Flask) -> int:
    with database(app).session() as session:
        return session.scalar(select(func.count()).select_from(Case)) or 0


def file_via_api(client: FlaskClient, **fields: Any) -> str:
    response = client.post("/api/v1/reports", json={**VALID_REPORT, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["tracking_code"]


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The documented error shape: {"error": {"code": ..., "message": ...}}, as JSON."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"].strip()
    if code is not None:
        assert error["code"] == code
    return error


def mistype(digits: str, position: int) -> str:
    wrong = str((int(digits[position]) + 1) % 10)
    return digits[:position] + wrong + digits[position + 1 :]


# --- reference data -------------------------------------------------------------------


def test_agencies_lists_every_demo_agency(client: FlaskClient) -> None:
    response = client.get("/api/v1/agencies")
    assert response.status_code == 200
    agencies = response.get_json()["agencies"]
    assert all(set(item) == {"code", "name"} for item in agencies)
    assert {(item["code"], item["name"]) for item in agencies} == set(AGENCIES)
    assert len(agencies) == len(AGENCIES)


def test_inactive_agency_is_not_listed_and_cannot_be_reported(
    app: Flask, client: FlaskClient
) -> None:
    with database(app).session() as session:
        session.execute(update(Agency).where(Agency.code == "DISHUB").values(active=False))
    codes = {item["code"] for item in client.get("/api/v1/agencies").get_json()["agencies"]}
    assert "DISHUB" not in codes and "DINKES" in codes
    response = client.post("/api/v1/reports", json={**VALID_REPORT, "agency": "DISHUB"})
    assert set(assert_error(response, 400, "invalid_fields")["fields"]) == {"agency"}
    assert case_count(app) == 0


def test_categories_lists_the_eleven_categories_in_the_chosen_language(
    client: FlaskClient,
) -> None:
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    categories = response.get_json()["categories"]
    assert len(categories) == 11
    # In the seed order, named in Bahasa Indonesia by default.
    assert [(c["code"], c["name"]) for c in categories] == [(c, n) for c, n, _en in CATEGORIES]
    client.set_cookie("lang", "en")
    english = client.get("/api/v1/categories").get_json()["categories"]
    assert [(c["code"], c["name"]) for c in english] == [(c, en) for c, _n, en in CATEGORIES]


# --- filing and following a report ---------------------------------------------------


def test_filed_report_is_followed_with_its_code(
    app: Flask, client: FlaskClient, settings: Settings
) -> None:
    response = client.post(
        "/api/v1/reports",
        json={
            **VALID_REPORT,
            "involved": "Kepala loket (nama tidak diketahui)",
            "location": "Puskesmas Kota",
            "incident_from": (settings.today() - timedelta(days=30)).isoformat(),
            "incident_until": (settings.today() - timedelta(days=2)).isoformat(),
            "how_known": "experienced",
            "estimated_loss": "Rp 1.500.000",
            "reporter_name": "Siti",
            "reporter_contact": "siti@example.org",
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    code = body["tracking_code"]
    assert re.fullmatch(r"\d{16}", code)
    assert body["tracking_code_display"] == " ".join(code[i : i + 4] for i in range(0, 16, 4))
    assert body["status"] == "received"
    assert case_count(app) == 1

    dashed = "-".join(code[i : i + 4] for i in range(0, 16, 4))
    for typed in (code, body["tracking_code_display"], dashed, f"  {dashed} "):
        status = client.post("/api/v1/reports/status", json={"tracking_code": typed})
        assert status.status_code == 200, typed
        view = status.get_json()
        assert view["status"] == "received"
        assert view["status_label"]
        assert view["received_on"] == settings.today().isoformat()
        assert [event["kind"] for event in view["events"]] == ["received"]
        assert view["events"][0]["date"] == settings.today().isoformat()
        assert view["events"][0]["status"] == "received"
        assert view["messages"] == []

    # What was sent is what the reporter (and, later, the officers) can read back.
    with database(app).session() as session:
        keys = load_intake_keys(session, server_keys(app).tracking_pepper, FAST_ARGON2)
        access = open_with_code(session, keys, TrackingCode(code))
        assert access is not None
        report = reporter_view(session, access).report
    assert report.description == DESCRIPTION
    assert report.estimated_loss == 1_500_000
    assert report.how_known == "experienced"
    assert report.reporter_contact == "siti@example.org"


def test_two_reports_get_different_codes_and_each_opens_its_own(client: FlaskClient) -> None:
    first = file_via_api(client)
    second = file_via_api(client, category="suap", agency="DPUPR")
    assert first != second
    for code in (first, second):
        response = client.post("/api/v1/reports/status", json={"tracking_code": code})
        assert response.status_code == 200


def test_integer_estimated_loss_is_accepted(client: FlaskClient) -> None:
    file_via_api(client, estimated_loss=25_000_000)


def test_missing_fields_are_each_named(app: Flask, client: FlaskClient) -> None:
    error = assert_error(client.post("/api/v1/reports", json={}), 400, "invalid_fields")
    assert set(error["fields"]) == {"category", "agency", "description"}
    assert all(
        isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
        for messages in error["fields"].values()
    )
    assert case_count(app) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "terlalu pendek"}, "description"),
        ({"description": "x" * 20001}, "description"),
        ({"description": " " * 40}, "description"),  # only spaces is no description
        ({"description": "\n\t  terlalu pendek  \n" * 1}, "description"),
        ({"how_known": "dukun"}, "how_known"),
        ({"estimated_loss": "banyak sekali"}, "estimated_loss"),
        ({"incident_from": "2025-02-31"}, "incident_from"),
        ({"incident_from": "kemarin"}, "incident_from"),
        ({"incident_until": "2025-01-10"}, "incident_until"),  # no first day given
        ({"incident_from": "2025-03-10", "incident_until": "2025-03-01"}, "incident_until"),
        ({"location": "x" * 501}, "location"),
        ({"reporter_contact": "x" * 201}, "reporter_contact"),
    ],
)
def test_invalid_field_is_named(
    app: Flask, client: FlaskClient, changes: dict[str, str], field: str
) -> None:
    response = client.post("/api/v1/reports", json={**VALID_REPORT, **changes})
    error = assert_error(response, 400, "invalid_fields")
    assert set(error["fields"]) == {field}
    assert case_count(app) == 0


def test_future_dates_are_refused(app: Flask, client: FlaskClient, settings: Settings) -> None:
    tomorrow = (settings.today() + timedelta(days=1)).isoformat()
    yesterday = (settings.today() - timedelta(days=1)).isoformat()
    error = assert_error(
        client.post("/api/v1/reports", json={**VALID_REPORT, "incident_from": tomorrow}), 400
    )
    assert set(error["fields"]) == {"incident_from"}
    error = assert_error(
        client.post(
            "/api/v1/reports",
            json={**VALID_REPORT, "incident_from": yesterday, "incident_until": tomorrow},
        ),
        400,
    )
    assert set(error["fields"]) == {"incident_until"}
    assert case_count(app) == 0
    # Today itself is not in the future.
    file_via_api(client, incident_from=settings.today().isoformat())


def test_wrong_json_types_are_named(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/reports",
        json={
            "category": ["pungli"],
            "agency": {"code": "DINKES"},
            "description": True,
            "estimated_loss": 1.5,
            "location": "Kantor",
        },
    )
    error = assert_error(response, 400, "invalid_fields")
    assert set(error["fields"]) == {"category", "agency", "description", "estimated_loss"}
    assert case_count(app) == 0


def test_unknown_category_and_agency_are_named(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/reports",
        json={**VALID_REPORT, "category": "tidak-ada", "agency": "DINAS-FIKTIF"},
    )
    assert set(assert_error(response, 400, "invalid_fields")["fields"]) == {"category", "agency"}
    assert case_count(app) == 0


@pytest.mark.parametrize(
    "raw", ["[1, 2, 3]", '"a string"', "42", "null", "{not json", ""], ids=repr
)
def test_body_that_is_not_a_json_object_is_refused(
    app: Flask, client: FlaskClient, raw: str
) -> None:
    response = client.post("/api/v1/reports", data=raw, content_type="application/json")
    assert_error(response, 400, "invalid_json")
    response = client.post("/api/v1/reports/status", data=raw, content_type="application/json")
    assert_error(response, 400, "invalid_json")
    assert case_count(app) == 0


@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/reports/status"])
def test_non_json_content_type_is_415(app: Flask, client: FlaskClient, path: str) -> None:
    response = client.post(path, data=VALID_REPORT)  # an HTML form post
    assert_error(response, 415, "unsupported_media_type")
    response = client.post(path, data='{"category": "pungli"}', content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")
    assert case_count(app) == 0


# --- status look-ups ------------------------------------------------------------------


def test_unknown_code_is_404_with_the_error_object(client: FlaskClient) -> None:
    file_via_api(client)
    unknown = TrackingCode.generate().digits
    response = client.post("/api/v1/reports/status", json={"tracking_code": unknown})
    assert_error(response, 404, "not_found")


def test_mistyped_code_is_400_and_told_apart_from_an_unknown_one(client: FlaskClient) -> None:
    code = file_via_api(client)
    for position in (0, 7, 15):
        response = client.post(
            "/api/v1/reports/status", json={"tracking_code": mistype(code, position)}
        )
        assert_error(response, 400, "mistyped_tracking_code")
    swapped = next(
        code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        for i in range(15)
        if code[i] != code[i + 1]
    )
    response = client.post("/api/v1/reports/status", json={"tracking_code": swapped})
    assert_error(response, 400, "mistyped_tracking_code")
    # A mistyped code of no report at all answers exactly the same.
    other = mistype(TrackingCode.generate().digits, 3)
    response = client.post("/api/v1/reports/status", json={"tracking_code": other})
    assert_error(response, 400, "mistyped_tracking_code")


@pytest.mark.parametrize(
    "typed",
    [
        "1234",
        "12345678901234567",
        "abcd efgh ijkl mnop",
        "",
        "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦",
        1234567890123456,
        None,
    ],
    ids=repr,
)
def test_text_that_is_not_a_16_digit_code_is_400(client: FlaskClient, typed: object) -> None:
    response = client.post("/api/v1/reports/status", json={"tracking_code": typed})
    assert_error(response, 400, "invalid_tracking_code")


def test_status_without_tracking_code_is_400(client: FlaskClient) -> None:
    response = client.post("/api/v1/reports/status", json={"code": "1234"})
    assert_error(response, 400, "invalid_tracking_code")


class TestThrottling:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(status_rate_limit="2 per day", submit_rate_limit="2 per day")

    def test_only_failed_look_ups_count_and_the_third_is_throttled(
        self, client: FlaskClient
    ) -> None:
        code = file_via_api(client)
        for _ in range(3):  # typos are caught before any look-up and cost nothing
            response = client.post(
                "/api/v1/reports/status", json={"tracking_code": mistype(code, 4)}
            )
            assert_error(response, 400, "mistyped_tracking_code")
        for _ in range(3):  # successful look-ups cost nothing either
            response = client.post("/api/v1/reports/status", json={"tracking_code": code})
            assert response.status_code == 200
        for _ in range(2):
            unknown = TrackingCode.generate().digits
            response = client.post("/api/v1/reports/status", json={"tracking_code": unknown})
            assert_error(response, 404, "not_found")
        response = client.post("/api/v1/reports/status", json={"tracking_code": code})
        assert_error(response, 429, "throttled")
        assert int(response.headers["Retry-After"]) > 0

    def test_only_filed_reports_count_against_the_submission_limit(
        self, app: Flask, client: FlaskClient
    ) -> None:
        for _ in range(3):
            assert_error(client.post("/api/v1/reports", json={}), 400, "invalid_fields")
        file_via_api(client)
        file_via_api(client)
        assert_error(client.post("/api/v1/reports", json=VALID_REPORT), 429, "throttled")
        assert case_count(app) == 2


class TestBodyLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(max_upload_mb=1)

    def test_body_over_the_limit_is_413_and_files_nothing(
        self, app: Flask, client: FlaskClient
    ) -> None:
        big = {**VALID_REPORT, "involved": "x" * (1024 * 1024 + 1)}
        assert_error(client.post("/api/v1/reports", json=big), 413, "too_large")
        assert case_count(app) == 0
        # Under the limit the same kind of request goes through.
        file_via_api(client, involved="Kepala seksi")


# --- routing, description, health ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/nothing-here", 404),
        ("post", "/api/v1/reports/123", 404),
        ("get", "/api/v2/reports", 404),
        ("get", "/api/v1/reports", 405),
        ("delete", "/api/v1/agencies", 405),
    ],
)
def test_unknown_api_routes_answer_json_errors(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path)
    assert_error(response, status)


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


_JSON_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def check_schema(document: dict[str, Any], schema: dict[str, Any], value: Any, at: str) -> None:
    """The subset of JSON Schema the API document uses: type, required, properties,
    items, enum, pattern. Enough to prove real answers match what is documented."""
    schema = _resolve(document, schema)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        assert any(
            isinstance(value, _JSON_TYPES[t]) and not (t == "integer" and isinstance(value, bool))
            for t in types
        ), f"{at}: {value!r} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{at}: {value!r} not in {schema['enum']}"
    if "pattern" in schema and isinstance(value, str):
        assert re.search(schema["pattern"], value), f"{at}: {value!r} !~ {schema['pattern']}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{at}: required key {key!r} missing"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check_schema(document, sub, value[key], f"{at}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check_schema(document, schema["items"], item, f"{at}[{index}]")


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_openapi_document_is_well_formed_3_1(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] and document["info"]["version"]
    operation_ids = []
    for path, item in document["paths"].items():
        assert path.startswith("/api/v1/")
        operations = {key: value for key, value in item.items() if key in HTTP_METHODS}
        assert operations, path
        for method, operation in operations.items():
            operation_ids.append(operation["operationId"])
            assert operation["responses"], f"{method} {path}"
            for status, answer in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d|[1-5]XX|default", status)
                assert answer["description"]
    assert len(operation_ids) == len(set(operation_ids)), "operationId must be unique"
    for ref in _refs(document):
        assert ref.startswith("#/components/")
        _resolve(document, {"$ref": ref})  # raises KeyError when it points nowhere


def test_openapi_documents_exactly_the_registered_api_routes(
    app: Flask, client: FlaskClient
) -> None:
    registered = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                registered.add((path, method.lower()))
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert registered, "no API route found in the url map"
    assert documented == registered


def test_real_answers_match_the_documented_schemas(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]

    def check(path: str, method: str, response: Any) -> None:
        documented = paths[path][method]["responses"]
        assert str(response.status_code) in documented, (path, response.status_code)
        schema = documented[str(response.status_code)]["content"]["application/json"]["schema"]
        check_schema(document, schema, response.get_json(), f"{method} {path}")

    check("/api/v1/agencies", "get", client.get("/api/v1/agencies"))
    check("/api/v1/categories", "get", client.get("/api/v1/categories"))
    check("/api/v1/openapi.json", "get", client.get("/api/v1/openapi.json"))
    filed = client.post("/api/v1/reports", json=VALID_REPORT)
    check("/api/v1/reports", "post", filed)
    code = filed.get_json()["tracking_code"]
    status = client.post("/api/v1/reports/status", json={"tracking_code": code})
    check("/api/v1/reports/status", "post", status)
    assert status.get_json()["events"], "the schema check needs a non-empty event list"
    check("/api/v1/reports", "post", client.post("/api/v1/reports", json={}))
    check("/api/v1/reports", "post", client.post("/api/v1/reports", data="x"))
    unknown = TrackingCode.generate().digits
    for typed in (unknown, mistype(unknown, 2), "12"):
        response = client.post("/api/v1/reports/status", json={"tracking_code": typed})
        check("/api/v1/reports/status", "post", response)
    # The request schema accepts what the API accepts.
    request_schema = paths["/api/v1/reports"]["post"]["requestBody"]["content"]
    check_schema(document, request_schema["application/json"]["schema"], VALID_REPORT, "input")


def test_healthz_says_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_says_unavailable_without_detail_when_the_database_is_gone(
    settings: Settings, tmp_path: Any
) -> None:
    broken = settings.replace(database_url=f"sqlite:///{tmp_path}/missing/dir/wbs.sqlite3")
    app = create_app(broken)
    try:
        response = app.test_client().get("/healthz")
    finally:
        database(app).dispose()
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
