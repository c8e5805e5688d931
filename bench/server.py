"""A real server for the benchmarks: a temp instance, a fresh database, gunicorn.

The server runs with the shipped ``config/gunicorn.conf.py`` and the application's
DEFAULT Argon2 parameters: no ``WBS_ARGON2_*`` variable reaches it. Only the rate
limits are raised, or the load would be throttled after a few requests.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from wbs.settings import normalise_database_url

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
UNLIMITED = "1000000 per hour"


@dataclass(frozen=True)
class Server:
    url: str
    master_pid: int
    log_dir: Path

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: processes whose parent is the master."""
        return children_of(self.master_pid)


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in brackets may hold spaces: fields start after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent:
            pids.append(int(entry.name))
    return sorted(pids)


def memory_kib(pid: int) -> dict[str, int]:
    """VmHWM (peak resident set) and VmRSS (current) of a process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmHWM", "VmRSS"}:
            values[key] = int(rest.split()[0])
    return values


@contextmanager
def bench_database(instance: Path) -> Iterator[tuple[str, str]]:
    """(backend name, URL): SQLite in the instance, or a fresh PostgreSQL database
    created in WBS_BENCH_DATABASE_URL and dropped afterwards."""
    admin_url = os.environ.get("WBS_BENCH_DATABASE_URL")
    if not admin_url:
        yield "sqlite", f"sqlite:///{instance / 'wbs.sqlite3'}"
        return
    url = make_url(normalise_database_url(admin_url))
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"wbs_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    try:
        yield "postgresql", url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


def server_env(instance: Path, database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WBS_")}
    env.update(
        {
            "WBS_INSTANCE_PATH": str(instance),
            "WBS_DATABASE_URL": database_url,
            "WBS_SECRET_KEY": "bench-server-secret-key-long-enough-0123456789",
            "WBS_SUBMIT_RATE_LIMIT": UNLIMITED,
            "WBS_STATUS_RATE_LIMIT": UNLIMITED,
            "WBS_LOG_LEVEL": "warning",
            # The shipped config's default, stated so the report names what was measured.
            "WBS_THREADS": "4",
        }
    )
    return env


def prepare(env: dict[str, str]) -> None:
    """Migrate, initialise and load the demo agencies and categories (`wbs demo`)."""
    done = subprocess.run(
        [str(BIN / "wbs"), "demo"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        # stdout holds the demo passwords and recovery key of a throw-away instance only.
        raise RuntimeError(f"wbs demo failed:\n{done.stderr[-3000:]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], log_dir: Path, workers: int) -> Iterator[Server]:
    port = _free_port()
    env = {**env, "WBS_BIND": f"127.0.0.1:{port}", "WBS_WORKERS": str(workers)}
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "gunicorn.log").open("ab") as log:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                str(REPO / "config" / "gunicorn.conf.py"),
                "wbs:create_app()",
            ],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=log,
        )
    server = Server(f"http://127.0.0.1:{port}", process.pid, log_dir)
    try:
        _wait_until_ready(server, process, workers)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(server: Server, process: subprocess.Popen[bytes], workers: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {server.log_dir / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200 and len(server.worker_pids()) == workers:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not become healthy within 60 seconds")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds spent not idle by the whole machine, all cores together."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")
