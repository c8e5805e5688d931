"""``python -m bench brute-force``: guessing tracking codes against a real stack (issue 6).

An attacker script sends random tracking codes to ``POST /api/v1/reports/status``: codes
with a valid check digit (the algorithm is public), so every guess that gets through
costs the server one Argon2id run. Attacks of ``--lookups`` guesses each (default
10,000) against gunicorn + PostgreSQL + Redis (bench/live_stack.py: default Argon2 and
default limits, addresses as behind one proxy):

1. from one address;
2. from 50 rotating addresses (round robin);
3. (``--forged-lookups``, default 1,000) from one address that forges an X-Forwarded-For
   entry of its own in every request, which the proxy extends with the real address
   (nginx's ``$proxy_add_x_forwarded_for``): the forged part must not count.

For each: how many guesses were answered (a real look-up, 404) before the limit
(failed look-ups per address) answered 429 instead, and how many of them went beyond the
limit (concurrent guesses that passed the check before the counter caught up).
Meanwhile honest reporters, each from his own address, look up their real codes; their
latency (p50/p95) during each attack is printed beside the latency when idle.

Size: ``--lookups``, ``--forged-lookups``, ``--addresses``, ``--concurrency`` (attacker
connections, default 8), ``--workers``, ``--attacker-nice`` (default 19, see
guess_codes), or WBS_BRUTE_LOOKUPS, WBS_BRUTE_FORGED_LOOKUPS, WBS_BRUTE_ADDRESSES,
WBS_BRUTE_CONCURRENCY, WBS_BRUTE_WORKERS, WBS_BRUTE_ATTACKER_NICE. The run fails (exit 1)
when an honest look-up is refused or any request gets a 5xx.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.live_stack import Stack, live_stack, server_problems
from bench.verify import record
from wbs.tracking_code import TrackingCode

# RFC 2544 keeps 198.18.0.0/15 for benchmarks: attackers in 198.18/16, honest people in 198.19/16.
ATTACKER = "198.18.0.7"
HONEST_PAUSE = 0.25
IDLE_LOOKUPS = 20
HONEST_REPORTS = 12


class Client:
    """One keep-alive connection that posts JSON, as behind a proxy."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=300)

    def post(self, path: str, body: object, forwarded_for: str) -> tuple[int, dict, float]:
        payload = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}
        began = time.perf_counter()
        try:
            self.connection.request("POST", path, body=payload, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
            return 0, {}, time.perf_counter() - began
        took = time.perf_counter() - began
        return response.status, (json.loads(data) if data else {}), took

    def close(self) -> None:
        self.connection.close()


def honest_addresses() -> Iterator[str]:
    return (f"198.19.{n // 250 % 250 + 1}.{n % 250 + 1}" for n in itertools.count())


def file_reports(url: str, count: int, addresses: Iterator[str]) -> list[str]:
    """Real reports through the API, each from its own address: the honest codes."""
    client = Client(url)
    try:
        connection = http.client.HTTPConnection(client.host, client.port, timeout=60)
        connection.request("GET", "/api/v1/categories")
        category = json.loads(connection.getresponse().read())["categories"][0]["code"]
        connection.request("GET", "/api/v1/agencies")
        agency = json.loads(connection.getresponse().read())["agencies"][0]["code"]
        connection.close()
        codes = []
        for number in range(count):
            body = {
                "category": category,
                "agency": agency,
                "description": f"Pungutan liar di loket pelayanan, laporan uji nomor {number}.",
            }
            status, answer, _took = client.post("/api/v1/reports", body, next(addresses))
            if status != 201:
                raise RuntimeError(f"filing an honest report: {status} {answer}")
            codes.append(answer["tracking_code"])
        return codes
    finally:
        client.close()


@dataclass
class Honest:
    # (when it began, how long it took) of each honest look-up that was answered.
    samples: list[tuple[float, float]] = field(default_factory=list)
    refused: Counter[int] = field(default_factory=Counter)

    def look_up(self, client: Client, code: str, address: str) -> None:
        began = time.monotonic()
        status, answer, took = client.post(
            "/api/v1/reports/status", {"tracking_code": code}, address
        )
        if status == 200 and answer.get("status"):
            self.samples.append((began, took))
        else:
            self.refused[status] += 1

    def summary(self, after: float = 0.0, before: float = float("inf")) -> str:
        """p50/p95 of the look-ups that began in [after, before)."""
        ordered = sorted(took for began, took in self.samples if after <= began < before)
        if not ordered:
            return "none in this part"
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        return (
            f"n={len(ordered)}, p50 {1000 * statistics.median(ordered):.0f} ms, "
            f"p95 {1000 * p95:.0f} ms" + (f", REFUSED {dict(self.refused)}" if self.refused else "")
        )


@dataclass
class Attack:
    name: str
    statuses: Counter[int] = field(default_factory=Counter)
    answered_by_address: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    server_cpu: float = 0.0
    # When the last guess that was answered came back: from then on every guess got 429.
    last_answered_at: float = 0.0
    honest: Honest = field(default_factory=Honest)


@dataclass(frozen=True)
class Addresses:
    """Where the guesses of an attack come from (picklable: the attacker is a process)."""

    kind: str  # "one", "rotating" or "forged"
    count: int = 1

    def of(self, number: int) -> str:
        if self.kind == "rotating":
            return f"198.18.1.{number % self.count + 1}"
        if self.kind == "forged":
            # A forged entry of his own, then the address the proxy appends.
            return f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}, 198.18.2.9"
        return ATTACKER


@dataclass
class Guesses:
    statuses: Counter[int] = field(default_factory=Counter)
    answered_by_address: Counter[str] = field(default_factory=Counter)
    # When the last guess that was answered came back (time.monotonic, shared by processes).
    last_answered_at: float = 0.0


def guess_codes(
    url: str, lookups: int, addresses: Addresses, concurrency: int, nice: int
) -> Guesses:
    """The attacker: ``concurrency`` connections sending random codes until ``lookups``.

    Runs in a process of its own at CPU priority ``nice``: it stands for the attacker's
    own computer, whose CPU is not the server's. On this 2-core machine both sides share
    the cores; at equal priority what the figures would show is how fast the attacker's
    Python sends, not what the server does for honest people.
    """
    if nice:
        os.nice(nice)
    result = Guesses()
    lock = threading.Lock()
    numbers = itertools.count()

    def attacker() -> None:
        client = Client(url)
        try:
            while True:
                with lock:
                    number = next(numbers)
                if number >= lookups:
                    return
                guess = TrackingCode.generate().digits
                status, _answer, _took = client.post(
                    "/api/v1/reports/status", {"tracking_code": guess}, addresses.of(number)
                )
                with lock:
                    result.statuses[status] += 1
                    if status in (200, 404):
                        # The address the server keys on: the last hop, which the proxy adds.
                        real = addresses.of(number).rsplit(",", 1)[-1].strip()
                        result.answered_by_address[real] += 1
                        result.last_answered_at = time.monotonic()
        finally:
            client.close()

    threads = [threading.Thread(target=attacker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def attack(
    stack: Stack,
    name: str,
    lookups: int,
    addresses: Addresses,
    concurrency: int,
    codes: list[str],
    nice: int,
) -> Attack:
    result = Attack(name)
    done = threading.Event()

    def honest_reporters() -> None:
        client = Client(stack.url)
        people = honest_addresses()
        try:
            for code in itertools.cycle(codes):
                if done.is_set():
                    return
                # A fresh address each time: the people are other people, elsewhere.
                result.honest.look_up(client, code, next(people))
                done.wait(HONEST_PAUSE)
        finally:
            client.close()

    cpu_before = stack.server_cpu_seconds()
    began = time.monotonic()
    watcher = threading.Thread(target=honest_reporters, daemon=True)
    watcher.start()
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            guesses = pool.submit(
                guess_codes, stack.url, lookups, addresses, concurrency, nice
            ).result()
    finally:
        result.seconds = time.monotonic() - began
        done.set()
    watcher.join()
    result.server_cpu = stack.server_cpu_seconds() - cpu_before
    result.statuses = guesses.statuses
    result.answered_by_address = guesses.answered_by_address
    result.last_answered_at = guesses.last_answered_at
    return result


def idle_latency(url: str, codes: list[str]) -> Honest:
    honest = Honest()
    client = Client(url)
    addresses = honest_addresses()
    try:
        for code in itertools.islice(itertools.cycle(codes), IDLE_LOOKUPS):
            honest.look_up(client, code, next(addresses))
            time.sleep(HONEST_PAUSE)
    finally:
        client.close()
    return honest


def print_attack(result: Attack, addresses: int, limit: str) -> None:
    answered = result.statuses[404] + result.statuses[200]
    throttled = result.statuses[429]
    other = {status: n for status, n in result.statuses.items() if status not in (200, 404, 429)}
    total = sum(result.statuses.values())
    per_address = sorted(result.answered_by_address.values())
    print(f"\n{result.name}")
    print(f"  {total} guesses in {result.seconds:.1f} s ({total / result.seconds:.0f}/s)")
    print(
        f"  answered (a real look-up, 404): {answered}; throttled (429): {throttled}"
        + (f"; other: {other}" if other else "")
    )
    if per_address:
        print(
            f"  answered per address: {per_address[0]}..{per_address[-1]} over "
            f"{len(per_address)} of {addresses} addresses (limit {limit!r})"
        )
    allowed = int(limit.split()[0])
    beyond = sum(max(0, count - allowed) for count in per_address)
    print(
        f"  answered beyond {allowed} per address: {beyond} (guesses already past the check "
        "when the counter caught up: the limit counts a failed look-up after it ran)"
    )
    print(
        f"  server CPU: {result.server_cpu:.1f} s in all, "
        f"{1000 * result.server_cpu / max(total, 1):.1f} ms per guess on average"
    )
    print(f"  honest look-ups meanwhile: {result.honest.summary()}")
    print(
        f"    while guesses were still answered: {result.honest.summary(before=result.last_answered_at)}"
    )
    print(
        f"    once every guess got 429:          {result.honest.summary(after=result.last_answered_at)}"
    )


@dataclass(frozen=True)
class Size:
    lookups: int
    forged_lookups: int
    addresses: int
    concurrency: int
    workers: int
    nice: int


def parse_size(argv: list[str]) -> Size:
    parser = argparse.ArgumentParser(prog="python -m bench brute-force")
    env = os.environ.get
    parser.add_argument("--lookups", type=int, default=int(env("WBS_BRUTE_LOOKUPS") or 10_000))
    parser.add_argument(
        "--forged-lookups", type=int, default=int(env("WBS_BRUTE_FORGED_LOOKUPS") or 1_000)
    )
    parser.add_argument("--addresses", type=int, default=int(env("WBS_BRUTE_ADDRESSES") or 50))
    parser.add_argument("--concurrency", type=int, default=int(env("WBS_BRUTE_CONCURRENCY") or 8))
    parser.add_argument("--workers", type=int, default=int(env("WBS_BRUTE_WORKERS") or 4))
    parser.add_argument(
        "--attacker-nice", type=int, default=int(env("WBS_BRUTE_ATTACKER_NICE") or 19)
    )
    args = parser.parse_args(argv)
    return Size(
        args.lookups,
        args.forged_lookups,
        args.addresses,
        args.concurrency,
        args.workers,
        args.attacker_nice,
    )


def run(size: Size) -> int:
    print(
        f"brute force: {size.lookups} random-code status look-ups per attack, "
        f"{size.concurrency} attacker connections from a process at nice {size.nice} "
        "(the attacker's own computer: its CPU is not the server's)",
        flush=True,
    )
    with live_stack("wbs-bench-brute", 0, size.workers) as stack:
        for line in stack.describe():
            print("  " + line)
        limit = stack.settings.status_rate_limit
        codes = file_reports(stack.url, HONEST_REPORTS, honest_addresses())
        idle = idle_latency(stack.url, codes)
        print(f"\nhonest look-ups, server idle: {idle.summary()}", flush=True)
        attacks = [
            ("1. one address", size.lookups, Addresses("one")),
            (
                f"2. {size.addresses} rotating addresses",
                size.lookups,
                Addresses("rotating", size.addresses),
            ),
            (
                "3. one address forging X-Forwarded-For (the proxy appends the real one)",
                size.forged_lookups,
                Addresses("forged"),
            ),
        ]
        results = []
        for name, lookups, addresses in attacks:
            if not lookups:
                continue
            result = attack(stack, name, lookups, addresses, size.concurrency, codes, size.nice)
            print_attack(result, addresses.count, limit)
            results.append(result)
        problems = server_problems(stack)
        print(f"\nerror lines in the server log: {len(problems)}")
        for line in problems[:10]:
            print(f"  {line}")
    figures: dict[str, object] = {"honest p50 ms idle": _p50(idle.samples)}
    for number, result in enumerate(results, start=1):
        figures[f"attack {number} answered"] = result.statuses[404] + result.statuses[200]
        figures[f"attack {number} honest p50 ms"] = _p50(result.honest.samples)
    record(figures)
    failed = (
        idle.refused
        or problems
        or any(r.honest.refused for r in results)
        or any(status >= 500 or status == 0 for r in results for status in r.statuses)
    )
    return 1 if failed else 0


def _p50(samples: list[tuple[float, float]]) -> int | None:
    return round(1000 * statistics.median(t for _b, t in samples)) if samples else None


def main() -> int:
    return run(parse_size(sys.argv[2:]))
