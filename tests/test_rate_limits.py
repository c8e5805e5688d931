"""Issue 2, "Rate limits": submissions and failed status look-ups are limited per client,
keyed by a daily-rotating keyed hash of the address; the Redis storage holds the limit
for every worker and never sees an address."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers import REPORTER_ADDRESS, file_report, hidden_value, report_form_data
from tests.leak_scan import find_leaks
from wbs import create_app, intake
from wbs.app_context import database, server_keys
from wbs.extensions import client_key
from wbs.lookup_priority import LOWEST_PRIORITY, LookupLanes
from wbs.server_keys import ServerKeys
from wbs.settings import Settings

OTHER_ADDRESS = "198.51.100.40"
UNKNOWN_CODE = "0000000000000000"  # a valid check digit; no report has it
MISTYPED_CODE = "0000000000000001"  # the check digit is wrong
THROTTLED_MESSAGE = "Too many attempts from your connection. Wait a while and try again."
NOT_COUNTED = "This attempt was not counted."
STATUS_ATTEMPTS = 3
# A database of its own on the local Redis, and a server secret of its own per run, so
# the keys of this run are told apart from any other run's and removed afterwards.
REDIS_URL = "redis://127.0.0.1:6379/14"
REDIS_SECRET = f"redis-rate-limit-test-{uuid.uuid4().hex}"


@pytest.fixture
def settings_changes() -> dict[str, Any]:
    """Per-test changes on top of the low limits below (parametrize to override)."""
    return {}


@pytest.fixture
def settings(settings: Settings, settings_changes: dict[str, Any]) -> Settings:
    return settings.replace(
        submit_rate_limit="2 per hour",
        status_rate_limit=f"{STATUS_ATTEMPTS} per hour",
        **settings_changes,
    )


def look_up(client: FlaskClient, code: str, address: str = REPORTER_ADDRESS) -> TestResponse:
    page = client.get("/status", environ_base={"REMOTE_ADDR": address})
    if page.status_code != 200:  # the form page itself is never limited
        raise AssertionError(page.status_code)
    return client.post(
        "/status",
        data={
            "csrf_token": hidden_value(page.get_data(as_text=True), "csrf_token"),
            "tracking_code": code,
        },
        environ_base={"REMOTE_ADDR": address},
    )


def api_look_up(client: FlaskClient, code: str, address: str = REPORTER_ADDRESS) -> TestResponse:
    return client.post(
        "/api/v1/reports/status",
        json={"tracking_code": code},
        environ_base={"REMOTE_ADDR": address},
    )


def assert_throttled_page(response: TestResponse) -> None:
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert THROTTLED_MESSAGE in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


def assert_throttled_json(response: TestResponse) -> None:
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "throttled"
    assert error["message"] == THROTTLED_MESSAGE
    assert int(response.headers["Retry-After"]) > 0


@pytest.fixture
def english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("lang", "en")
    return client


# --- Submissions


def _post_report(client: FlaskClient, data: dict[str, Any], address: str) -> TestResponse:
    return client.post(
        "/report",
        data=data,
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": address},
    )


def test_only_filed_reports_count_against_the_submission_limit(english: FlaskClient) -> None:
    client = english
    for _attempt in range(4):  # form errors cost nothing
        invalid = report_form_data(client, description="pendek")
        assert _post_report(client, invalid, REPORTER_ADDRESS).status_code == 400
    first = report_form_data(client)
    assert _post_report(client, dict(first), REPORTER_ADDRESS).status_code == 201
    # A double click re-sends the same form: the same code again, not counted.
    assert _post_report(client, dict(first), REPORTER_ADDRESS).status_code == 200
    assert _post_report(client, report_form_data(client), REPORTER_ADDRESS).status_code == 201

    assert_throttled_page(_post_report(client, report_form_data(client), REPORTER_ADDRESS))
    # The JSON API files reports too, and shares the same limit.
    api = client.post(
        "/api/v1/reports",
        json={
            "category": "pungli",
            "agency": "DINKES",
            "description": "Laporan lewat API, cukup panjang.",
        },
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert_throttled_json(api)
    # Another connection is not affected.
    assert _post_report(client, report_form_data(client), OTHER_ADDRESS).status_code == 201


def test_reporter_replies_are_limited(english: FlaskClient) -> None:
    client = english
    code = file_report(client)
    assert look_up(client, code).status_code == 303
    statuses = []
    for number in range(3):
        page = client.get("/status/case").get_data(as_text=True)
        response = client.post(
            "/status/reply",
            data={
                "csrf_token": hidden_value(page, "csrf_token"),
                "message": f"Balasan ke-{number}",
            },
            environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
        )
        statuses.append(response.status_code)
    assert statuses == [303, 303, 429]
    assert_throttled_page(response)


# --- Status look-ups


def test_failed_look_ups_are_throttled_with_a_clear_message(english: FlaskClient) -> None:
    for _attempt in range(STATUS_ATTEMPTS):
        response = look_up(english, UNKNOWN_CODE)
        assert response.status_code == 404
        assert "No report matches this code" in response.get_data(as_text=True)
    assert_throttled_page(look_up(english, UNKNOWN_CODE))


def test_failed_look_ups_through_the_api_are_throttled_with_a_clear_message(
    english: FlaskClient,
) -> None:
    for _attempt in range(STATUS_ATTEMPTS):
        response = api_look_up(english, UNKNOWN_CODE)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    assert_throttled_json(api_look_up(english, UNKNOWN_CODE))


def test_page_and_api_share_one_count(english: FlaskClient) -> None:
    for _attempt in range(STATUS_ATTEMPTS - 1):
        assert look_up(english, UNKNOWN_CODE).status_code == 404
    assert api_look_up(english, UNKNOWN_CODE).status_code == 404
    assert_throttled_json(api_look_up(english, UNKNOWN_CODE))
    assert_throttled_page(look_up(english, UNKNOWN_CODE))


def test_mistyped_and_malformed_codes_are_not_counted(english: FlaskClient) -> None:
    for _attempt in range(3 * STATUS_ATTEMPTS):
        response = look_up(english, MISTYPED_CODE)
        assert response.status_code == 400
        assert NOT_COUNTED in response.get_data(as_text=True)
        assert look_up(english, "1234").status_code == 400
        api = api_look_up(english, MISTYPED_CODE)
        assert api.status_code == 400
        assert api.get_json()["error"]["code"] == "mistyped_tracking_code"
    # Every real attempt is still there.
    for _attempt in range(STATUS_ATTEMPTS):
        assert look_up(english, UNKNOWN_CODE).status_code == 404
    assert_throttled_page(look_up(english, UNKNOWN_CODE))


def test_successful_look_ups_are_not_counted(english: FlaskClient) -> None:
    code = file_report(english)
    for _attempt in range(2 * STATUS_ATTEMPTS):
        assert look_up(english, code).status_code == 303
        assert api_look_up(english, code).status_code == 200
    for _attempt in range(STATUS_ATTEMPTS):
        assert look_up(english, UNKNOWN_CODE).status_code == 404


def test_throttled_client_gets_the_same_answer_for_a_valid_code(english: FlaskClient) -> None:
    """No oracle: once throttled, a right code is refused exactly like a wrong one."""
    client = english
    code = file_report(client)
    for _attempt in range(STATUS_ATTEMPTS):
        assert look_up(client, UNKNOWN_CODE).status_code == 404
    wrong, right = look_up(client, UNKNOWN_CODE), look_up(client, code)
    assert_throttled_page(right)
    assert right.get_data() == wrong.get_data()
    assert client.get("/status/case").status_code == 303  # no reporter session was opened
    api_wrong, api_right = api_look_up(client, UNKNOWN_CODE), api_look_up(client, code)
    assert_throttled_json(api_right)
    assert api_right.get_json() == api_wrong.get_json()
    # Another connection is not affected: its look-ups work and its failures are its own.
    assert look_up(client, code, OTHER_ADDRESS).status_code == 303
    assert api_look_up(client, code, OTHER_ADDRESS).status_code == 200
    assert look_up(client, UNKNOWN_CODE, OTHER_ADDRESS).status_code == 404


def test_a_forged_forwarded_for_header_does_not_reset_the_count(english: FlaskClient) -> None:
    """Without a trusted proxy (the default) X-Forwarded-For is ignored."""
    for number in range(STATUS_ATTEMPTS + 1):
        response = english.post(
            "/api/v1/reports/status",
            json={"tracking_code": UNKNOWN_CODE},
            headers={"X-Forwarded-For": f"192.0.2.{number}"},
            environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
        )
    assert_throttled_json(response)


@pytest.mark.parametrize("settings_changes", [{"trusted_proxies": 1}])
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count(
    english: FlaskClient,
) -> None:
    def attempt(client_address: str) -> TestResponse:
        return english.post(
            "/api/v1/reports/status",
            json={"tracking_code": UNKNOWN_CODE},
            headers={"X-Forwarded-For": client_address},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},  # the proxy
        )

    for _attempt in range(STATUS_ATTEMPTS):
        assert attempt(REPORTER_ADDRESS).status_code == 404
    assert_throttled_json(attempt(REPORTER_ADDRESS))
    assert attempt(OTHER_ADDRESS).status_code == 404


# --- The key: a keyed hash of the address that rotates daily


def test_address_key_is_keyed_daily_and_hides_the_address() -> None:
    keys = ServerKeys.from_secret("a-server-secret-that-is-long-enough-0123456789")
    other_secret = ServerKeys.from_secret("another-server-secret-long-enough-0123456789")
    today, tomorrow = date(2026, 3, 1), date(2026, 3, 2)
    key = keys.address_key(REPORTER_ADDRESS, today)
    assert key == keys.address_key(REPORTER_ADDRESS, today)
    assert key != keys.address_key(REPORTER_ADDRESS, tomorrow)  # not linkable across days
    assert key != keys.address_key(OTHER_ADDRESS, today)
    assert key != other_secret.address_key(REPORTER_ADDRESS, today)  # not computable without it
    assert find_leaks({"key": key.encode()}, {"address": REPORTER_ADDRESS}) == []


def test_limiter_key_is_the_hash_of_the_request_address_for_today(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = server_keys(app)
    with app.test_request_context(environ_base={"REMOTE_ADDR": REPORTER_ADDRESS}):
        assert client_key() == keys.address_key(REPORTER_ADDRESS, datetime.now(UTC).date())

    class NextDay(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> NextDay:  # noqa: ANN401 - datetime's own signature
            return cls(2031, 1, 2, 0, 0, 1, tzinfo=tz)

    monkeypatch.setattr("wbs.extensions.datetime", NextDay)
    with app.test_request_context(environ_base={"REMOTE_ADDR": REPORTER_ADDRESS}):
        assert client_key() == keys.address_key(REPORTER_ADDRESS, date(2031, 1, 2))
        assert REPORTER_ADDRESS not in client_key()


# --- Redis storage, against the local Redis


def _our_keys(store: redis.Redis, markers: set[str]) -> list[bytes]:
    """Keys of this run: under its own address hashes, or (when a test fails because an
    address leaked) holding one of its addresses."""
    return [key for key in store.scan_iter(count=1000) if any(m.encode() in key for m in markers)]


@pytest.mark.parametrize(
    "settings_changes",
    [{"ratelimit_storage_uri": REDIS_URL, "secret_key": REDIS_SECRET}],
)
def test_redis_storage_holds_the_limit_for_every_worker_and_never_sees_an_address(
    app: Flask, english: FlaskClient, settings: Settings
) -> None:
    store = redis.Redis.from_url(REDIS_URL)
    keys = server_keys(app)
    start = datetime.now(UTC).date()
    try:
        file_report(english)
        for _attempt in range(STATUS_ATTEMPTS):
            assert look_up(english, UNKNOWN_CODE).status_code == 404
        assert_throttled_page(look_up(english, UNKNOWN_CODE))

        # A second worker (a new app with its own limiter storage) sees the same count:
        # the limit lives in Redis, not in the memory of one process.
        worker = create_app(settings)
        try:
            other_client = worker.test_client()
            other_client.set_cookie("lang", "en")
            assert_throttled_page(look_up(other_client, UNKNOWN_CODE))
            assert look_up(other_client, UNKNOWN_CODE, OTHER_ADDRESS).status_code == 404
        finally:
            database(worker).dispose()

        hashes = {
            keys.address_key(address, day)
            for address in (REPORTER_ADDRESS, OTHER_ADDRESS)
            for day in {start, datetime.now(UTC).date()}
        }
        ours = _our_keys(store, hashes)
        # Positive control: the limiter wrote its counters to this Redis, under the hash.
        assert any(b"/status/" in key for key in ours) and any(b"/submit/" in key for key in ours)
        for key in ours:
            assert store.ttl(key) > 0, key  # counters expire: hashed addresses do not pile up
        everything = {}
        for key in store.scan_iter(count=1000):
            everything[f"key {key!r}"] = key
            if store.type(key) == b"string":
                everything[f"value of {key!r}"] = store.get(key) or b""
        addresses = {"reporter address": REPORTER_ADDRESS, "other address": OTHER_ADDRESS}
        assert find_leaks(everything, addresses) == []
    finally:
        days = {start, datetime.now(UTC).date()}
        addresses_used = {REPORTER_ADDRESS, OTHER_ADDRESS}
        markers = {keys.address_key(a, d) for a in addresses_used for d in days} | addresses_used
        leftover = _our_keys(store, markers)
        if leftover:
            store.delete(*leftover)
        store.close()


@pytest.mark.parametrize("settings_changes", [{"login_rate_limit": "3 per hour"}])
def test_failed_staff_logins_from_one_address_are_throttled_across_usernames(
    client: FlaskClient,
) -> None:
    from tests.staff_helpers import csrf_token

    token = csrf_token(client)

    def attempt(username: str, address: str = "198.51.100.9") -> TestResponse:
        return client.post(
            "/admin/login",
            data={"csrf_token": token, "username": username, "password": "salah-sandi-2026-x"},
            environ_base={"REMOTE_ADDR": address},
        )

    # Three different usernames: the per-account lockout never triggers, the address limit does.
    assert [attempt(name).status_code for name in ("budi", "sri", "rina")] == [401, 401, 401]
    throttled = attempt("dewi")
    assert throttled.status_code == 429
    # Another address is not affected.
    assert attempt("dewi", address="198.51.100.10").status_code == 401


# --- Cheap refusals (wbs/throttle_gate.py) and the low-priority lane (wbs/lookup_priority.py)


def test_a_throttled_client_is_refused_before_its_request_is_read(english: FlaskClient) -> None:
    """Once throttled, the answer comes before any body, CSRF or JSON check: a request
    the app itself would refuse as malformed gets the same 429 (issue 6, brute force)."""
    for _attempt in range(STATUS_ATTEMPTS):
        assert look_up(english, UNKNOWN_CODE).status_code == 404
    assert_throttled_page(look_up(english, UNKNOWN_CODE))
    assert_throttled_json(api_look_up(english, UNKNOWN_CODE))

    no_csrf = english.post(
        "/status",
        data={"tracking_code": UNKNOWN_CODE},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert_throttled_page(no_csrf)
    assert no_csrf.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Set-Cookie" not in no_csrf.headers
    not_json = english.post(
        "/api/v1/reports/status",
        data=b"\x00not json",
        content_type="text/plain",
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert_throttled_json(not_json)
    # Unthrottled, the same malformed requests get the app's own answers.
    assert (
        english.post(
            "/status",
            data={"tracking_code": UNKNOWN_CODE},
            environ_base={"REMOTE_ADDR": OTHER_ADDRESS},
        ).status_code
        == 400
    )
    assert english.post(
        "/api/v1/reports/status",
        data=b"\x00not json",
        content_type="text/plain",
        environ_base={"REMOTE_ADDR": OTHER_ADDRESS},
    ).status_code in (400, 415)


def test_a_remembered_refusal_is_in_the_language_of_the_request(english: FlaskClient) -> None:
    for _attempt in range(STATUS_ATTEMPTS):
        assert api_look_up(english, UNKNOWN_CODE).status_code == 404
    assert_throttled_json(api_look_up(english, UNKNOWN_CODE))
    english.set_cookie("lang", "id")
    indonesian = api_look_up(english, UNKNOWN_CODE)
    assert indonesian.status_code == 429
    assert indonesian.get_json()["error"]["message"] != THROTTLED_MESSAGE
    assert "coba" in indonesian.get_json()["error"]["message"].lower()
    english.set_cookie("lang", "en")
    assert_throttled_json(api_look_up(english, UNKNOWN_CODE))


def _thread_priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.fixture
def argon2_priorities(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The CPU priority (nice) of the thread each Argon2id run of a look-up ran in."""
    if not hasattr(os, "getpriority") or _thread_priority() >= LOWEST_PRIORITY:
        pytest.skip("no per-thread CPU priority to observe here")
    seen: list[int] = []
    real = intake.derive_code_keys

    def watched(*args: Any) -> Any:  # noqa: ANN401 - passes derive_code_keys' values through
        seen.append(_thread_priority())
        return real(*args)

    monkeypatch.setattr(intake, "derive_code_keys", watched)
    return seen


def test_after_a_failed_look_up_the_next_ones_run_at_the_lowest_cpu_priority(
    english: FlaskClient, argon2_priorities: list[int]
) -> None:
    code = file_report(english)
    argon2_priorities.clear()
    normal = _thread_priority()
    assert look_up(english, code).status_code == 303  # no failure yet: normal priority
    assert look_up(english, UNKNOWN_CODE).status_code == 404
    # After a failure the look-up still works, its Argon2id run in the low lane.
    assert look_up(english, code).status_code == 303
    answer = api_look_up(english, code)
    assert answer.status_code == 200 and answer.get_json()["status"] == "received"
    # Someone else's look-ups keep the normal priority.
    assert api_look_up(english, code, OTHER_ADDRESS).status_code == 200
    assert argon2_priorities == [normal, normal, LOWEST_PRIORITY, LOWEST_PRIORITY, normal]


def test_a_look_up_beside_another_from_the_same_client_runs_in_the_low_lane() -> None:
    lanes = LookupLanes(2)
    with lanes.running("client-a") as busy_first:
        with lanes.running("client-a") as busy_second, lanes.running("client-b") as busy_other:
            assert (busy_first, busy_second, busy_other) == (False, True, False)
    with lanes.running("client-a") as busy_again:
        assert busy_again is False  # both earlier ones have finished
    if hasattr(os, "getpriority") and _thread_priority() < LOWEST_PRIORITY:
        assert lanes.low.run(lambda: _thread_priority()) == LOWEST_PRIORITY
