"""``python -m bench faults``: the fault scenarios of issue 6, scripted end to end.

Each scenario runs the real server (gunicorn with the shipped config) against servers
of its own, never the machine's shared PostgreSQL or Redis:

- ``pg-stop-fast`` / ``pg-stop-immediate``: a private PostgreSQL cluster is stopped in
  the middle of a burst of reports (HTML form with a 1.5 MiB attachment, and JSON),
  then started again. Clients must get 503 with the message in their language (page or
  JSON), never another error; the same gunicorn workers serve again without a restart;
  every report form that got 503 is sent again (same submission token) and is filed
  once; no partial case or orphan chunk remains and every tracking code handed out
  opens its report.
- ``redis-down``: the private Redis holding the rate limits is stopped and started.
  The documented behaviour: limits fall back to a per-worker count in memory (never a
  5xx, never unlimited), and go back to the shared count when Redis is back.
- ``redis-hang``: Redis is frozen (SIGSTOP) instead of stopped: no request waits for it
  longer than the limiter's socket timeout, and the per-worker limit holds.
- ``disk-full-sqlite`` / ``disk-full-pg``: the database lives on a small tmpfs (SQLite
  file, or a PostgreSQL tablespace) that fills up. The reporter gets the 503 page, no
  report is half saved; after the tmpfs is enlarged the same forms are filed.
- ``mail-down``: tests/test_notifications.py covers it with a real SMTP server
  (aiosmtpd) stopped and started; it is run here, not duplicated.

Needs root for the tmpfs mounts and for running PostgreSQL as the ``postgres`` user;
a scenario that cannot be set up is reported SKIP, not FAIL. Prints one row per
scenario; exits 1 when any scenario FAILs.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import redis
import requests
from sqlalchemy import create_engine, text

from bench.verify import record
from tests.live_server import BIN, REPO, LiveServer, free_port, gunicorn_server, server_env
from wbs.server_keys import ServerKeys

PG_BIN = Path(os.environ.get("WBS_FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
UNLIMITED = "1000000 per hour"
MESSAGES = {
    "en": "Nothing was saved; please try again in a few minutes.",
    "id": "Tidak ada yang tersimpan; silakan coba lagi beberapa menit lagi.",
}
CODE = re.compile(r"<strong>(\d{4} \d{4} \d{4} \d{4})</strong>")
EVIDENCE = os.urandom(1024 * 1024 + 512 * 1024)  # two chunks
REPORT = {
    "category": "pungli",
    "agency": "DINKES",
    "description": "Petugas loket meminta uang tambahan untuk setiap berkas yang diurus.",
}
TIMEOUT = 60


# Private servers of the running scenario, stopped by run_one() whatever happens.
_CLEANUPS: list[Callable[[], None]] = []


class SetupImpossible(Exception):
    """This machine cannot run the scenario (no root, no mount, no PostgreSQL binaries)."""


@dataclass
class Row:
    scenario: str
    requests: int = 0
    unavailable: int = 0
    other_errors: int = 0
    damaged: int = 0
    result: str = "PASS"
    notes: list[str] = field(default_factory=list)

    def fail(self, why: str) -> None:
        self.result = "FAIL"
        self.notes.append(why)


# --- private servers ----------------------------------------------------------------------


def _as_postgres(*args: str) -> subprocess.CompletedProcess[str]:
    command = list(args)
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)


class PrivatePostgres:
    """A throw-away cluster on a free port, in a temp dir, that may be stopped at will."""

    def __init__(self, root: Path) -> None:
        if not (PG_BIN / "initdb").exists():
            raise SetupImpossible(f"no PostgreSQL binaries in {PG_BIN}")
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(root, owner.pw_uid, owner.pw_gid)
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "--auth=trust", "-U", "postgres")
        _CLEANUPS.append(self.close)
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        _as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
            "-o", options, "-w", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def execute(self, sql: str, database: str = "postgres") -> None:
        engine = create_engine(self.url(database), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(sql))
        finally:
            engine.dispose()

    def close(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop("immediate")


class PrivateRedis:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _CLEANUPS.append(self.stop)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            with suppress(redis.ConnectionError):
                if client.ping():
                    return
            time.sleep(0.05)
        raise SetupImpossible("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # in case redis-hang froze it
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        raise SetupImpossible(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def grow(path: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


# --- a reporter's browser -------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # "page", "filed", "again" (200, same code), "unavailable", "error"
    code: str = ""
    detail: str = ""


class Reporter:
    """One browser: its own cookies, its language, the forms it still has to send."""

    def __init__(self, base: str, language: str, address: str) -> None:
        self.base = base
        self.language = language
        self.http = requests.Session()
        self.http.cookies.set("lang", language)
        # The server trusts one proxy in these scenarios: each reporter its own address.
        self.http.headers["X-Forwarded-For"] = address
        self.unsent: list[dict[str, str]] = []

    def _unavailable(self, response: requests.Response, json: bool) -> bool:
        if response.status_code != 503 or not response.headers.get("Retry-After"):
            return False
        if json:
            error = response.json().get("error", {})
            return error.get("code") == "unavailable" and MESSAGES[self.language] in error.get(
                "message", ""
            )
        return MESSAGES[self.language] in response.text

    def _judge(self, response: requests.Response, json: bool) -> Outcome:
        if response.status_code in (200, 201):
            if json:
                return Outcome("filed", response.json()["tracking_code"])
            match = CODE.search(response.text)
            if match:
                kind = "filed" if response.status_code == 201 else "again"
                return Outcome(kind, match.group(1).replace(" ", ""))
        if self._unavailable(response, json):
            return Outcome("unavailable")
        return Outcome("error", detail=f"{response.status_code} {response.text[:200]!r}")

    def new_form(self) -> dict[str, str] | Outcome:
        page = self.http.get(f"{self.base}/report", timeout=TIMEOUT)
        if page.status_code != 200:
            outcome = self._judge(page, json=False)
            return outcome if outcome.kind == "unavailable" else Outcome("error", detail="form")
        fields = {
            name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page.text)
            for name in ("csrf_token", "submission_token")
        }
        return {name: m.group(1) for name, m in fields.items() if m} | REPORT

    def send_form(self, form: dict[str, str]) -> Outcome:
        response = self.http.post(
            f"{self.base}/report",
            data=form,
            files={"evidence": ("rekaman.mp3", EVIDENCE, "audio/mpeg")},
            timeout=TIMEOUT,
        )
        outcome = self._judge(response, json=False)
        if outcome.kind == "unavailable":
            if REPORT["description"] not in response.text:
                return Outcome("error", detail="503 page without the reporter's text")
            self.unsent.append(form)
        return outcome

    def send_json(self) -> Outcome:
        response = self.http.post(f"{self.base}/api/v1/reports", json=REPORT, timeout=TIMEOUT)
        return self._judge(response, json=True)

    def one_round(self, number: int) -> list[Outcome]:
        """A report through the form (two requests), every third one through the API."""
        try:
            if number % 3 == 2:
                return [self.send_json()]
            form = self.new_form()
            if isinstance(form, Outcome):
                return [form]
            return [Outcome("page"), self.send_form(form)]
        except requests.RequestException as error:
            return [Outcome("error", detail=type(error).__name__)]


@dataclass
class Tally:
    outcomes: Counter[str] = field(default_factory=Counter)
    codes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcomes: list[Outcome]) -> None:
        with self.lock:
            for outcome in outcomes:
                self.outcomes[outcome.kind] += 1
                if outcome.code:
                    self.codes.append(outcome.code)
                if outcome.kind == "error":
                    self.errors.append(outcome.detail)


def burst(reporters: list[Reporter], stop: threading.Event, tally: Tally) -> list[threading.Thread]:
    def run(reporter: Reporter) -> None:
        number = 0
        while not stop.is_set():
            outcomes = reporter.one_round(number)
            tally.add(outcomes)
            number += 1
            if any(outcome.kind == "unavailable" for outcome in outcomes):
                time.sleep(0.2)  # a person reads the page before trying again

    threads = [threading.Thread(target=run, args=(r,), daemon=True) for r in reporters]
    for thread in threads:
        thread.start()
    return threads


def resend_unsent(reporters: list[Reporter], tally: Tally) -> tuple[int, int]:
    """Send again every form that got 503: filed now (201) or recognised (200)."""
    sent = refused = 0
    for reporter in reporters:
        for form in reporter.unsent:
            outcome = reporter.send_form(form)
            sent += 1
            tally.add([outcome])
            if outcome.kind not in ("filed", "again"):
                refused += 1
        reporter.unsent = []
    return sent, refused


# --- what the database holds afterwards ---------------------------------------------------

DAMAGE_QUERIES = {
    "partial cases": (
        "SELECT count(*) FROM case_file c WHERE c.body IS NULL OR length(c.body) = 0 "
        "OR length(c.sealed_key) = 0 OR length(c.reporter_key) = 0 "
        "OR NOT EXISTS (SELECT 1 FROM case_event e WHERE e.case_id = c.id)"
    ),
    "incomplete attachments": (
        "SELECT count(*) FROM attachment a WHERE length(a.meta) = 0 OR a.chunk_count = 0 "
        "OR a.chunk_count <> (SELECT count(*) FROM attachment_chunk k "
        "WHERE k.attachment_id = a.id)"
    ),
    "orphan chunks": (
        "SELECT count(*) FROM attachment_chunk k "
        "WHERE NOT EXISTS (SELECT 1 FROM attachment a WHERE a.id = k.attachment_id)"
    ),
    "orphan attachments": (
        "SELECT count(*) FROM attachment a "
        "WHERE NOT EXISTS (SELECT 1 FROM case_file c WHERE c.id = a.case_id)"
    ),
}


def inspect_database(url: str, codes: list[str], row: Row, server: LiveServer) -> None:
    """No damaged row, exactly one case per tracking code handed out, each code opens."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            for name, query in DAMAGE_QUERIES.items():
                count = connection.execute(text(query)).scalar_one()
                row.damaged += count
                if count:
                    row.fail(f"{count} {name}")
            cases = connection.execute(text("SELECT count(*) FROM case_file")).scalar_one()
    finally:
        engine.dispose()
    distinct = set(codes)
    if cases != len(distinct):
        row.damaged += abs(cases - len(distinct))
        row.fail(f"{cases} cases in the database for {len(distinct)} tracking codes handed out")
    lost = 0
    for code in sorted(distinct):
        response = requests.post(
            f"{server.url}/api/v1/reports/status", json={"tracking_code": code}, timeout=TIMEOUT
        )
        lost += response.status_code != 200
    if lost:
        row.damaged += lost
        row.fail(f"{lost} tracking codes open nothing")
    row.notes.append(f"{cases} cases, each whole")
    _wbs_check(server, row)


def _wbs_check(server: LiveServer, row: Row) -> None:
    """`wbs check` (issue 6's consistency command) when this checkout has it."""
    result = subprocess.run(
        [str(BIN / "wbs"), "check"],
        env=server.env,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    if "No such command" in result.stderr:
        return
    if result.returncode != 0:
        row.fail(f"wbs check exit {result.returncode}: {result.stdout.strip()[-200:]}")
    else:
        row.notes.append("wbs check ok")


# --- scenarios ---------------------------------------------------------------------------


def _env(instance: Path, database_url: str, **extra: str) -> dict[str, str]:
    limits = {
        "WBS_SUBMIT_RATE_LIMIT": UNLIMITED,
        "WBS_STATUS_RATE_LIMIT": UNLIMITED,
        "WBS_TRUSTED_PROXIES": "1",
    }
    return server_env(instance, database_url, **(limits | extra))


def _reporters(server: LiveServer, count: int, first_address: int = 10) -> list[Reporter]:
    return [
        Reporter(server.url, ("en", "id")[i % 2], f"198.51.100.{first_address + i}")
        for i in range(count)
    ]


def pg_stop(temp: Path, mode: str) -> Row:
    row = Row(f"pg-stop-{mode}")
    pg = PrivatePostgres(temp / "pg")
    redis_server = PrivateRedis(temp)
    try:
        pg.execute("CREATE DATABASE wbs")
        env = _env(temp / "instance", pg.url("wbs"), WBS_RATELIMIT_STORAGE_URI=redis_server.url)
        with gunicorn_server(env, temp / "logs", workers=2) as server:
            workers_before = _workers(server)
            reporters = _reporters(server, 4)
            tally, stop = Tally(), threading.Event()
            threads = burst(reporters, stop, tally)
            time.sleep(4)
            pg.stop(mode)
            time.sleep(6)  # requests meanwhile must all be 503
            down_unavailable = tally.outcomes["unavailable"]
            pg.start()
            restarted, started = len(tally.codes), time.monotonic()
            recovered = None
            while time.monotonic() - started < 8:
                if recovered is None and len(tally.codes) > restarted:
                    recovered = time.monotonic() - started
                time.sleep(0.05)
            stop.set()
            for thread in threads:
                thread.join(timeout=TIMEOUT)
            if len(tally.codes) <= restarted:
                row.fail("no report filed after PostgreSQL came back")
            if not down_unavailable:
                row.fail("no 503 while PostgreSQL was down: the fault was not exercised")
            resent, refused = resend_unsent(reporters, tally)
            if refused:
                row.fail(f"{refused} of {resent} forms sent again were refused")
            if _workers(server) != workers_before:
                row.fail("gunicorn workers were restarted")
            row.requests = sum(tally.outcomes.values())
            row.unavailable = tally.outcomes["unavailable"]
            row.other_errors = tally.outcomes["error"]
            if row.other_errors:
                row.fail(f"other errors: {Counter(tally.errors).most_common(3)}")
            if recovered is not None:
                row.notes.append(f"first report filed {recovered:.1f} s after PostgreSQL was up")
            row.notes.append(f"{resent} form(s) that got 503 sent again: each filed once")
            inspect_database(pg.url("wbs"), tally.codes, row, server)
    finally:
        redis_server.stop()
        pg.close()
    return row


def _workers(server: LiveServer) -> list[int]:
    from bench.server import children_of

    return children_of(server.process.pid)


def _redis_limited_env(temp: Path, redis_server: PrivateRedis, attempts: int) -> dict[str, str]:
    """A SQLite instance whose status look-ups are limited to ``attempts`` an hour in the
    private Redis (the two Redis scenarios)."""
    return _env(
        temp / "instance",
        f"sqlite:///{temp / 'wbs.sqlite3'}",
        WBS_RATELIMIT_STORAGE_URI=redis_server.url,
        WBS_STATUS_RATE_LIMIT=f"{attempts} per hour",
    )


def redis_down(temp: Path) -> Row:
    row = Row("redis-down")
    redis_server = PrivateRedis(temp)
    attempts = 5
    env = _redis_limited_env(temp, redis_server, attempts)
    keys = ServerKeys.from_secret(env["WBS_SECRET_KEY"])
    try:
        with gunicorn_server(env, temp / "logs", workers=2) as server:
            statuses: Counter[int] = Counter()

            def look_ups(address: str, count: int) -> list[int]:
                answers = []
                for _ in range(count):
                    # A new connection each time, so that both workers get some.
                    response = requests.post(
                        f"{server.url}/api/v1/reports/status",
                        json={"tracking_code": "0000000000000000"},
                        headers={"X-Forwarded-For": address, "Connection": "close"},
                        timeout=TIMEOUT,
                    )
                    answers.append(response.status_code)
                statuses.update(answers)
                return answers

            def counted_in_redis(address: str) -> int:
                hashed = keys.address_key(address, datetime.now(UTC).date()).encode()
                store = redis_server.client()
                found = [k for k in store.scan_iter() if hashed in k and b"status" in k]
                return sum(int(store.get(k) or 0) for k in found)

            shared = look_ups("198.51.100.1", attempts + 3)
            if shared.count(404) != attempts:
                row.fail(f"with Redis up, {shared.count(404)} look-ups were let through")
            redis_server.stop()
            down = look_ups("198.51.100.2", 4 * attempts)
            # Per worker: each of the 2 workers allows `attempts`, then throttles.
            if not attempts <= down.count(404) <= 2 * attempts or 429 not in down:
                row.fail(f"with Redis down: {Counter(down)}")
            reporters = _reporters(server, 2)
            tally = Tally()
            for number in range(4):
                for reporter in reporters:
                    tally.add(reporter.one_round(number))
            if tally.outcomes["error"] or tally.outcomes["unavailable"]:
                row.fail(f"filing with Redis down: {tally.outcomes}")
            redis_server.start()
            # Back to the shared count once every worker has tried Redis again (after
            # 1, 2, 4 ... 32 s): then one address gets exactly `attempts` again.
            deadline, address, back = time.monotonic() + 120, 10, False
            while time.monotonic() < deadline and not back:
                again = look_ups(f"198.51.101.{address}", attempts + 3)
                # Every look-up let through was counted in Redis, by whichever worker.
                back = again.count(404) == attempts == counted_in_redis(f"198.51.101.{address}")
                address += 1
                time.sleep(2)
            if not back:
                row.fail("the shared count never came back with Redis")
            else:
                row.notes.append(f"shared count back after {address - 10} tries")
            row.requests = sum(statuses.values()) + sum(tally.outcomes.values())
            row.unavailable = statuses[503] + tally.outcomes["unavailable"]
            row.other_errors = sum(n for s, n in statuses.items() if s >= 500 and s != 503)
            row.other_errors += tally.outcomes["error"]
            if row.other_errors or row.unavailable:
                row.fail("5xx while Redis was down")
            row.notes.append(f"look-ups let through with Redis down: {down.count(404)}")
            inspect_database(f"sqlite:///{temp / 'wbs.sqlite3'}", tally.codes, row, server)
    finally:
        redis_server.stop()
    return row


def redis_hang(temp: Path) -> Row:
    """Redis stops answering without closing anything (SIGSTOP: the kernel still accepts
    connections): a request must not wait for it beyond the 2 s socket timeout."""
    row = Row("redis-hang")
    redis_server = PrivateRedis(temp)
    attempts = 5
    env = _redis_limited_env(temp, redis_server, attempts)
    assert redis_server.process is not None
    try:
        with gunicorn_server(env, temp / "logs", workers=2) as server:
            redis_server.process.send_signal(signal.SIGSTOP)
            answers: Counter[int | str] = Counter()
            slowest = 0.0
            try:
                for _ in range(4 * attempts):
                    began = time.monotonic()
                    try:
                        response = requests.post(
                            f"{server.url}/api/v1/reports/status",
                            json={"tracking_code": "0000000000000000"},
                            headers={"X-Forwarded-For": "198.51.100.5", "Connection": "close"},
                            timeout=30,
                        )
                        answers[response.status_code] += 1
                    except requests.RequestException as error:
                        answers[type(error).__name__] += 1
                    slowest = max(slowest, time.monotonic() - began)
            finally:
                redis_server.process.send_signal(signal.SIGCONT)
            row.requests = sum(answers.values())
            row.unavailable = answers[503]
            row.other_errors = sum(n for k, n in answers.items() if k not in (404, 429, 503))
            row.notes.append(f"answers {dict(answers)}, slowest {slowest:.1f} s")
            if row.other_errors or row.unavailable:
                row.fail("errors while Redis hung")
            if not attempts <= answers[404] <= 2 * attempts or not answers[429]:
                row.fail("the per-worker limit did not hold")
            if slowest > 10:
                row.fail("a request waited for the hung Redis")
    finally:
        redis_server.stop()
    return row


def _fill_until_full(server: LiveServer, row: Row) -> tuple[list[Reporter], Tally]:
    reporters = _reporters(server, 2)
    tally = Tally()
    refused_in_a_row = 0
    for number in range(200):
        reporter = reporters[number % 2]
        outcomes = reporter.one_round(0)  # always the form with its attachment
        tally.add(outcomes)
        refused_in_a_row = refused_in_a_row + 1 if outcomes[-1].kind == "unavailable" else 0
        if refused_in_a_row >= 6 or tally.outcomes["error"]:
            break
    if not tally.outcomes["unavailable"]:
        row.fail("the disk never filled up")
    return reporters, tally


def _after_full(
    reporters: list[Reporter], tally: Tally, row: Row, enlarge: Callable[[], None]
) -> None:
    enlarge()
    resent, refused = resend_unsent(reporters, tally)
    if refused:
        row.fail(f"{refused} of {resent} forms sent again after freeing space were refused")
    row.requests = sum(tally.outcomes.values())
    row.unavailable = tally.outcomes["unavailable"]
    row.other_errors = tally.outcomes["error"]
    if row.other_errors:
        row.fail(f"other errors: {Counter(tally.errors).most_common(3)}")
    row.notes.append(f"{resent} form(s) that got 503 sent again after freeing space")


def disk_full_sqlite(temp: Path) -> Row:
    row = Row("disk-full-sqlite")
    with tmpfs(temp / "small", "6m") as small:
        url = f"sqlite:///{small / 'wbs.sqlite3'}"
        env = _env(temp / "instance", url)
        with gunicorn_server(env, temp / "logs", workers=2) as server:
            reporters, tally = _fill_until_full(server, row)
            free = shutil.disk_usage(small).free
            row.notes.append(f"full with {free // 1024} KiB left")
            _after_full(reporters, tally, row, lambda: grow(small, "64m"))
            inspect_database(url, tally.codes, row, server)
            engine = create_engine(url)
            with engine.connect() as connection:
                check = connection.execute(text("PRAGMA integrity_check")).scalar_one()
            engine.dispose()
            if check != "ok":
                row.fail(f"integrity_check: {check}")
    return row


def disk_full_pg(temp: Path) -> Row:
    row = Row("disk-full-pg")
    pg = PrivatePostgres(temp / "pg")
    try:
        with tmpfs(temp / "small", "24m") as small:
            space = small / "tablespace"
            space.mkdir()
            if os.geteuid() == 0:
                owner = pwd.getpwnam("postgres")
                os.chown(space, owner.pw_uid, owner.pw_gid)
            pg.execute(f"CREATE TABLESPACE small LOCATION '{space}'")
            pg.execute("CREATE DATABASE wbs TABLESPACE small")
            env = _env(temp / "instance", pg.url("wbs"))
            with gunicorn_server(env, temp / "logs", workers=2) as server:
                reporters, tally = _fill_until_full(server, row)
                log = (pg.root / "log").read_text(errors="replace")
                full = [line for line in log.splitlines() if "No space left on device" in line]
                if not full:
                    row.fail("PostgreSQL never reported a full disk")
                else:
                    row.notes.append(f"PostgreSQL said: {full[0].split('ERROR:')[-1].strip()}")
                _after_full(reporters, tally, row, lambda: grow(small, "128m"))
                inspect_database(pg.url("wbs"), tally.codes, row, server)
    finally:
        pg.close()
    return row


def mail_down(_temp: Path) -> Row:
    """By reference: tests/test_notifications.py stops and restarts a real SMTP server."""
    row = Row("mail-down")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_notifications.py", "-k", "server_is_down or concurrent_runs"],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )  # fmt: skip
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    row.notes.append(f"by reference, tests/test_notifications.py: {summary}")
    if result.returncode != 0:
        row.fail(result.stdout[-500:])
    return row


SCENARIOS: dict[str, Callable[[Path], Row]] = {
    "pg-stop-fast": lambda temp: pg_stop(temp, "fast"),
    "pg-stop-immediate": lambda temp: pg_stop(temp, "immediate"),
    "redis-down": redis_down,
    "redis-hang": redis_hang,
    "disk-full-sqlite": disk_full_sqlite,
    "disk-full-pg": disk_full_pg,
    "mail-down": mail_down,
}


def run_one(name: str) -> Row:
    temp = Path(tempfile.mkdtemp(prefix=f"wbs-faults-{name}-"))
    os.chmod(temp, 0o755)  # noqa: S103 - the postgres user must reach its cluster inside
    try:
        row = SCENARIOS[name](temp)
    except SetupImpossible as error:
        row = Row(name, result="SKIP", notes=[str(error)])
    except Exception as error:  # noqa: BLE001 - a crashed scenario is a FAIL row, not a traceback
        row = Row(name)
        row.fail(f"{type(error).__name__}: {error}")
    finally:
        while _CLEANUPS:
            with suppress(Exception):
                _CLEANUPS.pop()()
    if row.result == "FAIL":
        kept = Path(tempfile.mkdtemp(prefix=f"wbs-faults-{name}-logs-"))
        for log in [*temp.glob("logs/*"), *temp.glob("pg/log")]:
            shutil.copy(log, kept / log.name)
        row.notes.append(f"server logs kept in {kept}")
    shutil.rmtree(temp, ignore_errors=True)
    return row


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[2:]) or list(SCENARIOS)
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        print(f"unknown scenario {unknown}; choose from {', '.join(SCENARIOS)}")
        return 2
    header = f"{'scenario':<20} {'requests':>8} {'503s':>6} {'other errors':>12} {'lost/half':>9}  result"
    print(header)
    print("-" * len(header))
    rows = []
    for name in names:
        row = run_one(name)
        rows.append(row)
        print(
            f"{row.scenario:<20} {row.requests:>8} {row.unavailable:>6} "
            f"{row.other_errors:>12} {row.damaged:>9}  {row.result}",
            flush=True,
        )
        for note in row.notes:
            print(f"{'':<22}{note}")
    record(
        {
            "scenarios passed": f"{sum(row.result == 'PASS' for row in rows)}/{len(rows)}",
            "503s": sum(row.unavailable for row in rows),
            "other errors": sum(row.other_errors for row in rows),
            "lost/half-written": sum(row.damaged for row in rows),
        }
    )
    return 1 if any(row.result == "FAIL" for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
