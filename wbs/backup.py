"""`wbs backup`: the whole instance in one archive file (issue 6); wbs/restore.py reads it.

Plain Python (SQLAlchemy, no Flask), so it is tested without an app.

Everything of a case, attachments included, lives in the database (DESIGN.md,
"Storage"); what the database alone cannot give back is the server secret, from which
the tracking-code pepper, the TOTP-secret key and the audit-chain key are derived
(wbs/server_keys.py), and the Argon2id cost, with which codes and officers' passwords
are derived. The archive holds all three, so it opens every case: keep it like the
recovery key.

The archive is an uncompressed tar with, in this order:

- ``manifest.json``: format and version, created-at, database dialect, Alembic
  revision, every table with its columns and row count, the size and SHA-256 of every
  other member;
- ``instance/secret_key``: the server secret;
- ``settings.json``: the settings that are not secrets nor host-specific;
- ``data/<table>.jsonl.gz``: one JSON array per row, in primary-key order.

Why a logical dump read in one snapshot, rather than pg_dump or a copy of the SQLite
file: one format and one code path for both databases (and so a SQLite backup restores
into PostgreSQL); no coupling to the PostgreSQL client's major version (pg_dump refuses
a newer server, and its output only pg_restore reads); the restore goes through the
same Alembic migrations and row checks on every backend; and it writes into a target
whose schema a migration created, which a file copy under a running SQLite cannot do
safely. Consistency: on PostgreSQL every table is read in one REPEATABLE READ READ ONLY
transaction (one snapshot, what pg_dump itself uses); on SQLite the online backup API
first copies the live database, in one step under a read lock, into a private file that
nobody writes, and the rows are read from that copy.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import metadata as package_metadata
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Table,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from wbs.audit import record
from wbs.installation import now_utc
from wbs.settings import Settings

FORMAT = "wbs-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRET_MEMBER = "instance/secret_key"  # noqa: S105 - a member name, not a secret
SETTINGS_MEMBER = "settings.json"
SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
# Not backed up: Alembic's own table (its revision is in the manifest) and sessions.
# A restored instance starts with everybody logged out; a cookie of the old instance
# must not open a session on the new one.
SKIPPED_TABLES = frozenset({"alembic_version", "staff_session", "reporter_session"})
# A migration writes this row into every new database (0002: the head of the audit
# chain before its first entry); a target holding only it is still empty.
AUDIT_HEAD = "audit_head"
# Settings that are secrets, or that belong to the host rather than the instance.
_HOST_SETTINGS = frozenset(
    {
        "instance_path",
        "database_url",
        "secret_key",
        "ratelimit_storage_uri",
        "mail_password",
        "mail_username",
        "testing",
    }
)
COPY_BLOCK = 1024 * 1024
BACKED_UP = "instance.backed_up"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    dialect: str
    revision: str
    rows: dict[str, int]


def _wbs_version() -> str:
    try:
        return package_metadata.version("wbs")
    except package_metadata.PackageNotFoundError:
        return "unknown"


def dialect_of(url: str) -> str:
    return make_url(url).get_backend_name()


# --- values ------------------------------------------------------------------------


def encode_value(value: Any) -> Any:
    """A column value as JSON; types JSON lacks are tagged objects of one key."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    raise BackupError(f"A value of type {type(value).__name__} cannot be backed up.")


def decode_value(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    ((tag, raw),) = value.items()
    if tag == "b":
        return base64.b64decode(raw, validate=True)
    if tag == "t":
        return datetime.fromisoformat(raw)
    if tag == "d":
        return date.fromisoformat(raw)
    if tag == "n":
        return Decimal(raw)
    raise ValueError(f"unknown value tag {tag!r}")


def settings_record(settings: Settings) -> dict[str, Any]:
    return {
        item.name: dataclasses.asdict(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type)
        else value
        for item in dataclasses.fields(settings)
        if item.name not in _HOST_SETTINGS
        for value in [getattr(settings, item.name)]
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(COPY_BLOCK):
            digest.update(block)
    return digest.hexdigest()


# --- backup ------------------------------------------------------------------------


@contextlib.contextmanager
def _snapshot(url: str, work: Path) -> Iterator[Connection]:
    """A connection that sees one consistent state of the whole database."""
    if dialect_of(url) == "sqlite":
        source_path = make_url(url).database
        if not source_path or source_path == ":memory:":
            raise BackupError("Only a SQLite database in a file can be backed up.")
        if not Path(source_path).exists():
            raise BackupError(f"The SQLite database {source_path} does not exist.")
        copy = work / "snapshot.sqlite3"
        source = sqlite3.connect(source_path, timeout=30)
        target = sqlite3.connect(copy)
        try:
            # pages=-1: the whole database in one step, under one read lock, so writers
            # that commit meanwhile are either wholly in the copy or not at all.
            source.backup(target, pages=-1)
        finally:
            target.close()
            source.close()
        engine = create_engine(f"sqlite:///{copy}", poolclass=NullPool)
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()
        return
    if dialect_of(url) != "postgresql":
        raise BackupError(f"Backups of a {dialect_of(url)} database are not supported.")
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            # One snapshot for every table: a report written meanwhile (case, messages,
            # attachment chunks, audit entry, in one transaction) is wholly in or out.
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with connection.begin():
                yield connection
    finally:
        engine.dispose()


def _revision(connection: Connection) -> str:
    if not inspect(connection).has_table("alembic_version"):
        raise BackupError("The database has no schema yet: there is nothing to back up.")
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if not revision:
        raise BackupError("The database has no Alembic revision: run `wbs init` first.")
    return str(revision)


def _dump_table(connection: Connection, table: Table, path: Path) -> int:
    order = list(table.primary_key.columns) or list(table.columns)
    statement = select(table).order_by(*order).execution_options(yield_per=200)
    # A gzip stream with Huffman coding only: nearly all the bytes are base64 of
    # ciphertext, which has no repeats to find, only 6 bits of 8 to win back (a quarter
    # of the size); that coding alone is several times faster than gzip's level 1.
    packer = zlib.compressobj(6, zlib.DEFLATED, 31, 9, zlib.Z_HUFFMAN_ONLY)
    rows = 0
    with path.open("wb") as out:
        for row in connection.execute(statement):
            line = json.dumps([encode_value(v) for v in row], separators=(",", ":")) + "\n"
            out.write(packer.compress(line.encode("utf-8")))
            rows += 1
        out.write(packer.flush())
    return rows


def _open_exclusive(path: Path) -> IO[bytes]:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} already exists; a backup never overwrites a file.") from None
    return os.fdopen(fd, "wb")


def _publish(partial: Path, destination: Path) -> None:
    """Give the finished archive its name, never replacing a file of that name."""
    try:
        # A hard link never replaces an existing name: no overwrite even in a race.
        os.link(partial, destination)
    except FileExistsError:
        raise BackupError(
            f"{destination} already exists; a backup never overwrites a file."
        ) from None
    except OSError:
        # A file system without hard links: check, then rename (a narrow race remains).
        if destination.exists():
            raise BackupError(
                f"{destination} already exists; a backup never overwrites a file."
            ) from None
        os.rename(partial, destination)


def create_backup(url: str, settings: Settings, destination: Path) -> BackupResult:
    """Write the database, the server secret and the settings into ``destination``.

    The file is created with mode 0600 and never overwrites one that exists; it appears
    under its name only when complete.
    """
    destination = destination.absolute()
    if destination.exists():
        raise BackupError(f"{destination} already exists; a backup never overwrites a file.")
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist.")
    work = Path(tempfile.mkdtemp(prefix=".wbs-backup-", dir=destination.parent))
    try:
        members: dict[str, Path] = {}
        tables: dict[str, dict[str, Any]] = {}
        with _snapshot(url, work) as connection:
            revision = _revision(connection)
            metadata = MetaData()
            metadata.reflect(connection)
            (work / "data").mkdir()
            for table in metadata.sorted_tables:
                if table.name in SKIPPED_TABLES:
                    continue
                name = f"data/{table.name}.jsonl.gz"
                members[name] = work / name
                tables[table.name] = {
                    "columns": [column.name for column in table.columns],
                    "rows": _dump_table(connection, table, members[name]),
                }
        created_at = now_utc().isoformat(timespec="seconds") + "Z"
        (work / "secret").write_text(settings.secret_key)
        (work / "settings").write_text(json.dumps(settings_record(settings), indent=2))
        members = {SECRET_MEMBER: work / "secret", SETTINGS_MEMBER: work / "settings", **members}
        dialect = dialect_of(url)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": created_at,
            "wbs_version": _wbs_version(),
            "dialect": dialect,
            "alembic_revision": revision,
            "tables": tables,
            "members": {
                name: {"size": path.stat().st_size, "sha256": _sha256(path)}
                for name, path in members.items()
            },
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial = work / "archive.tar"
        with _open_exclusive(partial) as handle:
            with tarfile.open(fileobj=handle, mode="w") as tar:
                for name, path in [(MANIFEST, work / MANIFEST), *members.items()]:
                    info = tarfile.TarInfo(name)
                    info.size, info.mode = path.stat().st_size, 0o600
                    info.mtime = int(datetime.now(UTC).timestamp())
                    with path.open("rb") as member:
                        tar.addfile(info, member)
            handle.flush()
            os.fsync(handle.fileno())
        _publish(partial, destination)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(
        path=destination,
        size=destination.stat().st_size,
        dialect=dialect,
        revision=revision,
        rows={name: table["rows"] for name, table in tables.items()},
    )


def record_backup(engine: Engine, chain_key: bytes, result: BackupResult) -> None:
    """An audit entry that a backup was taken (after it: the backup does not hold it)."""
    with Session(engine) as session:
        record(session, chain_key, BACKED_UP, at=now_utc(), detail=result.path.name)
        session.commit()
