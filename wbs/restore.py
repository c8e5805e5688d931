"""`wbs restore`: check a backup archive and restore it into an empty instance (issue 6).

Plain Python (SQLAlchemy, no Flask). The archive format is described in wbs/backup.py.
Every check comes before any change: the members against the manifest's checksums,
the schema revision, an empty target database, the server secret and the Argon2id cost.
The rows then go in through the Alembic schema in one transaction.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import secrets
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, MetaData, Table, func, inspect, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from wbs.audit import record
from wbs.backup import (
    AUDIT_HEAD,
    COPY_BLOCK,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    SECRET_FILE,
    SECRET_MEMBER,
    SETTINGS_MEMBER,
    BackupError,
    decode_value,
    settings_record,
)
from wbs.db import alembic_config, make_engine, migrate
from wbs.installation import now_utc
from wbs.server_keys import ServerKeys
from wbs.settings import Settings

# Rows inserted per statement, and the most bytes of row data held before inserting.
_BATCH_ROWS = 500
_BATCH_BYTES = 16 * 1024 * 1024
_MEMBER_NAME = re.compile(r"data/[a-z0-9_]+\.jsonl\.gz")
RESTORED = "instance.restored"


@dataclass(frozen=True)
class RestoreResult:
    created_at: str
    dialect: str
    revision: str
    rows: dict[str, int]
    secret_written: bool
    # Settings of the backup that differ from the target's (name, backup, target).
    differences: list[tuple[str, object, object]]


# --- reading and checking an archive -------------------------------------------------


@dataclass(frozen=True)
class _Archive:
    manifest: dict[str, Any]
    folder: Path

    @property
    def secret(self) -> str:
        return (self.folder / SECRET_MEMBER).read_text()

    @property
    def settings(self) -> dict[str, Any]:
        return json.loads((self.folder / SETTINGS_MEMBER).read_text())

    def rows(self, table: str) -> Iterator[list[Any]]:
        with gzip.open(self.folder / f"data/{table}.jsonl.gz", "rt", encoding="utf-8") as lines:
            for line in lines:
                yield [decode_value(value) for value in json.loads(line)]


def _damaged(source: Path, why: str) -> BackupError:
    return BackupError(f"{source} is damaged or not a WBS backup ({why}); nothing was changed.")


def _check_manifest(source: Path, manifest: Any) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged(source, "no WBS backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{source} has backup format version {manifest.get('format_version')!r}; this "
            f"WBS reads version {FORMAT_VERSION}. Nothing was changed."
        )
    members = manifest.get("members")
    tables = manifest.get("tables")
    if not isinstance(members, dict) or not isinstance(tables, dict):
        raise _damaged(source, "incomplete manifest")
    for required in (SECRET_MEMBER, SETTINGS_MEMBER, *(f"data/{t}.jsonl.gz" for t in tables)):
        if required not in members:
            raise _damaged(source, f"the manifest lists no {required}")
    for name, entry in members.items():
        if name not in (SECRET_MEMBER, SETTINGS_MEMBER) and not _MEMBER_NAME.fullmatch(name):
            raise _damaged(source, f"unexpected member {name!r}")
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("size"), int)
            and isinstance(entry.get("sha256"), str)
        ):
            raise _damaged(source, f"no checksum for {name}")
    for name, entry in tables.items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("rows"), int)
            and isinstance(entry.get("columns"), list)
        ):
            raise _damaged(source, f"incomplete manifest entry for table {name}")
    if not isinstance(manifest.get("alembic_revision"), str):
        raise _damaged(source, "no schema revision in the manifest")


def _read_archive(source: Path, folder: Path) -> _Archive:
    """Unpack ``source`` into ``folder``, checking every member against the manifest.

    Only the names the manifest lists are written, each to a path built here (never one
    taken from the archive as it stands), so a crafted archive cannot write elsewhere.
    """
    if not source.is_file():
        raise BackupError(f"{source} does not exist or is not a file.")
    seen: set[str] = set()
    try:
        with tarfile.open(source, mode="r:") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise _damaged(source, "the manifest is not its first member")
            raw = tar.extractfile(first)
            assert raw is not None  # a regular file always has content
            try:
                manifest = json.loads(raw.read())
            except ValueError:
                raise _damaged(source, "the manifest is not readable") from None
            _check_manifest(source, manifest)
            expected = manifest["members"]
            (folder / "data").mkdir()
            (folder / "instance").mkdir()
            while (member := tar.next()) is not None:
                name = member.name
                if name not in expected or name in seen or not member.isfile():
                    raise _damaged(source, f"unexpected member {name!r}")
                seen.add(name)
                content = tar.extractfile(member)
                assert content is not None
                digest, size = hashlib.sha256(), 0
                with (folder / name).open("wb") as out:
                    while block := content.read(COPY_BLOCK):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
                if size != expected[name]["size"] or digest.hexdigest() != expected[name]["sha256"]:
                    raise _damaged(source, f"{name} does not match its checksum")
    except (tarfile.TarError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise _damaged(source, str(error) or type(error).__name__) from None
    except OSError as error:
        raise BackupError(
            f"{source} could not be read or unpacked ({error}); nothing was changed."
        ) from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise _damaged(source, f"{missing[0]} is missing; the file may be truncated")
    return _Archive(manifest, folder)


def verify_backup(source: Path) -> dict[str, Any]:
    """The manifest of ``source`` after every member matched its checksum."""
    folder = Path(tempfile.mkdtemp(prefix=".wbs-verify-"))
    try:
        return _read_archive(source, folder).manifest
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- restore -----------------------------------------------------------------------


def _known_revision(url: str, revision: str) -> bool:
    script = ScriptDirectory.from_config(alembic_config(url))
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _non_empty(connection: Connection, names: list[str]) -> dict[str, int]:
    """Tables of the target that hold rows (the audit chain's genesis head excepted)."""
    metadata = MetaData()
    metadata.reflect(connection, only=names)
    found: dict[str, int] = {}
    for name in names:
        if name in {"alembic_version"}:
            continue
        table = metadata.tables[name]
        statement = select(func.count()).select_from(table)
        if name == AUDIT_HEAD and "last_seq" in table.c:
            statement = statement.where(table.c.last_seq != 0)
        count = connection.execute(statement).scalar_one()
        if count:
            found[name] = count
    return found


def _target_revision(engine: Engine) -> str | None:
    """The target's revision; None when it has no table at all. Refuses a non-empty one."""
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        if not names:
            return None
        if "alembic_version" not in names:
            raise BackupError(
                "The target database holds tables but is not a WBS database; restore into "
                "a new, empty database. Nothing was changed."
            )
        rows = _non_empty(connection, names)
        if rows:
            listed = ", ".join(f"{name} ({count})" for name, count in sorted(rows.items()))
            raise BackupError(
                "The target database is not empty; it holds rows in: "
                f"{listed}. Restore only into a new, empty database (do not run `wbs init` "
                "or `wbs demo` on it first). Nothing was changed."
            )
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return str(revision) if revision else None


def _differences(archive: _Archive, settings: Settings) -> list[tuple[str, object, object]]:
    ours = settings_record(settings)
    theirs = archive.settings
    return [
        (name, theirs[name], ours.get(name)) for name in theirs if theirs[name] != ours.get(name)
    ]


def _check_target_secret(archive: _Archive, settings: Settings) -> bool:
    """Whether the instance's secret file must be (re)written; refuses when it cannot be."""
    if settings.secret_key == archive.secret:
        return False
    key_file = settings.instance_path / SECRET_FILE
    from_file = key_file.is_file() and key_file.read_text().strip() == settings.secret_key
    if not from_file:
        raise BackupError(
            "This instance takes its server secret from WBS_SECRET_KEY, and it is not the "
            "one in the backup. Set WBS_SECRET_KEY to the backup's secret (`tar -xOf FILE "
            f"{SECRET_MEMBER}`) and run the restore again. Nothing was changed."
        )
    return True


def _write_secret(instance_path: Path, secret: str) -> None:
    """Replace the instance's secret file atomically, mode 0600."""
    instance_path.mkdir(parents=True, exist_ok=True)
    temporary = instance_path / f".{SECRET_FILE}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, instance_path / SECRET_FILE)


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a table that refers to itself (a tree), each after the row it refers to."""
    links = [
        (fk.parent.name, fk.column.name)
        for fk in table.foreign_keys
        if fk.column.table.name == table.name
    ]
    placed: set[tuple[str, Any]] = set()
    ordered: list[dict[str, Any]] = []
    waiting = rows
    while waiting:
        ready = [
            row
            for row in waiting
            if all(row[child] is None or (parent, row[child]) in placed for child, parent in links)
        ]
        if not ready:  # a cycle or a dangling link: let the database say which
            ordered.extend(waiting)
            break
        for row in ready:
            ordered.append(row)
            placed.update((parent, row[parent]) for _child, parent in links)
        ready_ids = {id(row) for row in ready}
        waiting = [row for row in waiting if id(row) not in ready_ids]
    return ordered


def _load_table(connection: Connection, table: Table, archive: _Archive, columns: list[str]) -> int:
    expected = set(columns)
    if expected != set(table.c.keys()):
        raise BackupError(
            f"The columns of {table.name} in the backup do not match the target's schema."
        )
    self_referencing = any(fk.column.table.name == table.name for fk in table.foreign_keys)
    batch: list[dict[str, Any]] = []
    held = rows = 0
    everything: list[dict[str, Any]] = []
    for values in archive.rows(table.name):
        row = dict(zip(columns, values, strict=True))
        rows += 1
        if self_referencing:
            everything.append(row)
            continue
        batch.append(row)
        held += sum(len(v) for v in values if isinstance(v, bytes | str))
        if len(batch) >= _BATCH_ROWS or held >= _BATCH_BYTES:
            connection.execute(table.insert(), batch)
            batch, held = [], 0
    if everything:
        batch = _parents_first(table, everything)
    if batch:
        connection.execute(table.insert(), batch)
    return rows


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """PostgreSQL: the next id after the restored ones (explicit ids leave them at 1)."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quote(table.name), "column": column.name},
            ).scalar()
            if sequence:
                # Identifiers from the reflected schema, quoted by the dialect.
                col, tbl = quote(column.name), quote(table.name)
                sql = f"SELECT setval(:seq, COALESCE(MAX({col}), 1), MAX({col}) IS NOT NULL) FROM {tbl}"  # noqa: S608
                connection.execute(text(sql), {"seq": sequence})


def restore_backup(url: str, settings: Settings, source: Path) -> RestoreResult:
    """Restore ``source`` into the empty database at ``url`` and the instance folder.

    Every check comes first (archive checksums, schema revision, an empty target, the
    server secret and the Argon2id cost); a refused restore changes nothing. The rows
    go in in one transaction: a failure part-way leaves the target empty again.
    """
    # Unpacked next to the instance, not in /tmp: it holds the secret, and the instance's
    # disk is the one sized for the data.
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".wbs-restore-", dir=settings.instance_path))
    try:
        archive = _read_archive(source, folder)
        manifest = archive.manifest
        revision = str(manifest["alembic_revision"])
        if not _known_revision(url, revision):
            raise BackupError(
                f"The backup has schema revision {revision}, which this WBS does not know: "
                "restore it with the WBS version that made it. Nothing was changed."
            )
        differences = _differences(archive, settings)
        argon2 = [item for item in differences if item[0] == "argon2"]
        if argon2:
            wanted = argon2[0][1]
            assert isinstance(wanted, dict)
            raise BackupError(
                "Tracking codes and officers' passwords were derived with another Argon2id "
                "cost: set WBS_ARGON2_MEMORY_KIB={memory_kib}, WBS_ARGON2_TIME_COST="
                "{time_cost}, WBS_ARGON2_PARALLELISM={parallelism} and run the restore "
                "again. Nothing was changed.".format(**wanted)
            )
        write_secret = _check_target_secret(archive, settings)
        engine = make_engine(url)
        try:
            try:
                target_revision = _target_revision(engine)
            except OperationalError as error:
                raise BackupError(
                    f"The target database cannot be reached: {error.orig}. Nothing was changed."
                ) from None
            if target_revision is not None and target_revision != revision:
                raise BackupError(
                    f"The target database has schema revision {target_revision}, the backup "
                    f"{revision}: restore into a database with no tables. Nothing was changed."
                )
            if write_secret:
                _write_secret(settings.instance_path, archive.secret)
            try:
                if target_revision is None:
                    migrate(url, revision)
                rows = _load(engine, archive)
            except (BackupError, SQLAlchemyError, OSError, ValueError, EOFError) as error:
                raise BackupError(
                    f"The restore failed and was rolled back: {error}. The target database "
                    "holds no rows (its tables may exist now); fix the cause and run the "
                    "restore again."
                ) from error
            migrate(url)  # to this WBS's head, when the backup is older
            with Session(engine) as session:
                detail = f"backup of {manifest['created_at']} ({manifest['dialect']})"
                record(
                    session,
                    ServerKeys.from_secret(archive.secret).audit_chain,
                    RESTORED,
                    at=now_utc(),
                    detail=detail,
                )
                session.commit()
        finally:
            engine.dispose()
        return RestoreResult(
            created_at=str(manifest["created_at"]),
            dialect=str(manifest["dialect"]),
            revision=revision,
            rows=rows,
            secret_written=write_secret,
            differences=[item for item in differences if item[0] != "argon2"],
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _load(engine: Engine, archive: _Archive) -> dict[str, int]:
    tables_in_backup: dict[str, Any] = archive.manifest["tables"]
    rows: dict[str, int] = {}
    with engine.begin() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        missing = sorted(set(tables_in_backup) - set(metadata.tables))
        if missing:
            raise BackupError(f"The target has no table {missing[0]}.")
        loaded = [t for t in metadata.sorted_tables if t.name in tables_in_backup]
        if AUDIT_HEAD in tables_in_backup:
            # The genesis row the migration wrote gives way to the backup's head.
            connection.execute(metadata.tables[AUDIT_HEAD].delete())
        for table in loaded:
            entry = tables_in_backup[table.name]
            rows[table.name] = _load_table(connection, table, archive, entry["columns"])
            if rows[table.name] != entry["rows"]:
                raise BackupError(
                    f"{table.name} holds {rows[table.name]} rows in the backup, its manifest "
                    f"says {entry['rows']}. "
                )
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection, loaded)
    return rows
