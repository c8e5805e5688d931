"""What the load and brute-force runs share: gunicorn + PostgreSQL + Redis on loopback,
set up as production is (README, "Deployment"), only on a throw-away database.

- A fresh PostgreSQL database (in WBS_BENCH_DATABASE_URL's server), dropped afterwards.
- Rate-limit storage in Redis (WBS_BENCH_REDIS_URL, default DB 13 of the local server,
  kept for these runs); a random server secret per run, so that no limiter key of
  another run (earlier, or at the same time) counts against this one. The keys are left
  to expire as the limits set them (a day at most): deleting them would reset the
  counters of a run going on at the same time.
- The shipped gunicorn config with several workers, the DEFAULT Argon2 parameters and
  the DEFAULT rate limits: no ``WBS_ARGON2_*`` or ``WBS_*_RATE_LIMIT`` reaches the server.
- As behind one reverse proxy (``WBS_TRUSTED_PROXIES=1``, the README's production
  setting): the client address the limits key on comes from X-Forwarded-For. The
  drivers play the proxy and give each simulated person an address of his own, which
  is what a real proxy does for real people.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.audit import fresh_database
from bench.server import children_of, cpu_seconds, gunicorn
from wbs import create_app
from wbs.app_context import database
from wbs.demo_data import load_reference_data
from wbs.installation import initialise, now_utc
from wbs.keyring import active_unit_key, wrap_for_officer
from wbs.settings import Settings, load_settings
from wbs.staff_accounts import create_staff

DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
# Intake officers triage; supervisors do the rest (DESIGN.md, "Who uses it").
SUPERVISOR_EVERY = 4


@dataclass(frozen=True)
class Officer:
    username: str
    password: str = ""


@dataclass(frozen=True)
class Stack:
    url: str
    settings: Settings
    officers: list[Officer]
    workers: int
    redis_url: str
    log_dir: Path
    master_pid: int

    def server_cpu_seconds(self) -> float:
        """CPU time the gunicorn workers have used so far (user + system)."""
        return sum(cpu_seconds(pid) for pid in children_of(self.master_pid))

    def describe(self) -> list[str]:
        argon = self.settings.argon2
        return [
            f"server: gunicorn {self.workers} workers x {os.environ.get('WBS_THREADS', '4')}"
            " threads (config/gunicorn.conf.py), PostgreSQL (fresh database), "
            f"Redis limits at {self.redis_url}",
            f"Argon2id: m={argon.memory_kib // 1024} MiB, t={argon.time_cost}, "
            f"p={argon.parallelism} (the defaults)",
            f"rate limits (defaults): submit {self.settings.submit_rate_limit!r}, failed "
            f"status look-ups {self.settings.status_rate_limit!r}, per client address",
            "client addresses: WBS_TRUSTED_PROXIES=1 (behind one proxy, as in production); "
            "the driver sets X-Forwarded-For, one address per simulated person",
        ]


def _env(instance: Path, database_url: str, redis_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WBS_")}
    env.update(
        {
            "WBS_INSTANCE_PATH": str(instance),
            "WBS_DATABASE_URL": database_url,
            "WBS_SECRET_KEY": secrets.token_urlsafe(48),
            "WBS_RATELIMIT_STORAGE_URI": redis_url,
            "WBS_TRUSTED_PROXIES": "1",
            "WBS_DEFAULT_LOCALE": "en",
            "WBS_LOG_LEVEL": "warning",
            "WBS_THREADS": os.environ.get("WBS_THREADS", "4"),
        }
    )
    return env


def _prepare(settings: Settings, officers: int) -> list[Officer]:
    """`wbs init` and the reference data through the app's own functions, then the
    officers, each holding a wrap of the unit key as after a supervisor's grant."""
    app = create_app(settings)
    db = database(app)
    try:
        result = initialise(db, settings, "admin", secrets.token_urlsafe(18))
        if result is None:
            raise RuntimeError("the fresh database was already initialised")
        accounts = []
        with db.session() as session:
            load_reference_data(session)
            unit_key = active_unit_key(session)
            for number in range(1, officers + 1):
                supervisor = number % SUPERVISOR_EVERY == 0
                username = f"{'irban' if supervisor else 'verifikator'}{number:02d}"
                password = f"bench-{secrets.token_urlsafe(12)}-2026"
                staff = create_staff(
                    session,
                    username=username,
                    display_name=username.title(),
                    password=password,
                    roles={"supervisor"} if supervisor else {"intake"},
                    params=settings.argon2,
                    now=now_utc(),
                )
                wrap_for_officer(
                    session,
                    unit_key,
                    result.unit_private_key,
                    staff,
                    password,
                    settings.argon2,
                    now_utc(),
                )
                accounts.append(Officer(username, password))
        return accounts
    finally:
        db.dispose()


def limiter_key_count(redis_url: str) -> int:
    client = redis.Redis.from_url(redis_url)
    try:
        return sum(1 for _key in client.scan_iter(match="LIMITS:LIMITER/wbs/*", count=1000))
    finally:
        client.close()


@contextmanager
def live_stack(prefix: str, officers: int, workers: int) -> Iterator[Stack]:
    redis_url = os.environ.get("WBS_BENCH_REDIS_URL") or DEFAULT_REDIS
    redis.Redis.from_url(redis_url).ping()
    with (
        tempfile.TemporaryDirectory(prefix=f"{prefix}-") as temp,
        fresh_database(prefix=prefix.replace("-", "_")) as database_url,
    ):
        instance = Path(temp) / "instance"
        env = _env(instance, database_url, redis_url)
        settings = load_settings(env)
        accounts = _prepare(settings, officers)
        log_dir = Path(temp) / "logs"
        with gunicorn(env, log_dir, workers) as server:
            yield Stack(
                server.url, settings, accounts, workers, redis_url, log_dir, server.master_pid
            )


_PROBLEM = re.compile(r"^(ERROR|CRITICAL)|Traceback|WORKER TIMEOUT", re.MULTILINE)


def server_problems(stack: Stack) -> list[str]:
    """Error lines gunicorn and the app wrote (exceptions, worker time-outs)."""
    log = stack.log_dir / "gunicorn.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return [line for line in text.splitlines() if _PROBLEM.search(line)]
