"""Migrations are tested with data (STYLE.md habit 5, after SecureDrop's test_alembic.py).

- the schema at ``upgrade head`` equals the models' metadata, on every backend;
- every revision upgrades and downgrades, one step at a time;
- each revision has a data tester: rows seeded at the revision before it must survive
  the upgrade to it. Testers use plain SQL, never the models, because the models only
  describe the schema at head;
- ``wbs init`` (which runs ``upgrade head`` again) on a database that holds cases leaves
  every case readable, by the reporter with his code and by the officers.

Every test here starts from a new, empty database: migrations must build everything.
"""

from __future__ import annotations

import io
import re
from abc import ABC, abstractmethod
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import IntegrityError

from tests.conftest import ADMIN_PASSWORD, FAST_ARGON2
from tests.helpers import file_report, open_status
from wbs import create_app
from wbs.app_context import database, server_keys
from wbs.case_crypto import CASE_BODY, decrypt_json, open_sealed_key
from wbs.db import alembic_config, make_engine, migrate
from wbs.demo_data import load_reference_data
from wbs.installation import initialise
from wbs.intake import ReportContent, load_intake_keys
from wbs.keyring import active_unit_key, unwrap_for_officer
from wbs.models import Base, Case, Staff
from wbs.reporter_access import open_with_code, reporter_view
from wbs.settings import Settings, normalise_database_url
from wbs.tracking_code import TrackingCode


def revisions(url: str) -> list[str]:
    """Every revision, from the first to head."""
    script = ScriptDirectory.from_config(alembic_config(url))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def down_revision_of(url: str, revision: str) -> str | None:
    script = ScriptDirectory.from_config(alembic_config(url))
    down = script.get_revision(revision).down_revision
    assert not isinstance(down, tuple), "merge revisions need a tester that seeds both parents"
    return down


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def schema_differences(url: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


# --- schema ---------------------------------------------------------------------------


def test_schema_at_head_equals_the_models(empty_database_url: str) -> None:
    migrate(empty_database_url)
    assert schema_differences(empty_database_url) == []
    assert table_names(empty_database_url) == set(Base.metadata.tables)


def test_history_is_one_line_with_one_head(empty_database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(empty_database_url))
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1
    for path in Path(script.versions).glob("*.py"):
        assert re.match(r"\d{4}_[a-z0-9_]+\.py$", path.name), f"{path.name}: NNNN_what.py"


def test_every_revision_upgrades_and_downgrades_step_by_step(empty_database_url: str) -> None:
    url = empty_database_url
    config = alembic_config(url)
    history = revisions(url)
    assert history, "no migration found"
    for revision in history:
        command.upgrade(config, revision)
        assert current_revision(url) == revision
    assert schema_differences(url) == []
    for revision in reversed(history):
        assert current_revision(url) == revision
        command.downgrade(config, "-1")
    assert current_revision(url) is None
    assert table_names(url) == set(), "downgrade to base left tables behind"
    command.upgrade(config, "head")
    assert current_revision(url) == history[-1]
    assert schema_differences(url) == []


# --- data testers -----------------------------------------------------------------------


def seed_reference_rows(connection: sa.Connection) -> None:
    """Agency 1, category 1 and unit key 1, as every schema since 0001 holds them."""
    connection.execute(
        sa.text(
            "INSERT INTO agency (id, code, name, active) VALUES (1, 'DINKES', 'Dinas Kesehatan', :t)"
        ),
        {"t": True},
    )
    connection.execute(
        sa.text(
            "INSERT INTO category (id, code, name_id, name_en, sort_order, active) "
            "VALUES (1, 'pungli', 'Pungutan liar', 'Illegal levies', 0, :t)"
        ),
        {"t": True},
    )
    connection.execute(
        sa.text(
            "INSERT INTO unit_key (id, public_key, active, created_at) VALUES (1, :key, :t, :now)"
        ),
        {"key": b"\x01" * 32, "t": True, "now": "2026-01-02 03:04:05"},
    )


class DataTester(ABC):
    """Seeds rows at the revision before ``revision`` and checks them after upgrading.

    Write one for every new revision, in plain SQL against the schema of that moment.
    """

    revision: ClassVar[str]

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @abstractmethod
    def seed(self) -> None:
        """Insert rows with the schema of the revision before ``revision``."""

    @abstractmethod
    def check(self) -> None:
        """Prove the seeded rows survived the upgrade to ``revision``."""


class InitialSchemaTester(DataTester):
    """0001 starts from nothing, so nothing can be seeded; the check proves the new
    schema keeps what intake relies on: rows round-trip, binary blobs come back byte for
    byte, a look-up id is unique and a case cannot point to a missing agency."""

    revision = "0001"
    blob = bytes(range(256)) * 4

    def seed(self) -> None:
        assert set(sa.inspect(self.engine).get_table_names()) - {"alembic_version"} == set()

    def check(self) -> None:
        with self.engine.begin() as connection:
            seed_reference_rows(connection)
            connection.execute(self._case_insert(), self._case_row(1, b"\xaa" * 32, 1))
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT lookup_id, status, received_on, body FROM case_file WHERE id = 1")
            ).one()
        assert bytes(row.lookup_id) == b"\xaa" * 32
        assert row.status == "received"
        assert str(row.received_on) == "2026-01-02"
        assert bytes(row.body) == self.blob
        with pytest.raises(IntegrityError), self.engine.begin() as connection:
            connection.execute(self._case_insert(), self._case_row(2, b"\xaa" * 32, 1))
        with pytest.raises(IntegrityError), self.engine.begin() as connection:
            connection.execute(self._case_insert(), self._case_row(3, b"\xbb" * 32, 99))

    @staticmethod
    def _case_insert() -> sa.TextClause:
        return sa.text(
            "INSERT INTO case_file (id, lookup_id, status, category_id, agency_id, received_on, "
            "unit_key_id, sealed_key, reporter_key, body) VALUES (:id, :lookup, 'received', 1, "
            ":agency, :day, 1, :blob, :blob, :blob)"
        )

    def _case_row(self, case_id: int, lookup: bytes, agency: int) -> dict[str, object]:
        return {
            "id": case_id,
            "lookup": lookup,
            "agency": agency,
            "day": date(2026, 1, 2),
            "blob": self.blob,
        }


class CaseManagementTester(DataTester):
    """0002 adds handling fields to cases and staff: existing cases keep every byte,
    start with no clock paused and no assignee; existing staff start unlocked; the
    audit chain starts at its zero head; a purged case may lose its look-up id."""

    revision = "0002"
    blob = bytes(range(256)) * 3

    def seed(self) -> None:
        with self.engine.begin() as connection:
            seed_reference_rows(connection)
            connection.execute(
                sa.text(
                    "INSERT INTO staff (id, username, display_name, password_hash, roles, active, "
                    "created_at) VALUES (1, 'irban', 'Irban I', 'hash', 'investigator', :t, "
                    "'2026-01-02 03:04:05')"
                ),
                {"t": True},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO case_file (id, lookup_id, status, category_id, agency_id, "
                    "received_on, unit_key_id, sealed_key, reporter_key, body) VALUES (7, :lookup, "
                    "'triage', 1, 1, :day, 1, :blob, :blob, :blob)"
                ),
                {"lookup": b"\xaa" * 32, "day": date(2026, 1, 2), "blob": self.blob},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO case_event (id, case_id, occurred_on, kind, status_to, "
                    "visible_to_reporter, note) VALUES (3, 7, :day, 'received', 'received', :t, :blob)"
                ),
                {"day": date(2026, 1, 2), "t": True, "blob": self.blob},
            )

    def check(self) -> None:
        with self.engine.connect() as connection:
            case = connection.execute(sa.text("SELECT * FROM case_file WHERE id = 7")).one()
            staff = connection.execute(sa.text("SELECT * FROM staff WHERE id = 1")).one()
            event = connection.execute(sa.text("SELECT * FROM case_event WHERE id = 3")).one()
            head = connection.execute(sa.text("SELECT * FROM audit_head")).all()
        assert bytes(case.lookup_id) == b"\xaa" * 32
        assert bytes(case.body) == self.blob and bytes(case.sealed_key) == self.blob
        assert case.status == "triage" and case.paused_days == 0
        assert case.assignee_id is None and case.due_on is None and case.outcome is None
        assert staff.failed_logins == 0 and not staff.must_change_password
        assert staff.locked_until is None and staff.email is None
        assert bytes(event.note) == self.blob and event.public_note is None
        assert [(row.id, row.last_seq, bytes(row.last_hash)) for row in head] == [(1, 0, bytes(32))]
        with self.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE case_file SET lookup_id = NULL, sealed_key = NULL, reporter_key = NULL, "
                    "body = NULL, purged_on = :day WHERE id = 7"
                ),
                {"day": date(2031, 1, 2)},
            )


class StatisticsTester(DataTester):
    """0003 adds tables only: cases and staff keep every field, and the new tables
    accept rows that point at the existing agency, category and staff."""

    revision = "0003"
    blob = bytes(range(200)) * 2

    def seed(self) -> None:
        with self.engine.begin() as connection:
            seed_reference_rows(connection)
            connection.execute(
                sa.text(
                    "INSERT INTO staff (id, username, display_name, password_hash, roles, active, "
                    "created_at, must_change_password, failed_logins) VALUES (1, 'irban', "
                    "'Irban I', 'hash', 'investigator', :t, '2026-01-02 03:04:05', :f, 0)"
                ),
                {"t": True, "f": False},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO case_file (id, lookup_id, status, category_id, agency_id, "
                    "received_on, unit_key_id, sealed_key, reporter_key, body, paused_days) "
                    "VALUES (7, :lookup, 'triage', 1, 1, :day, 1, :blob, :blob, :blob, 0)"
                ),
                {"lookup": b"\xaa" * 32, "day": date(2026, 1, 2), "blob": self.blob},
            )

    def check(self) -> None:
        with self.engine.connect() as connection:
            case = connection.execute(sa.text("SELECT * FROM case_file WHERE id = 7")).one()
            staff = connection.execute(sa.text("SELECT * FROM staff WHERE id = 1")).one()
        assert bytes(case.body) == self.blob
        assert case.status == "triage" and staff.username == "irban"
        with self.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO backlog_snapshot (day, agency_id, category_id, open, overdue) "
                    "VALUES (:day, 1, 1, 1, 0)"
                ),
                {"day": date(2026, 1, 3)},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO api_token (staff_id, name, token_hash, created_at, expires_on) "
                    "VALUES (1, 'dashboard', :hash, '2026-01-02 03:04:05', :day)"
                ),
                {"hash": b"\x01" * 32, "day": date(2026, 4, 1)},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO report_note (period_key, obstacles, solutions, evaluation, "
                    "updated_at, updated_by_id) VALUES ('2026-01', 'a', 'b', 'c', "
                    "'2026-01-31 10:00:00', 1)"
                )
            )
        with pytest.raises(IntegrityError), self.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO backlog_snapshot (day, agency_id, category_id, open, overdue) "
                    "VALUES (:day, 1, 1, 2, 0)"
                ),
                {"day": date(2026, 1, 3)},
            )


class SakipTester(DataTester):
    """0004 adds the e-SAKIP tables, the agency head's name and the agency of an agency
    account: staff (a table SQLite rebuilds to add the foreign key) and cases keep every
    field, existing staff belong to no agency, and a performance tree can be built."""

    revision = "0004"

    def seed(self) -> None:
        StatisticsTester(self.engine).seed()
        with self.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO api_token (staff_id, name, token_hash, created_at, expires_on) "
                    "VALUES (1, 'dashboard', :hash, '2026-01-02 03:04:05', :day)"
                ),
                {"hash": b"\x02" * 32, "day": date(2026, 4, 1)},
            )

    def check(self) -> None:
        with self.engine.connect() as connection:
            case = connection.execute(sa.text("SELECT * FROM case_file WHERE id = 7")).one()
            staff = connection.execute(sa.text("SELECT * FROM staff WHERE id = 1")).one()
            agency = connection.execute(sa.text("SELECT * FROM agency WHERE id = 1")).one()
            token = connection.execute(sa.text("SELECT * FROM api_token")).one()
        assert bytes(case.body) == StatisticsTester.blob and case.status == "triage"
        assert (staff.username, staff.roles, staff.agency_id) == ("irban", "investigator", None)
        assert not staff.must_change_password and staff.failed_logins == 0
        assert agency.head_name is None and agency.active
        assert token.staff_id == 1 and bytes(token.token_hash) == b"\x02" * 32
        with self.engine.begin() as connection:
            connection.execute(sa.text("UPDATE staff SET agency_id = 1 WHERE id = 1"))
            connection.execute(
                sa.text(
                    "INSERT INTO performance_node (id, agency_id, parent_id, level, code, name, "
                    "weight, sort_order, active) VALUES (1, 1, NULL, 'tujuan', '1.01', "
                    "'Meningkatnya derajat kesehatan', 1, 0, :t)"
                ),
                {"t": True},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO indicator (id, node_id, name, unit, polarity, weight, sort_order, "
                    "active) VALUES (1, 1, 'Angka kematian bayi', 'per 1.000', 'lower', 1, 0, :t)"
                ),
                {"t": True},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO indicator_value (indicator_id, year, period, target, "
                    "realisation, note, updated_at) VALUES (1, 2026, 'Y', 7, 6.5, '', "
                    "'2026-12-31 10:00:00')"
                )
            )
            value = connection.execute(
                sa.text("SELECT target, realisation FROM indicator_value")
            ).one()
        # NUMERIC keeps the decimals exactly.
        assert (str(value.target).rstrip("0").rstrip("."), str(value.realisation).rstrip("0")) == (
            "7",
            "6.5",
        )


class KinerjaTester(DataTester):
    """0005 adds the e-Kinerja tables: everything of 0004 survives, and an ASN of an
    existing agency can get a profile, a day, an entry and a photo in chunks."""

    revision = "0005"

    def seed(self) -> None:
        SakipTester(self.engine).seed()
        with self.engine.begin() as connection:
            connection.execute(sa.text("UPDATE staff SET agency_id = 1 WHERE id = 1"))

    def check(self) -> None:
        with self.engine.connect() as connection:
            case = connection.execute(sa.text("SELECT * FROM case_file WHERE id = 7")).one()
            staff = connection.execute(sa.text("SELECT * FROM staff WHERE id = 1")).one()
        assert bytes(case.body) == StatisticsTester.blob
        assert (staff.username, staff.agency_id) == ("irban", 1)
        with self.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO asn_profile (staff_id, agency_id, node_id, supervisor_id, nip, "
                    "position, field_officer) VALUES (1, 1, NULL, NULL, '', 'Pengawas', :t)"
                ),
                {"t": True},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO activity_day (staff_id, day, agency_id, state, comment, "
                    "updated_at) VALUES (1, :day, 1, 'submitted', '', '2026-11-02 09:00:00')"
                ),
                {"day": date(2026, 11, 2)},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO activity_entry (id, staff_id, day, agency_id, activity, "
                    "quantity, unit, target_key, place, latitude, longitude, started_at, "
                    "created_at) VALUES (1, 1, :day, 1, 'Pengawasan jalan', 2.5, 'km', '', "
                    "'Ratahan', 1.051234, 124.718765, '08:30', '2026-11-02 09:00:00')"
                ),
                {"day": date(2026, 11, 2)},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO activity_photo (id, entry_id, staff_id, file_name, media_type, "
                    "size, sha256, width, height, fingerprint, flags, uploaded_at) VALUES "
                    "(1, 1, 1, 'a.jpg', 'image/jpeg', 3, :sha, 1, 1, :fp, '[]', "
                    "'2026-11-02 09:00:00')"
                ),
                {"sha": "0" * 64, "fp": -(2**63)},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO activity_photo_chunk (photo_id, chunk_index, data) "
                    "VALUES (1, 0, :data)"
                ),
                {"data": b"\xff\xd8\xff"},
            )
            entry = connection.execute(sa.text("SELECT * FROM activity_entry")).one()
            photo = connection.execute(sa.text("SELECT * FROM activity_photo")).one()
        assert str(entry.quantity).rstrip("0") == "2.5"
        assert str(entry.latitude) == "1.051234"
        assert photo.fingerprint == -(2**63)  # the full signed 64-bit range


DATA_TESTERS: dict[str, type[DataTester]] = {
    tester.revision: tester
    for tester in (
        InitialSchemaTester,
        CaseManagementTester,
        StatisticsTester,
        SakipTester,
        KinerjaTester,
    )
}


def test_every_revision_has_a_data_tester(tmp_path: Path) -> None:
    assert set(revisions(f"sqlite:///{tmp_path / 'x.sqlite3'}")) == set(DATA_TESTERS)


@pytest.mark.parametrize("revision", sorted(DATA_TESTERS))
def test_data_survives_the_upgrade_to(empty_database_url: str, revision: str) -> None:
    url = empty_database_url
    down = down_revision_of(url, revision)
    if down is not None:
        migrate(url, down)
    engine = make_engine(url)
    try:
        tester = DATA_TESTERS[revision](engine)
        tester.seed()
        migrate(url, revision)
        tester.check()
    finally:
        engine.dispose()


# --- `wbs init` again on a database holding cases ----------------------------------------------


def test_init_on_a_database_holding_cases_leaves_every_case_readable(
    empty_database_url: str, tmp_path: Path
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    settings = Settings(
        instance_path=instance,
        database_url=normalise_database_url(empty_database_url),
        secret_key="migration-test-secret-key-long-enough-0123456789",
        argon2=FAST_ARGON2,
        testing=True,
    )
    app = create_app(settings)
    assert initialise(database(app), settings, "admin", ADMIN_PASSWORD) is not None
    with database(app).session() as session:
        load_reference_data(session)
    client = app.test_client()
    filed: dict[str, str] = {}
    for number, (category, agency) in enumerate(
        [("pungli", "DINKES"), ("suap", "DPUPR"), ("gratifikasi", "BPKAD")]
    ):
        description = f"Laporan nomor {number}: uang pelicin diminta untuk izin usaha."
        response = client.post(
            "/api/v1/reports",
            json={"category": category, "agency": agency, "description": description},
        )
        assert response.status_code == 201
        filed[response.get_json()["tracking_code"]] = description
    evidence = b"%PDF-1.4 bukti transfer ke rekening pribadi"
    form_code = file_report(
        client,
        description="Laporan lewat formulir dengan lampiran bukti transfer.",
        evidence=(io.BytesIO(evidence), "transfer.pdf"),
    )
    filed[form_code] = "Laporan lewat formulir dengan lampiran bukti transfer."
    before = _row_counts(empty_database_url)
    database(app).dispose()

    result = create_app(settings).test_cli_runner().invoke(args=["init", "--admin", "lain"])
    assert result.exit_code == 0, result.output
    assert "already initialised" in result.output
    assert "Recovery key" not in result.output
    assert current_revision(empty_database_url) == revisions(empty_database_url)[-1]
    assert _row_counts(empty_database_url) == before

    # A restarted app: every reporter opens his own case with his code...
    app = create_app(settings)
    try:
        client = app.test_client()
        for code, description in filed.items():
            response = client.post("/api/v1/reports/status", json={"tracking_code": code})
            assert response.status_code == 200
            assert response.get_json()["status"] == "received"
            with database(app).session() as session:
                keys = load_intake_keys(session, server_keys(app).tracking_pepper, FAST_ARGON2)
                access = open_with_code(session, keys, TrackingCode(code))
                assert access is not None
                assert reporter_view(session, access).report.description == description
        assert open_status(client, form_code).status_code == 303
        page = client.get("/status/case").get_data(as_text=True)
        attachment = re.search(r'href="(/status/attachment/\d+)">transfer.pdf<', page)
        assert attachment and client.get(attachment.group(1)).data == evidence

        # ...and the officers still open every case with the admin's password.
        with database(app).session() as session:
            admin = session.scalars(sa.select(Staff).where(Staff.username == "admin")).one()
            private = unwrap_for_officer(session, admin, ADMIN_PASSWORD, FAST_ARGON2)
            assert private is not None
            assert private.public_raw == active_unit_key(session).public_key
            assert session.scalar(sa.select(sa.func.count()).select_from(Staff)) == 1
            descriptions = set()
            for case in session.scalars(sa.select(Case)):
                key = open_sealed_key(case.sealed_key, case.id, case.unit_key_id, private)
                body = decrypt_json(key, CASE_BODY, case.id, case.body)
                descriptions.add(ReportContent.from_json(body).description)
        assert descriptions == set(filed.values())
    finally:
        database(app).dispose()


def _row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in Base.metadata.tables.items()
            }
    finally:
        engine.dispose()
