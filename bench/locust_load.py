"""``python -m bench load``: citizens and officers at once against a real stack (issue 6).

Locust, run as a library, drives 200 simulated reporters and 20 officers for 60 seconds
against gunicorn + PostgreSQL + Redis on loopback (bench/live_stack.py: default Argon2
parameters, default rate limits, client addresses as behind one proxy).

- A reporter is a stream of citizens, each with his own address (so the per-address
  limits hold as they would for real people). Most file a report through the web form
  (half of them with one or two evidence files, some larger than one 1 MiB chunk), open
  it with the tracking code and reply; 40 % come back to a report filed earlier (20 are
  filed through the JSON API before the load) to open it and reply.
- Like the reverse proxy in front of production (nginx speaks HTTP/1.0 to its upstream
  unless told otherwise), the driver sends one request per connection
  (``Connection: close``). Keep-alive straight to gunicorn loses requests under
  overload: gthread closes a connection idle for 2 s (``keepalive``) and a request sent
  on it at that moment fails with a reset; a run without this lost 41 of 654 requests
  that way (none of them after the server had accepted it).
- Officers log in before the load (password, then TOTP enrolment: three Argon2id runs
  each, once a day); then each reads the queue and case pages and moves cases on
  (acknowledge, ask the reporter, investigate, resume). Two officers may race on one
  case: the loser's 409 is the designed answer, counted apart.

Afterwards every report that got a 201 is opened again with its code (the reporter's
page must show the same text, every reply and byte-identical files) and by an officer
(the case page must show the same text and replies; every file downloads
byte-identical). The run fails (exit 1) on any 5xx, any other failed request, any
error line in the server log, or any lost or unreadable report.

Size: ``--seconds``, ``--reporters``, ``--officers``, ``--workers`` or WBS_LOAD_SECONDS,
WBS_LOAD_REPORTERS, WBS_LOAD_OFFICERS, WBS_LOAD_WORKERS (a CI-sized run:
``python -m bench load --seconds 10 --reporters 20 --officers 4``).
"""

from __future__ import annotations

# isort: off
# Locust patches the standard library with gevent when imported: before anything that
# imports ssl (requests).
import locust  # noqa: F401

# isort: on
import argparse
import html
import itertools
import os
import random
import re
import secrets
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import gevent
import requests
from gevent.pool import Pool
from locust import HttpUser, between, events, task
from locust.env import Environment

from bench.live_stack import Officer, Stack, limiter_key_count, live_stack, server_problems
from bench.staff_browser import CSRF, PrefixedSession, login, token
from bench.verify import record
from wbs.crypto import argon2id

MARKER_PREFIX = "LT-"
KiB = 1024
# Evidence sizes: mostly small, some spanning two 1 MiB chunks (DESIGN.md, "Storage").
FILE_SIZES = (8 * KiB, 8 * KiB, 120 * KiB, 120 * KiB, 1536 * KiB)
QUEUE_STATES = ("received", "triage", "need_info")
# Share of citizens who come back to a report filed earlier (status, then a reply).
RETURNING = 0.4
# Reports filed through the API before the load, so that returning citizens exist at once.
SEEDED = 20
# When the time is up, how long requests in flight may take to finish.
DRAIN_SECONDS = 300

_SUBMISSION = re.compile(r'name="submission_token"[^>]*value="([^"]+)"')
_CODE = re.compile(r'<p class="code"[^>]*><strong>([0-9 ]+)</strong>')
_QUEUE_LINK = re.compile(r'href="/admin/cases/(\d+)"')
_NEXT_PAGE = re.compile(r'href="(/admin/cases\?[^"]*after=[^"]*)"')
_TEXT_DD = re.compile(r'<dd class="text">(.*?)</dd>', re.DOTALL)
_REPORTER_FILE = re.compile(r'href="/status/attachment/(\d+)">([^<]+)</a>')
_OFFICER_FILE = re.compile(r'href="/admin/cases/(\d+)/attachments/(\d+)">([^<]+)</a>')


# --- what the run records -------------------------------------------------------------


@dataclass
class Filed:
    """A report that got its 201: what the citizen sent, to compare afterwards."""

    code: str
    marker: str
    description: str
    files: dict[str, bytes]
    replies: list[str] = field(default_factory=list)


@dataclass
class Ledger:
    references: tuple[list[str], list[str]] = ([], [])
    filed: list[Filed] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    failure_reasons: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    # Officers' browser sessions, logged in before the load begins.
    officer_sessions: list[tuple[requests.Session, str]] = field(default_factory=list)
    addresses: itertools.count[int] = field(default_factory=itertools.count)
    officer_numbers: itertools.count[int] = field(default_factory=itertools.count)
    recording: bool = True
    # Set when the time is up: nobody starts anything new; requests in flight finish.
    draining: bool = False

    def next_address(self) -> str:
        number = next(self.addresses)
        return f"10.{1 + number // 65536 % 200}.{number // 256 % 256}.{number % 256}"


LEDGER = Ledger()


@events.request.add_listener
def _on_request(
    name: str,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    **_kwargs: Any,
) -> None:
    if not LEDGER.recording:
        return
    LEDGER.latencies.setdefault(name, []).append(response_time)
    status = getattr(response, "status_code", 0) or 0
    if status >= 500:
        LEDGER.server_errors[name] += 1
    if status == 429:
        LEDGER.throttled[name] += 1
    if exception is not None:
        LEDGER.failures[name] += 1
        LEDGER.failure_reasons[f"{name}: {str(exception)[:100]}"] += 1


def evidence(marker: str) -> dict[str, bytes]:
    """Zero, one or two files whose bytes must come back unchanged (PDF and text: no
    metadata stripping touches them, unlike images)."""
    files: dict[str, bytes] = {}
    for number in range(random.choice((1, 1, 2))):
        size = random.choice(FILE_SIZES)
        if random.random() < 0.5:
            name = f"bukti-{marker}-{number}.pdf"
            files[name] = b"%PDF-1.4\n" + random.randbytes(size)
        else:
            name = f"catatan-{marker}-{number}.txt"
            line = f"Catatan {marker}: kuitansi tanpa dasar, potongan 10% — café Braga.\n"
            files[name] = (line * (size // len(line.encode()) + 1)).encode()
    return files


def description(marker: str) -> str:
    # HTML-special characters, non-ASCII and a line break: shown back byte for byte.
    return (
        f'[{marker}] Kepala seksi meminta "uang pelicin" Rp2.500.000 & <amplop> untuk izin '
        f"usaha; saksi: Ibu O'Hara — café Braga.\nTerjadi setiap Senin, nomor {marker[-6:]}."
    )


# --- the simulated people -------------------------------------------------------------


class ReporterUser(HttpUser):
    """One after another, citizens who file, check and reply."""

    abstract = True
    wait_time = between(1, 4)

    @task
    def citizen(self) -> None:
        if LEDGER.draining:
            return
        self.client.cookies.clear()
        self.client.headers["X-Forwarded-For"] = LEDGER.next_address()
        self.client.headers["Connection"] = "close"
        if random.random() < RETURNING and LEDGER.filed:
            # A citizen who filed earlier comes back to check and answer.
            filed: Filed | None = random.choice(LEDGER.filed)
        else:
            filed = self._submit(with_files=random.random() < 0.5)
            if filed is None or LEDGER.draining:
                return
            gevent.sleep(random.uniform(0.5, 2.0))
        assert filed is not None
        page = self._open(filed.code)
        if page is None or LEDGER.draining:
            return
        gevent.sleep(random.uniform(0.5, 2.0))
        self._reply(filed, page)

    def _submit(self, with_files: bool) -> Filed | None:
        form = self.client.get("/report", name="report form")
        if form.status_code != 200:
            return None
        marker = f"{MARKER_PREFIX}{secrets.token_hex(6)}"
        files = evidence(marker) if with_files else {}
        categories, agencies = LEDGER.references
        data = {
            "csrf_token": token(CSRF, form.text),
            "submission_token": token(_SUBMISSION, form.text),
            "category": random.choice(categories),
            "agency": random.choice(agencies),
            "description": description(marker),
            "location": "Kantor kecamatan",
        }
        upload = [
            ("evidence", (name, content, "application/octet-stream"))
            for name, content in files.items()
        ]
        name = "submit (attachment)" if files else "submit (no file)"
        with self.client.post(
            "/report",
            data=data,
            files=upload or None,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"status {response.status_code} {response.error or ''}")
                return None
            match = _CODE.search(response.text)
            if not match:
                response.failure("no tracking code on the page")
                return None
        filed = Filed(match.group(1).replace(" ", ""), marker, data["description"], files)
        LEDGER.filed.append(filed)
        return filed

    def _open(self, code: str) -> str | None:
        form = self.client.get("/status", name="status form")
        if form.status_code != 200:
            return None
        with self.client.post(
            "/status",
            data={"csrf_token": token(CSRF, form.text), "tracking_code": code},
            name="status look-up",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 303:
                response.failure(f"status {response.status_code} {response.error or ''}")
                return None
        with self.client.get(
            "/status/case", name="case page (reporter)", catch_response=True
        ) as page:
            if page.status_code != 200 or MARKER_PREFIX not in page.text:
                page.failure(f"status {page.status_code}, report not shown")
                return None
            return page.text

    def _reply(self, filed: Filed, page: str) -> None:
        text = (
            f"Tambahan {filed.marker} #{secrets.token_hex(3)}: bendahara mengulanginya "
            "pada 3 Maret & 10 Maret."
        )
        with self.client.post(
            "/status/reply",
            data={"csrf_token": token(CSRF, page), "message": text},
            name="reply",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 303:
                response.failure(f"status {response.status_code} {response.error or ''}")
                return
        filed.replies.append(text)
        self.client.get("/status/case", name="case page (reporter)")


class OfficerUser(HttpUser):
    """An officer at work: queue, case pages, transitions."""

    abstract = True
    wait_time = between(1, 3)

    def on_start(self) -> None:
        number = next(LEDGER.officer_numbers)
        session, self.csrf = LEDGER.officer_sessions[number]
        self.client.headers["X-Forwarded-For"] = session.headers["X-Forwarded-For"]
        self.client.headers["Connection"] = "close"
        self.client.cookies.update(session.cookies)
        self.seen: list[int] = []

    def _queue(self, status: str) -> list[int]:
        page = self.client.get(f"/admin/cases?status={status}", name="queue")
        ids = [int(value) for value in _QUEUE_LINK.findall(page.text)]
        self.seen = (ids + self.seen)[:200]
        return ids

    @task(3)
    def queue(self) -> None:
        if LEDGER.draining:
            return
        self._queue(random.choice(("", *QUEUE_STATES)))

    @task(3)
    def case_page(self) -> None:
        if LEDGER.draining:
            return
        if not self.seen:
            self._queue("")
        if self.seen:
            case_id = random.choice(self.seen)
            self.client.get(f"/admin/cases/{case_id}", name="case page (officer)")

    @task(2)
    def transition(self) -> None:
        if LEDGER.draining:
            return
        status = random.choice(QUEUE_STATES)
        ids = self._queue(status)
        if not ids:
            return
        case_id = random.choice(ids[:20])
        form: dict[str, str] = {"csrf_token": self.csrf}
        if status == "received":
            action = "acknowledge"
        elif status == "triage" and random.random() < 0.5:
            action = "ask"
            form["question"] = "Mohon sebutkan tanggal dan nama kegiatan yang dimaksud."
        elif status == "triage":
            action = "investigate"
            form["note"] = "Bukti awal cukup."
        else:
            action = "resume"
            form.update(target="triage", note="Lanjut penelaahan.")
        with self.client.post(
            f"/admin/cases/{case_id}/{action}",
            data=form,
            name=f"transition ({action})",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                # Another officer moved the case first: the designed answer to a race.
                LEDGER.conflicts += 1
                response.success()
            elif response.status_code != 303:
                response.failure(f"status {response.status_code} {response.error or ''}")


def seed_reports(base_url: str, count: int) -> list[Filed]:
    """Reports filed through the JSON API before the load, each from its own address."""
    categories, agencies = LEDGER.references

    def one(number: int) -> Filed:
        marker = f"{MARKER_PREFIX}{secrets.token_hex(6)}"
        body = {
            "category": random.choice(categories),
            "agency": random.choice(agencies),
            "description": description(marker),
        }
        response = requests.post(
            f"{base_url}/api/v1/reports",
            json=body,
            headers={"X-Forwarded-For": f"10.252.0.{number + 1}"},
            timeout=300,
        )
        if response.status_code != 201:
            raise RuntimeError(f"seeding a report: {response.status_code}")
        return Filed(response.json()["tracking_code"], marker, body["description"], {})

    return list(Pool(4).imap(one, range(count)))


def log_in_officers(base_url: str, accounts: list[Officer]) -> list[tuple[requests.Session, str]]:
    """Each officer's browser session, logged in (password, TOTP enrolment) before the
    load begins: a login costs three Argon2id runs, and an officer logs in once a day."""

    def one(item: tuple[int, Officer]) -> tuple[requests.Session, str]:
        number, account = item
        session = requests.Session()
        session.headers["X-Forwarded-For"] = f"10.250.0.{number + 1}"
        csrf = login(PrefixedSession(session, base_url), account)
        return session, csrf

    return list(Pool(4).imap(one, enumerate(accounts)))


# --- afterwards: does every filed report open, byte for byte? -------------------------


@dataclass
class Check:
    reporter_ok: int = 0
    officer_ok: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)
    server_errors: int = 0
    unmatched_cases: int = 0

    def problem(self, filed: Filed, text: str) -> None:
        self.problems.setdefault(filed.marker, []).append(text)


class Verifier:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def get(
        self, session: requests.Session, path: str, check: Check, **kwargs: Any
    ) -> requests.Response:
        response = session.get(self.base_url + path, timeout=300, **kwargs)
        if response.status_code >= 500:
            check.server_errors += 1
        return response

    def as_reporter(self, filed: Filed, address: str, check: Check) -> None:
        session = requests.Session()
        session.headers["X-Forwarded-For"] = address
        form = self.get(session, "/status", check)
        response = session.post(
            self.base_url + "/status",
            data={"csrf_token": token(CSRF, form.text), "tracking_code": filed.code},
            allow_redirects=False,
            timeout=300,
        )
        if response.status_code != 303:
            check.server_errors += response.status_code >= 500
            check.problem(
                filed, f"reporter: the code did not open the report ({response.status_code})"
            )
            return
        page = self.get(session, "/status/case", check).text
        ok = self._same_text(filed, page, check, "reporter")
        shown = {html.unescape(name): number for number, name in _REPORTER_FILE.findall(page)}
        for name, content in filed.files.items():
            if name not in shown:
                ok = False
                check.problem(filed, f"reporter: file {name} not listed")
                continue
            got = self.get(session, f"/status/attachment/{shown[name]}", check).content
            if got != content:
                ok = False
                check.problem(
                    filed, f"reporter: file {name} differs ({len(got)} of {len(content)} bytes)"
                )
        check.reporter_ok += ok

    def as_officer(
        self, session: requests.Session, by_marker: dict[str, Filed], check: Check
    ) -> None:
        case_ids: list[int] = []
        path: str | None = "/admin/cases?status="
        while path:
            page = self.get(session, path, check).text
            case_ids.extend(int(value) for value in _QUEUE_LINK.findall(page))
            following = _NEXT_PAGE.search(page)
            path = html.unescape(following.group(1)) if following else None
        seen: set[str] = set()

        def one(case_id: int) -> None:
            page = self.get(session, f"/admin/cases/{case_id}", check).text
            texts = [html.unescape(value) for value in _TEXT_DD.findall(page)]
            marker = next(
                (t[1 : t.index("]")] for t in texts if t.startswith(f"[{MARKER_PREFIX}")), None
            )
            filed = by_marker.get(marker or "")
            if filed is None:
                check.unmatched_cases += 1
                return
            seen.add(filed.marker)
            ok = self._same_text(filed, page, check, "officer")
            shown = {
                html.unescape(name): attachment
                for _case, attachment, name in _OFFICER_FILE.findall(page)
            }
            for name, content in filed.files.items():
                if name not in shown:
                    ok = False
                    check.problem(filed, f"officer: file {name} not listed")
                    continue
                got = self.get(
                    session, f"/admin/cases/{case_id}/attachments/{shown[name]}", check
                ).content
                if got != content:
                    ok = False
                    check.problem(
                        filed, f"officer: file {name} differs ({len(got)} of {len(content)} bytes)"
                    )
            check.officer_ok += ok

        Pool(4).map(one, case_ids)
        for marker, filed in by_marker.items():
            if marker not in seen:
                check.problem(filed, "officer: no case shows this report")

    @staticmethod
    def _same_text(filed: Filed, page: str, check: Check, who: str) -> bool:
        texts = [html.unescape(value) for value in _TEXT_DD.findall(page)]
        ok = filed.description in texts
        if not ok:
            check.problem(filed, f"{who}: report text differs or missing")
        unescaped = html.unescape(page)
        for reply in filed.replies:
            if reply not in unescaped:
                ok = False
                check.problem(filed, f"{who}: reply missing")
        return ok


def verify(stack: Stack, filed: list[Filed], verifier_account: Officer) -> Check:
    check = Check()
    verifier = Verifier(stack.url)
    addresses = (f"10.251.{n // 256}.{n % 256}" for n in itertools.count())
    Pool(6).map(lambda item: verifier.as_reporter(item, next(addresses), check), filed)
    session = requests.Session()
    session.headers["X-Forwarded-For"] = "10.250.1.1"
    session_client = PrefixedSession(session, stack.url)
    login(session_client, verifier_account)
    verifier.as_officer(session, {item.marker: item for item in filed}, check)
    return check


# --- running and printing --------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    seconds: float
    reporters: int
    officers: int
    workers: int


def parse_size(argv: list[str]) -> Size:
    parser = argparse.ArgumentParser(prog="python -m bench load")
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("WBS_LOAD_SECONDS") or 60)
    )
    parser.add_argument(
        "--reporters", type=int, default=int(os.environ.get("WBS_LOAD_REPORTERS") or 200)
    )
    parser.add_argument(
        "--officers", type=int, default=int(os.environ.get("WBS_LOAD_OFFICERS") or 20)
    )
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WBS_LOAD_WORKERS") or 4))
    args = parser.parse_args(argv)
    return Size(args.seconds, args.reporters, args.officers, args.workers)


def percentile(values: list[float], quantile: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]


def print_table(seconds: float) -> None:
    head = f"{'action':<28} {'requests':>8} {'fail':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}"
    print(head)
    print("-" * len(head))
    for name in sorted(LEDGER.latencies):
        values = LEDGER.latencies[name]
        print(
            f"{name:<28} {len(values):>8} {LEDGER.failures[name]:>5} "
            f"{statistics.median(values):>8.0f} {percentile(values, 0.95):>8.0f} "
            f"{percentile(values, 0.99):>8.0f} {len(values) / seconds:>7.2f}"
        )
    every = [value for values in LEDGER.latencies.values() for value in values]
    if every:
        print("-" * len(head))
        print(
            f"{'all':<28} {len(every):>8} {sum(LEDGER.failures.values()):>5} "
            f"{statistics.median(every):>8.0f} {percentile(every, 0.95):>8.0f} "
            f"{percentile(every, 0.99):>8.0f} {len(every) / seconds:>7.2f}"
        )


def run(size: Size) -> int:
    print(
        f"load: {size.reporters} reporters + {size.officers} officers for {size.seconds:.0f} s",
        flush=True,
    )
    with live_stack("wbs-bench-load", size.officers + 1, size.workers) as stack:
        for line in stack.describe():
            print("  " + line)
        print("  connections: one request each (Connection: close), as a proxy's to its upstream")
        began = time.perf_counter()
        argon2id(b"0000000000000000", secrets.token_bytes(16), stack.settings.argon2)
        print(
            f"  one Argon2id run here, now: {1000 * (time.perf_counter() - began):.0f} ms "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
            flush=True,
        )
        categories = requests.get(stack.url + "/api/v1/categories", timeout=30).json()
        agencies = requests.get(stack.url + "/api/v1/agencies", timeout=30).json()
        LEDGER.references = (
            [item["code"] for item in categories["categories"]],
            [item["code"] for item in agencies["agencies"]],
        )
        started = time.monotonic()
        LEDGER.filed.extend(seed_reports(stack.url, min(SEEDED, size.reporters)))
        print(
            f"  {len(LEDGER.filed)} reports filed through the API before the load, for "
            f"returning citizens ({RETURNING:.0%} of visits), in {time.monotonic() - started:.1f} s",
            flush=True,
        )
        started = time.monotonic()
        LEDGER.officer_sessions = log_in_officers(stack.url, stack.officers[: size.officers])
        print(
            f"  {size.officers} officers logged in (password + TOTP) before the load, "
            f"in {time.monotonic() - started:.1f} s",
            flush=True,
        )
        reporter = type(
            "Reporter", (ReporterUser,), {"fixed_count": size.reporters, "abstract": False}
        )
        officer = type("Officer", (OfficerUser,), {"fixed_count": size.officers, "abstract": False})
        users = [
            cls for cls, count in ((reporter, size.reporters), (officer, size.officers)) if count
        ]
        environment = Environment(
            user_classes=users, host=stack.url, events=events, stop_timeout=DRAIN_SECONDS
        )
        runner = environment.create_local_runner()
        total = size.reporters + size.officers
        keys_before = limiter_key_count(stack.redis_url)
        began = time.monotonic()
        runner.start(total, spawn_rate=max(1.0, total / 5))
        gevent.sleep(size.seconds)
        LEDGER.draining = True
        runner.quit()
        runner.greenlet.join()
        LEDGER.recording = False
        elapsed = time.monotonic() - began
        print(
            f"\nran {elapsed:.1f} s: {size.seconds:.0f} s of load (users started within the "
            f"first 5 s), then {elapsed - size.seconds:.1f} s for the requests in flight to "
            "finish\n"
        )
        print_table(elapsed)
        with_files = sum(1 for item in LEDGER.filed if item.files)
        print(
            f"\nreports filed (201): {len(LEDGER.filed)} (of which {min(SEEDED, size.reporters)} "
            f"before the load; {with_files} with evidence, "
            f"{sum(len(item.files) for item in LEDGER.filed)} files); replies: "
            f"{sum(len(item.replies) for item in LEDGER.filed)}"
        )
        for reason, count in LEDGER.failure_reasons.most_common(10):
            print(f"  failure x{count}: {reason}")
        print(f"officer races answered 409 (expected, not errors): {LEDGER.conflicts}")
        print(f"throttled (429): {sum(LEDGER.throttled.values())} {dict(LEDGER.throttled)}")
        print(
            f"limiter keys added to Redis during the run: {limiter_key_count(stack.redis_url) - keys_before}"
        )
        print(
            "\nverifying every filed report (reporter with his code, then an officer)...",
            flush=True,
        )
        started = time.monotonic()
        check = verify(stack, LEDGER.filed, stack.officers[size.officers])
        print(f"  took {time.monotonic() - started:.1f} s")
        lost = len(check.problems)
        print(
            f"  opened by code, same text, replies and files: {check.reporter_ok}/{len(LEDGER.filed)}"
        )
        print(
            f"  opened by an officer, same text, replies and files: {check.officer_ok}/{len(LEDGER.filed)}"
        )
        print(f"  cases with no 201 seen by a client (cut off at the end): {check.unmatched_cases}")
        for marker, texts in list(check.problems.items())[:10]:
            print(f"  {marker}: {'; '.join(texts)}")
        problems = server_problems(stack)
        server_errors = sum(LEDGER.server_errors.values()) + check.server_errors
        print(f"\nserver errors (5xx): {server_errors} {dict(LEDGER.server_errors)}")
        print(f"error lines in the server log: {len(problems)}")
        for line in problems[:10]:
            print(f"  {line}")
        print(f"lost or unreadable reports: {lost}")
    failed_requests = sum(LEDGER.failures.values())
    every = [value for values in LEDGER.latencies.values() for value in values]
    record(
        {
            "reports filed": len(LEDGER.filed),
            "requests": len(every),
            "req/s": round(len(every) / elapsed, 2),
            "p95 ms": round(percentile(every, 0.95)) if every else None,
            "failed requests": failed_requests,
            "5xx": server_errors,
            "lost or unreadable": lost,
        }
    )
    return 1 if server_errors or failed_requests or problems or lost or not LEDGER.filed else 0


def main() -> int:
    return run(parse_size(sys.argv[2:]))
