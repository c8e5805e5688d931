"""Start the real application under gunicorn with the shipped config, for tests that
need a real server (HTTP on loopback, several workers, real logs)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    stdout_log: Path
    stderr_log: Path
    env: dict[str, str]

    def logs(self) -> bytes:
        return self.stdout_log.read_bytes() + self.stderr_log.read_bytes()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(instance: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WBS_")}
    env.update(
        {
            "WBS_INSTANCE_PATH": str(instance),
            "WBS_DATABASE_URL": database_url,
            "WBS_SECRET_KEY": "live-server-secret-key-long-enough-0123456789",
            "WBS_ARGON2_MEMORY_KIB": "256",
            "WBS_ARGON2_TIME_COST": "1",
        }
    )
    env.update(extra)
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "wbs"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        timeout=120,
    )


@contextmanager
def gunicorn_server(
    env: dict[str, str], log_dir: Path, workers: int = 2, demo: bool = True
) -> Iterator[LiveServer]:
    """Serve the app on a free loopback port; `wbs demo` first unless demo=False."""
    if demo:
        run_cli(env, "demo")
    port = free_port()
    env = {**env, "WBS_BIND": f"127.0.0.1:{port}", "WBS_WORKERS": str(workers)}
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_log, stderr_log = log_dir / "gunicorn.out", log_dir / "gunicorn.err"
    with stdout_log.open("wb") as out, stderr_log.open("wb") as err:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                str(REPO / "config" / "gunicorn.conf.py"),
                "wbs:create_app()",
            ],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=err,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process)
        yield LiveServer(url, process, stdout_log, stderr_log, env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before it served a request")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not become healthy within 30 seconds")
