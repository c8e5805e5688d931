"""The audit chain at scale: `wbs audit verify` over 1,000,000 entries in PostgreSQL.

Fills a fresh database with a chain written the way wbs.audit.record writes it (same
entry_hash, same head row), but in bulk: hashes computed here, rows sent with COPY.
Then times the check twice: wbs.audit.verify in this process, and the operator's
command `wbs audit verify` as a subprocess (start-up included), with the peak resident
memory of that subprocess, which shows the entries are streamed, not loaded at once.

Run alone: ``.venv/bin/python -m bench audit`` (WBS_BENCH_DATABASE_URL, else the local
PostgreSQL ``postgresql://postgres@127.0.0.1:5432/test``, is used to create and drop a
fresh database; WBS_BENCH_AUDIT_ENTRIES changes the count).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from bench import postgres_part
from bench.postgres_part import size
from bench.server import BIN, REPO, server_env
from wbs.audit import GENESIS_HASH, entry_hash, verify
from wbs.db import Database, migrate
from wbs.server_keys import ServerKeys
from wbs.settings import normalise_database_url

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_ENTRIES = 1_000_000
START = datetime(2021, 1, 4, 7, 30, 0, 250_000)
# What staff actions write (wbs.audit: ids, codes and status names only).
ACTIONS = (
    "login",
    "case.viewed",
    "case.status_changed",
    "attachment.opened",
    "message.sent",
    "note.added",
)
COPY_SQL = (
    "COPY audit_entry (seq, at, staff_id, action, case_id, detail, prev_hash, entry_hash) "
    "FROM STDIN"
)


def _say(text: str = "") -> None:
    print(text, flush=True)


@contextmanager
def fresh_database(admin_url: str | None = None, prefix: str = "wbs_bench_audit") -> Iterator[str]:
    """A new, empty PostgreSQL database (SQLAlchemy URL), dropped afterwards."""
    admin = make_url(
        normalise_database_url(admin_url or os.environ.get("WBS_BENCH_DATABASE_URL") or DEFAULT_URL)
    )
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"{prefix}_{secrets.token_hex(3)}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


def _entries(chain_key: bytes, count: int) -> Iterator[tuple[object, ...]]:
    """The rows record() would have written, about one a minute over the years."""
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        at = START + timedelta(seconds=seq * 61, microseconds=seq % 1000)
        staff_id = 1 + seq % 40
        action = ACTIONS[seq % len(ACTIONS)]
        case_id = None if action == "login" else 1 + (seq * 7919) % 250_000
        detail = "" if case_id is None else f"status=investigation case={case_id}"
        digest = entry_hash(
            chain_key,
            prev,
            seq=seq,
            at=at,
            staff_id=staff_id,
            action=action,
            case_id=case_id,
            detail=detail,
        )
        yield seq, at, staff_id, action, case_id, detail, prev, digest
        prev = digest


def fill(url: str, chain_key: bytes, count: int) -> bytes:
    """Migrate, COPY ``count`` chained entries and move the head; returns the last hash."""
    migrate(url)
    last = GENESIS_HASH
    with psycopg.connect(postgres_part.dsn(url)) as connection:
        with connection.cursor() as cursor, cursor.copy(COPY_SQL) as copy:  # type: ignore[arg-type]
            for row in _entries(chain_key, count):
                copy.write_row(row)
                last = row[-1]  # type: ignore[assignment]
        connection.execute(
            "UPDATE audit_head SET last_seq = %s, last_hash = %s WHERE id = 1", (count, last)
        )
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE audit_entry")
    return last


def _time_function(url: str, chain_key: bytes) -> tuple[float, float, int]:
    """Wall and CPU seconds of wbs.audit.verify in this process, and the entries checked.
    CPU time is what the check costs whatever else the machine is doing."""
    db = Database(url)
    try:
        with db.sessions() as session:
            start, cpu_start = time.perf_counter(), time.process_time()
            result = verify(session, chain_key)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    finally:
        db.dispose()
    if not result.ok:
        raise RuntimeError(f"the benchmark chain does not verify: {result.problem}")
    return seconds, cpu, result.entries


def _time_command(env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall and CPU seconds, peak RSS (KiB) and first output line of `wbs audit verify`."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "wbs"), "audit", "verify"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # wait4 gives this one child's own resource usage (RUSAGE_CHILDREN would mix in
    # every earlier child of a `make bench` run, gunicorn included).
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stdout is not None and process.stderr is not None
    output, errors = process.stdout.read(), process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    if process.returncode != 0:
        raise RuntimeError(f"wbs audit verify failed:\n{output}{errors[-3000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, output.splitlines()[0]


def run(count: int = DEFAULT_ENTRIES, admin_url: str | None = None) -> dict[str, object]:
    """Fill a fresh PostgreSQL database with ``count`` entries and time the check."""
    with (
        tempfile.TemporaryDirectory(prefix="wbs-bench-audit-") as temp,
        fresh_database(admin_url) as url,
    ):
        instance = Path(temp) / "instance"
        instance.mkdir()
        env = server_env(instance, url)
        chain_key = ServerKeys.from_secret(env["WBS_SECRET_KEY"]).audit_chain
        _say(f"Audit: filling PostgreSQL with {count:,} chained entries (COPY)…")
        start = time.perf_counter()
        fill(url, chain_key, count)
        fill_seconds = time.perf_counter() - start
        _say(f"  filled in {fill_seconds:.0f} s; verifying in process, then `wbs audit verify`…")
        function_seconds, function_cpu, checked = _time_function(url, chain_key)
        command_seconds, command_cpu, peak_kib, line = _time_command(env)
    return {
        "entries": count,
        "checked": checked,
        "fill_s": round(fill_seconds, 1),
        "verify_s": round(function_seconds, 2),
        "verify_cpu_s": round(function_cpu, 2),
        "verify_entries_per_second": round(count / function_seconds),
        "command_s": round(command_seconds, 2),
        "command_cpu_s": round(command_cpu, 2),
        "command_entries_per_second": round(count / command_seconds),
        "command_peak_rss_mib": round(peak_kib / 1024, 1),
        "command_output": line,
    }


def print_results(results: dict[str, object] | None) -> None:
    if results is None:  # skipped: run_in_suite said why
        return
    count = results["entries"]
    _say(f"\nAudit chain, {count:,} entries in PostgreSQL (keyed HMAC-SHA256, streamed):")
    _say(f"  {'':<22}{'wall':>10}{'entries/s':>12}{'CPU':>10}")
    _say(
        f"  {'verify() in process':<22}{results['verify_s']:>8.2f} s"
        f"{results['verify_entries_per_second']:>12,}{results['verify_cpu_s']:>8.2f} s"
    )
    _say(
        f"  {'`wbs audit verify`':<22}{results['command_s']:>8.2f} s"
        f"{results['command_entries_per_second']:>12,}{results['command_cpu_s']:>8.2f} s"
        f"   start-up included; peak RSS {results['command_peak_rss_mib']} MiB"
    )
    _say("  CPU: user + system time of that process; wall time above it was spent waiting.")
    _say(f"  it printed: {results['command_output']}")


def _count() -> int:
    return size("WBS_BENCH_AUDIT_ENTRIES", DEFAULT_ENTRIES)


def run_in_suite() -> dict[str, object] | None:
    return postgres_part.run_in_suite("Audit", run, _count())


def main() -> int:
    print_results(run(_count()))
    return 0
