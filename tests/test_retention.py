"""`wbs purge`: cases closed longer than the retention period are crypto-shredded.

Reports are filed and answered through the public form; officers' messages, notes,
proposals and event notes are added as the case pages would add them; then cases are
closed by a direct update (the workflow is not what is tested here) and the command
runs as an operator runs it. A purged case keeps its statistics and nothing else: no
byte of its ciphertexts is left in the stored database, and its tracking code opens
nothing. Every other case is untouched.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_PASSWORD, FAST_ARGON2
from tests.helpers import REPORTER_ADDRESS, file_report, open_status, reply_with_file
from tests.leak_scan import database_bytes, find_leaks
from wbs.app_context import database, server_keys
from wbs.case_crypto import (
    CASE_NOTE,
    EVENT_NOTE,
    EVENT_PUBLIC_NOTE,
    MESSAGE_BODY,
    PROPOSAL,
    encrypt_json,
    open_sealed_key,
)
from wbs.crypto import DataKey
from wbs.installation import InitResult, now_utc
from wbs.intake import load_intake_keys
from wbs.keyring import unwrap_for_officer
from wbs.models import (
    Attachment,
    AttachmentChunk,
    AuditEntry,
    Case,
    CaseEvent,
    CaseNote,
    CaseProposal,
    Message,
    Staff,
)
from wbs.settings import Settings
from wbs.tracking_code import TrackingCode

RETENTION_DAYS = 1825  # the default of Settings.retention_days


def _marker(label: str) -> str:
    return f"MRK{label}{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class FiledCase:
    code: str
    case_id: int
    markers: dict[str, str]


def case_id_for(app: Flask, code: str) -> int:
    with database(app).session() as session:
        keys = load_intake_keys(session, server_keys(app).tracking_pepper, FAST_ARGON2)
        lookup = keys.derive(TrackingCode.parse(code)).lookup_id
        return session.scalars(select(Case.id).where(Case.lookup_id == lookup)).one()


def data_key(session: Session, case: Case) -> DataKey:
    """The case key as an officer opens it: admin's password, then the sealed key."""
    admin = session.scalars(select(Staff).where(Staff.username == "admin")).one()
    private = unwrap_for_officer(session, admin, ADMIN_PASSWORD, FAST_ARGON2)
    assert private is not None and case.sealed_key is not None
    return open_sealed_key(case.sealed_key, case.id, case.unit_key_id, private)


def reply_as_reporter(app: Flask, code: str, text: str) -> None:
    reply_with_file(
        app, code, text, (io.BytesIO(f"Rekaman percakapan {text}".encode()), "catatan.txt")
    )


def add_officer_material(app: Flask, case_id: int, markers: dict[str, str]) -> None:
    """What officers write on a case, encrypted the way wbs.case_actions encrypts it."""
    with database(app).session() as session:
        case = session.get_one(Case, case_id)
        key = data_key(session, case)
        admin_id = session.scalars(select(Staff.id).where(Staff.username == "admin")).one()
        now = now_utc()
        message = Message(
            case_id=case_id, sent_on=now.date(), author="officer", staff_id=admin_id, body=b""
        )
        note = CaseNote(case_id=case_id, staff_id=admin_id, created_at=now, body=b"")
        proposal = CaseProposal(
            case_id=case_id,
            kind="conclude",
            outcome="substantiated",
            severity="sedang",
            payload=b"",
            proposed_by=admin_id,
            proposed_at=now,
        )
        event = CaseEvent(
            case_id=case_id,
            occurred_on=now.date(),
            recorded_at=now,
            kind="concluded",
            status_from="investigation",
            status_to="concluded",
            visible_to_reporter=True,
            staff_id=admin_id,
        )
        session.add_all([message, note, proposal, event])
        session.flush()
        message.body = encrypt_json(key, MESSAGE_BODY, message.id, markers["officer message"])
        note.body = encrypt_json(key, CASE_NOTE, note.id, markers["internal note"])
        proposal.payload = encrypt_json(
            key, PROPOSAL, proposal.id, {"recommendation": markers["recommendation"]}
        )
        event.note = encrypt_json(key, EVENT_NOTE, event.id, markers["event note"])
        event.public_note = encrypt_json(
            key, EVENT_PUBLIC_NOTE, event.id, markers["event public note"]
        )


def file_full_case(app: Flask, client: FlaskClient, label: str) -> FiledCase:
    """A report with evidence, a reporter reply with evidence, and officers' writing."""
    markers = {
        name: _marker(f"{label}{name.replace(' ', '')[:6]}")
        for name in (
            "description",
            "location",
            "evidence",
            "reply",
            "officer message",
            "internal note",
            "recommendation",
            "event note",
            "event public note",
        )
    }
    code = file_report(
        client,
        description=f"Bendahara meminta potongan dana hibah {markers['description']}.",
        location=markers["location"],
        evidence=(io.BytesIO(f"Kuitansi {markers['evidence']}".encode()), "kuitansi.txt"),
    )
    case_id = case_id_for(app, code)
    reply_as_reporter(app, code, markers["reply"])
    add_officer_material(app, case_id, markers)
    return FiledCase(code, case_id, markers)


STATISTICS = {
    "status": "closed",
    "outcome": "substantiated",
    "severity": "berat",
    "forwarded_to": None,
    "rejection_reason": None,
}


def close_case(app: Flask, case_id: int, closed_on: date) -> None:
    with database(app).session() as session:
        admin_id = session.scalars(select(Staff.id).where(Staff.username == "admin")).one()
        session.execute(
            update(Case)
            .where(Case.id == case_id)
            .values(
                **STATISTICS,
                closed_on=closed_on,
                concluded_on=closed_on - timedelta(days=30),
                follow_up_done_on=closed_on - timedelta(days=2),
                assignee_id=admin_id,
                due_on=None,
            )
        )


def ciphertexts(app: Flask, case_id: int) -> dict[str, bytes]:
    """Every encrypted value stored for one case."""
    with database(app).session() as session:
        case = session.get_one(Case, case_id)
        found: dict[str, bytes] = {
            "sealed key": case.sealed_key or b"",
            "reporter key": case.reporter_key or b"",
            "body": case.body or b"",
        }
        for model, column in (
            (Message, Message.body),
            (CaseNote, CaseNote.body),
            (CaseProposal, CaseProposal.payload),
            (Attachment, Attachment.meta),
            (CaseEvent, CaseEvent.note),
            (CaseEvent, CaseEvent.public_note),
        ):
            rows = session.execute(select(model.id, column).where(model.case_id == case_id))
            for row_id, blob in rows:
                if blob:
                    found[f"{column} {row_id}"] = blob
        chunks = session.execute(
            select(AttachmentChunk.attachment_id, AttachmentChunk.chunk_index, AttachmentChunk.data)
            .join(Attachment, Attachment.id == AttachmentChunk.attachment_id)
            .where(Attachment.case_id == case_id)
        )
        for attachment_id, index, blob in chunks:
            found[f"chunk {attachment_id}/{index}"] = blob
    return found


def stored_blobs(database_url: str, blobs: dict[str, bytes]) -> list[str]:
    """The names of the blobs of which some bytes are still stored (raw, or as hex in a
    PostgreSQL dump). Three 16-byte pieces each, since SQLite may split a long value
    over pages; the pieces skip the version byte and are random otherwise."""
    stored = list(database_bytes(database_url).values())
    found = []
    for name, blob in blobs.items():
        pieces = {blob[1:17], blob[len(blob) // 2 : len(blob) // 2 + 16], blob[-16:]}
        forms = [form for piece in pieces for form in (piece, piece.hex().encode())]
        if any(form in data for form in forms for data in stored):
            found.append(name)
    return found


def status_api(client: FlaskClient, code: str):  # noqa: ANN201 - a TestResponse
    return client.post(
        "/api/v1/reports/status",
        json={"tracking_code": code},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )


def case_row(app: Flask, case_id: int) -> dict[str, object]:
    with database(app).session() as session:
        case = session.get_one(Case, case_id)
        return {column.key: getattr(case, column.key) for column in Case.__table__.columns}


def table_counts(app: Flask) -> dict[str, int]:
    models = (Case, CaseEvent, Message, CaseNote, CaseProposal, Attachment, AttachmentChunk)
    with database(app).session() as session:
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (*models, AuditEntry)
        }


def purge(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["purge", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_purge_shreds_old_closed_cases_and_keeps_the_rest(
    app: Flask,
    client: FlaskClient,
    init_result: InitResult,
    settings: Settings,
    database_url: str,
) -> None:
    today = settings.today()
    cutoff = today - timedelta(days=RETENTION_DAYS)
    old = file_full_case(app, client, "old")
    recent = file_full_case(app, client, "recent")
    running = file_full_case(app, client, "open")
    close_case(app, old.case_id, cutoff)  # closed exactly at the end of the retention
    close_case(app, recent.case_id, cutoff + timedelta(days=1))
    # Closed long ago, then reopened by a supervisor: no longer closed, so it stays.
    close_case(app, running.case_id, cutoff - timedelta(days=400))
    with database(app).session() as session:
        session.execute(update(Case).where(Case.id == running.case_id).values(status="triage"))

    old_blobs = ciphertexts(app, old.case_id)
    kept_blobs = {**ciphertexts(app, recent.case_id), **ciphertexts(app, running.case_id)}
    assert {"sealed key", "reporter key", "body"} <= set(old_blobs)
    assert sum(name.startswith("chunk") for name in old_blobs) == 2  # report + reply files
    assert stored_blobs(database_url, old_blobs) == list(old_blobs)  # the scan finds them
    old_before = case_row(app, old.case_id)
    old_events = _events(app, old.case_id)
    kept_before = {case_id: case_row(app, case_id) for case_id in (recent.case_id, running.case_id)}

    # --- dry run: counts, changes nothing ---
    counts_before = table_counts(app)
    output = purge(app, "--dry-run")
    assert f"1 case closed on or before {cutoff.isoformat()} would be purged" in output
    assert table_counts(app) == counts_before
    assert case_row(app, old.case_id) == old_before

    # --- the purge ---
    output = purge(app)
    assert f"Purged 1 case closed on or before {cutoff.isoformat()}." in output

    purged = case_row(app, old.case_id)
    for column in ("sealed_key", "reporter_key", "body", "lookup_id"):
        assert purged[column] is None, column
    assert purged["purged_on"] == today
    # The statistics stay exactly as they were.
    for column, value in old_before.items():
        if column not in ("sealed_key", "reporter_key", "body", "lookup_id", "purged_on"):
            assert purged[column] == value, column
    assert purged["agency_id"] is not None and purged["assignee_id"] is not None
    assert purged["closed_on"] == cutoff and purged["severity"] == "berat"
    # Events keep kind, dates and statuses; their encrypted notes are gone.
    assert _events(app, old.case_id) == [event[:-1] + (False,) for event in old_events]
    assert any(event[-1] for event in old_events)
    with database(app).session() as session:
        for model in (Message, CaseNote, CaseProposal, Attachment):
            left = session.scalar(
                select(func.count()).select_from(model).where(model.case_id == old.case_id)
            )
            assert left == 0, model.__name__
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "case.purged", AuditEntry.case_id == old.case_id
            )
        ).all()
        assert len(entries) == 1
    counts_after = table_counts(app)
    assert counts_after["AttachmentChunk"] == counts_before["AttachmentChunk"] - 2
    assert counts_after["Case"] == counts_before["Case"]
    assert counts_after["CaseEvent"] == counts_before["CaseEvent"]

    # Crypto-shredding: no byte of the purged case's ciphertexts is left in the stored
    # database (on SQLite, not even in free pages or the write-ahead log), while the
    # kept cases' ciphertexts are still found by the same scan.
    assert stored_blobs(database_url, old_blobs) == []
    assert stored_blobs(database_url, kept_blobs) == list(kept_blobs)
    assert find_leaks(database_bytes(database_url), old.markers) == []

    # The tracking code opens nothing, and says so the way any unknown code is told.
    response = status_api(client, old.code)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert open_status(app.test_client(), old.code).status_code == 404

    # The other cases are untouched and their reporters still read them.
    for kept in (recent, running):
        assert case_row(app, kept.case_id) == kept_before[kept.case_id]
        body = status_api(client, kept.code).get_json()
        texts = [message["text"] for message in body["messages"]]
        assert kept.markers["reply"] in texts and kept.markers["officer message"] in texts
        assert kept.markers["event public note"] in [event["note"] for event in body["events"]]
        reporter = app.test_client()
        assert open_status(reporter, kept.code).status_code == 303
        page = reporter.get("/status/case").get_data(as_text=True)
        assert kept.markers["description"] in page and "kuitansi.txt" in page

    # A second run finds nothing more.
    assert f"Purged 0 cases closed on or before {cutoff.isoformat()}." in purge(app)
    assert table_counts(app) == counts_after
    assert "0 cases closed" in purge(app, "--dry-run")


def _events(app: Flask, case_id: int) -> list[tuple[object, ...]]:
    """(kind, day, from, to, visible, has an encrypted note) of each event, in order."""
    with database(app).session() as session:
        return [
            (
                event.kind,
                event.occurred_on,
                event.status_from,
                event.status_to,
                event.visible_to_reporter,
                bool(event.note or event.public_note),
            )
            for event in session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        ]


def test_purge_goes_batch_by_batch_and_reports_progress(
    app: Flask, client: FlaskClient, init_result: InitResult, settings: Settings
) -> None:
    cutoff = settings.today() - timedelta(days=RETENTION_DAYS)
    codes = [
        file_report(client, description=f"Laporan nomor {n} tentang pungutan liar di loket.")
        for n in range(5)
    ]
    ids = [case_id_for(app, code) for code in codes]
    for case_id in ids[:4]:
        close_case(app, case_id, cutoff - timedelta(days=10))

    output = purge(app, "--batch-size", "2")
    assert "Purged 4 cases" in output
    # Two full batches of two, reported as they are committed.
    assert re.findall(r"(\d+) cases purged so far", output) == ["2", "4"]
    with database(app).session() as session:
        purged = set(session.scalars(select(Case.id).where(Case.purged_on.is_not(None))))
        audited = session.scalars(
            select(AuditEntry.case_id).where(AuditEntry.action == "case.purged")
        ).all()
    assert purged == set(ids[:4])
    assert sorted(audited) == sorted(ids[:4])
    assert status_api(client, codes[4]).status_code == 200
