"""`wbs check`: a clean instance passes; each kind of damage an intruder, a partial
restore or a crash could leave is reported with exit 1; `--repair` removes only what
can never be opened, records it in the audit log, and leaves every other row as it
was (the case still opens for an officer). The damage is done with plain SQL and the
foreign keys off, as an intruder or a broken restore would leave it."""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN_PASSWORD
from tests.helpers import file_report, hidden_value, jpeg_bytes
from tests.live_server import BIN, LiveServer, gunicorn_server, server_env
from tests.staff_helpers import create_officer, english, login
from wbs.access_keys import grant
from wbs.app_context import database, server_keys
from wbs.attachments import CHUNK_SIZE
from wbs.audit import verify
from wbs.consistency import REPAIRED, check, snapshot
from wbs.installation import InitResult, now_utc
from wbs.models import Attachment, AuditEntry, Case, Staff
from wbs.retention import purge_closed_cases

# Two full chunks and a short final one.
BIG_PDF = b"%PDF-1.4\n" + bytes(range(256)) * (2 * CHUNK_SIZE // 256) + b"tail\n%%EOF\n"
SMALL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
DESCRIPTION = "Bendahara dinas memotong honor kegiatan tanpa dasar hukum yang jelas."
# Tables whose rows --repair may touch, and the staff whose keys it must not.
TABLES = (
    "case_file",
    "case_event",
    "case_message",
    "case_note",
    "case_proposal",
    "staff",
    "attachment",
    "attachment_chunk",
    "unit_key_wrap",
    "audit_entry",
)


@dataclass(frozen=True)
class Instance:
    """A small instance: one case with a 3-chunk PDF and a photo, one without files,
    one purged by the real retention purge, and a pending grant of the unit key."""

    case_id: int
    big_id: int
    photo_id: int
    plain_case_id: int
    purged_case_id: int


def filed_case(app: Flask, client: FlaskClient, **fields: Any) -> int:
    file_report(client, **fields)
    with database(app).session() as session:
        return session.scalars(select(func.max(Case.id))).one()


@pytest.fixture
def instance(app: Flask, client: FlaskClient, init_result: InitResult) -> Instance:
    case_id = filed_case(
        app,
        client,
        description=DESCRIPTION,
        evidence=[(io.BytesIO(BIG_PDF), "rekap.pdf"), (io.BytesIO(jpeg_bytes()), "foto.jpg")],
    )
    plain_case_id = filed_case(app, client)
    purged_case_id = filed_case(app, client, evidence=[(io.BytesIO(SMALL_PDF), "nota.pdf")])
    db = database(app)
    with db.session() as session:
        session.execute(
            update(Case)
            .where(Case.id == purged_case_id)
            .values(status="closed", closed_on=date(2020, 1, 6))
        )
    purged = purge_closed_cases(
        db,
        today=date.today(),
        retention_days=365,
        chain_key=server_keys(app).audit_chain,
        now=now_utc,
    )
    assert purged.purged == 1
    # An officer waiting for his next login to take up the access a supervisor granted.
    newcomer = create_officer(app, init_result, "pemeriksa", {"investigator"}, key_access=False)
    with db.session() as session:
        grant(session, session.get_one(Staff, newcomer), init_result.unit_private_key, now_utc())
    with db.session() as session:
        attachments = {
            count: attachment_id
            for attachment_id, count in session.execute(
                select(Attachment.id, Attachment.chunk_count).where(Attachment.case_id == case_id)
            )
        }
    assert sorted(attachments) == [1, 3]
    return Instance(case_id, attachments[3], attachments[1], plain_case_id, purged_case_id)


def wbs_check(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["check", *args])


def tamper(app: Flask, *statements: str, **params: object) -> None:
    """Plain SQL on a connection of its own with the foreign keys off: SQLite's default
    for a new connection, PostgreSQL's replica mode (the test server's superuser)."""
    url = database(app).url
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SET session_replication_role = replica"))
            for statement in statements:
                connection.execute(text(statement), params)
    finally:
        engine.dispose()


def rows(app: Flask) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of the tables a repair may touch, blobs as digests."""

    def plain(value: Any) -> Any:
        if isinstance(value, bytes | memoryview):
            return hashlib.sha256(bytes(value)).hexdigest()
        return value

    with database(app).engine.connect() as connection:
        return {
            table: {
                tuple(plain(value) for value in row)
                for row in connection.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
            }
            for table in TABLES
        }


def problem_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("problem ")]


def officer_opens(app: Flask, case_id: int, attachments: dict[int, bytes]) -> None:
    """The admin (a supervisor holding the unit key) logs in with TOTP, reads the report
    and downloads each attachment, byte-identical."""
    browser = app.test_client()
    english(browser)
    login(browser, "admin", ADMIN_PASSWORD)
    page = browser.get(f"/admin/cases/{case_id}")
    assert page.status_code == 200
    assert DESCRIPTION in html.unescape(page.get_data(as_text=True))
    for attachment_id, content in attachments.items():
        download = browser.get(f"/admin/cases/{case_id}/attachments/{attachment_id}")
        assert download.status_code == 200
        assert download.data == content


# --- a clean instance -----------------------------------------------------------------------


def test_a_clean_instance_with_reports_attachments_and_a_purged_case_is_consistent(
    app: Flask, instance: Instance
) -> None:
    result = wbs_check(app)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Consistent: 3 cases (1 purged), 2 attachments in 4 chunks, audit log: 1 entry intact."
    ]
    before = rows(app)
    repaired = wbs_check(app, "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert rows(app) == before  # nothing to repair: not even an audit entry


def test_an_uninitialised_database_is_consistent(app: Flask) -> None:
    result = wbs_check(app)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Consistent: 0 cases")


# --- damage that --repair removes -----------------------------------------------------------


@dataclass(frozen=True)
class Damage:
    sql: tuple[str, ...]
    code: str
    subject: str
    # How many rows of each table --repair deletes.
    removed: dict[str, int]
    # The attachments of the case that still open afterwards.
    survivors: tuple[str, ...] = ("big", "photo")


def _subject(instance: Instance, template: str) -> str:
    return template.format(**vars(instance))


REPAIRABLE = {
    "orphan chunk": Damage(
        (
            "INSERT INTO attachment_chunk (attachment_id, chunk_index, data) "
            "VALUES (9999, 0, :blob)",
        ),
        "attachment_chunk.orphan",
        "attachment=9999",
        {"attachment_chunk": 1},
    ),
    "middle chunk deleted": Damage(
        ("DELETE FROM attachment_chunk WHERE attachment_id = {big_id} AND chunk_index = 1",),
        "attachment.chunks_missing",
        "case={case_id} attachment={big_id}",
        {"attachment": 1, "attachment_chunk": 2},
        ("photo",),
    ),
    "final flag dropped": Damage(
        ("UPDATE attachment SET chunk_count = 2 WHERE id = {big_id}",),
        "attachment.chunks_extra",
        "case={case_id} attachment={big_id}",
        {"attachment": 1, "attachment_chunk": 3},
        ("photo",),
    ),
    "attachment never finished": Damage(
        ("UPDATE attachment SET chunk_count = 0, meta = :empty WHERE id = {photo_id}",),
        "attachment.incomplete",
        "case={case_id} attachment={photo_id}",
        {"attachment": 1, "attachment_chunk": 1},
        ("big",),
    ),
    "chunk cut short before the last": Damage(
        (
            "UPDATE attachment_chunk SET data = :blob "
            "WHERE attachment_id = {big_id} AND chunk_index = 0",
        ),
        "attachment.chunk_malformed",
        "case={case_id} attachment={big_id}",
        {"attachment": 1, "attachment_chunk": 3},
        ("photo",),
    ),
    "attachment of no case": Damage(
        (
            "INSERT INTO attachment (id, case_id, added_on, meta, chunk_count) "
            "VALUES (777, 9999, '2026-01-05', :blob, 1)",
            "INSERT INTO attachment_chunk (attachment_id, chunk_index, data) "
            "VALUES (777, 0, :blob)",
        ),
        "attachment.orphan",
        "case=9999 attachment=777",
        {"attachment": 1, "attachment_chunk": 1},
    ),
    "message of no case": Damage(
        (
            "INSERT INTO case_message (id, case_id, sent_on, author, body) "
            "VALUES (555, 9999, '2026-01-05', 'reporter', :blob)",
        ),
        "message.orphan",
        "case=9999 message=555",
        {"case_message": 1},
    ),
    "message left in a purged case": Damage(
        (
            "INSERT INTO case_message (id, case_id, sent_on, author, body) "
            "VALUES (556, {purged_case_id}, '2026-01-05', 'reporter', :blob)",
        ),
        "case.purged_leftover",
        "case={purged_case_id} message=556",
        {"case_message": 1},
    ),
}
# A well-formed blob (version byte, nonce, ciphertext, tag) that opens nowhere.
SOME_BLOB = b"\x01" + bytes(12) + b"something" + bytes(16)


@pytest.mark.parametrize("name", list(REPAIRABLE))
def test_repairable_damage_is_reported_then_removed_and_nothing_else_changes(
    app: Flask, instance: Instance, name: str
) -> None:
    damage = REPAIRABLE[name]
    tamper(
        app,
        *(_subject(instance, statement) for statement in damage.sql),
        blob=SOME_BLOB,
        empty=b"",
    )
    subject = _subject(instance, damage.subject)
    found = wbs_check(app)
    assert found.exit_code == 1, found.output
    lines = problem_lines(found)
    assert lines and all(line.startswith(f"problem {damage.code} {subject}: ") for line in lines)
    summary = found.output.splitlines()[-1]
    assert summary.startswith(f"INCONSISTENT: {len(lines)} problem")
    assert "repairable with `wbs check --repair`" in summary

    damaged = rows(app)
    repaired = wbs_check(app, "--repair")
    assert repaired.exit_code == 0, repaired.output
    output = repaired.output.splitlines()
    assert output[: len(lines)] == [line.replace("problem ", "repaired ", 1) for line in lines]
    assert output[-1].startswith("Consistent: ")
    assert output[-1].endswith(f"; {len(lines)} problem{'s' if len(lines) > 1 else ''} repaired.")

    # Only the damaged rows went; the only new rows are the audit entries of the repair.
    after = rows(app)
    for table in TABLES:
        gone = damaged[table] - after[table]
        assert len(gone) == damage.removed.get(table, 0), (table, gone)
        added = after[table] - damaged[table]
        assert len(added) == (len(lines) if table == "audit_entry" else 0), (table, added)
    with database(app).session() as session:
        recorded = session.execute(
            select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.action == REPAIRED)
        ).all()
        assert [detail for _action, detail in recorded] == [
            f"{damage.code} {subject}" for _ in lines
        ]
        assert verify(session, server_keys(app).audit_chain).ok

    content = {"big": (instance.big_id, BIG_PDF), "photo": (instance.photo_id, None)}
    survivors = {
        attachment_id: data
        for key, (attachment_id, data) in content.items()
        if key in damage.survivors and data is not None
    }
    officer_opens(app, instance.case_id, survivors)
    again = wbs_check(app)
    assert again.exit_code == 0, again.output


# --- damage that is only reported -----------------------------------------------------------


REPORTED = {
    "sealed key deleted": (
        "UPDATE case_file SET sealed_key = NULL WHERE id = {case_id}",
        "case.sealed_key_missing case={case_id}:",
    ),
    "reporter key deleted": (
        "UPDATE case_file SET reporter_key = NULL WHERE id = {plain_case_id}",
        "case.reporter_key_missing case={plain_case_id}:",
    ),
    "sealed key cut short": (
        "UPDATE case_file SET sealed_key = :blob WHERE id = {plain_case_id}",
        "case.sealed_key_malformed case={plain_case_id}:",
    ),
    "audit entry edited": (
        "UPDATE audit_entry SET detail = 'nothing happened' WHERE seq = 1",
        "audit.broken entry=1:",
    ),
    "purged case given its key back": (
        "UPDATE case_file SET sealed_key = (SELECT sealed_key FROM case_file WHERE id = "
        "{case_id}) WHERE id = {purged_case_id}",
        "case.purge_incomplete case={purged_case_id}:",
    ),
    "grant wrap cut short": (
        "UPDATE unit_key_wrap SET blob = :blob WHERE kind = 'grant'",
        "unit_key.wrap_malformed unit_key=1 wrap=",
    ),
    "access key half written": (
        "UPDATE staff SET access_private_key = NULL WHERE username = 'pemeriksa'",
        "staff.access_key_malformed staff=",
    ),
    "recovery wrap deleted": (
        "DELETE FROM unit_key_wrap WHERE kind = 'recovery'",
        "unit_key.recovery_wrap_missing unit_key=1:",
    ),
}


@pytest.mark.parametrize("name", list(REPORTED))
def test_damage_to_keys_and_the_audit_chain_is_reported_and_never_repaired(
    app: Flask, instance: Instance, name: str
) -> None:
    statement, expected = REPORTED[name]
    tamper(app, _subject(instance, statement), blob=SOME_BLOB)
    expected = _subject(instance, expected)
    before = rows(app)
    for args in ((), ("--repair",)):
        result = wbs_check(app, *args)
        assert result.exit_code == 1, result.output
        lines = problem_lines(result)
        assert len(lines) == 1 and lines[0].startswith(f"problem {expected}"), result.output
        assert not [line for line in result.output.splitlines() if line.startswith("repaired")]
        assert result.output.splitlines()[-1].startswith("INCONSISTENT: 1 problem. Checked ")
    assert rows(app) == before


def test_repair_of_an_attachment_runs_once_for_its_several_problems(
    app: Flask, instance: Instance
) -> None:
    tamper(
        app,
        "DELETE FROM attachment_chunk WHERE attachment_id = :big AND chunk_index = 0",
        "UPDATE attachment_chunk SET data = :blob WHERE attachment_id = :big AND chunk_index = 1",
        blob=b"\x07" + SOME_BLOB,
        big=instance.big_id,
    )
    found = wbs_check(app)
    codes = [line.split()[1] for line in problem_lines(found)]
    assert codes == ["attachment.chunks_missing", "attachment.chunk_malformed"], found.output
    repaired = wbs_check(app, "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert len([line for line in repaired.output.splitlines() if line.startswith("repaired ")]) == 2
    with database(app).session() as session:
        assert session.get(Attachment, instance.big_id) is None
        assert session.get(Attachment, instance.photo_id) is not None


def test_the_check_reads_one_snapshot(app: Flask, client: FlaskClient, instance: Instance) -> None:
    """A report filed while the check runs is not half-seen (its attachment without its
    case): the check reads the database as of one instant."""
    with snapshot(database(app)) as session:
        first = session.scalar(select(func.count()).select_from(Case))
        filed_case(app, client, evidence=[(io.BytesIO(SMALL_PDF), "baru.pdf")])
        report = check(session, server_keys(app).audit_chain)
        assert session.scalar(select(func.count()).select_from(Case)) == first == 3
    assert report.ok, [problem.line() for problem in report.problems]
    assert report.attachments == 2


def test_problem_lines_are_stable_and_greppable(app: Flask, instance: Instance) -> None:
    tamper(
        app,
        "DELETE FROM attachment_chunk WHERE attachment_id = :big AND chunk_index IN (0, 2)",
        "UPDATE audit_entry SET action = 'login' WHERE seq = 1",
        big=instance.big_id,
    )
    found = wbs_check(app)
    pattern = re.compile(r"^problem [a-z_]+\.[a-z_]+ [a-z_]+=\d+( [a-z_]+=\d+)?: .+$")
    lines = problem_lines(found)
    assert len(lines) == 2 and all(pattern.match(line) for line in lines), found.output
    assert lines[0].endswith("chunk(s) 0, 2 of 0..2 missing (it cannot be opened)")


def test_repair_is_refused_when_the_audit_log_cannot_record_it(
    app: Flask, instance: Instance
) -> None:
    tamper(
        app,
        "DELETE FROM audit_head",
        "INSERT INTO attachment_chunk (attachment_id, chunk_index, data) VALUES (9999, 0, :blob)",
        blob=SOME_BLOB,
    )
    before = rows(app)
    result = wbs_check(app, "--repair")
    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    assert rows(app) == before


# --- a real fault: a gunicorn worker killed during an upload ---------------------------------


def _children(parent: int) -> set[int]:
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid ...": comm may hold spaces, so split after the ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == parent:
            pids.add(int(stat.parent.name))
    return pids


def _worker_serving(master: int, client: socket.socket) -> int | None:
    """The gunicorn worker that holds the server end of ``client``'s connection (its
    socket inode in /proc/net/tcp, matched to a worker's file descriptors), once it has
    read everything sent so far (receive queue empty): it is then blocked reading the
    rest of the body, or busy with a whole one."""
    server_port, client_port = client.getpeername()[1], client.getsockname()[1]
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
        received = int(fields[4].split(":")[1], 16)
        ends = (int(local, 16), int(remote, 16))
        if ends == (server_port, client_port) and fields[9] != "0" and received == 0:
            inodes.add(f"socket:[{fields[9]}]")
    for pid in _children(master):
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) in inodes:
                    return pid
            except OSError:
                continue
    return None


def _wait_for(what: str, probe: Callable[[], Any], seconds: float = 60) -> Any:
    """Poll until ``probe`` returns something truthy (no timing is asserted: the deadline
    only turns a hang into a failure)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"gave up waiting for {what}")


@dataclass(frozen=True)
class _Upload:
    head: bytes
    body: bytes


def _report_upload(server: LiveServer, evidence: bytes) -> _Upload:
    """A report form with one file, as a browser sends it: tokens and cookie from GET."""
    with urllib.request.urlopen(f"{server.url}/report") as page:  # noqa: S310
        form = page.read().decode()
        cookies = "; ".join(
            value.split(";", 1)[0] for value in page.headers.get_all("Set-Cookie") or []
        )
    fields = {
        "csrf_token": hidden_value(form, "csrf_token"),
        "submission_token": hidden_value(form, "submission_token"),
        "category": "pungli",
        "agency": "DINKES",
        "description": DESCRIPTION,
    }
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; '
        f'filename="rekaman.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        + evidence
        + f"\r\n--{boundary}--\r\n".encode()
    )
    body = b"".join(parts)
    port = server.url.rsplit(":", 1)[1]
    head = (
        f"POST /report HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookies}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    return _Upload(head, body)


def _connect(server: LiveServer) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=60)


def _kill(server: LiveServer, client: socket.socket) -> int:
    """SIGKILL the worker handling ``client``; returns its pid once gunicorn has
    replaced it."""
    master = server.process.pid
    pid = _wait_for("the worker holding the upload", lambda: _worker_serving(master, client))
    workers = _children(master)
    os.kill(pid, signal.SIGKILL)
    # The connection dies with the worker: no response comes.
    try:
        assert client.recv(65536) == b""
    except ConnectionResetError:
        pass
    _wait_for(
        "gunicorn to start a worker in place of the killed one",
        lambda: pid not in (now := _children(master)) and len(now) == len(workers),
    )
    return pid


def _pg_blocked_filing(database_url: str) -> bool:
    """A filing transaction of this database waits for the outbox lock: the case, its
    attachment and every chunk are written, not committed."""
    with psycopg.connect(_psycopg_dsn(database_url), autocommit=True) as connection:
        return bool(
            connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO mail_outbox%%'"
            ).fetchone()[0]  # type: ignore[index]
        )


def _pg_transactions_left(database_url: str) -> bool:
    with psycopg.connect(_psycopg_dsn(database_url), autocommit=True) as connection:
        return bool(
            connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            ).fetchone()[0]  # type: ignore[index]
        )


def _psycopg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


def _table_counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(
                    text(f"SELECT count(*) FROM {table}")  # noqa: S608 - a fixed name
                ).scalar_one()
                for table in (
                    "case_file",
                    "attachment",
                    "attachment_chunk",
                    "case_event",
                    "submission_receipt",
                    "mail_outbox",
                )
            }
    finally:
        engine.dispose()


@pytest.mark.server
def test_a_worker_killed_during_an_upload_leaves_no_orphan_row(
    tmp_path: Path, database_url: str
) -> None:
    """SIGKILL the gunicorn worker that is receiving a 12 MiB report body, 4 MiB in. On
    PostgreSQL, also the worker whose filing transaction has written every chunk and
    waits (on a lock the test holds) before its commit. Then `wbs check` finds nothing
    to repair and the server goes on serving and filing."""
    env = server_env(tmp_path / "instance", database_url)
    postgres = database_url.startswith("postgresql")
    killed = []
    with gunicorn_server(env, tmp_path / "logs") as server:
        # 1. Mid-body: sendall returns once the worker has read most of what was sent
        # (socket buffers hold far less than 4 MiB), so the upload is under way.
        upload = _report_upload(server, b"%PDF-1.4\n" + os.urandom(12 * CHUNK_SIZE))
        with _connect(server) as client:
            client.sendall(upload.head + upload.body[: 4 * CHUNK_SIZE])
            killed.append(_kill(server, client))

        # 2. PostgreSQL: mid-transaction, after the chunks, before the commit.
        if postgres:
            run_sql = create_engine(database_url)
            try:
                with run_sql.begin() as connection:
                    # An officer with an address: filing queues his mail, after the chunks.
                    connection.execute(
                        text(
                            "UPDATE staff SET email = 'verifikator@example.go.id' "
                            "WHERE username = 'verifikator'"
                        )
                    )
                upload = _report_upload(server, b"%PDF-1.4\n" + os.urandom(6 * CHUNK_SIZE))
                with run_sql.connect() as lock, _connect(server) as client:
                    lock.execute(text("LOCK TABLE mail_outbox IN SHARE MODE"))
                    client.sendall(upload.head + upload.body)
                    _wait_for(
                        "the filing to wait for the outbox",
                        lambda: _pg_blocked_filing(database_url),
                    )
                    killed.append(_kill(server, client))
                    lock.rollback()
            finally:
                run_sql.dispose()
            # The backend finds its client gone and rolls the filing back.
            _wait_for(
                "the orphaned transaction to end", lambda: not _pg_transactions_left(database_url)
            )

        assert _table_counts(database_url)["case_file"] == 0
        # The replaced workers serve the form, and a whole upload is filed.
        for _ in range(4):
            with urllib.request.urlopen(f"{server.url}/report") as page:  # noqa: S310
                assert page.status == 200
        whole = _report_upload(server, b"%PDF-1.4\n" + os.urandom(2 * CHUNK_SIZE))
        with _connect(server) as client:
            client.sendall(whole.head + whole.body)
            response = b""
            while chunk := client.recv(65536):
                response += chunk
        assert response.startswith(b"HTTP/1.1 201 "), response[:200]
        logs = server.logs().decode()
    for pid in killed:
        assert f"Worker (pid:{pid}) was sent SIGKILL" in logs

    result = subprocess.run(
        [str(BIN / "wbs"), "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Consistent: 1 case (0 purged), 1 attachment in 3 chunks")
    counts = _table_counts(database_url)
    assert counts["case_file"] == counts["attachment"] == counts["case_event"] == 1
    assert counts["attachment_chunk"] == 3
    assert counts["submission_receipt"] == 1
    assert counts["mail_outbox"] == (1 if postgres else 0)


def test_an_event_note_left_in_a_purged_case_is_cleared_and_the_event_stays(
    app: Flask, instance: Instance
) -> None:
    tamper(
        app,
        "UPDATE case_event SET note = :blob WHERE case_id = :purged",
        blob=SOME_BLOB,
        purged=instance.purged_case_id,
    )
    found = wbs_check(app)
    assert found.exit_code == 1
    [line] = problem_lines(found)
    assert line.startswith(f"problem case.purged_leftover case={instance.purged_case_id} event=")
    events = rows(app)["case_event"]
    repaired = wbs_check(app, "--repair")
    assert repaired.exit_code == 0, repaired.output
    after = rows(app)["case_event"]
    # The same events, the purged case's without a note: statistics keep their rows.
    assert len(after) == len(events) and len(events - after) == 1
    with database(app).engine.connect() as connection:
        notes = connection.execute(
            text("SELECT count(*) FROM case_event WHERE case_id = :purged AND note IS NOT NULL"),
            {"purged": instance.purged_case_id},
        ).scalar_one()
    assert notes == 0
