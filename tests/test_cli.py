"""The real console scripts, run as an operator runs them: `wbs ...` and `flask --app wbs ...`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import FAST_ARGON2
from wbs.crypto import DecryptionError
from wbs.db import Database
from wbs.demo_data import AGENCIES, CATEGORIES, DEMO_ADMIN, DEMO_STAFF
from wbs.keyring import RecoveryKey, active_unit_key, unwrap_for_officer, unwrap_with_recovery
from wbs.kinerja.demo import DEMO_ASN
from wbs.models import (
    Agency,
    Category,
    Indicator,
    MonthlyRealisation,
    PerformanceNode,
    Staff,
    UnitKey,
    UnitKeyWrap,
)

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WBS = [str(BIN / "wbs")]
FLASK = [str(BIN / "flask"), "--app", "wbs"]


def cli_env(instance: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WBS_")}
    env.pop("FLASK_APP", None)
    env.update(
        {
            "WBS_INSTANCE_PATH": str(instance),
            "WBS_ARGON2_MEMORY_KIB": str(FAST_ARGON2.memory_kib),
            "WBS_ARGON2_TIME_COST": str(FAST_ARGON2.time_cost),
        }
    )
    if database_url is not None:
        env["WBS_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run(command: list[str], env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=120,
    )


def printed(output: str, label: str) -> str:
    match = re.search(rf"^\s*{label}:\s+(\S+)\s*$", output, re.MULTILINE)
    assert match, f"no {label!r} line in:\n{output}"
    return match.group(1)


def counts(database_url: str) -> dict[str, int]:
    db = Database(database_url)
    try:
        with db.session() as session:
            return {
                model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (
                    Agency,
                    Category,
                    Staff,
                    UnitKey,
                    UnitKeyWrap,
                    PerformanceNode,
                    Indicator,
                    MonthlyRealisation,
                )
            }
    finally:
        db.dispose()


# --- wbs init -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [WBS, FLASK], ids=["wbs", "flask"])
def test_init_prints_the_first_admin_password_and_recovery_key_once(
    empty_database_url: str, tmp_path: Path, command: list[str]
) -> None:
    env = cli_env(tmp_path / "instance", empty_database_url)
    first = run(command, env, "init", "--admin", "kepala")
    assert first.returncode == 0, first.stderr
    assert printed(first.stdout, "First admin") == "kepala"
    password = printed(first.stdout, "Password")
    recovery = printed(first.stdout, "Recovery key")
    assert len(password) >= 16

    second = run(command, env, "init", "--admin", "kepala")
    assert second.returncode == 0, second.stderr
    assert "already initialised" in second.stdout
    assert password not in second.stdout and recovery not in second.stdout
    assert "Password" not in second.stdout and "Recovery key" not in second.stdout
    assert counts(empty_database_url)["UnitKey"] == 1
    assert counts(empty_database_url)["Staff"] == 1

    db = Database(empty_database_url)
    try:
        with db.session() as session:
            admin = session.scalars(select(Staff).where(Staff.username == "kepala")).one()
            assert {"admin", "supervisor"} <= admin.role_set
            by_password = unwrap_for_officer(session, admin, password, FAST_ARGON2)
            by_recovery = unwrap_with_recovery(session, RecoveryKey.parse(recovery))
            assert by_password is not None
            assert by_password.raw == by_recovery.raw
            assert by_password.public_raw == active_unit_key(session).public_key
            # The recovery key is accepted as people copy it: lower case, no dashes.
            relaxed = RecoveryKey.parse(recovery.replace("-", " ").lower())
            assert unwrap_with_recovery(session, relaxed).raw == by_password.raw
            with pytest.raises(DecryptionError):
                unwrap_for_officer(session, admin, password + "x", FAST_ARGON2)
            with pytest.raises(DecryptionError):
                unwrap_with_recovery(session, RecoveryKey.generate())
    finally:
        db.dispose()


def test_init_without_configuration_uses_the_instance_folder(tmp_path: Path) -> None:
    """`make run` sets nothing: the database and the server secret live in the instance."""
    instance = tmp_path / "instance"
    result = run(WBS, cli_env(instance), "init", "--admin", "kepala")
    assert result.returncode == 0, result.stderr
    assert (instance / "wbs.sqlite3").is_file()
    secret = instance / "secret_key"
    assert secret.is_file() and secret.stat().st_mode & 0o777 == 0o600
    assert counts(f"sqlite:///{instance / 'wbs.sqlite3'}")["Staff"] == 1


def test_demo_creates_a_missing_instance_folder_when_the_secret_comes_from_the_environment(
    tmp_path: Path,
) -> None:
    """With WBS_SECRET_KEY set no key file is written, yet SQLite still needs the folder."""
    instance = tmp_path / "not" / "there" / "yet"
    env = cli_env(instance, WBS_SECRET_KEY="cli-test-secret-key-long-enough-0123456789")
    result = run(WBS, env, "demo")
    assert result.returncode == 0, result.stderr
    assert (instance / "wbs.sqlite3").is_file()
    assert not (instance / "secret_key").exists()


# --- wbs demo ---------------------------------------------------------------------------


def test_demo_loads_reference_data_and_accounts_once(
    empty_database_url: str, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "instance", empty_database_url)
    first = run(WBS, env, "demo")
    assert first.returncode == 0, first.stderr
    loaded = counts(empty_database_url)
    assert 28 <= loaded["Agency"] == len(AGENCIES) <= 35
    assert loaded["Category"] == len(CATEGORIES) == 11
    assert loaded["Staff"] == len(DEMO_STAFF) + len(DEMO_ASN) + 1
    assert printed(first.stdout, "Recovery key")  # demo also initialises, once
    # e-SAKIP: Dinas Kesehatan's tree with its indicators, and its monthly figures.
    assert (loaded["PerformanceNode"], loaded["Indicator"], loaded["MonthlyRealisation"]) == (
        4,
        5,
        10,
    )
    accounts = [DEMO_ADMIN, *((user, password) for user, _n, _r, password, _a in DEMO_STAFF)]
    for username, password in accounts:
        assert re.search(rf"^\s*{username}\s+{re.escape(password)}\s", first.stdout, re.M)

    second = run(WBS, env, "demo")
    assert second.returncode == 0, second.stderr
    assert "Recovery key" not in second.stdout
    assert counts(empty_database_url) == loaded

    # The printed demo officers really hold case access; leadership does not.
    db = Database(empty_database_url)
    try:
        with db.session() as session:
            staff = {s.username: s for s in session.scalars(select(Staff))}
            unit_public = active_unit_key(session).public_key
            for username, password in [DEMO_ADMIN, ("verifikator", "teh-manis-loket-satu-2026")]:
                key = unwrap_for_officer(session, staff[username], password, FAST_ARGON2)
                assert key is not None and key.public_raw == unit_public
            dinkes = session.scalars(select(Agency.id).where(Agency.code == "DINKES")).one()
            assert staff["operator-dinkes"].agency_id == staff["kadinkes"].agency_id == dinkes
            assert staff["verifikator"].agency_id is None
            leader = staff["pimpinan"]
            assert (
                unwrap_for_officer(session, leader, "pendopo-rapat-pagi-2026", FAST_ARGON2) is None
            )
    finally:
        db.dispose()


def test_demo_after_init_adds_data_without_a_second_key(
    empty_database_url: str, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "instance", empty_database_url)
    assert run(WBS, env, "init", "--admin", "kepala").returncode == 0
    result = run(FLASK, env, "demo")
    assert result.returncode == 0, result.stderr
    assert "Recovery key" not in result.stdout
    loaded = counts(empty_database_url)
    assert loaded["UnitKey"] == 1
    assert loaded["Agency"] == len(AGENCIES) and loaded["Category"] == len(CATEGORIES)


# --- settings errors ----------------------------------------------------------------------


BAD_SETTINGS = [
    ("WBS_ARGON2_MEMORY_KIB", "abc"),
    ("WBS_ARGON2_MEMORY_KIB", "4"),
    ("WBS_SECRET_KEY", "too-short"),
    ("WBS_MAX_UPLOAD_MB", "0"),
    ("WBS_SECURE_COOKIES", "maybe"),
    ("WBS_TIMEZONE", "Asia/Atlantis"),
    ("WBS_DEFAULT_LOCALE", "fr"),
]


@pytest.mark.parametrize(
    ("command", "name", "value"),
    [
        *((WBS, name, value) for name, value in BAD_SETTINGS),
        # `flask --app wbs` goes through Flask's own loader: check it prints the same.
        (FLASK, "WBS_ARGON2_MEMORY_KIB", "abc"),
        (FLASK, "WBS_SECRET_KEY", "too-short"),
    ],
    ids=lambda value: "flask" if value == FLASK else ("wbs" if value == WBS else str(value)),
)
def test_bad_setting_is_one_clear_line_not_a_traceback(
    tmp_path: Path, command: list[str], name: str, value: str
) -> None:
    instance = tmp_path / "instance"
    result = run(command, cli_env(instance, **{name: value}), "init", "--admin", "kepala")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {name}")
    assert not (instance / "wbs.sqlite3").exists()


def test_bad_setting_with_help_is_one_clear_line(tmp_path: Path) -> None:
    result = run(WBS, cli_env(tmp_path, WBS_SECRET_KEY="short"), "--help")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == "Error: WBS_SECRET_KEY must be at least 32 characters long"
