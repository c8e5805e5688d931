"""Issue 6, "Faults": what a reporter gets when the database or Redis fails, and that no
report is ever left half-written.

The quick, reliable part runs here; `python -m bench faults` runs the full scenarios
(a private PostgreSQL stopped in the middle of a burst against gunicorn, Redis stopped
and started, a database on a full tmpfs, the mail server down).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from tests.conftest import ADMIN_PASSWORD
from tests.helpers import (
    CODE_PATTERN,
    REPORTER_ADDRESS,
    file_report,
    hidden_value,
    post_report,
    report_form_data,
)
from tests.live_server import free_port
from wbs import create_app
from wbs.app_context import database
from wbs.db import Database
from wbs.demo_data import load_reference_data
from wbs.extensions import limiter
from wbs.installation import initialise
from wbs.models import Attachment, AttachmentChunk, Case, CaseEvent, OutboxMail, SubmissionReceipt
from wbs.settings import Settings, SettingsError, load_settings

UNAVAILABLE_EN = (
    "The service is busy or under maintenance. Nothing was saved; please try again in a "
    "few minutes."
)
UNAVAILABLE_ID = "Layanan sedang sibuk atau dalam pemeliharaan. Tidak ada yang tersimpan"
DESCRIPTION = "Pungutan liar di loket perizinan: setiap berkas dimintai uang tambahan."
# 2.5 MiB: three chunks of at most 1 MiB, so a failure can fall between two chunks.
EVIDENCE = os.urandom(2 * 1024 * 1024 + 512 * 1024)


def _unreachable_url() -> str:
    """A PostgreSQL address where nothing listens: every connection is refused."""
    return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/wbs?connect_timeout=2"


def _form_with_evidence(client: FlaskClient) -> dict[str, Any]:
    return report_form_data(
        client,
        description=DESCRIPTION,
        evidence=(io.BytesIO(EVIDENCE), "rekaman-pungli.mp3"),
    )


def _resend(client: FlaskClient, data: dict[str, Any]) -> TestResponse:
    """The same form again, as the Back button and one more click would send it."""
    again = dict(data)
    again["evidence"] = (io.BytesIO(EVIDENCE), "rekaman-pungli.mp3")
    return post_report(client, again)


def _counts(app: Flask) -> dict[str, int]:
    with database(app).session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Case, CaseEvent, Attachment, AttachmentChunk, SubmissionReceipt)
        }


def _assert_whole(app: Flask) -> None:
    """Every case is whole: body and keys written, its first event, every attachment with
    all its chunks, no chunk without its attachment, and its officers' mail queued."""
    with database(app).session() as session:
        for case in session.scalars(select(Case)):
            assert case.body and case.sealed_key and case.reporter_key, case.id
            assert session.scalar(select(func.count()).where(CaseEvent.case_id == case.id)), case.id
        for attachment in session.scalars(select(Attachment)):
            chunks = session.scalar(
                select(func.count()).where(AttachmentChunk.attachment_id == attachment.id)
            )
            assert attachment.meta and attachment.chunk_count == chunks == 3, attachment.id
        orphans = session.scalar(
            select(func.count())
            .select_from(AttachmentChunk)
            .where(~AttachmentChunk.attachment_id.in_(select(Attachment.id)))
        )
        assert orphans == 0


def _assert_unavailable_page(response: TestResponse, message: str) -> None:
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


# --- the database cannot be reached ---------------------------------------------------


@pytest.fixture
def unreachable(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings.replace(database_url=_unreachable_url()))
    yield app
    database(app).dispose()


@pytest.mark.parametrize(
    ("language", "message"), [("en", UNAVAILABLE_EN), ("id", UNAVAILABLE_ID)], ids=["en", "id"]
)
def test_pages_and_api_answer_503_in_the_users_language_when_the_database_is_down(
    unreachable: Flask, language: str, message: str
) -> None:
    client = unreachable.test_client()
    client.set_cookie("lang", language)
    _assert_unavailable_page(client.get("/report"), message)
    _assert_unavailable_page(_look_up(client, "0000000000000000"), message)

    api = client.post(
        "/api/v1/reports",
        json={"category": "pungli", "agency": "DINKES", "description": DESCRIPTION},
        headers={"Accept-Language": language},
    )
    assert api.status_code == 503
    assert int(api.headers["Retry-After"]) > 0
    error = api.get_json()["error"]
    assert error["code"] == "unavailable"
    assert message in error["message"]
    status = client.post("/api/v1/reports/status", json={"tracking_code": "0000000000000000"})
    assert status.status_code == 503
    assert status.get_json()["error"]["code"] == "unavailable"


def test_a_report_sent_while_the_database_is_away_is_kept_in_the_page_and_filed_once_later(
    app: Flask, client: FlaskClient
) -> None:
    client.set_cookie("lang", "en")
    data = _form_with_evidence(client)
    working = database(app)
    # The database goes away between the form and the click on "send".
    app.extensions["wbs.database"] = Database(_unreachable_url())
    try:
        failed = _resend(client, data)
    finally:
        database(app).dispose()
        app.extensions["wbs.database"] = working
    _assert_unavailable_page(failed, UNAVAILABLE_EN)
    # What the reporter typed is shown back: nothing he wrote is lost.
    assert DESCRIPTION in failed.get_data(as_text=True)
    assert _counts(app)["case_file"] == 0

    # The database is back: the same app (no restart) files the same form, once.
    filed = _resend(client, data)
    assert filed.status_code == 201, filed.get_data(as_text=True)
    again = _resend(client, data)
    assert again.status_code == 200  # recognised by its submission token, not filed twice
    assert CODE_PATTERN.search(again.get_data(as_text=True))
    counts = _counts(app)
    assert counts["case_file"] == counts["attachment"] == counts["submission_receipt"] == 1
    _assert_whole(app)


# --- the database fails in the middle of writing a report -------------------------------


def _assert_nothing_half_written(app: Flask) -> None:
    counts = _counts(app)
    assert counts == dict.fromkeys(counts, 0), counts
    with database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_a_full_sqlite_disk_leaves_no_half_report_and_tells_the_reporter(
    app: Flask, client: FlaskClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's page limit; bench/faults.py fills a real disk on PostgreSQL")
    client.set_cookie("lang", "en")
    data = _form_with_evidence(client)
    engine = database(app).engine
    with engine.connect() as connection:
        pages = connection.execute(text("PRAGMA page_count")).scalar_one()
        page_size = connection.execute(text("PRAGMA page_size")).scalar_one()

    # max_page_count makes SQLite answer SQLITE_FULL ("database or disk is full"), the
    # very error a full disk gives, once the file would grow past ~1 MiB more: the case
    # row fits, the second chunk of the evidence does not.
    def full_disk(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 1024 * 1024 // page_size}")

    failed_statements: list[str] = []

    def record(context: Any) -> None:
        failed_statements.append(context.statement or "")

    event.listen(engine, "connect", full_disk)
    event.listen(engine, "handle_error", record)
    engine.dispose()
    try:
        failed = _resend(client, data)
    finally:
        event.remove(engine, "connect", full_disk)
        event.remove(engine, "handle_error", record)
        engine.dispose()
    # The disk filled up in the middle of the report, after its case row was written.
    assert failed_statements[0].startswith("INSERT INTO attachment_chunk"), failed_statements
    _assert_unavailable_page(failed, UNAVAILABLE_EN)
    assert DESCRIPTION in failed.get_data(as_text=True)
    _assert_nothing_half_written(app)
    # The operator's log names the cause, and no statement or parameter.
    logged = [r.getMessage() for r in caplog.records if "database unavailable" in r.getMessage()]
    assert logged == ["database unavailable: OperationalError: database or disk is full"]

    # Room again: the same form is filed, whole, without restarting the app.
    assert _resend(client, data).status_code == 201
    _assert_whole(app)


def test_a_postgresql_connection_killed_between_two_chunks_leaves_no_half_report(
    app: Flask, client: FlaskClient, settings: Settings
) -> None:
    if settings.database_url.startswith("sqlite"):
        pytest.skip("kills a PostgreSQL backend")
    client.set_cookie("lang", "en")
    data = _form_with_evidence(client)
    engine = database(app).engine
    admin = make_url(settings.database_url).set(drivername="postgresql")
    killed: list[int] = []

    def kill_before_second_chunk(
        connection: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any
    ) -> None:
        if killed or not statement.startswith("INSERT INTO attachment_chunk"):
            return
        if parameters.get("chunk_index") != 1:
            return
        backend = connection.connection.dbapi_connection.info.backend_pid
        # What a PostgreSQL shutdown does to every open transaction, to this database
        # only: also to the request's own session, which has read the form's choices.
        with psycopg.connect(admin.render_as_string(hide_password=False)) as other:
            other.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (admin.database,),
            )
        killed.append(backend)

    event.listen(engine, "before_cursor_execute", kill_before_second_chunk)
    try:
        failed = _resend(client, data)
    finally:
        event.remove(engine, "before_cursor_execute", kill_before_second_chunk)
    assert killed, "the connection was never killed: the test proves nothing"
    _assert_unavailable_page(failed, UNAVAILABLE_EN)
    _assert_nothing_half_written(app)
    assert _resend(client, data).status_code == 201
    _assert_whole(app)


def test_the_app_recovers_by_itself_when_postgresql_dropped_every_pooled_connection(
    app: Flask, client: FlaskClient, settings: Settings
) -> None:
    if settings.database_url.startswith("sqlite"):
        pytest.skip("terminates PostgreSQL backends")
    client.set_cookie("lang", "en")
    file_report(client)
    url = make_url(settings.database_url)
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as other:
        # A PostgreSQL restart closes every connection the pool holds.
        dropped = other.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
            (url.database,),
        ).fetchone()
    assert dropped and dropped[0] > 0, "no pooled connection to drop: the test proves nothing"
    # The pool pings before use: the very next request is served, not answered 503.
    file_report(client)
    assert _counts(app)["case_file"] == 2


# --- Redis, the rate-limit storage, is down ---------------------------------------------


@pytest.fixture
def redis_down(settings: Settings) -> Iterator[Flask]:
    app = create_app(
        settings.replace(
            ratelimit_storage_uri=f"redis://127.0.0.1:{free_port()}/0",
            submit_rate_limit="2 per hour",
            status_rate_limit="3 per hour",
        )
    )
    initialise(database(app), app.extensions["wbs.settings"], "admin", ADMIN_PASSWORD)
    with database(app).session() as session:
        load_reference_data(session)
    yield app
    database(app).dispose()
    # The limiter is one object for every app of this process: the next test starts
    # with Redis (or memory) taken as alive again.
    limiter._storage_dead = False  # noqa: SLF001 - Flask-Limiter keeps this flag private


def _look_up(client: FlaskClient, code: str, address: str = REPORTER_ADDRESS) -> TestResponse:
    page = client.get("/status", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/status",
        data={
            "csrf_token": hidden_value(page.get_data(as_text=True), "csrf_token"),
            "tracking_code": code,
        },
        environ_base={"REMOTE_ADDR": address},
    )


def test_with_redis_down_the_limits_hold_per_worker_and_reports_are_still_filed(
    redis_down: Flask,
) -> None:
    client = redis_down.test_client()
    client.set_cookie("lang", "en")
    # Filing works, and the page shows the tracking code: Redis is not needed to file.
    code = file_report(client)
    assert file_report(client) != code
    throttled = post_report(client, report_form_data(client))
    assert throttled.status_code == 429  # the submission limit still holds (2 per hour)

    # Failed look-ups are still counted, in this worker's memory, and then throttled.
    unknown = "0000000000000000"
    assert [_look_up(client, unknown).status_code for _ in range(3)] == [404, 404, 404]
    assert _look_up(client, unknown).status_code == 429
    api = client.post(
        "/api/v1/reports/status",
        json={"tracking_code": unknown},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert api.status_code == 429
    assert api.get_json()["error"]["code"] == "throttled"
    # Another address has its own count, and the right code still opens the report.
    assert _look_up(client, code, "198.51.100.41").status_code == 303


@pytest.mark.parametrize(
    "variable", ["WBS_SUBMIT_RATE_LIMIT", "WBS_STATUS_RATE_LIMIT", "WBS_LOGIN_RATE_LIMIT"]
)
def test_a_limit_the_limiter_cannot_read_stops_the_start(tmp_path: Path, variable: str) -> None:
    # With the fallback and swallowed storage errors, a limit that fails to parse would
    # otherwise be logged at each request and let everything through.
    env = {"WBS_INSTANCE_PATH": str(tmp_path), "WBS_SECRET_KEY": "s" * 40, variable: "10/jam"}
    with pytest.raises(SettingsError, match=variable):
        load_settings(env)
