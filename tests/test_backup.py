"""`wbs backup` and `wbs restore` (issue 6), run as an operator runs them.

A report with evidence and a reporter's reply is filed through the public pages, the
admin logs in (so a TOTP secret, sealed with a key of the server secret, is stored);
the running instance is backed up; the backup is restored into a new instance (a new
instance folder whose generated secret differs, and a database with no tables). After
a restart the admin logs in with his password and TOTP code and reads the case, the
reporter opens it with his tracking code, and the attachments come back byte for byte.
Source and target run on SQLite and PostgreSQL, crosswise.
"""

from __future__ import annotations

import io
import re
import stat
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN_PASSWORD, FAST_ARGON2
from tests.helpers import (
    file_report,
    jpeg_bytes,
    open_status,
    reply_with_file,
)
from tests.staff_helpers import english, login, staff_login_with_totp
from wbs import create_app
from wbs.app_context import database, server_keys
from wbs.attachments import EvidenceFile, iter_content, read_meta
from wbs.audit import verify
from wbs.backup import BackupError, create_backup
from wbs.case_crypto import CASE_BODY, decrypt_json
from wbs.case_reading import open_case_key
from wbs.db import Database, migrate
from wbs.installation import InitResult, initialise, now_utc
from wbs.intake import ReportContent, load_intake_keys, new_code
from wbs.intake import file_report as file_case
from wbs.keyring import RecoveryKey, unwrap_for_officer, unwrap_with_recovery
from wbs.models import Attachment, Case, Staff
from wbs.restore import restore_backup, verify_backup
from wbs.server_keys import ServerKeys
from wbs.settings import Settings, load_settings

DESCRIPTION = "Bendahara dinas memotong honor kegiatan tanpa dasar hukum, setiap bulan."
REPLY = "Tambahan: potongan juga terjadi pada honor bulan Oktober."
# Just over one chunk (1 MiB): each attachment is stored as two chunk rows.
ATTACHMENT_SIZE = 1_100_000
OTHER_SECRET = "another-secret-key-that-is-long-enough-9876543210"


def target_env(instance: Path, url: str, **extra: str) -> dict[str, str]:
    """The environment of a new instance, as an operator sets it up."""
    return {
        "WBS_INSTANCE_PATH": str(instance),
        "WBS_DATABASE_URL": url,
        "WBS_ARGON2_MEMORY_KIB": str(FAST_ARGON2.memory_kib),
        "WBS_ARGON2_TIME_COST": str(FAST_ARGON2.time_cost),
        "WBS_ARGON2_PARALLELISM": str(FAST_ARGON2.parallelism),
        **extra,
    }


@contextmanager
def running(env: dict[str, str]) -> Iterator[Flask]:
    """The app a process started with ``env`` builds (a restart = a new one)."""
    app = create_app(load_settings(env).replace(testing=True))
    try:
        yield app
    finally:
        database(app).dispose()


@pytest.fixture
def empty_target_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database with no table, on the same server as the source (the refusals do not
    depend on the pairing; the restores that do run on every pair of backends)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'target.sqlite3'}"
        return
    name = f"{url.database}_target"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


def table_names(url: str) -> list[str]:
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            return inspect(connection).get_table_names()
    finally:
        db.dispose()


def attachment_links(html: str, prefix: str) -> list[str]:
    return re.findall(rf'href="({re.escape(prefix)}\d+)"', html)


@dataclass
class Source:
    app: Flask
    code: str
    case_id: int
    totp_secret: str
    recovery_key: str
    # Reporter's attachment links (relative to /status/attachment/) and their bytes.
    downloads: dict[str, bytes]


def reply_with_evidence(app: Flask, code: str) -> None:
    reply_with_file(app, code, REPLY, (io.BytesIO(pdf_bytes(200_000)), "kwitansi.pdf"))


def pdf_bytes(size: int, seed: int = 7) -> bytes:
    """A file the evidence check accepts as a PDF, of ``size`` bytes of varied content."""
    pattern = bytes((i * 131 + seed) % 251 for i in range(4096))
    return b"%PDF-1.4\n" + (pattern * (size // len(pattern) + 1))[:size]


def reporter_downloads(app: Flask, code: str) -> dict[str, bytes]:
    reporter = app.test_client()
    assert open_status(reporter, code).status_code == 303
    html = reporter.get("/status/case").get_data(as_text=True)
    assert DESCRIPTION in html and REPLY in html
    links = attachment_links(html, "/status/attachment/")
    assert len(links) == 2
    downloads = {}
    for link in links:
        response = reporter.get(link)
        assert response.status_code == 200
        downloads[link.rsplit("/", 1)[1]] = response.get_data()
    return downloads


@pytest.fixture
def source(app: Flask, client: FlaskClient, init_result: InitResult) -> Source:
    code = file_report(
        client,
        category="pungli",
        description=DESCRIPTION,
        evidence=(io.BytesIO(jpeg_bytes()), "bukti.jpg"),
    )
    reply_with_evidence(app, code)
    officer = english(app.test_client())
    totp_secret = login(officer, "admin", ADMIN_PASSWORD)
    with database(app).session() as session:
        case_id = session.scalars(select(Case.id)).one()
    return Source(
        app, code, case_id, totp_secret, init_result.recovery_key, reporter_downloads(app, code)
    )


def backup(app: Flask, path: Path) -> str:
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def restore(app: Flask, path: Path):  # noqa: ANN201 - a click Result
    return app.test_cli_runner().invoke(args=["restore", str(path)])


def test_restore_into_a_new_instance_opens_every_case(
    source: Source, settings: Settings, empty_database_url: str, tmp_path: Path
) -> None:
    archive = tmp_path / "wbs-backup.tar"
    output = backup(source.app, archive)
    assert "cases: 1," in output and "attachments: 2," in output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert settings.secret_key not in output
    manifest = verify_backup(archive)
    assert manifest["tables"]["case_file"]["rows"] == 1
    assert manifest["tables"]["attachment"]["rows"] == 2
    check = source.app.test_cli_runner().invoke(args=["restore", "--check", str(archive)])
    assert check.exit_code == 0 and "is intact" in check.output and "cases: 1," in check.output

    # The new instance: its own generated secret, a database with no tables.
    instance = tmp_path / "restored-instance"
    env = target_env(instance, empty_database_url)
    with running(env) as fresh:
        assert (instance / "secret_key").read_text() != settings.secret_key
        result = restore(fresh, archive)
    assert result.exit_code == 0, result.output
    assert "cases: 1, messages: 1, attachments: 2," in result.output
    assert "Server secret written" in result.output
    assert (instance / "secret_key").read_text() == settings.secret_key
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert not list(instance.glob(".wbs-restore-*"))

    with running(env) as restored:
        # The reporter: the tracking code opens the case, the reply and the evidence.
        assert reporter_downloads(restored, source.code) == source.downloads

        # The officer: password and the TOTP enrolled before the backup.
        officer = english(restored.test_client())
        response = staff_login_with_totp(
            officer, "admin", ADMIN_PASSWORD, source.totp_secret, step=1
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        page = officer.get(f"/admin/cases/{source.case_id}")
        assert page.status_code == 200 and DESCRIPTION in page.get_data(as_text=True)
        links = attachment_links(
            page.get_data(as_text=True), f"/admin/cases/{source.case_id}/attachments/"
        )
        assert sorted(officer.get(link).get_data() for link in links) == sorted(
            source.downloads.values()
        )

        with database(restored).session() as session:
            admin = session.scalars(select(Staff).where(Staff.username == "admin")).one()
            by_password = unwrap_for_officer(session, admin, ADMIN_PASSWORD, FAST_ARGON2)
            by_recovery = unwrap_with_recovery(session, RecoveryKey.parse(source.recovery_key))
            assert by_password is not None and by_password.raw == by_recovery.raw
            # The audit chain, keyed with the restored secret, is whole and says so.
            audit = verify(session, server_keys(restored).audit_chain)
            assert audit.ok, audit.problem
        assert restored.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0

        # New ids follow the restored ones (PostgreSQL sequences were moved on).
        code = file_report(restored.test_client(), description="Laporan baru sesudah pemulihan.")
        with database(restored).session() as session:
            assert session.scalar(select(func.count()).select_from(Case)) == 2
        assert open_status(restored.test_client(), code).status_code == 303


def damage(archive: Path, how: str) -> None:
    data = bytearray(archive.read_bytes())
    if how == "truncated":
        archive.write_bytes(data[: len(data) // 2])
        return
    with tarfile.open(archive) as tar:
        member = tar.getmember("data/attachment_chunk.jsonl.gz")
    data[member.offset_data + member.size // 2] ^= 0x01
    archive.write_bytes(data)


@pytest.mark.parametrize("how", ["flipped", "truncated"])
def test_a_damaged_backup_is_refused_and_changes_nothing(
    source: Source, empty_target_url: str, tmp_path: Path, how: str
) -> None:
    archive = tmp_path / "wbs-backup.tar"
    backup(source.app, archive)
    damage(archive, how)
    with pytest.raises(BackupError, match="damaged"):
        verify_backup(archive)
    check = source.app.test_cli_runner().invoke(args=["restore", "--check", str(archive)])
    assert check.exit_code != 0 and "is damaged" in check.output

    instance = tmp_path / "target"
    with running(target_env(instance, empty_target_url)) as fresh:
        secret_before = (instance / "secret_key").read_text()
        result = restore(fresh, archive)
    assert result.exit_code != 0
    assert "is damaged or not a WBS backup" in result.output
    assert "nothing was changed" in result.output
    assert "Traceback" not in result.output
    assert table_names(empty_target_url) == []
    assert (instance / "secret_key").read_text() == secret_before
    assert sorted(p.name for p in instance.iterdir()) == ["secret_key"]


def test_a_non_empty_target_is_refused(
    source: Source, empty_target_url: str, tmp_path: Path
) -> None:
    archive = tmp_path / "wbs-backup.tar"
    backup(source.app, archive)
    instance = tmp_path / "target"
    env = target_env(instance, empty_target_url)
    with running(env) as target:
        # The operator ran `wbs init` on the new instance before restoring.
        initialise(database(target), load_settings(env), "admin2", "sandi-admin-kedua-2026")
        secret_before = (instance / "secret_key").read_text()
        result = restore(target, archive)
        assert result.exit_code != 0
        assert "The target database is not empty" in result.output
        assert "unit_key (1)" in result.output and "staff (1)" in result.output
        with database(target).session() as session:
            assert session.scalars(select(Staff.username)).all() == ["admin2"]
            assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert (instance / "secret_key").read_text() == secret_before


def test_restore_into_a_database_that_was_only_migrated(
    source: Source, empty_target_url: str, tmp_path: Path
) -> None:
    """A new database an operator already migrated (but did not `wbs init`) is empty."""
    archive = tmp_path / "wbs-backup.tar"
    backup(source.app, archive)
    migrate(empty_target_url)
    env = target_env(tmp_path / "target", empty_target_url)
    with running(env) as target:
        result = restore(target, archive)
    assert result.exit_code == 0, result.output
    with running(env) as restored:
        assert reporter_downloads(restored, source.code) == source.downloads
        assert restored.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_a_different_secret_from_the_environment_is_refused(
    source: Source, empty_target_url: str, tmp_path: Path
) -> None:
    archive = tmp_path / "wbs-backup.tar"
    backup(source.app, archive)
    instance = tmp_path / "target"
    env = target_env(instance, empty_target_url, WBS_SECRET_KEY=OTHER_SECRET)
    with running(env) as target:
        result = restore(target, archive)
    assert result.exit_code != 0
    assert "takes its server secret from WBS_SECRET_KEY" in result.output
    assert table_names(empty_target_url) == []
    assert not (instance / "secret_key").exists()


def test_another_argon2_cost_is_refused(
    source: Source, empty_target_url: str, tmp_path: Path
) -> None:
    archive = tmp_path / "wbs-backup.tar"
    backup(source.app, archive)
    env = target_env(tmp_path / "target", empty_target_url, WBS_ARGON2_TIME_COST="2")
    with running(env) as target:
        result = restore(target, archive)
    assert result.exit_code != 0
    assert f"WBS_ARGON2_TIME_COST={FAST_ARGON2.time_cost}" in result.output
    assert table_names(empty_target_url) == []


def test_backup_never_overwrites_a_file(source: Source, tmp_path: Path) -> None:
    existing = tmp_path / "wbs-backup.tar"
    existing.write_bytes(b"an older backup")
    result = source.app.test_cli_runner().invoke(args=["backup", str(existing)])
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert existing.read_bytes() == b"an older backup"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".wbs-backup-")] == []


class ReportWriter(threading.Thread):
    """Files reports with a two-chunk attachment, one transaction each, until told."""

    def __init__(self, url: str, secret: str) -> None:
        super().__init__(daemon=True)
        self.db = Database(url)
        self.pepper = ServerKeys.from_secret(secret).tracking_pepper
        self.filed = 0
        self.stop = threading.Event()
        self.started_two = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                with self.db.session() as session:
                    keys = load_intake_keys(session, self.pepper, FAST_ARGON2)
                    _code, code_keys = new_code(keys)
                    file_case(
                        session,
                        keys,
                        code_keys,
                        ReportContent("pungli", "DINKES", f"Laporan serentak {self.filed}."),
                        [
                            EvidenceFile(
                                "bukti.pdf", io.BytesIO(pdf_bytes(ATTACHMENT_SIZE, self.filed))
                            )
                        ],
                        now_utc().date(),
                        40_000_000,
                    )
                self.filed += 1
                if self.filed >= 2:
                    self.started_two.set()
        except BaseException as error:  # reported by the test
            self.error = error
            self.started_two.set()
        finally:
            self.db.dispose()


def test_a_backup_taken_while_reports_are_filed_is_consistent(
    app: Flask,
    init_result: InitResult,
    settings: Settings,
    database_url: str,
    empty_database_url: str,
    tmp_path: Path,
) -> None:
    writer = ReportWriter(database_url, settings.secret_key)
    writer.start()
    try:
        assert writer.started_two.wait(timeout=120)
        archive = tmp_path / "during-writes.tar"
        backup_result = create_backup(database_url, settings, archive)
    finally:
        writer.stop.set()
        writer.join(timeout=120)
    assert writer.error is None, writer.error
    cases = backup_result.rows["case_file"]
    assert cases >= 2
    assert backup_result.rows["attachment"] == cases
    assert backup_result.rows["attachment_chunk"] == 2 * cases

    instance = tmp_path / "target"
    target = Settings(
        instance_path=instance,
        database_url=empty_database_url,
        secret_key=settings.secret_key,
        argon2=FAST_ARGON2,
    )
    restored = restore_backup(empty_database_url, target, archive)
    assert restored.rows["case_file"] == cases
    db = Database(empty_database_url)
    try:
        with db.session() as session:
            admin = session.scalars(select(Staff).where(Staff.username == "admin")).one()
            private = unwrap_for_officer(session, admin, ADMIN_PASSWORD, FAST_ARGON2)
            assert private is not None
            for case in session.scalars(select(Case).order_by(Case.id)):
                key = open_case_key(case, private)
                body = decrypt_json(key, CASE_BODY, case.id, case.body)
                assert body["description"].startswith("Laporan serentak")
                (attachment,) = session.scalars(
                    select(Attachment).where(Attachment.case_id == case.id)
                )
                # iter_content checks every chunk's index and the final flag.
                content = b"".join(iter_content(session, attachment, key))
                assert len(content) == read_meta(attachment, key).size == ATTACHMENT_SIZE + 9
            audit = verify(session, ServerKeys.from_secret(settings.secret_key).audit_chain)
            assert audit.ok, audit.problem
    finally:
        db.dispose()
