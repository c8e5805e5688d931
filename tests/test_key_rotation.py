"""`wbs rotate-unit-key`: every case key re-sealed to a new unit key pair.

Reports with evidence and replies are filed through the public pages, another officer
holds a key wrap and a session, one old case is purged; then the command runs as an
operator runs it (prompts answered on stdin). Afterwards only the new key opens cases,
only the supervisor named and the new recovery key open the new key, and reporters
notice nothing. An interrupted rotation resumes with the old recovery key.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_PASSWORD, FAST_ARGON2
from tests.helpers import (
    REPORTER_ADDRESS,
    file_report,
    jpeg_bytes,
    open_status,
    reply_with_file,
)
from tests.leak_scan import database_bytes
from wbs import staff_sessions
from wbs.app_context import database, server_keys
from wbs.case_crypto import CASE_BODY, decrypt_json, open_sealed_key
from wbs.crypto import DecryptionError, UnitPrivateKey
from wbs.installation import InitResult, now_utc
from wbs.intake import ReportContent, load_intake_keys, new_code
from wbs.intake import file_report as file_case
from wbs.key_rotation import (
    RotationState,
    finish_rotation,
    open_case_key,
    open_old_key,
    reseal_cases,
    resume_rotation,
    rotation_state,
    start_rotation,
    switch_keys,
)
from wbs.keyring import (
    RecoveryKey,
    active_unit_key,
    unwrap_for_officer,
    unwrap_with_recovery,
    wrap_for_officer,
)
from wbs.models import AuditEntry, Case, Staff, StaffSession, UnitKey, UnitKeyWrap
from wbs.retention import purge_closed_cases
from wbs.settings import Settings
from wbs.staff_accounts import create_staff
from wbs.tracking_code import TrackingCode

OFFICER = ("pemeriksa", "kopi-tubruk-meja-tiga-2026")
SUPERVISOR_TO_RESET = ("irban2", "payung-biru-hujan-sore-2026")
RECOVERY_LINE = re.compile(r"^\s*Recovery key:\s+(\S+)\s*$", re.MULTILINE)


def _admin(session: Session) -> Staff:
    return session.scalars(select(Staff).where(Staff.username == "admin")).one()


def _case_id(app: Flask, code: str) -> int:
    with database(app).session() as session:
        keys = load_intake_keys(session, server_keys(app).tracking_pepper, FAST_ARGON2)
        lookup = keys.derive(TrackingCode.parse(code)).lookup_id
        return session.scalars(select(Case.id).where(Case.lookup_id == lookup)).one()


def _reply(app: Flask, code: str, text: str) -> None:
    reply_with_file(app, code, text, (io.BytesIO(jpeg_bytes()), "foto-tambahan.jpg"))


def _status(client: FlaskClient, code: str):  # noqa: ANN202 - a TestResponse
    return client.post(
        "/api/v1/reports/status",
        json={"tracking_code": code},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )


def _file_by_api(client: FlaskClient, description: str) -> str:
    response = client.post(
        "/api/v1/reports",
        json={"category": "gratifikasi", "agency": "DINKES", "description": description},
        environ_base={"REMOTE_ADDR": REPORTER_ADDRESS},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["tracking_code"]


class Installation:
    """Reports, an officer with a key wrap and a session, a purged case."""

    def __init__(self, app: Flask, client: FlaskClient, init_result: InitResult) -> None:
        self.app = app
        self.client = client
        self.old_recovery = init_result.recovery_key
        self.descriptions: dict[str, str] = {}
        for n in range(3):
            description = f"Laporan {n}: pejabat pengadaan menerima hadiah dari rekanan proyek."
            code = file_report(
                client,
                description=description,
                evidence=(io.BytesIO(jpeg_bytes()), f"bukti-{n}.jpg"),
            )
            self.descriptions[code] = description
        api_description = "Laporan API: kepala seksi meminta uang pelicin untuk izin usaha."
        self.descriptions[_file_by_api(client, api_description)] = api_description
        self.replied = next(iter(self.descriptions))
        self.reply_text = "Tambahan: kejadian terulang pada hari Jumat di ruang rapat."
        _reply(app, self.replied, self.reply_text)

        purged_code = file_report(client, description="Laporan lama yang sudah lewat masa simpan.")
        self.purged_id = _case_id(app, purged_code)
        db = database(app)
        with db.session() as session:
            case = session.get_one(Case, self.purged_id)
            case.status, case.closed_on = "closed", now_utc().date() - timedelta(days=4000)
            admin = _admin(session)
            self.old_private = unwrap_for_officer(session, admin, ADMIN_PASSWORD, FAST_ARGON2)
            assert self.old_private is not None
            now = now_utc()
            officer = create_staff(
                session,
                username=OFFICER[0],
                display_name="Pemeriksa",
                password=OFFICER[1],
                roles={"investigator"},
                params=FAST_ARGON2,
                now=now,
            )
            unit_key = active_unit_key(session)
            wrap_for_officer(
                session, unit_key, self.old_private, officer, OFFICER[1], FAST_ARGON2, now
            )
            self.session_cookie = staff_sessions.start(
                session, officer.id, "active", self.old_private, now, timedelta(minutes=30)
            ).token.encode()
        purge_closed_cases(
            db,
            today=now_utc().date(),
            retention_days=1825,
            chain_key=server_keys(app).audit_chain,
            now=now_utc,
        )
        self.codes = list(self.descriptions)
        self.old_key_id = self.key_ids()[0]

    def key_ids(self) -> list[int]:
        with database(self.app).session() as session:
            return list(session.scalars(select(UnitKey.id).order_by(UnitKey.id)))

    def snapshot(self) -> dict[str, object]:
        """Everything a rotation changes, to show that a refused one changed nothing."""
        with database(self.app).session() as session:
            return {
                "keys": session.execute(
                    select(UnitKey.id, UnitKey.active, UnitKey.retired_at).order_by(UnitKey.id)
                ).all(),
                "wraps": session.execute(
                    select(UnitKeyWrap.id, UnitKeyWrap.blob).order_by(UnitKeyWrap.id)
                ).all(),
                "cases": session.execute(
                    select(Case.id, Case.unit_key_id, Case.sealed_key).order_by(Case.id)
                ).all(),
                "sessions": session.scalar(select(func.count()).select_from(StaffSession)),
                "audit": session.scalar(select(func.count()).select_from(AuditEntry)),
            }


@pytest.fixture
def installation(app: Flask, client: FlaskClient, init_result: InitResult) -> Installation:
    return Installation(app, client, init_result)


def rotate(app: Flask, stdin: str, *options: str):  # noqa: ANN201 - a click Result
    return app.test_cli_runner().invoke(
        args=["rotate-unit-key", "--settle-seconds", "0", *options], input=stdin
    )


def assert_rotated(installation: Installation, new_recovery: str) -> None:
    """Every case is sealed to the new key only; who can open what afterwards."""
    app = installation.app
    with database(app).session() as session:
        new = active_unit_key(session)
        assert new.id != installation.old_key_id
        old = session.get_one(UnitKey, installation.old_key_id)
        assert not old.active and old.retired_at is not None

        by_password = unwrap_for_officer(session, _admin(session), ADMIN_PASSWORD, FAST_ARGON2)
        assert by_password is not None and by_password.public_raw == new.public_key
        by_recovery = unwrap_with_recovery(session, RecoveryKey.parse(new_recovery))
        assert by_recovery.raw == by_password.raw
        with pytest.raises(DecryptionError):
            unwrap_with_recovery(session, RecoveryKey.parse(installation.old_recovery))
        # Nothing of the old key is left to open: no wrap of any kind.
        left = session.scalar(
            select(func.count())
            .select_from(UnitKeyWrap)
            .where(
                (UnitKeyWrap.unit_key_id == installation.old_key_id)
                | (UnitKeyWrap.kind == "successor")
            )
        )
        assert left == 0
        officer = session.scalars(select(Staff).where(Staff.username == OFFICER[0])).one()
        assert unwrap_for_officer(session, officer, OFFICER[1], FAST_ARGON2) is None
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 0

        cases = session.scalars(select(Case).order_by(Case.id)).all()
        assert {case.unit_key_id for case in cases} == {new.id}
        readable = 0
        for case in cases:
            if case.id == installation.purged_id:
                assert case.sealed_key is None
                continue
            assert case.sealed_key is not None
            key = open_sealed_key(case.sealed_key, case.id, case.unit_key_id, by_password)
            body = decrypt_json(key, CASE_BODY, case.id, case.body)
            assert body["description"] in installation.descriptions.values()
            readable += 1
            # The old private key (an officer who left may have kept it) opens nothing.
            with pytest.raises(DecryptionError):
                open_sealed_key(
                    case.sealed_key, case.id, case.unit_key_id, installation.old_private
                )
            with pytest.raises(DecryptionError):
                open_sealed_key(
                    case.sealed_key, case.id, installation.old_key_id, installation.old_private
                )
        assert readable == len(installation.descriptions)
        actions = session.scalars(select(AuditEntry.action)).all()
        assert "unit_key.rotation_started" in actions
        assert actions.count("unit_key.rotation_finished") == 1

    # The officer's session ended; reporters notice nothing.
    with database(app).session() as session:
        assert (
            staff_sessions.resume(
                session,
                installation.session_cookie,
                now_utc(),
                timedelta(minutes=30),
                timedelta(hours=12),
            )
            is None
        )
    for code, description in installation.descriptions.items():
        response = _status(installation.client, code)
        assert response.status_code == 200
        if code == installation.replied:
            assert installation.reply_text in [m["text"] for m in response.get_json()["messages"]]
        reporter = app.test_client()
        assert open_status(reporter, code).status_code == 303
        assert description in reporter.get("/status/case").get_data(as_text=True)

    # A report filed now is sealed to the new key.
    code = _file_by_api(installation.client, "Laporan sesudah rotasi kunci: pungutan di loket.")
    with database(app).session() as session:
        case = session.get_one(Case, _case_id(app, code))
        assert case.unit_key_id == active_unit_key(session).id
        private = unwrap_for_officer(session, _admin(session), ADMIN_PASSWORD, FAST_ARGON2)
        assert private is not None and case.sealed_key is not None
        open_sealed_key(case.sealed_key, case.id, case.unit_key_id, private)


def test_rotation_reseals_every_case_to_a_new_key(
    installation: Installation, database_url: str
) -> None:
    app = installation.app
    with database(app).session() as session:
        old_wraps = list(
            session.scalars(
                select(UnitKeyWrap.blob).where(UnitKeyWrap.unit_key_id == installation.old_key_id)
            )
        )
        old_sealed = list(
            session.scalars(select(Case.sealed_key).where(Case.sealed_key.is_not(None)))
        )
    assert len(old_wraps) == 3  # admin, the officer, recovery

    result = rotate(
        app, f"{installation.old_recovery}\nadmin\n{ADMIN_PASSWORD}\n", "--batch-size", "2"
    )
    assert result.exit_code == 0, result.output
    recoveries = RECOVERY_LINE.findall(result.output)
    assert len(recoveries) == 1 and recoveries[0] != installation.old_recovery
    assert ADMIN_PASSWORD not in result.output and installation.old_recovery not in result.output
    assert "Rotation finished: 5 cases on the new unit key" in result.output
    assert "Officers holding the new key: admin." in result.output
    assert_rotated(installation, recoveries[0])

    # The old wraps and sealed keys are gone from the stored database, not only from
    # its live rows (on SQLite: neither in free pages nor in the write-ahead log).
    stored = list(database_bytes(database_url).values())
    for blob in [*old_wraps, *old_sealed]:
        assert not any(blob[1:17] in data or blob[1:17].hex().encode() in data for data in stored)

    # Nothing is pending: a second run starts a new rotation and asks for the supervisor.
    again = rotate(app, f"{recoveries[0]}\nadmin\n{ADMIN_PASSWORD}\n")
    assert again.exit_code == 0, again.output
    assert "resuming" not in again.output and len(RECOVERY_LINE.findall(again.output)) == 1


class Crash(Exception):
    pass


def crash_after(batches: int) -> Callable[[int], None]:
    calls = []

    def on_batch(_total: int) -> None:
        calls.append(_total)
        if len(calls) >= batches:
            raise Crash()

    return on_batch


def _start(installation: Installation) -> tuple[RotationState, str]:
    """Start a rotation with the library, as the command does, and crash after one
    batch of one case."""
    db = database(installation.app)
    with db.session() as session:
        state = rotation_state(session)
        old_private = open_old_key(session, state, RecoveryKey.parse(installation.old_recovery))
    chain_key = server_keys(installation.app).audit_chain
    rotation = start_rotation(
        db, old_private, "admin", ADMIN_PASSWORD, FAST_ARGON2, now_utc(), chain_key
    )
    assert rotation.new_recovery is not None
    with pytest.raises(Crash):
        reseal_cases(db, rotation, batch_size=1, on_batch=crash_after(1))
    with db.session() as session:
        return rotation_state(session), rotation.new_recovery.display()


def _officer_reads_every_case(installation: Installation, private: UnitPrivateKey) -> None:
    """What the case pages do with the key an officer's session holds."""
    with database(installation.app).session() as session:
        for case in session.scalars(select(Case).where(Case.sealed_key.is_not(None))):
            key = open_case_key(session, case, private)
            body = decrypt_json(key, CASE_BODY, case.id, case.body)
            assert body["description"] in installation.descriptions.values()


@pytest.mark.parametrize("interrupted", ["while re-sealing", "after the switch"])
def test_interrupted_rotation_resumes_with_the_old_recovery_key(
    installation: Installation, interrupted: str
) -> None:
    app = installation.app
    state, new_recovery = _start(installation)
    assert state.pending and not state.switched
    with database(app).session() as session:
        on_key = dict(
            session.execute(select(Case.unit_key_id, func.count()).group_by(Case.unit_key_id)).all()
        )
    # One case moved, the others wait on the old key: every one still opens, for
    # officers (their sessions hold the old key) and for reporters.
    assert on_key == {state.old_id: 4, state.new_id: 1}
    _officer_reads_every_case(installation, installation.old_private)
    for code in installation.codes:
        assert _status(installation.client, code).status_code == 200
    # Reports filed meanwhile go to the still active old key and are moved too.
    late = _file_by_api(installation.client, "Laporan saat rotasi berjalan: pungutan retribusi.")
    installation.descriptions[late] = "Laporan saat rotasi berjalan: pungutan retribusi."

    if interrupted == "after the switch":
        with database(app).session() as session:
            state = rotation_state(session)
            rotation_private = open_old_key(
                session, state, RecoveryKey.parse(installation.old_recovery)
            )
        rotation = resume_rotation(database(app), rotation_private)
        switch_keys(database(app), rotation, now_utc())
        with database(app).session() as session:
            assert rotation_state(session).switched
        _officer_reads_every_case(installation, installation.old_private)

    # Resuming asks only for the old recovery key and prints no new one.
    result = rotate(app, f"{installation.old_recovery}\n", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert "resuming" in result.output
    assert "stays valid" in result.output
    assert RECOVERY_LINE.search(result.output) is None
    assert "Username" not in result.output
    assert "Rotation finished: 6 cases on the new unit key" in result.output
    assert_rotated(installation, new_recovery)


def test_the_new_recovery_key_does_not_resume(installation: Installation) -> None:
    state, new_recovery = _start(installation)
    before = installation.snapshot()
    result = rotate(installation.app, f"{new_recovery}\n")
    assert result.exit_code == 1
    assert "the recovery key that was valid when it started" in result.output
    assert installation.snapshot() == before


REFUSALS = {
    "wrong recovery key": (lambda old: f"{RecoveryKey.generate().display()}\n", "does not open"),
    "not a recovery key": (lambda old: "kunci-saya\n", "not a recovery key"),
    "wrong password": (lambda old: f"{old}\nadmin\nsalah-{ADMIN_PASSWORD}\n", "wrong password"),
    "unknown supervisor": (lambda old: f"{old}\nsiapa\n{ADMIN_PASSWORD}\n", "wrong password"),
    "not a supervisor": (lambda old: f"{old}\n{OFFICER[0]}\n{OFFICER[1]}\n", "not a supervisor"),
    "password set by a reset": (
        lambda old: f"{old}\n{SUPERVISOR_TO_RESET[0]}\n{SUPERVISOR_TO_RESET[1]}\n",
        "must choose a new password",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_rotation_says_why_and_changes_nothing(
    installation: Installation, case: str
) -> None:
    with database(installation.app).session() as session:
        create_staff(
            session,
            username=SUPERVISOR_TO_RESET[0],
            display_name="Irban 2",
            password=SUPERVISOR_TO_RESET[1],
            roles={"supervisor"},
            params=FAST_ARGON2,
            now=now_utc(),
            must_change_password=True,
        )
    before = installation.snapshot()
    stdin, message = REFUSALS[case]
    result = rotate(installation.app, stdin(installation.old_recovery))
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output and RECOVERY_LINE.search(result.output) is None
    assert installation.snapshot() == before


def test_rotation_without_unit_key_says_to_run_init(app: Flask, settings: Settings) -> None:
    result = rotate(app, "")
    assert result.exit_code == 1
    assert "run `wbs init` first" in result.output
    assert "recovery key" not in result.output.lower()


def test_report_filed_with_keys_read_before_the_switch_is_sealed_to_the_new_key(
    installation: Installation, settings: Settings
) -> None:
    """A request loads its intake keys before the switch and writes its case after it:
    filing reads the active unit key again inside its write transaction, so the case is
    sealed to the new key and nothing is left for the straggler pass."""
    app = installation.app
    db = database(app)
    with db.session() as session:
        state = rotation_state(session)
        old_private = open_old_key(session, state, RecoveryKey.parse(installation.old_recovery))
        keys_before_switch = load_intake_keys(
            session, server_keys(app).tracking_pepper, FAST_ARGON2
        )
    chain_key = server_keys(app).audit_chain
    rotation = start_rotation(
        db, old_private, "admin", ADMIN_PASSWORD, FAST_ARGON2, now_utc(), chain_key
    )
    assert rotation.new_recovery is not None
    reseal_cases(db, rotation)
    late = ReportContent(
        category="pungli",
        agency="DINKES",
        description="Laporan yang dikirim tepat saat kunci berganti.",
    )
    filed: list[str] = []

    def file_during_settle(_seconds: float) -> None:
        code, code_keys = new_code(keys_before_switch)
        with db.session() as session:
            file_case(session, keys_before_switch, code_keys, late, [], settings.today(), 10**6)
        filed.append(code.digits)

    result = finish_rotation(
        db, rotation, now=now_utc, chain_key=chain_key, settle_seconds=1, sleep=file_during_settle
    )
    assert filed and result.stragglers == 0
    installation.descriptions[filed[0]] = late.description
    assert_rotated(installation, rotation.new_recovery.display())
